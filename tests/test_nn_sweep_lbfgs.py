"""optim.LBFGS against torch.optim.LBFGS 2.13: the same model, data and starting weights, then the loss
each step returns, the parameters after each step and the evaluation counts, with and without the
strong-Wolfe line search (float64 to 1e-9, float32 to 1e-4), on the Rosenbrock function and on a small
network written as a PyTorch user writes it."""
import numpy as np
import pytest

import autograd as ag
import nn
import optim

torch = pytest.importorskip("torch")
torch.set_num_threads(1)


def _rosenbrock(lib, xy):
    x, y = xy[0], xy[1]
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2


@pytest.mark.parametrize("line_search", [None, "strong_wolfe"])
@pytest.mark.parametrize("history_size", [100, 3])
def test_lbfgs_on_rosenbrock_same_as_pytorch(line_search, history_size):
    runs = []
    for lib, opt_lib in ((torch, torch.optim), (ag, optim)):
        xy = lib.tensor([-1.5, 2.0], dtype=lib.float64, requires_grad=True)
        opt = opt_lib.LBFGS([xy], lr=1, max_iter=15, history_size=history_size, line_search_fn=line_search)

        def closure():
            opt.zero_grad()
            loss = _rosenbrock(lib, xy)
            loss.backward()
            return loss

        trace = []
        for _ in range(4):
            loss = opt.step(closure)
            state = opt.state[xy]
            trace.append((loss.item(), xy.detach().numpy().copy(), state["func_evals"], state["n_iter"]))
        runs.append(trace)
    for (lt, xt, ft, nt), (lo, xo, fo, no) in zip(*runs):
        assert (fo, no) == (ft, nt)
        # (Rosenbrock's valley is ill-conditioned: float64 rounding, 1e-16, grows to ~1e-7 over 60 iterations)
        np.testing.assert_allclose(lo, lt, rtol=1e-5, atol=1e-12)
        np.testing.assert_allclose(xo, xt, rtol=1e-5, atol=1e-10)
    if line_search:
        assert abs(runs[0][-1][0]) < 1e-3  # it did converge (a test of the test)


TORCH_HEADER = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"
SEEGRAD_HEADER = "import autograd as torch\nimport nn\nimport nn.functional as F\nimport optim\ntorch.optim = optim\n"
PROGRAM = """
model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))
model.load_state_dict({k: torch.tensor(v) for k, v in init_weights.items()})
model.to(getattr(torch, DTYPE))
X, y = torch.tensor(X_np), torch.tensor(y_np)
opt = torch.optim.LBFGS(model.parameters(), lr=LR, max_iter=10, history_size=5, line_search_fn=LINE_SEARCH)
def closure():
    opt.zero_grad()
    loss = F.mse_loss(model(X), y)
    loss.backward()
    return loss
losses, weights = [], []
for step in range(STEPS):
    losses.append(float(opt.step(closure)))
    weights.append([p.detach().numpy().copy() for p in model.parameters()])
"""


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("line_search,lr", [(None, 0.5), ("strong_wolfe", 1.0), ("strong_wolfe", 20.0)])
def test_lbfgs_program_runs_unchanged_and_matches(line_search, lr, dtype):
    import torch.optim  # noqa: F401

    rng = np.random.default_rng(0)
    X = rng.standard_normal((32, 3)).astype(dtype)
    y = (np.sin(X[:, :1]) + 0.5 * X[:, 1:2] * X[:, 2:3]).astype(dtype)
    torch.manual_seed(0)
    init = {k: v.numpy().astype(dtype) for k, v in
            torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1)).state_dict().items()}
    runs = []
    for header in (TORCH_HEADER, SEEGRAD_HEADER):
        namespace = dict(init_weights=init, X_np=X, y_np=y, LR=lr, LINE_SEARCH=line_search, DTYPE=np.dtype(dtype).name,
                         STEPS=5 if dtype == np.float64 else 2)
        exec(compile(header + PROGRAM, "<program>", "exec"), namespace)
        runs.append(namespace)
    # float32: torch's and numpy's matmuls round differently (~1e-7), and 10 quasi-Newton iterations a step
    # amplify it: two steps are compared, to 1e-3 (float64: five steps, 1e-7; the line searches amplify the
    # ~1e-16 rounding to ~1e-9 on one CPU and 1.2e-8 on another, an AVX2-only AMD EPYC)
    tol = dict(rtol=1e-7, atol=1e-9) if dtype == np.float64 else dict(rtol=1e-3, atol=1e-5)
    np.testing.assert_allclose(runs[1]["losses"], runs[0]["losses"], **tol)
    for ours, theirs in zip(runs[1]["weights"], runs[0]["weights"]):
        for o, t in zip(ours, theirs):
            assert o.dtype == t.dtype
            np.testing.assert_allclose(o, t, **tol)
    assert runs[0]["losses"][-1] < 0.5 * runs[0]["losses"][0]  # (the second step's loss: it did learn)


def test_lbfgs_refuses_groups_bad_options_and_a_missing_closure():
    w = ag.zeros(3, requires_grad=True)
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        optim.LBFGS([{"params": [w]}, {"params": [ag.zeros(2, requires_grad=True)]}])
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        optim.LBFGS([w], lr=-1)
    with pytest.raises(ValueError, match="line_search_fn must be None or 'strong_wolfe'"):
        optim.LBFGS([w], line_search_fn="armijo")
    with pytest.raises(RuntimeError, match="closure is required"):
        optim.LBFGS([w]).step(None)
    assert optim.LBFGS([w], max_iter=8).param_groups[0]["max_eval"] == 10


@pytest.mark.parametrize("t0", [0.01, 0.3, 1.0, 5.0, 40.0])
@pytest.mark.parametrize("shift", [0.0, 0.7, 2.1])
def test_strong_wolfe_line_search_same_as_pytorch(t0, shift):
    """The line search alone, on a wavy function (bracketing, extrapolation and zooming all happen for
    some of these starting steps): the step, loss and evaluation count PyTorch's finds."""
    from torch.optim.lbfgs import _strong_wolfe as theirs

    from optim.lbfgs import _strong_wolfe as ours

    x0 = np.array([shift, -0.4, 0.9])

    def f_and_g(x):
        return float(np.sum(np.sin(3 * x) + 0.1 * x * x)), 3 * np.cos(3 * x) + 0.2 * x

    f, g = f_and_g(x0)
    d = -g
    results = []
    for lib, search, wrap in ((torch, theirs, torch.tensor), (np, ours, np.asarray)):
        evals = []

        def obj(x, t, d):
            evals.append(t)
            value, grad = f_and_g(np.asarray(x) + float(t) * np.asarray(d))
            return value, wrap(grad)

        f_new, g_new, t, n = search(obj, wrap(x0), t0, wrap(d), f, wrap(g), wrap(g).dot(wrap(d)))
        results.append((float(f_new), np.asarray(g_new), float(t), n, [float(e) for e in evals]))
    (ft, gt, tt, nt, et), (fo, go, to, no, eo) = results
    assert no == nt and len(eo) == len(et)
    np.testing.assert_allclose(eo, et, rtol=1e-12)
    np.testing.assert_allclose([fo, to], [ft, tt], rtol=1e-12)
    np.testing.assert_allclose(go, gt, rtol=1e-12, atol=1e-14)


def test_lbfgs_state_dict_resumes_the_same_run():
    """Two steps, or one step, a save and load into a new optimizer, then the second: the same weights."""
    def run(resume):
        w = ag.tensor([1.5, -2.0, 0.3], dtype=ag.float64, requires_grad=True)
        opt = optim.LBFGS([w], max_iter=4, history_size=3)

        def closure():
            opt.zero_grad()
            loss = ((w - 1) ** 2).sum() + (w[0] * w[1] * w[2]) ** 2
            loss.backward()
            return loss

        opt.step(closure)
        if resume:
            saved = opt.state_dict()
            opt = optim.LBFGS([w], max_iter=4, history_size=3)
            opt.load_state_dict(saved)
        opt.step(closure)
        return w.detach().numpy()

    np.testing.assert_array_equal(run(True), run(False))
    w = ag.zeros(3, requires_grad=True)
    with pytest.raises(ValueError, match="holds shape \\(2,\\); the parameters have 3 numbers"):
        optim.LBFGS([w]).load_state_dict({"state": {0: {"d": np.zeros(2)}},
                                          "param_groups": optim.LBFGS([w]).state_dict()["param_groups"]})
