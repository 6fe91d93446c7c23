"""Elementwise and matrix primitives. Each backward sits under the forward it differentiates.

Inputs are arrays (floats for Value); ``ctx.xp`` is their array module. Gradients may
come back broadcast: the core sums them back to each input's shape.
"""
from .function import Function, ShapeError

# ----------------------------------------------------------------- binary


class Add(Function):
    def forward(ctx, a, b):
        return a + b

    def backward(ctx, grad):  # d(a+b)/da = 1, d(a+b)/db = 1
        return grad, grad


class Sub(Function):
    def forward(ctx, a, b):
        return a - b

    def backward(ctx, grad):  # d(a-b)/da = 1, d(a-b)/db = -1
        return grad, -grad


class Mul(Function):
    def forward(ctx, a, b):
        need_a, need_b = ctx.needs_input_grad  # save only what is needed (x.mul_(3) stays legal)
        ctx.save_for_backward(b if need_a else None, a if need_b else None)
        return a * b

    def backward(ctx, grad):  # d(a*b)/da = b, d(a*b)/db = a
        b, a = ctx.saved_tensors
        return (grad * b if b is not None else None), (grad * a if a is not None else None)


class Div(Function):
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a / b

    def backward(ctx, grad):  # d(a/b)/da = 1/b, d(a/b)/db = -a/b^2
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (grad / b if need_a else None), (-grad * a / (b * b) if need_b else None)


class Pow(Function):
    def forward(ctx, a, b):
        out = a ** b
        ctx.save_for_backward(a, b, out)
        return out

    def backward(ctx, grad):  # d(a^b)/da = b a^(b-1), d(a^b)/db = a^b log a
        a, b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        xp = ctx.xp
        grad_a = grad * b * a ** (b - 1) if need_a else None
        grad_b = None
        if need_b:  # log a is -inf at a = 0, where the gradient is taken as 0 (as PyTorch)
            safe_log = xp.log(xp.where(a > 0, a, 1))
            grad_b = grad * out * safe_log
        return grad_a, grad_b


class Maximum(Function):
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return ctx.xp.maximum(a, b)

    def backward(ctx, grad):  # the larger input gets the gradient; a tie splits it in half
        a, b = ctx.saved_tensors
        share = (a > b) + 0.5 * (a == b)
        return grad * share, grad * (1 - share)


class Minimum(Function):
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return ctx.xp.minimum(a, b)

    def backward(ctx, grad):  # the smaller input gets the gradient; a tie splits it in half
        a, b = ctx.saved_tensors
        share = (a < b) + 0.5 * (a == b)
        return grad * share, grad * (1 - share)


class Where(Function):
    def forward(ctx, cond, a, b):
        ctx.save_for_backward(cond)
        return ctx.xp.where(cond, a, b)

    def backward(ctx, grad):  # the gradient goes to whichever input was chosen
        (cond,) = ctx.saved_tensors
        xp = ctx.xp
        return None, xp.where(cond, grad, 0.0), xp.where(cond, 0.0, grad)


class MatMul(Function):
    def forward(ctx, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise ShapeError(f"matmul: both arguments need at least 1 dimension, got {a.shape} @ {b.shape}")
        k_a, k_b = a.shape[-1], b.shape[-2] if b.ndim > 1 else b.shape[0]
        if k_a != k_b:
            raise ShapeError(f"matmul: {a.shape} @ {b.shape}: inner dimensions {k_a} and {k_b} differ")
        ctx.save_for_backward(a, b)
        return a @ b

    def backward(ctx, grad):  # d(A@B)/dA = G @ B^T, d(A@B)/dB = A^T @ G
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        if a.ndim == 1 and b.ndim == 1:  # dot product: grad is a scalar
            return (grad * b if need_a else None), (grad * a if need_b else None)
        a2 = a.reshape((1,) + a.shape) if a.ndim == 1 else a  # (1, k)
        b2 = b.reshape(b.shape + (1,)) if b.ndim == 1 else b  # (k, 1)
        if a.ndim == 1:
            grad = grad.reshape(grad.shape[:-1] + (1,) + grad.shape[-1:])
        if b.ndim == 1:
            grad = grad.reshape(grad.shape + (1,))
        grad_a = grad_b = None
        if need_a:
            grad_a = grad @ b2.swapaxes(-1, -2)
            if a.ndim == 1:
                grad_a = grad_a.reshape(grad_a.shape[:-2] + grad_a.shape[-1:])
        if need_b:
            grad_b = a2.swapaxes(-1, -2) @ grad
            if b.ndim == 1:
                grad_b = grad_b.reshape(grad_b.shape[:-1])
        return grad_a, grad_b


class Linear(Function):
    """x @ W^T + b in one op (fused because the MLP benchmark says so: no transposed copies)."""

    def forward(ctx, x, weight, bias=None):
        if x.ndim == 0 or x.shape[-1] != weight.shape[-1]:
            raise ShapeError(f"linear: input of shape {x.shape} has {x.shape[-1] if x.ndim else 0} features "
                             f"but the weight of shape {weight.shape} expects {weight.shape[-1]} (in_features)")
        ctx.save_for_backward(x, weight)
        out = x @ weight.T  # (*, out)
        if bias is not None:
            out += bias
        return out

    def backward(ctx, grad):  # dx = G @ W,  dW = G^T @ x,  db = sum of G over the batch
        x, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        g2 = grad.reshape((-1, grad.shape[-1]))  # (B, out)
        grad_x = grad @ weight if need_x else None
        grad_w = g2.T @ x.reshape((-1, x.shape[-1])) if need_w else None
        grad_b = g2.sum(axis=0) if need_b else None
        return grad_x, grad_w, grad_b


# ----------------------------------------------------------------- unary


class Neg(Function):
    def forward(ctx, a):
        return -a

    def backward(ctx, grad):  # d(-a)/da = -1
        return -grad


class Exp(Function):
    def forward(ctx, a):
        out = ctx.xp.exp(a)
        ctx.save_for_backward(out)
        return out

    def backward(ctx, grad):  # d(e^a)/da = e^a
        (out,) = ctx.saved_tensors
        return grad * out


class Log(Function):
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return ctx.xp.log(a)

    def backward(ctx, grad):  # d(log a)/da = 1/a
        (a,) = ctx.saved_tensors
        return grad / a


class Log1p(Function):
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return ctx.xp.log1p(a)

    def backward(ctx, grad):  # d(log(1+a))/da = 1/(1+a)
        (a,) = ctx.saved_tensors
        return grad / (1 + a)


class Sqrt(Function):
    def forward(ctx, a):
        out = ctx.xp.sqrt(a)
        ctx.save_for_backward(out)
        return out

    def backward(ctx, grad):  # d(sqrt a)/da = 1/(2 sqrt a)
        (out,) = ctx.saved_tensors
        return grad / (2 * out)


class Abs(Function):
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return ctx.xp.abs(a)

    def backward(ctx, grad):  # d|a|/da = sign(a)  (0 at a = 0)
        (a,) = ctx.saved_tensors
        return grad * ctx.xp.sign(a)


class Sign(Function):
    def forward(ctx, a):
        return ctx.xp.sign(a)

    def backward(ctx, grad):  # sign is flat almost everywhere: d sign(a)/da = 0
        return grad * 0


class Floor(Function):
    def forward(ctx, a):
        return ctx.xp.floor(a)

    def backward(ctx, grad):  # a staircase is flat almost everywhere: d floor(a)/da = 0
        return grad * 0


class Ceil(Function):
    def forward(ctx, a):
        return ctx.xp.ceil(a)

    def backward(ctx, grad):  # flat almost everywhere: d ceil(a)/da = 0
        return grad * 0


class Round(Function):
    def forward(ctx, a):
        return ctx.xp.round(a)

    def backward(ctx, grad):  # flat almost everywhere: d round(a)/da = 0
        return grad * 0


class Sin(Function):
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return ctx.xp.sin(a)

    def backward(ctx, grad):  # d(sin a)/da = cos a
        (a,) = ctx.saved_tensors
        return grad * ctx.xp.cos(a)


class Cos(Function):
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return ctx.xp.cos(a)

    def backward(ctx, grad):  # d(cos a)/da = -sin a
        (a,) = ctx.saved_tensors
        return -grad * ctx.xp.sin(a)


class Tanh(Function):
    def forward(ctx, a):
        out = ctx.xp.tanh(a)
        ctx.save_for_backward(out)
        return out

    def backward(ctx, grad):  # d(tanh a)/da = 1 - tanh(a)^2
        (out,) = ctx.saved_tensors
        return grad * (1 - out * out)


class Sigmoid(Function):
    def forward(ctx, a):
        out = 0.5 + 0.5 * ctx.xp.tanh(0.5 * a)  # = 1/(1+e^-a), without overflow
        ctx.save_for_backward(out)
        return out

    def backward(ctx, grad):  # d(sigma a)/da = sigma(a) (1 - sigma(a))
        (out,) = ctx.saved_tensors
        return grad * out * (1 - out)


class Relu(Function):
    def forward(ctx, a):
        out = ctx.xp.maximum(a, 0)
        ctx.save_for_backward(out)
        return out

    def backward(ctx, grad):  # d relu(a)/da = 1 if a > 0 else 0
        (out,) = ctx.saved_tensors
        return grad * (out > 0)


class Clamp(Function):
    def forward(ctx, a, min=None, max=None):
        xp = ctx.xp
        ctx.save_for_backward(a)
        ctx.bounds = (min, max)
        out = a
        if min is not None:
            out = xp.maximum(out, min)
        if max is not None:
            out = xp.minimum(out, max)
        return out

    def backward(ctx, grad):  # 1 inside [min, max], 0 where the value was clipped
        (a,) = ctx.saved_tensors
        low, high = ctx.bounds
        inside = 1
        if low is not None:
            inside = inside * (a >= low)
        if high is not None:
            inside = inside * (a <= high)
        return grad * inside
