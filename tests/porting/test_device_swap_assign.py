"""Three PyTorch idioms of its recipes on saving and loading, each checked with a program of our own under PyTorch
and under this project (harness.py): ``with torch.device(...)`` as a block that sets the default device,
``torch.utils.swap_tensors``, and ``load_state_dict(assign=True)``, which puts the checkpoint's tensors themselves
into the module (this project copied into the old parameters, so an in-place change to the checkpoint after loading,
or an optimizer built after, saw other numbers than PyTorch's)."""
import pytest

from harness import assert_same, run_both

torch = pytest.importorskip("torch")  # the oracle: each program also runs with PyTorch (CI installs it)

DEVICE_BLOCK = '''
import torch
import torch.nn as nn

with torch.device("cpu") as where:
    inside = torch.ones(2, 3)
    layer = nn.Linear(3, 2)
    with torch.device("cpu"):
        nested = torch.zeros(1)
    after_nested = torch.empty(1).device.type
outside = torch.ones(1)
devices = (str(where), inside.device.type, layer.weight.device.type, nested.device.type, after_nested,
           outside.device.type)
'''


def test_a_device_block_sets_the_default_device():
    torch_run, our_run = run_both(DEVICE_BLOCK)
    assert list(our_run["devices"]) == ["cpu"] * 6
    assert_same(torch_run, our_run, ignore=["inside", "nested", "outside"])  # (empty and ones: compared by shape)


def test_a_device_block_for_a_device_that_is_not_here_is_refused_by_name():
    import autograd as ag

    if ag.cuda.is_available():
        pytest.skip("a GPU is here")  # (CI has none)
    with pytest.raises(RuntimeError, match="cuda"):
        with ag.device("cuda"):
            pass
    assert ag.ones(1).device.type == "cpu"  # (the default is left as it was)


SWAP = '''
import torch
import torch.nn as nn

a = torch.arange(2.0)
b = torch.arange(3.0, 6.0)
a_id, b_id = id(a), id(b)
torch.utils.swap_tensors(a, b)
same_objects = (id(a) == a_id, id(b) == b_id)
a_after, b_after = a.clone(), b.clone()

model = nn.Linear(2, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.5)
new_weight = nn.Parameter(torch.tensor([[2.0, -1.0]]))
torch.utils.swap_tensors(model.weight, new_weight)
held = opt.param_groups[0]["params"][0] is model.weight
loss = model(torch.tensor([[1.0, 3.0]])).sum()
loss.backward()
opt.step()
weight = model.weight.detach().clone()
old_weight_is_untouched = new_weight.grad is None

v = torch.ones(3)
view = v[:2]
refused = []
try:
    torch.utils.swap_tensors(v, torch.zeros(3))
except RuntimeError:
    refused.append("view")
'''


def test_swap_tensors_as_pytorch():
    torch_run, our_run = run_both(SWAP)
    assert list(our_run["same_objects"]) == [True, True] and bool(our_run["held"]) and len(our_run["refused"]) == 1
    assert_same(torch_run, our_run)


ASSIGN = '''
import torch
import torch.nn as nn

torch.manual_seed(0)
source = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
source(torch.randn(5, 3))  # (running statistics that differ from the defaults)
checkpoint = {k: v.clone() for k, v in source.state_dict().items()}

target = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
old_weight = target[0].weight
opt_before = torch.optim.SGD(target.parameters(), lr=0.1)
target.load_state_dict(checkpoint, assign=True)
replaced = target[0].weight is not old_weight
shares = target[0].weight.data_ptr() == checkpoint["0.weight"].data_ptr()
is_parameter = isinstance(target[0].weight, nn.Parameter) and target[0].weight.requires_grad
buffer_is_the_value = target[1].running_mean is checkpoint["1.running_mean"]

checkpoint["2.weight"].mul_(-2)  # an in-place change to the checkpoint reaches the assigned weight
opt = torch.optim.SGD(target.parameters(), lr=0.1)
target(torch.randn(6, 3)).pow(2).sum().backward()
opt.step()
weights = [p.detach().clone() for p in target.parameters()]
old_weight_now = old_weight.detach().clone()  # (the old parameter, left behind: the first optimizer holds it)
'''


def test_load_state_dict_with_assign_puts_the_checkpoint_s_tensors_in_as_pytorch():
    torch_run, our_run = run_both(ASSIGN)
    assert all(bool(our_run[k]) for k in ("replaced", "shares", "is_parameter", "buffer_is_the_value"))
    assert_same(torch_run, our_run)
