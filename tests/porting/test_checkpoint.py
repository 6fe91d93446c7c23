"""torch.utils.checkpoint as people use it: a transformer-ish MLP block checkpointed inside a model
(use_reentrant=False, dropout inside: the same masks when run again), checkpoint_sequential, and
the reentrant variant's gotcha (no input requires grad: a warning, and no gradient for the
parameters inside). Each runs with PyTorch and with this project under torch's names
(harness.py): every value left and every number printed agree. Then what checkpointing is for:
the checkpointed ops hold no saved arrays between forward and backward."""
import warnings

import numpy as np
import pytest

from harness import assert_same, run_both

torch = pytest.importorskip("torch")  # the oracle: each program also runs with PyTorch (CI installs it)

BLOCKS = '''
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.checkpoint import checkpoint, checkpoint_sequential


class Block(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.norm = nn.LayerNorm(d)
        self.fc1 = nn.Linear(d, 4 * d)
        self.fc2 = nn.Linear(4 * d, d)
        self.drop = nn.Dropout(0.2)

    def forward(self, x):
        return x + self.drop(self.fc2(F.gelu(self.fc1(self.norm(x)))))


class Net(nn.Module):
    def __init__(self, d, n, use_checkpoint):
        super().__init__()
        self.blocks = nn.ModuleList([Block(d) for _ in range(n)])
        self.head = nn.Linear(d, 3)
        self.use_checkpoint = use_checkpoint

    def forward(self, x):
        for block in self.blocks:
            x = checkpoint(block, x, use_reentrant=False) if self.use_checkpoint else block(x)
        return self.head(x)


torch.manual_seed(0)
net = Net(8, 3, use_checkpoint=True)
opt = torch.optim.AdamW(net.parameters(), lr=1e-2)
x, y = torch.randn(6, 8), torch.randint(0, 3, (6,))
losses = []
for step in range(4):
    opt.zero_grad()
    out = net(x)
    loss = F.cross_entropy(out, y)
    loss.backward()
    opt.step()
    losses.append(loss.item())
print(losses, out.grad_fn.name())
grads = [p.grad for p in net.parameters()]

# checkpoint_sequential over an nn.Sequential, the input requiring grad
seq = nn.Sequential(nn.Linear(5, 7), nn.Tanh(), nn.Linear(7, 7), nn.Tanh(), nn.Linear(7, 2))
inp = torch.randn(4, 5, requires_grad=True)
out_seq = checkpoint_sequential(seq, 2, inp, use_reentrant=False)
out_seq.pow(2).sum().backward()
inp_grad = inp.grad
seq_grads = [p.grad for p in seq.parameters()]

# the reentrant variant's gotcha: no input requires grad -> no gradient for the parameters inside
lin = nn.Linear(3, 3)
frozen_input = torch.randn(2, 3)
out_r = checkpoint(lin, frozen_input, use_reentrant=True)
reentrant_requires_grad = out_r.requires_grad
weight_grad_is_none = lin.weight.grad is None

# the reentrant variant with an input that requires grad: the parameters get their gradients
x2 = torch.randn(2, 3, requires_grad=True)
checkpoint(lin, x2, use_reentrant=True).sum().backward()
lin_weight_grad = lin.weight.grad
'''


def test_checkpointed_models_train_as_with_pytorch():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the reentrant gotcha's warning, in both runs
        torch_run, our_run = run_both(BLOCKS)
    assert_same(torch_run, our_run)
    assert our_run["weight_grad_is_none"] is True and our_run["reentrant_requires_grad"] is False


def test_checkpointed_ops_keep_nothing_until_backward():
    import autograd as ag
    import nn
    from autograd.checkpoint import checkpoint
    from autograd.graph import _FREED, record_ops

    block = nn.Sequential(nn.Linear(64, 256), nn.Tanh(), nn.Linear(256, 64), nn.Tanh())
    x = ag.randn(128, 64, requires_grad=True)

    def saved_bytes(fn):
        with record_ops() as ops:
            out = fn()
        held = sum(a.nbytes for node, _ in ops if node._saved not in (None, _FREED) for a in node._saved
                   if hasattr(a, "nbytes"))
        return out, held

    plain, plain_bytes = saved_bytes(lambda: block(x))
    ckpt, ckpt_bytes = saved_bytes(lambda: checkpoint(block, x, use_reentrant=False))
    assert plain_bytes > 128 * 256 * 4 and ckpt_bytes == 0  # the activations are not kept...
    ckpt.sum().backward()
    g_ckpt = x.grad.numpy().copy()
    x.grad = None
    plain.sum().backward()
    np.testing.assert_array_equal(g_ckpt, x.grad.numpy())  # ...and the gradient is the same, bit for bit


def test_dropout_inside_draws_the_same_masks_when_run_again():
    import autograd as ag
    import nn
    from autograd.checkpoint import checkpoint

    block = nn.Sequential(nn.Linear(16, 32), nn.Dropout(0.5), nn.Tanh(), nn.Dropout(0.3))
    x = ag.randn(8, 16, requires_grad=True)
    grads = []
    for use in (True, False):
        ag.manual_seed(3)
        out = checkpoint(block, x, use_reentrant=False) if use else block(x)
        ag.randn(5)  # a draw between forward and backward: the run again must not see it
        (out * ag.arange(32.0)).sum().backward()
        grads.append(x.grad.numpy().copy())
        x.grad = None
    np.testing.assert_array_equal(grads[0], grads[1])


def test_a_function_that_runs_other_ops_the_second_time_is_an_error():
    import autograd as ag
    from autograd.checkpoint import checkpoint

    calls = []

    def moody(t):
        calls.append(1)
        return t.tanh() if len(calls) == 1 else t.sigmoid()

    x = ag.randn(3, requires_grad=True)
    y = checkpoint(moody, x, use_reentrant=False)
    with pytest.raises(RuntimeError, match="recorded 1 ops when run again.*TanhBackward|Tanh.*Sigmoid"):
        y.sum().backward()


def test_checkpoint_asks_for_use_reentrant_like_pytorch():
    import autograd as ag
    from autograd.checkpoint import checkpoint

    with pytest.warns(UserWarning, match="use_reentrant parameter should be passed explicitly"):
        checkpoint(lambda t: t * 2, ag.ones(2, requires_grad=True))
    with pytest.raises(ValueError, match="Unexpected keyword arguments: scale"):
        checkpoint(lambda t, scale: t * scale, ag.ones(2, requires_grad=True), use_reentrant=True, scale=2)
    assert checkpoint(lambda t, scale: t * scale, ag.ones(2, requires_grad=True), use_reentrant=False,
                      scale=2).sum().item() == 4.0
