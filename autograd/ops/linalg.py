"""Linear algebra: torch.norm (and Tensor.norm), torch.linalg's norm, vector_norm and
matrix_norm, torch.einsum, and the inverse, determinant and solve (batched over leading dims).

    vector_norm(x, p) = (sum |x_i|^p)^(1/p);  p = inf: max |x_i|;  p = 0: how many x_i != 0
    matrix_norm(A, 'fro') = sqrt(sum A_ij^2);  'nuc': the sum of A's singular values;  2: the largest
    einsum('ij,jk->ik', a, b) = sum_j a_ij b_jk, for any subscripts

The vector norm is one Function with PyTorch's gradient (0 where the norm is 0, no NaN);
matrix norms are built from it, from reductions, and from the singular values.
"""
import math
import numbers
import warnings

from ..backend import by_input, get_array_module, host, is_array

from ..function import Function, Rule, ShapeError, View, register
from ..graph import Variable
from ..node_names import node_name
from ..tensor import Tensor
from .args import ArgumentError, OutOfRangeError, axes, broadcast_shape, dim_arg, is_int, pick
from .math import Where
from .promote import DTypeError
from .reduce import keepdims_shape, reduced
from .shape import IndexAdd, fitted, stack


class VectorNorm(Function):
    rule = Rule("out = (sum |a_i|^p)^(1/p)", ("d/da_i = sign(a_i) |a_i|^(p-1) / out^(p-1)   (p = 2: a_i / out)",),
                "Each element's gradient points along itself, weighted by its share of the norm.")
    name = node_name("LinalgVectorNormBackward0")

    def forward(ctx, a, ord, axis, keepdims):
        x = ctx.xp.abs(a)
        if ord == math.inf:
            out = x.max(axis=axis, keepdims=True)
        elif ord == -math.inf:
            out = x.min(axis=axis, keepdims=True)
        elif ord == 0:
            out = (x != 0).sum(axis=axis, keepdims=True).astype(a.dtype)
        elif ord == 1:
            out = x.sum(axis=axis, keepdims=True)
        elif ord == 2:
            out = ctx.xp.sqrt((x * x).sum(axis=axis, keepdims=True))
        else:
            with host.errstate(divide="ignore"):
                out = ((x ** ord).sum(axis=axis, keepdims=True) ** (1.0 / ord)).astype(a.dtype, copy=False)
        out = reduced(out, a.shape, axis, keepdims)
        ctx.ord, ctx.axis = ord, axis
        ctx.save_for_backward(a, out)
        return out

    def backward(ctx, grad):  # PyTorch's linalg_vector_norm_backward
        a, norm = ctx.saved_tensors
        xp, p = ctx.xp, ctx.ord
        keep = keepdims_shape(a.shape, ctx.axis)
        grad, norm = grad.reshape(keep), norm.reshape(keep)
        if p == 0:
            return a * 0 * grad
        if p == 1:
            return xp.sign(a) * grad
        if p == 2:
            with host.errstate(divide="ignore", invalid="ignore"):
                return grad * xp.where(norm == 0, 0.0, a / norm)
        if math.isinf(p):  # the elements at the extreme |a| share the gradient (NaN counts too)
            mask = (xp.abs(a) == norm) | (a != a)
            count = mask.sum(axis=ctx.axis, keepdims=True)
            if not isinstance(count, Variable):  # (numpy: an int64 count would make the gradient float64)
                count = count.astype(a.dtype)
            return xp.sign(a) * (grad / count) * mask
        with host.errstate(divide="ignore", invalid="ignore"):
            if p < 1:
                scaled = xp.where(a == 0, 0.0, xp.sign(a) * xp.abs(a) ** (p - 1))
                return scaled * grad * norm ** (1 - p)
            scaled = a * xp.abs(a) ** (p - 2) if p >= 2 else xp.sign(a) * xp.abs(a) ** (p - 1)
            return scaled * xp.where(norm == 0, 0.0, grad / norm ** (p - 1))


class SingularValues(Function):
    """The singular values of each matrix in the last two dims, largest first."""

    rule = Rule("out = svdvals(A)", ("d s_i / dA = u_i v_i^T",),
                "Each singular value grows along the outer product of its singular vectors.")

    def forward(ctx, a):
        u, s, vh = ctx.xp.linalg.svd(a, full_matrices=False)
        ctx.save_for_backward(u, vh)
        return s

    def backward(ctx, grad):  # dA = U diag(G) V^T (singular values assumed distinct)
        if isinstance(grad, Variable):
            raise RuntimeError("svdvals: gradients of gradients (create_graph=True) are not implemented")
        u, vh = ctx.saved_tensors
        return (u * grad[..., None, :]) @ vh


def _float_input(op, input, dtype):
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected a tensor, got {type(input).__name__}")
    if dtype is not None:
        dtype = host.dtype(dtype)
        if dtype.kind != "f":
            raise DTypeError(f"{op}: dtype should be floating point, got {dtype}")
        if input.dtype.kind == "f" and dtype.itemsize < input.dtype.itemsize:
            raise DTypeError(f"{op}: the input's dtype ({input.dtype}) can't be narrowed to dtype={dtype}")
        input = input.to(dtype)
    if input.dtype.kind != "f":
        raise DTypeError(f"{op}: expected a floating-point tensor, got dtype {input.dtype}; use .float() first")
    return input


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """(sum |x_i|^ord)^(1/ord) over ``dim`` (all elements by default); ord may be inf, -inf or 0."""
    x = _float_input("linalg.vector_norm", x, dtype)
    if isinstance(ord, bool) or not isinstance(ord, numbers.Real):
        raise TypeError(f"linalg.vector_norm: ord must be a number, got {type(ord).__name__} {ord!r}")
    _, keepdim = pick(None, None, keepdim, None, "linalg.vector_norm")
    axis = axes(dim, x.ndim, "linalg.vector_norm")
    if ord < 0 or math.isinf(ord):
        sizes = x.shape if axis is None else [x.shape[a] for a in axis]
        if 0 in sizes:
            raise ArgumentError(f"linalg.vector_norm: the {ord} norm of an empty tensor (shape {tuple(x.shape)}) "
                                "over its empty dims is undefined")
    return VectorNorm.apply(x, ord=float(ord), axis=axis, keepdims=keepdim)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    """A matrix norm over the two dims ``dim``: 'fro', 'nuc', inf, -inf, 1, -1, 2 or -2."""
    op = "linalg.matrix_norm"
    A = _float_input(op, A, dtype)
    if ord not in ("fro", "nuc", 2, -2, 1, -1, math.inf, -math.inf) or isinstance(ord, bool):
        raise ArgumentError(f"{op}: ord {ord!r} is not supported; use 'fro', 'nuc', inf, -inf, 1, -1, 2 or -2")
    if not isinstance(dim, (tuple, list)) or len(dim) != 2:
        raise ShapeError(f"{op}: dim must be a 2-tuple of dims, got {dim!r}")
    d0, d1 = (dim_arg(d, A.ndim, op) for d in dim)
    if A.ndim < 2:
        raise ShapeError(f"{op}: the input must have at least 2 dimensions, got shape {tuple(A.shape)}")
    if d0 == d1:
        raise ShapeError(f"{op}: the two dims must be different, got {tuple(dim)}")
    _, keepdim = pick(None, None, keepdim, None, op)
    if ord == "fro":
        return VectorNorm.apply(A, ord=2.0, axis=tuple(sorted((d0, d1))), keepdims=keepdim)
    if ord in ("nuc", 2, -2):
        moved = A.movedim((d0, d1), (-2, -1)) if (d0, d1) != (A.ndim - 2, A.ndim - 1) else A
        if 0 in moved.shape[-2:] and ord != -2:  # an empty matrix: no singular values, norm 0
            out = moved.sum((-2, -1)) * 0
            return out.unsqueeze(min(d0, d1)).unsqueeze(max(d0, d1)) if keepdim else out
        s = SingularValues.apply(moved)  # (*, min(m, n))
        out = s.sum(-1) if ord == "nuc" else s.amax(-1) if ord == 2 else s.amin(-1)
        if keepdim:
            out = out.unsqueeze(min(d0, d1)).unsqueeze(max(d0, d1))
        return out
    if A.numel() == 0 and ord > 0:  # the largest sum over nothing: 0, as PyTorch gives
        out = A.sum((d0, d1), keepdim=True) * 0
        return out if keepdim else out.squeeze((d0, d1))
    # 1: the largest column sum of |A| (over rows d0); inf: the largest row sum (over columns d1)
    summed, kept = (d0, d1) if abs(ord) == 1 else (d1, d0)
    sums = A.abs().sum(summed, keepdim=True)
    out = sums.amax(kept, keepdim=True) if ord > 0 else sums.amin(kept, keepdim=True)
    return out if keepdim else out.squeeze((d0, d1))


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    """torch.linalg.norm: a vector norm over one dim (or of the flattened tensor when both ord and
    dim are None), a matrix norm over two dims (or of a 2-d input when ord is given)."""
    if dim is not None:
        dims = tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)
        if len(dims) == 1:
            if isinstance(ord, str):
                raise ShapeError(f"linalg.norm: ord={ord!r} is a matrix norm; it needs dim to be a 2-tuple, got {dim!r}")
            return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)
        return matrix_norm(A, "fro" if ord is None else ord, dims, keepdim, dtype=dtype)
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    if A.ndim not in (1, 2):
        raise ShapeError(f"linalg.norm: if dim is not given but ord is, the input must be 1-d or 2-d, got "
                         f"shape {tuple(A.shape)}; give dim")
    if A.ndim == 1:
        if isinstance(ord, str):
            raise ShapeError(f"linalg.norm: ord={ord!r} is a matrix norm but the input is 1-d")
        return vector_norm(A, ord, None, keepdim, dtype=dtype)
    return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)


@register("norm")
def tensor_norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """torch.norm / Tensor.norm: the 2-norm of all elements by default; p a number for a vector norm
    over ``dim``, 'fro' (2-norm) or 'nuc' (nuclear, over two dims)."""
    if isinstance(p, str):
        if p == "fro" and (dim is None or not isinstance(dim, (tuple, list)) or len(dim) <= 2):
            return vector_norm(input, 2, dim, keepdim, dtype=dtype)
        return matrix_norm(input, p, tuple(range(input.ndim)) if dim is None else dim, keepdim, dtype=dtype)
    return vector_norm(input, 2.0 if p is None else p, dim, keepdim, dtype=dtype)


@register("dist")
def dist(input, other, p=2):
    """The p-norm of input - other (broadcast), as torch.dist."""
    return vector_norm(input - other, p)


# --------------------------------------------------------------------- einsum


class Einsum(Function):
    """out = einsum(subscripts, *operands), the subscripts already made explicit (no '...')."""

    rule = Rule("out = einsum('ij,jk->ik', a, b)", ("d/da = einsum('ik,jk->ij', G, b), and so on",),
                "Each operand's gradient is the same contraction with G in the output's place.")

    def forward(ctx, *arrays, inputs, output):
        ctx.inputs, ctx.output, ctx.shapes = inputs, output, [a.shape for a in arrays]
        ctx.save_for_backward(*(arrays if len(arrays) > 1 else ()))  # (one operand's gradient needs only G)
        spec = ",".join(inputs) + "->" + output
        return ctx.xp.einsum(spec, *arrays, optimize=len(arrays) > 1)

    def backward(ctx, grad):
        arrays = ctx.saved_tensors
        grads = []
        for k, need in enumerate(ctx.needs_input_grad):
            grads.append(_operand_grad(ctx, grad, arrays, k) if need else None)
        return tuple(grads)


class EinsumView(View):
    """einsum of one operand that numpy answers with a view of it (a transpose, a diagonal: 'ij->ji', 'ii->i'):
    the output is a view, sharing the operand's version counter, as PyTorch's (its einsum returns a permuted or
    strided view there); changed in place, the operand changes, and what a graph saved of it is checked."""

    rule = Einsum.rule
    forward = Einsum.forward
    backward = Einsum.backward

    @classmethod
    def name(cls):
        return "EinsumBackward0"


def _contract(inputs, output, operands):
    if any(isinstance(x, Variable) for x in operands):
        return Einsum.apply(*operands, inputs=tuple(inputs), output=output)
    return by_input.einsum(",".join(inputs) + "->" + output, *operands, optimize=len(operands) > 1)


def _operand_grad(ctx, grad, arrays, k):
    """The gradient of operand k: contract G with the other operands onto k's subscripts, then
    spread over the letters only k had (summed in the forward pass) and onto its diagonals."""
    target, shape = ctx.inputs[k], ctx.shapes[k]
    others = [s for j, s in enumerate(ctx.inputs) if j != k]
    letters = "".join(dict.fromkeys(target))  # each letter once, in order
    present = "".join(c for c in letters if c in ctx.output or any(c in s for s in others))
    part = _contract([ctx.output] + others, present, [grad] + [a for j, a in enumerate(arrays) if j != k])
    size = {c: n for c, n in zip(target, shape)}
    if present != letters:  # letters summed away in the forward pass: their gradient is broadcast
        view = tuple(part.shape[present.index(c)] if c in present else 1 for c in letters)
        full = tuple(part.shape[present.index(c)] if c in present else size[c] for c in letters)
        part = part.reshape(view)
        part = part.expand(*full) if isinstance(part, Variable) else by_input.broadcast_to(part, full)
    if letters == target:
        return part
    # repeated letters (a diagonal, 'ii->i'): put the values on the diagonal of a zero tensor
    xp = part._xp if isinstance(part, Variable) else get_array_module(part)
    grids = xp.ix_(*[xp.arange(size[c]) for c in letters])
    index = tuple(grids[letters.index(c)] for c in target)
    if isinstance(part, Variable):
        return IndexAdd.apply(part, shape, index)
    out = xp.zeros(shape, dtype=part.dtype)
    out[index] = part
    return out


_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _parse(equation, operands):
    """'...ij,jk' -> (['Zij', 'jk'], 'Zik'): every '...' replaced by letters, the output made explicit."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(operands):
        more = "more" if len(operands) > len(terms) else "fewer"
        raise ArgumentError(f"einsum: {more} operands ({len(operands)}) were given than the equation "
                            f"{equation!r} has terms ({len(terms)})")
    for pos, c in enumerate(eq):
        if c not in _LETTERS and c not in ".,->":
            raise ArgumentError(f"einsum: invalid subscript {c!r} at index {pos} of {equation!r}; "
                                "subscripts must be in [a-zA-Z]")
    spare = [c for c in _LETTERS if c not in eq]
    counts = []
    for term, t in zip(terms, operands):
        named = term.replace("...", "")
        if "." in named or term.count("...") > 1:
            raise ArgumentError(f"einsum: malformed ellipsis in {term!r}")
        if ("..." in term and len(named) > t.ndim) or ("..." not in term and len(named) != t.ndim):
            raise ShapeError(f"einsum: the term {term!r} has {len(named)} subscripts but operand of shape "
                             f"{tuple(t.shape)} has {t.ndim} dimensions" + ("" if "..." in term else
                                                                           " and no ellipsis was given"))
        counts.append(t.ndim - len(named) if "..." in term else 0)
    width = max(counts) if counts else 0
    ell = "".join(spare[:width])
    inputs = [term.replace("...", ell[width - n:]) for term, n in zip(terms, counts)]
    if arrow:
        if rhs.count("...") > 1 or "." in rhs.replace("...", ""):
            raise ArgumentError(f"einsum: malformed ellipsis in the output {rhs!r}")
        output = rhs.replace("...", ell)
        for c in output:
            if output.count(c) > 1:
                raise ArgumentError(f"einsum: output subscript {c} appears more than once in the output")
            if not any(c in s for s in inputs):
                raise ArgumentError(f"einsum: output subscript {c} does not appear in any input term")
    else:
        joined = "".join(t.replace("...", "") for t in terms)
        output = ell + "".join(sorted(c for c in set(joined) if joined.count(c) == 1))
    sizes = {}
    for k, (term, t) in enumerate(zip(inputs, operands)):
        for c, n in zip(term, t.shape):
            if c in sizes and n != sizes[c] and 1 not in (n, sizes[c]):
                raise ShapeError(f"einsum: subscript {c} has size {n} for operand {k} which does not broadcast "
                                 f"with the size {sizes[c]} seen before")
            if term.count(c) > 1 and n != t.shape[term.index(c)]:
                raise ShapeError(f"einsum: subscript {c} is repeated for operand {k} but the sizes differ")
            sizes[c] = n if c not in sizes or sizes[c] == 1 else sizes[c]
    return inputs, output


def einsum(equation, *operands):
    """Sum of products over the subscripts that leave the output: einsum('ij,jk->ik', a, b) is a @ b;
    '...' stands for the broadcast leading dims; without '->' the output is the letters seen once,
    in alphabetical order. PyTorch's sublist form ``einsum(a, [0, 1], b, [1, 2], [0, 2])`` (integers for
    letters, Ellipsis for '...') is the same equation written with lists."""
    if isinstance(equation, Tensor):
        equation, operands = _sublist_equation((equation,) + operands)
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not isinstance(equation, str) or not operands:
        raise ArgumentError("einsum: give the equation string and at least one operand")
    for i, t in enumerate(operands):
        if not isinstance(t, Tensor):
            raise TypeError(f"einsum: operand {i} must be a tensor, got {type(t).__name__}")
        if t.dtype != operands[0].dtype:
            raise DTypeError(f"einsum: all operands must have one dtype, got {operands[0].dtype} and {t.dtype}")
    inputs, output = _parse(equation, operands)
    if len(operands) == 1:  # (a view where numpy returns one: EinsumView)
        return EinsumView.apply(operands[0], inputs=tuple(inputs), output=output)
    return Einsum.apply(*operands, inputs=tuple(inputs), output=output)


def _sublist_equation(args):
    """(equation, operands) from the sublist form: operand, sublist, operand, sublist, ..., [output sublist]."""
    output = args[-1] if len(args) % 2 else None
    pairs = args[:-1] if len(args) % 2 else args
    operands, sublists = pairs[0::2], pairs[1::2]
    if not all(isinstance(t, Tensor) for t in operands) or not all(isinstance(s, (list, tuple)) for s in sublists):
        raise ArgumentError("einsum: the sublist form is operand, list of subscripts, operand, list, ... and an "
                            "optional output list at the end")

    def letters(sublist):
        out = []
        for s in sublist:
            if s is Ellipsis:
                out.append("...")
            elif is_int(s) and 0 <= s < 52:
                out.append("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"[s])  # (PyTorch's: 0 is A)
            else:
                raise ArgumentError(f"einsum: subscript in subscript list is not within the valid range [0, 52), got {s!r}")
        return "".join(out)

    equation = ",".join(letters(s) for s in sublists) + ("" if output is None else "->" + letters(output))
    return equation, operands


register("einsum", einsum, method=False)


# --------------------------------------------------------------------- inverse, det, solve


def _square(op, a):
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ShapeError(f"{op}: A must be batches of square matrices, but they are {a.shape[-2] if a.ndim > 1 else '?'} "
                         f"by {a.shape[-1] if a.ndim else '?'} matrices (shape {a.shape})")


def _mT(x):
    return x.swapaxes(-1, -2)


class Inverse(Function):
    rule = Rule("out = A^-1", ("d/dA: -A^-T @ G @ A^-T",), "The inverse's gradient is sandwiched by the inverse.", ("A",))
    name = node_name("LinalgInvExBackward0")

    def forward(ctx, a):
        _square("inv", a)
        try:
            out = ctx.xp.linalg.inv(a)
        except ctx.xp.linalg.LinAlgError:
            raise ValueError("inv: the matrix is singular (not invertible)") from None
        ctx.save_for_backward(out)
        return out

    def backward(ctx, grad):  # d(A^-1) = -A^-1 dA A^-1  ->  dA = -A^-T G A^-T
        (inv,) = ctx.saved_tensors
        return -(_mT(inv) @ grad @ _mT(inv))


register("inverse", Inverse)


class Det(Function):
    rule = Rule("out = det(A)", ("d/dA: G * det(A) * A^-T",), "Jacobi's formula.", ("A",))
    name = node_name("LinalgDetBackward0")

    def forward(ctx, a):
        _square("det", a)
        out = ctx.xp.linalg.det(a)
        ctx.save_for_backward(a, out)
        return out

    def backward(ctx, grad):  # Jacobi: d det(A) / dA = det(A) A^-T
        a, out = ctx.saved_tensors
        scale = (grad * out)[..., None, None]
        if is_array(a):
            return scale * _mT(by_input.linalg.inv(a))
        return scale * _mT(a.inverse())


register("det", Det)


@register("matrix_power")
def matrix_power(input, n):
    """A^n of a (batch of) square matrices, composed from matmuls as PyTorch composes it (so the gradient is
    matmul's and the roundings are PyTorch's): n = 0 the identity, n < 0 the power of the inverse, n = 2 and 3
    left to right, larger n by binary powers (A, A^2, A^4... multiplied into the result lowest bit first)."""
    _square("matrix_power", _tensor("matrix_power", "input", input))
    if not is_int(n):
        raise TypeError(f"matrix_power(): argument 'n' must be int, not {type(n).__name__}")
    if n == 0:  # (PyTorch copies the identity into a clone of A: the result is in the graph, its gradient zero)
        from ..creation import eye
        identity = eye(input.shape[-1], dtype=input.dtype, device=input.device).expand(input.shape)
        return Where.apply(input._xp.zeros(input.shape, dtype=bool), input, identity)
    a = input
    if n < 0:
        a, n = input.inverse(), -n
    if n == 1:
        return a.clone()
    if n == 2:
        return a @ a
    if n == 3:
        return (a @ a) @ a
    z = result = None
    while n > 0:
        bit, n = n % 2, n // 2
        z = a if z is None else z @ z
        if bit:
            result = z if result is None else result @ z
    return result


class Solve(Function):
    rule = Rule("X = A^-1 B", ("d/dA: -(A^-T G) X^T", "d/dB: A^-T G"), "Solving is multiplying by the inverse.", ("A", "B"))
    name = node_name("LinalgSolveExBackward0")

    def forward(ctx, a, b):
        _square("solve", a)
        vector = b.ndim == a.ndim - 1
        try:
            out = ctx.xp.linalg.solve(a, b[..., None] if vector else b)
        except ctx.xp.linalg.LinAlgError:
            raise ValueError("solve: the matrix A is singular (not invertible)") from None
        out = out[..., 0] if vector else out
        ctx.vector = vector
        ctx.save_for_backward(a, out)
        return out

    def backward(ctx, grad):  # X = A^-1 B:  dB = A^-T G,  dA = -dB X^T
        a, x = ctx.saved_tensors
        if ctx.vector:
            grad, x = grad[..., None], x[..., None]
        if is_array(a):
            grad_b = by_input.linalg.solve(_mT(a), grad)
        else:
            grad_b = _mT(a).inverse() @ grad
        grad_a = -(grad_b @ _mT(x))
        return grad_a, (grad_b[..., 0] if ctx.vector else grad_b)


# ----------------------------------------------------------------- products made of matmul


def _tensor(op, what, x):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: {what} must be a tensor, got {type(x).__name__}")
    return x


def _same_dtype(op, *tensors, bools=True):
    """PyTorch's products take one dtype (and, but for ``bools``, no bool kernel)."""
    if any(t.dtype != tensors[0].dtype for t in tensors):
        raise DTypeError(f"{op}: expected tensors of one dtype, got {', '.join(str(t.dtype) for t in tensors)}; "
                         "convert them with .to(...) first")
    if not bools and tensors[0].dtype.kind == "b":
        raise DTypeError(f"{op}: not implemented for bool tensors; convert with .int() or .float() first")


@register("addmm", inplace=True)
def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """beta * input + alpha * (mat1 @ mat2), for matrices (input broadcasts to the product's shape; with
    beta = 0 input is ignored, nan and inf in it included)."""
    for what, m in (("mat1", mat1), ("mat2", mat2)):
        if _tensor("addmm", what, m).ndim != 2:
            raise ShapeError(f"addmm: {what} must be a matrix, got shape {tuple(m.shape)}")
    _same_dtype("addmm", _tensor("addmm", "input", input), mat1, mat2, bools=False)
    if mat1.shape[1] != mat2.shape[0]:
        raise ShapeError(f"addmm: mat1 and mat2 shapes cannot be multiplied ({mat1.shape[0]}x{mat1.shape[1]} and "
                         f"{mat2.shape[0]}x{mat2.shape[1]})")
    shape = (mat1.shape[0], mat2.shape[1])
    try:
        fits = host.broadcast_shapes(tuple(input.shape), shape) == shape
    except ValueError:
        fits = False
    if not fits:
        raise ShapeError(f"addmm: input of shape {tuple(input.shape)} does not broadcast to the product's "
                         f"shape {shape}")
    product = mat1 @ mat2  # (n, p)
    product = product if alpha == 1 else product * alpha
    if beta == 0:  # input ignored, but in the graph with a zero gradient (PyTorch's grad * beta)
        return Where.apply(product._xp.zeros(shape, dtype=bool), input, product)
    return (input if beta == 1 else input * beta) + product


@register("mv")
def mv(input, vec):
    """Matrix times vector: (n, m) @ (m,) -> (n,)."""
    if _tensor("mv", "input", input).ndim != 2 or _tensor("mv", "vec", vec).ndim != 1:
        raise OutOfRangeError(f"mv: expected a matrix and a vector, got shapes {tuple(input.shape)} and "
                              f"{tuple(vec.shape)}")
    _same_dtype("mv", input, vec, bools=False)
    return input @ vec


@register("inner")
def inner(input, other):
    """The sum of products over the last dims of both: (*a, k) and (*b, k) give (*a, *b); a 0-d
    operand multiplies."""
    if _tensor("inner", "input", input).ndim == 0 or _tensor("inner", "other", other).ndim == 0:
        return input * other
    _same_dtype("inner", input, other, bools=False)
    k = input.shape[-1]
    if other.shape[-1] != k:
        raise ShapeError(f"inner: the last dimension must match on both inputs, got shapes {tuple(input.shape)} "
                         f"and {tuple(other.shape)}")
    out = input.reshape(-1, k) @ other.reshape(-1, k).T  # (prod a, prod b)
    return out.reshape(tuple(input.shape[:-1]) + tuple(other.shape[:-1]))


@register("cross")
def cross(input, other, dim=None):
    """The cross product of 3-vectors along ``dim`` (inputs broadcast; by default the first dim of size
    3, as torch.cross, which warns about it; linalg.cross's default is -1)."""
    _tensor("cross", "input", input), _tensor("cross", "other", other)
    if input.ndim != other.ndim:
        raise ShapeError(f"cross: inputs must have the same number of dimensions, got shapes "
                         f"{tuple(input.shape)} and {tuple(other.shape)}")
    _same_dtype("cross", input, other)
    if input.ndim == 0:
        raise OutOfRangeError("cross: the inputs are 0-d; cross products need a dim of size 3")
    d = None if dim is None else dim_arg(dim, input.ndim, "cross")
    shape = broadcast_shape("cross", input.shape, other.shape)
    if dim is None:
        warnings.warn("cross: using it without specifying dim is deprecated (PyTorch's warning); pass dim "
                      "explicitly, or use linalg.cross (whose default is dim=-1)", UserWarning, stacklevel=2)
        d = next((i for i, n in enumerate(shape) if n == 3), None)
        if d is None:
            raise ShapeError(f"cross: no dimension of size 3 in the inputs' shape {shape}; give dim")
    if input.shape[d] != 3 or other.shape[d] != 3:
        raise ShapeError(f"cross: inputs dimension {d} must have length 3, got {input.shape[d]} and {other.shape[d]}")
    a, b = input.expand(*shape), other.expand(*shape)
    a0, a1, a2 = a.unbind(d)
    b0, b1, b2 = b.unbind(d)
    return stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], d)


@register("kron")
def kron(input, other):
    """The Kronecker product: every element of ``input`` times the whole of ``other``, in blocks
    (the shapes padded with leading 1s to one length)."""
    _tensor("kron", "input", input), _tensor("kron", "other", other)
    n = max(input.ndim, other.ndim)
    a_shape = (1,) * (n - input.ndim) + tuple(input.shape)
    b_shape = (1,) * (n - other.ndim) + tuple(other.shape)
    a = input.reshape([v for s in a_shape for v in (s, 1)])  # (a0, 1, a1, 1, ...)
    b = other.reshape([v for s in b_shape for v in (1, s)])  # (1, b0, 1, b1, ...)
    return (a * b).reshape([x * y for x, y in zip(a_shape, b_shape)])


@register("tensordot", method=False)
def tensordot(a, b, dims=2):
    """Sum of products over ``dims``: an int n (the last n dims of a with the first n of b), or two
    lists of dims ([dims of a], [dims of b]); the free dims of a, then of b."""
    _same_dtype("tensordot", _tensor("tensordot", "a", a), _tensor("tensordot", "b", b), bools=False)
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, (int, host.integer)) and not isinstance(dims, bool):
        if dims < 0:
            raise ArgumentError(f"tensordot: expects dims >= 0, but got dims={dims}")
        if dims > min(a.ndim, b.ndim):
            raise ArgumentError(f"tensordot: dims={dims} is more than the dims of a {tuple(a.shape)} or b "
                                f"{tuple(b.shape)}")
        dims_a, dims_b = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    elif isinstance(dims, (list, tuple)) and len(dims) == 2:
        dims_a, dims_b = ([d] if isinstance(d, int) else list(d) for d in dims)
        if len(dims_a) != len(dims_b):
            raise ShapeError(f"tensordot: both dimension lists should have the same length, got {dims_a} and {dims_b}")
        dims_a = [dim_arg(d, a.ndim, "tensordot") for d in dims_a]
        dims_b = [dim_arg(d, b.ndim, "tensordot") for d in dims_b]
    else:
        raise TypeError(f"tensordot: dims must be an int or a pair of lists of dims, got {dims!r}")
    for da, db in zip(dims_a, dims_b):  # (a size 1 against n: the other is summed over that dim, as PyTorch's)
        if a.shape[da] != b.shape[db]:
            if b.shape[db] == 1:
                a = a.sum(da, keepdim=True)
            elif a.shape[da] == 1:
                b = b.sum(db, keepdim=True)
            else:
                raise ShapeError(f"tensordot: contracted dimensions need to match, but a has size {a.shape[da]} in "
                                 f"dim {da} and b has size {b.shape[db]} in dim {db}")
    free_a = [d for d in range(a.ndim) if d not in dims_a]
    free_b = [d for d in range(b.ndim) if d not in dims_b]
    k = math.prod(a.shape[d] for d in dims_a)
    left = (a.permute(*free_a, *dims_a) if a.ndim else a).reshape(-1, k)  # (free of a, contracted)
    right = (b.permute(*dims_b, *free_b) if b.ndim else b).reshape(k, -1)  # (contracted, free of b)
    return fitted(left @ right, tuple(a.shape[d] for d in free_a) + tuple(b.shape[d] for d in free_b))


@register("cdist", method=False)
def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """The p-norm distance between each row of x1 (*, P, M) and each row of x2 (*, R, M): (*, P, R).
    Computed from the differences (PyTorch computes p = 2 with a matrix product when P or R > 25,
    which rounds differently for near points); the gradient is 0 where two rows coincide."""
    for what, x in (("x1", x1), ("x2", x2)):
        if _tensor("cdist", what, x).ndim < 2:
            raise ShapeError(f"cdist: only supports at least 2-d tensors, {what} has shape {tuple(x.shape)}")
        if x.dtype not in (host.float32, host.float64):
            raise DTypeError(f"cdist: only supports float32 and float64, {what} is {x.dtype}")
    if x1.shape[-1] != x2.shape[-1]:
        raise ShapeError(f"cdist: x1 and x2 must have the same number of columns, got {x1.shape[-1]} and "
                         f"{x2.shape[-1]}")
    if not isinstance(p, (int, float)) or isinstance(p, bool) or p < 0:
        raise ArgumentError(f"cdist: only supports non-negative p values, got {p!r}")
    if compute_mode not in ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                            "donot_use_mm_for_euclid_dist"):
        raise ArgumentError(f"cdist: compute_mode must be one of use_mm_for_euclid_dist_if_necessary, "
                            f"use_mm_for_euclid_dist, donot_use_mm_for_euclid_dist, got {compute_mode!r}")
    _same_dtype("cdist", x1, x2)
    broadcast_shape("cdist", x1.shape[:-2], x2.shape[:-2])  # (the batch dims)
    diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)  # (*, P, R, M)
    return vector_norm(diff, float(p), dim=-1)
