"""Module backward hooks, PyTorch's way (``register_full_backward_hook``,
``register_full_backward_pre_hook``):

    hook(module, grad_input, grad_output)   # when the gradients for the module's inputs are known
    pre_hook(module, grad_output)           # when the gradients of its outputs are known

``grad_input`` has one entry per positional argument of forward (None for a non-tensor or an
input that needs no gradient), ``grad_output`` one per output (a tensor or a tuple of them).
A hook returning a tuple replaces those gradients. As in PyTorch, the module's tensor inputs and
outputs pass through an identity node each (``BackwardHookFunctionBackward``): the output node
keeps ``grad_output`` (and runs the pre-hooks), the input node runs the hooks; when no input needs
a gradient, the hooks run at the output node with ``grad_input`` all None.
"""
import warnings

import autograd as ag
from autograd import Tensor


class BackwardHookFunction(ag.autograd.Function):
    """The identity on tensors; backward hands the gradients to ``on_backward`` and passes on
    what it returns."""

    @staticmethod
    def forward(ctx, on_backward, *tensors):
        ctx.on_backward = on_backward
        return tuple(t.view_as(t) for t in tensors)

    @staticmethod
    def backward(ctx, *grads):
        return (None, *ctx.on_backward(grads))


class BackwardHook:
    """One call of a module with backward hooks: wraps its inputs and outputs."""

    def __init__(self, module):
        self.module, self.grad_output, self.n_args, self.input_hooked = module, None, 0, False

    def setup_inputs(self, args):
        self.n_args = len(args)
        self.positions, args = _wrapped(args, self._on_inputs)
        self.input_hooked = bool(self.positions)
        return args

    def setup_outputs(self, out):
        single = isinstance(out, Tensor)
        if not single and not isinstance(out, tuple):
            return out
        outs = (out,) if single else out
        self.n_outs = len(outs)
        self.out_positions, outs = _wrapped(outs, self._on_outputs)
        return outs[0] if single else outs

    def _on_outputs(self, grads):
        grad_output = _spread(grads, self.out_positions, self.n_outs)
        for hook in list(self.module._backward_pre_hooks.values()):
            result = hook(self.module, grad_output)
            if result is not None:
                grad_output = _checked(result, len(grad_output), "full backward pre-hook", self.module)
        self.grad_output = grad_output
        if not self.input_hooked and self.module._backward_hooks:
            # no input needs a gradient: the hooks run now, with grad_input all None (PyTorch warns too)
            warnings.warn("Full backward hook is firing when gradients are computed with respect to module "
                          "outputs since no inputs require gradients", stacklevel=2)
            for hook in list(self.module._backward_hooks.values()):
                hook(self.module, (None,) * self.n_args, grad_output)
        return tuple(grad_output[i] for i in self.out_positions)

    def _on_inputs(self, grads):
        grad_input = _spread(grads, self.positions, self.n_args)
        for hook in list(self.module._backward_hooks.values()):
            result = hook(self.module, grad_input, self.grad_output)
            if result is not None:
                grad_input = _checked(result, self.n_args, "full backward hook", self.module)
        return tuple(grad_input[i] for i in self.positions)


def _wrapped(values, on_backward):
    """(positions of the tensors that require grad, values with those passed through one node)."""
    positions = [i for i, v in enumerate(values) if isinstance(v, Tensor) and v.requires_grad]
    if not positions:
        return positions, values
    values = list(values)
    for i, t in zip(positions, BackwardHookFunction.apply(on_backward, *(values[i] for i in positions))):
        values[i] = t
    return positions, tuple(values)


def _spread(grads, positions, n):
    """One gradient per place, None where no tensor needed one."""
    spread = [None] * n
    for i, g in zip(positions, grads):
        spread[i] = g
    return tuple(spread)


def _checked(result, n, what, module):
    result = tuple(result) if isinstance(result, (tuple, list)) else (result,)
    if len(result) != n:
        raise RuntimeError(f"{type(module).__name__}: a {what} returned {len(result)} gradients, expected {n} "
                           "(one per entry of the tuple it was given, None where there is none)")
    return result
