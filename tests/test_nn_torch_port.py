"""The "done when" of nn/optim: a PyTorch MLP training script, with only its import lines
changed, runs unchanged on seegrad and its loss curve matches PyTorch's from the same
initial weights (20 steps, SGD with momentum and Adam, 1e-5 relative)."""
import numpy as np
import pytest

try:  # PyTorch is the oracle when installed; one thread keeps it quick on small shared machines
    import torch as _torch
    _torch.set_num_threads(1)
except ImportError:
    pass

TORCH_HEADER = """
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
"""

SEEGRAD_HEADER = """
import autograd as torch
import nn
import nn.functional as F
import optim
"""

# An ordinary PyTorch training script. ``init_weights`` (numpy arrays), ``X_np``, ``y_np`` and
# ``OPTIMIZER`` are handed in so both runs start from the same point.
SCRIPT = """
class MLP(nn.Module):
    def __init__(self, n_in, n_hidden, n_out):
        super().__init__()
        self.fc1 = nn.Linear(n_in, n_hidden)
        self.fc2 = nn.Linear(n_hidden, n_hidden)
        self.head = nn.Sequential(nn.Dropout(p=0.0), nn.Linear(n_hidden, n_out))

    def forward(self, x):
        x = F.relu(self.fc1(x))
        x = torch.tanh(self.fc2(x))
        return self.head(x)


model = MLP(4, 32, 3)
model.load_state_dict({k: torch.tensor(v) for k, v in init_weights.items()})
if OPTIMIZER == "sgd":
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
else:
    opt = optim.Adam(model.parameters(), lr=1e-2)
scheduler = optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5)
loss_fn = nn.CrossEntropyLoss()
X, y = torch.tensor(X_np), torch.tensor(y_np)

losses = []
model.train()
for step in range(20):
    opt.zero_grad()
    loss = loss_fn(model(X), y)
    loss.backward()
    opt.step()
    scheduler.step()
    losses.append(loss.item())

model.eval()
with torch.no_grad():
    accuracy = (model(X).argmax(dim=1) == y).float().mean().item()
"""


def _run(header, namespace):
    exec(compile(header + SCRIPT, "<train script>", "exec"), namespace)
    return namespace


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_pytorch_script_runs_unchanged_and_matches_loss_curve(optimizer):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    X_np = rng.standard_normal((64, 4)).astype(np.float32)
    y_np = (X_np[:, 0] + X_np[:, 1] ** 2 > 0.5).astype(np.int64) + (X_np[:, 2] > 1).astype(np.int64)

    torch.manual_seed(0)
    reference = torch.nn.Sequential()  # only to draw PyTorch's default initial weights
    fc1, fc2, out = torch.nn.Linear(4, 32), torch.nn.Linear(32, 32), torch.nn.Linear(32, 3)
    init = {"fc1.weight": fc1.weight, "fc1.bias": fc1.bias, "fc2.weight": fc2.weight, "fc2.bias": fc2.bias,
            "head.1.weight": out.weight, "head.1.bias": out.bias}
    init = {k: v.detach().numpy().copy() for k, v in init.items()}
    del reference

    common = dict(init_weights=init, X_np=X_np, y_np=y_np, OPTIMIZER=optimizer)
    theirs = _run(TORCH_HEADER, dict(common))
    ours = _run(SEEGRAD_HEADER, dict(common))

    assert type(ours["model"].fc1.weight).__module__ == "nn.parameter"  # really ran on seegrad
    np.testing.assert_allclose(ours["losses"], theirs["losses"], rtol=1e-5)
    assert ours["losses"][-1] < 0.8 * ours["losses"][0]  # and it learned
    assert ours["accuracy"] == pytest.approx(theirs["accuracy"], abs=1 / 64 + 1e-9)
    for k, v in theirs["model"].state_dict().items():
        np.testing.assert_allclose(ours["model"].state_dict()[k].numpy(), v.numpy(), rtol=1e-4, atol=1e-5)
