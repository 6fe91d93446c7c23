"""torch's in-place free functions (torch.sin_(x)), in-place shape changes (x.unsqueeze_(0), squeeze_,
t_, transpose_) and out= (torch.matmul(a, b, out=c), torch.rand(2, 2, out=c)) against PyTorch 2.13:
the same numbers, the same object returned, and the errors where PyTorch refuses."""
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


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_out_writes_into_the_given_tensor(dtype):
    a, b = X.astype(dtype), X.T.astype(dtype)
    results = []
    for T in (torch, ag):
        c = T.zeros(2, 2, dtype=T.float32 if dtype == np.float32 else T.float64)
        d = T.matmul(T.tensor(a), T.tensor(b), out=c)
        e = T.zeros(2, 3, dtype=c.dtype)
        f = T.add(T.tensor(a), 1.5, out=e)
        assert d is c and f is e
        results.append((c.numpy().copy(), e.numpy().copy()))
    for o, t in zip(*results[::-1]):
        np.testing.assert_allclose(o, t, rtol=1e-6)


def test_rand_out_draws_into_the_given_tensor_in_its_dtype():
    c = ag.zeros(2, 2, dtype=ag.float64)
    ag.manual_seed(0)
    assert ag.rand(2, 2, out=c) is c and c.dtype == ag.float64
    ag.manual_seed(0)
    np.testing.assert_array_equal(c.numpy(), ag.rand(2, 2, dtype=ag.float64).numpy())
    assert ag.randn(2, 2, out=c) is c


def test_out_errors_name_the_function_and_say_why():
    w = ag.rand(2, 2, requires_grad=True)
    for T, w in ((torch, torch.rand(2, 2, requires_grad=True)), (ag, w)):
        with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
            T.matmul(w, w, out=T.zeros(2, 2))
    with ag.no_grad():
        assert ag.matmul(w, w, out=ag.zeros(2, 2)).requires_grad is False
    for T in (torch, ag):
        with pytest.raises(RuntimeError, match="dtype"):
            T.matmul(T.rand(2, 2), T.rand(2, 2), out=T.zeros(2, 2, dtype=T.int64))
    with pytest.raises(RuntimeError, match="shape"):  # (PyTorch resizes it, with a deprecation warning)
        ag.matmul(ag.rand(2, 2), ag.rand(2, 2), out=ag.zeros(3, 3))
    with pytest.raises(TypeError, match="out"):
        ag.matmul(ag.rand(2, 2), ag.rand(2, 2), out=np.zeros((2, 2)))


@pytest.mark.parametrize("name", ["FloatTensor", "DoubleTensor", "LongTensor", "IntTensor", "ShortTensor",
                                  "CharTensor", "ByteTensor", "BoolTensor"])
def test_legacy_typed_constructors(name):
    """torch.LongTensor([1, 2]) and the others: data cast to the type (floats truncated), sizes give a
    shape, no argument an empty tensor, and isinstance checks the dtype."""
    data = [[1.7, 0.0], [3.2, 1.0]] if name != "ByteTensor" else [[1.7, 0.0], [3.2, 1.0]]
    made = [getattr(T, name)(data) for T in (torch, ag)]
    assert str(made[1].dtype) == str(made[0].dtype).replace("torch.", "")
    np.testing.assert_array_equal(made[1].numpy(), made[0].numpy())
    assert tuple(getattr(ag, name)(2, 3).shape) == (2, 3) and tuple(getattr(ag, name)().shape) == (0,)
    assert isinstance(made[1], getattr(ag, name)) and not isinstance(ag.zeros(2, dtype=ag.complex64) if hasattr(
        ag, "complex64") else "x", getattr(ag, name))
    other = "LongTensor" if name != "LongTensor" else "FloatTensor"
    assert not isinstance(made[1], getattr(ag, other)) and not isinstance(made[0], getattr(torch, other))
    with pytest.raises(TypeError, match=name):
        getattr(ag, name)([1], [2])
