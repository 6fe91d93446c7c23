"""nn.utils: gradient clipping and parameter vectors against PyTorch."""
import numpy as np
import pytest

import autograd as ag
import nn

try:  # PyTorch is the oracle when installed; one thread keeps it quick on small shared machines
    import torch as _torch
    _torch.set_num_threads(1)
except ImportError:
    pass


def _pair(torch, scale):
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal(s) * scale for s in [(3, 4), (4,), (2, 2)]]
    ours = [nn.Parameter(ag.tensor(a)) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    grads = [rng.standard_normal(a.shape) * scale for a in arrays]
    for p, t, g in zip(ours, theirs, grads):
        p.grad, t.grad = ag.tensor(g), torch.tensor(g)
    return ours, theirs


@pytest.mark.parametrize("max_norm,norm_type", [(1.0, 2.0), (100.0, 2.0), (0.5, 1.0), (0.3, float("inf")),
                                               (0.3, -float("inf")), (2.0, 0), (0.5, 0.5), (1.5, 3)])
def test_clip_grad_norm_matches_torch(max_norm, norm_type):
    torch = pytest.importorskip("torch")
    ours, theirs = _pair(torch, 2.0)
    for p, t in zip(ours[1:], theirs[1:]):  # a gradient all zeros, one with a zero: norm_type 0 and -inf count them
        p.grad._data[0] = t.grad[0] = 0.0
    ours[2].grad._data[...] = theirs[2].grad[...] = 0.0
    total = nn.utils.clip_grad_norm_(ours, max_norm, norm_type)
    ttotal = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert total.item() == pytest.approx(ttotal.item(), rel=1e-12)
    for p, t in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.numpy(), t.grad.numpy(), rtol=1e-12)


def test_clip_grad_norm_nonfinite_and_value_and_vectors():
    p = nn.Parameter(ag.ones(3))
    p.grad = ag.tensor([1.0, float("inf"), 0.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    p.grad = ag.tensor([-5.0, 0.5, 3.0])
    nn.utils.clip_grad_value_(p, 1.0)
    np.testing.assert_array_equal(p.grad.numpy(), [-1.0, 0.5, 1.0])
    assert nn.utils.clip_grad_norm_([nn.Parameter(ag.ones(1))], 1.0).item() == 0.0  # no grads
    model = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    vec = nn.utils.parameters_to_vector(model.parameters())
    assert vec.shape == (3 * 2 + 2 + 2 + 1,)
    nn.utils.vector_to_parameters(vec * 0 + 1, model.parameters())
    assert all((p._data == 1).all() for p in model.parameters())
    with pytest.raises(ValueError, match="1-D vector of 11 elements"):
        nn.utils.vector_to_parameters(ag.ones(3), model.parameters())


@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf")])
def test_get_total_norm_and_clip_grads_with_norm_match_torch(norm_type):
    """The two halves of clip_grad_norm_, as PyTorch 2.13 publishes them: one norm taken across two
    groups of parameters, then each group clipped by it."""
    torch = pytest.importorskip("torch")
    ours, theirs = _pair(torch, 2.0)
    total = nn.utils.get_total_norm([p.grad for p in ours], norm_type)
    ttotal = torch.nn.utils.get_total_norm([t.grad for t in theirs], norm_type)
    assert total.item() == pytest.approx(ttotal.item(), rel=1e-12)
    assert total.dtype == ag.float64 and total.shape == ()
    for group, tgroup in ((ours[:1], theirs[:1]), (ours[1:], theirs[1:])):
        nn.utils.clip_grads_with_norm_(group, 1.5, total)
        torch.nn.utils.clip_grads_with_norm_(tgroup, 1.5, ttotal)
    for p, t in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.numpy(), t.grad.numpy(), rtol=1e-12)
