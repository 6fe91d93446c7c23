"""MultivariateNormal(loc, covariance_matrix=None, precision_matrix=None, scale_tril=None).

    Sigma = L L^T  (L = scale_tril, or the Cholesky factor of the covariance)
    log p(x) = -(n log(2 pi) + |L^-1 (x - loc)|^2) / 2 - sum(log diag L)
    rsample  = loc + L eps,  eps ~ N(0, I)

Every computation goes through L. Its Cholesky factor is ag.linalg.cholesky (PyTorch's gradient);
the triangular solves are ag.linalg.solve on the lower triangle.
"""
import math

from .. import creation
from ..linalg import inv, solve
from ..ops.args import broadcast_shape
from ..tensor import Size
from . import constraints
from .distribution import Distribution
from ..linalg import cholesky
from .utils import lazy_property, standard_normal


def _batch_mv(bmat, bvec):
    """Matrix times vector over broadcast batches."""
    return (bmat @ bvec.unsqueeze(-1)).squeeze(-1)


def _solve_lower(L, b):
    """L^-1 b for lower-triangular L (only its lower triangle is read, and gets a gradient), broadcast
    over batches; ``b`` a batch of vectors (``vector``) or of matrices."""
    batch = broadcast_shape("MultivariateNormal", tuple(L.shape[:-2]), tuple(b.shape[:-1]))
    n = L.shape[-1]
    return solve(L.tril().expand(batch + (n, n)), b.expand(batch + (n,)))


def batch_mahalanobis(L, x):
    """|L^-1 x|^2 for batches of factors L (..., n, n) and vectors x (..., n)."""
    return _solve_lower(L, x).pow(2).sum(-1)


def _precision_to_scale_tril(P):
    """The lower factor of P^-1, through the Cholesky factor of P with rows and columns reversed (PyTorch's way)."""
    Lf = cholesky(P.flip((-2, -1)))
    L_inv = Lf.flip((-2, -1)).transpose(-2, -1)
    eye = creation.eye(P.shape[-1], dtype=P.dtype, device=P.device)
    return solve(L_inv.tril(), eye.expand(tuple(L_inv.shape)))


class MultivariateNormal(Distribution):
    """A batch of Gaussians over R^n with means ``loc`` (..., n) and one of covariance_matrix,
    precision_matrix or scale_tril (..., n, n); batch dims broadcast."""

    arg_constraints = {"loc": constraints.real_vector, "covariance_matrix": constraints.positive_definite,
                       "precision_matrix": constraints.positive_definite, "scale_tril": constraints.lower_cholesky}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc, covariance_matrix=None, precision_matrix=None, scale_tril=None, validate_args=None):
        if loc.dim() < 1:
            raise ValueError("loc must be at least one-dimensional.")
        if (covariance_matrix is not None) + (scale_tril is not None) + (precision_matrix is not None) != 1:
            raise ValueError("Exactly one of covariance_matrix or precision_matrix or scale_tril may be specified.")
        for name, matrix in (("scale_tril", scale_tril), ("covariance_matrix", covariance_matrix),
                             ("precision_matrix", precision_matrix)):
            if matrix is not None:
                if matrix.dim() < 2:
                    what = "scale_tril matrix" if name == "scale_tril" else name
                    raise ValueError(f"{what} must be at least two-dimensional, with optional leading batch dimensions")
                batch_shape = broadcast_shape("MultivariateNormal", tuple(matrix.shape[:-2]), tuple(loc.shape[:-1]))
                setattr(self, name, matrix.expand(batch_shape + (-1, -1)))
        self.loc = loc.expand(batch_shape + (-1,))
        super().__init__(batch_shape, self.loc.shape[-1:], validate_args=validate_args)
        if scale_tril is not None:
            self._unbroadcasted_scale_tril = scale_tril
        elif covariance_matrix is not None:
            self._unbroadcasted_scale_tril = cholesky(covariance_matrix)
        else:
            self._unbroadcasted_scale_tril = _precision_to_scale_tril(precision_matrix)

    def expand(self, batch_shape, _instance=None):
        batch_shape = Size(batch_shape)
        cov_shape = batch_shape + self.event_shape + self.event_shape
        params = {k: self.__dict__[k].expand(cov_shape)
                  for k in ("covariance_matrix", "scale_tril", "precision_matrix") if k in self.__dict__}
        return self._expanded(MultivariateNormal, batch_shape, _instance,
                              loc=self.loc.expand(batch_shape + self.event_shape),
                              _unbroadcasted_scale_tril=self._unbroadcasted_scale_tril, **params)

    def _matrix_shape(self):
        return self._batch_shape + self._event_shape + self._event_shape

    @lazy_property
    def scale_tril(self):
        return self._unbroadcasted_scale_tril.expand(self._matrix_shape())

    @lazy_property
    def covariance_matrix(self):
        L = self._unbroadcasted_scale_tril
        return (L @ L.mT).expand(self._matrix_shape())

    @lazy_property
    def precision_matrix(self):
        L = self._unbroadcasted_scale_tril
        return inv(L @ L.mT).expand(self._matrix_shape())  # torch.cholesky_inverse(L)

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        return self._unbroadcasted_scale_tril.pow(2).sum(-1).expand(self._batch_shape + self._event_shape)

    def rsample(self, sample_shape=()):
        eps = standard_normal(self._extended_shape(sample_shape), self.loc)
        return self.loc + _batch_mv(self._unbroadcasted_scale_tril, eps)

    def _half_log_det(self):
        return self._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        M = batch_mahalanobis(self._unbroadcasted_scale_tril, value - self.loc)
        return -0.5 * (self._event_shape[0] * math.log(2 * math.pi) + M) - self._half_log_det()

    def entropy(self):
        H = 0.5 * self._event_shape[0] * (1.0 + math.log(2 * math.pi)) + self._half_log_det()
        return H if len(self._batch_shape) == 0 else H.expand(self._batch_shape)
