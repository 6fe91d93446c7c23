"""The one random generator behind rand, randn, randint, randperm, dropout, init and uniform_/normal_.

Random numbers come from numpy's PCG64: ``ag.manual_seed(0)`` makes runs reproducible, but the
draws are not PyTorch's.
"""
import numpy as np

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
