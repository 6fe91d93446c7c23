"""Matrix decompositions with gradients, batched over the leading dims (``ag.linalg``'s cholesky, qr,
eigh, eigvalsh and svd; linalg.py publishes them). numpy's LAPACK computes each factorisation; the
backward formulas are PyTorch's (FunctionsManual.cpp), for real matrices:

    cholesky  A = L L^T          gA = L^-T Phi(L^T gL) L^-1,  Phi: lower triangle, diagonal halved, symmetrised
    qr        A = Q R (m >= n)   gA = (gQ + Q copyltu(M)) R^-T,  M = R gR^T - gQ^T Q
    eigh      A = V diag(w) V^T  gA = V (diag(gw) + skew(V^T gV) / 2 / (w_j - w_i)) V^T
    svd       A = U diag(S) Vh   gA = U ((skew(U^T gU) S_j + S_i skew(V^T gV)) / (S_j^2 - S_i^2) + diag(gS)) Vh
                                      + the parts of gU and gV outside the span of U and V (non-square A)

Each is a PyTorch-style Function (custom.py): several outputs, and a backward written with Tensor ops,
so that gradients of gradients work too. Eigen- and singular vectors are defined up to sign, so only
losses that do not depend on the signs have a well-defined gradient (as in PyTorch); repeated
eigenvalues or singular values make the vectors' gradient infinite.
"""
import collections

from ..backend import by_input, host

from ..custom import TorchFunction
from ..function import ShapeError
from ..tensor import Tensor
from ..creation import zeros
from .args import as_tensor
from .linalg import SingularValues
from .promote import DTypeError
from .shape import cat

qr_result = collections.namedtuple("linalg_qr", ["Q", "R"])
eigh_result = collections.namedtuple("linalg_eigh", ["eigenvalues", "eigenvectors"])
svd_result = collections.namedtuple("linalg_svd", ["U", "S", "Vh"])
legacy_svd_result = collections.namedtuple("svd", ["U", "S", "V"])


def _matrices(op, A, square=False):
    """``A`` as a floating tensor of at least two dims (and square matrices where asked), or a clear error."""
    A = as_tensor(A)
    if A.dtype.kind != "f":
        raise DTypeError(f"{op}: expected a floating point tensor as input, got {A.dtype}; convert it with .double()")
    if A.ndim < 2:
        raise ShapeError(f"{op}: the input tensor A must have at least 2 dimensions, got shape {tuple(A.shape)}")
    if square and A.shape[-1] != A.shape[-2]:
        raise ShapeError(f"{op}: A must be batches of square matrices, but they are {A.shape[-2]} by "
                         f"{A.shape[-1]} matrices (shape {tuple(A.shape)})")
    return A


def _eye_like(x, n):
    """The (n, n) identity in ``x``'s dtype, on its device."""
    return Tensor._make(x._xp.eye(n, dtype=x.dtype))


def _zeros_like(x):
    return Tensor._make(x._xp.zeros(x.shape, dtype=x.dtype))


# ----------------------------------------------------------------------------- cholesky


def _not_positive_definite(a):
    """The error for a batch where Cholesky failed: the order of the first leading minor that is not
    positive-definite (as PyTorch's message gives it; found again one minor at a time)."""
    flat = a.reshape((-1,) + a.shape[-2:])
    for b, matrix in enumerate(flat):
        for k in range(1, matrix.shape[-1] + 1):
            try:
                host.linalg.cholesky(matrix[:k, :k])
            except host.linalg.LinAlgError:
                where = f" (batch element {b})" if a.ndim > 2 else ""
                return RuntimeError(f"linalg.cholesky: the factorization could not be completed because the input is "
                                    f"not positive-definite (the leading minor of order {k} is not positive-definite)"
                                    f"{where}; A must be symmetric positive-definite")
    return RuntimeError("linalg.cholesky: the input is not positive-definite")


class Cholesky(TorchFunction):
    """L, lower triangular with a positive diagonal, with L L^T = A (A's lower triangle is read)."""

    @staticmethod
    def forward(ctx, A):
        a = A._data
        try:
            L = Tensor._make(by_input.linalg.cholesky(a))
        except host.linalg.LinAlgError:
            raise _not_positive_definite(host.asarray(a)) from None
        ctx.save_for_backward(L)
        return L

    @staticmethod
    def backward(ctx, gL):  # gA = L^-T Phi L^-1, Phi = (tril(L^T gL) + tril(L^T gL, -1)^T) / 2
        (L,) = ctx.saved_tensors
        phi = (L.mT @ gL).tril()
        phi = 0.5 * (phi + phi.tril(-1).mT)
        L_inv = L.inverse()
        return L_inv.mT @ phi @ L_inv


def cholesky(A, *, upper=False):
    """L with L @ L.mT = A for symmetric positive-definite A (U = L.mT with upper=True)."""
    L = Cholesky.apply(_matrices("linalg.cholesky", A, square=True))
    return L.mT if upper else L


# ----------------------------------------------------------------------------- qr


class QR(TorchFunction):
    """Q with orthonormal columns and R upper triangular, A = Q R (numpy's Householder QR, LAPACK's signs)."""

    @staticmethod
    def forward(ctx, A, mode):
        q, r = by_input.linalg.qr(A._data, mode="complete" if mode == "complete" else "reduced")
        Q, R = Tensor._make(q), Tensor._make(r)
        ctx.mode = mode
        ctx.save_for_backward(A, Q, R)
        return Q, R

    @staticmethod
    def backward(ctx, gQ, gR):
        A, Q, R = ctx.saved_tensors
        m, n = A.shape[-2], A.shape[-1]
        if ctx.mode == "r":
            raise RuntimeError("linalg.qr: the derivative depends on Q, which is not computed when mode='r'; use "
                               "linalg.qr(A, mode='reduced') if you differentiate through it")
        if ctx.mode == "complete" and m > n:
            raise RuntimeError("linalg.qr: the QR decomposition is not differentiable when mode='complete' and "
                               f"nrows > ncols (A is {m} by {n}); use mode='reduced'")
        if m >= n:
            return _qr_square_backward(Q, R, gQ, gR), None
        # m < n: A = [X | Y], R = [U | V] with X = Q U square; Y = Q V adds Q gV to gY and Y gV^T to gQ
        U, gU, gV = R[..., :, :m], gR[..., :, :m], gR[..., :, m:]
        Y = A[..., :, m:]
        gX = _qr_square_backward(Q, U, gQ + Y @ gV.mT, gU)
        return cat([gX, Q @ gV], -1), None


def _qr_square_backward(Q, R, gQ, gR):
    """gA for A = Q R with R square (n by n): (gQ + Q copyltu(M)) R^-T, M = R gR^T - gQ^T Q, where
    copyltu(M) is the symmetric matrix with M's lower triangle."""
    M = R @ gR.mT - gQ.mT @ Q
    M = M.tril() + M.tril(-1).mT
    return (gQ + Q @ M) @ R.inverse().mT


def qr(A, mode="reduced"):
    """(Q, R) with A = Q @ R: mode 'reduced' (Q m by k, k = min(m, n)), 'complete' (Q m by m) or 'r'
    (R only; Q is an empty tensor)."""
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), "
                           "'r', or 'complete'")
    Q, R = QR.apply(_matrices("linalg.qr", A), mode)
    if mode == "r":
        Q = Tensor._make(by_input.empty((0,), dtype=R._data.dtype))
    return qr_result(Q, R)


# ----------------------------------------------------------------------------- eigh


class Eigh(TorchFunction):
    """The eigenvalues of a symmetric matrix, ascending, and orthonormal eigenvectors (the columns of V)."""

    @staticmethod
    def forward(ctx, A, UPLO):
        w, v = by_input.linalg.eigh(A._data, UPLO=UPLO)
        w, V = Tensor._make(w), Tensor._make(v)
        ctx.set_materialize_grads(False)  # (no gradient for the vectors: the short formula, also for repeated w)
        ctx.save_for_backward(w, V)
        return w, V

    @staticmethod
    def backward(ctx, gw, gV):  # gA = V (diag(gw) + skew(V^T gV) / 2 / (w_j - w_i)) V^T
        w, V = ctx.saved_tensors
        if gV is None:
            return (V * gw.unsqueeze(-2)) @ V.mT, None
        VtgV = V.mT @ gV
        VtgV = 0.5 * (VtgV - VtgV.mT)
        gaps = w.unsqueeze(-2) - w.unsqueeze(-1)  # (w_j - w_i), 1 on the diagonal (where skew is 0)
        inner = VtgV / (gaps + _eye_like(w, w.shape[-1]))
        if gw is not None:
            inner = inner + gw.diag_embed()
        return V @ inner @ V.mT, None


def eigh(A, UPLO="L"):
    """(eigenvalues ascending, eigenvectors as columns) of symmetric A; only the triangle UPLO ('L' or
    'U') is read."""
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"linalg.eigh: expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    w, V = Eigh.apply(_matrices("linalg.eigh", A, square=True), UPLO)
    return eigh_result(w, V)


def eigvalsh(A, UPLO="L"):
    """The eigenvalues of symmetric A, ascending."""
    return eigh(A, UPLO).eigenvalues


# ----------------------------------------------------------------------------- svd


class SVD(TorchFunction):
    """U, S (descending), Vh with A = U diag(S) Vh."""

    @staticmethod
    def forward(ctx, A, full_matrices):
        u, s, vh = by_input.linalg.svd(A._data, full_matrices=full_matrices)
        U, S, Vh = Tensor._make(u), Tensor._make(s), Tensor._make(vh)
        ctx.set_materialize_grads(False)  # (only gS: U diag(gS) Vh, also for repeated singular values)
        ctx.save_for_backward(U, S, Vh)
        return U, S, Vh

    @staticmethod
    def backward(ctx, gU, gS, gVh):
        U, S, Vh = ctx.saved_tensors
        k = S.shape[-1]
        U, Vh = U[..., :, :k], Vh[..., :k, :]  # (full_matrices: the extra columns are any basis; ignored, as PyTorch)
        if gU is None and gVh is None:
            return (U * gS.unsqueeze(-2)) @ Vh, None
        m, n = U.shape[-2], Vh.shape[-1]
        V = Vh.mT
        gU = _zeros_like(U) if gU is None else gU[..., :, :k]
        gV = _zeros_like(V) if gVh is None else gVh[..., :k, :].mT
        UtgU, VtgV = U.mT @ gU, V.mT @ gV
        UtgU, VtgV = UtgU - UtgU.mT, VtgV - VtgV.mT
        S2 = S * S
        gaps = S2.unsqueeze(-2) - S2.unsqueeze(-1) + _eye_like(S, k)  # S_j^2 - S_i^2, 1 on the diagonal
        inner = (UtgU * S.unsqueeze(-2) + S.unsqueeze(-1) * VtgV) / gaps
        if gS is not None:
            inner = inner + gS.diag_embed()
        if m > k:  # gA = [U inner + (I - U U^T) gU S^-1] Vh
            gU_Sinv = gU / S.unsqueeze(-2)
            return (U @ inner + gU_Sinv - U @ (U.mT @ gU_Sinv)) @ Vh, None
        if n > k:  # gA = U [inner Vh + S^-1 gV^T (I - V V^T)]
            Sinv_gVt = gV.mT / S.unsqueeze(-1)
            return U @ (inner @ Vh + Sinv_gVt - (Sinv_gVt @ V) @ Vh), None
        return U @ inner @ Vh, None


def no_driver(op, driver):
    """PyTorch's ``driver=`` picks a cuSOLVER routine; on the CPU it refuses one, and so does this."""
    if driver is not None:
        raise RuntimeError(f"{op}: keyword argument `driver=` is only supported on CUDA inputs with cuSOLVER "
                           f"backend (got driver={driver!r}); leave it out")


def svd(A, full_matrices=True, *, driver=None):
    """(U, S, Vh) with A = U @ diag(S) @ Vh, S descending; full_matrices=False: U m by k, Vh k by n."""
    no_driver("linalg.svd", driver)
    return svd_result(*SVD.apply(_matrices("linalg.svd", A), bool(full_matrices)))


def legacy_svd(input, some=True, compute_uv=True):
    """torch.svd, the older form of linalg.svd: (U, S, V) with input = U @ diag(S) @ V.mT, so V is
    linalg.svd's Vh transposed; some=True gives the reduced factors (linalg.svd's full_matrices=False).
    With compute_uv=False only S is computed and U, V are zeros of shape (..., m, m) and (..., n, n),
    as in PyTorch."""
    A = _matrices("svd", input)
    if not compute_uv:
        *batch, m, n = A.shape
        return legacy_svd_result(zeros(*batch, m, m, dtype=A.dtype), SingularValues.apply(A),
                                 zeros(*batch, n, n, dtype=A.dtype))
    U, S, Vh = svd(A, full_matrices=not some)
    return legacy_svd_result(U, S, Vh.mT)
