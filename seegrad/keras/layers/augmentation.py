"""RandomFlip, RandomRotation, RandomZoom: image augmentation, as Keras 3's layers (channels-last).

    data_augmentation = [layers.RandomFlip("horizontal"), layers.RandomRotation(0.1), layers.RandomZoom(0.2)]

When they act (Keras' rule): in training (fit), and when the layer is called on its own (Keras' call
defaults to ``training=True`` there); in a model's predict or evaluate they are the identity.

What one call does, in order:
1. draw each image's parameters (``_draw``) from the project's generator (``ag.manual_seed``), or
   the layer's own with ``seed``: a flip (probability 1/2), an angle in ``factor * 360`` degrees, a
   zoom in ``1 + factor``. Keras' draws are its own numbers; the tests give both the same parameters;
2. transform the images with them (``_transform``): a flip reverses an axis; a rotation or a zoom
   is Keras' affine transform (its torch backend's affine_transform and map_coordinates, in
   float32): the output pixel (y, x) reads the input at row b0 x + b1 y + b2, column a0 x + a1 y + a2,
   bilinearly (or the nearest pixel), and beyond the edges by ``fill_mode``: "reflect" (d c b a | a b
   c d | d c b a), "wrap" (a b c d | a b c d), "nearest" (a a a a | a b c d) or "constant" (fill_value).

The images are inputs here: the transform runs on numpy, and an input that needs a gradient is
refused rather than cut from the graph.
"""
import math
import numbers

import numpy as np

import autograd as ag

from ..utils import not_supported
from .base import Layer, as_tensor

__all__ = ["RandomFlip", "RandomRotation", "RandomZoom", "affine_transform"]

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("nearest", "bilinear")


def _mirror(index, size):
    s = size - 1  # half the period of the triangle wave |x - round(x)|, scaled
    return np.abs((index + s) % (2 * s) - s) if s > 0 else np.zeros_like(index)


FIXERS = {  # where an index beyond the edge reads (Keras' _INDEX_FIXERS)
    "constant": lambda index, size: np.clip(index, 0, size - 1),
    "nearest": lambda index, size: np.clip(index, 0, size - 1),
    "wrap": lambda index, size: index % size,
    "reflect": lambda index, size: (_mirror(2 * index + 1, 2 * size + 1) - 1) // 2,
}


def _nodes(coordinate, interpolation):
    """The indices an interpolation reads along one axis and their weights (float32)."""
    if interpolation == "nearest":
        return [(np.round(coordinate).astype(np.int64), np.float32(1))]
    lower = np.floor(coordinate)
    upper_weight = coordinate - lower
    return [(lower.astype(np.int64), np.float32(1) - upper_weight), (lower.astype(np.int64) + 1, upper_weight)]


def affine_transform(images, transforms, interpolation="bilinear", fill_mode="constant", fill_value=0.0):
    """Keras' ``ops.image.affine_transform`` on channels-last images (N, H, W, C), numpy float32:
    ``transforms`` (N, 8) = [a0, a1, a2, b0, b1, b2, 0, 0] maps each output pixel (y, x) to the input
    point (row b0 x + b1 y + b2, column a0 x + a1 y + a2)."""
    images = np.asarray(images, np.float32)
    transforms = np.asarray(transforms, np.float32)
    n, h, w, _ = images.shape
    y, x = np.meshgrid(np.arange(h, dtype=np.float32), np.arange(w, dtype=np.float32), indexing="ij")  # (h, w)
    a0, a1, a2, b0, b1, b2 = (transforms[:, i, None, None] for i in range(6))  # (N, 1, 1)
    rows = (y * b1 + x * b0) + b2  # (N, h, w), Keras' order of the float32 sums
    cols = (y * a1 + x * a0) + a2
    out = np.zeros_like(images)
    batch = np.arange(n)[:, None, None]
    for r, wr in _nodes(rows, interpolation):
        for c, wc in _nodes(cols, interpolation):
            value = images[batch, FIXERS[fill_mode](r, h), FIXERS[fill_mode](c, w)]  # (N, h, w, C)
            if fill_mode == "constant":
                inside = ((0 <= r) & (r < h) & (0 <= c) & (c < w))[..., None]
                value = np.where(inside, value, np.float32(fill_value))
            out += ((wr * wc)[..., None] * value).astype(np.float32)
    return out


def _factor(layer, what, factor, zoom=False):
    """Keras' (lower, upper) from a factor: f -> (-f, f), (a, b) -> sorted; each in [-1, 1] (a zoom's
    above -1: a zoom of 1 + f must stay positive), else an error."""
    message = (f"{layer}: `{what}` is a number or a pair of numbers in {'(-1' if zoom else '[-1'}, 1] (a fraction: "
               f"of a full turn for a rotation, of the size for a zoom); got {what}={factor!r}")
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or not all(isinstance(f, numbers.Real) and not isinstance(f, bool) for f in factor):
            raise ValueError(message)
        lower, upper = sorted(float(f) for f in factor)
    elif isinstance(factor, numbers.Real) and not isinstance(factor, bool):
        lower, upper = -abs(float(factor)), abs(float(factor))
    else:
        raise ValueError(message)
    if lower < -1.0 or upper > 1.0 or (zoom and lower <= -1.0):
        raise ValueError(message)
    return lower, upper


class _Augmentation(Layer):
    """The common steps: identity unless training; draw the parameters; transform (see the module)."""

    def __init__(self, seed=None, data_format=None, **kwargs):
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last"):
            not_supported(f"{type(self).__name__}(data_format={data_format!r})", "images are channels-last")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
            raise ValueError(f"{type(self).__name__}: `seed` must be an integer or None, got {seed!r}")
        self.seed = seed
        self._generator = None if seed is None else ag.Generator().manual_seed(int(seed))
        self.training = True  # Keras: called on its own the layer augments; a model passes training itself

    def _uniform(self, n, low, high):
        return low + (high - low) * ag.rand(n, generator=self._generator).numpy()  # (n,) float32

    def call(self, x, training=False):
        if not training:
            return x
        if x.requires_grad:
            not_supported(f"{type(self).__name__} {self.name!r} on a tensor that needs a gradient",
                          "augmentation layers transform a model's inputs: put them first, on the images")
        if x.ndim not in (3, 4):
            raise ValueError(f"{type(self).__name__} {self.name!r} takes images (height, width, channels) or a "
                             f"batch of them (batch, height, width, channels); got shape {tuple(x.shape)}")
        images = x.detach().numpy().astype(np.float32)
        batch = images[None] if images.ndim == 3 else images
        out = self._transform(batch, self._draw(batch))
        return as_tensor(out[0] if images.ndim == 3 else out)

    def get_config(self):
        return {**super().get_config(), "seed": self.seed, "data_format": "channels_last"}


class RandomFlip(_Augmentation):
    """Each image flipped with probability 1/2: ``mode`` "horizontal" (left-right), "vertical"
    (upside down) or "horizontal_and_vertical" (both, together)."""

    def __init__(self, mode="horizontal_and_vertical", seed=None, data_format=None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        if mode not in ("horizontal", "vertical", "horizontal_and_vertical"):
            raise ValueError(f"RandomFlip layer {self.name} received an unknown mode={mode!r}; use 'horizontal', "
                             "'vertical' or 'horizontal_and_vertical'")
        self.mode = mode

    def _draw(self, images):
        return self._uniform(len(images), 0.0, 1.0) <= 0.5  # (N,) flip or not, Keras' test

    def _transform(self, images, flips):
        out = images
        flips = np.asarray(flips).reshape(-1, 1, 1, 1)
        if self.mode in ("horizontal", "horizontal_and_vertical"):
            out = np.where(flips, out[:, :, ::-1], out)
        if self.mode in ("vertical", "horizontal_and_vertical"):
            out = np.where(flips, out[:, ::-1], out)
        return out

    def get_config(self):
        return {**super().get_config(), "mode": self.mode}


class _Affine(_Augmentation):
    def __init__(self, fill_mode, interpolation, seed, fill_value, data_format, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        layer = type(self).__name__
        if fill_mode not in FILL_MODES:
            raise ValueError(f"{layer}: unknown fill_mode={fill_mode!r}; expected one of {FILL_MODES}")
        if interpolation not in INTERPOLATIONS:
            raise ValueError(f"{layer}: unknown interpolation={interpolation!r}; expected one of {INTERPOLATIONS}")
        self.fill_mode, self.interpolation, self.fill_value = fill_mode, interpolation, float(fill_value)

    def _transform(self, images, parameters):
        return affine_transform(images, self._matrices(parameters, *images.shape[1:3]), self.interpolation,
                                self.fill_mode, self.fill_value)

    def get_config(self):
        return {**super().get_config(), "fill_mode": self.fill_mode, "interpolation": self.interpolation,
                "fill_value": self.fill_value}


class RandomRotation(_Affine):
    """Each image rotated about its centre by an angle drawn in [lower, upper] * 360 degrees
    (``factor=0.1``: within +-36 degrees); positive angles turn it counter-clockwise."""

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0,
                 data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.factor = factor
        self.lower, self.upper = _factor("RandomRotation", "factor", factor)

    def _draw(self, images):
        return self._uniform(len(images), np.float32(self.lower * 360.0), np.float32(self.upper * 360.0))

    @staticmethod
    def _matrices(angles, height, width):
        """Keras' _compute_affine_matrix for rotations about the centre (no shift, scale or shear)."""
        angle = np.asarray(angles, np.float32) * np.float32(math.pi / 180.0)
        cx, cy = np.float32(0.5) * np.float32(width - 1), np.float32(0.5) * np.float32(height - 1)
        cos, sin = np.cos(angle), np.sin(angle)
        a0, a1 = cos + np.float32(0) * sin, -sin + np.float32(0) * cos
        b0, b1 = np.float32(0) * cos + sin, np.float32(0) * -sin + cos
        a2, b2 = np.float32(0) + cx - cx * a0 - cy * a1, np.float32(0) + cy - cx * b0 - cy * b1
        zeros = np.zeros_like(a0)
        return np.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], axis=1).astype(np.float32)

    def get_config(self):
        return {**super().get_config(), "factor": (self.lower, self.upper)}  # as Keras keeps it


class RandomZoom(_Affine):
    """Each image zoomed about its centre: its height scaled by 1 + a draw in [lower, upper] of
    ``height_factor`` (positive: zoom out, the image smaller), its width likewise by ``width_factor``,
    or by the same draw as the height when width_factor is None (the aspect kept)."""

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_lower, self.height_upper = _factor("RandomZoom", "height_factor", height_factor, zoom=True)
        if width_factor is not None:
            self.width_lower, self.width_upper = _factor("RandomZoom", "width_factor", width_factor, zoom=True)

    def _draw(self, images):
        n = len(images)
        height = self._uniform(n, np.float32(1.0 + self.height_lower), np.float32(1.0 + self.height_upper))
        if self.width_factor is None:
            return height, height
        return height, self._uniform(n, np.float32(1.0 + self.width_lower), np.float32(1.0 + self.width_upper))

    @staticmethod
    def _matrices(zooms, height, width):
        """Keras' _get_zoom_matrix: [zx, 0, (w-1)/2 (1-zx), 0, zy, (h-1)/2 (1-zy), 0, 0]."""
        zy, zx = (np.asarray(z, np.float32) for z in zooms)
        zeros = np.zeros_like(zx)
        x_offset = (np.float32(width) - np.float32(1.0)) / np.float32(2.0) * (np.float32(1.0) - zx)
        y_offset = (np.float32(height) - np.float32(1.0)) / np.float32(2.0) * (np.float32(1.0) - zy)
        return np.stack([zx, zeros, x_offset, zeros, zy, y_offset, zeros, zeros], axis=1).astype(np.float32)

    def get_config(self):
        return {**super().get_config(), "height_factor": self.height_factor, "width_factor": self.width_factor}
