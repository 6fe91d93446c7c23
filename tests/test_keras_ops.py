"""seegrad.keras.ops against Keras 3's keras.ops (torch backend): every op on the same inputs gives the
same values, shape and dtype; ops used inside a custom layer and a custom loss train through fit to
Keras' figures; a metric subclass with add_weight logs Keras' values; an op this module lacks raises
NotSupported naming it."""
import numpy as np
import pytest

from keras_helpers import compile_both, fit_both, oracle, per_lib, twins
from seegrad import keras as S
from seegrad.keras import NotSupported

pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning")]  # Keras 3 on numpy 2

X = np.array([[1.5, -2.0, 3.0], [0.5, 4.0, -1.0]], np.float32)
XI = np.array([[1, 2, 0], [2, 0, 1]], np.int64)
X64 = np.array([[0.25, 1.0], [2.0, -3.5]], np.float64)
B = X > 0
LABELS = np.array([1, 0, 2, 2], np.uint8)

# (name, op(ops)): each is run with keras.ops and with seegrad.keras.ops
CASES = [
    ("cast int", lambda ops: ops.cast(X, "int")),
    ("cast int of negatives", lambda ops: ops.cast(-X, "int32")),
    ("cast float32", lambda ops: ops.cast(XI, "float32")),
    ("cast bool", lambda ops: ops.cast(X, "bool")),
    ("cast float64", lambda ops: ops.cast(X, "float64")),
    ("cast uint8", lambda ops: ops.cast(np.abs(X), "uint8")),
    ("cast python int", lambda ops: ops.cast(X, int)),
    ("shape", lambda ops: ops.shape(X)),
    ("shape of a tensor + tuple", lambda ops: ops.shape(ops.ones((2, 5))) + (7,)),
    ("convert float64 array", lambda ops: ops.convert_to_tensor(X64)),
    ("convert int list", lambda ops: ops.convert_to_tensor([1, 2])),
    ("convert mixed list", lambda ops: ops.convert_to_tensor([1, 2.5])),
    ("convert float", lambda ops: ops.convert_to_tensor(1.5)),
    ("convert int", lambda ops: ops.convert_to_tensor(3)),
    ("convert bool", lambda ops: ops.convert_to_tensor(True)),
    ("convert with dtype", lambda ops: ops.convert_to_tensor(XI, dtype="float32")),
    ("convert_to_numpy", lambda ops: ops.convert_to_numpy(ops.ones((2,)))),
    ("zeros", lambda ops: ops.zeros((2, 3))),
    ("zeros int", lambda ops: ops.zeros(3, dtype="int32")),
    ("zeros scalar", lambda ops: ops.zeros(())),
    ("ones int", lambda ops: ops.ones((2,), dtype="int")),
    ("zeros_like", lambda ops: ops.zeros_like(XI)),
    ("ones_like float", lambda ops: ops.ones_like(XI, dtype="float32")),
    ("full", lambda ops: ops.full((2, 2), 7.0)),
    ("full int", lambda ops: ops.full((2, 2), 7)),
    ("full_like", lambda ops: ops.full_like(X, 2)),
    ("eye", lambda ops: ops.eye(3)),
    ("eye rectangular k", lambda ops: ops.eye(3, 4, k=1)),
    ("eye int", lambda ops: ops.eye(3, dtype="int32")),
    ("identity", lambda ops: ops.identity(2)),
    ("arange", lambda ops: ops.arange(5)),
    ("arange start stop step", lambda ops: ops.arange(2, 11, 3)),
    ("arange float", lambda ops: ops.arange(0, 1, 0.25)),
    ("arange dtype", lambda ops: ops.arange(4, dtype="float32")),
    ("add", lambda ops: ops.add(X, X)),
    ("add int and float", lambda ops: ops.add(XI, 1.5)),
    ("add int and int", lambda ops: ops.add(XI, 1)),
    ("subtract", lambda ops: ops.subtract(X, XI)),
    ("subtract bool", lambda ops: ops.subtract(B, XI)),
    ("multiply", lambda ops: ops.multiply(X, 2)),
    ("divide", lambda ops: ops.divide(X, 4.0)),
    ("divide ints", lambda ops: ops.divide(XI, 2)),
    ("true_divide", lambda ops: ops.true_divide(XI, XI + 1)),
    ("power", lambda ops: ops.power(np.abs(X), 2)),
    ("negative", lambda ops: ops.negative(XI)),
    ("abs", lambda ops: ops.abs(X)),
    ("abs int", lambda ops: ops.absolute(-XI)),
    ("exp", lambda ops: ops.exp(X)),
    ("exp int", lambda ops: ops.exp(XI)),
    ("log", lambda ops: ops.log(np.abs(X))),
    ("log1p", lambda ops: ops.log1p(np.abs(X))),
    ("sqrt", lambda ops: ops.sqrt(np.abs(X))),
    ("sqrt int64", lambda ops: ops.sqrt(XI)),
    ("square", lambda ops: ops.square(X)),
    ("square int", lambda ops: ops.square(XI)),
    ("square bool", lambda ops: ops.square(B)),
    ("sign", lambda ops: ops.sign(X)),
    ("floor ceil", lambda ops: (ops.floor(X * 1.3), ops.ceil(X * 1.3))),
    ("sin cos tanh", lambda ops: (ops.sin(X), ops.cos(X), ops.tanh(X))),
    ("maximum", lambda ops: ops.maximum(X, 0)),
    ("maximum int and float", lambda ops: ops.maximum(XI, 0.5)),
    ("maximum arrays", lambda ops: ops.maximum(X, XI)),
    ("minimum", lambda ops: ops.minimum(X, 1.0)),
    ("minimum int", lambda ops: ops.minimum(XI, 1)),
    ("clip", lambda ops: ops.clip(X, -1, 1)),
    ("clip int", lambda ops: ops.clip(XI, 0, 1)),
    ("clip float bounds", lambda ops: ops.clip(X, 0.5, 2.5)),
    ("where", lambda ops: ops.where(X > 0, X, 0)),
    ("where python numbers", lambda ops: ops.where(X > 0, 1, 0)),
    ("where arrays", lambda ops: ops.where(B, X, -X)),
    ("where condition only", lambda ops: ops.where(X > 0)),
    ("equal", lambda ops: ops.equal(X, 3.0)),
    ("not_equal", lambda ops: ops.not_equal(XI, 1)),
    ("greater", lambda ops: ops.greater(X, XI)),
    ("greater_equal", lambda ops: ops.greater_equal(X, 1.5)),
    ("less", lambda ops: ops.less(1, X)),
    ("less_equal", lambda ops: ops.less_equal(XI, 1)),
    ("logical_and", lambda ops: ops.logical_and(X > 0, X < 3)),
    ("logical_and numbers", lambda ops: ops.logical_and(X, XI)),
    ("logical_or not", lambda ops: (ops.logical_or(X > 3, X < -1), ops.logical_not(B))),
    ("sum", lambda ops: ops.sum(X)),
    ("sum axis keepdims", lambda ops: ops.sum(X, axis=1, keepdims=True)),
    ("sum axes", lambda ops: ops.sum(X, axis=(0, 1))),
    ("sum int64", lambda ops: ops.sum(XI)),
    ("sum bool", lambda ops: ops.sum(B)),
    ("sum uint8", lambda ops: ops.sum(LABELS)),
    ("mean", lambda ops: ops.mean(X)),
    ("mean axis", lambda ops: ops.mean(X, axis=0)),
    ("mean axis -1 keepdims", lambda ops: ops.mean(X, axis=-1, keepdims=True)),
    ("mean int", lambda ops: ops.mean(XI)),
    ("mean bool", lambda ops: ops.mean(B)),
    ("mean float64", lambda ops: ops.mean(X64, axis=1)),
    ("max min", lambda ops: (ops.max(X), ops.min(X, axis=0), ops.max(XI, axis=1, keepdims=True))),
    ("max initial", lambda ops: ops.max(X, axis=1, initial=3.5)),
    ("prod", lambda ops: (ops.prod(X), ops.prod(XI, axis=1), ops.prod(B))),
    ("var std", lambda ops: (ops.var(X), ops.std(X, axis=0), ops.var(XI, axis=1))),
    ("argmax", lambda ops: ops.argmax(X, axis=-1)),
    ("argmax flat", lambda ops: ops.argmax(X)),
    ("argmax int keepdims", lambda ops: ops.argmax(XI, axis=0, keepdims=True)),
    ("argmin", lambda ops: ops.argmin(X, axis=1)),
    ("any all", lambda ops: (ops.any(X > 3), ops.all(X > -3, axis=0), ops.any(XI, axis=1, keepdims=True))),
    ("cumsum", lambda ops: ops.cumsum(X, axis=1)),
    ("cumsum flat int", lambda ops: ops.cumsum(XI)),
    ("cumsum bool", lambda ops: ops.cumsum(B, axis=0)),
    ("reshape", lambda ops: ops.reshape(X, (-1,))),
    ("reshape list", lambda ops: ops.reshape(X, [3, 2])),
    ("reshape int", lambda ops: ops.reshape(X, 6)),
    ("expand_dims", lambda ops: ops.expand_dims(X, 1)),
    ("expand_dims negative", lambda ops: ops.expand_dims(X, -1)),
    ("expand_dims several", lambda ops: ops.expand_dims(X, (0, 3))),
    ("squeeze", lambda ops: ops.squeeze(np.ones((1, 3, 1), np.float32))),
    ("squeeze axis", lambda ops: ops.squeeze(np.ones((1, 3, 1), np.float32), axis=-1)),
    ("transpose", lambda ops: ops.transpose(X)),
    ("transpose axes", lambda ops: ops.transpose(np.arange(24.0).reshape(2, 3, 4), (1, 2, 0))),
    ("concatenate", lambda ops: ops.concatenate([X, X])),
    ("concatenate mixed", lambda ops: ops.concatenate([X, XI], axis=1)),
    ("stack", lambda ops: ops.stack([X, X], axis=1)),
    ("stack last", lambda ops: ops.stack([X, X, X], axis=-1)),
    ("tile", lambda ops: ops.tile(X, (2, 1))),
    ("tile int", lambda ops: ops.tile(XI, 2)),
    ("tile more dims", lambda ops: ops.tile(X, (2, 1, 3))),
    ("take axis 0", lambda ops: ops.take(ops.eye(3), np.array([2, 0]), axis=0)),
    ("take flat", lambda ops: ops.take(X, np.array([4, 0]))),
    ("take negative", lambda ops: ops.take(X, np.array([-1, 0]), axis=1)),
    ("take 2-d indices", lambda ops: ops.take(X, np.array([[0, 2], [1, 1]]), axis=1)),
    ("take_along_axis", lambda ops: ops.take_along_axis(X, np.array([[2], [0]]), axis=1)),
    ("ravel", lambda ops: ops.ravel(XI)),
    ("sort", lambda ops: ops.sort(X)),
    ("sort axis 0", lambda ops: ops.sort(X, axis=0)),
    ("argsort", lambda ops: ops.argsort(X)),
    ("argsort ties", lambda ops: ops.argsort(np.array([1, 0, 1, 0]))),
    ("top_k", lambda ops: tuple(ops.top_k(X, 2))),
    ("matmul", lambda ops: ops.matmul(X, X.T)),
    ("matmul int", lambda ops: ops.matmul(XI, XI.T)),
    ("matmul int and float", lambda ops: ops.matmul(XI, X.T)),
    ("matmul batched", lambda ops: ops.matmul(np.ones((2, 2, 3), np.float32), X.T)),
    ("dot", lambda ops: ops.dot(X, X.T)),
    ("relu", lambda ops: ops.relu(X)),
    ("sigmoid", lambda ops: ops.sigmoid(X)),
    ("softmax", lambda ops: ops.softmax(X)),
    ("softmax axis 0", lambda ops: ops.softmax(X, axis=0)),
    ("log_softmax", lambda ops: ops.log_softmax(X)),
    ("one_hot", lambda ops: ops.one_hot(LABELS, 3)),
    ("one_hot float labels", lambda ops: ops.one_hot(np.array([1.0, 0.0, 2.0]), 4)),
    ("one_hot negative", lambda ops: ops.one_hot(np.array([1, -1]), 3)),
    ("one_hot 2-d int", lambda ops: ops.one_hot(XI, 3, dtype="int32")),
    ("one_hot axis 0", lambda ops: ops.one_hot(np.array([0, 2]), 3, axis=0)),
    ("one_hot num_classes from shape", lambda ops: ops.one_hot(LABELS, num_classes=ops.shape(ops.ones((4, 5)))[1])),
    ("the textbook's OneHotEncoding", lambda ops: ops.reshape(ops.take(ops.eye(4), ops.reshape(
        ops.cast(np.array([[1.0, 3.0], [0.0, 2.0]]), "int"), [-1]), axis=0), ops.shape(np.ones((2, 2))) + (4,))),
    ("the textbook's RMSE", lambda ops: ops.sqrt(ops.sum(ops.square(ops.one_hot(LABELS, 3) - np.full(
        (4, 3), 0.25, np.float32))) / ops.cast(4, "float32"))),
]


def _plain(value):
    """A result as plain data: (Keras' dtype name, values) for a tensor; tuples item by item."""
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, np.ndarray):
        return ("numpy " + value.dtype.name, value)
    array = value.detach().cpu().numpy() if hasattr(value, "detach") else np.asarray(value)
    return (str(value.dtype).replace("torch.", ""), np.asarray(array))


def _same(ours, theirs, where):
    if isinstance(theirs, tuple) and not (len(theirs) == 2 and isinstance(theirs[1], np.ndarray)):
        assert isinstance(ours, tuple) and len(ours) == len(theirs), f"{where}: {ours!r} against Keras' {theirs!r}"
        for i, (a, b) in enumerate(zip(ours, theirs)):
            _same(a, b, f"{where}[{i}]")
        return
    if not isinstance(theirs, tuple):
        assert ours == theirs and type(ours) is type(theirs), f"{where}: {ours!r} against Keras' {theirs!r}"
        return
    assert ours[0] == theirs[0], f"{where}: dtype {ours[0]} against Keras' {theirs[0]}"
    assert ours[1].shape == theirs[1].shape, f"{where}: shape {ours[1].shape} against Keras' {theirs[1].shape}"
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-6, atol=1e-7, err_msg=where)


@pytest.mark.parametrize("name, op", CASES, ids=[name for name, _ in CASES])
def test_op_matches_keras(name, op):
    keras = oracle()
    theirs = _plain(op(keras.ops))
    ours = op(S.ops)
    _same(_plain(ours), theirs, name)


def test_result_type_is_keras_lattice():
    """Keras' promotion of dtype names and Python number types (the weak ones), 64-bit results made 32-bit."""
    keras = oracle()
    names = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64", int, float]
    for a in names:
        for b in names:
            assert S.ops.result_type(a, b) == keras.backend.result_type(a, b), (a, b)
    assert S.ops.result_type("int64") == keras.backend.result_type("int64")
    assert S.ops.result_type() == keras.backend.result_type()


def test_unknown_op_is_refused_by_name():
    with pytest.raises(NotSupported, match=r"keras\.ops\.fft2"):
        S.ops.fft2
    with pytest.raises(ValueError, match="Invalid dtype: float"):
        S.ops.cast(X, "float")  # as Keras: "float" is not a dtype name ("float32" is)
    with pytest.raises(ValueError, match="not below num_classes=3"):
        S.ops.one_hot(np.array([3]), 3)


# ------------------------------------------------------------ gradients: fit trains through the ops

def _gradient_pairs():
    """(name, f(ops, x)) of ops that carry a gradient: the same scalar from the same input, whose
    gradient with respect to x both libraries compute."""
    return [
        ("reshape take cast", lambda ops, x: ops.sum(ops.square(ops.take(ops.reshape(x, (-1,)), np.array([0, 3, 3]))))),
        ("softmax mean", lambda ops, x: ops.mean(ops.softmax(x) * ops.arange(3, dtype="float32"))),
        ("log_softmax", lambda ops, x: -ops.sum(ops.log_softmax(x, axis=0)[0])),
        ("relu clip", lambda ops, x: ops.sum(ops.relu(x) + ops.clip(x, -1.0, 1.0))),
        ("maximum minimum where", lambda ops, x: ops.sum(ops.maximum(x, 0.5) * ops.minimum(x, 2.0)
                                                         + ops.where(x > 0, x, ops.square(x)))),
        ("exp log sqrt abs", lambda ops, x: ops.sum(ops.exp(x) + ops.log(ops.abs(x)) + ops.sqrt(ops.abs(x)))),
        ("matmul transpose", lambda ops, x: ops.sum(ops.matmul(x, ops.transpose(x)))),
        ("concatenate stack tile", lambda ops, x: ops.sum(ops.concatenate([x, 2 * x], axis=1)
                                                          * ops.tile(ops.stack([x[0], x[1]]), (1, 2)))),
        ("expand_dims squeeze", lambda ops, x: ops.sum(ops.squeeze(ops.expand_dims(x, 0) ** 3))),
        ("cumsum sort", lambda ops, x: ops.sum(ops.cumsum(x, axis=1) * ops.sort(x))),
        ("max top_k", lambda ops, x: ops.max(x) + ops.sum(ops.top_k(x, 2)[0])),
        ("take_along_axis mean keepdims", lambda ops, x: ops.sum(ops.take_along_axis(x, np.array([[2], [0]]), axis=1)
                                                                 / ops.mean(x, axis=1, keepdims=True))),
        ("one_hot weights", lambda ops, x: ops.sum(ops.one_hot(np.array([2, 1]), 3) * x)),
        ("var std", lambda ops, x: ops.var(x) + ops.std(x, axis=0)[1]),
    ]


@pytest.mark.parametrize("name, fn", _gradient_pairs(), ids=[n for n, _ in _gradient_pairs()])
def test_gradient_matches_keras(name, fn):
    """The gradient of a scalar built from the ops, in Keras (torch autograd) and in seegrad."""
    oracle()
    import torch
    import autograd as ag
    from keras import ops as kops
    xt = torch.tensor(X, requires_grad=True)
    fn(kops, xt).backward()
    xs = ag.tensor(X, requires_grad=True)
    out = fn(S.ops, xs)
    assert out.dtype == np.float32
    out.backward()
    np.testing.assert_allclose(xs.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-6, err_msg=name)


def _ops_layer_model(lib):
    ops = lib.ops

    class Scaled(lib.layers.Layer):  # a custom layer whose call is written with ops
        def build(self, input_shape):
            self.scale = self.add_weight(name="scale", shape=(input_shape[-1],), initializer="ones")

        def call(self, inputs):
            centred = ops.subtract(inputs, ops.mean(inputs, axis=-1, keepdims=True))
            return ops.concatenate([ops.relu(centred * self.scale), ops.square(inputs)], axis=-1)

    return lib.Sequential([lib.Input(shape=(4,)), lib.layers.Dense(6), Scaled(),
                           lib.layers.Dense(3, activation="softmax")])


def _ops_loss(lib):
    ops = lib.ops

    def smoothed_crossentropy(y_true, y_pred):  # a loss written with ops (as a textbook's custom loss)
        labels = ops.one_hot(ops.cast(ops.reshape(y_true, (-1,)), "int32"), 3) * 0.9 + 0.1 / 3
        return -ops.sum(labels * ops.log(ops.clip(y_pred, 1e-7, 1.0)), axis=-1)

    return smoothed_crossentropy


def test_fit_trains_through_a_layer_and_a_loss_written_with_ops():
    """A custom layer (with its own weight) and a custom loss on ops: every epoch's loss, metric and
    weights equal Keras'."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype(np.float32)
    y = rng.integers(0, 3, 64)
    k, s = twins(_ops_layer_model)
    compile_both(k, s, optimizer="adam", loss=per_lib(_ops_loss), metrics=["accuracy"])
    fit_both(k, s, x, y, epochs=3, batch_size=16, validation_split=0.25)


# ------------------------------------------------------------ variables and Metric subclasses

def test_variable_as_keras():
    """keras.Variable: dtype from the value (or given), assign converts to it, assign_add / assign_sub,
    arithmetic as ops, float(); a shape change is refused."""
    keras = oracle()
    for lib in (keras, S):
        v = lib.Variable(np.array([1.5, 2.5], np.float32), trainable=False, name="v")
        i = lib.Variable(np.array([1, 2], np.int32), trainable=False, name="i")
        lib.results = [v.dtype, i.dtype, lib.Variable(3, trainable=False).dtype]
        i.assign(np.array([2.7, -1.9]))  # converted to int32: truncated
        v.assign_add(1)
        v.assign_sub(np.array([0.25, 0.25]))
        lib.results += [i.numpy(), v.numpy(), _plain(v / i), _plain(v * 2), _plain(ops_sqrt(lib, v)), v.shape]
        s = lib.Variable(0.0, trainable=False)
        s.assign_add(np.float32(2.5))
        lib.results += [float(s), _plain(s + 1)]
        with pytest.raises(ValueError, match="must match"):
            v.assign(np.zeros(3))
    for ours, theirs in zip(S.results, keras.results):
        _same(_plain(ours) if isinstance(ours, np.ndarray) else ours,
              _plain(theirs) if isinstance(theirs, np.ndarray) else theirs, "variable")


def ops_sqrt(lib, v):
    return lib.ops.sqrt(v)


def _make_metric(lib):
    ops = lib.ops

    class MeanAbsoluteCount(lib.metrics.Metric):  # state in two variables, one int
        def __init__(self, name="mac", **kwargs):
            super().__init__(name=name, **kwargs)
            self.total = self.add_weight(name="total", initializer="zeros")
            self.count = self.add_weight(name="count", shape=(), initializer="zeros", dtype="int32")

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.total.assign_add(ops.sum(ops.abs(ops.cast(y_true, "float32") - y_pred)))
            self.count.assign_add(ops.shape(y_pred)[0])

        def result(self):
            return self.total / ops.cast(self.count, "float32")

    return MeanAbsoluteCount()


@pytest.mark.filterwarnings("ignore:invalid value encountered in divide:RuntimeWarning")  # 0/0 after the reset
def test_metric_subclass_state_as_keras():
    """add_weight variables, update_state, result, __call__, the default reset_state (zeros), variables."""
    keras = oracle()
    y_true = np.array([[1.0], [0.0], [2.0]], np.float32)
    y_pred = np.array([[0.5], [0.5], [1.0]], np.float32)
    figures = {}
    for lib in (keras, S):
        m = _make_metric(lib)
        got = [len(m.variables), m.dtype]
        m.update_state(y_true, y_pred)
        got.append(float(m.result()))
        got.append(float(m(y_true[:1], y_pred[:1] * 0)))  # __call__: update, then the result
        got += [float(m.total), int(m.count), str(m.count.dtype)]
        m.reset_state()
        got += [float(m.total), int(m.count), float(np.nan_to_num(np.asarray(m.result()), nan=-1.0))]
        figures[lib] = got
    assert figures[S][:2] == figures[keras][:2]
    for lib in (keras, S):  # a subclass without a name: its class name in snake_case, numbered from the second
        lib.utils.clear_session()

        class MyMetric(lib.metrics.Metric):
            pass

        lib.names = [MyMetric().name, MyMetric().name]
    assert S.names == keras.names
    np.testing.assert_allclose(figures[S][2:6], figures[keras][2:6], rtol=1e-6)
    assert figures[S][6:] == figures[keras][6:]
    with pytest.raises(RuntimeError, match="super\\(\\).__init__"):
        class Forgot(S.metrics.Metric):
            def __init__(self):
                self.total = self.add_weight(name="total", initializer="zeros")
        Forgot()


def test_metric_subclass_in_fit_logs_keras_figures():
    """compile(metrics=[a Metric subclass]): fit's History (mac, val_mac) and evaluate equal Keras'."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(48, 5)).astype(np.float32)
    y = (x[:, :1] * 2 - x[:, 1:2]).astype(np.float32)
    k, s = twins(lambda lib: lib.Sequential([lib.Input(shape=(5,)), lib.layers.Dense(8, activation="relu"),
                                             lib.layers.Dense(1)]))
    compile_both(k, s, optimizer="adam", loss="mse", metrics=[per_lib(_make_metric)])
    hk, hs = fit_both(k, s, x, y, epochs=3, batch_size=16, validation_split=0.25)
    assert "mac" in hs.history and "val_mac" in hs.history
    np.testing.assert_allclose(s.evaluate(x, y, verbose=0), k.evaluate(x, y, verbose=0), rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------ weights as Keras variables, optimizer.apply

def test_weights_answer_keras_variable_api():
    """A layer's weight: .value (itself: .value.grad is its gradient), .path, assign / assign_add, numpy()."""
    keras = oracle()
    for lib in (keras, S):
        lib.utils.clear_session()
        layer = lib.layers.Dense(2, name="head")
        layer.build((None, 3))
        layer.kernel.assign(np.ones((3, 2), np.float32))
        layer.bias.assign_add(np.array([0.5, -0.5], np.float32))
        lib.seen = ([w.path for w in layer.weights], layer.kernel.numpy(), layer.bias.numpy())
    assert S.seen[0] == keras.seen[0] == ["head/kernel", "head/bias"]
    np.testing.assert_array_equal(S.seen[1], keras.seen[1])
    np.testing.assert_array_equal(S.seen[2], keras.seen[2])
    dense = S.layers.Dense(2)
    dense.build((None, 3))
    assert dense.kernel.value is dense.kernel


def test_optimizer_apply_as_keras():
    """optimizer.apply(grads, variables) on a subset of a model's weights, twice, then apply_gradients on
    all: the weights equal Keras' after each (Adam's moments and step count per call)."""
    keras = oracle()
    k, s = twins(lambda lib: lib.Sequential([lib.Input(shape=(3,)), lib.layers.Dense(4), lib.layers.Dense(2)]))
    rng = np.random.default_rng(2)
    grads = [rng.normal(size=w.shape).astype(np.float32) for w in k.get_weights()]
    import torch
    ko, so = keras.optimizers.Adam(0.01), S.optimizers.Adam(0.01)
    ko.apply([torch.tensor(g) for g in grads[:2]], k.trainable_weights[:2])
    so.apply([S.ops.convert_to_tensor(g) for g in grads[:2]], s.trainable_weights[:2])
    for a, b in zip(k.get_weights(), s.get_weights()):
        np.testing.assert_allclose(b, a, rtol=1e-6, atol=1e-7)
    k2, s2 = keras.optimizers.SGD(0.1), S.optimizers.SGD(0.1)
    k2.apply_gradients(zip([torch.tensor(g) for g in grads], k.trainable_weights))
    s2.apply_gradients(zip([S.ops.convert_to_tensor(g) for g in grads], s.trainable_weights))
    for a, b in zip(k.get_weights(), s.get_weights()):
        np.testing.assert_allclose(b, a, rtol=1e-6, atol=1e-7)
    assert int(k2.iterations.numpy()) == s2.iterations == 1


def test_custom_layer_output_shape_is_traced_as_keras():
    """A layer written with ops and no compute_output_shape: the symbolic output shape (a dim of unknown
    length stays None, a new dim is known) is Keras', and the next layer is built for it."""
    keras = oracle()
    shapes = {}
    for lib in (keras, S):
        ops = lib.ops

        class SummaryAndOneHot(lib.layers.Layer):
            def call(self, inputs):
                pooled = ops.expand_dims(ops.mean(inputs, axis=1), 1)  # (B, 1, F)
                return ops.concatenate([pooled, ops.one_hot(ops.cast(pooled[..., 0] > 0, "int32"), 3)], axis=-1)

        inputs = lib.Input(shape=(None, 5))
        out = SummaryAndOneHot()(inputs)
        dense = lib.layers.Dense(2)
        dense(out)
        shapes[lib] = (tuple(out.shape), tuple(dense.kernel.shape))
    assert shapes[S] == shapes[keras] == ((None, 1, 8), (8, 2))
