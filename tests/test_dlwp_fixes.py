"""Focused tests, against Keras 3 itself, for what the Deep Learning with Python programs
(tests/test_dlwp_*.py) found missing or wrong in seegrad.keras."""
import numpy as np
import pytest

from keras_helpers import WEIGHT_TOL, oracle
from seegrad import keras as S

pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning")]  # Keras 3 on numpy 2


def _ticket_model(lib, branched):
    lib.utils.clear_session()
    inputs = lib.Input(shape=(3,), name="my_input")
    x = lib.layers.Dense(64, activation="relu", name="a_rather_long_layer_name_here")(inputs)
    if branched:
        x = lib.layers.Concatenate()([x, lib.layers.Dense(5)(inputs)])
    return lib.Model(inputs, lib.layers.Dense(10, activation="softmax")(x), name="m")


@pytest.mark.parametrize("branched", [False, True], ids=["chain", "connected-to"])
@pytest.mark.parametrize("line_length, positions", [(None, None), (80, None), (60, None), (50, None),
                                                    (80, "even")])
def test_summary_line_length_and_positions_as_keras(branched, line_length, positions):
    """Chapter 7 prints ``model.summary(line_length=80)``: the same table as Keras' (rich's layout:
    the columns at ``positions`` of the line, the excess taken off evenly)."""
    keras = oracle()
    if positions == "even":
        positions = [0.25, 0.5, 0.75, 1.0] if branched else [0.5, 0.8, 1.0]
    lines = [[], []]
    _ticket_model(keras, branched).summary(line_length=line_length, positions=positions,
                                           print_fn=lambda line, **kw: lines[0].append(line))
    _ticket_model(S, branched).summary(line_length=line_length, positions=positions, print_fn=lines[1].append)
    assert "\n".join(lines[1]).strip() == "\n".join(lines[0]).strip()


def test_summary_refuses_positions_in_characters():
    with pytest.raises(ValueError, match="fractions of the line"):
        _ticket_model(S, False).summary(positions=[30, 50, 70])
    with pytest.raises(ValueError, match="one end per column"):
        _ticket_model(S, False).summary(positions=[0.5, 1.0])


def _subclassed(lib):
    """Chapter 7's Classifier and MyModel: ``call(self, inputs)`` takes no ``training``."""
    class Classifier(lib.Model):
        def __init__(self, num_classes=2):
            super().__init__()
            self.dense = lib.layers.Dense(num_classes, activation="softmax")

        def call(self, inputs):
            return self.dense(inputs)

    inputs = lib.Input(shape=(3,))
    features = lib.layers.Dense(8, activation="relu")(inputs)
    functional = lib.Model(inputs=inputs, outputs=Classifier(num_classes=4)(features))

    class MyModel(lib.Model):
        def __init__(self):
            super().__init__()
            self.dense = lib.layers.Dense(3, activation="relu")
            self.classifier = functional

        def call(self, inputs):
            return self.classifier(self.dense(inputs))

    return MyModel()


def test_call_without_training_argument_as_keras():
    """Keras passes ``training`` to ``call`` only when call takes it; seegrad passed it always
    (TypeError: call() got an unexpected keyword argument 'training')."""
    keras = oracle()
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).normal(size=(10, 5)).astype("float32")
    y = np.arange(10) % 4
    k, s = _subclassed(keras), _subclassed(S)
    k.predict(x[:1], verbose=0), s.predict(x[:1], verbose=0)
    s.set_weights(k.get_weights())
    np.testing.assert_allclose(s.predict(x, verbose=0), k.predict(x, verbose=0), **WEIGHT_TOL)
    for model in (k, s):
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    hk = k.fit(x, y, epochs=2, batch_size=4, shuffle=False, verbose=0)
    hs = s.fit(x, y, epochs=2, batch_size=4, shuffle=False, verbose=0)
    np.testing.assert_allclose(hs.history["loss"], hk.history["loss"], rtol=1e-5)


def test_layer_input_and_output_of_a_functional_model():
    """``model.layers[i].input`` / ``.output``: the symbolic tensors of the layer's first call, as
    Keras' (chapter 7 grows a third output from ``model.layers[4].output``)."""
    keras = oracle()
    for lib in (keras, S):
        inputs = lib.Input(shape=(3,), name="my_input")
        hidden = lib.layers.Dense(64, activation="relu")(inputs)
        outputs = lib.layers.Dense(10, activation="softmax")(hidden)
        model = lib.Model(inputs, outputs)
        assert model.layers[1].input is inputs and model.layers[1].output is hidden
        assert model.layers[2].input is hidden and model.layers[2].output is outputs
        assert tuple(model.layers[2].output.shape) == (None, 10)


@pytest.mark.parametrize("config", [
    dict(filters=5, kernel_size=3),
    dict(filters=4, kernel_size=3, padding="same", use_bias=False),  # chapter 9's Xception-like block
    dict(filters=6, kernel_size=(3, 2), strides=2, padding="same", depth_multiplier=2, activation="relu"),
    dict(filters=3, kernel_size=3, dilation_rate=2, depth_multiplier=3),
], ids=["plain", "same-nobias", "strided-multiplier", "dilated"])
def test_separable_conv2d_as_keras(config):
    """SeparableConv2D: depthwise then pointwise convolution, Keras' weights and order; the outputs,
    a training run's losses and the trained weights equal Keras'."""
    keras = oracle()
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(8, 9, 7, 3)).astype("float32")
    y = rng.normal(size=(8, 1)).astype("float32")

    def make(lib):
        return lib.Sequential([lib.Input(shape=(9, 7, 3)), lib.layers.SeparableConv2D(**config),
                               lib.layers.GlobalAveragePooling2D(), lib.layers.Dense(1)])

    k, s = make(keras), make(S)
    assert [w.shape for w in s.weights] == [tuple(w.shape) for w in k.weights]
    s.set_weights(k.get_weights())
    np.testing.assert_allclose(s.predict(x, verbose=0), k.predict(x, verbose=0), **WEIGHT_TOL)
    for model in (k, s):
        model.compile(optimizer="adam", loss="mse")
    hk = k.fit(x, y, epochs=3, batch_size=4, shuffle=False, verbose=0)
    hs = s.fit(x, y, epochs=3, batch_size=4, shuffle=False, verbose=0)
    np.testing.assert_allclose(hs.history["loss"], hk.history["loss"], rtol=1e-5)
    for a, b in zip(k.get_weights(), s.get_weights()):
        np.testing.assert_allclose(b, a, **WEIGHT_TOL)


def test_separable_conv2d_saves_and_loads(tmp_path):
    model = S.Sequential([S.Input(shape=(6, 6, 2)), S.layers.SeparableConv2D(3, 3, depth_multiplier=2),
                          S.layers.Flatten(), S.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(0).normal(size=(4, 6, 6, 2)).astype("float32")
    model.save(tmp_path / "separable.keras")
    loaded = S.load_model(tmp_path / "separable.keras")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert loaded.layers[0].depth_multiplier == 2


def test_callback_hooks_get_logs_as_keras():
    """Keras passes ``logs`` ({} when there are none) to every hook: chapter 7's LossHistory writes
    ``def on_train_begin(self, logs)`` with no default (seegrad called it without: TypeError)."""
    keras = oracle()
    seen = {}
    for lib in (keras, S):
        class Hooks(lib.callbacks.Callback):
            def on_train_begin(self, logs):
                seen.setdefault(lib.__name__, []).append(("train_begin", dict(logs)))

            def on_epoch_begin(self, epoch, logs):
                seen[lib.__name__].append(("epoch_begin", epoch, dict(logs)))

            def on_batch_begin(self, batch, logs):
                seen[lib.__name__].append(("batch_begin", batch, dict(logs)))

        model = lib.Sequential([lib.Input(shape=(2,)), lib.layers.Dense(1)])
        model.compile(optimizer="sgd", loss="mse")
        model.fit(np.ones((4, 2)), np.ones((4, 1)), batch_size=2, epochs=1, verbose=0, callbacks=[Hooks()])
    assert seen["keras"] == seen["seegrad.keras"]
