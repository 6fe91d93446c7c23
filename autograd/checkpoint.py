"""torch.utils.checkpoint: trade compute for memory by running a piece of the forward pass again
during backward instead of keeping what its ops saved.

    from torch.utils.checkpoint import checkpoint              # (ag.utils.checkpoint here)
    h = checkpoint(block, x, use_reentrant=False)              # block(x), but its saved values are dropped

How (PyTorch's non-reentrant checkpoint, on this engine):
a) forward: ``function(*args)`` runs as usual, graph and all, while a recorder notes every node
   it records; then each of those nodes lets go of what it saved (``_saved``: the activations, the
   memory that checkpointing is for). The graph stays, so ``y.grad_fn`` is the last op's node and
   parameters used inside get their gradients like any others.
b) backward: the first of the piece's output nodes that the walk reaches runs a pre-hook that
   runs ``function(*args)`` again (grad on, the random state of step a) restored so that dropout
   draws the same masks) and hands each new node's saved values to the node it repeats, in
   order; the new graph is then dropped. The walk goes on through the original nodes.
The second run must record the same ops in the same order (it is checked: a different count or
kind of op is an error). Side effects run twice, as in PyTorch (BatchNorm's running statistics
move twice in training mode).

``use_reentrant=True`` (PyTorch's default while it warns that you should choose) differs where
PyTorch's does: when no input tensor requires grad, it warns "None of the inputs have
requires_grad=True. Gradients will be None" and its output requires no grad, so the parameters
inside get no gradient.
"""
import warnings

from .graph import _FREED, enable_grad, no_grad, record_ops
from . import random as _random  # (its get/set_rng_state looked up at each call)
from .tensor import Tensor

__all__ = ["checkpoint", "checkpoint_sequential", "tensors_in"]


def checkpoint(function, *args, use_reentrant=None, context_fn=None, determinism_check="default", debug=False,
               preserve_rng_state=True, **kwargs):
    """``function(*args, **kwargs)``, keeping none of its ops' saved values: they are computed again
    in backward (see the module docstring)."""
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. Starting in PyTorch "
            "2.9, calling checkpoint without use_reentrant will raise an exception. use_reentrant=False is "
            "recommended, but if you need to preserve the current default behavior, you can pass "
            "use_reentrant=True. Refer to docs for more details on the differences between the two variants.",
            stacklevel=2)
        use_reentrant = True
    if use_reentrant:
        if kwargs:
            raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
        if context_fn is not None:
            raise ValueError("Passing `context_fn` or `debug` is only supported when use_reentrant=False.")
        if not any(isinstance(a, Tensor) and a.requires_grad for a in args):
            warnings.warn("None of the inputs have requires_grad=True. Gradients will be None", stacklevel=2)
            with no_grad():
                return function(*args)
    if determinism_check not in ("default", "none"):
        raise ValueError(f"determinism_check should be one of ['default', 'none'], but got {determinism_check}")
    if context_fn is not None:
        raise ValueError("checkpoint: context_fn (selective checkpointing) is not provided; leave it out")
    state = _random.get_rng_state() if preserve_rng_state else None
    with record_ops() as ops:
        outputs = function(*args, **kwargs)
    nodes = [node for node, _ in ops]
    if not nodes:
        return outputs
    for node in nodes:  # a): let go of the activations
        if getattr(node, "_saved", None) is not None:
            node._saved, node._saved_from = _FREED, None
    recompute = _Recompute(function, args, kwargs, state, nodes)
    mine = set(map(id, nodes))
    for out in tensors_in(outputs):
        if out.grad_fn is not None and id(out.grad_fn) in mine:
            out.grad_fn._add_hook(recompute.hook)
    return outputs


class _Recompute:
    """b): the pre-hook shared by a checkpointed piece's output nodes; the first call runs the piece again."""

    def __init__(self, function, args, kwargs, rng_state, nodes):
        self.function, self.args, self.kwargs, self.rng_state, self.nodes = function, args, kwargs, rng_state, nodes
        self.done = False

    def hook(self, grad):
        if not self.done:
            self.done = True
            self.run_again()
        return None

    def run_again(self):
        outer = _random.get_rng_state() if self.rng_state is not None else None
        try:
            if self.rng_state is not None:
                _random.set_rng_state(self.rng_state)
            with enable_grad(), record_ops() as ops:
                self.function(*self.args, **self.kwargs)
        finally:
            if outer is not None:
                _random.set_rng_state(outer)
        again = [node for node, _ in ops]
        before, now = [type(n).__name__ for n in self.nodes], [type(n).__name__ for n in again]
        if before != now:
            k = next((i for i, (a, b) in enumerate(zip(before, now)) if a != b), min(len(before), len(now)))
            raise RuntimeError(
                f"torch.utils.checkpoint: the checkpointed function recorded {len(now)} ops when run again in "
                f"backward, {len(before)} the first time, differing from op {k} on ({before[k:k + 1]} the first "
                f"time, {now[k:k + 1]} now); it must run the same ops in the same order both times (no branch on "
                "values or state that change between the runs)")
        for node, repeat in zip(self.nodes, again):
            if getattr(repeat, "_saved", None) is not None:
                node._saved, node._saved_from = repeat._saved, repeat._saved_from
        self.function = self.args = self.kwargs = None  # (what the piece closes over is not kept longer)


def tensors_in(obj):
    """The tensors in ``obj``: a tensor, or lists, tuples and dicts of them, nested (a module's output)."""
    if isinstance(obj, Tensor):
        yield obj
    elif isinstance(obj, (list, tuple)):
        for o in obj:
            yield from tensors_in(o)
    elif isinstance(obj, dict):
        for o in obj.values():
            yield from tensors_in(o)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """Run ``functions`` (an nn.Sequential or a list of modules) on ``input`` in ``segments`` pieces,
    each checkpointed but the last (torch.utils.checkpoint.checkpoint_sequential)."""
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint.checkpoint_sequential: the use_reentrant parameter should be passed "
            "explicitly. In version 2.9 we will raise an exception if use_reentrant is not passed. "
            "use_reentrant=False is recommended, but if you need to preserve the current default behavior, you can "
            "pass use_reentrant=True. Refer to docs for more details on the differences between the two variants.",
            stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    if hasattr(functions, "children") and not isinstance(functions, (list, tuple)):
        functions = list(functions.children())

    def run(start, end):
        def forward(x):
            for j in range(start, end + 1):
                x = functions[j](x)
            return x
        return forward

    size = len(functions) // segments
    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(run(start, end), input, use_reentrant=use_reentrant, preserve_rng_state=preserve)
    return run(end + 1, len(functions) - 1)(input)
