"""Elementwise and matrix primitives. Each backward sits under the forward it differentiates.

Inputs are arrays (floats for Value); ``ctx.xp`` is their array module. Gradients may
come back broadcast: the core sums them back to each input's shape.
"""
import math
import numbers

from .. import caller
from ..backend import by_input, host, is_array

from ..function import Function, NonDifferentiable, Rule, ShapeError, operator, register
from ..dtypes import int64
from ..graph import Variable
from ..node_names import leaving_out, node_name, overloaded
from ..tensor import Tensor
from .args import ArgumentError, as_tensor, floating, no_bool, raw
from .promote import DTypeError, _operand, binary_front, is_bool, promote

_SAME_SIZE_INT = {2: host.int16, 4: host.int32, 8: host.int64}  # a float's bits, as an integer of its size


def masked(ctx, grad, keep):
    """``grad`` where ``keep``, 0 elsewhere: PyTorch's select, so that an inf or nan gradient at a
    blocked element gives 0 (a product with the mask, inf * 0, gives nan). On the host, the float's
    bits ANDed with a mask of 0 or all ones (numpy's ``where`` branches per element and is ~10x
    slower on a random mask; this costs what the product costs). A Value's gradient is a float."""
    if type(grad) is host.ndarray and grad.dtype.kind == "f" and grad.shape == keep.shape:
        ints = _SAME_SIZE_INT[grad.itemsize]
        bits = host.asarray(keep).astype(ints)  # (asarray: a 0-d comparison gives a numpy bool, not an array)
        host.negative(bits, out=bits)  # 1 -> -1: every bit set
        return host.bitwise_and(grad.view(ints), bits, out=bits).view(grad.dtype)
    if type(grad) in (int, float):  # (not a numpy float64 scalar, a float subclass: its 0.0 must stay an array)
        return grad if keep else 0.0
    return ctx.xp.where(keep, grad, 0)


def no_gradient(ctx, grad):
    """The gradient of a flat op (floor, sign...): zeros, also where ``grad`` is inf or nan (PyTorch's
    zeros_like; ``grad * 0`` would give nan there)."""
    if type(grad) is host.ndarray:
        return host.zeros_like(grad)
    if isinstance(grad, (int, float)):
        return 0.0
    return masked(ctx, grad, by_input.zeros_like(raw(grad), dtype=bool))  # (a Tensor: backward builds a graph)

# ----------------------------------------------------------------- binary


class Add(Function):
    rule = Rule("out = a + b", ("d(a+b)/da = 1", "d(a+b)/db = 1"),
                "Addition copies the upstream gradient to both inputs unchanged.")
    onnx = "Add"

    def forward(ctx, a, b):
        return a + b

    def backward(ctx, grad):  # d(a+b)/da = 1, d(a+b)/db = 1
        return grad, grad

operator("__add__", Add, reflected="__radd__", scalar=True, front=binary_front(Add.apply, "add", dunder=True),
         commutative=True)


class Sub(Function):
    rule = Rule("out = a - b", ("d(a-b)/da = 1", "d(a-b)/db = -1"),
                "Subtraction passes the gradient to a and its negative to b.")
    onnx = "Sub"

    def forward(ctx, a, b):
        try:
            return a - b
        except TypeError:  # numpy refuses bool - bool
            raise ShapeError("sub: subtraction of two bool tensors is not supported; to invert a mask use "
                             "~mask or ag.logical_not(mask), for 'differs' use a ^ b") from None

    def backward(ctx, grad):  # d(a-b)/da = 1, d(a-b)/db = -1
        return grad, -grad

operator("__sub__", Sub, reflected="__rsub__", scalar=True,
         front=binary_front(Sub.apply, "sub", dunder=True, refuse_bool=True))


class Mul(Function):
    rule = Rule("out = a * b", ("d(a*b)/da = b", "d(a*b)/db = a"),
                "Each factor's gradient is the upstream gradient times the other factor.")
    onnx = "Mul"

    def forward(ctx, a, b):
        need_a, need_b = ctx.needs_input_grad  # save only what is needed (x.mul_(3) stays legal)
        ctx.save_for_backward(b if need_a else None, a if need_b else None)
        return a * b

    def backward(ctx, grad):  # d(a*b)/da = b, d(a*b)/db = a
        b, a = ctx.saved_tensors
        return (grad * b if b is not None else None), (grad * a if a is not None else None)

mul = binary_front(Mul.apply, "mul")
operator("__mul__", Mul, reflected="__rmul__", scalar=True, front=binary_front(Mul.apply, "mul", dunder=True),
         commutative=True)
register(("mul", "multiply"), mul, inplace=True)


class Div(Function):
    rule = Rule("out = a / b", ("d(a/b)/da = 1/b", "d(a/b)/db = -a/b^2"),
                "Dividing scales the gradient by 1/b; b gets -a/b^2 times the gradient.")
    onnx = "Div"

    def forward(ctx, a, b):
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b)  # (a only for b's gradient)
        return a / b

    def backward(ctx, grad):  # d(a/b)/da = 1/b, d(a/b)/db = -a/b^2
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (grad / b if need_a else None), (-grad * (a / b) / b if need_b else None)  # (b * b would overflow)

true_divide = binary_front(Div.apply, "div")
operator("__truediv__", Div, scalar=True, front=binary_front(Div.apply, "div", dunder=True))
register("true_divide", true_divide, inplace=True)


def rtruediv(self, other):
    """``other / tensor`` as PyTorch computes it (Tensor.__rdiv__): ``tensor.reciprocal() * other``. That
    rounds twice, so a quotient can differ from a correctly rounded division in the last bit, as PyTorch's
    does (0.75 / sqrt(2) in float32); code that breaks ties on such values (d2l's anchor boxes: an argmax
    over IoUs) then picks what PyTorch picks. The graph is PyTorch's too: MulBackward0 over
    ReciprocalBackward0."""
    if not isinstance(other, Tensor) and _operand(other) is None:
        return NotImplemented
    return self.reciprocal() * other


def _value_rtruediv(self, other):  # Value's 2 / a: the Div Function gets (2, a)
    return Div.apply(other, self)


_value_rtruediv.op, _value_rtruediv.reflected = Div, True
register("__rtruediv__", _value_rtruediv, method=rtruediv, function=False, scalar=True)


def _negative_integer_exponents(a, b):
    """An integer tensor raised to an integer tensor with negative entries (numpy refuses; PyTorch computes)."""
    return getattr(a, "dtype", None) is not None and a.dtype.kind in "iu" and getattr(b, "ndim", None) is not None \
        and b.dtype.kind in "iu" and (b < 0).any()


def _integer_power(xp, a, b):
    """PyTorch's integer power where exponents may be negative: a ** b for b >= 0; for b < 0 the integer part
    of 1 / a ** |b|: 1 for a = 1, +-1 for a = -1 (by the parity of b), else 0 (0 too for a = 0, as PyTorch)."""
    negative = b < 0
    out = a ** xp.where(negative, 0, b)
    inverse = xp.where(a == 1, 1, xp.where(a == -1, xp.where(b % 2 == 0, 1, -1), 0))
    return xp.where(negative, inverse, out).astype(out.dtype, copy=False)


_POW_NUMBER_AT = {"PowBackward0": (1,), "PowBackward2": (0,)}  # which input was a Python number (_pow_front)


class Pow(Function):
    """PyTorch's names: PowBackward0 for ``x ** 2`` (its one input x: a Python number is no input of
    PyTorch's node), PowBackward2 for ``2 ** x``, PowBackward1 for two tensors."""

    rule = Rule("out = a ** b", ("d(a^b)/da = b * a^(b-1)", "d(a^b)/db = a^b * log(a)"),
                "The power rule for the base; the exponential rule for the exponent.")
    onnx = "Pow"
    name = node_name("PowBackward0")
    next_functions = leaving_out(lambda node: _POW_NUMBER_AT.get(node.name(), ()))

    def forward(ctx, a, b):
        for x in (a, b):
            if isinstance(x, (list, tuple)):  # numpy would take it; backward could not (as torch: refuse)
                raise TypeError(f"pow: unsupported operand type for ** or pow(): {type(x).__name__}; "
                                f"make it a tensor first: ag.tensor({x!r})")
        if _negative_integer_exponents(a, b):
            out = _integer_power(ctx.xp, a, b)
        else:
            out = math.nan if _complex_power(a, b) else a ** b
        # the output only for b's gradient (as PyTorch): x ** 2 may then be changed in place
        ctx.save_for_backward(a, b, out if ctx.needs_input_grad[1] else None)
        return out

    def backward(ctx, grad):  # d(a^b)/da = b a^(b-1), d(a^b)/db = a^b log a, with PyTorch's zeros at a = 0
        a, b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        xp = ctx.xp
        grad_a = grad_b = None
        with host.errstate(divide="ignore", invalid="ignore"):  # 0^(b-1) and log 0 are infinite; masked below
            if need_a:  # a^0 = 1 is constant: its gradient is 0, also at a = 0 where b a^(b-1) = 0 * inf
                if isinstance(b, numbers.Number):
                    grad_a = grad * 0 if b == 0 else grad * (b * _power(a, b - 1))
                else:  # (b a^(b-1) first: grad * b alone may overflow where a^(b-1) is 0)
                    grad_a = xp.where(b == 0, 0, grad * (b * a ** (b - 1)))
            if need_b:  # log a is -inf at a = 0 (nan below): the gradient there is 0 for b >= 0 (as PyTorch)
                if isinstance(a, numbers.Number):  # a constant base (2 ** x), or a Value's float
                    log_a = math.log(a) if a > 0 else (-math.inf if a == 0 else math.nan)
                    grad_b = xp.where(b >= 0, 0 * grad, grad * out * log_a) if a == 0 else grad * out * log_a
                else:
                    grad_b = grad * xp.where((a == 0) & (b >= 0), 0, out * xp.log(a))
        return grad_a, grad_b

def _complex_power(a, b):
    """True for Python numbers (a Value's floats) where ``a ** b`` would be a complex number: a
    negative base to a finite fractional power. numpy and PyTorch give nan there."""
    return type(a) in (int, float) and type(b) in (int, float) and a < 0 and math.isfinite(b) \
        and not float(b).is_integer()


def _power(a, b):
    """a ** b; for a Value's float, inf at 0 ** negative as numpy gives it (Python raises), and nan
    for a negative base to a fractional power (Python gives a complex number)."""
    if type(a) is float and a == 0 and b < 0:
        return math.inf
    return math.nan if _complex_power(a, b) else a ** b


def _pow_front(dunder):
    front = binary_front(Pow.apply, "pow", dunder=dunder)

    def pow(input, other):
        kind = type(other)
        if kind is int:
            if isinstance(input, Tensor) and input._data.dtype.kind == "b":
                input = input.to(int64)  # bool ** int is int64, as PyTorch's (numpy's power gives int8)
            if other < 0 and isinstance(input, Tensor) and input._data.dtype.kind in "iu":
                raise ArgumentError(f"pow: integers to negative integer powers are not allowed ({input.dtype} ** "
                                    f"{other}); use a float base: x.float() ** {other}")
        elif kind is not float and is_bool(input) and is_bool(other):
            if kind is bool and isinstance(input, Tensor):  # bool ** bool stays bool: x ** True = x, x ** False = 1
                return input.clone() if other else input | True
            raise DTypeError("pow: not implemented for two bools; convert with .int() first")
        out = front(input, other)
        if not isinstance(input, Tensor):  # 2 ** x
            return overloaded(out, "PowBackward2", Pow)
        return overloaded(out, "PowBackward1", Pow) if isinstance(other, Tensor) else out  # (x ** 2: PowBackward0)

    return pow


operator("__pow__", Pow, reflected="__rpow__", scalar=True, front=_pow_front(True))
register("pow", _pow_front(False), inplace=True)


class FMax(Function):
    """fmax / fmin: the larger (smaller) input, the other one where one is nan; its gradient goes to the
    input picked, to ``a`` on ties (PyTorch's rule; maximum splits ties)."""

    rule = Rule("out = fmax(a, b)  (nan ignored)", ("d/da = 1 where a was picked (ties too)", "d/db = 1 elsewhere"),
                "The gradient goes to whichever input was picked; a nan is never picked over a number.")
    smaller = False
    name = node_name("FmaxBackward0")

    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return (ctx.xp.fmin if ctx.smaller else ctx.xp.fmax)(a, b)

    def backward(ctx, grad):  # a picked where a >= b (a <= b for fmin) or b is nan
        a, b = ctx.saved_tensors
        xp = ctx.xp
        picked_a = ((a <= b) if ctx.smaller else (a >= b)) | (b != b)  # (b != b: b is nan)
        need_a, need_b = ctx.needs_input_grad
        return (xp.where(picked_a, grad, 0) if need_a else None), (xp.where(picked_a, 0, grad) if need_b else None)


class FMin(FMax):
    rule = Rule("out = fmin(a, b)  (nan ignored)", ("d/da = 1 where a was picked (ties too)", "d/db = 1 elsewhere"),
                "The gradient goes to whichever input was picked; a nan is never picked over a number.")
    smaller = True
    name = node_name("FminBackward0")


register("fmax", binary_front(FMax.apply, "fmax"))
register("fmin", binary_front(FMin.apply, "fmin"))


class Maximum(Function):
    rule = Rule("out = maximum(a, b)", ("d/da = 1 where a > b (1/2 on ties)", "d/db = 1 where b > a (1/2 on ties)"),
                "The gradient goes to whichever input was larger.")
    onnx = "Max"

    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return ctx.xp.maximum(a, b)

    def backward(ctx, grad):  # the larger input gets the gradient; a tie splits it in half
        a, b = ctx.saved_tensors
        share = ctx.xp.where(a == b, grad * 0.5, grad)  # (ties are rare: numpy's where is quick on such a mask)
        return masked(ctx, share, ~(a < b)), masked(ctx, share, ~(a > b))  # nan: neither is smaller, both get it (as PyTorch)

maximum = binary_front(Maximum.apply, "maximum")
register("maximum", maximum)


class Minimum(Function):
    rule = Rule("out = minimum(a, b)", ("d/da = 1 where a < b (1/2 on ties)", "d/db = 1 where b < a (1/2 on ties)"),
                "The gradient goes to whichever input was smaller.")
    onnx = "Min"

    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return ctx.xp.minimum(a, b)

    def backward(ctx, grad):  # the smaller input gets the gradient; a tie splits it in half
        a, b = ctx.saved_tensors
        share = ctx.xp.where(a == b, grad * 0.5, grad)  # (ties are rare: numpy's where is quick on such a mask)
        return masked(ctx, share, ~(a > b)), masked(ctx, share, ~(a < b))  # nan: neither is larger, both get it (as PyTorch)

minimum = binary_front(Minimum.apply, "minimum")
register("minimum", minimum)


class Where(Function):
    rule = Rule("out = where(cond, a, b)", ("(no gradient for cond)", "d/da = 1 where cond", "d/db = 1 where not cond"),
                "The gradient goes to the input that was picked, element by element.")

    next_functions = leaving_out(0)  # (PyTorch's node takes the condition as an argument)

    def forward(ctx, cond, a, b):
        ctx.save_for_backward(cond)
        return ctx.xp.where(cond, a, b)

    def backward(ctx, grad):  # the gradient goes to whichever input was chosen
        (cond,) = ctx.saved_tensors
        xp = ctx.xp
        return None, xp.where(cond, grad, 0.0), xp.where(cond, 0.0, grad)


# A matrix product (and Linear) of two dtypes is refused, as PyTorch refuses it: a uint8 image fed to a
# float layer is to be converted (and usually scaled) first, and float64 data fed to a float32 layer too
# (x.float()); promoting would give a float64 result where PyTorch's program stops.

# PyTorch's names for a matrix product, by the inputs' ndims
_MATMUL_NAMES = {(2, 2): "MmBackward0", (2, 1): "MvBackward0", (1, 1): "DotBackward0", (3, 3): "BmmBackward0"}


class MatMul(Function):
    """PyTorch names a product of matrices MmBackward0, matrix @ vector MvBackward0, vector @ vector
    DotBackward0 and torch.bmm BmmBackward0. Its matmul of 3-d tensors is a BmmBackward0 between views
    (one BmmBackward0 node here); other shapes (vector @ matrix, broadcast batches) are chains of views
    around an mm or a bmm in PyTorch, one MatMulBackward0 node here."""

    rule = Rule("out = a @ b", ("d(a@b)/da: G @ b^T", "d(a@b)/db: a^T @ G"),
                "A matrix product sends G @ b^T to a and a^T @ G to b (shapes match a and b).")
    name = node_name("MatMulBackward0", lambda node: _MATMUL_NAMES.get(node.ndims))

    def forward(ctx, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise ShapeError(f"matmul: both arguments need at least 1 dimension, got {a.shape} @ {b.shape}")
        k_a, k_b = a.shape[-1], b.shape[-2] if b.ndim > 1 else b.shape[0]
        if k_a != k_b:
            raise ShapeError(f"matmul: {a.shape} @ {b.shape}: inner dimensions {k_a} and {k_b} differ")
        if a.dtype != b.dtype:  # (PyTorch refuses: see above)
            raise DTypeError(f"matmul: expected both arguments to have the same dtype, got {a.dtype} @ {b.dtype}; "
                             f"convert one first (e.g. x.float() or x.to(w.dtype))")
        need_a, need_b = ctx.needs_input_grad
        ctx.ndims = a.ndim, b.ndim
        ctx.save_for_backward(a if need_b else None, b if need_a else None)  # each only for the other's
        return a @ b  # gradient, as PyTorch: the other may then change in place

    def backward(ctx, grad):  # d(A@B)/dA = G @ B^T, d(A@B)/dB = A^T @ G
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        a_ndim, b_ndim = ctx.ndims
        if a_ndim == 1 and b_ndim == 1:  # dot product: grad is a scalar
            return (grad * b if need_a else None), (grad * a if need_b else None)
        if a_ndim == 1:
            grad = grad.reshape(grad.shape[:-1] + (1,) + grad.shape[-1:])
        if b_ndim == 1:
            grad = grad.reshape(grad.shape + (1,))
        grad_a = grad_b = None
        if need_a:
            b2 = b.reshape(b.shape + (1,)) if b_ndim == 1 else b  # (k, 1)
            grad_a = grad @ b2.swapaxes(-1, -2)
            if a_ndim == 1:
                grad_a = grad_a.reshape(grad_a.shape[:-2] + grad_a.shape[-1:])
        if need_b:
            a2 = a.reshape((1,) + a.shape) if a_ndim == 1 else a  # (1, k)
            grad_b = a2.swapaxes(-1, -2) @ grad
            if b_ndim == 1:
                grad_b = grad_b.reshape(grad_b.shape[:-1])
        return grad_a, grad_b


class Linear(Function):
    """x @ W^T + b in one op (fused because the MLP benchmark says so: no transposed copies)."""

    rule = Rule("out = x @ W^T + b", ("d/dx: G @ W", "d/dW: G^T @ x", "d/db: G summed over the batch"),
                "A linear layer in one op: x gets G @ W, the weight G^T @ x, the bias the sum of G.",
                ("x", "W", "b"))


    def forward(ctx, x, weight, bias=None):
        if x.dtype != weight.dtype:  # (checked first, as PyTorch; see MatMul)
            raise DTypeError(f"linear: mat1 and mat2 must have the same dtype, but got input of dtype {x.dtype} and "
                             f"weight of dtype {weight.dtype}; convert the input first (e.g. x.float() or "
                             f"x.to(weight.dtype))")
        if x.ndim == 0 or x.shape[-1] != weight.shape[-1]:
            raise ShapeError(f"linear: input of shape {x.shape} has {x.shape[-1] if x.ndim else 0} features "
                             f"but the weight of shape {weight.shape} expects {weight.shape[-1]} (in_features); "
                             "reshape the input or fix in_features")
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
        grad_w = None
        if need_w:  # straight into the weight's gradient destination, where it has one (DDP's bucket)
            x2 = x.reshape((-1, x.shape[-1]))
            into = ctx.grad_destination(1, weight.shape, g2.dtype) if g2.dtype == x2.dtype else None
            grad_w = g2.T @ x2 if into is None else ctx.xp.matmul(g2.T, x2, out=into)
        grad_b = g2.sum(axis=0) if need_b else None
        return grad_x, grad_w, grad_b


# ----------------------------------------------------------------- unary


class Neg(Function):
    rule = Rule("out = -a", ("d(-a)/da = -1",), "Negation flips the gradient's sign.")
    onnx = "Neg"

    def forward(ctx, a):
        try:
            return -a
        except TypeError:  # numpy refuses -bool
            raise ShapeError("neg: negation of a bool tensor is not supported; to invert a mask use ~mask "
                             "or ag.logical_not(mask)") from None

    def backward(ctx, grad):  # d(-a)/da = -1
        return -grad

register(("neg", "negative", "__neg__"), Neg, scalar=True, inplace=True)


class Exp(Function):
    rule = Rule("out = exp(a)", ("d(e^a)/da = e^a = out",), "exp is its own derivative.")
    onnx = "Exp"

    def forward(ctx, a):
        out = ctx.xp.exp(floating(a))
        ctx.save_for_backward(out)
        return out

    def backward(ctx, grad):  # d(e^a)/da = e^a
        (out,) = ctx.saved_tensors
        return grad * out

register("exp", Exp, scalar=True, inplace=True)


class Log(Function):
    rule = Rule("out = log(a)", ("d(log a)/da = 1/a",), "The gradient is divided by a.")
    onnx = "Log"

    def forward(ctx, a):
        ctx.save_for_backward(a)
        with host.errstate(divide="ignore", invalid="ignore"):  # log 0 = -inf, log -1 = nan, silently (as PyTorch)
            return ctx.xp.log(floating(a))

    def backward(ctx, grad):  # d(log a)/da = 1/a
        (a,) = ctx.saved_tensors
        return grad / a

register("log", Log, scalar=True, inplace=True)


class Log1p(Function):
    rule = Rule("out = log(1 + a)", ("d(log(1+a))/da = 1/(1+a)",), "The gradient is divided by 1+a.")
    name = node_name("Log1PBackward0")

    def forward(ctx, a):
        ctx.save_for_backward(a)
        with host.errstate(divide="ignore", invalid="ignore"):  # log1p(-1) = -inf, below it nan (as PyTorch)
            return ctx.xp.log1p(floating(a))

    def backward(ctx, grad):  # d(log(1+a))/da = 1/(1+a)
        (a,) = ctx.saved_tensors
        return grad / (1 + a)

register("log1p", Log1p, inplace=True)


class Sqrt(Function):
    rule = Rule("out = sqrt(a)", ("d(sqrt a)/da = 1/(2 sqrt a)",), "The gradient is divided by 2*out.")
    onnx = "Sqrt"

    def forward(ctx, a):
        out = ctx.xp.sqrt(floating(a))
        ctx.save_for_backward(out)
        return out

    def backward(ctx, grad):  # d(sqrt a)/da = 1/(2 sqrt a)
        (out,) = ctx.saved_tensors
        return grad / (2 * out)

register("sqrt", Sqrt, inplace=True)


class Abs(Function):
    rule = Rule("out = |a|", ("d|a|/da = sign(a)",), "The gradient keeps or flips its sign with a.")
    onnx = "Abs"

    def forward(ctx, a):
        no_bool(a, "abs")
        ctx.save_for_backward(a)
        return ctx.xp.abs(a)

    def backward(ctx, grad):  # d|a|/da = sign(a)  (0 at a = 0, and at nan as in PyTorch)
        (a,) = ctx.saved_tensors
        return grad * _sign(ctx.xp, a)

register(("abs", "absolute", "__abs__"), Abs, inplace=True)


class Sign(Function):
    rule = Rule("out = sign(a)", ("d sign(a)/da = 0",), "sign is flat: no gradient flows.")
    onnx = "Sign"

    def forward(ctx, a):
        return a.copy() if is_array(a) and a.dtype.kind == "b" else _sign(ctx.xp, a)

    def backward(ctx, grad):  # sign is flat almost everywhere: d sign(a)/da = 0
        return no_gradient(ctx, grad)

register("sign", Sign, inplace=True)
register("sgn", Sign, inplace=True)  # (sign for real numbers; PyTorch's name for complex ones too)


@register("positive")
def positive(input):
    """The tensor itself (as PyTorch: ``torch.positive(x) is x``); a bool tensor is refused."""
    if input.dtype.kind == "b":
        raise DTypeError("positive: the + operator on a bool tensor is not supported; convert with .int() first")
    return input


def _sign(xp, a):
    """-1, 0 or 1; 0 at nan as in PyTorch (numpy's sign gives nan there)."""
    if is_array(a) and a.dtype.kind == "f":
        return (a > 0).astype(a.dtype) - (a < 0)  # (0 < a) - (a < 0): PyTorch's formula
    return xp.sign(a)


class Floor(Function):
    onnx = "Floor"

    def forward(ctx, a):
        no_bool(a, "floor")
        return ctx.xp.floor(a)

    def backward(ctx, grad):  # a staircase is flat almost everywhere: d floor(a)/da = 0
        return no_gradient(ctx, grad)

register("floor", Floor, inplace=True)


class Ceil(Function):
    onnx = "Ceil"

    def forward(ctx, a):
        no_bool(a, "ceil")
        return ctx.xp.ceil(a)

    def backward(ctx, grad):  # flat almost everywhere: d ceil(a)/da = 0
        return no_gradient(ctx, grad)

register("ceil", Ceil, inplace=True)


class Round(Function):
    def forward(ctx, a, *, decimals=0):  # half to even, as PyTorch (decimals: a * 10^d, rounded, / 10^d)
        no_bool(a, "round")
        return ctx.xp.round(a, decimals)

    def backward(ctx, grad):  # flat almost everywhere: d round(a)/da = 0
        return no_gradient(ctx, grad)

register("round", Round, inplace=True)


class Sin(Function):
    rule = Rule("out = sin(a)", ("d(sin a)/da = cos a",), "The gradient is scaled by cos a.")
    onnx = "Sin"

    def forward(ctx, a):
        ctx.save_for_backward(a)
        return ctx.xp.sin(floating(a))

    def backward(ctx, grad):  # d(sin a)/da = cos a
        (a,) = ctx.saved_tensors
        return grad * ctx.xp.cos(a)

register("sin", Sin, inplace=True)


class Cos(Function):
    rule = Rule("out = cos(a)", ("d(cos a)/da = -sin a",), "The gradient is scaled by -sin a.")
    onnx = "Cos"

    def forward(ctx, a):
        ctx.save_for_backward(a)
        return ctx.xp.cos(floating(a))

    def backward(ctx, grad):  # d(cos a)/da = -sin a
        (a,) = ctx.saved_tensors
        return -grad * ctx.xp.sin(a)

register("cos", Cos, inplace=True)


class Tanh(Function):
    rule = Rule("out = tanh(a)", ("d(tanh a)/da = 1 - tanh(a)^2 = 1 - out^2",),
                "tanh squashes: the gradient shrinks where the output is near -1 or 1.")
    onnx = "Tanh"

    def forward(ctx, a):
        out = ctx.xp.tanh(floating(a))
        ctx.save_for_backward(out)
        return out

    def backward(ctx, grad):  # d(tanh a)/da = 1 - tanh(a)^2
        (out,) = ctx.saved_tensors
        return grad * (1 - out * out)

register("tanh", Tanh, scalar=True, inplace=True)


class Sigmoid(Function):
    rule = Rule("out = sigmoid(a)", ("d(sigma a)/da = out * (1 - out)",),
                "The sigmoid's slope is out*(1-out): at most 1/4, tiny where it saturates.")
    onnx = "Sigmoid"

    def forward(ctx, a):
        if type(a) in (int, float):  # Value: math.exp raises where numpy gives inf, so never e^(-a) for a < 0
            out = 1 / (1 + math.exp(-a)) if a >= 0 else math.exp(a) / (1 + math.exp(a))
        else:
            with host.errstate(over="ignore"):  # e^-a is inf far below 0, where the output is 0, as PyTorch's
                out = 1 / (1 + ctx.xp.exp(-floating(a)))  # PyTorch's formula: exact into the tail (sigmoid(-20) = 2e-9)
        ctx.save_for_backward(out)
        return out

    def backward(ctx, grad):  # d(sigma a)/da = sigma(a) (1 - sigma(a))
        (out,) = ctx.saved_tensors
        return grad * out * (1 - out)

register("sigmoid", Sigmoid, scalar=True, inplace=True)


class Relu(Function):
    rule = Rule("out = relu(a) = max(a, 0)", ("d relu(a)/da = 1 if a > 0 else 0",),
                "ReLU lets the gradient through where the input was positive and blocks it elsewhere.")
    onnx = "Relu"

    def forward(ctx, a):
        no_bool(a, "relu")
        out = ctx.xp.maximum(a, 0)
        ctx.save_for_backward(out)
        return out

    def backward(ctx, grad):  # d relu(a)/da = 1 if a > 0 else 0 (and 1 at nan, as in PyTorch)
        (out,) = ctx.saved_tensors
        if type(out) in (int, float):  # Value (a float: scalar_math.maximum; numpy scalars are arrays here)
            return 0.0 if out <= 0 else grad
        return masked(ctx, grad, out != 0)  # out = max(a, 0) is > 0, 0 or nan: one comparison, and nan passes

register("relu", Relu, scalar=True, inplace=True)


class Clamp(Function):
    rule = Rule("out = clamp(a, min, max)", ("d/da = 1 inside [min, max], 0 where clipped",),
                "The gradient passes where the value was not clipped.")
    name = node_name("ClampBackward1")  # (number bounds; clamp_min and clamp_max: ClampMinBackward0...)

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
        inside = a >= low if low is not None else None
        if high is not None:
            inside = a <= high if inside is None else inside & (a <= high)
        return grad if inside is None else masked(ctx, grad, inside)


def clamp(input, min=None, max=None):
    """Limit every element to [min, max] (either may be None); the dtype is promoted as for a + min."""
    if min is None and max is None:
        raise ArgumentError("clamp: at least one of min and max must be given")
    if type(input) is not Tensor or input._data.dtype.kind != "f" or not (
            type(min) in _PLAIN_BOUNDS and type(max) in _PLAIN_BOUNDS):  # else: floats clamped by numbers
        bounds = [b for b in (min, max) if b is not None]
        numbers = not any(isinstance(b, Tensor) for b in bounds)
        input, *bounds = promote("clamp", input, *bounds)
        if numbers and input.dtype.kind == "b":  # (a bool tensor between bool numbers: PyTorch has no kernel)
            raise DTypeError("clamp: not implemented for bool tensors with bool bounds, as in PyTorch; "
                             "convert with .int() first")
        min, max = (bounds.pop(0) if b is not None else None for b in (min, max))
    if any(isinstance(b, Tensor) and b.requires_grad for b in (min, max)):
        # bounds that need a gradient get it where they won (PyTorch's rule), made of where; the input
        # gets it only where min <= input <= max (none at a nan, as PyTorch)
        inside = (input >= min) if min is not None else None
        if max is not None:
            inside = (input <= max) if inside is None else inside & (input <= max)
        out = where(inside, input, input.detach())
        for bound, passed in ((min, lambda: input < min), (max, lambda: out > max)):
            if bound is not None:
                out = where(passed(), bound, out)
                if isinstance(bound, Tensor):  # a nan bound gives nan, and gets no gradient (as PyTorch)
                    out = where(bound != bound, bound.detach(), out)
        return out
    return Clamp.apply(input, min=raw(min), max=raw(max))


_PLAIN_BOUNDS = (type(None), float, int)


register(("clamp", "clip"), clamp, inplace=True)
register("clamp_min", lambda input, min: overloaded(clamp(input, min=min), "ClampMinBackward0", Clamp), inplace=True)
register("clamp_max", lambda input, max: overloaded(clamp(input, max=max), "ClampMaxBackward0", Clamp), inplace=True)


# ----------------------------------------------------------------- composites (their gradients come free)


_add, _sub = binary_front(Add.apply, "add"), binary_front(Sub.apply, "sub", refuse_bool=True)


@register("add", inplace=True)
def add(input, other, *deprecated, alpha=1):
    """input + alpha * other (also PyTorch's deprecated add(input, alpha, other) of older code, with its warning)."""
    if deprecated:
        alpha, other = number_first("add", (other,) + deprecated, "Tensor other", "Tensor other, *, Number alpha = 1")
    if alpha != 1 and isinstance(other, Tensor) and isinstance(input, Tensor):  # the result's dtype is a + b's
        kinds = input.dtype.kind + other.dtype.kind
        if isinstance(alpha, float) and "f" not in kinds and "c" not in kinds:
            raise DTypeError(f"add: for integral input tensors, argument alpha must not be a floating point number "
                             f"(got alpha={alpha} for {input.dtype} and {other.dtype})")
        if kinds == "bb":
            return _add(input, other if alpha else other & False)  # (bools: a or (b and alpha))
        if other.dtype.kind == "b":
            other = other.to(input.dtype)  # (int32 + bool * 2 is int32, not bool * 2's int64)
    return _add(input, other if alpha == 1 else other * alpha)


@register(("sub", "subtract"), inplace=True)
def sub(input, other, *deprecated, alpha=1):
    """input - alpha * other (also PyTorch's deprecated sub(input, alpha, other), with its warning)."""
    if deprecated:
        alpha, other = number_first("sub", (other,) + deprecated, "Tensor other", "Tensor other, *, Number alpha = 1")
    return _sub(input, other if alpha == 1 else other * alpha)


def number_first(name, args, tensors, instead):
    """PyTorch's deprecated overloads that put a number before the tensors (``p.data.add_(-lr, grad)``,
    ``v.addcmul_(1 - beta2, g, g)`` in optimizers written before PyTorch 1.5): (the number, *the tensors),
    with PyTorch's warning; anything else is refused as PyTorch refuses it."""
    number, rest = args[0], args[1:]
    if not isinstance(number, (int, float)) or isinstance(number, bool) or \
            not all(isinstance(t, Tensor) for t in rest) or len(rest) != tensors.count("Tensor"):
        raise TypeError(f"{name}() received an invalid combination of arguments: got {len(args)} positional "
                        f"arguments after input; use {name}(input, {instead})")
    caller.warn(f"This overload of {name} is deprecated:\n\t{name}(Number {'value' if 'value' in instead else 'alpha'}, "
                f"{tensors})\nConsider using one of the following signatures instead:\n\t{name}({instead})")
    return (number,) + rest


@register("rsqrt", inplace=True)
def rsqrt(input):
    """1 / sqrt(x)."""
    return 1 / Sqrt.apply(input)


@register("square", inplace=True)
def square(input):
    if input.dtype.kind == "b":  # bool squares as int64, as in PyTorch
        input = input.to(host.int64)
    return Pow.apply(input, 2)  # (PyTorch's node too: PowBackward0)


def _operands(input, other):
    """(input, other) with input made a tensor when neither is one (ag.floor_divide(7, 2))."""
    return (input, other) if isinstance(other, Tensor) else (as_tensor(input), other)


def _integer(a, b, name):
    """Do promoted operands divide as integers? (Two bools don't divide at all, as in PyTorch.)"""
    kinds = [x.dtype.kind if isinstance(x, Tensor) else "b" if isinstance(x, bool) else
             "f" if isinstance(x, float) else "i" for x in (a, b)]
    if kinds == ["b", "b"]:
        raise DTypeError(f"{name}: not implemented for bool tensors; convert with .int() first")
    return "f" not in kinds


@register("floor_divide", inplace=True)
def floor_divide(input, other):
    """a // b, rounding down like Python (integers stay integers)."""
    a, b = promote("floor_divide", *_operands(input, other))
    if _integer(a, b, "floor_divide"):
        return FloorDivide.apply(a, b)
    return FloatFloorDivide.apply(a, b)


@register("remainder", inplace=True)
def remainder(input, other):
    """a % b with the sign of b, like Python and torch.remainder: a - b * floor(a / b)."""
    a, b = promote("remainder", *_operands(input, other))
    if _integer(a, b, "remainder"):
        return Remainder.apply(a, b)
    a = float(a) if isinstance(a, bool) else a
    return FloatRemainder.apply(a, b)


@register("fmod", inplace=True)
def fmod(input, other):
    """C's remainder, a - b * trunc(a / b): the sign of a (``remainder`` takes b's), as torch.fmod."""
    a, b = promote("fmod", *_operands(input, other))
    if _integer(a, b, "fmod"):
        _check_divisor("fmod", raw(a), raw(b))
    return Fmod.apply(a, b)


@register(("div", "divide"), inplace=True)
def div(input, other, *, rounding_mode=None):
    """input / other; rounding_mode 'trunc' rounds towards zero, 'floor' down (integers stay integers)."""
    if rounding_mode is None:
        return true_divide(input, other)
    if rounding_mode == "floor":
        return floor_divide(input, other)
    if rounding_mode != "trunc":
        raise ValueError(f"div: rounding_mode must be None, 'trunc' or 'floor', got {rounding_mode!r}")
    a, b = promote("div", *_operands(input, other))
    if _integer(a, b, "div"):
        return TruncDivide.apply(a, b)
    return (a / b).trunc()


class TruncDivide(NonDifferentiable):
    """Integer a / b rounded towards zero, as C does (no gradient: integers)."""

    def forward(ctx, a, b):
        if ctx.xp.any(ctx.xp.asarray(b) == 0):
            raise RuntimeError("div: integer division by zero (rounding_mode='trunc'); divide floats, "
                               "or mask the zeros first")
        q = ctx.xp.floor_divide(a, b)
        inexact = (ctx.xp.remainder(a, b) != 0) & ((ctx.xp.asarray(a) < 0) != (ctx.xp.asarray(b) < 0))
        return ctx.xp.where(inexact, q + 1, q).astype(host.result_type(q), copy=False)


def _check_divisor(name, a, b):
    """Integer division by zero has no answer: refuse it, as PyTorch does (numpy would give 0)."""
    if by_input.size(a) and by_input.size(b) and by_input.any(b == 0):
        raise RuntimeError(f"{name}: ZeroDivisionError: integer division by zero (the divisor holds 0); "
                           "divide floating-point tensors (a.float()) to get inf or nan instead")


class FloorDivide(NonDifferentiable):
    """Integer a // b (no gradient: integers)."""

    def forward(ctx, a, b):
        _check_divisor("floor_divide", a, b)
        return ctx.xp.floor_divide(a, b)


class Remainder(NonDifferentiable):
    """Integer a % b with the sign of b (no gradient: integers)."""

    def forward(ctx, a, b):
        _check_divisor("remainder", a, b)
        return ctx.xp.remainder(a, b)


class FloatFloorDivide(Function):
    """a // b for floats: (a - fmod(a, b)) / b, then rounded (PyTorch's and numpy's kernel; floor(a / b)
    would round a / b first: 5.0 // 0.1 is 49, not 50). Flat: no gradient, as torch.div(rounding_mode="floor")."""

    rule = Rule("out = floor(a / b)", ("d/da = 0", "d/db = 0"), "Rounding down is flat: no gradient flows.")

    def forward(ctx, a, b):
        return ctx.xp.floor_divide(a, b)

    def backward(ctx, grad):
        need_a, need_b = ctx.needs_input_grad
        return (no_gradient(ctx, grad) if need_a else None), (no_gradient(ctx, grad) if need_b else None)


class FloatRemainder(Function):
    """a % b for floats, with the sign of b: fmod, then + b where a non-zero remainder's sign differs
    from b's (PyTorch's kernel: exact, where a - b * floor(a / b) rounds; a zero keeps fmod's sign,
    -7.5 % 2.5 is -0.0 as in PyTorch, where numpy's remainder gives 0.0)."""

    rule = Rule("out = a - b * floor(a / b)  (the remainder, with the sign of b)", ("d/da = 1", "d/db = -floor(a / b)"),
                "The remainder moves one for one with a; b's gradient counts the b's taken away.")

    def forward(ctx, a, b):
        ctx.save_for_backward(*((a, b) if ctx.needs_input_grad[1] else ()))  # (d/da = 1 needs neither)
        xp = ctx.xp
        mod = xp.fmod(a, b)
        return xp.where((mod != 0) & ((mod < 0) != (b < 0)), mod + b, mod)

    def backward(ctx, grad):  # d/da = 1 (also where b = 0, as PyTorch), d/db = -(a // b)
        need_a, need_b = ctx.needs_input_grad
        grad_b = None
        if need_b:
            a, b = ctx.saved_tensors
            steps = a // b if isinstance(a, Variable) or isinstance(b, Variable) else ctx.xp.floor_divide(a, b)
            grad_b = -grad * steps
        return (grad if need_a else None), grad_b


class Fmod(Function):
    """fmod(a, b): exact, with the sign of a (numpy's and PyTorch's kernel)."""

    rule = Rule("out = fmod(a, b) = a - b * trunc(a / b)", ("d/da = 1", "d/db = -trunc(a / b)"),
                "C's remainder moves one for one with a; b's gradient counts the b's taken away, towards zero.")

    def forward(ctx, a, b):
        ctx.save_for_backward(*((a, b) if ctx.needs_input_grad[1] else ()))  # (d/da = 1 needs neither)
        return ctx.xp.fmod(a, b)

    def backward(ctx, grad):  # d/da = 1, d/db = -trunc(a / b) (PyTorch's)
        need_a, need_b = ctx.needs_input_grad
        grad_b = None
        if need_b:
            a, b = ctx.saved_tensors
            quotient = a / b
            grad_b = -grad * (quotient.trunc() if isinstance(quotient, Variable) else ctx.xp.trunc(quotient))
        return (grad if need_a else None), grad_b


operator("__floordiv__", floor_divide, reflected="__rfloordiv__")
operator("__mod__", remainder, reflected="__rmod__")


def where(condition, input, other):
    """Pick ``input`` where ``condition`` holds, else ``other`` (gradients follow the picks)."""
    cond = raw(condition)
    if not is_array(cond) or cond.dtype.kind not in "bu":
        what = f"dtype {cond.dtype}" if is_array(cond) else type(cond).__name__
        raise DTypeError(f"where: condition must be a bool tensor, got {what}; compare first (x > 0)")
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        input = as_tensor(input, condition)  # (on the condition's device)
    input, other = promote("where", input, other)
    return Where.apply(cond.astype(bool, copy=False), input, other)


register("where", where, method=lambda self, condition, other: where(condition, self, other))


def matmul(input, other):
    """Matrix product of 1-D, 2-D or batched (broadcast) tensors, as torch.matmul."""
    if type(input) is not Tensor or type(other) is not Tensor:
        for position, name, x in ((1, "input", input), (2, "other", other)):
            if type(x) in (int, float, complex, bool):  # (`t @ 2`: PyTorch's TypeError, not a shape error)
                raise TypeError(f"matmul(): argument '{name}' (position {position}) must be Tensor, not "
                                f"{type(x).__name__}; for a product with a number use *")
        if getattr(input, "is_sparse", False) is True or getattr(other, "is_sparse", False) is True:
            from .sparse import mm  # noqa: PLC0415  (a sparse COO factor: sparse.py)

            return mm(input, other)
    input, other = as_tensor(input), as_tensor(other)
    if input.dtype.kind == "b" or other.dtype.kind == "b":
        raise DTypeError(f"matmul: not implemented for bool tensors (got {input.dtype} and {other.dtype}), as in "
                         "PyTorch; convert with .int() or .float() first")
    return MatMul.apply(input, other)


register(("matmul", "mm", "bmm", "dot"), matmul)


@register("chain_matmul", method=False)
def chain_matmul(*matrices):
    """The product of the 2-D ``matrices`` (torch.chain_matmul, deprecated there for linalg.multi_dot, with
    its warning; one matrix is returned as a copy)."""
    caller.warn("torch.chain_matmul is deprecated and will be removed in a future PyTorch release. Use "
                "torch.linalg.multi_dot instead, which accepts a list of two or more tensors rather than multiple "
                "parameters.")
    from ..linalg import multi_dot  # noqa: PLC0415  (linalg imports the ops)

    for i, m in enumerate(matrices):
        if as_tensor(m).ndim != 2:
            raise RuntimeError(f"chain_matmul(): Expected all tensors to be 2D but tensor {i} is "
                               f"{as_tensor(m).ndim}D")
    return as_tensor(matrices[0]).clone() if len(matrices) == 1 else multi_dot(matrices)
operator("__matmul__", matmul, reflected="__rmatmul__")


@register(("outer", "ger"))
def outer(input, vec2):
    """The outer product of two vectors: out[i, j] = input[i] * vec2[j]."""
    input, vec2 = as_tensor(input), as_tensor(vec2)
    for what, v in (("input", input), ("vec2", vec2)):
        if v.ndim != 1:
            raise ShapeError(f"outer: expected a 1-d {what}, got shape {tuple(v.shape)}")
    return input.reshape(-1, 1) * vec2.reshape(1, -1)


def linear(input, weight, bias=None):
    """``y = x @ W^T + b`` with weight ``(out_features, in_features)``; x is ``(*, in_features)``
    (Linear.forward checks the shapes)."""
    return Linear.apply(input, weight, bias)  # x @ W^T + b, fused: (*, out)


register("__pos__", lambda self: self, function=False)
