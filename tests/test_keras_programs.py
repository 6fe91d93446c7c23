"""Whole Keras programs as people write them (a text classifier with Embedding + Bidirectional(LSTM)
+ GlobalMaxPooling1D, a Conv1D sequence classifier, a small U-Net with Conv2DTranspose, UpSampling2D
and Concatenate), each run from the same text under Keras 3 (``import keras``) and under seegrad.keras
(the import lines changed), from the same initial weights on the same data in the same order: every
epoch's loss and metrics, the final weights and the test figures agree."""
import types

import numpy as np
import pytest

from keras_helpers import LOSS_TOL, WEIGHT_TOL, oracle

pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning")]  # Keras 3 on numpy 2

TEXT_CLASSIFIER = '''
import numpy as np
import keras
from keras import layers

VOCAB, LENGTH = 40, 12


def data(n, seed):
    """Token ids; the label says whether token 7 occurs (anywhere: the max over steps finds it)."""
    rng = np.random.default_rng(seed)
    x = rng.integers(1, VOCAB, size=(n, LENGTH))
    y = (x == 7).any(axis=1).astype("float32")
    return x, y


def build_model():
    model = keras.Sequential([
        keras.Input(shape=(LENGTH,), dtype="int32"),
        layers.Embedding(VOCAB, 8),
        layers.Bidirectional(layers.LSTM(6, return_sequences=True)),
        layers.GlobalMaxPooling1D(),
        layers.Dense(8, activation="relu"),
        layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def main(model, epochs=3):
    x, y = data(96, 0)
    x_test, y_test = data(32, 1)
    history = model.fit(x, y, batch_size=16, epochs=epochs, validation_split=0.25, shuffle=False, verbose=0)
    return history, model.evaluate(x_test, y_test, verbose=0)
'''

CONV1D_CLASSIFIER = '''
import numpy as np
import keras
from keras import layers


def data(n, seed):
    """Three kinds of 1-D signal (a bump, a step, noise alone) under noise, 3 channels."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    t = np.linspace(-1, 1, 32)
    shapes = np.stack([np.exp(-10 * t ** 2), (t > 0).astype(float), np.zeros_like(t)])
    x = shapes[y][:, :, None] + 0.3 * rng.normal(size=(n, 32, 3))
    return x.astype("float32"), y


def build_model():
    model = keras.Sequential([
        keras.Input(shape=(32, 3)),
        layers.Conv1D(8, 5, activation="relu"),
        layers.MaxPooling1D(2),
        layers.Conv1D(8, 3, padding="same", activation="relu"),
        layers.LayerNormalization(),
        layers.GlobalAveragePooling1D(),
        layers.Dense(3, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def main(model, epochs=3):
    x, y = data(96, 2)
    x_test, y_test = data(48, 3)
    history = model.fit(x, y, batch_size=16, epochs=epochs, shuffle=False, verbose=0)
    return history, model.evaluate(x_test, y_test, verbose=0)
'''

SMALL_UNET = '''
import numpy as np
import keras
from keras import layers


def data(n, seed):
    """Images holding a bright square; the target marks its pixels (a segmentation mask)."""
    rng = np.random.default_rng(seed)
    x = 0.2 * rng.normal(size=(n, 8, 8, 1))
    y = np.zeros((n, 8, 8, 1))
    for i in range(n):
        r, c = rng.integers(0, 5, 2)
        x[i, r:r + 3, c:c + 3] += 1.0
        y[i, r:r + 3, c:c + 3] = 1.0
    return x.astype("float32"), y.astype("float32")


def build_model():
    inputs = keras.Input(shape=(8, 8, 1))
    c1 = layers.Conv2D(4, 3, padding="same", activation="relu")(inputs)
    p1 = layers.MaxPooling2D()(c1)
    c2 = layers.Conv2D(8, 3, padding="same", activation="relu")(p1)
    u1 = layers.Conv2DTranspose(4, 2, strides=2, padding="same")(c2)
    u2 = layers.Conv2D(4, 1)(layers.UpSampling2D()(c2))
    merged = layers.concatenate([u1, u2, c1])
    c3 = layers.Conv2D(4, 3, padding="same", activation="relu")(merged)
    outputs = layers.Conv2D(1, 1, activation="sigmoid")(c3)
    model = keras.Model(inputs, outputs, name="unet")
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def main(model, epochs=3):
    x, y = data(48, 4)
    x_test, y_test = data(16, 5)
    history = model.fit(x, y, batch_size=8, epochs=epochs, shuffle=False, verbose=0)
    return history, model.evaluate(x_test, y_test, verbose=0)
'''


def load(source, lib):
    """The program as a module, under Keras (``lib="keras"``) or with its imports changed to seegrad.keras."""
    if lib == "keras":
        oracle().utils.clear_session()  # layer names from dense, dense_1... in both
        oracle().utils.set_random_seed(0)  # Keras' initial weights repeat from run to run
    else:
        from seegrad import keras
        keras.utils.clear_session()
        source = source.replace("import keras\n", "from seegrad import keras\n")
        source = source.replace("from keras import layers", "from seegrad.keras import layers")
    module = types.ModuleType(f"program_{lib}")
    exec(compile(source, f"<program under {lib}>", "exec"), module.__dict__)
    return module


def run_both(source, **kwargs):
    K, S = load(source, "keras"), load(source, "seegrad")
    k, s = K.build_model(), S.build_model()
    s.set_weights(k.get_weights())
    hk, result_k = K.main(k, **kwargs)
    hs, result_s = S.main(s, **kwargs)
    assert hk.history.keys() == hs.history.keys()
    for key in hk.history:
        np.testing.assert_allclose(hs.history[key], hk.history[key], **LOSS_TOL, err_msg=key)
    for a, b in zip(k.get_weights(), s.get_weights()):
        np.testing.assert_allclose(b, a, **WEIGHT_TOL)
    np.testing.assert_allclose(result_s, result_k, **LOSS_TOL)
    lines = [[], []]
    k.summary(print_fn=lambda line, **kw: lines[0].append(line))
    s.summary(print_fn=lines[1].append)
    assert "\n".join(lines[1]).strip() == "\n".join(lines[0]).strip()
    return hs


@pytest.mark.parametrize("source", [TEXT_CLASSIFIER, CONV1D_CLASSIFIER, SMALL_UNET],
                         ids=["embedding-bidirectional-lstm", "conv1d", "unet"])
def test_program_runs_as_under_keras(source):
    history = run_both(source)
    assert history.history["loss"][-1] < history.history["loss"][0]  # it learns
