"""ag.linalg's decompositions (cholesky, qr, eigh, eigvalsh, svd, svdvals) against PyTorch 2.13: values,
gradients (float64 to 1e-10, float32 to 1e-4), gradcheck and gradgradcheck, batches, errors.

Eigen- and singular vectors are defined up to sign, so their gradients are compared through losses
that do not depend on the signs: sum(w * V^2) and sum(W * V diag(f) V^T) (as PyTorch's own tests do)."""
import numpy as np
import pytest

import autograd as ag

torch = pytest.importorskip("torch")


def _run(lib, fn, arrays, dtype):
    """fn(lib, *leaves) on leaves made from ``arrays`` in ``dtype``; returns (outputs, gradients of their
    weighted sum) as numpy."""
    leaves = [lib.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    out = fn(lib, *leaves)
    outs = out if isinstance(out, tuple) else (out,)
    total = sum((o * lib.tensor(np.linspace(-1, 1.5, o.numel()).reshape(tuple(o.shape)).astype(dtype))).sum()
                for o in outs)
    grads = lib.autograd.grad(total, leaves)
    return [o.detach().numpy() for o in outs], [g.numpy() for g in grads]


def same_as_torch(fn, *arrays, dtypes=(np.float64, np.float32)):
    for dtype in dtypes:
        tol = dict(rtol=1e-10, atol=1e-10) if dtype == np.float64 else dict(rtol=2e-4, atol=2e-4)
        (t_out, t_grad), (o_out, o_grad) = _run(torch, fn, arrays, dtype), _run(ag, fn, arrays, dtype)
        for t, o in zip(t_out + t_grad, o_out + o_grad):
            assert o.shape == t.shape and o.dtype == t.dtype, (o.shape, t.shape, o.dtype, t.dtype)
            np.testing.assert_allclose(o, t, **tol)


RNG = np.random.default_rng(7)


def spd(*shape):
    """Symmetric positive-definite matrices of shape (..., n, n)."""
    a = RNG.standard_normal(shape)
    return a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])


def symmetric(*shape):
    a = RNG.standard_normal(shape)
    return a + np.swapaxes(a, -1, -2)


@pytest.mark.parametrize("shape", [(1, 1), (4, 4), (2, 3, 5, 5)])
@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_values_and_gradients(shape, upper):
    same_as_torch(lambda T, a: T.linalg.cholesky(a, upper=upper), spd(*shape))
    A = ag.tensor(spd(*shape), requires_grad=True)  # (symmetrised: PyTorch's gradient is the symmetric one)
    assert ag.gradcheck(lambda a: ag.linalg.cholesky((a + a.mT) / 2, upper=upper), (A,))
    assert ag.autograd.gradgradcheck(lambda a: ag.linalg.cholesky((a + a.mT) / 2, upper=upper), (A,))


def test_cholesky_reads_only_the_lower_triangle_as_torch():
    a = spd(4, 4)
    a[0, 3] += 5.0  # the upper triangle: not read
    same_as_torch(lambda T, a: T.linalg.cholesky(a), a)


def test_cholesky_refuses_a_matrix_that_is_not_positive_definite():
    a = np.diag([1.0, -1.0, 2.0])
    with pytest.raises(RuntimeError):
        torch.linalg.cholesky(torch.tensor(a))
    with pytest.raises(RuntimeError, match="leading minor of order 2"):
        ag.linalg.cholesky(ag.tensor(a))
    with pytest.raises(RuntimeError, match="square"):
        ag.linalg.cholesky(ag.zeros(2, 3))
    with pytest.raises(TypeError, match="floating"):
        ag.linalg.cholesky(ag.tensor([[1, 0], [0, 1]]))


@pytest.mark.parametrize("shape", [(5, 3), (4, 4), (3, 5), (2, 6, 4), (2, 3, 2, 4)])
def test_qr_reduced_values_and_gradients(shape):
    a = RNG.standard_normal(shape)
    same_as_torch(lambda T, a: tuple(T.linalg.qr(a)), a)
    A = ag.tensor(a, requires_grad=True)
    assert ag.gradcheck(lambda a: tuple(ag.linalg.qr(a)), (A,))
    assert ag.autograd.gradgradcheck(lambda a: tuple(ag.linalg.qr(a)), (A,))


@pytest.mark.parametrize("shape", [(3, 5), (4, 4)])
def test_qr_complete_is_differentiable_where_torch_is(shape):
    same_as_torch(lambda T, a: tuple(T.linalg.qr(a, mode="complete")), RNG.standard_normal(shape))


def test_qr_modes_shapes_and_refusals():
    a = RNG.standard_normal((5, 3))
    for mode in ("reduced", "complete", "r"):
        ours, theirs = ag.linalg.qr(ag.tensor(a), mode=mode), torch.linalg.qr(torch.tensor(a), mode=mode)
        assert [tuple(t.shape) for t in ours] == [tuple(t.shape) for t in theirs]
        np.testing.assert_allclose(ours.R.numpy(), theirs.R.numpy(), atol=1e-12)
    Q, R = ag.linalg.qr(ag.tensor(a, requires_grad=True), mode="complete")
    with pytest.raises(RuntimeError, match="not differentiable when mode='complete'"):
        Q.sum().backward()
    _, R = ag.linalg.qr(ag.tensor(a, requires_grad=True), mode="r")
    with pytest.raises(RuntimeError, match="mode='r'"):
        R.sum().backward()
    with pytest.raises(RuntimeError, match="unrecognized mode"):
        ag.linalg.qr(ag.tensor(a), mode="full")


def _eigh_loss(T, a, uplo="L"):
    w, V = T.linalg.eigh(a, UPLO=uplo)
    n = w.shape[-1]
    weights = T.tensor(np.linspace(0.5, 2.0, n * n).reshape(n, n)).to(a.dtype)
    rebuilt = (V * T.tanh(w).unsqueeze(-2)) @ V.mT  # V diag(tanh w) V^T: no sign freedom
    return w, V * V, (rebuilt * weights).sum((-2, -1))


@pytest.mark.parametrize("shape", [(1, 1), (4, 4), (2, 3, 5, 5)])
@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigh_values_and_gradients(shape, uplo):
    a = symmetric(*shape)
    same_as_torch(lambda T, a: _eigh_loss(T, a, uplo), a)
    w = ag.linalg.eigh(ag.tensor(a)).eigenvalues.numpy()
    assert (np.diff(w, axis=-1) >= 0).all()  # ascending, as PyTorch
    A = ag.tensor(a, requires_grad=True)
    assert ag.gradcheck(lambda a: _eigh_loss(ag, (a + a.mT) / 2, uplo), (A,))
    assert ag.autograd.gradgradcheck(lambda a: _eigh_loss(ag, (a + a.mT) / 2, uplo)[0], (A,))


def test_eigvalsh_and_eigenvalues_alone_with_repeated_eigenvalues():
    a = np.diag([1.0, 1.0, 3.0])  # repeated: only the eigenvalues' gradient is defined, and given
    same_as_torch(lambda T, a: T.linalg.eigvalsh(a), a)
    same_as_torch(lambda T, a: T.linalg.eigh(a)[0], symmetric(2, 4, 4))
    with pytest.raises(RuntimeError, match="UPLO"):
        ag.linalg.eigh(ag.eye(2), UPLO="X")


def _svd_loss(T, a, full_matrices=False):
    U, S, Vh = T.linalg.svd(a, full_matrices=full_matrices)
    k = S.shape[-1]
    rebuilt = (U[..., :, :k] * T.sin(S).unsqueeze(-2)) @ Vh[..., :k, :]  # no sign freedom
    return S, U[..., :, :k] * U[..., :, :k], Vh[..., :k, :] * Vh[..., :k, :], rebuilt


@pytest.mark.parametrize("shape", [(5, 3), (4, 4), (3, 5), (2, 6, 4), (2, 3, 2, 4)])
@pytest.mark.parametrize("full_matrices", [False, True])
def test_svd_values_and_gradients(shape, full_matrices):
    a = RNG.standard_normal(shape)
    same_as_torch(lambda T, a: _svd_loss(T, a, full_matrices), a)
    ours, theirs = ag.linalg.svd(ag.tensor(a), full_matrices), torch.linalg.svd(torch.tensor(a), full_matrices)
    assert [tuple(t.shape) for t in ours] == [tuple(t.shape) for t in theirs]
    U, S, Vh = (t.numpy() for t in ours)
    k = S.shape[-1]
    np.testing.assert_allclose((U[..., :, :k] * S[..., None, :]) @ Vh[..., :k, :], a, atol=1e-12)
    A = ag.tensor(a, requires_grad=True)
    assert ag.gradcheck(lambda a: _svd_loss(ag, a, full_matrices), (A,))
    assert ag.autograd.gradgradcheck(lambda a: _svd_loss(ag, a, full_matrices)[3], (A,))


def _legacy_svd_loss(T, a, some=True):
    U, S, V = T.svd(a, some=some)
    k = S.shape[-1]
    rebuilt = (U[..., :, :k] * T.sin(S).unsqueeze(-2)) @ V[..., :, :k].mT  # no sign freedom
    return S, U[..., :, :k] * U[..., :, :k], V[..., :, :k] * V[..., :, :k], rebuilt


@pytest.mark.parametrize("shape", [(5, 3), (4, 4), (3, 5), (2, 6, 4)])
@pytest.mark.parametrize("some", [True, False])
def test_torch_svd_gives_V_not_Vh(shape, some):
    """torch.svd (the older form): (U, S, V) with A = U diag(S) V^T; some=False gives the full factors;
    compute_uv=False gives S and zeros for U (m, m) and V (n, n), as PyTorch does."""
    a = RNG.standard_normal(shape)
    same_as_torch(lambda T, a: _legacy_svd_loss(T, a, some), a)
    ours, theirs = ag.svd(ag.tensor(a), some=some), torch.svd(torch.tensor(a), some=some)
    assert type(ours).__name__ == "svd" and ours._fields == ("U", "S", "V")
    assert [tuple(t.shape) for t in ours] == [tuple(t.shape) for t in theirs]
    U, S, V = (t.numpy() for t in ours)
    k = S.shape[-1]
    np.testing.assert_allclose((U[..., :, :k] * S[..., None, :]) @ V[..., :, :k].swapaxes(-1, -2), a, atol=1e-12)
    ours, theirs = ag.svd(ag.tensor(a), compute_uv=False), torch.svd(torch.tensor(a), compute_uv=False)
    for o, t in zip(ours, theirs):
        assert tuple(o.shape) == tuple(t.shape)
        np.testing.assert_allclose(o.numpy(), t.numpy(), atol=1e-12)


def test_svdvals_and_singular_values_alone():
    a = RNG.standard_normal((2, 5, 3))
    same_as_torch(lambda T, a: T.linalg.svdvals(a), a)
    same_as_torch(lambda T, a: T.linalg.svd(a, full_matrices=False)[1], a)
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        ag.linalg.svd(ag.ones(3))
    for T in (ag, torch):  # (driver= picks a cuSOLVER routine: refused on the CPU)
        with pytest.raises(RuntimeError):
            T.linalg.svd(T.ones(2, 2, dtype=T.float64), driver="gesvd")


def test_decompositions_record_their_nodes_and_check_in_place_changes():
    A = ag.tensor(spd(3, 3), requires_grad=True)
    L = ag.linalg.cholesky(A)
    assert L.grad_fn is not None and L.requires_grad
    with ag.no_grad():
        assert not ag.linalg.cholesky(A).requires_grad
    w, V = ag.linalg.eigh(A)
    V.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        w.sum().backward()
