"""nn.Module, Parameter and the containers: discovery, names, modes, state_dict, repr."""
import copy

import numpy as np
import pytest

try:  # PyTorch is the oracle when installed; one thread keeps it quick on small shared machines
    import torch as _torch
    _torch.set_num_threads(1)
except ImportError:
    pass

import autograd as ag
import nn
import nn.functional as F


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(2, 4)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(4, 1)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class WithBuffer(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(3, 3)
        self.register_buffer("running_mean", ag.zeros(3))
        self.register_buffer("scratch", ag.ones(2), persistent=False)

    def forward(self, x):
        return self.lin(x) - self.running_mean


def test_parameter_is_tensor_that_requires_grad_and_ops_return_plain_tensors():
    t = ag.tensor([1.0, 2.0])
    p = nn.Parameter(t)
    assert isinstance(p, ag.Tensor) and isinstance(p, nn.Parameter)
    assert p.requires_grad and p.is_leaf
    p._data[0] = 5.0
    assert t._data[0] == 5.0  # shares storage like torch
    y = p * 2
    assert type(y) is ag.Tensor and y.grad_fn is not None
    y.sum().backward()
    np.testing.assert_array_equal(p.grad.numpy(), [2.0, 2.0])
    assert repr(p).startswith("Parameter containing:\ntensor(")
    assert not nn.Parameter(ag.zeros(2), requires_grad=False).requires_grad
    with pytest.raises(RuntimeError, match="floating-point"):
        nn.Parameter(ag.tensor([1, 2]))


def test_named_parameters_keys_like_pytorch():
    m = MLP()
    assert [k for k, _ in m.named_parameters()] == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    seq = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Sequential(nn.Linear(3, 3), nn.Linear(3, 1)))
    assert [k for k, _ in seq.named_parameters()] == [
        "0.weight", "0.bias", "2.0.weight", "2.0.bias", "2.1.weight", "2.1.bias"]

    class Stack(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(2)])
            self.heads = nn.ModuleDict({"a": nn.Linear(2, 1)})
            self.scale = nn.Parameter(ag.ones(1))

        def forward(self, x):
            for layer in self.layers:
                x = layer(x)
            return self.heads["a"](x) * self.scale

    s = Stack()
    assert [k for k, _ in s.named_parameters()] == [
        "scale", "layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias",
        "heads.a.weight", "heads.a.bias"]
    assert len(list(s.parameters())) == 7
    assert [n for n, _ in s.named_modules()] == ["", "layers", "layers.0", "layers.1", "heads", "heads.a"]
    assert [n for n, _ in s.named_children()] == ["layers", "heads"]
    assert s(ag.randn(3, 2)).shape == (3, 1)


def test_torch_names_match_for_same_architecture():
    torch = pytest.importorskip("torch")
    ours = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Sequential(nn.Linear(3, 1)))
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Sequential(torch.nn.Linear(3, 1)))
    assert [k for k, _ in ours.named_parameters()] == [k for k, _ in theirs.named_parameters()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    assert repr(MLP()) == repr(_torch_mlp(torch))
    layers = [nn.Linear(2, 2), nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 2)]
    tlayers = [torch.nn.Linear(2, 2), torch.nn.Linear(2, 2), torch.nn.ReLU(), torch.nn.Linear(2, 2)]
    assert repr(nn.ModuleList(layers)) == repr(torch.nn.ModuleList(tlayers))  # "(0-1): 2 x Linear(...)"
    assert repr(nn.Sequential(nn.ModuleList(layers))) == repr(torch.nn.Sequential(torch.nn.ModuleList(tlayers)))
    assert repr(nn.ModuleList()) == repr(torch.nn.ModuleList())
    assert repr(nn.ModuleDict({"a": nn.ReLU()})) == repr(torch.nn.ModuleDict({"a": torch.nn.ReLU()}))


def _torch_mlp(torch):
    class TorchMLP(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = torch.nn.Linear(2, 4)
            self.act = torch.nn.ReLU()
            self.fc2 = torch.nn.Linear(4, 1)

    TorchMLP.__name__ = "MLP"
    return TorchMLP()


def test_repr_prints_the_tree():
    m = nn.Sequential(nn.Linear(2, 3, bias=False), nn.LeakyReLU(0.2), nn.Dropout(0.1), nn.Flatten(),
                      nn.Softmax(dim=1))
    assert repr(m) == (
        "Sequential(\n"
        "  (0): Linear(in_features=2, out_features=3, bias=False)\n"
        "  (1): LeakyReLU(negative_slope=0.2)\n"
        "  (2): Dropout(p=0.1, inplace=False)\n"
        "  (3): Flatten(start_dim=1, end_dim=-1)\n"
        "  (4): Softmax(dim=1)\n"
        ")")
    assert repr(nn.ReLU()) == "ReLU()"


def test_shared_parameter_listed_once_and_gets_both_gradients():
    lin = nn.Linear(2, 2)
    seq = nn.Sequential(lin, nn.Tanh(), lin)
    assert [k for k, _ in seq.named_parameters()] == ["0.weight", "0.bias"]
    seq(ag.randn(3, 2)).sum().backward()
    assert lin.weight.grad is not None


def test_train_eval_apply_requires_grad_zero_grad():
    m = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Dropout(0.5)))
    assert m.training and m[1][0].training
    assert m.eval() is m
    assert not m.training and not m[1][0].training
    m.train()
    assert m[1][0].training

    seen = []
    m.apply(lambda mod: seen.append(type(mod).__name__))
    assert seen == ["Linear", "Dropout", "Sequential", "Sequential"]  # children first, as PyTorch

    m(ag.randn(4, 2)).sum().backward()
    assert m[0].weight.grad is not None
    m.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(m[0].weight.grad.numpy(), 0)
    m.zero_grad()
    assert m[0].weight.grad is None
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())


def test_sequential_indexing_len_iteration_append():
    a, b, c = nn.Linear(1, 2), nn.ReLU(), nn.Linear(2, 1)
    s = nn.Sequential(a, b)
    assert len(s) == 2 and s[0] is a and s[-1] is b and list(s) == [a, b]
    s.append(c)
    assert s[2] is c and len(s) == 3
    sub = s[1:]
    assert isinstance(sub, nn.Sequential) and list(sub) == [b, c]
    with pytest.raises(IndexError, match="out of range"):
        s[5]
    del s[0]
    assert [k for k, _ in s.named_parameters()] == ["1.weight", "1.bias"]
    from collections import OrderedDict
    named = nn.Sequential(OrderedDict([("enc", nn.Linear(2, 2)), ("act", nn.ReLU())]))
    assert [k for k, _ in named.named_parameters()] == ["enc.weight", "enc.bias"]
    assert named.enc is named[0]


def test_modulelist_ops():
    ml = nn.ModuleList([nn.Linear(1, 1)])
    ml.append(nn.Linear(1, 1))
    ml.extend([nn.ReLU()])
    ml += [nn.Tanh()]
    assert len(ml) == 4 and isinstance(ml[-1], nn.Tanh)
    ml.insert(0, nn.Identity())
    assert isinstance(ml[0], nn.Identity) and [k for k, _ in ml.named_parameters()][0] == "1.weight"
    with pytest.raises(TypeError, match="iterable"):
        ml.extend(nn.Linear(1, 1))


def test_plain_list_does_not_register_and_assignment_rules():
    class Hidden(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = [nn.Linear(2, 2)]

    assert list(Hidden().parameters()) == []

    class Early(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match="super\\(\\).__init__"):
        Early()

    m = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="parameter 'weight'"):
        m.weight = ag.zeros(2, 2)
    m.weight = nn.Parameter(ag.zeros(2, 2))
    assert m.weight._data.sum() == 0
    m.extra = nn.Linear(1, 1)
    assert "extra" in dict(m.named_children())
    del m.extra
    assert "extra" not in dict(m.named_children())
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        m.nope


def test_register_parameter_buffer_add_module_get_submodule():
    m = nn.Module()
    m.register_parameter("w", nn.Parameter(ag.ones(2)))
    m.register_parameter("b", None)
    m.add_module("child", nn.Linear(2, 1))
    m.register_buffer("stat", ag.zeros(2))
    assert [k for k, _ in m.named_parameters()] == ["w", "child.weight", "child.bias"]
    assert [k for k, _ in m.named_buffers()] == ["stat"]
    assert m.get_submodule("child") is m.child and m.get_parameter("child.bias") is m.child.bias
    assert m.b is None
    with pytest.raises(TypeError, match="nn.Parameter"):
        m.register_parameter("x", ag.ones(2))
    with pytest.raises(KeyError, match="'.'"):
        m.register_buffer("a.b", ag.ones(1))
    with pytest.raises(TypeError, match="not a Module"):
        m.add_module("bad", 3)
    with pytest.raises(NotImplementedError, match="forward"):
        m(ag.ones(1))


def test_forward_hooks():
    lin = nn.Linear(2, 2)
    calls = []
    h = lin.register_forward_hook(lambda mod, inp, out: calls.append(out.shape))
    lin(ag.randn(3, 2))
    h.remove()
    lin(ag.randn(3, 2))
    assert calls == [(3, 2)]
    h2 = lin.register_forward_hook(lambda mod, inp, out: out * 0)
    assert (lin(ag.randn(1, 2))._data == 0).all()
    h2.remove()


def test_state_dict_includes_persistent_buffers_and_round_trips():
    m = WithBuffer()
    sd = m.state_dict()
    assert list(sd) == ["running_mean", "lin.weight", "lin.bias"]  # own entries first, then children (torch)
    assert not sd["lin.weight"].requires_grad
    sd["lin.weight"]._data[0, 0] = 42.0  # shares storage, like torch
    assert m.lin.weight._data[0, 0] == 42.0

    other = WithBuffer()
    src = {k: ag.tensor(v.numpy() + 1.0) for k, v in m.state_dict().items()}
    result = other.load_state_dict(src)
    assert result.missing_keys == [] and result.unexpected_keys == []
    for k, v in other.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), src[k].numpy())
    # loading copies values: the module keeps its own storage and Parameter objects
    assert other.lin.weight._data is not src["lin.weight"]._data
    assert isinstance(other.lin.weight, nn.Parameter)


def test_load_state_dict_errors_name_keys_and_shapes():
    m = MLP()
    sd = dict(m.state_dict())
    del sd["fc1.bias"]
    sd["fc3.weight"] = ag.zeros(1)
    with pytest.raises(RuntimeError) as err:
        MLP().load_state_dict(sd)
    msg = str(err.value)
    assert "Error(s) in loading state_dict for MLP" in msg
    assert 'Missing key(s) in state_dict: "fc1.bias"' in msg
    assert 'Unexpected key(s) in state_dict: "fc3.weight"' in msg

    res = MLP().load_state_dict(sd, strict=False)
    assert res.missing_keys == ["fc1.bias"] and res.unexpected_keys == ["fc3.weight"]

    bad = dict(m.state_dict())
    bad["fc2.weight"] = ag.zeros(2, 4)
    with pytest.raises(RuntimeError, match=r"size mismatch for fc2.weight: copying a param with shape \(2, 4\) "
                                           r"from checkpoint, the shape in current model is \(1, 4\)"):
        MLP().load_state_dict(bad, strict=False)


def test_load_state_dict_from_torch_and_back():
    torch = pytest.importorskip("torch")
    t = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    ours = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    ours.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    np.testing.assert_allclose(ours(ag.tensor(x)).detach().numpy(), t(torch.tensor(x)).detach().numpy(),
                               rtol=1e-6, atol=1e-6)


def test_to_dtype_converts_parameters_and_buffers_in_place():
    m = WithBuffer()
    w = m.lin.weight
    m.to(ag.float64)
    assert m.lin.weight is w and w.dtype == np.float64 and m.running_mean.dtype == np.float64
    assert m(ag.randn(2, 3, dtype=ag.float64)).dtype == np.float64
    m.float()
    assert w.dtype == np.float32
    assert m.to("cpu") is m
    with pytest.raises(RuntimeError, match="cuda"):
        m.to("cuda")


def test_deepcopy_gives_independent_module():
    m = MLP()
    c = copy.deepcopy(m)
    assert isinstance(c.fc1.weight, nn.Parameter)
    c.fc1.weight._data[...] = 0
    assert m.fc1.weight._data.any()
    assert [k for k, _ in c.named_parameters()] == [k for k, _ in m.named_parameters()]


def test_functional_style_module_uses_F():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 3)

        def forward(self, x):
            return F.log_softmax(self.fc(x), dim=1)

    out = Net()(ag.randn(2, 4))
    np.testing.assert_allclose(np.exp(out.detach().numpy()).sum(1), 1.0, rtol=1e-6)


def test_load_state_dict_assign_takes_checkpoint_dtype():
    m = nn.Linear(2, 2)
    sd = {"weight": np.ones((2, 2)), "bias": np.zeros(2)}  # float64 arrays
    m.load_state_dict(sd)
    assert m.weight.dtype == np.float32  # copied into the existing float32 storage
    m.load_state_dict(sd, assign=True)
    assert m.weight.dtype == np.float64 and isinstance(m.weight, nn.Parameter)


def _two_layers():
    return nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))  # keys 0.weight 0.bias 1.weight 1.bias


def _snapshot(module):
    return {k: v.numpy().copy() for k, v in module.state_dict().items()}


BAD_LAST_ENTRIES = {  # the last entry is bad; every earlier one is fine
    "strings": (np.array(["a", "b"]), r"holds <U1 values, which are not numbers"),
    "objects": (np.array([object(), object()]), r"holds object values, which are not numbers"),
    "datetimes": (np.array(["2024-01-01", "2024-01-02"], dtype="datetime64[D]"), r"which are not numbers"),
    "complex": (np.ones(2, dtype=np.complex64), r"complex64 values, which do not fit a float32 tensor"),
    "wrong shape": (ag.ones(3), r"size mismatch for 1.bias: copying a param with shape \(3,\)"),
    "a string": ("abc", r"expected a Tensor or an array from checkpoint but received <class 'str'>"),
    "a list": ([1.0, 2.0], r"received <class 'list'>"),
    "a number": (1.0, r"received <class 'float'>"),
    "None": (None, r"received <class 'NoneType'>"),
}


@pytest.mark.parametrize("bad", sorted(BAD_LAST_ENTRIES))
@pytest.mark.parametrize("assign", [False, True])
def test_a_bad_last_entry_changes_nothing(bad, assign):
    """All or nothing: a load that fails on its last entry leaves every earlier parameter as it was."""
    value, message = BAD_LAST_ENTRIES[bad]
    if bad == "complex" and assign:
        value, message = np.ones(2, dtype=np.complex64), r"assign=True would give a parameter that requires grad"
    model = _two_layers()
    before = _snapshot(model)
    sd = {k: ag.full(v.shape, 7.0) for k, v in model.state_dict().items()}
    sd["1.bias"] = value
    with pytest.raises(RuntimeError, match=message):
        model.load_state_dict(sd, assign=assign)
    for k, v in _snapshot(model).items():
        np.testing.assert_array_equal(v, before[k], err_msg=k)
        assert v.dtype == before[k].dtype
    sd["1.bias"] = ag.full((2,), 7.0)
    model.load_state_dict(sd, assign=assign)  # the same dict, mended, loads
    assert all((v == 7).all() for v in _snapshot(model).values())


def test_every_bad_entry_is_named_at_once():
    model = _two_layers()
    sd = dict(model.state_dict())
    sd["0.weight"], sd["1.bias"] = np.array([["x"] * 3] * 4), ag.ones(5)
    with pytest.raises(RuntimeError) as err:
        model.load_state_dict(sd)
    assert 'parameter named "0.weight"' in str(err.value) and "size mismatch for 1.bias" in str(err.value)


@pytest.mark.parametrize("bad", ["a string", "a list", "a number", "None", "wrong shape"])
def test_what_torch_refuses_we_refuse(bad):
    torch = pytest.importorskip("torch")  # the oracle for what load_state_dict refuses
    value, _ = BAD_LAST_ENTRIES[bad]
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 2))
    tsd = dict(theirs.state_dict())
    tsd["1.bias"] = torch.ones(3) if bad == "wrong shape" else value
    with pytest.raises(RuntimeError, match="Error\\(s\\) in loading state_dict for Sequential"):
        theirs.load_state_dict(tsd)
    model = _two_layers()
    sd = dict(model.state_dict())
    sd["1.bias"] = value
    with pytest.raises(RuntimeError, match="Error\\(s\\) in loading state_dict for Sequential"):
        model.load_state_dict(sd)


def test_integer_and_bool_entries_cast_as_torch_casts():
    torch = pytest.importorskip("torch")  # the oracle for the casts load_state_dict makes
    ints = {"weight": np.arange(6).reshape(2, 3), "bias": np.array([True, False])}
    ours, theirs = nn.Linear(3, 2), torch.nn.Linear(3, 2)
    ours.load_state_dict(ints)
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ints.items()})
    for k, v in ours.state_dict().items():
        assert v.dtype == np.float32
        np.testing.assert_array_equal(v.numpy(), theirs.state_dict()[k].numpy())
