"""nn.utils.parametrizations: weight_norm, spectral_norm and orthogonal as parametrizations
(nn.utils.parametrize), with torch.nn.utils.parametrizations' state dict keys, draws and numbers.

    m = weight_norm(nn.Linear(20, 40))        # m.parametrizations.weight.original0 = g (40, 1), original1 = v
    m = spectral_norm(nn.Linear(20, 40))      # ... .original = W, buffers _u (40,), _v (20,); W / sigma
    m = orthogonal(nn.Linear(20, 40))         # m.weight.T @ m.weight = I (householder here: not square)
"""
import enum

from autograd.backend import host

import autograd as ag
from autograd import Tensor

from .. import functional as F
from ..conv import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from ..module import Module
from . import parametrize

__all__ = ["orthogonal", "spectral_norm", "weight_norm"]


# ------------------------------------------------------------ orthogonal

def _householder_product(A, tau):
    """torch.linalg.householder_product: the first k columns of H_1 H_2 ... H_k, H_i = I - tau_i v_i v_i^T,
    v_i the i-th column of A below the diagonal with a 1 on it. From differentiable ops. A: (..., n, k)."""
    n, k = A.shape[-2], A.shape[-1]
    V = A.tril(-1) + ag.eye(n, k, dtype=A.dtype)  # (..., n, k)
    Q = ag.eye(n, dtype=A.dtype).expand(*A.shape[:-2], n, n)
    for i in range(k):
        v = V[..., :, i:i + 1]  # (..., n, 1)
        Q = Q - (Q @ v) * tau[..., i:i + 1].unsqueeze(-1) @ v.mT
    return Q[..., :k]


def _geqrf(A):
    """torch.geqrf (LAPACK's, through numpy's qr in 'raw' mode): the Householder vectors below the diagonal
    of the result, R on and above it, and tau. No gradient (torch's has none either)."""
    a = A.detach().cpu().numpy()  # (host)
    h, tau = host.linalg.qr(a, mode="raw")  # (LAPACK's layout: h transposed)
    return (ag.as_tensor(host.swapaxes(h, -1, -2).copy()).to(A.device),
            ag.as_tensor(tau.astype(a.dtype)).to(A.device))


def _is_orthogonal(Q):
    n, k = Q.shape[-2], Q.shape[-1]
    eps = 10.0 * n * float(host.finfo(Q.dtype).eps)
    return ag.allclose(Q.mT @ Q, ag.eye(k, dtype=Q.dtype), atol=eps)


def _make_orthogonal(A):
    """The Q of A = QR with R's diagonal made positive (torch's: geqrf, householder_product, sign fix)."""
    X, tau = _geqrf(A)
    Q = _householder_product(X, tau)
    return Q * X.diagonal(dim1=-2, dim2=-1).sgn().unsqueeze(-2)


class _OrthMaps(enum.Enum):
    matrix_exp = enum.auto()
    cayley = enum.auto()
    householder = enum.auto()


class _Orthogonal(Module):
    """X -> an orthogonal matrix (columns orthonormal for a tall one; rows for a wide one).
    matrix_exp / cayley: of the skew-symmetric A = tril(X) - tril(X)^T (padded to n x n for a non-square
    X; the first k columns kept); householder: the product of the reflections in X's strict lower part.
    With the trivialization (the default), the result is ``base @ Q``, ``base`` the orthogonal matrix
    assigned last (right_inverse stores it and sets the original to -I, whose map gives I)."""

    def __init__(self, weight, orthogonal_map, *, use_trivialization=True):
        super().__init__()
        self.shape = tuple(weight.shape)
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X):
        n, k = X.shape[-2], X.shape[-1]
        transposed = n < k
        if transposed:
            X = X.mT
            n, k = k, n
        if self.orthogonal_map in (_OrthMaps.matrix_exp, _OrthMaps.cayley):
            X = X.tril()
            if n != k:
                X = ag.cat([X, X.new_zeros(n, n - k).expand(*X.shape[:-2], -1, -1)], dim=-1)
            A = X - X.mT  # (..., n, n) skew-symmetric
            if self.orthogonal_map == _OrthMaps.matrix_exp:
                Q = ag.linalg.matrix_exp(A)
            else:
                eye = ag.eye(n, dtype=A.dtype)
                Q = ag.linalg.solve(eye - 0.5 * A, eye + 0.5 * A)
            if n != k:
                Q = Q[..., :k]
        else:
            A = X.tril(-1)
            tau = 2.0 / (1.0 + (A * A).sum(dim=-2))
            Q = _householder_product(A, tau)
            Q = Q * X.diagonal(dim1=-2, dim2=-1).int().unsqueeze(-2)
        if "base" in self._buffers:
            Q = self.base @ Q
        return Q.mT if transposed else Q

    def right_inverse(self, Q):
        with ag.no_grad():
            if tuple(Q.shape) != self.shape:
                raise ValueError(f"Expected a matrix or batch of matrices of shape {self.shape}. "
                                 f"Got a tensor of shape {tuple(Q.shape)}.")
            Q_init = Q
            n, k = Q.shape[-2], Q.shape[-1]
            transpose = n < k
            if transpose:
                Q = Q.mT
                n, k = k, n
            if "base" not in self._buffers:
                if self.orthogonal_map in (_OrthMaps.cayley, _OrthMaps.matrix_exp):
                    raise NotImplementedError("It is not possible to assign to the matrix exponential or the Cayley "
                                              "parametrizations when use_trivialization=False.")
                A, tau = _geqrf(Q)  # reflections whose product is Q (up to the signs, kept on the diagonal)
                diag = A.diagonal(dim1=-2, dim2=-1)
                sign = ag.where(tau == 0.0, -diag.sign(), diag.sign())
                m = min(A.shape[-2], A.shape[-1])
                A[..., range(m), range(m)] = sign
                return A.mT if transpose else A
            if n == k:
                Q = Q.clone() if _is_orthogonal(Q) else _make_orthogonal(Q)
            else:  # completed to a square matrix with random columns (torch's draw), then made orthogonal
                N = ag.randn(*(tuple(Q.shape[:-2]) + (n, n - k)), dtype=Q.dtype)
                Q = _make_orthogonal(ag.cat([Q, N], dim=-1))
            self.base = Q
            neg_id = ag.zeros_like(Q_init)
            m = min(neg_id.shape[-2], neg_id.shape[-1])
            neg_id[..., range(m), range(m)] = -1.0
            return neg_id


def orthogonal(module, name="weight", orthogonal_map=None, *, use_trivialization=True):
    """Constrain ``module.<name>`` (a matrix or a batch of them) to be orthogonal (or semi-orthogonal).
    ``orthogonal_map``: "matrix_exp" (the default for a square matrix), "cayley" or "householder" (the
    default otherwise)."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if weight.ndim < 2:
        raise ValueError(f"Expected a matrix or batch of matrices. Got a tensor of {weight.ndim} dimensions.")
    if orthogonal_map is None:
        orthogonal_map = "matrix_exp" if weight.shape[-2] == weight.shape[-1] else "householder"
    orth_enum = getattr(_OrthMaps, orthogonal_map, None)
    if orth_enum is None:
        raise ValueError(f'orthogonal_map has to be one of "matrix_exp", "cayley", "householder". '
                         f"Got: {orthogonal_map}")
    orth = _Orthogonal(weight, orth_enum, use_trivialization=use_trivialization)
    parametrize.register_parametrization(module, name, orth, unsafe=True)
    return module


# ------------------------------------------------------------ weight norm

def norm_except_dim(v, pow=2, dim=0):
    """torch.norm_except_dim: the ``pow``-norm of ``v`` over every dimension but ``dim``, shaped to
    broadcast against ``v`` (size 1 except along ``dim``); over all of ``v`` (a 0-d tensor) for dim=-1."""
    if dim == -1:
        return v.norm(pow)
    dims = tuple(d for d in range(v.ndim) if d != dim)
    if not dims:  # a 1-D v along its only dimension: each element is its own slice
        return v.abs()
    return v.norm(pow, dim=dims, keepdim=True)


def _weight_norm(v, g, dim=0):
    """torch._weight_norm: w = g * v / ||v|| (the norm over every dimension but ``dim``)."""
    return v * (g / norm_except_dim(v, 2, dim))


class _WeightNorm(Module):
    """(g, v) -> g * v / ||v||; right_inverse splits a weight into its norm g and itself as v."""

    def __init__(self, dim=0):
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g, weight_v):
        return _weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight):
        return norm_except_dim(weight, 2, self.dim), weight


def weight_norm(module, name="weight", dim=0):
    """Weight normalization (Salimans & Kingma) as a parametrization: ``module.<name>`` = g * v / ||v||
    with g = ``parametrizations.<name>.original0`` (the norms, one per slice along ``dim``; dim=None:
    one over the whole tensor) and v = ``original1``. (Loading a state dict of the old API's
    ``<name>_g`` / ``<name>_v`` keys, which torch converts on load, is not provided: rename the keys.)"""
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    return module


# ------------------------------------------------------------ spectral norm

class _SpectralNorm(Module):
    """W -> W / sigma, sigma the largest singular value of W (as a matrix: ``dim`` first, the rest
    flattened) estimated by power iteration: u, v (buffers ``_u``, ``_v``) drawn from N(0, 1) and
    normalized, 15 iterations at registration, then ``n_power_iterations`` per forward in training
    mode (none in eval mode); sigma = u . (W v). A 1-D W is just normalized."""

    def __init__(self, weight, n_power_iterations=1, dim=0, eps=1e-12):
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [-{ndim}, {ndim - 1}] "
                             f"but got {dim})")
        if n_power_iterations <= 0:
            raise ValueError("Expected n_power_iterations to be positive, but "
                             f"got n_power_iterations={n_power_iterations}")
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            weight_mat = self._reshape_weight_to_matrix(weight)
            h, w = weight_mat.shape
            with ag.no_grad():
                u = weight_mat.new_empty(h).normal_(0, 1)  # (torch's two draws, in this order)
                v = weight_mat.new_empty(w).normal_(0, 1)
                self.register_buffer("_u", F.normalize(u, dim=0, eps=self.eps))
                self.register_buffer("_v", F.normalize(v, dim=0, eps=self.eps))
            self._power_method(weight_mat, 15)

    def _reshape_weight_to_matrix(self, weight):
        if self.dim != 0:
            weight = weight.permute(self.dim, *(d for d in range(weight.ndim) if d != self.dim))
        return weight.flatten(1)

    def _power_method(self, weight_mat, n_power_iterations):
        """u = normalize(W v), v = normalize(W^T u), ``n_power_iterations`` times, into the buffers in place."""
        with ag.no_grad():
            for _ in range(n_power_iterations):
                self._u.copy_(F.normalize(ag.mv(weight_mat, self._v), dim=0, eps=self.eps))
                self._v.copy_(F.normalize(ag.mv(weight_mat.mT, self._u), dim=0, eps=self.eps))

    def forward(self, weight):
        if weight.ndim == 1:
            return F.normalize(weight, dim=0, eps=self.eps)
        weight_mat = self._reshape_weight_to_matrix(weight)
        if self.training:
            self._power_method(weight_mat, self.n_power_iterations)
        u, v = self._u.clone(), self._v.clone()
        sigma = ag.dot(u, ag.mv(weight_mat, v))
        return weight / sigma

    def right_inverse(self, value):
        return value


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Spectral normalization (Miyato et al.) as a parametrization: ``module.<name>`` = W / sigma(W)
    (see _SpectralNorm). ``dim`` defaults to 1 for ConvTranspose layers (their output channels), else 0."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        dim = 1 if isinstance(module, (ConvTranspose1d, ConvTranspose2d, ConvTranspose3d)) else 0
    parametrize.register_parametrization(module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module
