"""PyTorch snippets run twice, once with ``torch`` and once with ``autograd`` imported in
its place: values and gradients must agree (skipped when torch is not installed)."""
import numpy as np
import pytest

import autograd as ag

torch = pytest.importorskip("torch")

X = np.array([[0.5, -1.2, 2.0], [1.5, 0.3, -0.7]])
W = np.array([[0.1, -0.4], [0.9, 0.2], [-0.3, 0.8]])


def snippet_mlp(T, x, w):
    h = (x @ w).tanh()
    return (h.sigmoid() * h.exp()).sum() + h.relu().mean()


def snippet_reductions(T, x, w):
    return x.max(dim=1).values.sum() + x.logsumexp(1).mean() + x.std() + x.var(0, unbiased=False).sum() \
        + x.prod() + x.amax(0).sum() + x.min()


def snippet_softmax(T, x, w):
    return (T.softmax(x, dim=1) * T.log_softmax(x, dim=0)).sum() + T.outer(x[0], x[1]).sum()


def snippet_shapes(T, x, w):
    y = T.cat([x, x * 2], dim=0).reshape(3, 4).T
    z = T.stack([x, x.abs()], dim=2).permute(2, 0, 1).flatten(1)
    parts = y.chunk(2, dim=0)
    return (parts[0] ** 2).sum() + z[:, 1:4].sum() + y.unsqueeze(0).expand(2, 4, 3).sum() + x[x > 0].sum()


def snippet_indexing(T, x, w):
    idx = T.tensor([0, 2, 2, 1])
    return (x[:, idx] * x[1, idx]).sum() + x[..., None][1, 2, 0] + x[[1, 0, 1]].sum()


def snippet_broadcast(T, x, w):
    b = w[:, :1].T  # (1, 3)
    return ((x - b) / (b ** 2 + 1) + T.maximum(x, b) - T.minimum(x, b * 0.5)).pow(2).sum() \
        + T.where(x > 0, x, b).sum() + x.clamp(-0.5, 0.5).sum()


def snippet_matmul(T, x, w):
    batch = x.reshape(2, 1, 3).expand(2, 2, 3)
    return (batch @ w).sum() + (x[0] @ w).sum() + (x @ x[0]).sum() + T.matmul(x[0], x[1])


@pytest.mark.parametrize("snippet", [snippet_mlp, snippet_reductions, snippet_softmax, snippet_shapes,
                                     snippet_indexing, snippet_broadcast, snippet_matmul],
                         ids=lambda f: f.__name__)
def test_same_numbers_as_pytorch(snippet):
    results = []
    for T in (torch, ag):
        x = T.tensor(X.astype(np.float32), requires_grad=True)
        w = T.tensor(W.astype(np.float32), requires_grad=True)
        out = snippet(T, x, w)
        out.backward()
        results.append([np.asarray(t.detach().numpy(), dtype=np.float64) for t in (out, x.grad, w.grad)
                        if t is not None])
    for theirs, ours in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def test_second_derivatives_match_pytorch():
    grads = []
    for T in (torch, ag):
        x = T.tensor(X.astype(np.float64), requires_grad=True)
        y = (x.tanh() * x.sigmoid()).sum() + (x ** 3).sum()
        (g,) = T.autograd.grad(y, x, create_graph=True)
        (h,) = T.autograd.grad((g * g).sum(), x)
        grads.append((g.detach().numpy(), h.numpy()))
    np.testing.assert_allclose(grads[1][0], grads[0][0], rtol=1e-10)
    np.testing.assert_allclose(grads[1][1], grads[0][1], rtol=1e-10)
