"""RandomFlip, RandomRotation, RandomZoom against Keras 3 (torch backend).

The random draws are not the computation under test: Keras draws each image's parameters (a flip,
an angle, a zoom), seegrad transforms the same images with those parameters, and the images agree
for every fill_mode and interpolation. At inference (a model's predict) both are the identity,
exactly; called on their own both augment (Keras' default training=True). seegrad's own draws keep
to the factor's range with the right frequencies."""
import numpy as np
import pytest

from keras_helpers import oracle
import autograd as ag
from seegrad import keras as S

pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning")]  # Keras 3 on numpy 2

# the affine transforms sample the image at float32 coordinates computed in another order than Keras'
# (its einsum): a coordinate a few ulps (~1e-6 pixel) apart moves a bilinear value by that times the
# image's slope, up to 255 per pixel here: 2.5e-4. Nearest-pixel sampling and zooms agree exactly.
IMAGE_TOL = dict(rtol=0, atol=1e-3)


def images(shape=(5, 9, 7, 3)):
    return np.random.default_rng(0).uniform(0, 255, shape).astype(np.float32)


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
@pytest.mark.parametrize("fill_mode", ["reflect", "wrap", "constant", "nearest"])
def test_rotation_and_zoom_transform_images_as_keras(fill_mode, interpolation):
    keras = oracle()
    import torch
    x = images()
    options = dict(fill_mode=fill_mode, interpolation=interpolation, fill_value=7.0)
    for make, parameters in (
            (lambda lib: lib.layers.RandomRotation(0.3, **options), lambda t: t["angle"].numpy()),
            (lambda lib: lib.layers.RandomRotation((-0.5, 1.0), **options), lambda t: t["angle"].numpy()),
            (lambda lib: lib.layers.RandomZoom(0.4, **options),
             lambda t: (t["height_zoom"].numpy()[:, 0], t["width_zoom"].numpy()[:, 0])),
            (lambda lib: lib.layers.RandomZoom((-0.3, 0.5), 0.6, **options),
             lambda t: (t["height_zoom"].numpy()[:, 0], t["width_zoom"].numpy()[:, 0]))):
        k, s = make(keras), make(S)
        drawn = k.get_random_transformation(x, training=True)
        expected = k.transform_images(torch.tensor(x), drawn, training=True).numpy()
        assert not np.allclose(expected, x, atol=1.0)
        np.testing.assert_allclose(s._transform(x, parameters(drawn)), expected, **IMAGE_TOL)


@pytest.mark.parametrize("mode", ["horizontal", "vertical", "horizontal_and_vertical"])
def test_flip_as_keras(mode):
    keras = oracle()
    import torch
    x = images((8, 6, 5, 2))
    k, s = keras.layers.RandomFlip(mode), S.layers.RandomFlip(mode)
    drawn = k.get_random_transformation(x, training=True)
    flips = drawn["flips"].numpy().reshape(-1)
    assert 0 < flips.sum() < len(flips)
    np.testing.assert_array_equal(s._transform(x, flips), k.transform_images(torch.tensor(x), drawn).numpy())


def test_identity_at_inference_and_augmenting_when_called_alone():
    keras = oracle()
    x = images((4, 12, 12, 3))

    def model(lib):
        inputs = lib.Input((12, 12, 3))
        y = inputs
        for layer in (lib.layers.RandomFlip("horizontal"), lib.layers.RandomRotation(0.1), lib.layers.RandomZoom(0.2)):
            y = layer(y)
        return lib.Model(inputs, y)
    np.testing.assert_array_equal(model(keras).predict(x, verbose=0), x)  # Keras: the identity at inference
    np.testing.assert_array_equal(model(S).predict(x, verbose=0), x)
    for layer in (S.layers.RandomFlip("horizontal", seed=1), S.layers.RandomRotation(0.1), S.layers.RandomZoom(0.2)):
        np.testing.assert_array_equal(layer(x, training=False).numpy(), x)
        assert not np.allclose(layer(x).numpy(), x)  # alone, as Keras' (training=True by default)
    single = S.layers.RandomRotation(0.2, seed=0)(x[0])  # one image (height, width, channels)
    assert single.shape == (12, 12, 3)


def test_own_draws_keep_to_the_factor():
    x = images((4000, 2, 2, 1))
    rotation = S.layers.RandomRotation((-0.1, 0.3), seed=0)
    angles = rotation._draw(x)
    assert -36.0 <= angles.min() < -30 and 102 < angles.max() <= 108.0  # degrees: factor * 360
    assert abs(angles.mean() - 36.0) < 3 * 144 / np.sqrt(12 * len(x))
    height, width = S.layers.RandomZoom(0.2, seed=0)._draw(x)
    assert np.array_equal(height, width) and 0.8 <= height.min() < 0.81 and 1.19 < height.max() <= 1.2
    height, width = S.layers.RandomZoom(0.2, (-0.5, -0.4), seed=0)._draw(x)
    assert 0.5 <= width.min() and width.max() <= 0.6 and not np.array_equal(height, width)
    flips = S.layers.RandomFlip(seed=0)._draw(x)
    assert abs(flips.mean() - 0.5) < 3 * 0.5 / np.sqrt(len(x))
    again = S.layers.RandomRotation((-0.1, 0.3), seed=0)._draw(x)
    np.testing.assert_array_equal(again, angles)  # a seed repeats its draws


def test_bad_arguments_name_the_layer_and_value():
    with pytest.raises(ValueError, match=r"RandomRotation: `factor` is a number or a pair .* got factor=1.5"):
        S.layers.RandomRotation(1.5)
    with pytest.raises(ValueError, match=r"RandomZoom: `height_factor` .* in \(-1, 1\].* got height_factor=-1.0"):
        S.layers.RandomZoom(-1.0)
    with pytest.raises(ValueError, match=r"RandomZoom: unknown fill_mode='mirror'"):
        S.layers.RandomZoom(0.1, fill_mode="mirror")
    with pytest.raises(ValueError, match="RandomFlip layer .* received an unknown mode='sideways'"):
        S.layers.RandomFlip("sideways")
    with pytest.raises(S.NotSupported, match="RandomRotation .* on a tensor that needs a gradient"):
        S.layers.RandomRotation(0.1)(ag.ones(1, 4, 4, 1, requires_grad=True))
    with pytest.raises(ValueError, match=r"RandomZoom .* takes images .* got shape \(4, 4\)"):
        S.layers.RandomZoom(0.1)(np.ones((4, 4), np.float32))
