"""Sparse COO tensors (autograd/ops/sparse.py), compared with PyTorch: Tensor.to_sparse, torch.sparse_coo_tensor
(repeated indices, int32 indices from numpy, dtype=), coalesce, indices/values, to_dense, their repr, the products
sparse @ dense and dense @ sparse (values, MmBackward0, the dense factor's gradient), dense + sparse, and
PyTorch's refusals (sparse + dense, indices() of an uncoalesced tensor, an index out of range), and what is
not provided here (elementwise ops, sparse @ sparse) refused by name."""
import numpy as np
import pytest

import autograd as ag

torch = pytest.importorskip("torch")  # the oracle


def _matrix(seed=0, shape=(5, 4)):
    rng = np.random.RandomState(seed)
    return (rng.randn(*shape) * (rng.rand(*shape) < 0.4)).astype(np.float32)


def test_to_sparse_as_torch():
    m = _matrix()
    want, got = torch.from_numpy(m).to_sparse(), ag.tensor(m).to_sparse()
    np.testing.assert_array_equal(got.indices().numpy(), want.indices().numpy())
    np.testing.assert_array_equal(got.values().numpy(), want.values().numpy())
    assert (got.shape, got._nnz(), got.is_coalesced(), got.is_sparse) == (want.shape, want._nnz(), True, True)
    assert repr(got.layout) == repr(want.layout) == "torch.sparse_coo"
    assert repr(ag.ones(2).layout) == repr(torch.ones(2).layout) == "torch.strided"
    assert repr(got) == repr(want)
    np.testing.assert_array_equal(got.to_dense().numpy(), m)


def test_sparse_coo_tensor_repeated_indices_add_up():
    indices = np.array([[0, 2, 0, 1], [1, 0, 1, 3]], dtype=np.int32)
    want = torch.sparse_coo_tensor(indices, torch.ones(4), (3, 4), dtype=torch.int64)
    got = ag.sparse_coo_tensor(indices, ag.ones(4), (3, 4), dtype=ag.int64)
    assert repr(got) == repr(want)
    assert got.is_coalesced() is want.is_coalesced() is False
    np.testing.assert_array_equal(got.to_dense().numpy(), want.to_dense().numpy())
    assert got.to_dense().dtype == ag.int64
    assert repr(got.coalesce()) == repr(want.coalesce())
    with pytest.raises(RuntimeError, match="uncoalesced") as ours:
        got.indices()
    with pytest.raises(RuntimeError) as theirs:
        want.indices()
    assert str(ours.value) == str(theirs.value)
    inferred_t = torch.sparse_coo_tensor(torch.tensor([[0, 4]]), torch.tensor([1.0, 2.0]))
    inferred = ag.sparse_coo_tensor(ag.tensor([[0, 4]]), ag.tensor([1.0, 2.0]))
    assert repr(inferred) == repr(inferred_t)


def test_products_and_gradient_as_torch():
    s, d = _matrix(1, (5, 4)), np.random.RandomState(2).randn(4, 3).astype(np.float32)
    e = np.random.RandomState(3).randn(2, 5).astype(np.float32)
    for make in (lambda lib, m: lib.tensor(m).to_sparse(),):
        for mm in ("matmul", "mm", "spmm", "@"):
            results = []
            for lib in (torch, ag):
                sparse = make(lib, s)
                dense = lib.tensor(d, requires_grad=True)
                left = lib.tensor(e, requires_grad=True)
                out = sparse @ dense if mm == "@" else getattr(lib, mm)(sparse, dense)
                out2 = left @ sparse
                assert out.layout == lib.strided and out2.layout == lib.strided
                assert out.grad_fn.name() == "MmBackward0"
                (out * out).sum().backward()
                out2.pow(3).sum().backward()
                results.append([t.detach().numpy() for t in (out, out2, dense.grad, left.grad)])
            for got, want in zip(results[1], results[0]):
                np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


def test_dense_plus_sparse_is_dense_and_sparse_plus_dense_refused():
    indices = np.array([[0, 1, 1], [2, 0, 0]])
    want = torch.eye(3) + torch.sparse_coo_tensor(indices, torch.ones(3), (3, 3), dtype=torch.int64)
    sparse = ag.sparse_coo_tensor(indices, ag.ones(3), (3, 3), dtype=ag.int64)
    got = ag.eye(3) + sparse
    assert got.dtype == ag.float32 and not got.is_sparse
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    with pytest.raises(RuntimeError) as theirs:
        torch.sparse_coo_tensor(indices, torch.ones(3), (3, 3)) + torch.eye(3)
    with pytest.raises(RuntimeError) as ours:
        sparse + ag.eye(3)
    assert str(ours.value) == str(theirs.value)


def test_refusals():
    """An index out of range is refused at once (PyTorch's check_invariants=True message; without it PyTorch
    defers the check); what is not provided for a sparse tensor says so."""
    with pytest.raises(RuntimeError) as theirs:
        torch.sparse_coo_tensor(torch.tensor([[0, 3]]), torch.ones(2), (3,), check_invariants=True)
    with pytest.raises(RuntimeError) as ours:
        ag.sparse_coo_tensor(ag.tensor([[0, 3]]), ag.ones(2), (3,))
    assert "size is inconsistent with indices: for dim 0, size is 3 but found index 3" in str(theirs.value)
    assert "size is inconsistent with indices: for dim 0, size is 3 but found index 3" in str(ours.value)
    sparse = ag.tensor(_matrix()).to_sparse()
    with pytest.raises(AttributeError, match="not supported for a sparse COO tensor"):
        sparse.exp()
    with pytest.raises(NotImplementedError, match="sparse @ sparse"):
        sparse @ sparse.t()
    with pytest.raises(RuntimeError, match="same dtype"):
        sparse @ ag.ones(4, 2, dtype=ag.float64)
    with pytest.raises(TypeError, match="to_dense"):
        sparse.numpy()
    weights = ag.ones(2, requires_grad=True)  # (PyTorch's sparse tensor would carry their gradient: refused)
    with pytest.raises(NotImplementedError, match="require grad"):
        ag.sparse_coo_tensor(ag.tensor([[0, 1], [1, 0]]), weights, (2, 2))
    with pytest.raises(NotImplementedError, match="requires grad"):
        (weights * 2).reshape(1, 2).to_sparse()
    with ag.no_grad():
        assert ag.sparse_coo_tensor(ag.tensor([[0, 1], [1, 0]]), weights, (2, 2))._nnz() == 2
