"""The random generators behind rand, randn, randint, randperm, dropout, init and uniform_/normal_:
one for the CPU, one per other device type (drawing arrays on that device, as torch's CUDA
generator), and ``Generator`` (torch.Generator) for the draws given ``generator=``, which win
over the device's generator (drawn on the host, then moved to the device).

Random numbers come from numpy's PCG64 (CuPy's generator on "cuda"): ``ag.manual_seed(0)`` makes
runs reproducible, but the draws are not PyTorch's.
"""
from . import backend
from .backend import host
from .devices import device as _device

_generator = [host.random.default_rng()]
_device_generators = {}  # device type -> its generator (created on first use, seeded by manual_seed)
_seed = [None]


def get_rng(device=None):
    """The generator behind every random op on ``device`` (the CPU's, a numpy Generator, when None;
    replaced by manual_seed): draw from it to make your own random arrays, e.g.
    ``ag.from_numpy(ag.get_rng().standard_normal((3, 4)))``. Another device's generator draws
    arrays on that device (``random``, ``standard_normal``, ``normal``, ``uniform``, ``integers``,
    ``permutation``)."""
    kind = getattr(device, "type", device)
    if kind is None or kind == "cpu":
        return _generator[0]
    found = _device_generators.get(kind)
    if found is None:
        found = _device_generators[kind] = backend.backend_for(kind).make_rng(_seed[0])
    return found


def seed_device(kind, seed):
    """Seed one device type's generator (ag.cuda.manual_seed); nothing when that type is absent."""
    found = backend.backend_for(kind)
    if found is not None:
        _device_generators[kind] = found.make_rng(seed)


def manual_seed(seed):
    """Seed the generators behind rand, randn, randint, dropout and nn.init: the CPU's and every
    device's (each device type's generator starts from the same seed). Returns ``default_generator``,
    as PyTorch returns torch.default_generator (a notebook cell ending in ``torch.manual_seed(123)`` shows it)."""
    _generator[0] = host.random.default_rng(seed)
    _seed[0] = seed
    _device_generators.clear()
    return default_generator


def get_rng_state():
    """The generator's state as a dict (what manual_seed set, plus every draw since): save it to resume."""
    return _generator[0].bit_generator.state


def set_rng_state(state):
    """Restore a state from get_rng_state: later draws repeat the ones that followed it."""
    rng = host.random.default_rng()
    rng.bit_generator.state = state
    _generator[0] = rng


def rng(generator=None, device=None):
    """Where a draw given ``generator=`` comes from: ``device``'s generator for None (the CPU's when
    no device), else the Generator (or numpy Generator) itself."""
    if generator is not None:
        return generator
    return _generator[0] if device is None else get_rng(device)


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
        self._numpy = host.random.default_rng(self._seed)
        return self

    def seed(self):
        """Seed it from the operating system's entropy; returns the seed."""
        self.manual_seed(int(host.random.SeedSequence().entropy % (1 << 63)))
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


class _DefaultGenerator(Generator):
    """torch.default_generator: the CPU's global generator (the one behind rand, randn, dropout, init...) as a
    Generator object; seeding it seeds them all (manual_seed), and ``generator=default_generator`` draws from it."""

    def __init__(self):
        self.device = _device("cpu")

    @property
    def _numpy(self):
        return _generator[0]

    @property
    def _seed(self):
        return _seed[0]

    def manual_seed(self, seed):
        return manual_seed(int(seed))

    def seed(self):
        seed = int(host.random.SeedSequence().entropy % (1 << 63))
        manual_seed(seed)
        return seed

    def get_state(self):
        return get_rng_state()

    def set_state(self, state):
        set_rng_state(state)
        return self

    def __repr__(self):
        return "<autograd.default_generator>"


default_generator = _DefaultGenerator()
