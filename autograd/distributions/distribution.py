"""Distribution: torch.distributions' base class (shapes, argument checks, sample through rsample).

Shapes, as in PyTorch: a distribution holds a batch of independent distributions
(``batch_shape``), each over events of ``event_shape``; ``sample(sample_shape)`` returns
``sample_shape + batch_shape + event_shape``, and ``log_prob(value)`` one number per event.

With ``validate_args`` (on by default, like PyTorch's ``__debug__``), the constructor checks each
parameter against ``arg_constraints`` and ``log_prob``/``cdf`` check the value against ``support``,
raising PyTorch's ValueError (the parameter, its shape, the constraint and the values at fault).
"""
from .. import graph
from ..tensor import Size, Tensor
from . import constraints
from .utils import lazy_property, shown


class Distribution:
    """The base class: subclasses set ``arg_constraints`` and ``support`` and write what they have
    of ``rsample``/``sample``, ``log_prob``, ``cdf``, ``icdf``, ``entropy``, ``mean``, ``variance``."""

    has_rsample = False
    has_enumerate_support = False
    _validate_args = __debug__

    @staticmethod
    def set_default_validate_args(value):
        """Turn argument validation on or off for every distribution made afterwards."""
        if value not in (True, False):
            raise ValueError
        Distribution._validate_args = value

    def __init__(self, batch_shape=(), event_shape=(), validate_args=None):
        self._batch_shape = Size(batch_shape)
        self._event_shape = Size(event_shape)
        if validate_args is not None:
            self._validate_args = validate_args
        if self._validate_args:
            for param, constraint in self.arg_constraints.items():
                if constraints.is_dependent(constraint):
                    continue  # depends on other parameters: not checkable alone
                if param not in self.__dict__ and isinstance(getattr(type(self), param), lazy_property):
                    continue  # computed from another parameter, which is checked
                value = getattr(self, param)
                with graph.no_grad():
                    valid = constraint.check(value)
                if not bool(valid.all()):
                    raise ValueError(
                        f"Expected parameter {param} ({type(value).__name__} of shape {tuple(value.shape)}) of "
                        f"distribution {self!r} to satisfy the constraint {constraint!r}, but found invalid "
                        f"values:\n{shown(value)}")

    def expand(self, batch_shape, _instance=None):
        """The same distribution over a larger batch (its parameters expanded, not copied)."""
        raise NotImplementedError

    @property
    def batch_shape(self):
        return self._batch_shape

    @property
    def event_shape(self):
        return self._event_shape

    @property
    def arg_constraints(self):
        raise NotImplementedError

    @property
    def support(self):
        raise NotImplementedError

    @property
    def mean(self):
        raise NotImplementedError

    @property
    def mode(self):
        raise NotImplementedError(f"{self.__class__} does not implement mode")

    @property
    def variance(self):
        raise NotImplementedError

    @property
    def stddev(self):
        return self.variance.sqrt()

    def sample(self, sample_shape=()):
        """A sample of ``sample_shape + batch_shape + event_shape``, outside the graph."""
        with graph.no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape=()):
        """A reparameterized sample: a differentiable function of the parameters and parameter-free noise."""
        raise NotImplementedError

    def sample_n(self, n):
        return self.sample((n,))

    def log_prob(self, value):
        raise NotImplementedError

    def cdf(self, value):
        raise NotImplementedError

    def icdf(self, value):
        raise NotImplementedError

    def enumerate_support(self, expand=True):
        raise NotImplementedError

    def entropy(self):
        raise NotImplementedError

    def perplexity(self):
        return self.entropy().exp()

    def _extended_shape(self, sample_shape=()):
        """sample_shape + batch_shape + event_shape."""
        return Size(tuple(sample_shape) + self._batch_shape + self._event_shape)

    def _validate_sample(self, value):
        """``value`` fits the event shape, broadcasts with the batch, and lies in the support."""
        if not isinstance(value, Tensor):
            raise ValueError("The value argument to log_prob must be a Tensor")
        event_dim_start = value.dim() - len(self._event_shape)
        if tuple(value.shape[event_dim_start:]) != self._event_shape:
            raise ValueError(f"The right-most size of value must match event_shape: {Size(value.shape)} vs "
                             f"{self._event_shape}.")
        actual, expected = Size(value.shape), self._batch_shape + self._event_shape
        for i, j in zip(reversed(actual), reversed(expected)):
            if i != 1 and j != 1 and i != j:
                raise ValueError(f"Value is not broadcastable with batch_shape+event_shape: {actual} vs "
                                 f"{Size(expected)}.")
        support = self.support
        with graph.no_grad():
            valid = support.check(value)
        if not bool(valid.all()):
            raise ValueError(f"Expected value argument ({type(value).__name__} of shape {tuple(value.shape)}) to be "
                             f"within the support ({support!r}) of the distribution {self!r}, but found invalid "
                             f"values:\n{shown(value)}")

    def _get_checked_instance(self, cls, _instance=None):
        if _instance is None and type(self).__init__ != cls.__init__:
            raise NotImplementedError(f"Subclass {self.__class__.__name__} of {cls.__name__} that defines a custom "
                                      "__init__ method must also define a custom .expand() method.")
        return self.__new__(type(self)) if _instance is None else _instance

    def _expanded(self, cls, batch_shape, _instance, **params):
        """expand's common steps: a new instance with ``params`` set, the batch shape, no re-validation."""
        new = self._get_checked_instance(cls, _instance)
        new.__dict__.update(params)
        Distribution.__init__(new, batch_shape, self._event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def __repr__(self):
        names = [k for k in self.arg_constraints if k in self.__dict__]
        params = [f"{p}: {shown(self.__dict__[p]) if self.__dict__[p].numel() == 1 else Size(self.__dict__[p].shape)}"
                  for p in names]
        return self.__class__.__name__ + "(" + ", ".join(params) + ")"
