"""Custom autograd Functions as PyTorch's docs write them ("Extending PyTorch", "Double Backward
with Custom Functions", the straight-through estimator), run with PyTorch and with this project
under torch's names (harness.py): every value left and every number printed agree."""
import pytest

from harness import assert_same, run_both

torch = pytest.importorskip("torch")  # the oracle: each program also runs with PyTorch (CI installs it)

EXP = '''
import torch
from torch.autograd import Function


class Exp(Function):
    @staticmethod
    def forward(ctx, i):
        result = i.exp()
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad_output):
        result, = ctx.saved_tensors
        return grad_output * result


# Use it by calling the apply method:
input = torch.randn(3, 4, requires_grad=True)
output = Exp.apply(input)
output.sum().backward()
grad = input.grad
node = output.grad_fn.name()
print(node)
same_as_exp = bool(torch.allclose(input.grad, input.exp()))
'''

MUL_CONSTANT = '''
import torch
from torch.autograd import Function


class MulConstant(Function):
    @staticmethod
    def forward(tensor, constant):
        return tensor * constant

    @staticmethod
    def setup_context(ctx, inputs, output):
        # ctx is a context object that can be used to stash information
        # for backward computation
        tensor, constant = inputs
        ctx.constant = constant

    @staticmethod
    def backward(ctx, grad_output):
        # We return as many input gradients as there were arguments.
        # Gradients of non-Tensor arguments to forward must be None.
        return grad_output * ctx.constant, None


x = torch.randn(5, requires_grad=True)
y = MulConstant.apply(x, 2.5)
(y ** 2).sum().backward()
'''

NON_DIFFERENTIABLE_OUTPUT = '''
import torch
from torch.autograd import Function


class Func(Function):
    @staticmethod
    def forward(ctx, x):
        sorted, idx = x.sort()
        ctx.mark_non_differentiable(idx)
        ctx.save_for_backward(x, idx)
        return sorted, idx

    @staticmethod
    def backward(ctx, g1, g2):  # still need to accept g2
        x, idx = ctx.saved_tensors
        grad_input = torch.zeros_like(x)
        grad_input.index_add_(0, idx, g1)
        return grad_input


x = torch.randn(6, requires_grad=True)
values, indices = Func.apply(x)
weights = torch.arange(6.0)
(values * weights).sum().backward()
indices_require_grad = indices.requires_grad
print(indices)
'''

STRAIGHT_THROUGH = '''
import torch
import torch.nn as nn


class StraightThroughClamp(torch.autograd.Function):
    """Clamp in forward; pass the gradient through unchanged in backward."""

    @staticmethod
    def forward(ctx, x, lo, hi):
        return x.clamp(lo, hi)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output, None, None


class RoundSTE(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return torch.round(x)

    @staticmethod
    def backward(ctx, g):
        return g


def fake_quantize(x, scale=0.25):
    # the detach trick: forward sees the rounded value, backward the identity
    return x + (torch.round(x / scale) * scale - x).detach()


x = torch.linspace(-2, 2, 9, requires_grad=True)
StraightThroughClamp.apply(x, -1.0, 1.0).pow(2).sum().backward()
ste_grad = x.grad.clone()
x.grad = None
x.clamp(-1.0, 1.0).pow(2).sum().backward()
clamp_grad = x.grad.clone()        # zero outside [-1, 1]: the difference the estimator makes

x.grad = None
(RoundSTE.apply(x * 3) * torch.arange(9.0)).sum().backward()
round_grad = x.grad.clone()

# a tiny quantisation-aware step
layer = nn.Linear(4, 2)
opt = torch.optim.SGD(layer.parameters(), lr=0.1)
inp = torch.randn(8, 4)
target = torch.randn(8, 2)
for step in range(3):
    w_q = fake_quantize(layer.weight)
    out = torch.nn.functional.linear(inp, w_q, layer.bias)
    loss = torch.nn.functional.mse_loss(out, target)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(step, loss.item())
'''

SINH_DOUBLE_BACKWARD = '''
import torch


class Sinh(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        expx = torch.exp(x)
        expnegx = torch.exp(-x)
        ctx.save_for_backward(expx, expnegx)
        # In order to be able to save the intermediate results, a trick is to
        # include them as our outputs, so that the backward graph is constructed
        return (expx - expnegx) / 2, expx, expnegx

    @staticmethod
    def backward(ctx, grad_out, _grad_out_exp, _grad_out_negexp):
        expx, expnegx = ctx.saved_tensors
        grad_input = grad_out * (expx + expnegx) / 2
        # We cannot skip accumulating these even though we won't use the outputs
        # directly. They will be used later in the second backward.
        grad_input += _grad_out_exp * expx
        grad_input -= _grad_out_negexp * expnegx
        return grad_input


def sinh(x):
    # Create a wrapper that only returns the first output
    return Sinh.apply(x)[0]


x = torch.rand(3, 3, requires_grad=True, dtype=torch.double)
first_ok = torch.autograd.gradcheck(sinh, x)
out = sinh(x)
g, = torch.autograd.grad(out.sum(), x, create_graph=True)
gg, = torch.autograd.grad(g.sum(), x)   # d2/dx2 sinh = sinh
same_as_sinh = bool(torch.allclose(gg, torch.sinh(x)))
second_ok = torch.autograd.gradgradcheck(sinh, x)
by_hand = torch.autograd.gradcheck(lambda t: torch.autograd.grad(sinh(t).sum(), t, create_graph=True)[0], x)
print(first_ok, second_ok, by_hand, same_as_sinh)
'''

SQUARE_DOUBLE_BACKWARD = '''
import torch


class Square(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        # Because we are saving one of the inputs use `save_for_backward`
        # Save non-tensors and non-inputs/non-outputs directly on ctx
        ctx.save_for_backward(x)
        return x**2

    @staticmethod
    def backward(ctx, grad_out):
        # A function support double backward automatically if autograd
        # is able to record the computations performed in backward
        x, = ctx.saved_tensors
        return grad_out * 2 * x


x = torch.rand(3, 3, requires_grad=True, dtype=torch.double)
ok = torch.autograd.gradcheck(Square.apply, x)
ok_twice = torch.autograd.gradgradcheck(Square.apply, x)
y = Square.apply(x)
g, = torch.autograd.grad(y.sum(), x, create_graph=True)
g.sum().backward()
second = x.grad                    # 2 everywhere
print(ok, ok_twice)


class SquareDetached(torch.autograd.Function):
    """backward written with a detached input: right once, wrong twice (gradgradcheck finds it)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 2

    @staticmethod
    def backward(ctx, grad_out):
        x, = ctx.saved_tensors
        return grad_out * 2 * x.detach()


first_right = torch.autograd.gradcheck(SquareDetached.apply, x)
second_right = torch.autograd.gradgradcheck(SquareDetached.apply, x, raise_exception=False)
'''

TWO_OUTPUTS = '''
import torch


class SplitScale(torch.autograd.Function):
    """Two outputs: x * a and x * b, with a gradient for x and for the scale tensor."""

    @staticmethod
    def forward(ctx, x, scale):
        ctx.save_for_backward(x, scale)
        return x * scale[0], x * scale[1]

    @staticmethod
    def backward(ctx, ga, gb):
        x, scale = ctx.saved_tensors
        gx = ga * scale[0] + gb * scale[1]
        gscale = torch.stack([(ga * x).sum(), (gb * x).sum()])
        return gx, gscale


x = torch.randn(4, requires_grad=True)
scale = torch.tensor([2.0, -3.0], requires_grad=True)
a, b = SplitScale.apply(x, scale)
(a.pow(2).sum() + b.sum()).backward()
x_grad, scale_grad = x.grad, scale.grad

# only one output used: the other's gradient arrives as zeros
x.grad = None
scale.grad = None
a, b = SplitScale.apply(x, scale)
a.sum().backward()
x_grad_one, scale_grad_one = x.grad, scale.grad

# set_materialize_grads(False): the unused output's gradient is None
seen = []


class Pair(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.set_materialize_grads(False)
        return x * 2, x * 3

    @staticmethod
    def backward(ctx, g1, g2):
        seen.append(g2 is None)
        total = torch.zeros(())
        if g1 is not None:
            total = total + g1 * 2
        if g2 is not None:
            total = total + g2 * 3
        return total


p1, p2 = Pair.apply(x)
p1.sum().backward()
saw_none = seen[0]
pair_grad = x.grad
'''

LEGENDRE_MODULE = '''
import torch
import torch.nn as nn


class LegendrePolynomial3(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input ** 3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input ** 2 - 1)


class P3Layer(nn.Module):
    """A module around the custom Function, trained with an optimizer."""

    def __init__(self, features):
        super().__init__()
        self.scale = nn.Parameter(torch.full((features,), 0.3))
        self.linear = nn.Linear(features, 1)

    def forward(self, x):
        return self.linear(LegendrePolynomial3.apply(x * self.scale))


model = P3Layer(3)
opt = torch.optim.Adam(model.parameters(), lr=0.01)
x = torch.randn(32, 3)
y = (x ** 3).sum(1, keepdim=True) * 0.1
losses = []
for step in range(20):
    opt.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    opt.step()
    losses.append(loss.item())
print(losses[0], losses[-1])
'''


@pytest.mark.parametrize("source", [EXP, MUL_CONSTANT, NON_DIFFERENTIABLE_OUTPUT, STRAIGHT_THROUGH,
                                    SINH_DOUBLE_BACKWARD, SQUARE_DOUBLE_BACKWARD, TWO_OUTPUTS, LEGENDRE_MODULE],
                         ids=["exp", "mul_constant", "non_differentiable_output", "straight_through",
                              "sinh_double_backward", "square_double_backward", "two_outputs", "legendre_module"])
def test_same_as_pytorch(source):
    torch_run, our_run = run_both(source)
    assert_same(torch_run, our_run)
