"""F.gumbel_softmax against PyTorch under the porting harness (harness.py): PyTorch draws its Gumbel noise
as -log(e) with e from Tensor.exponential_, ours the same way, so the harness replays PyTorch's own draws
and everything else (the softmax, the temperature, the straight-through one-hot, the gradients) must agree."""
import warnings

import pytest

from harness import assert_same, run_both

torch = pytest.importorskip("torch")  # the oracle: the program also runs with PyTorch

GUMBEL = '''
import torch
import torch.nn.functional as F

logits = torch.randn(5, 7, requires_grad=True)
weights = torch.arange(35.).view(5, 7) / 10

soft = F.gumbel_softmax(logits, tau=0.7)
(soft * weights).sum().backward()
soft_grad = logits.grad.clone()
logits.grad = None

hard = F.gumbel_softmax(logits, tau=2.0, hard=True)      # one-hot forward, the soft sample's gradient back
(hard * weights).sum().backward()
hard_grad = logits.grad.clone()
picked = hard.argmax(1)
ones = hard.sum(1)

column = F.gumbel_softmax(logits.double(), hard=True, dim=0)
is_double = column.dtype == torch.float64
column_ones = column.sum(0)
noise = torch.empty(3, 4).exponential_(3.0)               # Exp(3) draws, replayed: the same numbers
print(round(soft.sum().item(), 4), hard.sum().item())
'''


def test_gumbel_softmax_runs_as_with_pytorch():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch_run, our_run = run_both(GUMBEL)
    assert_same(torch_run, our_run, rtol=1e-5, atol=1e-6)


def test_gumbel_softmax_eps_is_deprecated_as_in_pytorch():
    import autograd as ag
    import nn.functional as F

    with pytest.warns(UserWarning, match="`eps` parameter is deprecated and has no effect"):
        F.gumbel_softmax(ag.randn(2, 3), eps=1e-5)
