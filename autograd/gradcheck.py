"""Central-difference gradient checking in float64."""
from .backend import host

from .graph import grad
from .tensor import Tensor


class GradcheckError(RuntimeError):
    """Analytical and numerical gradients disagree."""


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, seed=0):
    """Compare backward's gradients of ``fn(*inputs)`` with central differences.

    Every input that requires grad is copied to float64. Outputs are projected on a
    random direction v, so one backward gives v^T J, checked element by element
    against (f(x+eps) - f(x-eps)) / 2eps. Returns True, or raises naming the worst element.
    """
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    args = [x.detach().double().requires_grad_() if isinstance(x, Tensor) and x.requires_grad else x
            for x in inputs]
    wrt = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not wrt:
        raise ValueError("gradcheck: no input requires grad; set requires_grad=True on at least one")
    outputs = _as_tuple(fn(*args))
    rng = host.random.default_rng(seed)
    directions = [rng.standard_normal(o.shape) for o in outputs]
    live = [k for k, o in enumerate(outputs) if o.requires_grad]  # (an output made without the inputs: 0)
    analytical = grad([outputs[k] for k in live], [args[i] for i in wrt], [Tensor._make(directions[k]) for k in live],
                      allow_unused=True) if live else (None,) * len(wrt)

    def projected():  # (not under no_grad: fn may itself differentiate, as in grad-of-grad checks)
        return sum(float((host.asarray(o._data, dtype=host.float64) * v).sum())
                   for o, v in zip(_as_tuple(fn(*args)), directions))

    for k, i in enumerate(wrt):
        x = args[i]._data
        numerical = host.zeros(x.shape)
        for index in host.ndindex(x.shape):
            orig = x[index]
            x[index] = orig + eps
            plus = projected()
            x[index] = orig - eps
            minus = projected()
            x[index] = orig
            numerical[index] = (plus - minus) / (2 * eps)
        got = host.zeros(x.shape) if analytical[k] is None else analytical[k]._data
        err = host.abs(got - numerical) - (atol + rtol * host.abs(numerical))
        if err.size and err.max() > 0:
            worst = host.unravel_index(host.argmax(err), err.shape)
            if not raise_exception:
                return False
            raise GradcheckError(
                f"gradcheck: input {i} (shape {x.shape}) at index {tuple(int(j) for j in worst)}: "
                f"backward gives {got[worst]:.8g} but central differences give {numerical[worst]:.8g} "
                f"(atol={atol}, rtol={rtol})")
    return True


def gradgradcheck(fn, inputs, grad_outputs=None, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, seed=0):
    """Check second derivatives (torch.autograd.gradgradcheck): gradcheck of the first derivatives
    x -> d(v . fn(x))/dx, taken with create_graph=True; v is ``grad_outputs``, or a fixed random
    direction."""
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    wrt = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    rng = host.random.default_rng(seed + 1)
    directions = [] if grad_outputs is None else [Tensor._make(host.asarray(g.detach()._data, dtype=host.float64))
                                                  for g in _as_tuple(grad_outputs)]

    def first_derivatives(*args):
        outputs = _as_tuple(fn(*args))
        if not directions:  # drawn once: every call differentiates along the same v
            directions.extend(Tensor._make(rng.standard_normal(o.shape)) for o in outputs)
        grads = grad(outputs, [args[i] for i in wrt], directions, create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_derivatives, inputs, eps, atol, rtol, raise_exception, seed)


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)
