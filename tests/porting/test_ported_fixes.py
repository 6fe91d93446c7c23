"""Library fixes found while porting public programs this round, each checked with a program of our own
under PyTorch and under this project (harness.py): an in-place activation after a norm without affine weights
(the norm returned the normalised input it keeps for backward, so the activation overwrote it: wrong gradients),
torch.trapz / trapezoid / cumulative_trapezoid, and how an empty tensor prints."""
import pytest

from harness import assert_same, run_both

torch = pytest.importorskip("torch")  # the oracle: each program also runs with PyTorch (CI installs it)


NORM_THEN_INPLACE = '''
import torch
import torch.nn as nn

torch.set_default_dtype(torch.float64)
x = torch.randn(2, 4, 5, 5)
grads = []
outputs = []
for norm in [nn.InstanceNorm2d(4), nn.GroupNorm(2, 4, affine=False), nn.LayerNorm([5, 5], elementwise_affine=False),
             nn.InstanceNorm2d(4, affine=True)]:
    conv = nn.Conv2d(4, 4, 3, padding=1)
    net = nn.Sequential(conv, norm, nn.LeakyReLU(0.2, inplace=True))
    y = net(x)
    (y ** 2).sum().backward()
    outputs.append(y)
    grads += [conv.weight.grad, conv.bias.grad]
'''


def test_an_in_place_activation_after_a_norm_without_affine():
    """CycleGAN's InstanceNorm2d(C) + ReLU(inplace=True): the norm (InstanceNorm2d's default, GroupNorm and
    LayerNorm with affine off) returned the normalised input it keeps for the backward as its output, so the
    in-place activation overwrote it and the gradients were wrong (the bias's ~1 where PyTorch's is 1e-15)."""
    torch_run, our_run = run_both(NORM_THEN_INPLACE)
    assert abs(torch_run["grads.1"]).max() < 1e-12  # (a bias before a norm: its true gradient is 0)
    assert_same(torch_run, our_run, rtol=1e-10, atol=1e-12)


TRAPEZOID = '''
import torch

y = torch.tensor([[1.0, 2.0, 4.0, 7.0], [0.5, -1.0, 3.0, 2.0]], requires_grad=True)
x = torch.tensor([0.0, 1.0, 3.0, 3.5])
results = [
    torch.trapz(y, x),
    torch.trapz(y, dx=0.5),
    torch.trapezoid(y),
    torch.trapezoid(y, x.reshape(1, 4) * 2),
    torch.trapezoid(y, torch.tensor([[0.0], [2.0]]), dim=0),
    torch.trapezoid(torch.tensor([1, 2, 4])),
    torch.trapezoid(torch.tensor([1, 2, 4]), torch.tensor([0, 1, 3])),
    torch.trapezoid(torch.tensor([5])),
    torch.trapezoid(torch.ones(2, 0)),
    torch.cumulative_trapezoid(y, x),
    torch.cumulative_trapezoid(y, dx=2.0, dim=0),
    torch.cumulative_trapezoid(torch.tensor([1, 2, 4])),
    torch.cumulative_trapezoid(torch.ones(2, 0)),
]
(torch.trapz(y, x).sum() + torch.cumulative_trapezoid(y, dx=0.5).sum()).backward()
grad = y.grad
errors = []
for bad in (lambda: torch.trapz(y, torch.ones(3)), lambda: torch.trapezoid(torch.tensor([True, False]))):
    try:
        bad()
    except RuntimeError as e:
        errors.append(str(e).split(":")[0])
'''


def test_trapezoid():
    """torch.trapz / trapezoid / cumulative_trapezoid (mean_average_precision integrates with torch.trapz):
    x as one value per sample or broadcasting, dx, ints (a float result), no samples, the gradient, the errors."""
    torch_run, our_run = run_both(TRAPEZOID)
    assert torch_run["errors"] == our_run["errors"] == ("trapezoid", "trapezoid")
    assert_same(torch_run, our_run)


def test_an_empty_tensor_prints_as_pytorch_s():
    """(Met printing cumulative_trapezoid of no samples.) PyTorch prints an empty tensor as ``tensor([])``,
    with its size unless it is 1-d and its dtype unless it is the default one; here every empty tensor
    printed ``dtype=float32`` and none its size. (dtypes print without ``torch.``, as everywhere here.)"""
    import autograd as ag

    for make in (lambda L: L.tensor([]), lambda L: L.ones(2, 0), lambda L: L.zeros(0, dtype=L.int64),
                 lambda L: L.zeros(0, dtype=L.float64), lambda L: L.ones(0, 3, requires_grad=True) * 2,
                 lambda L: L.zeros(2, 0, dtype=L.int32), lambda L: L.zeros(0, dtype=L.bool)):
        assert str(make(ag)) == str(make(torch)).replace("torch.", "")
