"""Keras' initializers, drawing from this project's generator (``ag.manual_seed``).

Formulas are Keras 3's; the random numbers are numpy's, so a seed gives other weights than
Keras does (copy Keras' weights with ``set_weights`` to start from the same point).

As in Keras 3, a random initializer draws the same numbers on every call: its seed (the ``seed``
given, else one drawn from seegrad's generator when it is made) starts a fresh generator each
time. Two ``GlorotUniform(seed=1)`` give the same kernel, and so does one instance shared by two
layers (``Dense(4, kernel_initializer=init)`` twice); a name ("glorot_uniform") makes a new
instance, so new numbers, for each layer.

    glorot_uniform   U(-l, l), l = sqrt(6 / (fan_in + fan_out))      (Dense, Conv, RNN kernels)
    orthogonal       Q of the QR decomposition of a normal matrix      (recurrent kernels)
    zeros, ones      (biases; BatchNormalization's beta and gamma)
    he_*, lecun_*, glorot_normal: variance scaling; the *_normal ones draw a normal truncated at 2 sd
    random_uniform (U(-0.05, 0.05); Embedding's "uniform"), random_normal (N(0, 0.05)), constant

Fans follow Keras: a kernel (in, out) has fan_in = in; a conv kernel (kh, kw, in, out) has
fan_in = kh*kw*in and fan_out = kh*kw*out.
"""
import math

import numpy as np

import autograd as ag

__all__ = ["Initializer", "RandomInitializer", "Zeros", "Ones", "Constant", "RandomUniform", "RandomNormal",
           "TruncatedNormal", "VarianceScaling", "GlorotUniform", "GlorotNormal", "HeUniform", "HeNormal", "LecunUniform",
           "LecunNormal", "Orthogonal", "get"]


def _fans(shape):
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
    return shape[-2] * receptive, shape[-1] * receptive


def _truncated_normal(rng, shape, stddev, mean=0.0):
    """N(mean, stddev) redrawn where it falls more than 2 standard deviations away."""
    out = rng.standard_normal(shape)
    bad = np.abs(out) > 2
    while bad.any():
        out[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(out) > 2
    return mean + stddev * out


class Initializer:
    """``init(shape) -> float32 array``; ``get_config()`` gives the arguments it was built with."""

    def __call__(self, shape, dtype=None):
        return np.asarray(self.sample(tuple(int(n) for n in shape)), dtype=np.float32)

    def sample(self, shape):
        raise NotImplementedError

    def get_config(self):
        return {}

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class Zeros(Initializer):
    def sample(self, shape):
        return np.zeros(shape)


class Ones(Initializer):
    def sample(self, shape):
        return np.ones(shape)


class Constant(Initializer):
    """``value`` everywhere: a number, or an array broadcast to the shape (Keras computes value * ones(shape),
    so ``Embedding(..., embeddings_initializer=Constant(embedding_matrix))`` loads pretrained vectors)."""

    def __init__(self, value=0.0):
        self.value = float(value) if np.ndim(value) == 0 else np.asarray(value, dtype=np.float32)

    def sample(self, shape):
        if np.ndim(self.value) and not all(a in (1, b) for a, b in zip(np.shape(self.value)[::-1], shape[::-1])):
            raise ValueError(f"Constant: a value of shape {np.shape(self.value)} does not broadcast to the weight's "
                             f"shape {shape}")
        return np.full(shape, self.value) if np.ndim(self.value) == 0 else np.broadcast_to(self.value, shape).copy()

    def get_config(self):
        return {"value": self.value if np.ndim(self.value) == 0 else self.value.tolist()}


class RandomInitializer(Initializer):
    """A random initializer: ``rng()`` is a new generator from the same seed at every call."""

    def __init__(self, seed=None):
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
            raise ValueError(f"{type(self).__name__}: `seed` must be an integer or None, got {seed!r}")
        self._init_seed = None if seed is None else int(seed)
        self.seed = self._init_seed if seed is not None else int(ag.get_rng().integers(1, 10**9))

    def rng(self):
        return np.random.default_rng(self.seed)

    def get_config(self):
        return {"seed": self._init_seed}


class RandomUniform(RandomInitializer):
    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(seed)
        self.minval, self.maxval = float(minval), float(maxval)

    def sample(self, shape):
        return self.rng().uniform(self.minval, self.maxval, shape)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, **super().get_config()}


class RandomNormal(RandomInitializer):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = float(mean), float(stddev)

    def sample(self, shape):
        return self.rng().normal(self.mean, self.stddev, shape)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, **super().get_config()}


class TruncatedNormal(RandomNormal):
    def sample(self, shape):
        return _truncated_normal(self.rng(), shape, self.stddev, self.mean)


class VarianceScaling(RandomInitializer):
    """scale / n, n = fan_in, fan_out or their mean (``mode``): uniform U(-l, l) with l = sqrt(3 scale / n),
    or a normal truncated at 2 sd with sd = sqrt(scale / n) / 0.8796 (the truncation's correction)."""

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        super().__init__(seed)
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"VarianceScaling: mode must be fan_in, fan_out or fan_avg, got {mode!r}")
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform"):
            raise ValueError(f"VarianceScaling: unknown distribution {distribution!r}")
        self.scale, self.mode, self.distribution = float(scale), mode, distribution

    def sample(self, shape):
        fan_in, fan_out = _fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, n)
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * variance)
            return self.rng().uniform(-limit, limit, shape)
        if self.distribution == "untruncated_normal":
            return self.rng().normal(0.0, math.sqrt(variance), shape)
        return _truncated_normal(self.rng(), shape, math.sqrt(variance) / 0.87962566103423978)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution, **super().get_config()}


def _scaling(name, scale, mode, distribution, doc):
    def __init__(self, seed=None):
        VarianceScaling.__init__(self, scale, mode, distribution, seed)

    def get_config(self):
        return RandomInitializer.get_config(self)

    return type(name, (VarianceScaling,), {"__init__": __init__, "get_config": get_config, "__doc__": doc})


GlorotUniform = _scaling("GlorotUniform", 1.0, "fan_avg", "uniform", "U(-l, l), l = sqrt(6 / (fan_in + fan_out)).")
GlorotNormal = _scaling("GlorotNormal", 1.0, "fan_avg", "truncated_normal", "sd = sqrt(2 / (fan_in + fan_out)).")
HeUniform = _scaling("HeUniform", 2.0, "fan_in", "uniform", "U(-l, l), l = sqrt(6 / fan_in).")
HeNormal = _scaling("HeNormal", 2.0, "fan_in", "truncated_normal", "sd = sqrt(2 / fan_in).")
LecunUniform = _scaling("LecunUniform", 1.0, "fan_in", "uniform", "U(-l, l), l = sqrt(3 / fan_in).")
LecunNormal = _scaling("LecunNormal", 1.0, "fan_in", "truncated_normal", "sd = sqrt(1 / fan_in).")


class Orthogonal(RandomInitializer):
    """An orthogonal matrix (times ``gain``): Q of the QR decomposition of a standard normal
    (rows = prod(shape[:-1]), cols = shape[-1]), signs fixed by diag(R), as Keras."""

    def __init__(self, gain=1.0, seed=None):
        super().__init__(seed)
        self.gain = float(gain)

    def sample(self, shape):
        rows, cols = int(np.prod(shape[:-1])), shape[-1]
        a = self.rng().standard_normal((max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q *= np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return self.gain * q.reshape(shape)

    def get_config(self):
        return {"gain": self.gain, **super().get_config()}


NAMES = {"zeros": Zeros, "ones": Ones, "constant": Constant, "random_uniform": RandomUniform,
         "uniform": RandomUniform, "random_normal": RandomNormal, "normal": RandomNormal,
         "truncated_normal": TruncatedNormal, "variance_scaling": VarianceScaling,
         "glorot_uniform": GlorotUniform, "glorot_normal": GlorotNormal, "he_uniform": HeUniform,
         "he_normal": HeNormal, "lecun_uniform": LecunUniform, "lecun_normal": LecunNormal,
         "orthogonal": Orthogonal}


def get(identifier):
    """An Initializer from a Keras name ("glorot_uniform"), a class, an instance, a saved
    {"class_name": ..., "config": ...}, or a function ``fn(shape, dtype=None) -> array``."""
    if isinstance(identifier, str):
        by_class = {cls.__name__: cls for cls in NAMES.values()}  # Keras takes "Zeros" as "zeros"
        if identifier in by_class:
            return by_class[identifier]()
        if identifier not in NAMES:
            raise ValueError(f"unknown initializer {identifier!r}; known: {', '.join(sorted(NAMES))}")
        return NAMES[identifier]()
    if isinstance(identifier, dict):
        classes = {cls.__name__: cls for cls in NAMES.values()}
        return classes[identifier["class_name"]](**identifier.get("config", {}))
    if isinstance(identifier, type) and issubclass(identifier, Initializer):
        return identifier()
    if callable(identifier):
        return identifier
    raise TypeError(f"an initializer is a name like 'glorot_uniform', an Initializer or a function, got {identifier!r}")


def serialize(init):
    """{"class_name": ..., "config": ...} of an Initializer, for saving a model."""
    if not isinstance(init, Initializer):
        raise ValueError(f"cannot save the initializer {init!r}: pass a Keras name or an Initializer")
    return {"class_name": type(init).__name__, "config": init.get_config()}
