"""torch.compile as programs use it: seegrad has no compiler, so ag.compile runs the module or function as it is
(PyTorch's backend="eager"), wrapped as PyTorch wraps it, so that the code around it (nanoGPT's
``model = torch.compile(model)``, the '_orig_mod.' prefix it strips when loading a checkpoint) runs unchanged."""
import functools

import pytest

import autograd as ag
import nn

from harness import assert_same, run_both

torch = pytest.importorskip("torch")  # the oracle (CI installs it)


@pytest.fixture(autouse=True)
def _pytorch_argument_checks_kept():
    """Running torch.compile (its dynamo) turns PyTorch's distribution argument checks off for the whole process
    (Distribution._validate_args): the tests that compare our errors with PyTorch's would then see none."""
    checking = torch.distributions.Distribution._validate_args
    yield
    torch.distributions.Distribution.set_default_validate_args(checking)

NANOGPT_STYLE = '''
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(1337)


class MLP(nn.Module):
    def __init__(self, n_embd, vocab):
        super().__init__()
        self.wte = nn.Embedding(vocab, n_embd)
        self.c_fc = nn.Linear(n_embd, 4 * n_embd)
        self.c_proj = nn.Linear(4 * n_embd, vocab)
        self.block_size = 8

    def forward(self, idx, targets=None):
        logits = self.c_proj(F.gelu(self.c_fc(self.wte(idx))))
        loss = None if targets is None else F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))
        return logits, loss


model = MLP(16, 32)
unoptimized_model = model
model = torch.compile(model)  # requires PyTorch 2.0
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
data = torch.randint(0, 32, (64,))
for it in range(10):
    ix = torch.randint(len(data) - model.block_size - 1, (4,))
    x = torch.stack([data[i:i + model.block_size] for i in ix])
    y = torch.stack([data[i + 1:i + 1 + model.block_size] for i in ix])
    logits, loss = model(x, y)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    print(f"iter {it}: loss {loss.item():.4f}")

checkpoint = {"model": model.state_dict()}
saved_keys = sorted(checkpoint["model"])
# nanoGPT's train.py, resuming from a checkpoint of a compiled model:
state_dict = checkpoint["model"]
unwanted_prefix = "_orig_mod."
for k, v in list(state_dict.items()):
    if k.startswith(unwanted_prefix):
        state_dict[k[len(unwanted_prefix):]] = state_dict.pop(k)
fresh = MLP(16, 32)
fresh.load_state_dict(state_dict)
same_as_trained = torch.equal(fresh.c_proj.weight, unoptimized_model.c_proj.weight)
'''


def test_a_compiled_model_trains_and_saves_as_pytorchs(monkeypatch):
    # PyTorch's own compiler (inductor) takes minutes here to build its C++ kernels: the PyTorch run compiles with
    # its backend "eager", which, like ag.compile, runs the model's Python as it is (the same numbers).
    monkeypatch.setattr(torch, "compile", functools.partial(torch.compile, backend="eager"))
    torch_run, our_run = run_both(NANOGPT_STYLE)
    assert_same(torch_run, our_run, rtol=1e-5, atol=1e-6)
    assert our_run["saved_keys"][0].startswith("_orig_mod.") and our_run["same_as_trained"] is True


def test_what_compile_returns():
    m = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    m.extra = 5
    c = ag.compile(m)
    theirs = torch.compile(torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU()), backend="eager")
    assert type(c).__name__ == type(theirs).__name__ == "OptimizedModule"
    assert list(c.state_dict()) == list(theirs.state_dict()) == ["_orig_mod.0.weight", "_orig_mod.0.bias"]
    assert c._orig_mod is m and c.extra == 5 and list(c.parameters())[0] is m[0].weight
    c.eval()
    assert not m.training  # (train/eval reach the module)
    x = ag.randn(4, 2)
    assert ag.equal(c(x), m(x))
    assert ag.compile(m, disable=True) is m
    assert type(ag.compile(mode="max-autotune", fullgraph=True)(m)).__name__ == "OptimizedModule"

    @ag.compile
    def double(x):
        return x * 2

    assert double.__name__ == "double" and ag.equal(double(x), x * 2)
    with pytest.raises(TypeError, match="expected a module or a function"):
        ag.compile(3)
