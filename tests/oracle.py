"""Run one snippet with PyTorch and with autograd, and compare what each returned (or raised).

    def snippet(T):                      # T is the torch module, or autograd
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y[0] = 0
        y.sum().backward()
        return y, x.grad, y._version

    same(snippet)                        # values, dtypes' kinds and versions agree, or both raised
"""
import numpy as np

import autograd as ag


def _plain(x, torch):
    if isinstance(x, (list, tuple)):
        return [_plain(v, torch) for v in x]
    if isinstance(x, torch.Tensor):
        return np.array(x.detach().numpy())
    if isinstance(x, ag.Tensor):
        return np.array(x.detach())
    if isinstance(x, torch.dtype):
        return str(x).replace("torch.", "")
    if isinstance(x, np.dtype):
        return str(x)
    return x


def outcome(snippet, T):
    """What ``snippet(T)`` returned (as numpy arrays and plain values) or the type of what it raised."""
    import torch

    try:
        return "returned", _plain(snippet(T), torch)
    except Exception as err:  # noqa: BLE001  (the type is the result)
        return "raised", err


def same(snippet, rtol=1e-5, atol=1e-6):
    """``snippet`` gives the same results under torch and autograd, or raises the same kind of error.
    Returns what autograd's run returned (or raised)."""
    import torch

    (how_t, theirs), (how_o, ours) = outcome(snippet, torch), outcome(snippet, ag)
    name = snippet.__name__
    if how_t == "raised" or how_o == "raised":
        assert how_t == how_o, f"{name}: PyTorch {how_t} {theirs!r}, autograd {how_o} {ours!r}"
        assert isinstance(ours, type(theirs)), \
            f"{name}: PyTorch raised {type(theirs).__name__}: {theirs}, autograd {type(ours).__name__}: {ours}"
        return ours
    _compare(theirs, ours, name, rtol, atol)
    return ours


def _compare(theirs, ours, where, rtol, atol):
    if isinstance(theirs, list):
        assert isinstance(ours, list) and len(ours) == len(theirs), f"{where}: {theirs!r} vs {ours!r}"
        for i, (t, o) in enumerate(zip(theirs, ours)):
            _compare(t, o, f"{where}[{i}]", rtol, atol)
    elif isinstance(theirs, np.ndarray):
        assert isinstance(ours, np.ndarray), f"{where}: PyTorch gave an array, autograd {ours!r}"
        assert ours.shape == theirs.shape, f"{where}: shape {ours.shape}, PyTorch's {theirs.shape}"
        assert ours.dtype == theirs.dtype, f"{where}: dtype {ours.dtype}, PyTorch's {theirs.dtype}"
        np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol, err_msg=where)
    elif isinstance(theirs, float):
        assert abs(ours - theirs) <= atol + rtol * abs(theirs), f"{where}: {ours} vs PyTorch's {theirs}"
    else:
        assert ours == theirs, f"{where}: {ours!r} vs PyTorch's {theirs!r}"
