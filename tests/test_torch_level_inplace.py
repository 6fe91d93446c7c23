"""torch's in-place free functions (torch.sin_(x)), in-place shape changes (x.unsqueeze_(0), squeeze_,
t_, transpose_) and out= for the random creation functions (torch.rand(2, 2, out=c)) against PyTorch
2.13: the same numbers, the same object returned, and the errors where PyTorch refuses. (out= for the
other torch.* functions and the legacy typed constructors have their tests in tests/porting.)"""
import numpy as np
import pytest

import autograd as ag

torch = pytest.importorskip("torch")

X = np.array([[0.5, -1.25, 2.0], [3.0, -0.75, 0.1]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name, args", [("sin_", ()), ("exp_", ()), ("abs_", ()), ("clamp_", (-0.5, 0.5)),
                                        ("neg_", ()), ("sigmoid_", ()), ("zero_", ()), ("fill_", (2.5,))])
def test_torch_level_inplace_functions(name, args, dtype):
    for T in (torch, ag):
        x = T.tensor(X.astype(dtype))
        out = getattr(T, name)(x, *args)
        assert out is x
        if T is torch:
            want = x.numpy().copy()
    np.testing.assert_allclose(x.numpy(), want, rtol=1e-6 if dtype == np.float32 else 1e-12)
    assert x.dtype == want.dtype
    with pytest.raises(TypeError, match="must be a Tensor"):
        ag.sin_([1.0])
    leaf = ag.tensor(X, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        ag.sin_(leaf)


@pytest.mark.parametrize("name, args", [("unsqueeze_", (0,)), ("unsqueeze_", (-1,)), ("squeeze_", ()),
                                        ("squeeze_", (0,)), ("t_", ()), ("transpose_", (0, 2))])
def test_inplace_shape_changes(name, args):
    shapes = []
    for T in (torch, ag):
        x = T.tensor(X[None])  # (1, 2, 3)
        if name == "t_":
            x = T.tensor(X)
        alias, v = x, x._version
        assert getattr(x, name)(*args) is x
        shapes.append((tuple(x.shape), x._version - v, alias.numpy().tolist()))
    assert shapes[0] == shapes[1]


def test_inplace_shape_change_refused_where_a_graph_would_need_it():
    x = ag.rand(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="x = x.unsqueeze"):
        x.unsqueeze_(0)
    with pytest.raises(RuntimeError, match="x = x.unsqueeze"):
        x[:2].unsqueeze_(0)
    with ag.no_grad():
        x.unsqueeze_(0)
    assert x.shape == (1, 3)
    base = ag.zeros(2, 3)
    view = base[0]
    view.unsqueeze_(0)  # no graph: allowed, still the base's storage
    view.fill_(1.0)
    assert view.shape == (1, 3) and base.numpy()[0].tolist() == [1.0, 1.0, 1.0]


def test_rand_out_draws_into_the_given_tensor_in_its_dtype():
    c = ag.zeros(2, 2, dtype=ag.float64)
    ag.manual_seed(0)
    assert ag.rand(2, 2, out=c) is c and c.dtype == ag.float64
    ag.manual_seed(0)
    np.testing.assert_array_equal(c.numpy(), ag.rand(2, 2, dtype=ag.float64).numpy())
    assert ag.randn(2, 2, out=c) is c
    with pytest.raises(RuntimeError, match="automatic differentiation"):
        ag.rand(2, 2, out=ag.zeros(2, 2, requires_grad=True))
    for T in (torch, ag):
        with pytest.raises(RuntimeError):
            T.rand(2, 2, out=T.zeros(2, 2, dtype=T.int64))
