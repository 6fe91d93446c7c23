"""torch.autograd.functional: derivatives of a whole function at a point, built on ``grad``.

    J = ag.autograd.functional.jacobian(f, x)       # shape f(x).shape + x.shape
    H = ag.autograd.functional.hessian(loss, w)     # shape w.shape + w.shape
    out, Jv = ag.autograd.functional.jvp(f, x, v)   # also vjp, hvp, vhp

Every function takes ``inputs`` as a Tensor or a tuple of Tensors and answers in the same form, as
PyTorch's. The inputs are used detached (with ``create_graph=True``, still attached to the graph that
made them), so calling these never changes anyone's ``.grad``. The Jacobian is built row by row:
one backward pass per element of the output (``vectorize`` and ``strategy`` only choose how PyTorch
computes the same numbers, and are accepted for that reason).
"""
from .graph import enable_grad, grad
from .tensor import Tensor

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


def _tuple(x, what, fn):
    """(was it a tuple, the tuple): each element must be a Tensor."""
    is_tuple = isinstance(x, (tuple, list))
    items = tuple(x) if is_tuple else (x,)
    for i, t in enumerate(items):
        if not isinstance(t, Tensor):
            raise TypeError(f"{fn}: the {what} must be either a Tensor or a tuple of Tensors, but "
                            f"{'element ' + str(i) + ' of ' if is_tuple else ''}the given {what} has type "
                            f"{type(t).__name__}")
    return is_tuple, items


def _inputs(inputs, create_graph, fn):
    """The inputs as fresh leaves that require grad (kept on their graph with create_graph)."""
    is_tuple, items = _tuple(inputs, "inputs", fn)
    return is_tuple, tuple(t.view_as(t) if create_graph and t.requires_grad else t.detach().requires_grad_(True)
                           for t in items)


def _outputs(func, inputs, fn):
    with enable_grad():
        out = func(*inputs)
    return _tuple(out, "outputs of the user-provided function", fn)


def _grads(outputs, inputs, grad_outputs, create_graph, strict, fn, retain_graph=True):
    """d(outputs . grad_outputs)/d(inputs); zeros (or, with ``strict``, an error) where an input is unused."""
    used = [(o, g) for o, g in zip(outputs, grad_outputs) if o.requires_grad]
    found = grad([o for o, _ in used], inputs, [g for _, g in used], retain_graph=retain_graph,
                 create_graph=create_graph, allow_unused=True) if used else (None,) * len(inputs)
    result = []
    for i, (x, g) in enumerate(zip(inputs, found)):
        if g is None:
            if strict:
                raise RuntimeError(f"{fn}: the output of the user-provided function is independent of input {i}. "
                                   "This is not allowed in strict mode.")
            g = x.detach() * 0
        result.append(g if create_graph else g.detach())
    return tuple(result)


def _answer(is_tuple, items):
    return items if is_tuple else items[0]


def _vector(v, outputs, what, fn):
    """``v`` as one tensor per output, each of its output's shape (None: ones, for one scalar output)."""
    if v is None:
        if len(outputs) != 1 or outputs[0].numel() != 1:
            raise RuntimeError(f"{fn}: the vector v can only be None if the {what} is a single Tensor with a "
                               "single element")
        return (outputs[0].detach() * 0 + 1,)
    _, vs = _tuple(v, "v", fn)
    if len(vs) != len(outputs):
        raise RuntimeError(f"{fn}: v has {len(vs)} tensors but the {what} has {len(outputs)}")
    for i, (t, o) in enumerate(zip(vs, outputs)):
        if tuple(t.shape) != tuple(o.shape):
            raise RuntimeError(f"{fn}: entry {i} of v has shape {tuple(t.shape)}, but the {what} entry has "
                               f"shape {tuple(o.shape)}; they must match")
    return vs


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T J): the vector-Jacobian product, one backward pass."""
    is_tuple, inputs = _inputs(inputs, create_graph, "vjp")
    out_tuple, outputs = _outputs(func, inputs, "vjp")
    vs = _vector(v, outputs, "output of the user-provided function", "vjp")
    grads = _grads(outputs, inputs, vs, create_graph, strict, "vjp", retain_graph=create_graph)
    return _answer(out_tuple, _detached(outputs, create_graph)), _answer(is_tuple, grads)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), J v): the Jacobian-vector product, by the double-backward trick (as PyTorch's):
    g(u) = J^T u is linear in u, so d(g . v)/du = J v."""
    is_tuple, inputs = _inputs(inputs, create_graph, "jvp")
    out_tuple, outputs = _outputs(func, inputs, "jvp")
    vs = _vector(v, inputs, "inputs", "jvp")
    us = tuple((o.detach() * 0).requires_grad_(True) for o in outputs)
    with enable_grad():
        back = _grads(outputs, inputs, us, True, strict, "jvp")
        products = _grads(back, us, vs, create_graph, strict, "jvp")
    return _answer(out_tuple, _detached(outputs, create_graph)), _answer(out_tuple, products)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """d func / d inputs, each of shape output.shape + input.shape: a tensor for one output and one input,
    a tuple over the inputs, or (several outputs) a tuple over the outputs of those."""
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError(f"jacobian: expected strategy to be either 'forward-mode' or 'reverse-mode', got {strategy!r}")
    if strategy == "forward-mode" and not vectorize:
        raise NotImplementedError("jacobian: computing the Jacobian with forward-mode AD is only implemented "
                                  "for vectorize=True")
    is_tuple, inputs = _inputs(inputs, create_graph, "jacobian")
    out_tuple, outputs = _outputs(func, inputs, "jacobian")
    per_output = []
    for out in outputs:
        rows = []  # one row of d out / d inputs per element of out
        for k in range(out.numel()):
            onehot = out.detach().reshape(-1) * 0
            onehot[k] = 1
            rows.append(_grads((out,), inputs, (onehot.reshape(out.shape),), create_graph, strict, "jacobian"))
        blocks = []
        for j, x in enumerate(inputs):
            if rows:
                stacked = rows[0][j].reshape(1, *x.shape) if len(rows) == 1 else \
                    _stack([r[j] for r in rows])
            else:  # an empty output: an empty Jacobian
                stacked = x.detach().reshape(1, *x.shape)[:0]
            blocks.append(stacked.reshape(*out.shape, *x.shape))
        per_output.append(_answer(is_tuple, tuple(blocks)))
    return _answer(out_tuple, tuple(per_output))


def _stack(tensors):
    from .functions import stack  # noqa: PLC0415  (the ag.* functions are made after this module)
    return stack(tensors)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    """The matrix of second derivatives of a function with one single-element output: shape
    input.shape + input.shape (a tuple of tuples over pairs of inputs for several inputs)."""
    is_tuple, items = _tuple(inputs, "inputs", "hessian")

    def gradient(*xs):
        _, outputs = _outputs(func, xs, "hessian")
        if len(outputs) != 1 or outputs[0].numel() != 1:
            raise RuntimeError("hessian: the function given to hessian should return a single Tensor with a "
                               f"single element, got {len(outputs)} tensors of shapes "
                               f"{[tuple(o.shape) for o in outputs]}")
        out = outputs[0].reshape(())
        if not out.requires_grad:
            if strict:
                raise RuntimeError("hessian: the output of the user-provided function is independent of the "
                                   "inputs. This is not allowed in strict mode.")
            return _answer(is_tuple, tuple(x.detach() * 0 for x in xs))
        return _answer(is_tuple, _grads((out,), xs, (out.detach() * 0 + 1,), True, strict, "hessian"))

    return jacobian(gradient, _answer(is_tuple, items), create_graph, strict, vectorize, outer_jacobian_strategy)


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T H) for a function with one single-element output."""
    return _hessian_product(func, inputs, v, create_graph, strict, "vhp")


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), H v) for a function with one single-element output (by the double-backward trick,
    as PyTorch's: for a twice continuously differentiable function it equals v^T H)."""
    return _hessian_product(func, inputs, v, create_graph, strict, "hvp")


def _hessian_product(func, inputs, v, create_graph, strict, fn):
    is_tuple, inputs = _inputs(inputs, create_graph, fn)
    out_tuple, outputs = _outputs(func, inputs, fn)
    if len(outputs) != 1 or outputs[0].numel() != 1:
        raise RuntimeError(f"{fn}: the function given to {fn} should return a single Tensor with a single element")
    vs = _vector(v, inputs, "inputs", fn)
    with enable_grad():
        first = _grads(outputs, inputs, (outputs[0].detach() * 0 + 1,), True, strict, fn)
        if fn == "vhp":
            products = _grads(first, inputs, vs, create_graph, strict, fn)
        else:  # H v = d/du (d(first . u)/d inputs . v)
            us = tuple((x.detach() * 0).requires_grad_(True) for x in inputs)
            back = _grads(first, inputs, us, True, strict, fn)
            products = _grads(back, us, vs, create_graph, strict, fn)
    return _answer(out_tuple, _detached(outputs, create_graph)), _answer(is_tuple, products)


def _detached(outputs, create_graph):
    return outputs if create_graph else tuple(o.detach() for o in outputs)
