"""optim.Rprop and optim.ASGD against torch.optim 2.13 itself: the same parameters and gradients,
20 steps (and 60 for ASGD's averaging after t0), float32 and float64; torch's defaults, state_dict
layout, a state dict moved from torch into ours mid-run, resuming, and the refused settings."""
import numpy as np
import pytest

import autograd as ag
import nn
import optim

torch = pytest.importorskip("torch")
torch.set_num_threads(1)

CASES = [
    ("Rprop", dict()),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2))),
    ("Rprop", dict(lr=0.02, maximize=True)),
    ("ASGD", dict()),
    ("ASGD", dict(lr=0.05, lambd=0.01, alpha=0.5, t0=5, weight_decay=0.1)),
    ("ASGD", dict(lr=0.03, t0=0, maximize=True)),
]
IDS = [f"{name}-{kw}" for name, kw in CASES]


def _problem(seed, steps):
    """Starting values of three parameters and each step's gradients: some gradients keep their sign,
    some flip, some are exactly 0 (Rprop's three branches)."""
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal((3, 4)), rng.standard_normal(5), rng.standard_normal(())]
    grads = []
    for t in range(steps):
        step = [rng.standard_normal(a.shape) + (0.8 if t % 3 else -0.5) for a in init]
        step[0][0, 0] = 0.0
        grads.append(step)
    return init, grads


def _trajectory(lib, name, kw, dtype, init, grads, use_default_dtype=False):
    dt = getattr(lib, dtype)
    params = [lib.nn.Parameter(lib.tensor(a, dtype=dt)) for a in init]
    opt = getattr(lib.optim, name)(params, **kw)
    path = []
    for step in grads:
        for p, g in zip(params, step):
            p.grad = lib.tensor(g, dtype=dt)
        opt.step()
        path.append([p.detach().numpy().copy() for p in params])
    return path, opt, params


@pytest.mark.parametrize("name, kw", CASES, ids=IDS)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_trajectory_matches_torch(name, kw, dtype):
    steps = 60 if name == "ASGD" else 20  # (ASGD: past t0 = 5, where the averaging begins)
    init, grads = _problem(1, steps)
    ours, opt, _ = _trajectory(ag, name, kw, dtype, init, grads)
    theirs, topt, _ = _trajectory(torch, name, kw, dtype, init, grads)
    tol = dict(rtol=1e-12, atol=1e-13) if dtype == "float64" else dict(rtol=2e-6, atol=2e-7)
    for t, (a, b) in enumerate(zip(ours, theirs)):
        for i, (x, y) in enumerate(zip(a, b)):
            assert x.dtype == y.dtype
            np.testing.assert_allclose(x, y, err_msg=f"step {t + 1}, parameter {i}", **tol)
    sd, tsd = opt.state_dict(), topt.state_dict()
    for i in range(3):
        assert set(sd["state"][i]) == set(tsd["state"][i])
        for key, value in tsd["state"][i].items():
            np.testing.assert_allclose(np.asarray(sd["state"][i][key]), value.numpy(), err_msg=key, **tol)
            if key in ("eta", "mu"):
                assert np.asarray(sd["state"][i][key]).dtype == value.numpy().dtype  # float32, as torch's
    for key in tsd["param_groups"][0]:
        if key not in ("foreach", "differentiable", "capturable"):  # (torch's switches for its kernels)
            assert sd["param_groups"][0][key] == tsd["param_groups"][0][key], key


@pytest.mark.parametrize("name, kw", CASES, ids=IDS)
def test_defaults_are_torchs(name, kw):
    ours = getattr(optim, name)([nn.Parameter(ag.ones(2))]).defaults
    theirs = getattr(torch.optim, name)([torch.ones(2, requires_grad=True)]).defaults
    for key, value in theirs.items():
        if key not in ("foreach", "differentiable", "capturable"):
            assert ours[key] == value, key


@pytest.mark.parametrize("name, kw", CASES, ids=IDS)
def test_a_state_dict_from_torch_continues_the_run(name, kw):
    init, grads = _problem(2, 30)
    _, topt, tparams = _trajectory(torch, name, kw, "float64", init, grads[:12])
    saved = topt.state_dict()
    converted = {"param_groups": saved["param_groups"],
                 "state": {i: {k: v.numpy() if isinstance(v, torch.Tensor) else v for k, v in s.items()}
                           for i, s in saved["state"].items()}}
    params = [nn.Parameter(ag.tensor(p.detach().numpy())) for p in tparams]
    opt = getattr(optim, name)(params, **kw)
    opt.load_state_dict(converted)
    for step in grads[12:]:
        for p, tp, g in zip(params, tparams, step):
            p.grad, tp.grad = ag.tensor(g), torch.tensor(g)
        opt.step()
        topt.step()
    for p, tp in zip(params, tparams):
        np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("name, kw", CASES, ids=IDS)
def test_resume_through_nn_save_is_exact(name, kw, tmp_path):
    init, grads = _problem(3, 16)
    whole, _, _ = _trajectory(ag, name, kw, "float32", init, grads)
    _, opt, params = _trajectory(ag, name, kw, "float32", init, grads[:8])
    nn.save(opt.state_dict(), tmp_path / "opt.npz")
    again = getattr(optim, name)(params, **kw)
    again.load_state_dict(nn.load(tmp_path / "opt.npz"))
    for step in grads[8:]:
        for p, g in zip(params, step):
            p.grad = ag.tensor(g, dtype=ag.float32)
        again.step()
    for a, p in zip(whole[-1], params):
        np.testing.assert_array_equal(a, p.detach().numpy())


def test_asgd_scalar_dtype_follows_the_default_dtype_as_torchs():
    init, grads = _problem(4, 8)
    kw = dict(lr=0.1, lambd=0.3, t0=2)
    for lib in (torch, ag):
        lib.set_default_dtype(lib.float64)
    try:
        ours, opt, _ = _trajectory(ag, "ASGD", kw, "float64", init, grads)
        theirs, topt, _ = _trajectory(torch, "ASGD", kw, "float64", init, grads)
    finally:
        for lib in (torch, ag):
            lib.set_default_dtype(lib.float32)
    assert np.asarray(opt.state_dict()["state"][0]["eta"]).dtype == np.float64
    for a, b in zip(ours[-1], theirs[-1]):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-14)


def test_refused_settings_like_torch():
    p = [nn.Parameter(ag.ones(2))]
    tp = [torch.ones(2, requires_grad=True)]
    for name, kw, words in [("Rprop", dict(lr=-1.0), "Invalid learning rate"),
                            ("Rprop", dict(etas=(1.2, 0.5)), "Invalid eta values"),
                            ("Rprop", dict(etas=(0.0, 1.2)), "Invalid eta values"),
                            ("ASGD", dict(lr=-0.1), "Invalid learning rate"),
                            ("ASGD", dict(weight_decay=-0.1), "Invalid weight_decay value")]:
        with pytest.raises(ValueError, match=words):
            getattr(torch.optim, name)(tp, **kw)
        with pytest.raises(ValueError, match=words):
            getattr(optim, name)(p, **kw)
    opt = optim.Rprop(p)
    opt.param_groups[0]["lr"] = float("nan")
    p[0].grad = ag.ones(2)
    with pytest.raises(ValueError, match="learning rate"):
        opt.step()
    np.testing.assert_array_equal(p[0].detach().numpy(), [1.0, 1.0])
    bad = {"state": {0: {"step": 1, "eta": np.zeros(2), "mu": np.ones(()), "ax": np.zeros(2)}},
           "param_groups": optim.ASGD(p).state_dict()["param_groups"]}
    with pytest.raises(ValueError, match="eta"):
        optim.ASGD(p).load_state_dict(bad)
