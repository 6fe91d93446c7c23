"""The one random generator behind rand, randn, randint, randperm, dropout, init and uniform_/normal_,
and ``Generator`` (torch.Generator) for the draws given ``generator=``.

Random numbers come from numpy's PCG64: ``ag.manual_seed(0)`` makes runs reproducible, but the
draws are not PyTorch's.
"""
import numpy as np

from .devices import device as _device

_generator = [np.random.default_rng()]


def get_rng():
    """The numpy Generator behind every random op (replaced by manual_seed): draw from it to make
    your own random arrays, e.g. ``ag.from_numpy(ag.get_rng().standard_normal((3, 4)))``."""
    return _generator[0]


def manual_seed(seed):
    """Seed the generator behind rand, randn, randint, dropout and nn.init."""
    _generator[0] = np.random.default_rng(seed)


def get_rng_state():
    """The generator's state as a dict (what manual_seed set, plus every draw since): save it to resume."""
    return _generator[0].bit_generator.state


def set_rng_state(state):
    """Restore a state from get_rng_state: later draws repeat the ones that followed it."""
    rng = np.random.default_rng()
    rng.bit_generator.state = state
    _generator[0] = rng


def rng(generator=None):
    """Where a draw given ``generator=`` comes from: the global generator for None, else the
    Generator (or numpy Generator) itself."""
    return _generator[0] if generator is None else generator


class Generator:
    """torch.Generator: a generator of its own, for draws that name it (``randn(3, generator=g)``,
    ``DataLoader(..., generator=g)``, ``random_split``, ``nn.init.*_(..., generator=g)``).

        g = ag.Generator().manual_seed(42)

    It draws like a numpy Generator (``random``, ``standard_normal``, ``normal``, ``uniform``,
    ``integers``, ``permutation``), so code that takes either works with both."""

    def __init__(self, device="cpu"):
        self.device = _device(device)
        self.seed()

    def manual_seed(self, seed):
        """Seed it; returns the generator (``torch.Generator().manual_seed(0)``)."""
        self._seed = int(seed)
        self._numpy = np.random.default_rng(self._seed)
        return self

    def seed(self):
        """Seed it from the operating system's entropy; returns the seed."""
        self.manual_seed(int(np.random.SeedSequence().entropy % (1 << 63)))
        return self._seed

    def initial_seed(self):
        return self._seed

    def get_state(self):
        return self._numpy.bit_generator.state

    def set_state(self, state):
        self._numpy.bit_generator.state = state
        return self

    def random(self, size=None):
        return self._numpy.random(size)

    def standard_normal(self, size=None):
        return self._numpy.standard_normal(size)

    def normal(self, loc=0.0, scale=1.0, size=None):
        return self._numpy.normal(loc, scale, size)

    def uniform(self, low=0.0, high=1.0, size=None):
        return self._numpy.uniform(low, high, size)

    def integers(self, low, high=None, size=None):
        return self._numpy.integers(low, high, size)

    def permutation(self, x):
        return self._numpy.permutation(x)

    def __repr__(self):
        return f"<autograd.Generator seeded {self._seed}>"
