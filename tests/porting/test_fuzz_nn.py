"""A differential fuzzer of nn layers, losses, optimizers and schedulers against PyTorch 2.13.

Hypothesis draws a configuration (constructor arguments, input shapes, masks, hyperparameters); the
same configuration is built with torch and with this project, torch's state dict is copied into ours,
and then every number is compared in float64: outputs, the gradients of the inputs and the weights,
the buffers after a step (running statistics), the lr trajectory and the parameters after training.
Where torch refuses a configuration we must refuse it too, with an exception of a compatible class;
where torch accepts it we must accept it. The number of draws per test is FUZZ_NN_EXAMPLES (default
small, so the file stays short in CI); hunt with e.g. ``FUZZ_NN_EXAMPLES=2000``.

The regression tests at the bottom are the minimal cases of the bugs this fuzzer found."""
import math
import os
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autograd as ag
import nn
import nn.functional as F
import optim
from optim import lr_scheduler
from nn.utils import rnn as rnn_utils

torch = pytest.importorskip("torch")  # the oracle: each configuration also runs with PyTorch (CI installs it)
torch.set_num_threads(1)

EXAMPLES = int(os.environ.get("FUZZ_NN_EXAMPLES", 12))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
                    derandomize=True, database=None)
TOL = dict(rtol=1e-7, atol=1e-9)


class Lib:
    """One library's names, so that a configuration is written once for both."""

    def __init__(self, T, nn_, F_, optim_, sched, rnn):
        self.T, self.nn, self.F, self.optim, self.sched, self.rnn = T, nn_, F_, optim_, sched, rnn

    def t(self, a, grad=False):
        return self.T.tensor(np.array(a), requires_grad=grad)


TORCH = Lib(torch, torch.nn, torch.nn.functional, torch.optim, torch.optim.lr_scheduler, torch.nn.utils.rnn)
OURS = Lib(ag, nn, F, optim, lr_scheduler, rnn_utils)


GAPS = set()  # the NotImplementedError messages met (print them when hunting)


class Refused(Exception):
    """Both libraries refused the configuration (with compatible exception classes)."""


def _base(exc):
    for cls in (IndexError, TypeError, ValueError, RuntimeError):
        if isinstance(exc, cls):
            return cls
    return Exception


def both(what, call):
    """``call(lib)`` under torch then under us: both results, or Refused when both raise alike."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            theirs, their_error = call(TORCH), None
        except Exception as err:  # noqa: BLE001 (whatever torch raises is the reference)
            theirs, their_error = None, err
        try:
            ours, our_error = call(OURS), None
        except Exception as err:  # noqa: BLE001
            ours, our_error = None, err
    if their_error is not None:
        assert our_error is not None, f"{what}: torch raises {their_error!r} but we return a result"
        assert isinstance(our_error, _base(their_error)), \
            f"{what}: torch raises {their_error!r}, we raise {our_error!r}"
        raise Refused(str(their_error))
    if isinstance(our_error, NotImplementedError):  # an honest refusal of a known gap, not a wrong answer
        GAPS.add(str(our_error))
        raise Refused(str(our_error))
    if our_error is not None:
        raise AssertionError(f"{what}: torch returns a result but we raise {our_error!r}") from our_error
    return theirs, ours


def _arrays(out):
    """Every tensor in a (nested) result, as (path, tensor); None and plain values are skipped."""
    if isinstance(out, (tuple, list)):
        return [(f"[{i}]{p}", t) for i, o in enumerate(out) for p, t in _arrays(o)]
    if isinstance(out, (torch.Tensor, ag.Tensor)):
        return [("", out)]
    return []


def close(ours, theirs, what, tol=TOL):
    if theirs is None or ours is None:
        assert theirs is None and ours is None, f"{what}: ours {ours!r}, PyTorch's {theirs!r}"
        return
    got = ours.detach().numpy() if isinstance(ours, ag.Tensor) else np.asarray(ours)
    want = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else np.asarray(theirs)
    assert got.shape == want.shape, f"{what}: shape {got.shape}, PyTorch's {want.shape}"
    assert got.dtype == want.dtype, f"{what}: dtype {got.dtype}, PyTorch's {want.dtype}"
    np.testing.assert_allclose(got, want, err_msg=what, equal_nan=True, **tol)


def close_all(ours, theirs, what, tol=TOL):
    a, b = _arrays(ours), _arrays(theirs)
    assert [p for p, _ in a] == [p for p, _ in b], f"{what}: outputs {[p for p, _ in a]}, PyTorch's {[p for p, _ in b]}"
    for (p, x), (_, y) in zip(a, b):
        close(x, y, what + p, tol)


def port(theirs, ours):
    """Torch's state dict (parameters and buffers) into our module."""
    ours.load_state_dict({k: ag.tensor(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()})


def check_module(what, build, inputs, call=lambda m, *xs: m(*xs), steps=1, after_eval=False, tol=TOL):
    """build(lib) -> module (float64); inputs(lib) -> a list of arguments (float tensors that require grad
    are compared by gradient). For each step: output, input and parameter gradients; afterwards the
    state dict (running statistics) and, with after_eval, one more output in eval mode."""
    theirs, ours = both(what + " (constructor)", lambda L: build(L).double())
    port(theirs, ours)
    w_rng = np.random.default_rng(0)
    for step in range(steps):
        xt, xo = inputs(TORCH), inputs(OURS)
        out_t, out_o = both(what + f" (step {step})", lambda L: call(theirs if L is TORCH else ours,
                                                                   *(xt if L is TORCH else xo)))
        close_all(out_o, out_t, f"{what}: output of step {step}", tol)
        lt, lo = 0, 0
        for (_, a), (_, b) in zip(_arrays(out_t), _arrays(out_o)):
            if a.dtype.is_floating_point and a.requires_grad and a.numel():  # (torch's backward refuses some empties)
                w = w_rng.standard_normal(tuple(a.shape))
                lt, lo = lt + (a * torch.tensor(w)).sum(), lo + (b * ag.tensor(w)).sum()
        if isinstance(lt, torch.Tensor):
            lt.backward()
            lo.backward()
            for k, (a, b) in enumerate(zip(xt, xo)):
                if isinstance(a, torch.Tensor) and a.requires_grad:
                    close(b.grad, a.grad, f"{what}: gradient of input {k} at step {step}", tol)
            mine = dict(ours.named_parameters())
            for name, p in theirs.named_parameters():
                close(mine[name].grad, p.grad, f"{what}: gradient of {name} at step {step}", tol)
            theirs.zero_grad()
            ours.zero_grad()
    mine = ours.state_dict()
    assert list(mine) == list(theirs.state_dict()), f"{what}: state dict keys {list(mine)}"
    for k, v in theirs.state_dict().items():
        close(mine[k], v, f"{what}: state {k} after the steps", tol)
    if after_eval:
        theirs.eval()
        ours.eval()
        xt, xo = inputs(TORCH), inputs(OURS)
        out_t, out_o = both(what + " (eval)", lambda L: call(theirs if L is TORCH else ours, *(xt if L is TORCH else xo)))
        close_all(out_o, out_t, f"{what}: output in eval mode", tol)


def run(what, fn):
    """fn() compares; a configuration both libraries refuse alike is a pass."""
    try:
        fn()
    except Refused:
        pass


def randn(seed, shape):
    return np.random.default_rng(seed).standard_normal(shape)


def x_input(seed, shape):
    return lambda L: [L.t(randn(seed, shape), grad=True)]


# ============================================================================ 1. layers

@SETTINGS
@given(st.data())
def test_fuzz_conv(data):
    d = data.draw(st.integers(1, 3), "dims")
    transpose = data.draw(st.booleans(), "transpose")
    groups = data.draw(st.sampled_from([1, 1, 2, 3]), "groups")
    cin = groups * data.draw(st.integers(1, 2), "in per group")
    cout = groups * data.draw(st.integers(1, 2), "out per group")
    size = data.draw(st.lists(st.integers(1 if d == 3 else 2, 4 if d == 3 else 7), min_size=d, max_size=d))
    kernel = data.draw(st.one_of(st.integers(1, 3), st.lists(st.integers(1, 3), min_size=d, max_size=d).map(tuple)))
    stride = data.draw(st.one_of(st.integers(1, 3), st.lists(st.integers(1, 3), min_size=d, max_size=d).map(tuple)))
    dilation = data.draw(st.one_of(st.integers(1, 2), st.lists(st.integers(1, 2), min_size=d, max_size=d).map(tuple)))
    if transpose:
        padding = data.draw(st.integers(0, 2))
        output_padding = data.draw(st.integers(0, 2))
        kw = dict(stride=stride, padding=padding, output_padding=output_padding, dilation=dilation, groups=groups,
                  bias=data.draw(st.booleans()))
        kind = f"ConvTranspose{d}d"
    else:
        padding = data.draw(st.one_of(st.integers(0, 2), st.sampled_from(["same", "valid"]),
                                      st.lists(st.integers(0, 2), min_size=d, max_size=d).map(tuple)))
        kw = dict(stride=stride, padding=padding, dilation=dilation, groups=groups, bias=data.draw(st.booleans()),
                  padding_mode=data.draw(st.sampled_from(["zeros", "reflect", "replicate", "circular"])))
        kind = f"Conv{d}d"
    batch = data.draw(st.sampled_from([(), (2,)]), "batch")
    shape = batch + (cin,) + tuple(size)
    what = f"{kind}({cin}, {cout}, {kernel}, {kw}) on {shape}"
    run(what, lambda: check_module(what, lambda L: getattr(L.nn, kind)(cin, cout, kernel, **kw),
                                   x_input(data.draw(st.integers(0, 99)), shape)))


@SETTINGS
@given(st.data())
def test_fuzz_pooling(data):
    d = data.draw(st.integers(1, 3), "dims")
    kind = data.draw(st.sampled_from(["Max", "Avg", "LP", "AdaptiveAvg", "AdaptiveMax"]), "kind")
    size = tuple(data.draw(st.lists(st.integers(1, 4 if d == 3 else 8), min_size=d, max_size=d)))
    shape = data.draw(st.sampled_from([(), (2,)])) + (data.draw(st.integers(1, 3)),) + size
    tup = lambda s: st.one_of(s, st.lists(s, min_size=d, max_size=d).map(tuple))  # noqa: E731
    seed = data.draw(st.integers(0, 99))
    call = lambda m, x: m(x)  # noqa: E731
    if kind.startswith("Adaptive"):
        out = data.draw(tup(st.one_of(st.integers(1, 5), st.none())) if d > 1 else st.integers(1, 5))
        kw = dict(output_size=out)
        if kind == "AdaptiveMax":
            kw["return_indices"] = data.draw(st.booleans())
    else:
        tup_or_int = tup if kind != "LP" or d > 1 else (lambda s: s)  # (torch's LPPool1d takes ints only)
        kw = dict(kernel_size=data.draw(tup_or_int(st.integers(1, 3))),
                  stride=data.draw(st.one_of(st.none(), tup_or_int(st.integers(1, 3)))))
        if kind != "LP":
            kw.update(padding=data.draw(tup(st.integers(0, 2))), ceil_mode=data.draw(st.booleans()))
        else:
            kw.update(norm_type=data.draw(st.sampled_from([1, 2, 3.0])), ceil_mode=data.draw(st.booleans()))
        if kind == "Max":
            kw.update(dilation=data.draw(tup(st.integers(1, 2))), return_indices=data.draw(st.booleans()))
            if kw["return_indices"] and data.draw(st.booleans(), "unpool"):
                def call(m, x, kw=kw):
                    out, idx = m(x)
                    L = TORCH if isinstance(x, torch.Tensor) else OURS
                    unpool = getattr(L.nn, f"MaxUnpool{d}d")(kw["kernel_size"], kw["stride"], kw["padding"])
                    return out, idx, unpool(out, idx, output_size=x.shape[-d:])
        if kind == "Avg":
            kw.update(count_include_pad=data.draw(st.booleans()))
            if d > 1:
                kw.update(divisor_override=data.draw(st.one_of(st.none(), st.integers(1, 5))))
        if kind == "LP" and d == 3:
            kw.pop("ceil_mode")
    if kind == "LP":
        x_in = lambda L: [L.t(np.abs(randn(seed, shape)) + 0.1, grad=True)]  # noqa: E731 (|x|^p of negatives)
    else:
        x_in = x_input(seed, shape)
    what = f"{kind}Pool{d}d({kw}) on {shape}"
    run(what, lambda: check_module(what, lambda L: getattr(L.nn, f"{kind}Pool{d}d")(**kw), x_in, call))


@SETTINGS
@given(st.data())
def test_fuzz_normalization(data):
    kind = data.draw(st.sampled_from(["BatchNorm", "InstanceNorm", "GroupNorm", "LayerNorm"]), "kind")
    c = data.draw(st.integers(1, 4), "channels")
    seed = data.draw(st.integers(0, 99))
    affine = data.draw(st.booleans(), "affine")
    if kind in ("BatchNorm", "InstanceNorm"):
        d = data.draw(st.integers(1, 3), "dims")
        spatial = tuple(data.draw(st.lists(st.integers(1, 4), min_size=d - 1 if kind == "BatchNorm" and d == 1 else d,
                                           max_size=d - 1 if kind == "BatchNorm" and d == 1 else d)))
        if kind == "BatchNorm" and d == 1:
            spatial = data.draw(st.sampled_from([(), (3,), (1,)]))
        batch = data.draw(st.integers(1, 3)) if kind == "BatchNorm" else data.draw(st.sampled_from([None, 1, 2]))
        shape = ((batch,) if batch else ()) + (c,) + spatial
        kw = dict(affine=affine, track_running_stats=data.draw(st.booleans()),
                  momentum=data.draw(st.sampled_from([0.1, 0.5, None])), eps=data.draw(st.sampled_from([1e-5, 1e-2])))
        build = lambda L: getattr(L.nn, f"{kind}{d}d")(c, **kw)  # noqa: E731
        name = f"{kind}{d}d({c}, {kw})"
    elif kind == "GroupNorm":
        groups = data.draw(st.sampled_from([g for g in range(1, c + 1) if c % g == 0] + [3]))
        shape = (data.draw(st.integers(1, 3)), c) + tuple(data.draw(st.lists(st.integers(1, 4), max_size=2)))
        build = lambda L: L.nn.GroupNorm(groups, c, eps=1e-3, affine=affine)  # noqa: E731
        name = f"GroupNorm({groups}, {c}, affine={affine})"
    else:
        shape = (2,) + tuple(data.draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))
        k = data.draw(st.integers(1, len(shape)))
        normalized = shape[len(shape) - k:]
        kw = dict(elementwise_affine=affine, bias=data.draw(st.booleans()))
        build = lambda L: L.nn.LayerNorm(list(normalized), **kw)  # noqa: E731
        name = f"LayerNorm({normalized}, {kw})"
    what = f"{name} on {shape}"
    x = lambda L: [L.t(randn(seed, shape) * 2 + 1, grad=True)]  # noqa: E731
    run(what, lambda: check_module(what, build, x, steps=2, after_eval=True))


@SETTINGS
@given(st.data())
def test_fuzz_embedding(data):
    n, dim = data.draw(st.integers(2, 6)), data.draw(st.integers(1, 4))
    kw = dict(padding_idx=data.draw(st.one_of(st.none(), st.integers(-n, n - 1))),
              max_norm=data.draw(st.one_of(st.none(), st.sampled_from([0.5, 1.0, 2.0]))),
              norm_type=data.draw(st.sampled_from([2.0, 1.0, 3.0])),
              scale_grad_by_freq=data.draw(st.booleans()))
    shape = tuple(data.draw(st.lists(st.integers(1, 4), max_size=2)))
    idx = np.random.default_rng(data.draw(st.integers(0, 99))).integers(0, n, shape)
    what = f"Embedding({n}, {dim}, {kw}) on {idx.tolist()}"
    run(what, lambda: check_module(what, lambda L: L.nn.Embedding(n, dim, **kw), lambda L: [L.T.tensor(idx)],
                                   steps=2))


@SETTINGS
@given(st.data())
def test_fuzz_recurrent(data):
    kind = data.draw(st.sampled_from(["RNN", "GRU", "LSTM"]), "kind")
    inp, hid = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    kw = dict(num_layers=data.draw(st.integers(1, 3)), bidirectional=data.draw(st.booleans()),
              batch_first=data.draw(st.booleans()), bias=data.draw(st.booleans()))
    if kind == "LSTM":
        kw["proj_size"] = data.draw(st.sampled_from([0, 0, 1, 2, 3]))
    if kind == "RNN":
        kw["nonlinearity"] = data.draw(st.sampled_from(["tanh", "relu"]))
    batch, steps = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 4))
    packed = data.draw(st.booleans(), "packed")
    with_h0 = data.draw(st.booleans(), "h0")
    unbatched = not packed and data.draw(st.booleans(), "unbatched")
    rng = np.random.default_rng(data.draw(st.integers(0, 99)))
    lengths = rng.integers(1, steps + 1, batch)
    shape = (steps, inp) if unbatched else ((batch, steps, inp) if kw["batch_first"] else (steps, batch, inp))
    x = rng.standard_normal(shape)
    dirs = 2 if kw["bidirectional"] else 1
    out_h = kw.get("proj_size") or hid
    hshape = (dirs * kw["num_layers"],) + (() if unbatched else (batch,))
    h0, c0 = rng.standard_normal(hshape + (out_h,)), rng.standard_normal(hshape + (hid,))

    def inputs(L):
        xs = [L.t(x, grad=True)]
        if with_h0:
            xs.append((L.t(h0, grad=True), L.t(c0, grad=True)) if kind == "LSTM" else L.t(h0, grad=True))
        return xs

    def call(m, xx, *h):
        L = TORCH if isinstance(xx, torch.Tensor) else OURS
        if packed:
            xx = L.rnn.pack_padded_sequence(xx, L.T.tensor(lengths), batch_first=kw["batch_first"],
                                            enforce_sorted=False)
        out, state = m(xx, *h)
        if packed:
            out, lens = L.rnn.pad_packed_sequence(out, batch_first=kw["batch_first"])
            return out, lens, state
        return out, state

    what = f"{kind}({inp}, {hid}, {kw}) on {shape}, lengths {lengths.tolist() if packed else None}, h0 {with_h0}"
    run(what, lambda: check_module(what, lambda L: getattr(L.nn, kind)(inp, hid, **kw), inputs, call))


def _mask(rng, kind, shape):
    if kind == "bool":
        m = rng.random(shape) < 0.3
        return m
    m = np.where(rng.random(shape) < 0.3, -np.inf, rng.standard_normal(shape))
    return m


@SETTINGS
@given(st.data())
def test_fuzz_attention(data):
    heads = data.draw(st.integers(1, 3))
    e = heads * data.draw(st.integers(1, 3))
    batch_first = data.draw(st.booleans())
    b, lq, lk = data.draw(st.integers(1, 2)), data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))
    encoder = data.draw(st.booleans(), "encoder layer")
    rng = np.random.default_rng(data.draw(st.integers(0, 99)))
    if encoder:
        lk = lq
    attn_kind = data.draw(st.sampled_from([None, "bool", "float"]))
    pad_kind = data.draw(st.sampled_from([None, "bool", "float"]))
    if attn_kind == pad_kind == "float" or (attn_kind and pad_kind and attn_kind != pad_kind):
        pad_kind = attn_kind  # (torch warns about / refuses mixed mask types in some paths)
    attn_mask = None if attn_kind is None else _mask(rng, attn_kind, data.draw(st.sampled_from([(lq, lk), (b * heads, lq, lk)])))
    if attn_mask is not None and attn_kind == "bool" and encoder:
        attn_mask = attn_mask.reshape(-1, lq, lk)[0]  # (the encoder layer takes a 2-d src_mask)
    pad = None if pad_kind is None else _mask(rng, pad_kind, (b, lk))
    if attn_mask is not None and attn_kind == "float" and encoder:
        attn_mask = attn_mask.reshape(-1, lq, lk)[0]
    seq = lambda n: (b, n, e) if batch_first else (n, b, e)  # noqa: E731
    q, k, v = rng.standard_normal(seq(lq)), rng.standard_normal(seq(lk)), rng.standard_normal(seq(lk))
    mk = lambda L, m: None if m is None else L.T.tensor(m)  # noqa: E731
    if encoder:
        kw = dict(dim_feedforward=data.draw(st.integers(1, 6)), dropout=0.0, batch_first=batch_first,
                  norm_first=data.draw(st.booleans()), activation=data.draw(st.sampled_from(["relu", "gelu"])),
                  bias=data.draw(st.booleans()))
        is_causal = False
        build = lambda L: L.nn.TransformerEncoderLayer(e, heads, **kw)  # noqa: E731
        call = lambda m, x: m(x, src_mask=mk(TORCH if isinstance(x, torch.Tensor) else OURS, attn_mask),  # noqa: E731
                              src_key_padding_mask=mk(TORCH if isinstance(x, torch.Tensor) else OURS, pad),
                              is_causal=is_causal)
        inputs = lambda L: [L.t(q, grad=True)]  # noqa: E731
        what = f"TransformerEncoderLayer({e}, {heads}, {kw})"
    else:
        kw = dict(batch_first=batch_first, bias=data.draw(st.booleans()), add_bias_kv=data.draw(st.booleans()),
                  add_zero_attn=data.draw(st.booleans()))
        self_attn = data.draw(st.booleans())
        kdim = None if self_attn else data.draw(st.sampled_from([None, 2, 5]))
        if kdim:
            k, v = rng.standard_normal(seq(lk)[:-1] + (kdim,)), rng.standard_normal(seq(lk)[:-1] + (kdim,))
        fkw = dict(need_weights=data.draw(st.booleans()), average_attn_weights=data.draw(st.booleans()),
                   is_causal=False)
        build = lambda L: L.nn.MultiheadAttention(e, heads, kdim=kdim, vdim=kdim, **kw)  # noqa: E731

        def call(m, qq, kk, vv):
            L = TORCH if isinstance(qq, torch.Tensor) else OURS
            return m(qq, kk, vv, key_padding_mask=mk(L, pad), attn_mask=mk(L, attn_mask), **fkw)
        inputs = lambda L: [L.t(q, grad=True), L.t(k, grad=True), L.t(v, grad=True)]  # noqa: E731
        what = f"MultiheadAttention({e}, {heads}, kdim={kdim}, {kw}) {fkw}"
    what += f" q {q.shape} k {k.shape} attn_mask {attn_mask} pad {pad}"
    run(what, lambda: check_module(what, build, inputs, call))


@SETTINGS
@given(st.data())
def test_fuzz_interpolate(data):
    d = data.draw(st.integers(1, 3), "dims")
    modes = {1: ["nearest", "linear", "area", "nearest-exact"], 2: ["nearest", "bilinear", "bicubic", "area", "nearest-exact"],
             3: ["nearest", "trilinear", "area", "nearest-exact"]}[d]
    mode = data.draw(st.sampled_from(modes))
    shape = (data.draw(st.integers(1, 2)), data.draw(st.integers(1, 2))) + tuple(
        data.draw(st.lists(st.integers(1, 5), min_size=d, max_size=d)))
    kw = dict(mode=mode)
    if data.draw(st.booleans(), "by size"):
        kw["size"] = data.draw(st.one_of(st.integers(1, 7), st.lists(st.integers(1, 7), min_size=d, max_size=d).map(tuple)))
    else:
        f = st.sampled_from([0.5, 0.7, 1.0, 1.5, 2.0, 2.5, 3.0])
        kw["scale_factor"] = data.draw(st.one_of(f, st.lists(f, min_size=d, max_size=d).map(tuple)))
        kw["recompute_scale_factor"] = data.draw(st.sampled_from([None, True, False]))
    if mode in ("linear", "bilinear", "bicubic", "trilinear"):
        kw["align_corners"] = data.draw(st.sampled_from([None, True, False]))
    seed = data.draw(st.integers(0, 99))
    as_module = data.draw(st.booleans(), "module")
    what = f"interpolate({kw}) on {shape}"
    if as_module:
        kw_m = {k: v for k, v in kw.items() if k != "recompute_scale_factor" or v is not None}
        run(what, lambda: check_module(what, lambda L: L.nn.Upsample(**kw_m), x_input(seed, shape)))
    else:
        run(what, lambda: check_module(what, lambda L: L.nn.Identity(), x_input(seed, shape),
                                       lambda m, x: (F if isinstance(x, ag.Tensor) else torch.nn.functional).interpolate(m(x), **kw)))
