"""Linear algebra primitives: inverse, determinant, solve (batched over leading dims, as
torch.linalg). The norms are composites in autograd/linalg.py."""
import numpy as np

from ..function import Function, Rule, ShapeError, register


def _square(op, a):
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ShapeError(f"{op}: A must be batches of square matrices, but they are {a.shape[-2] if a.ndim > 1 else '?'} "
                         f"by {a.shape[-1] if a.ndim else '?'} matrices (shape {a.shape})")


def _mT(x):
    return x.swapaxes(-1, -2)


class Inverse(Function):
    rule = Rule("out = A^-1", ("d/dA: -A^-T @ G @ A^-T",), "The inverse's gradient is sandwiched by the inverse.", ("A",))

    def forward(ctx, a):
        _square("inv", a)
        try:
            out = np.linalg.inv(a)
        except np.linalg.LinAlgError:
            raise ValueError("inv: the matrix is singular (not invertible)") from None
        ctx.save_for_backward(out)
        return out

    def backward(ctx, grad):  # d(A^-1) = -A^-1 dA A^-1  ->  dA = -A^-T G A^-T
        (inv,) = ctx.saved_tensors
        return -(_mT(inv) @ grad @ _mT(inv))


register("inverse", Inverse)


class Det(Function):
    rule = Rule("out = det(A)", ("d/dA: G * det(A) * A^-T",), "Jacobi's formula.", ("A",))

    def forward(ctx, a):
        _square("det", a)
        out = np.linalg.det(a)
        ctx.save_for_backward(a, out)
        return out

    def backward(ctx, grad):  # Jacobi: d det(A) / dA = det(A) A^-T
        a, out = ctx.saved_tensors
        scale = (grad * out)[..., None, None]
        if isinstance(a, np.ndarray):
            return scale * _mT(np.linalg.inv(a))
        return scale * _mT(a.inverse())


register("det", Det)


class Solve(Function):
    rule = Rule("X = A^-1 B", ("d/dA: -(A^-T G) X^T", "d/dB: A^-T G"), "Solving is multiplying by the inverse.", ("A", "B"))

    def forward(ctx, a, b):
        _square("solve", a)
        vector = b.ndim == a.ndim - 1
        try:
            out = np.linalg.solve(a, b[..., None] if vector else b)
        except np.linalg.LinAlgError:
            raise ValueError("solve: the matrix A is singular (not invertible)") from None
        out = out[..., 0] if vector else out
        ctx.vector = vector
        ctx.save_for_backward(a, out)
        return out

    def backward(ctx, grad):  # X = A^-1 B:  dB = A^-T G,  dA = -dB X^T
        a, x = ctx.saved_tensors
        if ctx.vector:
            grad, x = grad[..., None], x[..., None]
        if isinstance(a, np.ndarray):
            grad_b = np.linalg.solve(_mT(a), grad)
        else:
            grad_b = _mT(a).inverse() @ grad
        grad_a = -(grad_b @ _mT(x))
        return grad_a, (grad_b[..., 0] if ctx.vector else grad_b)

