"""``ag.linalg``: torch.linalg's common functions, with its arguments and numbers.

    vector_norm(x, ord=2, dim=None, keepdim=False)     sum(|x|^ord)^(1/ord); max|x| for inf
    matrix_norm(A, ord="fro", dim=(-2, -1))            Frobenius, or max column/row sums (1, inf)
    norm(A, ord=None, dim=None)                        a vector norm or a matrix norm, by dim/ndim
    inv(A), det(A), solve(A, B)                        batched over the leading dims

The norms are composites of differentiable ops (the 2-norm's gradient at zero is zero, as in
PyTorch); inv, det and solve are primitives in ops/linalg.py.
"""
import math

from .function import ShapeError
from .ops.args import as_tensor
from .ops.linalg import Det, Inverse, Solve
from .ops.math import where

__all__ = ["norm", "vector_norm", "matrix_norm", "inv", "det", "solve"]


def _root(total, power):
    """total^(1/power), with a zero gradient where total is 0 (no 0 * inf)."""
    positive = total > 0
    safe = where(positive, total, 1.0)
    return where(positive, safe.sqrt() if power == 2 else safe ** (1.0 / power), 0.0)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """The ord-norm of x over ``dim`` (every element by default): sum(|x|^ord)^(1/ord)."""
    x = as_tensor(x)
    if dtype is not None:
        x = x.to(dtype)
    if x.dtype.kind not in "fc":
        raise RuntimeError(f"linalg.vector_norm: expected a floating point or complex tensor as input, got {x.dtype}")
    if isinstance(dim, list):
        dim = tuple(dim)
    if ord == math.inf:
        return x.abs().amax(dim, keepdim)
    if ord == -math.inf:
        return x.abs().amin(dim, keepdim)
    if ord == 0:
        return (x != 0).to(x.dtype).sum(dim, keepdim)
    if ord == 1:
        return x.abs().sum(dim, keepdim)
    if ord == 2:
        return _root((x * x).sum(dim, keepdim), 2)
    return _root((x.abs() ** ord).sum(dim, keepdim), ord)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    """A matrix norm over the two dims ``dim``: "fro" (Frobenius), 1 / -1 (max / min column sum
    of |A|), inf / -inf (max / min row sum of |A|)."""
    A = as_tensor(A)
    if dtype is not None:
        A = A.to(dtype)
    if A.ndim < 2:
        raise RuntimeError(f"linalg.matrix_norm: the input tensor A must have at least 2 dimensions, got shape {A.shape}")
    rows, cols = (d % A.ndim for d in dim)
    if ord == "fro":
        return vector_norm(A, 2, (rows, cols), keepdim)
    if ord in (1, -1, math.inf, -math.inf):
        summed, over = (rows, cols) if ord in (1, -1) else (cols, rows)  # columns sum over rows
        sums = A.abs().sum(summed, keepdim=True)
        out = sums.amax(over, keepdim=True) if ord > 0 else sums.amin(over, keepdim=True)
        return out if keepdim else out.squeeze((rows, cols))
    raise ValueError(f"linalg.matrix_norm: order {ord!r} is not supported here (supported: 'fro', 1, -1, inf, -inf; "
                     "'nuc' and 2 need singular values)")


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    """torch.linalg.norm: a vector norm when ``dim`` is an int or A is 1-D, a matrix norm when
    ``dim`` is a pair or A is 2-D; without ord and dim, the 2-norm of every element."""
    A = as_tensor(A)
    if isinstance(dim, int):
        dim = (dim,)
    if dim is None and ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    if dim is None:
        if A.ndim not in (1, 2):
            raise RuntimeError(f"linalg.norm: input must be 1-D or 2-D when dim is None and ord is given, "
                               f"got shape {A.shape}")
        dim = tuple(range(A.ndim))
    if len(dim) == 1:
        return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)
    if len(dim) == 2:
        return matrix_norm(A, "fro" if ord is None else ord, dim, keepdim, dtype=dtype)
    raise ShapeError(f"linalg.norm: dim must be an int or a pair of ints, got {dim}")


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
