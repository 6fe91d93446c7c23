"""``ag.linalg``: torch.linalg's common functions, with its arguments and numbers.

    vector_norm(x, ord=2, dim=None, keepdim=False)     sum(|x|^ord)^(1/ord); max|x| for inf
    matrix_norm(A, ord="fro", dim=(-2, -1))            Frobenius, nuclear, 2, max column/row sums
    norm(A, ord=None, dim=None)                        a vector norm or a matrix norm, by dim/ndim
    inv(A), det(A), solve(A, B)                        batched over the leading dims
    cholesky(A, upper=False)                           L with L L^T = A
    qr(A, mode="reduced")                              (Q, R) with A = Q R
    eigh(A, UPLO="L"), eigvalsh(A)                     (eigenvalues ascending, eigenvectors) of symmetric A
    svd(A, full_matrices=True), svdvals(A)             (U, S, Vh) with A = U diag(S) Vh, S descending
    matrix_exp(A)                                      exp(A) = sum A^k / k!, from matmuls (also ag.matrix_exp)

The norms, inv, det and solve are ops in ops/linalg.py (the vector norm's gradient at zero is zero, as in
PyTorch); the decompositions, with their gradients, are in ops/decompositions.py.
"""
from .ops.args import as_tensor
from .ops.decompositions import _matrices, cholesky, eigh, eigvalsh, qr, svd
from .ops.decompositions import no_driver as _no_driver
from .ops.linalg import Det, Inverse, SingularValues, Solve, matrix_norm, norm, vector_norm

__all__ = ["norm", "vector_norm", "matrix_norm", "inv", "det", "solve", "cholesky", "qr", "eigh", "eigvalsh", "svd",
           "svdvals", "matrix_exp"]


def inv(A):
    """The inverse of A (batches of square matrices)."""
    return Inverse.apply(as_tensor(A))


def det(A):
    """The determinant of A (batches of square matrices)."""
    return Det.apply(as_tensor(A))


def solve(A, B, *, left=True):
    """X with A @ X = B (B a matrix or, with one dim less than A, a vector)."""
    if not left:
        raise ValueError("linalg.solve: left=False (X @ A = B) is not supported; solve A^T X^T = B^T instead")
    return Solve.apply(as_tensor(A), as_tensor(B))


def svdvals(A, *, driver=None):
    """The singular values of A, descending (batches of matrices)."""
    _no_driver("linalg.svdvals", driver)
    return SingularValues.apply(_matrices("linalg.svdvals", A))


def matrix_exp(A):
    """exp(A) of a (batch of) square matrices, composed from matmuls so that autograd differentiates it
    (no primitive of its own): scaling and squaring, exp(A) = exp(A / 2^s)^(2^s) with ||A / 2^s||_1 <= 1/2,
    and the Taylor series to degree 18 (remainder below 1e-22: the rounding of the dtype is the error)."""
    from .creation import eye
    A = as_tensor(A)
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.matrix_exp: A must be batches of square matrices, got shape {tuple(A.shape)}")
    norm = float(A.detach().abs().sum(-2).amax()) if A.numel() else 0.0  # the 1-norm (of the largest in a batch)
    s = 0
    while norm / 2 ** s > 0.5:
        s += 1
    X = A / 2 ** s
    identity = eye(A.shape[-1], dtype=A.dtype, device=A.device)
    E = identity
    for k in range(18, 0, -1):  # Horner: I + X/1 (I + X/2 (I + ... X/18))
        E = identity + (X @ E) / k
    for _ in range(s):
        E = E @ E
    return E
