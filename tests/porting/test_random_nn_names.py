"""The random nn names against PyTorch under the porting harness (harness.py), which replays PyTorch's own
draws. F.gumbel_softmax: PyTorch draws its Gumbel noise as -log(e) with e from Tensor.exponential_, ours the
same way, so everything else (the softmax, the temperature, the straight-through one-hot, the gradients) must
agree. nn.init.sparse_: the normal numbers, then one permutation per column, in PyTorch's order."""
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

SPARSE = '''
import torch
import torch.nn as nn

w = nn.init.sparse_(torch.empty(6, 5), sparsity=0.4, std=0.2)
zeros_per_column = (w == 0).sum(0)
layer = nn.Linear(5, 6)
nn.init.sparse_(layer.weight, 0.1)
out = layer(torch.ones(2, 5))
'''


def test_sparse_init_runs_as_with_pytorch():
    torch_run, our_run = run_both(SPARSE)
    assert_same(torch_run, our_run, rtol=1e-6, atol=1e-7)


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
