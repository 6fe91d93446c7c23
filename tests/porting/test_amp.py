"""torch.amp as training scripts use it: GradScaler's scaling, unscaling (before clipping), the step
skipped on an inf, the scale backed off and grown, its state_dict, several optimizers; autocast's
disabled forms. Each program runs with PyTorch and with this project under torch's names
(harness.py): every value left and every number printed agree. Running ops in float16/bfloat16 is
not provided: enabled autocast is refused, with a message that says what to do."""
import warnings

import pytest

from harness import assert_same, run_both

torch = pytest.importorskip("torch")  # the oracle: each program also runs with PyTorch (CI installs it)

AMP_RECIPE = '''
import torch
import torch.nn as nn

torch.manual_seed(0)
net = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
loss_fn = nn.MSELoss()
data = [(torch.randn(5, 8), torch.randn(5, 4)) for _ in range(8)]
use_amp = True
scaler = torch.amp.GradScaler("cpu", init_scale=1024.0, growth_interval=3, enabled=use_amp)
scales, losses, steps_taken = [], [], []
for i, (x, y) in enumerate(data):
    with torch.autocast(device_type="cpu", dtype=torch.float16, enabled=False):
        output = net(x)
        loss = loss_fn(output, y)
    if i == 4:
        loss = loss * float("inf")  # an overflow: this step must be skipped and the scale backed off
    scaled = scaler.scale(loss)
    scaled.backward()
    scaler.unscale_(opt)  # the true gradients, to clip them
    norm = torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
    before = net[0].weight.clone()
    scaler.step(opt)
    steps_taken.append(bool((net[0].weight != before).any()))
    scaler.update()
    opt.zero_grad()
    scales.append(scaler.get_scale())
    losses.append(scaled.item() / 1.0 if i != 4 else 0.0)
state = scaler.state_dict()
print(scales, steps_taken, state["_growth_tracker"], state["scale"])

resumed = torch.amp.GradScaler("cpu")
resumed.load_state_dict(state)
resumed_scale = resumed.get_scale()

# two losses, two optimizers (the recipe's "multiple models, losses and optimizers")
a, b = nn.Linear(3, 1), nn.Linear(3, 1)
opt_a, opt_b = torch.optim.Adam(a.parameters(), lr=0.01), torch.optim.SGD(b.parameters(), lr=0.01)
scaler2 = torch.amp.GradScaler("cpu", init_scale=2.0 ** 10)
xs = torch.randn(6, 3)
for _ in range(3):
    out_a, out_b = a(xs), b(xs)
    loss_a = (out_a - out_b.detach()).pow(2).mean()
    loss_b = (out_b - out_a.detach()).abs().mean()
    scaled_a, scaled_b = scaler2.scale([loss_a, loss_b])
    scaled_a.backward()
    scaled_b.backward()
    result = scaler2.step(opt_a)
    scaler2.step(opt_b)
    scaler2.update()
    opt_a.zero_grad()
    opt_b.zero_grad()
print(scaler2.get_scale(), result)

# disabled: every method passes through
off = torch.amp.GradScaler("cpu", enabled=False)
loss = loss_fn(net(data[0][0]), data[0][1])
same = off.scale(loss) is loss
off_state = off.state_dict()
print(same, len(off_state), off.get_scale(), off.is_enabled())
'''


def test_grad_scaler_trains_as_with_pytorch():
    torch_run, our_run = run_both(AMP_RECIPE)
    assert_same(torch_run, our_run)
    assert list(our_run["steps_taken"]) == [True, True, True, True, False, True, True, True]


def test_grad_scaler_misuse_is_pytorchs():
    import autograd as ag
    import nn
    import optim

    net = nn.Linear(2, 1)
    opt = optim.SGD(net.parameters(), lr=0.1)
    for lib, make in (("torch", lambda: (torch.nn.Linear(2, 1), torch.amp.GradScaler("cpu"))),
                      ("ours", lambda: (net, ag.amp.GradScaler("cpu")))):
        model, scaler = make()
        o = (torch.optim.SGD if lib == "torch" else optim.SGD)(model.parameters(), lr=0.1)
        x = (torch.ones(1, 2) if lib == "torch" else ag.ones(1, 2))
        scaler.scale(model(x).sum()).backward()
        scaler.unscale_(o)
        with pytest.raises(RuntimeError, match="unscale_\\(\\) has already been called"):
            scaler.unscale_(o)
        scaler.step(o)
        with pytest.raises(RuntimeError, match="step\\(\\) has already been called since the last update"):
            scaler.step(o)
        with pytest.raises(RuntimeError, match="unscale_\\(\\) is being called after step"):
            scaler.unscale_(o)
        with pytest.raises(RuntimeError, match="Closure use is not currently supported"):
            scaler.step(o, closure=lambda: 0)
        with pytest.raises(AssertionError, match="growth factor must be > 1.0"):
            (torch.amp.GradScaler if lib == "torch" else ag.amp.GradScaler)("cpu", growth_factor=1.0)


def test_cuda_grad_scaler_without_cuda_disables_itself_like_pytorch():
    import autograd as ag

    if ag.cuda.is_available():
        pytest.skip("a GPU is here: the scaler stays enabled")  # (CI has no GPU)
    with pytest.warns(UserWarning, match="CUDA is not available.  Disabling."):
        scaler = ag.amp.GradScaler()
    assert not scaler.is_enabled() and scaler.get_scale() == 1.0
    with pytest.warns(FutureWarning, match="torch.cuda.amp.GradScaler"), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        assert not ag.cuda.amp.GradScaler().is_enabled()


def test_autocast_runs_disabled_and_refuses_lower_precision():
    import autograd as ag

    with ag.autocast(device_type="cpu", enabled=False):
        y = ag.ones(2) * 3
    assert y.dtype == ag.float32

    @ag.autocast("cpu", enabled=False)
    def f(x):
        return x + 1
    assert f(ag.zeros(1)).item() == 1.0
    with pytest.warns(UserWarning, match="target dtype is not supported. Disabling autocast"):
        with ag.autocast("cpu", dtype=ag.float32):
            pass
    with pytest.warns(UserWarning, match="target dtype is not supported. Disabling autocast"):
        with torch.autocast("cpu", dtype=torch.float32):
            pass
    with pytest.raises(RuntimeError, match="bfloat16 \\(mixed precision\\) is not provided.*enabled=False"):
        ag.autocast("cpu")
    if ag.cuda.is_available():
        with pytest.raises(RuntimeError, match="float16 \\(mixed precision\\) is not provided"):
            ag.autocast("cuda", dtype="float16")
    with pytest.raises(RuntimeError, match="unsupported autocast device_type 'gpu'"):
        ag.autocast("gpu", enabled=False)
    with pytest.raises(RuntimeError, match="gpu"):  # (PyTorch: "Expected one of cpu, cuda, ... string: gpu")
        torch.autocast("gpu", enabled=False)


def test_cuda_autocast_without_cuda_disables_itself_like_pytorch():
    """torch.cuda.amp.autocast() / torch.autocast("cuda") on a machine without CUDA: PyTorch warns and runs
    the block in float32 (GAN scripts written for a GPU, e.g. ProGAN's and Pix2Pix's train.py, run so on a
    CPU); ours refused it as float16 before."""
    import autograd as ag

    if ag.cuda.is_available():
        pytest.skip("a GPU is here: autocast('cuda') would run ops in float16, refused")  # (CI has no GPU)
    for lib in (torch, ag):
        with pytest.warns(UserWarning, match="CUDA is not available or torch_xla is imported. Disabling autocast"):
            with lib.autocast("cuda"):
                y = lib.ones(2) @ lib.ones(2)
        assert str(y.dtype).endswith("float32")
        with pytest.warns(FutureWarning, match="torch.cuda.amp.autocast"), warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            with lib.cuda.amp.autocast():
                y = lib.ones(2, 2) @ lib.ones(2, 2)
        assert str(y.dtype).endswith("float32")
