"""PyTorch's kernel switches (foreach, fused, capturable, differentiable) and Adam's decoupled_weight_decay, against
torch.optim 2.13 itself: each optimizer takes them as PyTorch's does (the same names, kinds and defaults), keeps them
in its param groups in PyTorch's order, so that ``print(optimizer.state_dict())`` (as Patrick Loeber's save/load
video prints it) shows the same line; foreach and fused give the same numbers as the default; differentiable=True and
capturable=True (not implemented) are refused, naming the option; Adam(decoupled_weight_decay=True) is AdamW."""
import inspect

import numpy as np
import pytest

import autograd as ag
import nn
import optim

torch = pytest.importorskip("torch")

NAMES = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam", "ASGD", "Rprop"]


def _signature(cls):
    return [(p.name, p.kind, p.default) for p in inspect.signature(cls).parameters.values()]


@pytest.mark.parametrize("name", NAMES)
def test_signature_and_param_group_are_torchs(name):
    assert _signature(getattr(optim, name)) == _signature(getattr(torch.optim, name))
    ours = getattr(optim, name)([nn.Parameter(ag.zeros(2))], lr=0.1)
    theirs = getattr(torch.optim, name)([torch.nn.Parameter(torch.zeros(2))], lr=0.1)
    # the keys in PyTorch's order, the same values (the groups: PyTorch's Adagrad fills its state when it is made)
    assert str(ours.state_dict()["param_groups"]) == str(theirs.state_dict()["param_groups"])
    assert ours.defaults == theirs.defaults
    assert str(ours) == str(theirs)  # print(optimizer): each group's options, sorted


def _run(lib, name, steps=5, **kw):
    """``steps`` steps of optimizer ``name`` on one float64 parameter, with torch or with this project (``ag``)."""
    rng = np.random.default_rng(0)
    parameter, optimizers = (torch.nn.Parameter, torch.optim) if lib is torch else (nn.Parameter, optim)
    w = parameter(lib.tensor(rng.standard_normal((3, 4)), dtype=lib.float64))
    opt = getattr(optimizers, name)([w], lr=0.05, **kw)
    for _ in range(steps):
        opt.zero_grad()
        ((w * w).sum() + w.sum()).backward()
        opt.step()
    return np.array(w.detach().numpy()), opt


FUSED = {"SGD", "Adam", "AdamW", "Adagrad"}  # the classes PyTorch offers a fused CPU kernel for


@pytest.mark.parametrize("name", NAMES)
def test_foreach_and_fused_give_the_same_numbers(name):
    want, _ = _run(torch, name)
    switches = [dict(foreach=True), dict(foreach=False)] + ([dict(fused=True)] if name in FUSED else [])
    for kw in switches:
        theirs, topt = _run(torch, name, **kw)
        ours, opt = _run(ag, name, **kw)
        # (PyTorch's foreach ASGD rounds its float32 eta and mu otherwise than its one-tensor-at-a-time ASGD: ~1e-6)
        np.testing.assert_allclose(theirs, want, rtol=2e-6 if name == "ASGD" else 1e-12)
        np.testing.assert_allclose(ours, want, rtol=1e-10, atol=1e-12, err_msg=str(kw))
        assert {k: v for k, v in opt.param_groups[0].items() if k != "params"} == \
            {k: v for k, v in topt.param_groups[0].items() if k != "params"}


@pytest.mark.parametrize("name", sorted(FUSED))
def test_foreach_and_fused_together_are_refused_as_in_torch(name):
    with pytest.raises(RuntimeError, match="`fused` and `foreach` cannot be `True` together"):
        getattr(torch.optim, name)([torch.nn.Parameter(torch.zeros(2))], foreach=True, fused=True)
    with pytest.raises(RuntimeError, match="`fused` and `foreach` cannot be `True` together"):
        getattr(optim, name)([nn.Parameter(ag.zeros(2))], foreach=True, fused=True)


@pytest.mark.parametrize("name", NAMES)
def test_differentiable_and_capturable_are_refused(name):
    """Not implemented: refused (PyTorch runs them), naming the option, rather than quietly stepping otherwise."""
    for switch in ("differentiable", "capturable"):
        if switch not in inspect.signature(getattr(optim, name)).parameters:
            continue
        with pytest.raises(NotImplementedError, match=f"{name}: {switch}=True .* is not implemented"):
            getattr(optim, name)([nn.Parameter(ag.zeros(2))], **{switch: True})
    with pytest.raises(TypeError, match="foreach must be None or a bool, got 'yes'"):
        getattr(optim, name)([nn.Parameter(ag.zeros(2))], foreach="yes")


def test_adam_with_decoupled_weight_decay_is_adamw():
    theirs, _ = _run(torch, "Adam", weight_decay=0.1, decoupled_weight_decay=True)
    ours, _ = _run(ag, "Adam", weight_decay=0.1, decoupled_weight_decay=True)
    adamw, _ = _run(ag, "AdamW", weight_decay=0.1)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(adamw, ours, rtol=1e-12)
    coupled, _ = _run(ag, "Adam", weight_decay=0.1)
    assert not np.allclose(coupled, ours)  # (the coupled decay is a different step)


def test_a_state_dict_without_the_switches_still_loads():
    """A state dict saved before the switches were kept (or written by hand) loads; the groups keep the defaults."""
    _, opt = _run(ag, "Adam")
    saved = opt.state_dict()
    for group in saved["param_groups"]:
        for key in ("foreach", "capturable", "differentiable", "fused", "decoupled_weight_decay"):
            del group[key]
    fresh = optim.Adam([nn.Parameter(ag.zeros((3, 4), dtype=ag.float64))], lr=0.05)
    fresh.load_state_dict(saved)
    assert str(fresh.state_dict()["param_groups"]) == str(opt.state_dict()["param_groups"])
