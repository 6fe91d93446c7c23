"""A run begun in PyTorch and continued here: train N steps with torch.optim 2.13, load the model's
and the optimizer's state dicts (as PyTorch saved them: tensors, each ``step`` a 0-d float32 tensor)
into ours with ``load_state_dict``, then take M more steps in both and compare the parameters, in
float32 and float64, for every optimizer that keeps per-parameter state.

PyTorch counts steps in a float32 tensor but does its arithmetic on the count (bias corrections
1 - beta**t, Adagrad's decayed rate, NAdam's momentum schedule, RAdam's rho_t) with ``step.item()``,
a Python float; a loaded count must be read the same way, not as a float32 tensor."""
import numpy as np
import pytest

import autograd as ag
import nn
import optim

torch = pytest.importorskip("torch")
torch.set_num_threads(1)

CASES = [
    ("Adam", dict(lr=0.05)),
    ("Adam", dict(lr=0.05, amsgrad=True, weight_decay=0.1)),
    ("AdamW", dict(lr=0.05, betas=(0.8, 0.99))),
    ("Adamax", dict(lr=0.05, weight_decay=0.01)),
    ("NAdam", dict(lr=0.05)),
    ("NAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.05)),  # (rho_t > 5 from step 6: loaded at step 4, the switch comes after)
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.9)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("Adadelta", dict(lr=0.5, weight_decay=0.01)),
    ("Rprop", dict(lr=0.01)),
    ("ASGD", dict(lr=0.05, t0=3)),
    ("Adafactor", dict(lr=0.05, weight_decay=0.1)),  # (row and column factors: shapes that are not p's)
    ("Adafactor", dict(lr=0.02, beta2_decay=-0.5, eps=(1e-20, 1e-2), d=1.5, maximize=True)),
]
IDS = [f"{name}-{'-'.join(map(str, kw.values()))}" for name, kw in CASES]
TOL = {"float64": dict(rtol=1e-11, atol=1e-12), "float32": dict(rtol=2e-5, atol=2e-6)}


def _data(steps):
    rng = np.random.default_rng(0)
    return [(rng.standard_normal((8, 5)), rng.standard_normal((8, 2))) for _ in range(steps)]


def _train(lib, model, opt, batches, dtype):
    """The usual loop: zero_grad, MSE loss of the model's output, backward, step."""
    for x, y in batches:
        opt.zero_grad()
        loss = lib.nn.functional.mse_loss(model(lib.tensor(x, dtype=dtype)), lib.tensor(y, dtype=dtype))
        loss.backward()
        opt.step()


def _torch_model(dtype):
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(5, 6), torch.nn.Tanh(), torch.nn.Linear(6, 2)).to(dtype)


def _as_numpy(saved):
    """PyTorch's optimizer state dict with each tensor as a numpy array (``step`` a 0-d float32 array)."""
    return {"param_groups": saved["param_groups"],
            "state": {i: {k: v.numpy() if isinstance(v, torch.Tensor) else v for k, v in moments.items()}
                      for i, moments in saved["state"].items()}}


@pytest.mark.parametrize("name, kw", CASES, ids=IDS)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("form", ["tensors", "numpy"])
def test_a_run_begun_in_torch_continues_here_as_in_torch(name, kw, dtype, form):
    before, after = 4, 16
    batches = _data(before + after)
    tmodel = _torch_model(getattr(torch, dtype))
    topt = getattr(torch.optim, name)(tmodel.parameters(), **kw)
    _train(torch, tmodel, topt, batches[:before], getattr(torch, dtype))

    model = nn.Sequential(nn.Linear(5, 6), nn.Tanh(), nn.Linear(6, 2)).to(getattr(ag, dtype))
    model.load_state_dict(tmodel.state_dict())
    opt = getattr(optim, name)(model.parameters(), **kw)
    saved = topt.state_dict()  # PyTorch's own dict: its tensors, its float32 step counts
    opt.load_state_dict(saved if form == "tensors" else _as_numpy(saved))

    _train(torch, tmodel, topt, batches[before:], getattr(torch, dtype))
    _train(ag, model, opt, batches[before:], getattr(ag, dtype))
    for (key, theirs), ours in zip(tmodel.state_dict().items(), model.state_dict().values()):
        assert ours.dtype == getattr(ag, dtype)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), err_msg=key, **TOL[dtype])
    saved, tsaved = opt.state_dict()["state"], topt.state_dict()["state"]
    for i, moments in tsaved.items():
        assert set(saved[i]) == set(moments)
        for key, value in moments.items():
            np.testing.assert_allclose(np.asarray(saved[i][key], dtype=float), value.double().numpy(),
                                       err_msg=f"state[{i}][{key!r}]", **TOL[dtype])


@pytest.mark.parametrize("name", ["Adam", "NAdam"])
def test_a_loaded_count_is_read_as_a_number_and_keeps_counting(name):
    """The count from PyTorch's dict (a float32 tensor, 4.0) becomes the number 4.0: what PyTorch's
    arithmetic reads (step.item()); the next step makes it 5.0, and our state dict gives that back."""
    tmodel = _torch_model(torch.float64)
    topt = getattr(torch.optim, name)(tmodel.parameters(), lr=0.01)
    _train(torch, tmodel, topt, _data(4), torch.float64)
    model = nn.Sequential(nn.Linear(5, 6), nn.Tanh(), nn.Linear(6, 2)).double()
    model.load_state_dict(tmodel.state_dict())
    opt = getattr(optim, name)(model.parameters(), lr=0.01)
    opt.load_state_dict(topt.state_dict())
    step = opt.state[model[0].weight]["step"]
    assert type(step) is float and step == 4.0
    _train(ag, model, opt, _data(1), ag.float64)
    assert opt.state_dict()["state"][0]["step"] == 5.0


def test_a_count_saved_by_nn_save_resumes_bit_for_bit(tmp_path):
    """Our own count, through nn.save and nn.load (an integer array in the file), is a number again."""
    def fresh():
        ag.manual_seed(0)
        model = nn.Sequential(nn.Linear(5, 6), nn.Tanh(), nn.Linear(6, 2)).double()
        return model, optim.Adam(model.parameters(), lr=0.05)

    batches = _data(12)
    whole, whole_opt = fresh()
    _train(ag, whole, whole_opt, batches, ag.float64)
    model, opt = fresh()
    _train(ag, model, opt, batches[:5], ag.float64)
    nn.save(opt.state_dict(), tmp_path / "opt.npz")
    again = optim.Adam(model.parameters(), lr=0.05)
    again.load_state_dict(nn.load(tmp_path / "opt.npz"))
    _train(ag, model, again, batches[5:], ag.float64)
    for a, b in zip(whole.parameters(), model.parameters()):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def test_a_bad_count_is_refused_naming_the_entry():
    model = nn.Linear(2, 1)
    opt = optim.Adam(model.parameters())
    bad = {"state": {0: {"step": torch.tensor(-1.0), "exp_avg": torch.zeros(1, 2), "exp_avg_sq": torch.zeros(1, 2)}},
           "param_groups": opt.state_dict()["param_groups"]}
    with pytest.raises(ValueError, match=r"state\[0\]\['step'\] must be a count >= 0, got -1.0"):
        opt.load_state_dict(bad)
    bad["state"][0]["step"] = torch.tensor([1.0, 2.0])
    with pytest.raises(ValueError, match=r"state\[0\]\['step'\] must be a count >= 0"):
        opt.load_state_dict(bad)
