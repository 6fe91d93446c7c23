"""nn.Buffer (PyTorch 2's register_buffer by assignment) and nn.DataParallel on one device, as programs use them,
run under PyTorch and under this project (harness.py), plus their edges against PyTorch."""
import copy

import numpy as np
import pytest

import autograd as ag
import nn

from harness import assert_same, run_both

torch = pytest.importorskip("torch")  # the oracle (CI installs it)

PROGRAM = '''
import torch
import torch.nn as nn

torch.manual_seed(0)


class RunningNorm(nn.Module):
    """Normalises by running statistics kept in buffers, one of them out of the state dict."""

    def __init__(self, n):
        super().__init__()
        self.mean = nn.Buffer(torch.zeros(n))
        self.count = nn.Buffer(torch.zeros(()), persistent=False)
        self.linear = nn.Linear(n, 2)

    def forward(self, x):
        if self.training:
            with torch.no_grad():
                self.count += 1
                self.mean += (x.mean(0) - self.mean) / self.count
        return self.linear(x - self.mean)


model = RunningNorm(3)
model = nn.DataParallel(model)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for step in range(5):
    x, y = torch.randn(8, 3), torch.randn(8, 2)
    loss = ((model(x) - y) ** 2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"step {step}: loss {loss.item():.5f}")
keys = sorted(model.state_dict())
inner_keys = sorted(model.module.state_dict())
buffers = sorted(name for name, _ in model.named_buffers())
plain = RunningNorm(3)
plain.load_state_dict(model.module.state_dict())
count_after_load = plain.count.item()
mean_loaded = plain.mean
'''


def test_a_program_with_buffers_and_data_parallel():
    torch_run, our_run = run_both(PROGRAM)
    assert_same(torch_run, our_run, rtol=1e-5, atol=1e-6)
    assert our_run["keys"] == ("module.linear.bias", "module.linear.weight", "module.mean")
    assert our_run["count_after_load"] == 0.0  # (not persistent: not in the state dict, not loaded)


def test_buffer_assignment_rules_as_pytorchs():
    results = []
    for lib, lnn in ((torch, torch.nn), (ag, nn)):
        m = lnn.Module()
        m.a = lnn.Buffer(lib.ones(2))
        m.b = lnn.Buffer(lib.zeros(1), persistent=False)
        first = (sorted(m.state_dict()), sorted(n for n, _ in m.named_buffers()))
        m.b = lnn.Buffer(lib.ones(1))  # persistent now
        m.a = lib.full((2,), 3.0)  # a plain tensor into an existing buffer stays a buffer
        second = (sorted(m.state_dict()), m.a.tolist(), m.b.persistent if hasattr(m.b, "persistent") else None)
        source = lib.ones(3, requires_grad=True)
        alias = lnn.Buffer(source)
        with lib.no_grad():
            source[0] = 7.0
        third = (alias[0].item(), alias.requires_grad, lnn.Buffer().shape == (0,))
        m2 = copy.deepcopy(m).double()
        fourth = (str(m2.a.dtype).replace("torch.", ""), sorted(m2.state_dict()))
        results.append((first, second[:2], third, fourth))
    assert results[0] == results[1]


def test_data_parallel_on_one_device():
    for lnn in (torch.nn, nn):
        dp = lnn.DataParallel(lnn.Linear(2, 3))
        assert type(dp.module).__name__ == "Linear" and list(dp.state_dict()) == ["module.weight", "module.bias"]
        with pytest.raises(AttributeError):
            dp.weight  # noqa: B018  (the wrapper does not forward attributes, as PyTorch's)
    x = np.ones((4, 2), dtype=np.float32)
    dp = nn.DataParallel(nn.Linear(2, 3))
    np.testing.assert_array_equal(dp(ag.tensor(x)).detach().numpy(), dp.module(ag.tensor(x)).detach().numpy())
    with pytest.raises(ValueError, match="one device"):
        nn.DataParallel(nn.Linear(2, 3), device_ids=[0, 1])
