"""The seam holds: everything runs on a device that is not numpy (tests/fake_device.py: arrays that
numpy refuses to compute with unless called through the device's own array module) and gives the
CPU's results. The op table (every row of tests/porting/test_expressions.py, which covers every op
of autograd.function.OPS), the layers, the losses, the optimizers, the data loader, save/load and
the ONNX export run on ``device="fakegpu"``; values and gradients are compared with the CPU's."""
import math
import warnings
import zlib

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F

import fake_device

DEV = fake_device.use()


@pytest.fixture
def on_device():
    """New tensors go to the fake device (ag.set_default_device), as a script that sets it."""
    ag.set_default_device(DEV)
    try:
        yield DEV
    finally:
        ag.set_default_device(None)


def host(value):
    """A result of either run as numpy (tensors moved to the host) or the value itself."""
    if isinstance(value, ag.Tensor):
        return value.detach().cpu().numpy(), str(value.dtype)
    if isinstance(value, tuple) and not hasattr(value, "values"):
        return tuple(value), "shape"
    return value, type(value).__name__


def same(got, want, what, rtol=1e-5, atol=1e-6):
    (g, gk), (w, wk) = host(got), host(want)
    assert gk == wk, f"{what}: {gk} on the device, {wk} on the CPU"
    if isinstance(w, np.ndarray):
        assert g.shape == w.shape, f"{what}: shape {g.shape} on the device, {w.shape} on the CPU"
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol, equal_nan=True, err_msg=what)
    elif isinstance(w, float):
        assert math.isclose(g, w, rel_tol=rtol, abs_tol=atol) or g == w or (g != g and w != w), (what, g, w)
    else:
        assert g == w, (what, g, w)


def on_the_device(value):
    """Every tensor in a result lives on the fake device, in a FakeArray (no host array leaked)."""
    if isinstance(value, ag.Tensor):
        assert value.device.type == DEV and isinstance(value._data, fake_device.FakeArray), \
            f"a result on {value.device} ({type(value._data).__name__})"
    elif isinstance(value, (tuple, list)):
        for v in value:
            on_the_device(v)


# ------------------------------------------------------------------------------------------------ the op table

expressions = pytest.importorskip("porting.test_expressions", reason="the op table's rows need torch to import")
ROWS = [r for r in expressions.ROWS if not r.raises]


def _run_row(row, names, device):
    tensors = {n: ag.tensor(expressions.INPUTS[n].copy(), device=device,
                            requires_grad=expressions.INPUTS[n].dtype.kind == "f") for n in names}
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = eval(row.expr, {"torch": ag, "F": F, "math": math}, dict(tensors))  # noqa: S307
        leaves = expressions._leaves(out)
        rng = np.random.default_rng(zlib.crc32(row.expr.encode()))
        loss = None
        for leaf in leaves:
            if isinstance(leaf, ag.Tensor) and leaf.requires_grad:
                weights = ag.tensor(rng.standard_normal(tuple(leaf.shape)), dtype=leaf.dtype)
                term = (leaf * weights).sum()
                loss = term if loss is None else loss + term
        floats = [n for n, t in tensors.items() if t.requires_grad]
        grads = [] if loss is None or row.grad_raises else \
            ag.autograd.grad(loss, [tensors[n] for n in floats], allow_unused=True)
    return leaves, grads


@pytest.mark.parametrize("row", ROWS, ids=[r.expr for r in ROWS])
def test_op_table_on_the_device(row, on_device):
    names = expressions._names(row.expr)
    ag.set_default_device(None)
    want, want_grads = _run_row(row, names, "cpu")
    ag.set_default_device(DEV)
    got, got_grads = _run_row(row, names, DEV)
    assert len(got) == len(want)
    for k, (g, w) in enumerate(zip(got, want)):
        same(g, w, f"{row.expr}: result {k}", row.rtol, row.atol)
        on_the_device(g)
    for g, w in zip(got_grads, want_grads):
        assert (g is None) == (w is None), row.expr
        if g is not None:
            on_the_device(g)
            same(g, w, f"{row.expr}: gradient", row.rtol * 10, row.atol * 10)
