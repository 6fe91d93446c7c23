"""What Optimizer.step does around every algorithm's ``_update``: maximize and weight decay
(coupled or decoupled, as the class declares) before it, the version bump after it, and
zero_grad; against torch.optim for every optimizer and every combination the base owns."""
import pathlib
import re

import numpy as np
import pytest

try:  # one thread keeps PyTorch quick on small shared machines
    import torch as _torch
    _torch.set_num_threads(1)
except ImportError:
    pass

import autograd as ag
import nn
import optim

SHAPES = [(3, 4), (4,)]
ALGORITHMS = [  # name, the algorithm's own options (the preamble's are added by PREAMBLES)
    ("SGD", dict(lr=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.05, momentum=0.8, dampening=0.3)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, initial_accumulator_value=0.2)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.5, centered=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), amsgrad=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, amsgrad=True)),
]
PREAMBLES = [dict(maximize=False, weight_decay=0), dict(maximize=True, weight_decay=0),
             dict(maximize=False, weight_decay=0.1), dict(maximize=True, weight_decay=0.1)]
ALGO_IDS = [f"{n}-{'-'.join(f'{k}={v}' for k, v in kw.items())}" for n, kw in ALGORITHMS]
PRE_IDS = [f"maximize={kw['maximize']}-wd={kw['weight_decay']}" for kw in PREAMBLES]
TOL = {"float64": dict(rtol=1e-12, atol=1e-13), "float32": dict(rtol=2e-5, atol=2e-6)}


def _data(steps, seed):
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal(s) for s in SHAPES]
    return init, [[rng.standard_normal(s) for s in SHAPES] for _ in range(steps)]


def _ours(name, groups, dtype, init, grads, **kw):
    """Run our optimizer; ``groups`` maps each parameter index to a group's extra options."""
    params = [nn.Parameter(ag.tensor(a, dtype=dtype)) for a in init]
    opt = getattr(optim, name)([dict(params=[p], **g) for p, g in zip(params, groups)], **kw)
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = ag.tensor(g, dtype=dtype)
        opt.step()
        for p, g in zip(params, step_grads):  # the preamble built new arrays: p.grad is as it was set
            np.testing.assert_array_equal(p.grad.numpy(), g.astype(dtype))
    return [p.detach().numpy() for p in params]


def _torch(name, groups, dtype, init, grads, **kw):
    torch = pytest.importorskip("torch")
    tdtype = getattr(torch, dtype)
    params = [torch.tensor(a, dtype=tdtype, requires_grad=True) for a in init]
    opt = getattr(torch.optim, name)([dict(params=[p], **g) for p, g in zip(params, groups)], **kw)
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = torch.tensor(g, dtype=tdtype)
        opt.step()
    return [p.detach().numpy() for p in params]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("pre", PREAMBLES, ids=PRE_IDS)
@pytest.mark.parametrize("name,kw", ALGORITHMS, ids=ALGO_IDS)
def test_maximize_and_weight_decay_match_torch_over_20_steps(name, kw, pre, dtype):
    pytest.importorskip("torch")
    init, grads = _data(20, seed=7)
    groups = [{}] * len(init)
    ours = _ours(name, groups, dtype, init, grads, **kw, **pre)
    theirs = _torch(name, groups, dtype, init, grads, **kw, **pre)
    for a, b in zip(ours, theirs):
        assert a.dtype == np.dtype(dtype)
        np.testing.assert_allclose(a, b, **TOL[dtype])


@pytest.mark.parametrize("name,kw", ALGORITHMS, ids=ALGO_IDS)
def test_each_group_uses_its_own_maximize_and_weight_decay(name, kw):
    """The base reads maximize and weight_decay from each param group, not from the defaults."""
    pytest.importorskip("torch")
    init, grads = _data(20, seed=8)
    groups = [dict(maximize=True, weight_decay=0.2), dict()]
    defaults = dict(kw, maximize=False, weight_decay=0.05)
    ours = _ours(name, groups, "float64", init, grads, **defaults)
    theirs = _torch(name, groups, "float64", init, grads, **defaults)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, **TOL["float64"])


def test_weight_decay_is_declared_by_the_class():
    assert optim.AdamW.weight_decay == "decoupled"
    for cls in (optim.SGD, optim.Momentum, optim.Adagrad, optim.RMSprop, optim.Adam):
        assert cls.weight_decay == "coupled", cls

    class Bad(optim.Optimizer):
        weight_decay = "L2"

    with pytest.raises(ValueError, match="'coupled' or 'decoupled'"):
        Bad([nn.Parameter(ag.ones(1))], {})


@pytest.mark.parametrize("declared", ["coupled", "decoupled"])
def test_a_new_optimizer_gets_the_preamble_from_the_base(declared):
    """A subclass writes only its formula (here sign descent); the base applies maximize and wd."""

    class SignSGD(optim.Optimizer):
        weight_decay = declared

        def __init__(self, params, lr, weight_decay=0, maximize=False):
            super().__init__(params, dict(lr=lr, weight_decay=weight_decay, maximize=maximize))

        def _update(self, p, g, state, group):
            """SignSGD: p = p - lr * sign(g)"""
            p -= group["lr"] * np.sign(g)

    init, grads = _data(10, seed=9)
    params = [nn.Parameter(ag.tensor(a, dtype=ag.float64)) for a in init]
    opt = SignSGD(params, lr=0.1, weight_decay=0.5, maximize=True)
    ref = [a.copy() for a in init]
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = ag.tensor(g)
        opt.step()
        for i, g in enumerate(step_grads):
            if declared == "coupled":
                ref[i] = ref[i] - 0.1 * np.sign(-g + 0.5 * ref[i])
            else:
                ref[i] = ref[i] * (1 - 0.1 * 0.5)
                ref[i] = ref[i] - 0.1 * np.sign(-g)
    for p, r in zip(params, ref):
        np.testing.assert_allclose(p.detach().numpy(), r, rtol=1e-12, atol=1e-13)


def test_momentum_maximize_and_weight_decay_follow_sgd_momentum():
    """Textbook Momentum takes the same preamble: the same trajectory as SGD(momentum) at constant lr."""
    init, grads = _data(20, seed=10)
    for pre in PREAMBLES:
        groups = [{}] * len(init)
        a = _ours("Momentum", groups, "float64", init, grads, lr=0.05, momentum=0.9, **pre)
        b = _ours("SGD", groups, "float64", init, grads, lr=0.05, momentum=0.9, **pre)
        for x, y in zip(a, b):
            np.testing.assert_allclose(x, y, rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match="weight_decay"):
        optim.Momentum([nn.Parameter(ag.ones(1))], lr=0.1, weight_decay=-1)


MAKERS = {
    "SGD": lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.1, maximize=True),
    "Momentum": lambda ps: optim.Momentum(ps, lr=0.1, weight_decay=0.1, maximize=True),
    "Adagrad": lambda ps: optim.Adagrad(ps, weight_decay=0.1, maximize=True),
    "RMSprop": lambda ps: optim.RMSprop(ps, weight_decay=0.1, maximize=True, centered=True),
    "Adam": lambda ps: optim.Adam(ps, weight_decay=0.1, maximize=True),
    "AdamW": lambda ps: optim.AdamW(ps, weight_decay=0.1, maximize=True),
}


@pytest.mark.parametrize("name", list(MAKERS))
def test_step_bumps_version_so_a_stale_graph_refuses_backward(name):
    p = nn.Parameter(ag.tensor([1.0, -2.0, 3.0]))
    storage = p.detach().numpy()
    opt = MAKERS[name]([p])
    stale = (p * p).sum()  # saves p for backward
    (p.sin().sum()).backward()  # a gradient as backward leaves it
    grad = p.grad.numpy().copy()
    opt.step()
    assert np.shares_memory(p.detach().numpy(), storage)  # changed in place
    assert not np.allclose(storage, [1.0, -2.0, 3.0])
    np.testing.assert_array_equal(p.grad.numpy(), grad)  # the gradient is as backward left it
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        stale.backward()
    p.grad = None
    (p * p).sum().backward()  # a graph built after the step is fine
    np.testing.assert_allclose(p.grad.numpy(), 2 * p.detach().numpy())


@pytest.mark.parametrize("name", list(MAKERS))
def test_step_reads_a_gradient_that_requires_grad(name):
    """After backward(create_graph=True) p.grad requires grad; step uses its values, records nothing."""
    p = nn.Parameter(ag.tensor([1.0, -2.0, 3.0]))
    (p * p * p).sum().backward(create_graph=True)
    assert p.grad.requires_grad
    q = nn.Parameter(ag.tensor([1.0, -2.0, 3.0]))
    q.grad = ag.tensor(p.grad.detach().numpy().copy())
    opt_p, opt_q = MAKERS[name]([p]), MAKERS[name]([q])
    with ag.record_ops() as ops:
        opt_p.step()
    opt_q.step()
    assert ops == []
    np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")  # (torch's, about the cycle)
@pytest.mark.parametrize("create_graph", [False, True])
def test_zero_grad_in_place_bumps_the_grads_version_and_records_nothing(create_graph):
    p = nn.Parameter(ag.tensor([1.0, 2.0]))
    (p * p * p).sum().backward(create_graph=create_graph)
    assert p.grad.requires_grad == create_graph
    grad = p.grad
    saved = (grad * ag.tensor([1.0, 1.0], requires_grad=True)).sum()  # a graph that saved p.grad
    opt = optim.SGD([p], lr=0.1)
    with ag.record_ops() as ops:
        opt.zero_grad(set_to_none=False)
    assert ops == []
    # as PyTorch: the same tensor, detached from the graph backward gave it (it held that graph alive)
    assert p.grad is grad and not p.grad.requires_grad and p.grad.grad_fn is None
    np.testing.assert_array_equal(p.grad.detach().numpy(), [0.0, 0.0])
    torch = pytest.importorskip("torch")
    t = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    (t * t * t).sum().backward(create_graph=create_graph)
    torch.optim.SGD([t], lr=0.1).zero_grad(set_to_none=False)
    assert (t.grad.requires_grad, t.grad.grad_fn is None) == (False, True)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        saved.backward()
    opt.zero_grad(set_to_none=False)  # also fine a second time, and with no gradient at all
    opt.zero_grad()
    assert p.grad is None
    opt.zero_grad(set_to_none=False)
    assert p.grad is None


def test_closure_runs_with_grad_enabled_inside_no_grad():
    p = nn.Parameter(ag.tensor([3.0]))
    opt = optim.SGD([p], lr=0.1, maximize=True, weight_decay=0.5)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with ag.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 9.0
    assert p.detach().item() == pytest.approx(3 - 0.1 * (-6 + 0.5 * 3))


def test_optim_uses_only_public_engine_names():
    """optim imports ``autograd`` (as ag) and reads storage through numpy()/detach(), never the
    engine's private fields, so the engine can be reorganised underneath it."""
    root = pathlib.Path(optim.__file__).parent
    private = re.compile(r"\._make\b|\._data\b|\b_rng\b|\._vc\b|\._zero_grad\b|\._version\b")
    for path in sorted(root.glob("*.py")):
        text = path.read_text()
        assert not private.search(text), f"{path.name}: {private.search(text).group()}"
        for line in text.splitlines():
            if re.match(r"\s*(import|from)\s+autograd\b", line):
                assert line.strip() == "import autograd as ag", f"{path.name}: {line.strip()}"
