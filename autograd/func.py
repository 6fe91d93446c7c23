"""torch.func: function transforms (grad, vjp, jvp, jacrev, jacfwd, hessian, vmap) and the module helpers
that go with them (functional_call, stack_module_state), on this engine's reverse mode.

    from torch.func import grad, vmap, functional_call
    per_sample = vmap(grad(loss), in_dims=(None, 0, 0))(params, xs, ys)   # one gradient per sample

How they work here (same numbers as PyTorch's, another road to them):
- ``grad`` / ``vjp`` run ``func`` on inputs that require grad and take ``autograd.grad``. An input that
  already requires grad enters through a copy on its graph (clone), so an outer graph is never cut; when the output
  reaches anything outside the transform (an outer ``grad``'s input, a captured tensor that requires grad),
  the backward is taken with ``create_graph=True``: ``grad(grad(f))`` and ``jacrev(grad(f))`` compose.
- ``jvp``, ``jacfwd`` and ``hessian`` use reverse mode only (no forward-mode AD in this engine): ``jvp`` by
  the double-vjp trick, ``jacfwd`` is ``jacrev`` (one backward pass per output element).
- ``vmap`` is a loop: it slices each batched argument along its in_dim, calls ``func`` once per sample and
  stacks the outputs along out_dims. It costs the batch size times one call (no batched kernels), and
  gradients flow through it as through any stack.

Arguments and outputs may be pytrees: tuples, lists and dicts nesting tensors, as in PyTorch.
"""
import functools

from .graph import AccumulateGrad, enable_grad, grad as _autograd_grad, is_grad_enabled
from . import random as _random  # (looked up at each call: the global generator's state)
from .creation import ones_like, zeros_like
from .tensor import Tensor

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian", "vmap", "functional_call",
           "stack_module_state"]


# --------------------------------------------------------------------------- pytrees

def _flatten(tree):
    """(leaves, spec): the leaves of nested tuples/lists/dicts, left to right, and the shape to rebuild."""
    if isinstance(tree, (tuple, list)):
        leaves, specs = [], []
        for item in tree:
            sub_leaves, sub_spec = _flatten(item)
            leaves += sub_leaves
            specs.append(sub_spec)
        return leaves, (type(tree), None, specs)
    if isinstance(tree, dict):
        leaves, specs = [], []
        for key in tree:
            sub_leaves, sub_spec = _flatten(tree[key])
            leaves += sub_leaves
            specs.append(sub_spec)
        return leaves, (type(tree), list(tree), specs)
    return [tree], None  # None: a leaf


def _unflatten(spec, leaves):
    """The tree ``spec`` describes, with ``leaves`` (an iterator or a list) in its places."""
    leaves = iter(leaves)

    def build(s):
        if s is None:
            return next(leaves)
        kind, keys, children = s
        items = [build(c) for c in children]
        if keys is not None:
            return kind(zip(keys, items))
        if kind not in (tuple, list) and issubclass(kind, tuple):  # a namedtuple
            return kind(*items)
        return kind(items)

    return build(spec)


def _describe(spec):
    """A spec as PyTorch prints one: ``*`` for a leaf, ``(*, [*])``, ``{'a': *}``."""
    if spec is None:
        return "*"
    kind, keys, children = spec
    if keys is not None:
        return "{" + ", ".join(f"{k!r}: {_describe(c)}" for k, c in zip(keys, children)) + "}"
    inner = ", ".join(_describe(c) for c in children)
    return f"[{inner}]" if issubclass(kind, list) else f"({inner}{',' if len(children) == 1 else ''})"


def _same_structure(a, b):
    if a is None or b is None:
        return a is None and b is None
    return (issubclass(a[0], list) == issubclass(b[0], list) and a[1] == b[1] and len(a[2]) == len(b[2])
            and all(_same_structure(x, y) for x, y in zip(a[2], b[2])))


def _broadcast(prefix, tree):
    """One value of ``prefix`` per leaf of ``tree``: a leaf of ``prefix`` covers the whole subtree below it
    (how vmap's in_dims and out_dims are read). None when the structures do not fit."""
    if not isinstance(prefix, (tuple, list, dict)):
        return [prefix] * len(_flatten(tree)[0])
    if isinstance(prefix, dict) != isinstance(tree, dict) or not isinstance(tree, (tuple, list, dict)):
        return None
    if len(prefix) != len(tree) or (isinstance(prefix, dict) and set(prefix) != set(tree)):
        return None
    out = []
    for key, sub in (tree.items() if isinstance(tree, dict) else enumerate(tree)):
        part = _broadcast(prefix[key], sub)
        if part is None:
            return None
        out += part
    return out


# --------------------------------------------------------------------------- the reverse-mode core

def _check_tensor(x, what="Thing passed to transform API"):
    if not isinstance(x, Tensor):
        raise ValueError(f"{what} must be Tensor, got {type(x)}")
    return x


def _enter(x):
    """``x`` as an input the transform differentiates with respect to: a copy on its graph when it already
    requires grad (the outer graph goes on through it), else a fresh leaf that requires grad."""
    if not x.is_floating_point():
        raise RuntimeError(f"only Tensors of floating point dtype can require gradients, got {x.dtype}")
    return x.clone() if x.requires_grad else x.detach().requires_grad_(True)


def _reaches_outside(tensors, inner):
    """Does the graph of ``tensors`` reach a leaf that requires grad other than the fresh leaves ``inner``?
    Then something outside this transform wants gradients through its answer (create_graph is needed)."""
    inner = {id(t) for t in inner}
    stack = [t._node() for t in tensors if isinstance(t, Tensor) and t.requires_grad]
    seen = set()
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, AccumulateGrad):
            if id(node._leaf()) not in inner:
                return True
            continue
        stack.extend(node._edges)
    return False


def _keep_or_detach(tensors, inner):
    """The answer of a transform: kept on its graph only where that graph reaches outside the transform."""
    return [t if isinstance(t, Tensor) and _reaches_outside([t], inner) else
            (t.detach() if isinstance(t, Tensor) else t) for t in tensors]


def _backward(outputs, inputs, cotangents, create_graph):
    """d(sum outputs . cotangents)/d(inputs): zeros for an input the outputs do not depend on (PyTorch's
    transforms answer zeros there, never None)."""
    used = [(o, c) for o, c in zip(outputs, cotangents) if o.requires_grad]
    found = (_autograd_grad([o for o, _ in used], inputs, [c for _, c in used], retain_graph=True,
                            create_graph=create_graph, allow_unused=True) if used and inputs else (None,) * len(inputs))
    return [zeros_like(x.detach()) if g is None else g for x, g in zip(inputs, found)]


def _argnums(argnums, args):
    """The positions of the arguments to differentiate, checked as PyTorch checks them."""
    if isinstance(argnums, tuple):
        if not argnums:
            raise RuntimeError("argnums must be non-empty")
        for a in argnums:
            if not isinstance(a, int) or isinstance(a, bool):
                raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(a)}")
        positions = argnums
    elif isinstance(argnums, int) and not isinstance(argnums, bool):
        positions = (argnums,)
    else:
        raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)}")
    checked = []
    for a in positions:
        if not -len(args) <= a < len(args):
            raise RuntimeError(f"Got argnum={a}, but only {len(args)} positional inputs")
        checked.append(a % len(args))
    if len(set(checked)) != len(checked):
        raise RuntimeError(f"argnums must be unique, got {argnums}")
    return checked


class _Traced:
    """One call of ``func`` with the chosen arguments entered as inputs to differentiate.

    a) flattens each chosen argument (a pytree) and enters its tensors (``_enter``),
    b) calls ``func`` under enable_grad,
    c) notes whether the output reaches outside (then backward passes keep their graph)."""

    def __init__(self, func, args, kwargs, argnums, has_aux, fn):
        args = list(args)
        self.specs, self.inputs = [], []
        for a in argnums:
            leaves, spec = _flatten(args[a])
            entered = [_enter(_check_tensor(x)) for x in leaves]
            self.specs.append(spec)
            self.inputs += entered
            args[a] = _unflatten(spec, entered)
        with enable_grad():
            out = func(*args, **kwargs)
        self.aux = None
        if has_aux:
            if not (isinstance(out, tuple) and len(out) == 2):
                raise RuntimeError(f"{fn}(f)(*args): output of function f should be a tuple: (output, aux) "
                                   "if has_aux is True")
            out, aux = out
            aux_leaves, aux_spec = _flatten(aux)
            for leaf in aux_leaves:
                if not isinstance(leaf, Tensor):
                    raise RuntimeError(f"Expected tensors, got unsupported type {type(leaf)}")
            self.aux = _unflatten(aux_spec, _keep_or_detach(aux_leaves, self.inputs))
        self.output = out
        self.out_leaves, self.out_spec = _flatten(out)
        self.create_graph = is_grad_enabled() and _reaches_outside(
            [t for t in self.out_leaves if isinstance(t, Tensor)], self.inputs)

    def value(self):
        return _unflatten(self.out_spec, _keep_or_detach(self.out_leaves, self.inputs))


def _count(spec):
    return 1 if spec is None else sum(_count(c) for c in spec[2])


def _split(flat, specs):
    trees, start = [], 0
    for spec in specs:
        n = _count(spec)
        trees.append(_unflatten(spec, flat[start:start + n]))
        start += n
    return trees


def _grads_of(trace, cotangents):
    grads = _keep_or_detach(_backward(trace.out_leaves, trace.inputs, cotangents, trace.create_graph), trace.inputs)
    return _split(grads, trace.specs)


def _name(func):
    return getattr(func, "__name__", type(func).__name__)


# --------------------------------------------------------------------------- grad, vjp, jvp, jacobians

def grad_and_value(func, argnums=0, has_aux=False):
    """A function that returns (gradient of ``func`` with respect to the arguments at ``argnums``, the value
    of ``func``); with ``has_aux``, ``func`` returns (output, aux) and the value is (output, aux). ``func``
    must return a Tensor with one element. The gradient has the structure of the argument (a tuple of them
    for a tuple ``argnums``); an argument the output does not depend on gets zeros."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        positions = _argnums(argnums, args)
        trace = _Traced(func, args, kwargs, positions, has_aux, "grad_and_value")
        out = trace.output
        if not isinstance(out, Tensor):
            raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a Tensor, got {type(out)}")
        if out.dim() != 0:
            raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got tensor "
                               f"with {out.dim()} dims. Maybe you wanted to use the vjp or jacrev APIs instead?")
        grads = _grads_of(trace, [ones_like(out.detach())])
        gradient = tuple(grads) if isinstance(argnums, tuple) else grads[0]
        value = trace.value()
        return gradient, ((value, trace.aux) if has_aux else value)

    return wrapper


def grad(func, argnums=0, has_aux=False):
    """The gradient of ``func`` (a function returning a one-element, zero-dim Tensor) with respect to the
    arguments at ``argnums``: ``grad(f)(x)``; with ``has_aux``, (gradient, aux). Composes with itself
    (``grad(grad(f))``), with vmap (per-sample gradients) and with the jacobians."""
    both = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        gradient, value = both(*args, **kwargs)
        return (gradient, value[1]) if has_aux else gradient

    return wrapper


def vjp(func, *primals, has_aux=False):
    """(func(*primals), vjp_fn[, aux]): ``vjp_fn(cotangents)`` gives v^T J, a tuple with one entry per primal
    (each of its primal's structure); ``cotangents`` has the structure of the output. vjp_fn may be called
    several times."""
    trace = _Traced(func, primals, {}, range(len(primals)), has_aux, "vjp")
    for leaf in trace.out_leaves:
        if not isinstance(leaf, Tensor):
            raise RuntimeError(f"vjp(f, *primals): Expected f to be a function that has non-empty output (either "
                               f"a Tensor or a tuple of Tensors), got an output of type {type(leaf)}")

    def vjp_fn(cotangents):
        leaves, spec = _flatten(cotangents)
        if not _same_structure(spec, trace.out_spec):
            raise RuntimeError("Expected pytree structure of cotangents to be the same as pytree structure of "
                               f"outputs to the function. cotangents: {_describe(spec)}, primal output: "
                               f"{_describe(trace.out_spec)}")
        for i, (c, o) in enumerate(zip(leaves, trace.out_leaves)):
            _check_tensor(c)
            if tuple(c.shape) != tuple(o.shape):
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {_size(c)} and output[{i}] "
                                   f"has a shape of {_size(o)}.")
        return tuple(_grads_of(trace, leaves))

    return (trace.value(), vjp_fn, trace.aux) if has_aux else (trace.value(), vjp_fn)


def _size(t):
    return f"torch.Size({list(t.shape)})"


def jvp(func, primals, tangents, *, strict=False, has_aux=False):
    """(func(*primals), J tangents[, aux]): the Jacobian-vector product. This engine has no forward mode, so it
    is taken by the double-vjp trick: g(u) = J^T u is linear in u, hence d(g . tangents)/du = J tangents
    (two backward passes; the numbers are PyTorch's). ``strict`` is accepted, as PyTorch's, and unused."""
    if not isinstance(primals, tuple):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals to be a tuple. E.g. it should be valid to "
                           "call f(*primals).")
    p_leaves, p_spec = _flatten(primals)
    t_leaves, t_spec = _flatten(tangents)
    if not _same_structure(p_spec, t_spec):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to have the same python "
                           f"structure. For example, if primals is a tuple of 3 tensors, tangents also must be. "
                           f"Got primals with structure {_describe(p_spec)} and tangents with structure "
                           f"{_describe(t_spec)}")
    for p, t in zip(p_leaves, t_leaves):
        _check_tensor(p)
        _check_tensor(t)
        if tuple(p.shape) != tuple(t.shape):
            raise RuntimeError("Trying to set a forward gradient that has a different size than that of the "
                               f"original Tensor, this is not supported. Tensor is of size {list(p.shape)} while "
                               f"the given forward gradient is of size {list(t.shape)}.")
    trace = _Traced(func, primals, {}, range(len(primals)), has_aux, "jvp")
    for leaf in trace.out_leaves:
        _check_tensor(leaf, "jvp(f, primals, tangents): Expected f(*primals) to return only tensors; an output")
    us = [zeros_like(o.detach()).requires_grad_(True) for o in trace.out_leaves]
    with enable_grad():
        back = _backward(trace.out_leaves, trace.inputs, us, True)  # J^T u, linear in u
        products = _backward(back, us, t_leaves, trace.create_graph)
    products = _keep_or_detach(products, trace.inputs + us)
    answer = (trace.value(), _unflatten(trace.out_spec, products))
    return answer + (trace.aux,) if has_aux else answer


def jacrev(func, argnums=0, *, has_aux=False, chunk_size=None, _preallocate_and_copy=False):
    """The Jacobian of ``func`` with respect to the arguments at ``argnums``, by reverse mode: one backward
    pass per element of the output. For each output tensor (the output's structure is kept), a block of
    shape output.shape + input.shape per input (the argument's structure; a tuple over a tuple ``argnums``).
    ``chunk_size`` only groups PyTorch's batched passes and is accepted for that reason."""
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size <= 0):
        raise ValueError("jacrev: `chunk_size` should be greater than 0.")
    return _jacobian(func, argnums, has_aux, "jacrev")


def jacfwd(func, argnums=0, has_aux=False, *, randomness="error"):
    """The Jacobian of ``func`` as PyTorch's jacfwd answers it (same shapes and numbers). This engine has no
    forward mode: it is computed in reverse mode, one backward pass per element of the output (PyTorch's
    jacfwd takes one forward pass per element of the input instead; the result is the same matrix)."""
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or 'same'. Got {randomness}")
    return _jacobian(func, argnums, has_aux, "jacfwd")


def _jacobian(func, argnums, has_aux, fn):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        positions = _argnums(argnums, args)
        trace = _Traced(func, args, kwargs, positions, has_aux, fn)
        from .functions import stack  # noqa: PLC0415  (the ag.* functions are made after this module)

        per_output = []
        for index, out in enumerate(trace.out_leaves):
            _check_tensor(out, f"{fn}(f): Expected f to return only Tensors; output {index}")
            zeros = [zeros_like(o.detach()) for o in trace.out_leaves]
            rows = []  # one row of d out / d inputs per element of out
            for k in range(out.numel()):
                onehot = zeros[index].reshape(-1).clone()
                onehot[k] = 1
                cot = zeros[:index] + [onehot.reshape(out.shape)] + zeros[index + 1:]
                rows.append(_keep_or_detach(_backward(trace.out_leaves, trace.inputs, cot, trace.create_graph),
                                            trace.inputs))
            blocks = []
            for j, x in enumerate(trace.inputs):
                column = stack([r[j] for r in rows]) if rows else x.detach().reshape(1, *x.shape)[:0]
                blocks.append(column.reshape(*out.shape, *x.shape))
            trees = _split(blocks, trace.specs)
            per_output.append(tuple(trees) if isinstance(argnums, tuple) else trees[0])
        jac = _unflatten(trace.out_spec, per_output)
        return (jac, trace.aux) if has_aux else jac

    return wrapper


def hessian(func, argnums=0):
    """The Hessian of ``func`` (one-element output) with respect to the arguments at ``argnums``:
    ``jacfwd(jacrev(func, argnums), argnums)``, as PyTorch defines it (both in reverse mode here)."""
    return jacfwd(jacrev(func, argnums), argnums)


# --------------------------------------------------------------------------- vmap

def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """``func`` mapped over a batch dimension: ``vmap(f)(xs)`` stacks ``f(x)`` for every x in xs.

    Here it is a loop (PyTorch runs one batched call instead; the numbers are the same):
    a) reads in_dims against the arguments (an int or None per argument, or nested to match a pytree
       argument; None: the argument is passed whole to every call) and checks the batch sizes agree,
    b) for each sample i, calls ``func`` on each batched argument's slice i along its in_dim,
    c) stacks each output tensor along its out_dim (out_dims may be nested like the output).
    It costs batch-size calls of ``func``. Keyword arguments are passed whole, as in PyTorch.

    randomness: 'different' lets each call draw its own numbers; 'same' restarts the global generator
    from the same state for every sample (each sample draws the same numbers); 'error' (the default)
    refuses ``func`` when a call draws from the global generator (a draw from a Generator object the
    caller made is not seen). ``chunk_size`` only groups PyTorch's batched calls and changes nothing here."""
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or 'same'. Got {randomness}")
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size <= 0):
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got {chunk_size})")

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        name = _name(func)
        call = f"vmap({name}, in_dims={in_dims!r}, ...)(<inputs>)"
        if not args:
            raise ValueError(f"vmap({name})(<inputs>): got no inputs. Maybe you forgot to add inputs, or you are "
                             "trying to vmap over a function with no inputs. The latter is unsupported.")
        leaves, spec = _flatten(args)
        dims = _in_dims(in_dims, args, call)
        size = _batch_size(leaves, dims, call)
        start_state = _random.get_rng_state() if randomness != "different" else None
        slices = [None if d is None else x.unbind(d) for x, d in zip(leaves, dims)]  # (one split op per input)
        outputs = []
        for i in range(size):
            if randomness == "same":
                _random.set_rng_state(start_state)
            sample = [x if d is None else parts[i] for x, d, parts in zip(leaves, dims, slices)]
            outputs.append(func(*_unflatten(spec, sample), **kwargs))
            if randomness == "error" and not _same_state(_random.get_rng_state(), start_state):
                _random.set_rng_state(start_state)
                raise RuntimeError("vmap: called random operation while in randomness error mode. Please either use "
                                   "the 'same' or 'different' randomness flags on vmap or perform the randomness "
                                   "operation out of vmap")
        return _stack_outputs(outputs, out_dims, name)

    return wrapper


def _same_state(a, b):
    return a == b


def _in_dims(in_dims, args, call):
    """One in_dim (an int or None) per leaf of the arguments."""
    if not isinstance(in_dims, (int, tuple)) or isinstance(in_dims, bool):
        raise ValueError(f"{call}: expected `in_dims` to be int or a (potentially nested) tuple matching the "
                         f"structure of inputs, got: {type(in_dims)}.")
    if isinstance(in_dims, tuple) and len(in_dims) != len(args):
        raise ValueError(f"{call}: in_dims is not compatible with the structure of `inputs`. in_dims has structure "
                         f"{_describe(_flatten(in_dims)[1])} but inputs has structure {_describe(_flatten(args)[1])}.")
    dims = _broadcast(in_dims, args)
    if dims is None:
        raise ValueError(f"{call}: in_dims is not compatible with the structure of `inputs`. in_dims has structure "
                         f"{_describe(_flatten(in_dims)[1])} but inputs has structure {_describe(_flatten(args)[1])}.")
    return dims


def _batch_size(leaves, dims, call):
    """The size of the mapped dimension, the same for every batched argument; in_dims made non-negative."""
    sizes = []
    for k, (x, d) in enumerate(zip(leaves, dims)):
        if d is None:
            continue
        if not isinstance(d, int) or isinstance(d, bool):
            raise ValueError(f"{call}: Got in_dim={d} for an input but in_dim must be either an integer dimension "
                             "or None.")
        if not isinstance(x, Tensor):
            raise ValueError(f"{call}: Got in_dim={d} for an input but the input is of type {type(x)}. We cannot "
                             "vmap over non-Tensor arguments, please use None as the respective in_dim")
        if not -x.dim() <= d < x.dim():
            raise ValueError(f"{call}: Got in_dim={d} for some input, but that input is a Tensor of dimensionality "
                             f"{x.dim()} so expected in_dim to satisfy -{x.dim()} <= in_dim < {x.dim()}.")
        dims[k] = d % x.dim()
        sizes.append(x.shape[dims[k]])
    if not sizes:
        raise ValueError(f"{call}: at least one input must be batched (in_dims were all None); vmap needs at "
                         "least one Tensor with an in_dim to map over")
    if len(set(sizes)) > 1:
        raise ValueError("vmap: Expected all tensors to have the same size in the mapped dimension, got sizes "
                         f"{sizes} for the mapped dimension")
    return sizes[0]


def _stack_outputs(outputs, out_dims, name):
    """The per-sample outputs stacked leaf by leaf along out_dims (None: the output is the same for every
    sample and is returned once, as PyTorch's unbatched output)."""
    from .functions import stack  # noqa: PLC0415  (the ag.* functions are made after this module)

    if not outputs:
        raise ValueError(f"vmap({name}, ...): the mapped dimension has size 0; there is no sample to call "
                         f"{name} on, so the output's shape is unknown")
    first, spec = _flatten(outputs[0])
    dims = _broadcast(out_dims, outputs[0])
    if dims is None or (isinstance(out_dims, tuple) and spec is None):
        raise ValueError(f"vmap({name}, ..., out_dims={out_dims!r})(<inputs>): out_dims is not compatible with the "
                         f"structure of `outputs`. out_dims has structure {_describe(_flatten(out_dims)[1])} but "
                         f"outputs has structure {_describe(spec)}.")
    columns = [_flatten(o)[0] for o in outputs]
    stacked = []
    for k, d in enumerate(dims):
        samples = [c[k] for c in columns]
        if d is None:
            if any(s is not samples[0] and not (isinstance(s, Tensor) and _equal(s, samples[0])) for s in samples):
                raise ValueError(f"vmap({name}, ...): `{name}` can not return a BatchedTensor when out_dim is None")
            stacked.append(samples[0])
            continue
        for s in samples:
            if not isinstance(s, Tensor):
                raise ValueError(f"vmap({name}, ...): `{name}` must only return Tensors, got type {type(s)}. Did you "
                                 "mean to set out_dims= to None for output?")
        ndim = samples[0].dim() + 1
        if not -ndim <= d < ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], but got {d})")
        stacked.append(stack(samples, dim=d))
    return _unflatten(spec, stacked)


def _equal(a, b):
    return a.shape == b.shape and bool((a.detach() == b.detach()).all())


# --------------------------------------------------------------------------- modules as functions

def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *, tie_weights=True, strict=False):
    """``module(*args, **kwargs)`` with the given tensors in place of its parameters and buffers (by their
    state_dict names, e.g. ``"fc1.weight"``); the module's own tensors are put back afterwards, even when
    the call raises. The given tensors may be anything a Tensor can be (non-leaf, stacked, requiring grad):
    gradients flow to them, not to the module's parameters.

    tie_weights: a parameter the module shares under several names (``b.weight = a.weight``) takes the
    value given for any one of them. strict: every parameter and buffer must be given, and nothing else.
    A name that is no parameter or buffer is set as a plain attribute for the call (PyTorch's way)."""
    dicts = (parameter_and_buffer_dicts,) if isinstance(parameter_and_buffer_dicts, dict) else \
        tuple(parameter_and_buffer_dicts)
    values = {}
    repeated = []
    for d in dicts:
        if not isinstance(d, dict):
            raise ValueError(f"Expected all elements of parameter_and_buffer_dicts to be dictionaries, got {type(d)}")
        for key, tensor in d.items():
            if key in values:
                repeated.append(key)
            values[key] = tensor
    if repeated:
        raise ValueError(f"{sorted(set(repeated))} appeared in multiple dictionaries; behavior of functional call "
                         "is ambiguous")
    if kwargs is None:
        kwargs = {}
    if not isinstance(args, tuple):
        args = () if args is None else (args,)
    with _swapped(module, values, tie_weights, strict):
        return module(*args, **kwargs)


class _swapped:
    """Context manager: ``values`` (name -> tensor) in place of the module's tensors, restored on exit.

    a) lists every name of every parameter and buffer, shared ones included (``remove_duplicate=False``),
    b) with tie_weights, gives each name of a shared tensor the one value given for it,
    c) checks (strict) that exactly the module's names were given,
    d) swaps each into its owner's registry (``_parameters`` / ``_buffers``, as PyTorch's own stateless
       swap does: no Parameter check, so any tensor fits), remembering what was there."""

    def __init__(self, module, values, tie_weights, strict):
        self.module, self.values, self.saved = module, dict(values), []
        names = {}  # name -> the tensor now there
        for name, t in module.named_parameters(remove_duplicate=False):
            names[name] = t
        for name, t in module.named_buffers(remove_duplicate=False):
            names[name] = t
        if tie_weights:
            groups = {}
            for name, t in names.items():
                if t is not None:
                    groups.setdefault(id(t), []).append(name)
            for group in groups.values():
                given = [n for n in group if n in self.values]
                if len(group) > 1 and len(given) > 1 and len({id(self.values[n]) for n in given}) > 1:
                    raise ValueError(f"functional_call got multiple values for keys {sorted(given)}, which are "
                                     "tied. Consider using tie_weights=False")
                if given:
                    for n in group:
                        self.values.setdefault(n, self.values[given[0]])
        if strict:
            unexpected = [k for k in self.values if k not in names]
            missing = [k for k in names if k not in self.values]
            if unexpected or missing:
                lines = [f"Error(s) in reparametrizing for {type(module).__name__}:"]
                if unexpected:
                    lines.append("\tUnexpected key(s): " + ", ".join(f"'{k}'" for k in unexpected) + ".")
                if missing:
                    lines.append("\tMissing key(s): " + ", ".join(f"'{k}'" for k in missing) + ".")
                raise RuntimeError("\n".join(lines))
        self.names = names

    def __enter__(self):
        try:
            for name, tensor in self.values.items():
                owner_name, _, attr = name.rpartition(".")
                owner = self.module.get_submodule(owner_name) if owner_name else self.module
                for registry in (owner._parameters, owner._buffers):
                    if attr in registry:
                        self.saved.append((registry, attr, registry[attr]))
                        registry[attr] = tensor
                        break
                else:  # not a parameter or buffer: a plain attribute for the call
                    self.saved.append((owner, attr, getattr(owner, attr, _ABSENT)))
                    object.__setattr__(owner, attr, tensor)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc):
        for place, attr, old in reversed(self.saved):
            if isinstance(place, dict):
                place[attr] = old
            elif old is _ABSENT:
                object.__delattr__(place, attr)
            else:
                object.__setattr__(place, attr, old)
        self.saved = []
        return False


_ABSENT = object()


def stack_module_state(models):
    """(params, buffers): each parameter and buffer of ``models`` (modules of one class, all in the same
    training/eval mode) stacked along a new dim 0, by name. A stacked parameter is a new leaf that requires
    grad when the models' parameters do (so an optimizer can train the ensemble); buffers are stacked as they
    are. Use with ``vmap(functional_call-ing f, in_dims=(0, 0, None))`` to run the ensemble at once."""
    from .functions import stack  # noqa: PLC0415  (the ag.* functions are made after this module)

    models = list(models)
    if not models:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if len({m.training for m in models}) > 1:
        raise RuntimeError("stack_module_state: Expected all models to have the same training/eval mode.")
    if len({type(m) for m in models}) > 1:
        raise RuntimeError("stack_module_state: Expected all models to be of the same class.")

    def stacked(name, tensors):
        wants = [t.requires_grad for t in tensors]
        if any(wants) != all(wants):
            raise RuntimeError(f"Expected {name} from each model to have the same .requires_grad")
        result = stack([t.detach() for t in tensors])
        return result.requires_grad_(True) if all(wants) else result

    all_params = [dict(m.named_parameters()) for m in models]
    all_buffers = [dict(m.named_buffers()) for m in models]
    params = {k: stacked(k, [p[k] for p in all_params]) for k in all_params[0]}
    buffers = {k: stacked(k, [b[k] for b in all_buffers]) for k in all_buffers[0]}
    return params, buffers
