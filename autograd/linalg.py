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
    matrix_power(A, n)                                 A^n from matmuls, as PyTorch (also ag/Tensor.matrix_power)
    multi_dot(tensors)                                 A @ B @ ... in the cheapest order (first/last may be 1-D)

The norms, inv, det and solve are ops in ops/linalg.py (the vector norm's gradient at zero is zero, as in
PyTorch); the decompositions, with their gradients, are in ops/decompositions.py.
"""
from .ops.args import as_tensor
from .ops.decompositions import _matrices, cholesky, eigh, eigvalsh, qr, svd
from .ops.decompositions import no_driver as _no_driver
from .ops.linalg import Det, Inverse, SingularValues, Solve, matrix_norm, matrix_power, norm, vector_norm

__all__ = ["norm", "vector_norm", "matrix_norm", "inv", "det", "solve", "cholesky", "qr", "eigh", "eigvalsh", "svd",
           "svdvals", "matrix_exp", "matrix_power", "multi_dot"]


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


def multi_dot(tensors):
    """The product of two or more matrices, multiplied in the order that costs the fewest multiplications
    (torch.linalg.multi_dot; a 1-D first tensor is a row vector, a 1-D last one a column, and those dims are
    dropped from the result)."""
    tensors = [as_tensor(t) for t in tensors]
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    for i, t in enumerate(tensors):
        allowed = (1, 2) if i in (0, len(tensors) - 1) else (2,)
        if t.ndim not in allowed:
            where = "first" if i == 0 else "last" if i == len(tensors) - 1 else f"{i}th"
            raise RuntimeError(f"multi_dot(): the {where} tensor must be {' or '.join(f'{n}D' for n in allowed)} "
                               f"but got {t.ndim}D")
    row, column = tensors[0].ndim == 1, tensors[-1].ndim == 1
    mats = [tensors[0].reshape(1, -1) if row else tensors[0]] + tensors[1:-1] + \
        [tensors[-1].reshape(-1, 1) if column else tensors[-1]]
    for i in range(len(mats) - 1):
        if mats[i].shape[1] != mats[i + 1].shape[0]:
            raise RuntimeError(f"multi_dot(): tensors {i} and {i + 1} with shapes {list(tensors[i].shape)} and "
                               f"{list(tensors[i + 1].shape)} cannot be multiplied")
    out = _chain(mats, _cheapest_splits([m.shape[0] for m in mats] + [mats[-1].shape[1]]), 0, len(mats) - 1)
    return out.reshape(out.shape[1] if row and not column else out.shape[0] if column and not row else ()) \
        if row or column else out


def _cheapest_splits(dims):
    """split[i][j]: where the product of matrices i..j is best split (the textbook matrix-chain program)."""
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j], split[i][j] = min((cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1], k)
                                          for k in range(i, j))
    return split


def _chain(mats, split, i, j):
    if i == j:
        return mats[i]
    k = split[i][j]
    return _chain(mats, split, i, k) @ _chain(mats, split, k + 1, j)
