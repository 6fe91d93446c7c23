"""The layers users reach for beyond Dense/Conv2D/LSTM, against Keras 3 itself (torch backend):
Conv1D, 1-D pooling, global pooling, Conv2DTranspose, UpSampling2D, ZeroPadding2D, Cropping2D,
LayerNormalization, Rescaling, the activation layers, Permute, RepeatVector, Lambda, the merge
layers of the functional API (two inputs, trained with fit), Bidirectional and TimeDistributed.

Each model is built under both libraries, Keras' initial weights copied into ours: predict must
agree, fit with SGD must give the same losses and weights after every epoch (keras_helpers), and
the summary table must be Keras' own, row for row. The noise layers (random draws Keras cannot
replay) are checked by their statistics and their identity at inference."""
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


def train_both(make, x, y, loss="mse", epochs=3, batch_size=8):
    """Same weights; predict agrees; fit with SGD agrees epoch by epoch (losses, weights); the summary too."""
    k, s = twins(make)
    np.testing.assert_allclose(s.predict(x, verbose=0), k.predict(x, verbose=0), **WEIGHT_TOL)
    compile_both(k, s, SGD, loss)
    fit_both(k, s, x, y, epochs=epochs, batch_size=batch_size)
    np.testing.assert_allclose(s.predict(x, verbose=0), k.predict(x, verbose=0), **WEIGHT_TOL)
    keras_table, table = tables(make)
    assert table == keras_table
    return k, s


# ----------------------------------------------------------------- sequences: Conv1D and pooling


def conv1d_model(lib):
    L = lib.layers
    return lib.Sequential([lib.Input((12, 3)), L.Conv1D(4, 3, activation="relu"), L.MaxPooling1D(),
                           L.Conv1D(5, 2, strides=2, padding="same", use_bias=False),
                           L.AveragePooling1D(2, strides=1, padding="same"),
                           L.Conv1D(3, 3, padding="causal", dilation_rate=2, activation="tanh"),
                           L.MaxPooling1D(3, strides=2, padding="same"), L.GlobalAveragePooling1D(),
                           L.Dense(2)])


def conv1d_keepdims(lib):
    L = lib.layers
    return lib.Sequential([lib.Input((9, 2)), L.Conv1D(4, 4, padding="same", groups=2),
                           L.AveragePooling1D(3), L.GlobalMaxPooling1D(keepdims=True), L.Flatten(), L.Dense(1)])


@pytest.mark.parametrize("make", [conv1d_model, conv1d_keepdims], ids=["conv1d-pooling", "groups-keepdims"])
def test_conv1d_and_1d_pooling_match_keras(make):
    x = rng(1).normal(size=(24, 12 if make is conv1d_model else 9, 3 if make is conv1d_model else 2))
    k, _ = train_both(make, x, rng(2).normal(size=(24, 2 if make is conv1d_model else 1)))
    assert k.layers[0].get_weights()[0].ndim == 3  # Keras' kernel (k, in, filters)


# ----------------------------------------------------------------- images: transposed conv, up-sampling, padding


def unet_like(lib):
    """Down, then up by Conv2DTranspose and UpSampling2D, with ZeroPadding2D / Cropping2D on the way."""
    L = lib.layers
    return lib.Sequential([lib.Input((6, 6, 2)), L.Conv2D(3, 3, padding="same", activation="relu"),
                           L.MaxPooling2D(), L.Conv2DTranspose(4, 3, strides=2, padding="same"),
                           L.Conv2DTranspose(2, (2, 3), strides=(1, 2), activation="relu"),
                           L.ZeroPadding2D(((1, 0), (2, 1))), L.Cropping2D(((0, 2), 1)), L.UpSampling2D((1, 2)),
                           L.Conv2DTranspose(2, 3, strides=3, padding="valid", use_bias=False),
                           L.GlobalMaxPooling2D(), L.Dense(2)])


def transposed_variants(lib):
    L = lib.layers
    return lib.Sequential([lib.Input((5, 4, 3)), L.Conv2DTranspose(2, 4, strides=3, padding="same"),
                           L.Conv2DTranspose(3, 2, strides=2, padding="valid", dilation_rate=1),
                           L.Conv2DTranspose(2, 3, padding="same", dilation_rate=2),
                           L.ZeroPadding2D(2), L.UpSampling2D(), L.Cropping2D(3),
                           L.GlobalAveragePooling2D(keepdims=True), L.Flatten(), L.Dense(1)])


@pytest.mark.parametrize("make,shape", [(unet_like, (6, 6, 2)), (transposed_variants, (5, 4, 3))],
                         ids=["unet-like", "transpose-strides-dilation"])
def test_transposed_conv_upsampling_padding_cropping_match_keras(make, shape):
    x = rng(3).normal(size=(16, *shape))
    k, _ = train_both(make, x, rng(4).normal(size=(16, 2 if make is unet_like else 1)), batch_size=4)


# ----------------------------------------------------------------- normalisation, scaling, activations, reshaping


def dense_odds(lib):
    L = lib.layers
    return lib.Sequential([lib.Input((4, 5)), L.Rescaling(0.5, offset=-0.2), L.LayerNormalization(),
                           L.Dense(6), L.LeakyReLU(), L.LayerNormalization(axis=[1, 2], epsilon=1e-2),
                           L.Permute((2, 1)), L.Dense(3), L.PReLU(), L.Flatten(), L.Dense(4), L.ELU(alpha=0.7),
                           L.RepeatVector(2), L.PReLU(alpha_initializer="ones", shared_axes=[1]),
                           L.Dense(3), L.ReLU(max_value=1.5, negative_slope=0.1, threshold=0.2),
                           L.Flatten(), L.Dense(4), L.ReLU(), L.Dense(3), L.Softmax()])


def test_normalization_scaling_and_activation_layers_match_keras():
    x = rng(5).normal(size=(24, 4, 5)) * 2
    train_both(dense_odds, x, np.eye(3)[rng(6).integers(0, 3, 24)], loss="categorical_crossentropy")


@pytest.mark.parametrize("layer", [
    lambda L: L.ReLU(), lambda L: L.ReLU(max_value=6.0), lambda L: L.ReLU(negative_slope=0.2),
    lambda L: L.ReLU(threshold=0.5), lambda L: L.ReLU(max_value=1.0, threshold=0.5, negative_slope=0.3),
    lambda L: L.LeakyReLU(), lambda L: L.LeakyReLU(negative_slope=0.05), lambda L: L.ELU(), lambda L: L.ELU(2.0),
    lambda L: L.Softmax(axis=1), lambda L: L.Softmax(axis=[1, 2]), lambda L: L.Rescaling(1 / 255),
    lambda L: L.Permute((3, 1, 2)), lambda L: L.LayerNormalization(axis=[2, 3], center=False),
    lambda L: L.LayerNormalization(scale=False, epsilon=1e-5), lambda L: L.Lambda(lambda t: t * 2 - 1),
])
def test_weightless_layers_compute_as_keras(layer):
    keras = oracle()
    x = (rng(7).normal(size=(3, 4, 5, 2)) * 3).astype(np.float32)
    ours = layer(S.layers)(x).detach().numpy()
    theirs = keras.ops.convert_to_numpy(layer(keras.layers)(x))
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def test_layer_normalization_over_leading_axes_is_the_textbook_formula():
    """Keras' torch backend fails on LayerNormalization(axis=1) of a 4-D input (it hands the axis to
    torch's layer_norm, which takes trailing axes only): checked against the formula instead."""
    x = rng(11).normal(size=(3, 4, 5, 2)).astype(np.float32)
    layer = S.layers.LayerNormalization(axis=1, epsilon=1e-3)
    layer(x)  # built on the first call
    gamma, beta = rng(12).normal(size=4), rng(13).normal(size=4)
    layer.set_weights([gamma, beta])
    mean, var = x.mean(1, keepdims=True), x.var(1, keepdims=True)
    want = (x - mean) / np.sqrt(var + 1e-3) * gamma[:, None, None] + beta[:, None, None]
    np.testing.assert_allclose(layer(x).detach().numpy(), want, rtol=1e-5, atol=1e-5)


def test_keras_defaults_and_weight_shapes():
    keras = oracle()
    assert S.layers.LeakyReLU().negative_slope == keras.layers.LeakyReLU().negative_slope == 0.3
    for lib in (keras, S):
        p = lib.layers.PReLU(shared_axes=[1, 2])
        p.build((None, 4, 5, 3))
        assert tuple(p.get_weights()[0].shape) == (1, 1, 3)
        t = lib.layers.Conv2DTranspose(5, (2, 3))
        t.build((None, 4, 4, 7))
        assert [tuple(w.shape) for w in t.get_weights()] == [(2, 3, 5, 7), (5,)]
        assert lib.layers.RepeatVector(3).compute_output_shape((None, 4)) == (None, 3, 4)
    with pytest.raises(ValueError, match="negative_slope value of a Leaky ReLU layer cannot be None or negative"):
        S.layers.LeakyReLU(negative_slope=-1)
    with pytest.raises(ValueError, match="threshold of a ReLU layer cannot be None or a negative value"):
        S.layers.ReLU(threshold=-0.5)
    with pytest.raises(ValueError, match="must be consecutive and start from 1"):
        S.layers.Permute((0, 1))
    with pytest.raises(ValueError, match="smaller than the corresponding spatial dimension"):
        S.Sequential([S.Input((4, 4, 1)), S.layers.Cropping2D(2)])
    with pytest.raises(ValueError, match="expected ndim=3"):
        S.Sequential([S.Input((4, 4, 1)), S.layers.Conv1D(2, 2)])


def test_lambda_layer_in_a_model_matches_keras():
    keras = oracle()

    def make(lib):
        return lib.Sequential([lib.Input((6,)), lib.layers.Dense(4),
                               lib.layers.Lambda(lambda t: t * t - 0.5 * t), lib.layers.Dense(1)])
    k, s = twins(make)
    x = rng(8).normal(size=(16, 6))
    compile_both(k, s, SGD, "mse")
    fit_both(k, s, x, rng(9).normal(size=(16, 1)), epochs=2, batch_size=8)
    assert s.layers[1].output_shape == (None, 4) == tuple(k.layers[1].output.shape)
    assert keras.__version__.startswith("3.")


# ----------------------------------------------------------------- noise: statistics, inference identity


@pytest.mark.parametrize("make,shape", [
    (lambda L: L.SpatialDropout1D(0.3), (400, 5, 6)), (lambda L: L.SpatialDropout2D(0.3), (400, 3, 3, 6)),
    (lambda L: L.GaussianNoise(0.5), (200, 50)), (lambda L: L.GaussianDropout(0.3), (200, 50)),
])
def test_noise_layers_are_the_identity_at_inference_and_noisy_in_training(make, shape):
    keras = oracle()
    x = rng(10).uniform(1.0, 2.0, size=shape).astype(np.float32)
    layer = make(S.layers)
    np.testing.assert_array_equal(layer(x).numpy(), x)  # called outside fit: inference
    np.testing.assert_array_equal(make(keras.layers)(x, training=False).detach().cpu().numpy(), x)
    model = S.Sequential([S.Input(shape[1:]), layer])
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)
    noisy = layer(x, training=True).numpy()
    theirs = keras.ops.convert_to_numpy(make(keras.layers)(x, training=True))
    ratio, keras_ratio = noisy / x, theirs / x
    if "Spatial" in type(layer).__name__:  # whole channels: one draw per (sample, channel)
        flat = ratio.reshape(shape[0], -1, shape[-1])
        assert np.allclose(flat, flat[:, :1], atol=1e-6)
        assert np.all(np.isclose(flat, 0) | np.isclose(flat, 1 / 0.7, rtol=1e-6))
        assert abs((flat[:, 0] == 0).mean() - 0.3) < 0.05
        assert abs((keras_ratio.reshape(shape[0], -1, shape[-1])[:, 0] == 0).mean() - 0.3) < 0.05
    elif type(layer).__name__ == "GaussianNoise":
        for diff in (noisy - x, theirs - x):
            assert abs(diff.mean()) < 0.02 and abs(diff.std() - 0.5) < 0.02
    else:  # GaussianDropout: x * N(1, rate / (1 - rate))
        for r in (ratio, keras_ratio):
            assert abs(r.mean() - 1) < 0.02 and abs(r.std() - np.sqrt(0.3 / 0.7)) < 0.02


def test_seeded_noise_repeats():
    x = np.ones((4, 8), np.float32)
    a = S.layers.GaussianNoise(1.0, seed=3)(x, training=True).numpy()
    b = S.layers.GaussianNoise(1.0, seed=3)(x, training=True).numpy()
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="between 0 and 1"):
        S.layers.SpatialDropout1D(1.5)


@pytest.mark.parametrize("make", [conv1d_model, conv1d_keepdims, unet_like, transposed_variants, dense_odds])
def test_models_of_the_new_layers_save_and_load(make, tmp_path):
    """save / load_model rebuild every layer from its config: the same outputs."""
    model = make(S)
    model.save(tmp_path / "m.keras")
    again = S.models.load_model(tmp_path / "m.keras")
    x = rng(14).normal(size=(3, *model.input_shape[1:]))
    np.testing.assert_array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))
    assert [type(layer) for layer in again.layers] == [type(layer) for layer in model.layers]


def test_noise_and_lambda_layers_save_or_refuse(tmp_path):
    model = S.Sequential([S.Input((4,)), S.layers.GaussianNoise(0.1), S.layers.GaussianDropout(0.2),
                          S.layers.Dense(3), S.layers.Reshape((3, 1)), S.layers.SpatialDropout1D(0.2)])
    model.save(tmp_path / "noise.keras")
    assert [type(layer) for layer in S.models.load_model(tmp_path / "noise.keras").layers] == \
        [type(layer) for layer in model.layers]
    with pytest.raises(S.NotSupported, match="Lambda"):
        S.Sequential([S.Input((4,)), S.layers.Lambda(lambda t: t + 1)]).save(tmp_path / "lambda.keras")


def test_a_layer_built_by_hand_keeps_the_weights_set_into_it_as_keras():
    """``layer.build(shape)`` then ``set_weights``: the first call must use those weights, not build afresh."""
    keras = oracle()
    x = rng(15).normal(size=(2, 6, 3)).astype(np.float32)
    for make in (lambda L: L.Conv1D(4, 3), lambda L: L.LayerNormalization(), lambda L: L.PReLU(),
                 lambda L: L.Dense(2)):
        theirs, ours = make(keras.layers), make(S.layers)
        theirs.build((None, 6, 3))
        ours.build((None, 6, 3))
        assert ours.built and ours.output_shape == tuple(theirs.compute_output_shape((None, 6, 3)))
        weights = [rng(16).normal(size=w.shape).astype(np.float32) for w in theirs.get_weights()]
        theirs.set_weights(weights)
        ours.set_weights(weights)
        np.testing.assert_allclose(ours(x).detach().numpy(), keras.ops.convert_to_numpy(theirs(x)), **WEIGHT_TOL)
