"""ag.distributions against torch.distributions 2.13: each case builds the same distribution in both
libraries from the same numbers (written as a PyTorch user writes it, ``D.Normal(loc, scale)``),
and compares log_prob, entropy, cdf, icdf, mean, mode, variance, stddev, shapes, and the gradients
of each wrt every parameter, in float32 and float64; the KL divergences of the registered pairs
likewise; sample/rsample through tests/porting/harness.py (the same draws in both libraries), with
rsample's gradients; our own sampler's statistics; and the errors on bad parameters and values.
"""
import re
import sys
from pathlib import Path

import numpy as np
import pytest

import autograd as ag

torch = pytest.importorskip("torch")
sys.path.insert(0, str(Path(__file__).parent / "porting"))
from harness import assert_same, run_both  # noqa: E402

TOL = {"float32": dict(rtol=2e-5, atol=1e-6), "float64": dict(rtol=1e-10, atol=1e-12)}
QUANTITIES = ("log_prob", "entropy", "cdf", "icdf", "mean", "mode", "variance", "stddev")

rng = np.random.default_rng(0)
A23 = rng.normal(size=(2, 3))
POS23 = rng.uniform(0.5, 2.0, size=(2, 3))
POS3 = rng.uniform(0.5, 2.0, size=3)
P23 = rng.uniform(0.1, 0.9, size=(2, 3))
W24 = rng.uniform(0.2, 2.0, size=(2, 4))  # unnormalised class weights
LOGITS24 = rng.normal(size=(2, 4))
IDX = rng.integers(0, 4, size=(5, 2))  # a batch of class indices
ONE_HOT = np.eye(4)[rng.integers(0, 4, size=(3, 2))]  # (3, 2, 4)
Q23 = rng.uniform(0.05, 0.95, size=(2, 3))  # cdf levels for icdf
M = rng.normal(size=(3, 3))
TRIL = np.tril(M, -1) + np.diag(rng.uniform(0.5, 1.5, size=3))
COV = M @ M.T + np.eye(3)
COV_B = np.stack([COV, COV + 0.5 * np.eye(3)])  # (2, 3, 3)
TRIL_B = np.stack([TRIL, 0.5 * TRIL + np.diag([0.2, 0.3, 0.4])])  # (2, 3, 3)

# name -> (parameters, build(D, **params), a value to score (or None), a level for icdf (or None))
CASES = {
    "Normal": (dict(loc=A23, scale=POS3), lambda D, loc, scale: D.Normal(loc, scale), A23[::-1].copy(), Q23),
    "Normal numbers": ({}, lambda D: D.Normal(0.5, 2.0), A23, Q23),
    "Bernoulli probs": (dict(probs=P23), lambda D, probs: D.Bernoulli(probs=probs), (A23 > 0).astype(float), None),
    "Bernoulli logits": (dict(logits=A23), lambda D, logits: D.Bernoulli(logits=logits), (A23 > 0.3) * 1.0, None),
    "Bernoulli half": ({}, lambda D: D.Bernoulli(logits=D._T.tensor([0.0, 1.0])), np.array([1.0, 0.0]), None),
    "Categorical probs": (dict(probs=W24), lambda D, probs: D.Categorical(probs=probs), IDX, None),
    "Categorical logits": (dict(logits=LOGITS24), lambda D, logits: D.Categorical(logits=logits), IDX, None),
    "Categorical one row": (dict(logits=LOGITS24[0]), lambda D, logits: D.Categorical(logits=logits), IDX, None),
    "OneHotCategorical probs": (dict(probs=W24), lambda D, probs: D.OneHotCategorical(probs=probs), ONE_HOT, None),
    "OneHotCategorical logits": (dict(logits=LOGITS24), lambda D, logits: D.OneHotCategorical(logits=logits),
                                 ONE_HOT, None),
    "Uniform": (dict(low=A23 - 2, high=A23 + POS23), lambda D, low, high: D.Uniform(low, high), A23, Q23),
    "Exponential": (dict(rate=POS23), lambda D, rate: D.Exponential(rate), POS23[::-1].copy(), Q23),
    "Laplace": (dict(loc=A23, scale=POS23), lambda D, loc, scale: D.Laplace(loc, scale), A23[::-1].copy(), Q23),
    "Independent Normal": (dict(loc=A23, scale=POS23),
                           lambda D, loc, scale: D.Independent(D.Normal(loc, scale), 1), A23[::-1].copy(), None),
    "Independent Bernoulli 2": (dict(logits=A23), lambda D, logits: D.Independent(D.Bernoulli(logits=logits), 2),
                                (A23 > 0) * 1.0, None),
    "MultivariateNormal scale_tril": (dict(loc=A23, scale_tril=TRIL),
                                      lambda D, loc, scale_tril: D.MultivariateNormal(loc, scale_tril=scale_tril),
                                      A23[::-1].copy(), None),
    "MultivariateNormal covariance": (dict(loc=A23[0], covariance_matrix=COV_B),
                                      lambda D, loc, covariance_matrix: D.MultivariateNormal(
                                          loc, covariance_matrix=covariance_matrix), A23, None),
    "MultivariateNormal broadcast": (dict(loc=A23[:, None, :], scale_tril=TRIL_B),  # batch (2, 1) with (2,): (2, 2)
                                     lambda D, loc, scale_tril: D.MultivariateNormal(loc, scale_tril=scale_tril),
                                     np.stack([A23, A23[::-1], -A23])[:, :, None, :], None),
    "Normal tensor and number": (dict(loc=A23), lambda D, loc: D.Normal(loc, 0.7), A23[::-1].copy(), Q23),
    "Exponential number": ({}, lambda D: D.Exponential(1.5), POS23, Q23),
    "Beta": (dict(a=POS23 * 2, b=POS3[::-1].copy()), lambda D, a, b: D.Beta(a, b), P23, None),
    "Beta numbers": ({}, lambda D: D.Beta(0.5, 3.0), P23, None),
    "Beta modes": (dict(a=np.array([0.5, 0.7, 2.0, 1.0, 3.0]), b=np.array([0.4, 2.0, 0.3, 1.0, 2.5])),
                   lambda D, a, b: D.Beta(a, b), np.array([0.1, 0.5, 0.9, 0.3, 0.6]), None),
    "Dirichlet": (dict(concentration=W24 * 3), lambda D, concentration: D.Dirichlet(concentration),
                  W24[::-1] / W24[::-1].sum(-1, keepdims=True), None),
    "MultivariateNormal precision": (dict(loc=A23, precision_matrix=COV),
                                     lambda D, loc, precision_matrix: D.MultivariateNormal(
                                         loc, precision_matrix=precision_matrix), A23[::-1].copy(), None),
}


def _namespace(T):
    D = T.distributions
    D._T = T  # lets a case make a tensor of its own library (Bernoulli half)
    return D


def _quantities(T, case, dtype):
    """Each quantity's value and its parameters' gradients (or the error's type), in library T."""
    params, build, value, level = CASES[case]
    dtype_t = getattr(T, dtype)
    results = {}
    for name in QUANTITIES:
        leaves = {k: T.tensor(v, dtype=dtype_t, requires_grad=True) for k, v in params.items()}
        with_default = T.get_default_dtype()
        T.set_default_dtype(dtype_t)
        try:
            d = build(_namespace(T), **leaves)
            if name in ("log_prob", "cdf"):
                index = "Categorical" in case and "OneHot" not in case
                out = getattr(d, name)(T.tensor(value, dtype=T.int64 if index else dtype_t))
            elif name == "icdf":
                out = d.icdf(T.tensor(Q23 if level is None else level, dtype=dtype_t))
            elif name in ("entropy",):
                out = d.entropy()
            else:
                out = getattr(d, name)
        except NotImplementedError:
            results[name] = "NotImplementedError"
            continue
        finally:
            T.set_default_dtype(with_default)
        entry = {"value": out.detach().numpy(), "shape": tuple(out.shape), "dtype": str(out.dtype).split(".")[-1],
                 "batch_shape": tuple(d.batch_shape), "event_shape": tuple(d.event_shape)}
        if out.requires_grad:
            weights = T.tensor(np.linspace(0.5, 1.5, out.numel()).reshape(tuple(out.shape)), dtype=out.dtype)
            finite = T.where(T.isfinite(out), out, T.zeros_like(out))
            (finite * weights).sum().backward()
        entry["grads"] = {k: None if leaf.grad is None else leaf.grad.numpy() for k, leaf in leaves.items()}
        results[name] = entry
    return results


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # Beta's mode 0/0's gradient
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", list(CASES))
def test_values_and_gradients_match_pytorch(case, dtype):
    theirs, ours = _quantities(torch, case, dtype), _quantities(ag, case, dtype)
    for name in QUANTITIES:
        want, got = theirs[name], ours[name]
        if isinstance(want, str) or isinstance(got, str):
            assert got == want, f"{case}.{name}: PyTorch {want}, ours {got}"
            continue
        for key in ("shape", "dtype", "batch_shape", "event_shape"):
            assert got[key] == want[key], f"{case}.{name}: {key} {got[key]}, PyTorch's {want[key]}"
        np.testing.assert_allclose(got["value"], want["value"], **TOL[dtype], err_msg=f"{case}.{name}")
        tol = TOL[dtype]
        if name == "entropy" and dtype == "float64" and ("Beta" in case or "Dirichlet" in case):
            tol = dict(rtol=1e-8, atol=1e-12)  # PyTorch's trigamma is within 5e-10 of the truth, ours 3e-14 (below)
        for param, grad in want["grads"].items():
            if grad is None:
                assert got["grads"][param] is None, f"{case}.{name}: ours has a gradient for {param}, PyTorch none"
                continue
            assert got["grads"][param] is not None, f"{case}.{name}: no gradient for {param}"
            np.testing.assert_allclose(got["grads"][param], grad, **tol, err_msg=f"{case}.{name} d/d{param}")


# (p, q) parameters and builders: KL(p || q), with gradients wrt both
KL_CASES = {
    "Normal": (dict(a=A23, b=POS3, c=A23[::-1].copy(), d=POS23),
               lambda D, a, b, c, d: (D.Normal(a, b), D.Normal(c, d))),
    "Bernoulli": (dict(a=P23, c=P23[::-1].copy()), lambda D, a, c: (D.Bernoulli(probs=a), D.Bernoulli(logits=c))),
    "Bernoulli edges": (dict(a=np.array([0.0, 1.0, 0.3, 0.3]), c=np.array([0.5, 0.5, 0.0, 1.0])),
                        lambda D, a, c: (D.Bernoulli(probs=a), D.Bernoulli(probs=c))),
    "Categorical": (dict(a=W24, c=LOGITS24), lambda D, a, c: (D.Categorical(probs=a), D.Categorical(logits=c))),
    "Categorical zeros": (dict(a=np.array([[0.0, 0.5, 0.5], [0.2, 0.3, 0.5]]),
                               c=np.array([[0.3, 0.7, 0.0], [1.0, 1.0, 1.0]])),
                          lambda D, a, c: (D.Categorical(probs=a), D.Categorical(probs=c))),
    "OneHotCategorical": (dict(a=W24, c=LOGITS24),
                          lambda D, a, c: (D.OneHotCategorical(probs=a), D.OneHotCategorical(logits=c))),
    "Uniform": (dict(a=A23 - 1, b=A23 + POS23, c=A23 - 2, d=A23 + 2 * POS23),
                lambda D, a, b, c, d: (D.Uniform(a, b), D.Uniform(c, d))),
    "Uniform outside": (dict(a=A23 - 1, b=A23 + POS23, c=A23 - 2, d=A23),
                        lambda D, a, b, c, d: (D.Uniform(a, b), D.Uniform(c, d, validate_args=False))),
    "Independent": (dict(a=A23, b=POS23, c=A23 * 0.5, d=POS23[::-1].copy()),
                    lambda D, a, b, c, d: (D.Independent(D.Normal(a, b), 1), D.Independent(D.Normal(c, d), 1))),
    "Beta": (dict(a=POS23, b=POS3, c=POS23[::-1] * 2, d=POS23), lambda D, a, b, c, d: (D.Beta(a, b), D.Beta(c, d))),
    "Dirichlet": (dict(a=W24, c=W24[::-1] * 3), lambda D, a, c: (D.Dirichlet(a), D.Dirichlet(c))),
    "MultivariateNormal": (dict(a=A23, b=TRIL, c=A23[0] * 0.3, d=COV_B),
                           lambda D, a, b, c, d: (D.MultivariateNormal(a, scale_tril=b),
                                                  D.MultivariateNormal(c, covariance_matrix=d))),
    "MultivariateNormal precision": (dict(a=A23[0], b=COV, c=A23, d=TRIL),
                                     lambda D, a, b, c, d: (D.MultivariateNormal(a, precision_matrix=b),
                                                            D.MultivariateNormal(c, scale_tril=d))),
}


def _kl(T, case, dtype):
    params, build = KL_CASES[case]
    leaves = {k: T.tensor(v, dtype=getattr(T, dtype), requires_grad=True) for k, v in params.items()}
    p, q = build(T.distributions, **leaves)
    out = T.distributions.kl_divergence(p, q)
    weights = T.tensor(np.linspace(0.5, 1.5, out.numel()).reshape(tuple(out.shape)), dtype=out.dtype)
    T.where(T.isfinite(out), out * weights, T.zeros_like(out)).sum().backward()
    return out.detach().numpy(), {k: None if v.grad is None else v.grad.numpy() for k, v in leaves.items()}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", list(KL_CASES))
def test_kl_divergence_and_its_gradients_match_pytorch(case, dtype):
    (want, want_grads), (got, got_grads) = _kl(torch, case, dtype), _kl(ag, case, dtype)
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_allclose(got, want, **TOL[dtype], err_msg=f"KL {case}")
    tol = TOL[dtype]
    if dtype == "float64" and case in ("Beta", "Dirichlet"):
        tol = dict(rtol=1e-8, atol=1e-12)  # digamma's gradient: PyTorch's trigamma is within 5e-10 of the truth
    for k, grad in want_grads.items():
        assert (got_grads[k] is None) == (grad is None), f"KL {case}: gradient of {k}"
        if grad is not None:
            np.testing.assert_allclose(got_grads[k], grad, **tol, err_msg=f"KL {case} d/d{k}")


def test_kl_of_an_unregistered_pair_is_refused_as_in_pytorch():
    for T in (torch, ag):
        D = T.distributions
        with pytest.raises(NotImplementedError, match="No KL\\(p \\|\\| q\\) is implemented for p type Categorical "
                                                      "and q type Normal"):
            D.kl_divergence(D.Categorical(logits=T.zeros(3)), D.Normal(0.0, 1.0))


SAMPLING = '''
import torch
import torch.distributions as D

torch.manual_seed(0)
loc = torch.tensor([[0.5, -1.0, 2.0], [0.0, 0.3, -0.2]], dtype=torch.{dtype}, requires_grad=True)
scale = torch.tensor([0.5, 1.5, 2.0], dtype=torch.{dtype}, requires_grad=True)
rate = torch.tensor([0.5, 1.0, 4.0], dtype=torch.{dtype}, requires_grad=True)
logits = torch.tensor([[0.1, 2.0, -1.0, 0.0], [3.0, 0.0, 0.0, -2.0]], dtype=torch.{dtype}, requires_grad=True)
tril = torch.tensor([[1.0, 0.0, 0.0], [0.5, 2.0, 0.0], [-0.3, 0.2, 0.7]], dtype=torch.{dtype}, requires_grad=True)
weights = torch.linspace(0.5, 1.5, 2 * 2 * 3, dtype=torch.{dtype}).reshape(2, 2, 3)

normal = D.Normal(loc, scale)
z_normal = normal.rsample((2,))
x_normal = normal.sample((2,))
(z_normal * weights).sum().backward()
normal_grads = [loc.grad.clone(), scale.grad.clone()]

laplace = D.Laplace(loc, scale)
z_laplace = laplace.rsample((2,))
loc.grad = None
scale.grad = None
(z_laplace * weights).sum().backward()
laplace_grads = [loc.grad.clone(), scale.grad.clone()]

exponential = D.Exponential(rate)
z_exponential = exponential.rsample((4,))
x_exponential = exponential.sample()
z_exponential.pow(2).sum().backward()
rate_grad = rate.grad

uniform = D.Uniform(loc - 1, loc + scale)
z_uniform = uniform.rsample((2,))
loc.grad = None
(z_uniform * weights).sum().backward()
uniform_grad = loc.grad

mvn = D.MultivariateNormal(loc, scale_tril=tril)
z_mvn = mvn.rsample((2,))
(z_mvn * weights).sum().backward()
tril_grad = tril.grad

bernoulli = D.Bernoulli(logits=loc)
x_bernoulli = bernoulli.sample((5,))
x_bernoulli_probs = D.Bernoulli(probs=torch.tensor([0.0, 1.0, 0.5], dtype=torch.{dtype})).sample((4,))

categorical = D.Categorical(logits=logits)
actions = categorical.sample()
draws = categorical.sample((6,))
one_row = D.Categorical(probs=torch.tensor([0.1, 0.0, 0.6, 0.3], dtype=torch.{dtype})).sample((3, 2))
one_hot = D.OneHotCategorical(logits=logits).sample((3,))
independent = D.Independent(D.Normal(loc, scale), 1).rsample()
'''


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sample_and_rsample_replay_pytorchs_draws_with_rsample_gradients(dtype):
    torch_run, our_run = run_both(SAMPLING.format(dtype=dtype))
    assert_same(torch_run, our_run, **TOL[dtype])
    assert our_run["actions"].dtype == np.int64 and our_run["draws"].shape == (6, 2)


def test_our_own_draws_have_the_right_distribution():
    """Without the harness: moments and frequencies of 200,000 draws from ag's generator."""
    D = ag.distributions
    ag.manual_seed(1)
    n = 200_000
    x = D.Normal(ag.tensor([1.0, -2.0]), ag.tensor([0.5, 3.0])).sample((n,)).numpy()
    np.testing.assert_allclose(x.mean(0), [1.0, -2.0], atol=0.03)
    np.testing.assert_allclose(x.std(0), [0.5, 3.0], rtol=0.01)
    probs = np.array([0.1, 0.0, 0.6, 0.3])
    counts = np.bincount(D.Categorical(probs=ag.tensor(probs * 7)).sample((n,)).numpy(), minlength=4) / n
    np.testing.assert_allclose(counts, probs, atol=0.005)
    assert counts[1] == 0
    b = D.Bernoulli(probs=ag.tensor([0.0, 0.25, 1.0])).sample((n,)).numpy()
    np.testing.assert_allclose(b.mean(0), [0.0, 0.25, 1.0], atol=0.005)
    e = D.Exponential(ag.tensor(2.0)).sample((n,)).numpy()
    assert abs(e.mean() - 0.5) < 0.005 and abs(e.var() - 0.25) < 0.01 and e.min() >= 0
    lap = D.Laplace(1.0, 2.0).sample((n,)).numpy()
    assert abs(np.median(lap) - 1.0) < 0.03 and abs(lap.var() - 8.0) < 0.15
    u = D.Uniform(-1.0, 3.0).sample((n,)).numpy()
    assert u.min() >= -1 and u.max() < 3 and abs(u.mean() - 1.0) < 0.01
    a, b = np.array([0.3, 2.0, 5.0]), np.array([0.6, 2.0, 1.5])
    beta = D.Beta(ag.tensor(a), ag.tensor(b)).sample((n,)).numpy()
    np.testing.assert_allclose(beta.mean(0), a / (a + b), atol=0.004)
    np.testing.assert_allclose(beta.var(0), a * b / ((a + b) ** 2 * (a + b + 1)), rtol=0.03)
    assert beta.min() > 0 and beta.max() < 1
    alpha = np.array([0.5, 1.0, 4.0])
    dirichlet = D.Dirichlet(ag.tensor(alpha)).sample((n,)).numpy()
    np.testing.assert_allclose(dirichlet.sum(-1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(dirichlet.mean(0), alpha / alpha.sum(), atol=0.003)
    cov = np.array([[2.0, 0.6], [0.6, 1.0]])
    mv = D.MultivariateNormal(ag.tensor([1.0, 0.0], dtype=ag.float64),  # (PyTorch refuses a float32 loc with a
                              covariance_matrix=ag.tensor(cov)).sample((n,)).numpy()  # float64 covariance)
    np.testing.assert_allclose(np.cov(mv.T), cov, atol=0.03)


def _error(T, make):
    with pytest.raises(Exception) as info:
        make(T, T.distributions)
    return info.type, str(info.value)


BAD = {
    "scale <= 0": lambda T, D: D.Normal(T.tensor([0.0, 1.0]), T.tensor([1.0, 0.0])),
    "probs > 1": lambda T, D: D.Bernoulli(probs=T.tensor([0.5, 1.5])),
    "probs and logits": lambda T, D: D.Bernoulli(probs=T.tensor(0.5), logits=T.tensor(0.0)),
    "neither": lambda T, D: D.Categorical(),
    "negative class weight": lambda T, D: D.Categorical(probs=T.tensor([0.5, -0.1, 0.6])),
    "0-d probs": lambda T, D: D.Categorical(probs=T.tensor(1.0)),
    "low >= high": lambda T, D: D.Uniform(T.tensor([0.0, 2.0]), T.tensor([1.0, 1.0])),
    "rate <= 0": lambda T, D: D.Exponential(T.tensor([-1.0])),
    "nan loc": lambda T, D: D.Laplace(T.tensor([float("nan")]), T.tensor([1.0])),
    "scale_tril not lower": lambda T, D: D.MultivariateNormal(T.zeros(2), scale_tril=T.tensor([[1.0, 1], [0, 1]])),
    "covariance not PD": lambda T, D: D.MultivariateNormal(T.zeros(2), covariance_matrix=T.tensor([[1.0, 2], [2, 1]])),
    "covariance not symmetric": lambda T, D: D.MultivariateNormal(T.zeros(2), T.tensor([[1.0, 0.5], [0.0, 1.0]])),
    "two matrices": lambda T, D: D.MultivariateNormal(T.zeros(2), covariance_matrix=T.eye(2), scale_tril=T.eye(2)),
    "0-d loc": lambda T, D: D.MultivariateNormal(T.tensor(0.0), covariance_matrix=T.eye(2)),
    "too many dims": lambda T, D: D.Independent(D.Normal(T.zeros(3), T.ones(3)), 2),
    "value outside support": lambda T, D: D.Exponential(T.tensor([1.0, 2.0])).log_prob(T.tensor([1.0, -1.0])),
    "not a class": lambda T, D: D.Categorical(logits=T.zeros(3)).log_prob(T.tensor([3])),
    "not 0/1": lambda T, D: D.Bernoulli(probs=T.tensor([0.5])).log_prob(T.tensor([0.5])),
    "outside uniform": lambda T, D: D.Uniform(0.0, 1.0).log_prob(T.tensor(1.5)),
    "event shape": lambda T, D: D.MultivariateNormal(T.zeros(3), T.eye(3)).log_prob(T.zeros(2)),
    "batch shape": lambda T, D: D.Normal(T.zeros(3), T.ones(3)).log_prob(T.zeros(2)),
    "not a tensor": lambda T, D: D.Normal(0.0, 1.0).log_prob(0.5),
    "Beta concentration <= 0": lambda T, D: D.Beta(T.tensor([1.0, 2.0]), T.tensor([0.0, 1.0])),
    "Dirichlet 0-d": lambda T, D: D.Dirichlet(T.tensor(1.0)),
    "outside Beta": lambda T, D: D.Beta(2.0, 2.0).log_prob(T.tensor([0.5, 1.5])),
    "not a one-hot": lambda T, D: D.OneHotCategorical(probs=T.ones(3)).log_prob(T.tensor([1.0, 1.0, 0.0])),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_parameters_and_values_raise_pytorchs_errors(case):
    (want_type, want), (got_type, got) = _error(torch, BAD[case]), _error(ag, BAD[case])
    assert got_type is want_type, f"{case}: ours {got_type.__name__}: {got}; PyTorch {want_type.__name__}: {want}"
    # the same words, PyTorch's torch.Size([2, 3]) printed as ag.Size's (2, 3)
    plain = re.sub(r"torch\.Size\(\[([^\]]*)\]\)", lambda m: str(tuple(int(d) for d in m[1].split(",") if d.strip())),
                   want)
    assert got == plain, f"{case}:\n ours:    {got}\n PyTorch: {want}"


def test_validate_args_false_skips_the_checks_as_in_pytorch():
    for T in (torch, ag):
        d = T.distributions.Normal(T.tensor([0.0]), T.tensor([-1.0]), validate_args=False)
        with np.errstate(invalid="ignore"):  # log(-1): nan, as in PyTorch
            assert bool(T.isnan(d.log_prob(T.tensor([0.5]))).all())


def test_shapes_expand_and_enumerate_support_match_pytorch():
    def shapes(T):
        D = T.distributions
        n = D.Normal(T.zeros(3), T.ones(3)).expand((4, 3))
        c = D.Categorical(logits=T.zeros(2, 5)).expand((3, 2))
        mv = D.MultivariateNormal(T.zeros(2), covariance_matrix=T.eye(2)).expand((4,))
        ind = D.Independent(D.Bernoulli(probs=T.full((2, 3), 0.5)), 1).expand((5, 2))
        return [tuple(x) for x in (
            n.batch_shape, n.sample((2,)).shape, n.log_prob(T.zeros(4, 3)).shape,
            c.batch_shape, c.sample((6,)).shape, c.enumerate_support().shape, c.entropy().shape,
            mv.batch_shape, mv.event_shape, mv.rsample((2,)).shape, mv.covariance_matrix.shape, mv.entropy().shape,
            ind.batch_shape, ind.event_shape, ind.sample().shape, ind.log_prob(T.zeros(5, 2, 3)).shape,
            D.Bernoulli(probs=T.full((2,), 0.3)).enumerate_support().shape,
            D.OneHotCategorical(logits=T.zeros(2, 4)).enumerate_support(expand=False).shape,
        )]

    assert shapes(ag) == shapes(torch)


def test_the_repr_and_the_constraints_read_as_pytorchs():
    for T in (torch, ag):
        D = T.distributions
        assert repr(D.Normal(0.0, 1.0).arg_constraints["scale"]) == "GreaterThan(lower_bound=0.0)"
        assert repr(D.Categorical(logits=T.zeros(2, 3)).support) == "IntegerInterval(lower_bound=0, upper_bound=2)"
        assert repr(D.MultivariateNormal.support) == "IndependentConstraint(Real(), 1)"
        assert repr(D.Independent(D.Normal(T.zeros(2), T.ones(2)), 1)).startswith("Independent(Normal(loc: ")
        assert D.Normal.has_rsample and not D.Categorical.has_rsample
        assert bool(D.constraints.simplex.check(T.tensor([0.25, 0.75]))) and not bool(D.constraints.positive.check(
            T.tensor(0.0)))
