"""Merge layers and functional models of several inputs, Bidirectional and TimeDistributed, against
Keras 3 itself (torch backend): the same weights (Keras' copied into ours), predict equal, fit with
SGD equal epoch by epoch (losses and weights), and Keras' summary table, "Connected to" column included."""
import numpy as np
import pytest

from keras_helpers import LOSS_TOL, WEIGHT_TOL, compile_both, fit_both, oracle, per_lib, twins
from seegrad import keras as S

pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning"),  # Keras 3 on numpy 2
              pytest.mark.filterwarnings("ignore:Do not pass an `input_shape`")]

SGD = per_lib(lambda lib: lib.optimizers.SGD(learning_rate=0.05))


def rng(seed=0):
    return np.random.default_rng(seed)


def tables(make):
    """The summary of ``make(lib)`` under Keras and here, each built after clear_session (same names)."""
    keras, out = oracle(), []
    for lib in (keras, S):
        lib.utils.clear_session()
        lines = []
        make(lib).summary(print_fn=lambda line, **kw: lines.append(line))
        out.append("\n".join(lines).strip())
    return out


def train_both(make, x, y, loss="mse", epochs=3, batch_size=8, optimizer=SGD, metrics=None):
    k, s = twins(make)
    np.testing.assert_allclose(s.predict(x, verbose=0), k.predict(x, verbose=0), **WEIGHT_TOL)
    compile_both(k, s, optimizer, loss, metrics)
    fit_both(k, s, x, y, epochs=epochs, batch_size=batch_size)
    np.testing.assert_allclose(s.predict(x, verbose=0), k.predict(x, verbose=0), **WEIGHT_TOL)
    keras_table, table = tables(make)
    assert table == keras_table
    return k, s


# ----------------------------------------------------------------- merge layers, two inputs


def two_inputs(lib):
    """Two branches joined by every element-wise merge (layers and functions), Concatenate and Dot."""
    L = lib.layers
    a, b = lib.Input((5,), name="left"), lib.Input((4,), name="right")
    h, g = L.Dense(3, activation="tanh")(a), L.Dense(3)(b)
    merged = [L.Add()([h, g]), L.Subtract()([h, g]), L.multiply([h, g]), L.Average()([h, g, h]),
              L.maximum([h, g]), L.Minimum()([h, g]), L.subtract([g, h]), L.add([h, g, g]), L.average([g, h]),
              L.minimum([g, h]), L.Maximum()([g, h, h])]
    joined = L.Concatenate()(merged)
    dotted = L.Dot(axes=1)([h, g])
    cosine = L.dot([h, g], axes=-1, normalize=True)
    return lib.Model([a, b], L.Dense(2)(L.concatenate([joined, dotted, cosine], axis=-1)))


def test_two_input_functional_model_with_every_merge_trains_as_keras():
    x = [rng(1).normal(size=(24, 5)), rng(2).normal(size=(24, 4))]
    k, s = train_both(two_inputs, x, rng(3).normal(size=(24, 2)), epochs=3, batch_size=8)
    k2, s2 = twins(two_inputs)  # the last quarter of both inputs held out, with Adam and a metric
    compile_both(k2, s2, "adam", "mse", ["mae"])
    fit_both(k2, s2, x, rng(3).normal(size=(24, 2)), epochs=2, batch_size=6, validation_split=0.25)
    np.testing.assert_allclose(s2.predict_on_batch(x), k2.predict_on_batch(x), **WEIGHT_TOL)
    np.testing.assert_allclose(s2.train_on_batch(x, np.ones((24, 2))), k2.train_on_batch(x, np.ones((24, 2))),
                               **LOSS_TOL)
    assert [type(layer).__name__ for layer in s.layers] == [type(layer).__name__ for layer in k.layers]
    np.testing.assert_allclose(s.evaluate(x, rng(3).normal(size=(24, 2)), verbose=0),
                               k.evaluate(x, rng(3).normal(size=(24, 2)), verbose=0), **LOSS_TOL)


def sequence_merge(lib):
    """Concatenate along the steps, Dot of sequences (an attention score), a shared layer called twice."""
    L = lib.layers
    a, b = lib.Input((3, 4)), lib.Input((5, 4))
    shared = L.Dense(4, activation="relu")
    sa, sb = shared(a), shared(b)
    steps = L.Concatenate(axis=1)([sa, sb])  # (8, 4)
    scores = L.Dot(axes=(2, 2))([sa, sb])  # (3, 5)
    attention = L.Softmax()(scores)
    context = L.Dot(axes=(2, 1))([attention, sb])  # (3, 4)
    pooled = L.GlobalAveragePooling1D()(L.add([context, sa]))
    return lib.Model(inputs=[a, b], outputs=L.Dense(1)(L.concatenate([pooled, L.GlobalMaxPooling1D()(steps)])))


def test_sequence_merges_and_a_shared_layer_train_as_keras():
    x = [rng(4).normal(size=(16, 3, 4)), rng(5).normal(size=(16, 5, 4))]
    train_both(sequence_merge, x, rng(6).normal(size=(16, 1)), epochs=2, batch_size=8)


def test_merge_errors_speak_keras():
    L = S.layers
    a, b = S.Input((3,)), S.Input((4,))
    with pytest.raises(ValueError, match="Inputs have incompatible shapes"):
        L.Add()([a, b])
    with pytest.raises(ValueError, match="A `Subtract` layer should be called on exactly 2 inputs"):
        L.Subtract()([a, a, a])
    with pytest.raises(ValueError, match="A merge layer should be called on a list of inputs"):
        L.Add()(a)
    with pytest.raises(ValueError, match="requires inputs with matching shapes except for the concatenation axis"):
        L.Concatenate(axis=1)([S.Input((2, 3)), S.Input((2, 4))])
    with pytest.raises(ValueError, match="Incompatible input shapes"):
        L.Dot(axes=1)([a, b])
    with pytest.raises(ValueError, match="this model takes several inputs; pass a list of arrays"):
        S.Model([a, b], L.Concatenate()([a, b])).predict(np.ones((2, 7)), verbose=0)
    with pytest.raises(ValueError, match="Data cardinality is ambiguous"):
        S.Model([a, b], L.Concatenate()([a, b])).predict([np.ones((2, 3)), np.ones((3, 4))], verbose=0)
    np.testing.assert_allclose(L.Add()([np.ones((2, 3)), np.full((2, 3), 2.0)]).numpy(), np.full((2, 3), 3.0))


def test_merge_layers_broadcast_as_keras():
    keras = oracle()
    x, y = rng(7).normal(size=(2, 3, 4)).astype(np.float32), rng(8).normal(size=(2, 1, 4)).astype(np.float32)
    for name in ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"):
        ours = getattr(S.layers, name)()([x, y]).numpy()
        theirs = keras.ops.convert_to_numpy(getattr(keras.layers, name)()([x, y]))
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, err_msg=name)


# ----------------------------------------------------------------- wrappers


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave"])
def test_bidirectional_merge_modes_train_as_keras(merge_mode):
    def make(lib):
        L = lib.layers
        return lib.Sequential([lib.Input((5, 3)), L.Bidirectional(L.LSTM(4, return_sequences=True),
                                                                  merge_mode=merge_mode),
                               L.Bidirectional(L.GRU(3), merge_mode=merge_mode), L.Dense(1)])
    x = rng(9).normal(size=(16, 5, 3))
    k, s = train_both(make, x, rng(10).normal(size=(16, 1)), epochs=2)
    assert [w.shape for w in s.get_weights()] == [w.shape for w in k.get_weights()]


def test_bidirectional_simple_rnn_and_merge_none_match_keras():
    keras = oracle()

    def make(lib):
        L = lib.layers
        return lib.Sequential([lib.Input((6, 2)), L.Bidirectional(L.SimpleRNN(3, activation="relu")), L.Dense(1)])
    train_both(make, rng(11).normal(size=(16, 6, 2)), rng(12).normal(size=(16, 1)), epochs=2)
    x = rng(13).normal(size=(4, 6, 2)).astype(np.float32)
    keras.utils.set_random_seed(0)
    kb = keras.layers.Bidirectional(keras.layers.LSTM(3, return_sequences=True), merge_mode=None)
    sb = S.layers.Bidirectional(S.layers.LSTM(3, return_sequences=True), merge_mode=None)
    theirs = kb(x)
    sb(x)
    sb.set_weights(kb.get_weights())
    ours = sb(x)
    assert isinstance(ours, list) and len(ours) == 2
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.detach().numpy(), keras.ops.convert_to_numpy(b), **WEIGHT_TOL)
    assert sb.forward_layer.name == kb.forward_layer.name and sb.backward_layer.name == kb.backward_layer.name
    with pytest.raises(ValueError, match="Forward layer and backward layer should have different `go_backwards`"):
        S.layers.Bidirectional(S.layers.LSTM(2, go_backwards=True))
    with pytest.raises(ValueError, match="Invalid merge mode"):
        S.layers.Bidirectional(S.layers.LSTM(2), merge_mode="max")
    with pytest.raises(ValueError, match="Please initialize `Bidirectional` layer with a `keras.layers.RNN`"):
        S.layers.Bidirectional(S.layers.Dense(2))


def test_time_distributed_dense_and_conv2d_train_as_keras():
    def make(lib):
        L = lib.layers
        return lib.Sequential([lib.Input((3, 6, 6, 2)), L.TimeDistributed(L.Conv2D(3, 3, activation="relu")),
                               L.TimeDistributed(L.MaxPooling2D()), L.TimeDistributed(L.Flatten()),
                               L.TimeDistributed(L.Dense(4)), L.LSTM(3), L.Dense(1)])
    train_both(make, rng(14).normal(size=(12, 3, 6, 6, 2)), rng(15).normal(size=(12, 1)), epochs=2, batch_size=4)
    with pytest.raises(ValueError, match="at least 3 dimensions"):
        S.Sequential([S.Input((4,)), S.layers.TimeDistributed(S.layers.Dense(2))])


def test_wrapped_models_save_and_load(tmp_path):
    model = S.Sequential([S.Input((5, 3)), S.layers.Bidirectional(S.layers.GRU(2, return_sequences=True)),
                          S.layers.TimeDistributed(S.layers.Dense(2))])
    model.save(tmp_path / "m.keras")
    again = S.models.load_model(tmp_path / "m.keras")
    x = rng(16).normal(size=(3, 5, 3))
    np.testing.assert_array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))
