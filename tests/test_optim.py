"""Optimizers: each option against a numpy reference of its formula over 50 steps and against
torch.optim; param groups, state_dict resume (bit for bit), schedulers."""
import math

import numpy as np
import pytest

try:  # PyTorch is the oracle when installed; one thread keeps it quick on small shared machines
    import torch as _torch
    _torch.set_num_threads(1)
except ImportError:
    pass

import autograd as ag
import nn
import optim

STEPS = 50
SHAPES = [(3, 4), (4,)]


def _grads(seed):
    """A fixed sequence of gradients per parameter: the update rule alone is under test."""
    rng = np.random.default_rng(seed)
    return [[rng.standard_normal(s) for s in SHAPES] for _ in range(STEPS)]


def _init(seed=0):
    rng = np.random.default_rng(seed + 100)
    return [rng.standard_normal(s) for s in SHAPES]


# ----------------------------------------------------------------- numpy references of the formulas


def ref_sgd(p, g, s, t, lr, momentum=0, dampening=0, weight_decay=0, nesterov=False, maximize=False):
    g = -g if maximize else g
    g = g + weight_decay * p
    if momentum:
        s["b"] = g.copy() if t == 1 else momentum * s["b"] + (1 - dampening) * g
        g = g + momentum * s["b"] if nesterov else s["b"]
    return p - lr * g


def ref_momentum(p, g, s, t, lr, momentum=0.9, weight_decay=0, maximize=False):
    g = -g if maximize else g
    g = g + weight_decay * p
    s["v"] = momentum * s.get("v", 0) - lr * g
    return p + s["v"]


def ref_adagrad(p, g, s, t, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                maximize=False):
    g = -g if maximize else g
    clr = lr / (1 + (t - 1) * lr_decay)
    g = g + weight_decay * p
    s["sum"] = s.get("sum", initial_accumulator_value) + g * g
    return p - clr * g / (np.sqrt(s["sum"]) + eps)


def ref_rmsprop(p, g, s, t, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                maximize=False):
    g = -g if maximize else g
    g = g + weight_decay * p
    s["v"] = alpha * s.get("v", 0) + (1 - alpha) * g * g
    v = s["v"]
    if centered:
        s["ga"] = alpha * s.get("ga", 0) + (1 - alpha) * g
        v = v - s["ga"] ** 2
    if momentum:
        s["b"] = momentum * s.get("b", 0) + g / (np.sqrt(v) + eps)
        return p - lr * s["b"]
    return p - lr * g / (np.sqrt(v) + eps)


def ref_adam(p, g, s, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, maximize=False,
             decoupled=False):
    b1, b2 = betas
    g = -g if maximize else g
    if decoupled:
        p = p - lr * weight_decay * p
    else:
        g = g + weight_decay * p
    s["m"] = b1 * s.get("m", 0) + (1 - b1) * g
    s["v"] = b2 * s.get("v", 0) + (1 - b2) * g * g
    v = s["v"]
    if amsgrad:
        s["vmax"] = v = np.maximum(s.get("vmax", 0), v)
    return p - lr * (s["m"] / (1 - b1 ** t)) / (np.sqrt(v) / np.sqrt(1 - b2 ** t) + eps)


def ref_adamw(p, g, s, t, weight_decay=1e-2, **kw):
    return ref_adam(p, g, s, t, weight_decay=weight_decay, decoupled=True, **kw)


def _decay(p, g, lr, weight_decay, decoupled):
    return (p * (1 - lr * weight_decay), g) if decoupled else (p, g + weight_decay * p)


def ref_adamax(p, g, s, t, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, maximize=False):
    b1, b2 = betas
    p, g = _decay(p, -g if maximize else g, lr, weight_decay, False)
    s["m"] = b1 * s.get("m", 0) + (1 - b1) * g
    s["u"] = np.maximum(b2 * s.get("u", 0), np.abs(g) + eps)
    return p - lr / (1 - b1 ** t) * s["m"] / s["u"]


def ref_nadam(p, g, s, t, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
              decoupled_weight_decay=False, maximize=False):
    b1, b2 = betas
    p, g = _decay(p, -g if maximize else g, lr, weight_decay, decoupled_weight_decay)
    mu, mu_next = (b1 * (1 - 0.5 * 0.96 ** (k * momentum_decay)) for k in (t, t + 1))
    s["prod"] = float(np.float32(s.get("prod", 1.0)) * np.float32(mu))  # (a float32 in PyTorch)
    s["m"] = b1 * s.get("m", 0) + (1 - b1) * g
    s["v"] = b2 * s.get("v", 0) + (1 - b2) * g * g
    denom = np.sqrt(s["v"] / (1 - b2 ** t)) + eps
    return p - lr * (1 - mu) / (1 - s["prod"]) * g / denom - lr * mu_next / (1 - s["prod"] * mu_next) * s["m"] / denom


def ref_radam(p, g, s, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, decoupled_weight_decay=False,
              maximize=False):
    b1, b2 = betas
    p, g = _decay(p, -g if maximize else g, lr, weight_decay, decoupled_weight_decay)
    s["m"] = b1 * s.get("m", 0) + (1 - b1) * g
    s["v"] = b2 * s.get("v", 0) + (1 - b2) * g * g
    m_hat = s["m"] / (1 - b1 ** t)
    rho_inf = 2 / (1 - b2) - 1
    rho = rho_inf - 2 * t * b2 ** t / (1 - b2 ** t)
    if rho <= 5:
        return p - lr * m_hat
    r = np.sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho))
    return p - lr * m_hat * r * np.sqrt(1 - b2 ** t) / (np.sqrt(s["v"]) + eps)


def ref_adadelta(p, g, s, t, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, maximize=False):
    p, g = _decay(p, -g if maximize else g, lr, weight_decay, False)
    s["sq"] = rho * s.get("sq", 0) + (1 - rho) * g * g
    delta = np.sqrt(s.get("acc", 0) + eps) / np.sqrt(s["sq"] + eps) * g
    s["acc"] = rho * s.get("acc", 0) + (1 - rho) * delta * delta
    return p - lr * delta


CASES = [
    ("SGD", ref_sgd, dict(lr=0.1)),
    ("SGD", ref_sgd, dict(lr=0.05, momentum=0.9)),
    ("SGD", ref_sgd, dict(lr=0.05, momentum=0.8, dampening=0.3)),
    ("SGD", ref_sgd, dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1)),
    ("SGD", ref_sgd, dict(lr=0.05, weight_decay=0.2, maximize=True)),
    ("SGD", ref_sgd, dict(lr=0.05, momentum=0.5, maximize=True, weight_decay=0.01)),
    ("Momentum", ref_momentum, dict(lr=0.05, momentum=0.9)),
    ("Momentum", ref_momentum, dict(lr=0.05, momentum=0.8, weight_decay=0.1)),
    ("Momentum", ref_momentum, dict(lr=0.05, momentum=0.9, weight_decay=0.05, maximize=True)),
    ("Adagrad", ref_adagrad, dict(lr=0.1)),
    ("Adagrad", ref_adagrad, dict(lr=0.1, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.3,
                                  eps=1e-6)),
    ("Adagrad", ref_adagrad, dict(lr=0.1, maximize=True)),
    ("RMSprop", ref_rmsprop, dict(lr=0.01)),
    ("RMSprop", ref_rmsprop, dict(lr=0.01, alpha=0.9, centered=True)),
    ("RMSprop", ref_rmsprop, dict(lr=0.01, momentum=0.9, weight_decay=0.1)),
    ("RMSprop", ref_rmsprop, dict(lr=0.01, momentum=0.5, centered=True, eps=1e-4)),
    ("Adam", ref_adam, dict(lr=0.01)),
    ("Adam", ref_adam, dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.1)),
    ("Adam", ref_adam, dict(lr=0.01, amsgrad=True, eps=1e-6)),
    ("Adam", ref_adam, dict(lr=0.01, maximize=True)),
    ("AdamW", ref_adamw, dict(lr=0.01)),
    ("AdamW", ref_adamw, dict(lr=0.01, weight_decay=0.3, amsgrad=True)),
    ("Adamax", ref_adamax, dict()),
    ("Adamax", ref_adamax, dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1, maximize=True)),
    ("NAdam", ref_nadam, dict()),
    ("NAdam", ref_nadam, dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.1, momentum_decay=0.01)),
    ("NAdam", ref_nadam, dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("RAdam", ref_radam, dict()),
    ("RAdam", ref_radam, dict(lr=0.01, betas=(0.8, 0.9), weight_decay=0.1, eps=1e-6)),
    ("RAdam", ref_radam, dict(lr=0.01, weight_decay=0.2, decoupled_weight_decay=True, maximize=True)),
    ("Adadelta", ref_adadelta, dict()),
    ("Adadelta", ref_adadelta, dict(lr=0.5, rho=0.8, eps=1e-4, weight_decay=0.1, maximize=True)),
]
IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in kw.items())}" for name, _, kw in CASES]


def _run_ours(name, kw, dtype, grads, init):
    params = [nn.Parameter(ag.tensor(a, dtype=dtype)) for a in init]
    opt = getattr(optim, name)(params, **kw)
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = ag.tensor(g, dtype=dtype)
        opt.step()
    return [p.detach().numpy() for p in params]


@pytest.mark.parametrize("name,ref,kw", CASES, ids=IDS)
def test_matches_numpy_reference_over_50_steps(name, ref, kw):
    grads, init = _grads(1), _init()
    ours = _run_ours(name, kw, ag.float64, grads, init)
    for i, p in enumerate(init):
        state = {}
        for t, step_grads in enumerate(grads, start=1):
            p = ref(p, step_grads[i], state, t, **kw)
        np.testing.assert_allclose(ours[i], p, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("name,ref,kw", [c for c in CASES if c[0] != "Momentum"],
                         ids=[i for i, c in zip(IDS, CASES) if c[0] != "Momentum"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_matches_torch_optim_over_50_steps(name, ref, kw, dtype):
    torch = pytest.importorskip("torch")
    grads, init = _grads(2), _init(1)
    ours = _run_ours(name, kw, np.dtype(dtype), grads, init)
    tdtype = getattr(torch, dtype)
    params = [torch.tensor(a, dtype=tdtype, requires_grad=True) for a in init]
    opt = getattr(torch.optim, name)(params, **kw)
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = torch.tensor(g, dtype=tdtype)
        opt.step()
    tol = dict(rtol=1e-12, atol=1e-13) if dtype == "float64" else dict(rtol=2e-5, atol=2e-6)
    for a, p in zip(ours, params):
        assert a.dtype == np.dtype(dtype)
        np.testing.assert_allclose(a, p.detach().numpy(), **tol)


@pytest.mark.parametrize("kw", [dict(momentum=0.9), dict(momentum=0.9, nesterov=True),
                                dict(momentum=0.5, dampening=0.3, weight_decay=0.1)], ids=str)
def test_sgd_in_cache_blocks_gives_the_whole_array_bits_and_torchs_values(kw):
    """A parameter larger than optim.optimizer.BLOCK_FROM is updated block by block: the same bits as the
    formula on whole arrays, a transposed (non-contiguous) gradient included, and torch's values."""
    torch = pytest.importorskip("torch")
    from optim.optimizer import BLOCK, BLOCK_FROM
    rng = np.random.default_rng(0)
    init = rng.standard_normal((601, 500)).astype(np.float32)  # more than BLOCK_FROM elements, not a multiple
    assert init.size > BLOCK_FROM and init.size % BLOCK
    grads = [rng.standard_normal((601, 500)).astype(np.float32) for _ in range(3)]
    grads.insert(2, rng.standard_normal((500, 601)).astype(np.float32).T)  # non-contiguous: whole arrays
    p = nn.Parameter(ag.tensor(init))
    opt = optim.SGD([p], lr=0.1, **kw)
    ref, buf = init.copy(), None
    tp = torch.tensor(init, requires_grad=True)
    topt = torch.optim.SGD([tp], lr=0.1, **kw)
    for g in grads:
        p.grad = ag.tensor(g)
        opt.step()
        d = g + np.float32(kw.get("weight_decay", 0)) * ref if kw.get("weight_decay") else g
        if buf is None:
            buf = d.copy()
        else:
            buf *= kw["momentum"]
            buf += d if not kw.get("dampening") else (1 - kw["dampening"]) * d
        ref -= 0.1 * (d + kw["momentum"] * buf if kw.get("nesterov") else buf)
        tp.grad = torch.tensor(g)
        topt.step()
    np.testing.assert_array_equal(p.detach().numpy(), ref)
    np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), rtol=2e-5, atol=2e-6)


def test_momentum_equals_sgd_momentum_at_constant_lr():
    grads, init = _grads(3), _init(2)
    a = _run_ours("Momentum", dict(lr=0.05, momentum=0.9), ag.float64, grads, init)
    b = _run_ours("SGD", dict(lr=0.05, momentum=0.9), ag.float64, grads, init)
    for x, y in zip(a, b):
        np.testing.assert_allclose(x, y, rtol=1e-10, atol=1e-12)


def test_aliases():
    assert optim.AdaGrad is optim.Adagrad and optim.RMSProp is optim.RMSprop


def test_step_is_in_place_bumps_version_and_skips_params_without_grad():
    a, b = nn.Parameter(ag.ones(2)), nn.Parameter(ag.ones(2))
    storage = a._data
    opt = optim.SGD([a, b], lr=0.5)
    y = a * a  # saves a for backward
    a.grad = ag.tensor([1.0, 2.0])
    opt.step()
    assert a._data is storage and a._version == 1  # updated in place
    np.testing.assert_allclose(a.detach().numpy(), [0.5, 0.0])
    np.testing.assert_array_equal(b.detach().numpy(), [1.0, 1.0])  # no grad: untouched
    assert b not in opt.state
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.sum().backward()  # the stale graph is detected


def test_weight_decay_leaves_grad_untouched():
    p = nn.Parameter(ag.ones(3))
    p.grad = ag.tensor([1.0, 1.0, 1.0])
    for opt in [optim.SGD([p], lr=0.1, weight_decay=0.5, momentum=0.9), optim.Adam([p], weight_decay=0.5),
                optim.Adagrad([p], weight_decay=0.5), optim.RMSprop([p], weight_decay=0.5)]:
        opt.step()
        np.testing.assert_array_equal(p.grad.numpy(), [1.0, 1.0, 1.0])


def test_zero_grad_and_closure():
    p = nn.Parameter(ag.tensor([3.0]))
    opt = optim.SGD([p], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert loss.item() == 9.0 and p.detach().item() == pytest.approx(3 - 0.1 * 6)
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(p.grad.numpy(), [0.0])
    opt.zero_grad()
    assert p.grad is None


def test_param_groups_and_add_param_group():
    a, b, c = (nn.Parameter(ag.ones(1)) for _ in range(3))
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 1.0, "momentum": 0.5}], lr=0.1)
    assert opt.param_groups[0]["lr"] == 0.1 and opt.param_groups[1]["momentum"] == 0.5
    assert opt.param_groups[0]["momentum"] == 0
    opt.add_param_group({"params": c, "lr": 0.01})
    for p in (a, b, c):
        p.grad = ag.ones(1)
    opt.step()
    np.testing.assert_allclose([a.detach().item(), b.detach().item(), c.detach().item()], [0.9, 0.0, 0.99],
                               rtol=1e-6)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.Adam([])
    with pytest.raises(TypeError, match="single Tensor"):
        optim.Adam(a)
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([a * 2], lr=0.1)
    with pytest.raises(ValueError, match="Nesterov"):
        optim.SGD([a], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="beta parameter at index 1"):
        optim.Adam([a], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="learning rate"):
        optim.SGD([a], lr=-1)
    assert "Parameter Group 0" in repr(opt)


def _mlp_problem():
    rng = np.random.default_rng(5)
    x = ag.tensor(rng.standard_normal((32, 3)), dtype=ag.float32)  # (float32 like the layers: PyTorch's
    y = ag.tensor(rng.standard_normal((32, 1)), dtype=ag.float32)  # Linear refuses float64 input)
    return x, y


def _train(model, opt, x, y, steps, sched=None):
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        if sched is not None:
            sched.step()
        losses.append(loss.item())
    return losses


@pytest.mark.parametrize("make_opt", [
    lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True),
    lambda ps: optim.Adam(ps, lr=0.01, amsgrad=True),
    lambda ps: optim.AdamW(ps, lr=0.01),
    lambda ps: optim.RMSprop(ps, lr=0.01, momentum=0.5, centered=True),
    lambda ps: optim.Adagrad(ps, lr=0.05, lr_decay=0.01),
    lambda ps: optim.Momentum(ps, lr=0.05),
    lambda ps: optim.Adamax(ps, lr=0.01),
    lambda ps: optim.NAdam(ps, lr=0.01, decoupled_weight_decay=True, weight_decay=0.1),
    lambda ps: optim.RAdam(ps, lr=0.01),
    lambda ps: optim.Adadelta(ps),
], ids=["sgd", "adam", "adamw", "rmsprop", "adagrad", "momentum", "adamax", "nadam", "radam", "adadelta"])
def test_resume_from_saved_state_is_bit_for_bit(make_opt, tmp_path):
    x, y = _mlp_problem()
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))
    opt = make_opt(model.parameters())
    sched = optim.lr_scheduler.StepLR(opt, step_size=4, gamma=0.5)
    _train(model, opt, x, y, 5, sched)
    nn.save({"model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict()},
            tmp_path / "ckpt.npz")
    uninterrupted = _train(model, opt, x, y, 10, sched)
    final = [p.detach().numpy().copy() for p in model.parameters()]

    ckpt = nn.load(tmp_path / "ckpt.npz")
    model2 = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))
    model2.load_state_dict(ckpt["model"])
    opt2 = make_opt(model2.parameters())
    opt2.load_state_dict(ckpt["opt"])
    sched2 = optim.lr_scheduler.StepLR(opt2, step_size=4, gamma=0.5)
    sched2.load_state_dict(ckpt["sched"])
    resumed = _train(model2, opt2, x, y, 10, sched2)
    assert resumed == uninterrupted  # exactly equal, not approximately
    for a, b in zip(final, model2.parameters()):
        np.testing.assert_array_equal(a, b.detach().numpy())


def test_state_dict_layout_is_pytorchs_and_is_a_snapshot():
    torch = pytest.importorskip("torch")
    p, q = nn.Parameter(ag.ones(2)), nn.Parameter(ag.ones(3))
    opt = optim.Adam([{"params": [p]}, {"params": [q], "lr": 0.1}])
    tp, tq = torch.ones(2, requires_grad=True), torch.ones(3, requires_grad=True)
    topt = torch.optim.Adam([{"params": [tp]}, {"params": [tq], "lr": 0.1}])
    for param, tparam in ((p, tp), (q, tq)):
        param.grad, tparam.grad = ag.ones(*param.shape), torch.ones(*param.shape)
    opt.step()
    topt.step()
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert set(sd) == {"state", "param_groups"}
    assert [g["params"] for g in sd["param_groups"]] == [g["params"] for g in tsd["param_groups"]] == [[0], [1]]
    assert set(sd["state"][0]) == set(tsd["state"][0]) == {"step", "exp_avg", "exp_avg_sq"}
    np.testing.assert_allclose(sd["state"][1]["exp_avg"].numpy(), tsd["state"][1]["exp_avg"].numpy())
    for k in ("lr", "betas", "eps", "weight_decay", "amsgrad", "maximize"):
        assert sd["param_groups"][1][k] == tsd["param_groups"][1][k], k
    before = sd["state"][0]["exp_avg"].numpy().copy()
    opt.step()
    np.testing.assert_array_equal(sd["state"][0]["exp_avg"].numpy(), before)


def test_load_state_dict_errors():
    p = nn.Parameter(ag.ones(2))
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = ag.ones(2)
    opt.step()
    sd = opt.state_dict()
    with pytest.raises(ValueError, match="parameter groups"):
        optim.SGD([{"params": [p]}, {"params": [nn.Parameter(ag.ones(1))]}], lr=0.1).load_state_dict(sd)
    with pytest.raises(ValueError, match="doesn't match the size"):
        optim.SGD([p, nn.Parameter(ag.ones(1))], lr=0.1).load_state_dict(sd)
    with pytest.raises(ValueError, match=r"has shape \(2,\), but the parameter has shape \(3,\)"):
        optim.SGD([nn.Parameter(ag.ones(3))], lr=0.1).load_state_dict(sd)
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        opt.load_state_dict({"lr": 0.1})
    fresh = optim.SGD([p], lr=0.5, momentum=0.9)
    fresh.load_state_dict(sd)
    assert fresh.param_groups[0]["lr"] == 0.1 and fresh.param_groups[0]["params"][0] is p
    np.testing.assert_array_equal(fresh.state[p]["momentum_buffer"].numpy(), [1.0, 1.0])


def test_lazy_named_state():
    p = nn.Parameter(ag.ones(2))
    opt = optim.RMSprop([p], momentum=0.9, centered=True)
    assert opt.state == {}
    p.grad = ag.ones(2)
    opt.step()
    assert set(opt.state[p]) == {"step", "square_avg", "grad_avg", "momentum_buffer"}
    assert opt.state[p]["step"] == 1


def test_step_records_no_graph():
    """The update runs on the numpy arrays: no op is recorded (speed is measured in benchmarks/)."""
    p = nn.Parameter(ag.ones(1000))
    p.grad = ag.ones(1000)
    opt = optim.SGD([p], lr=0.1)
    with ag.record_ops() as ops:
        opt.step()
    assert ops == [] and p.grad_fn is None


# ----------------------------------------------------------------- schedulers


SCHEDULERS = [
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[2, 5, 5, 9], gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.9)),
    ("CosineAnnealingLR", dict(T_max=7, eta_min=0.001)),
    ("CosineAnnealingLR", dict(T_max=4)),
    ("LambdaLR", dict(lr_lambda=lambda e: 1 / (1 + e))),
]


@pytest.mark.parametrize("name,kw", SCHEDULERS, ids=[f"{n}{i}" for i, (n, _) in enumerate(SCHEDULERS)])
def test_schedulers_match_torch(name, kw):
    torch = pytest.importorskip("torch")
    p = nn.Parameter(ag.ones(1))
    tp = torch.ones(1, requires_grad=True)
    opt = optim.SGD([{"params": [p]}, {"params": [nn.Parameter(ag.ones(1))], "lr": 0.01}], lr=0.1)
    topt = torch.optim.SGD([{"params": [tp]}, {"params": [torch.ones(1, requires_grad=True)], "lr": 0.01}], lr=0.1)
    s = getattr(optim.lr_scheduler, name)(opt, **kw)
    ts = getattr(torch.optim.lr_scheduler, name)(topt, **kw)
    assert s.get_last_lr() == ts.get_last_lr()
    for _ in range(20):
        opt.step()
        topt.step()
        s.step()
        ts.step()
        assert s.get_last_lr() == pytest.approx(ts.get_last_lr(), rel=1e-15, abs=1e-18)
        assert [g["lr"] for g in opt.param_groups] == s.get_last_lr()
    assert s.last_epoch == ts.last_epoch == 20


def test_reduce_lr_on_plateau_matches_torch():
    torch = pytest.importorskip("torch")
    p = nn.Parameter(ag.ones(1))
    opt = optim.SGD([p], lr=1.0)
    topt = torch.optim.SGD([torch.ones(1, requires_grad=True)], lr=1.0)
    s = optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=2, cooldown=1, min_lr=0.05)
    ts = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, factor=0.5, patience=2, cooldown=1, min_lr=0.05)
    metrics = [5, 4, 4, 4, 4, 3.9999, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 1]
    for m in metrics:
        s.step(m)
        ts.step(m)
        assert s.get_last_lr() == ts.get_last_lr()
    assert s.get_last_lr()[0] < 1.0


def test_scheduler_state_dict_round_trip_via_save(tmp_path):
    p = nn.Parameter(ag.ones(1))
    opt = optim.SGD([p], lr=1.0)
    s = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10)
    for _ in range(3):
        s.step()
    nn.save(s.state_dict(), tmp_path / "s.npz")
    opt2 = optim.SGD([p], lr=1.0)
    s2 = optim.lr_scheduler.CosineAnnealingLR(opt2, T_max=10)
    s2.load_state_dict(nn.load(tmp_path / "s.npz"))
    opt2.param_groups[0]["lr"] = s2.get_last_lr()[0]
    for _ in range(4):
        s.step()
        s2.step()
    assert s.get_last_lr() == s2.get_last_lr()
    assert math.isclose(s.get_last_lr()[0], 0.5 * (1 + math.cos(math.pi * 7 / 10)), rel_tol=1e-12)
