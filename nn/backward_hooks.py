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
        self.positions = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]
        if not self.positions:
            return args
        self.input_hooked = True
        wrapped = BackwardHookFunction.apply(self._on_inputs, *(args[i] for i in self.positions))
        args = list(args)
        for i, t in zip(self.positions, wrapped):
            args[i] = t
        return tuple(args)

    def setup_outputs(self, out):
        single = isinstance(out, Tensor)
        outs = (out,) if single else out
        if not isinstance(outs, tuple):
            return out
        self.out_positions = [i for i, o in enumerate(outs) if isinstance(o, Tensor) and o.requires_grad]
        self.n_outs = len(outs)
        if not self.out_positions:
            return out
        wrapped = BackwardHookFunction.apply(self._on_outputs, *(outs[i] for i in self.out_positions))
        outs = list(outs)
        for i, t in zip(self.out_positions, wrapped):
            outs[i] = t
        return outs[0] if single else tuple(outs)

    def _on_outputs(self, grads):
        grad_output = [None] * self.n_outs
        for i, g in zip(self.out_positions, grads):
            grad_output[i] = g
        grad_output = tuple(grad_output)
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
        grad_input = [None] * self.n_args
        for i, g in zip(self.positions, grads):
            grad_input[i] = g
        grad_input = tuple(grad_input)
        for hook in list(self.module._backward_hooks.values()):
            result = hook(self.module, grad_input, self.grad_output)
            if result is not None:
                grad_input = _checked(result, self.n_args, "full backward hook", self.module)
        return tuple(grad_input[i] for i in self.positions)


def _checked(result, n, what, module):
    result = tuple(result) if isinstance(result, (tuple, list)) else (result,)
    if len(result) != n:
        raise RuntimeError(f"{type(module).__name__}: a {what} returned {len(result)} gradients, expected {n} "
                           "(one per entry of the tuple it was given, None where there is none)")
    return result
