"""Optimizers refuse bad settings and bad gradients before they change anything, as PyTorch refuses
them (and a few more that PyTorch turns into NaN weights); the ``.grad`` setter refuses what torch's
refuses. A failing ``step`` or ``load_state_dict`` leaves parameters, moments and settings as they were."""
import math

import numpy as np
import pytest

import autograd as ag
import nn
import optim

torch = pytest.importorskip("torch")  # the oracle: what torch refuses, we refuse
torch.set_num_threads(1)


# ----------------------------------------------------------------- the .grad setter

GRADS = {
    "wrong shape": (lambda: ag.zeros(3), lambda: torch.zeros(3)),
    "float64": (lambda: ag.zeros(2, dtype=ag.float64), lambda: torch.zeros(2, dtype=torch.float64)),
    "int64": (lambda: ag.zeros(2, dtype=ag.int64), lambda: torch.zeros(2, dtype=torch.int64)),
    "complex": (lambda: ag.from_numpy(np.zeros(2, np.complex64)), lambda: torch.zeros(2, dtype=torch.complex64)),
    "scalar for (2,)": (lambda: ag.tensor(0.0), lambda: torch.tensor(0.0)),
    "a string": (lambda: "abc", lambda: "abc"),
    "a float": (lambda: 1.0, lambda: 1.0),
    "a list": (lambda: [0.0, 0.0], lambda: [0.0, 0.0]),
    "a numpy array": (lambda: np.zeros(2, np.float32), lambda: np.zeros(2, np.float32)),
}


@pytest.mark.parametrize("case", sorted(GRADS))
def test_grad_setter_refuses_what_torch_refuses(case):
    ours, theirs = GRADS[case]
    t = torch.zeros(2, requires_grad=True)
    with pytest.raises((TypeError, RuntimeError)) as their_err:
        t.grad = theirs()
    p = nn.Parameter(ag.zeros(2))
    p.grad = ag.ones(2)
    with pytest.raises(type(their_err.value)):
        p.grad = ours()
    np.testing.assert_array_equal(p.grad.numpy(), [1, 1])  # the old gradient stays


def test_grad_setter_accepts_what_torch_accepts():
    p = nn.Parameter(ag.zeros(2))
    g = ag.ones(2, requires_grad=True)
    p.grad = g
    assert p.grad is g
    p.grad = None
    assert p.grad is None
    p.grad = ag.ones(2)
    del p.grad
    assert p.grad is None
    ints = ag.tensor([1, 2])
    ints.grad = ag.tensor([3, 4])  # torch too: a gradient of the tensor's own dtype
    assert ints.grad.tolist() == [3, 4]


def test_grad_setter_messages():
    p = nn.Parameter(ag.zeros(2, 3))
    with pytest.raises(TypeError, match="assigned grad expected to be a Tensor or None but got grad of type str"):
        p.grad = "abc"
    with pytest.raises(RuntimeError, match=r"gradient of shape \(3, 2\) to a tensor of shape \(2, 3\)"):
        p.grad = ag.zeros(3, 2)
    with pytest.raises(RuntimeError, match=r"dtype float64 to a tensor of dtype float32; convert it first"):
        p.grad = ag.zeros(2, 3, dtype=ag.float64)


# ----------------------------------------------------------------- hyper-parameters at construction

REFUSED_BY_BOTH = [
    ("SGD", dict(lr="fast")), ("SGD", dict(lr=None)), ("SGD", dict(lr=-1)), ("SGD", dict(lr=[0.1])),
    ("SGD", dict(lr=1 + 2j)), ("SGD", dict(lr=0.1, momentum=-1)), ("SGD", dict(lr=0.1, momentum="x")),
    ("SGD", dict(lr=0.1, weight_decay=-1)), ("SGD", dict(lr=0.1, nesterov=True)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.5, nesterov=True)),
    ("Adam", dict(lr="fast")), ("Adam", dict(lr=float("nan"))), ("Adam", dict(lr=-1e-3)),
    ("Adam", dict(betas=(0.9,))), ("Adam", dict(betas=0.9)), ("Adam", dict(betas=(float("nan"), 0.9))),
    ("Adam", dict(betas=(1.0, 0.9))), ("Adam", dict(betas=(0.9, -0.1))), ("Adam", dict(betas=("a", 0.9))),
    ("Adam", dict(eps=-1)), ("Adam", dict(eps=float("nan"))), ("Adam", dict(eps="x")),
    ("Adam", dict(weight_decay=-1)), ("Adam", dict(weight_decay=float("nan"))),
    ("AdamW", dict(weight_decay=-1)), ("AdamW", dict(lr="x")), ("AdamW", dict(betas=(0.9,))),
    ("RMSprop", dict(lr="x")), ("RMSprop", dict(alpha=-1)), ("RMSprop", dict(alpha=float("nan"))),
    ("RMSprop", dict(eps=-1)), ("RMSprop", dict(momentum=-1)), ("RMSprop", dict(weight_decay=-1)),
    ("RMSprop", dict(lr=float("nan"))),
    ("Adagrad", dict(lr="x")), ("Adagrad", dict(lr_decay=-1)), ("Adagrad", dict(eps=-1)),
    ("Adagrad", dict(weight_decay=-1)), ("Adagrad", dict(initial_accumulator_value=-1)),
    ("Adagrad", dict(lr=float("nan"))), ("Adagrad", dict(lr_decay=float("nan"))),
]


@pytest.mark.parametrize("name,kwargs", REFUSED_BY_BOTH, ids=[f"{n}-{k}" for n, k in REFUSED_BY_BOTH])
def test_settings_torch_refuses_are_refused(name, kwargs):
    with pytest.raises(Exception) as their_err:
        getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **kwargs)
    expected = type(their_err.value) if type(their_err.value) in (TypeError, ValueError) else ValueError
    with pytest.raises(expected) as err:  # torch's IndexError for betas=(0.9,) becomes a ValueError naming betas
        getattr(optim, name)([nn.Parameter(ag.zeros(2))], **kwargs)
    assert str(err.value).startswith(f"{name}: ")


REFUSED_HERE_ONLY = [  # torch accepts these and then writes NaN or inf into the weights
    ("SGD", dict(lr=float("nan")), r"SGD: invalid learning rate: nan \(must be a finite number >= 0\)"),
    ("SGD", dict(lr=float("inf")), r"invalid learning rate: inf"),
    ("Adam", dict(lr=float("inf")), r"invalid learning rate: inf"),
    ("SGD", dict(lr=0.1, momentum=float("nan")), r"invalid momentum value: nan"),
    ("SGD", dict(lr=0.1, weight_decay=float("nan")), r"invalid weight_decay value: nan"),
    ("SGD", dict(lr=0.1, dampening=float("nan")), r"invalid dampening value: nan \(must be a finite number\)"),
    ("SGD", dict(lr=True), r"invalid learning rate: True"),
    ("Adam", dict(betas=(0.9, 0.99, 0.9)), r"betas must be a tuple of 2 numbers, got \(0.9, 0.99, 0.9\)"),
    ("Momentum", dict(lr=0.1, momentum=1.0), r"Momentum: invalid momentum value: 1.0 \(must be a number in \[0, 1\)\)"),
    ("Momentum", dict(lr="fast"), r"Momentum: invalid learning rate: 'fast'"),
]


@pytest.mark.parametrize("name,kwargs,message", REFUSED_HERE_ONLY, ids=[f"{n}-{k}" for n, k, _ in REFUSED_HERE_ONLY])
def test_settings_that_would_give_nan_weights_are_refused(name, kwargs, message):
    with pytest.raises((TypeError, ValueError), match=message):
        getattr(optim, name)([nn.Parameter(ag.zeros(2))], **kwargs)


def test_settings_torch_accepts_are_accepted():
    for name, kwargs in [("SGD", dict(lr=0)), ("Adam", dict(betas=[0.0, 0.5])), ("RMSprop", dict(alpha=1.5)),
                         ("SGD", dict(lr=np.float32(0.1), momentum=np.float64(0.9), dampening=-0.5)),
                         ("Adagrad", dict(lr=1))]:
        getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **kwargs)
        getattr(optim, name)([nn.Parameter(ag.zeros(2))], **kwargs)


def test_param_groups_are_checked_too():
    a, b = nn.Parameter(ag.zeros(2)), nn.Parameter(ag.zeros(2))
    with pytest.raises(ValueError, match="Adam: invalid learning rate: -1"):
        optim.Adam([{"params": [a]}, {"params": [b], "lr": -1}])
    opt = optim.Adam([a])
    with pytest.raises(TypeError, match="invalid epsilon value: 'tiny'"):
        opt.add_param_group({"params": [b], "eps": "tiny"})
    assert len(opt.param_groups) == 1
    with pytest.raises(TypeError, match="ordering of tensors in sets"):  # (a saved state follows the order)
        opt.add_param_group({"params": {b}})
    with pytest.raises(TypeError, match="ordering of tensors in sets"):
        optim.SGD([{"params": {a, b}}], lr=0.1)
    assert len(opt.param_groups) == 1


# ----------------------------------------------------------------- step: checked, then applied


def _model_and_adam():
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    opt = optim.Adam([{"params": model[0].parameters()}, {"params": model[1].parameters(), "lr": 0.1}])
    return model, opt


def _snapshot(model, opt):
    weights = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    sd = opt.state_dict()
    moments = {(i, k): (v.numpy().copy() if isinstance(v, ag.Tensor) else v)
               for i, s in sd["state"].items() for k, v in s.items()}
    groups = [{k: v for k, v in g.items()} for g in sd["param_groups"]]
    return weights, moments, groups


def _assert_same(a, b):
    (wa, ma, ga), (wb, mb, gb) = a, b
    assert wa.keys() == wb.keys() and ma.keys() == mb.keys() and ga == gb
    for k in wa:
        np.testing.assert_array_equal(wa[k], wb[k], err_msg=k)
    for k in ma:
        np.testing.assert_array_equal(ma[k], mb[k], err_msg=str(k))


def _backward(model):
    model.zero_grad()
    model(ag.randn(5, 3)).sum().backward()


def _lr_a_string(model, opt):
    opt.param_groups[1]["lr"] = "fast"


def _lr_nan(model, opt):
    opt.param_groups[1]["lr"] = float("nan")


def _betas_one_element(model, opt):
    opt.param_groups[1]["betas"] = (0.9,)


def _parameter_reshaped_after_backward(model, opt):
    with ag.no_grad():
        model[1].bias.set_(np.zeros(5, np.float32))


def _integer_parameter(model, opt):
    counts = ag.tensor([1, 2])
    counts.grad = ag.tensor([1, 1])
    opt.param_groups[1]["params"].append(counts)


@pytest.mark.parametrize("spoil", [_lr_a_string, _lr_nan, _betas_one_element, _parameter_reshaped_after_backward,
                                   _integer_parameter])
@pytest.mark.parametrize("stepped", [False, True])
def test_a_failing_step_changes_nothing(spoil, stepped):
    """The bad entry is in the last group: every earlier parameter would have been updated before."""
    model, opt = _model_and_adam()
    if stepped:
        _backward(model)
        opt.step()
    _backward(model)
    spoil(model, opt)
    before = _snapshot(model, opt)
    with pytest.raises((TypeError, ValueError, RuntimeError), match="Adam.step"):
        opt.step()
    _assert_same(_snapshot(model, opt), before)


def test_a_string_gradient_never_reaches_step():
    """The issue's case: torch refuses at assignment; so do we, and step then runs on what was there."""
    model, opt = _model_and_adam()
    _backward(model)
    with pytest.raises(TypeError):
        model[1].bias.grad = "abc"
    opt.step()
    assert opt.state[model[1].bias]["step"] == 1


# ----------------------------------------------------------------- load_state_dict: checked, then applied


def _saved():
    model, opt = _model_and_adam()
    for _ in range(2):
        _backward(model)
        opt.step()
    return opt.state_dict()


def _spoiled(path, value):
    sd = _saved()
    *keys, last = path
    node = sd
    for k in keys:
        node = node[k]
    if value is KeyError:
        del node[last]
    else:
        node[last] = value
    return sd


BAD_STATES = {
    "lr a string in the last group": (("param_groups", 1, "lr"), "fast", "param_groups\\[1\\]: invalid learning rate"),
    "negative eps": (("param_groups", 1, "eps"), -1.0, "invalid epsilon value: -1.0"),
    "one-element betas": (("param_groups", 1, "betas"), [0.9], "betas must be a tuple of 2 numbers"),
    "moment of the wrong shape": (("state", 3, "exp_avg"), ag.zeros(3), r"state\[3\]\['exp_avg'\] has shape \(3,\)"),
    "moment of strings": (("state", 3, "exp_avg_sq"), np.array(["a", "b"]), r"holds <U1 values"),
    "complex moment": (("state", 3, "exp_avg"), np.zeros(2, np.complex64), r"holds complex64 values"),
    "negative step": (("state", 3, "step"), -2, r"state\[3\]\['step'\] must be a count >= 0"),
    "step a string": (("state", 3, "step"), "2", r"must be a count >= 0, got '2'"),
    "state of an unknown parameter": (("state", 9), {"step": 1}, r"state for parameter 9 has no matching"),
    "state not a dict": (("state", 3), [1, 2], r"state\[3\] must be a dict of moments"),
    "parameter index twice": (("param_groups", 1, "params"), [2, 2], r"parameter indices are distinct"),
    "parameter index a bool": (("param_groups", 1, "params"), [True, 3], r"holds True"),
    "params missing": (("param_groups", 1, "params"), KeyError, r"each with a list 'params'"),
    "state missing": (("state",), KeyError, r"expected a dict with 'state' and 'param_groups'"),
}


@pytest.mark.parametrize("case", sorted(BAD_STATES))
def test_a_failing_optimizer_load_changes_nothing(case):
    path, value, message = BAD_STATES[case]
    sd = _spoiled(path, value)
    model, opt = _model_and_adam()
    _backward(model)
    opt.step()
    opt.param_groups[0]["lr"] = 0.5
    before = _snapshot(model, opt)
    with pytest.raises((ValueError, TypeError), match=message):
        opt.load_state_dict(sd)
    _assert_same(_snapshot(model, opt), before)


def test_a_good_state_still_loads_and_casts_moments_as_torch():
    sd = _saved()
    sd["state"][0]["exp_avg"] = np.zeros((4, 3), dtype=np.int64)  # torch casts floating params' state
    model, opt = _model_and_adam()
    opt.load_state_dict(sd)
    assert opt.state[model[0].weight]["exp_avg"].dtype == np.float32
    assert opt.param_groups[1]["lr"] == 0.1 and opt.param_groups[1]["betas"] == (0.9, 0.999)
    assert math.isclose(opt.param_groups[0]["lr"], 1e-3)
