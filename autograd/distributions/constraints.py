"""torch.distributions.constraints: the sets a parameter or a sample must lie in.

    constraints.positive.check(x)          # a bool tensor, True where x > 0
    Normal.arg_constraints                 # {"loc": real, "scale": positive}

Each constraint's ``check(value)`` returns a bool tensor of the value's shape less ``event_dim``
rightmost dims (an event is valid only if all its entries are). The names and reprs are
PyTorch's (``GreaterThan(lower_bound=0.0)``), since they appear in the validation errors.
"""
from ..backend import host
from ..tensor import Tensor

__all__ = [
    "Constraint", "boolean", "dependent", "dependent_property", "greater_than", "greater_than_eq", "independent",
    "integer_interval", "interval", "is_dependent", "less_than", "lower_cholesky", "lower_triangular",
    "nonnegative", "nonnegative_integer", "one_hot", "positive", "positive_definite", "real", "real_vector",
    "simplex", "unit_interval",
]


def _shown(bound):
    """A bound as PyTorch's f-strings show it: a 0-d tensor as its number."""
    return bound.item() if isinstance(bound, Tensor) and bound.dim() == 0 else bound


class Constraint:
    """A region a value must lie in; ``is_discrete`` and ``event_dim`` (how many rightmost dims make one event)."""

    is_discrete = False
    event_dim = 0

    def check(self, value):
        raise NotImplementedError

    def __repr__(self):
        return self.__class__.__name__[1:] + "()"


class _Dependent(Constraint):
    """A constraint that depends on other parameters (Uniform's support): not checked on its own."""

    def __init__(self, *, is_discrete=NotImplemented, event_dim=NotImplemented):
        self._is_discrete = is_discrete
        self._event_dim = event_dim

    @property
    def is_discrete(self):
        if self._is_discrete is NotImplemented:
            raise NotImplementedError(".is_discrete cannot be determined statically")
        return self._is_discrete

    @property
    def event_dim(self):
        if self._event_dim is NotImplemented:
            raise NotImplementedError(".event_dim cannot be determined statically")
        return self._event_dim

    def __call__(self, *, is_discrete=NotImplemented, event_dim=NotImplemented):
        return _Dependent(is_discrete=self._is_discrete if is_discrete is NotImplemented else is_discrete,
                          event_dim=self._event_dim if event_dim is NotImplemented else event_dim)

    def check(self, x):
        raise ValueError("Cannot determine validity of dependent constraint")


def is_dependent(constraint):
    """True for a constraint that depends on other parameters (validation skips it)."""
    return isinstance(constraint, _Dependent)


class _DependentProperty(property, _Dependent):
    """A property on an instance (``Uniform(0, 2).support`` is ``Interval(0, 2)``), a dependent
    constraint on the class (``Uniform.support``)."""

    def __init__(self, fn=None, *, is_discrete=NotImplemented, event_dim=NotImplemented):
        property.__init__(self, fn)
        self._is_discrete = is_discrete
        self._event_dim = event_dim

    def __call__(self, fn):
        return _DependentProperty(fn, is_discrete=self._is_discrete, event_dim=self._event_dim)


class _IndependentConstraint(Constraint):
    """``base`` on each entry, with ``reinterpreted_batch_ndims`` more dims making one event (all must hold)."""

    def __init__(self, base_constraint, reinterpreted_batch_ndims):
        self.base_constraint = base_constraint
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims

    @property
    def is_discrete(self):
        return self.base_constraint.is_discrete

    @property
    def event_dim(self):
        return self.base_constraint.event_dim + self.reinterpreted_batch_ndims

    def check(self, value):
        result = self.base_constraint.check(value)
        n = self.reinterpreted_batch_ndims
        if result.dim() < n:
            raise ValueError(f"Expected value.dim() >= {self.base_constraint.event_dim + n} but got {value.dim()}")
        return result.reshape(tuple(result.shape[:result.dim() - n]) + (-1,)).all(-1)

    def __repr__(self):
        return f"{self.__class__.__name__[1:]}({self.base_constraint!r}, {self.reinterpreted_batch_ndims})"


class _Boolean(Constraint):
    is_discrete = True

    def check(self, value):
        return (value == 0) | (value == 1)


class _OneHot(Constraint):
    is_discrete = True
    event_dim = 1

    def check(self, value):
        return ((value == 0) | (value == 1)).all(-1) & (value.sum(-1) == 1)


class _IntegerInterval(Constraint):
    is_discrete = True

    def __init__(self, lower_bound, upper_bound):
        self.lower_bound, self.upper_bound = lower_bound, upper_bound

    def check(self, value):
        return (value % 1 == 0) & (value >= self.lower_bound) & (value <= self.upper_bound)

    def __repr__(self):
        bounds = f"lower_bound={_shown(self.lower_bound)}, upper_bound={_shown(self.upper_bound)}"
        return f"{self.__class__.__name__[1:]}({bounds})"


class _IntegerGreaterThan(Constraint):
    is_discrete = True

    def __init__(self, lower_bound):
        self.lower_bound = lower_bound

    def check(self, value):
        return (value % 1 == 0) & (value >= self.lower_bound)

    def __repr__(self):
        return f"{self.__class__.__name__[1:]}(lower_bound={_shown(self.lower_bound)})"


class _Real(Constraint):
    def check(self, value):
        return value == value  # False for NaNs


class _GreaterThan(Constraint):
    def __init__(self, lower_bound):
        self.lower_bound = lower_bound

    def check(self, value):
        return value > self.lower_bound

    def __repr__(self):
        return f"{self.__class__.__name__[1:]}(lower_bound={_shown(self.lower_bound)})"


class _GreaterThanEq(_GreaterThan):
    def check(self, value):
        return value >= self.lower_bound


class _LessThan(Constraint):
    def __init__(self, upper_bound):
        self.upper_bound = upper_bound

    def check(self, value):
        return value < self.upper_bound

    def __repr__(self):
        return f"{self.__class__.__name__[1:]}(upper_bound={_shown(self.upper_bound)})"


class _Interval(Constraint):
    def __init__(self, lower_bound, upper_bound):
        self.lower_bound, self.upper_bound = lower_bound, upper_bound

    def check(self, value):
        return (value >= self.lower_bound) & (value <= self.upper_bound)

    def __repr__(self):
        bounds = f"lower_bound={_shown(self.lower_bound)}, upper_bound={_shown(self.upper_bound)}"
        return f"{self.__class__.__name__[1:]}({bounds})"


class _Simplex(Constraint):
    """Non-negative entries summing to 1 (within 1e-6) along the last dim."""

    event_dim = 1

    def check(self, value):
        return (value >= 0).all(-1) & ((value.sum(-1) - 1).abs() < 1e-6)


def _flat_last_two(mask):
    return mask.reshape(tuple(mask.shape[:-2]) + (-1,))


class _LowerTriangular(Constraint):
    event_dim = 2

    def check(self, value):
        return _flat_last_two(value.tril() == value).all(-1)


class _LowerCholesky(Constraint):
    """Lower triangular with a positive diagonal (MultivariateNormal's scale_tril)."""

    event_dim = 2

    def check(self, value):
        return _flat_last_two(value.tril() == value).all(-1) & (value.diagonal(dim1=-2, dim2=-1) > 0).all(-1)


class _PositiveDefinite(Constraint):
    """Symmetric (to 1e-6) square matrices whose Cholesky factorisation exists."""

    event_dim = 2

    def check(self, value):
        from ..creation import from_numpy  # noqa: PLC0415

        a = value.numpy(force=True)
        batch = a.shape[:-2]
        if a.shape[-1] != a.shape[-2]:
            return from_numpy(host.zeros(batch, dtype=bool))
        symmetric = host.isclose(a, host.swapaxes(a, -1, -2), atol=1e-6).all(axis=(-2, -1))
        ok = host.zeros(batch, dtype=bool)
        for index in host.ndindex(*batch):
            if symmetric[index]:
                try:
                    host.linalg.cholesky(a[index])
                    ok[index] = True
                except host.linalg.LinAlgError:
                    pass
        return from_numpy(ok)


dependent = _Dependent()
dependent_property = _DependentProperty
independent = _IndependentConstraint
boolean = _Boolean()
one_hot = _OneHot()
nonnegative_integer = _IntegerGreaterThan(0)
integer_interval = _IntegerInterval
real = _Real()
real_vector = independent(real, 1)
positive = _GreaterThan(0.0)
nonnegative = _GreaterThanEq(0.0)
greater_than = _GreaterThan
greater_than_eq = _GreaterThanEq
less_than = _LessThan
unit_interval = _Interval(0.0, 1.0)
interval = _Interval
simplex = _Simplex()
lower_triangular = _LowerTriangular()
lower_cholesky = _LowerCholesky()
positive_definite = _PositiveDefinite()
