"""The translation tables: which ONNX nodes each traced op or whole layer becomes.

    OPS[ops_math.Clamp] = _clamp             # a Function class -> emit(graph, call, dyn)
    LAYERS[nn.GELU] = _activation(_gelu)     # a layer exported whole, as a few nodes

Tables are keyed by the classes themselves, so a renamed class cannot silently drop out.
An emitter gets the Graph being built, the traced Call (``op``, ``inputs``, ``params``, ``out``)
and the shapes that follow the batch size (``dyn``); it returns the ONNX name of the output.
"""
import numpy as np

import nn
# The engine's op classes the tables are keyed by: all imported here, in one place.
from autograd.ops import compare, conv, embedding, norm, recurrent
from autograd.ops import math as ops_math
from autograd.ops import reduce as ops_reduce
from autograd.ops import shape as ops_shape

from .graph import ExportError, array_of


# --------------------------------------------------------------------------- ops

_LOGICAL = {"Less", "LessOrEqual", "Greater", "GreaterOrEqual", "Equal", "IsNaN", "IsInf", "Not", "And", "Or", "Xor"}
_NO_INT = {"Relu"}  # ONNX ops onnxruntime has no integer kernel for: computed as Max(x, 0)


def _elementwise(onnx_op):
    def emit(g, call, dyn):
        if onnx_op in _LOGICAL:  # bool out, compared in the dtype PyTorch promotes the inputs to
            return g.node(onnx_op, [g.value(x, _compared_dtype(call)) for x in call.inputs])
        dtype = call.out.dtype
        if dtype == np.bool_:  # bool + bool (or), bool * bool (and), max...: ONNX's arithmetic has no bool
            out = g.node(onnx_op, [g.value(x, np.int32) for x in call.inputs])
            return g.cast(out, np.bool_)
        if onnx_op in _NO_INT and dtype.kind in "iu":
            return g.node("Max", [g.value(call.inputs[0], dtype), g.const(np.zeros((), dtype), "zero")])
        return g.node(onnx_op, [g.value(x, dtype) for x in call.inputs])
    return emit


def _compared_dtype(call):
    """The dtype a comparison compares in: PyTorch's promotion of its inputs. An int tensor against
    a Python float compares as floats (x >= 0.5 is False at 0; the 0.5 made an int 0 says True), a
    float32 tensor against a float64 one as float64. A number, or a 0-d tensor, counts only when it
    is of a higher kind (bool < int < float) than the tensors with dims: then a number gives
    PyTorch's default dtype of its kind, a 0-d tensor its own dtype."""
    def kind(dtype):
        return {"b": 0, "i": 1, "u": 1, "f": 2}.get(np.dtype(dtype).kind, 3)

    values = [array_of(x) for x in call.inputs if x is not None]
    dimmed = [a.dtype for a in values if isinstance(a, np.ndarray) and a.ndim > 0]
    zero_d = [a.dtype for a in values if isinstance(a, np.ndarray) and a.ndim == 0]
    numbers = [{0: np.bool_, 1: np.int64, 2: np.float32}.get(kind(np.asarray(a).dtype), np.complex64)
               for a in values if not isinstance(a, np.ndarray)]
    dtype = None
    for group in (dimmed, zero_d, numbers):
        if group and (dtype is None or max(map(kind, group)) > kind(dtype)):
            top = max(map(kind, group))
            dtype = np.result_type(*[d for d in group if kind(d) == top])
    return np.dtype(np.float32) if dtype is None else dtype


def _unary(onnx_op):
    def emit(g, call, dyn):
        return g.node(onnx_op, [g.value(call.inputs[0])])
    return emit


def _log1p(g, call, dyn):
    x = g.value(call.inputs[0])
    return g.node("Log", [g.node("Add", [x, g.const(np.ones((), call.out.dtype), "one")])])


def _where(g, call, dyn):
    cond, a, b = call.inputs
    dtype = call.out.dtype
    return g.node("Where", [g.value(np.asarray(array_of(cond), dtype=bool)) if not g.is_live(cond) else g.value(cond),
                            g.value(a, dtype), g.value(b, dtype)])


def _clamp(g, call, dyn):
    dtype = call.out.dtype
    low, high = call.params.get("min"), call.params.get("max")
    ins = [g.value(call.inputs[0]),
           g.value(np.asarray(low), dtype, "clip_min") if low is not None else "",
           g.value(np.asarray(high), dtype, "clip_max") if high is not None else ""]
    while ins[-1] == "":
        ins.pop()
    return g.node("Clip", ins)


def _reduce(onnx_op):
    def emit(g, call, dyn):
        return g.reduce(onnx_op, g.value(call.inputs[0]), call.params.get("axis"), call.params.get("keepdims", False))
    return emit


def _variance(g, call, dyn):
    """Var and Std (one node each in the engine): mean((x - mean)^2) * n / (n - correction), then Sqrt."""
    x_arr, p = array_of(call.inputs[0]), call.params
    axes, keepdims = p.get("axis"), p.get("keepdims", False)
    n = x_arr.size if axes is None else int(np.prod([x_arr.shape[a] for a in axes]))
    x = g.value(call.inputs[0])
    centred = g.node("Sub", [x, g.reduce("ReduceMean", x, axes, True)])
    out = g.reduce("ReduceMean", g.node("Mul", [centred, centred]), axes, keepdims)
    correction = p.get("correction", 1)
    other = array_of(dyn.other[dyn.index[id(call)]].inputs[0])  # the input in the trace at another batch size
    reduced = range(x_arr.ndim) if axes is None else [a % x_arr.ndim for a in axes]
    if correction and any(x_arr.shape[a] != other.shape[a] for a in reduced):
        # n follows the batch size (a var over the batch dim): n / (n - correction) computed in the graph
        sizes = g.node("Shape", [x])
        if axes is not None:
            sizes = g.node("Gather", [sizes, g.ints(reduced, "axes")], {"axis": 0})
        count = g.cast(g.reduce("ReduceProd", sizes, None, False), x_arr.dtype)
        dof = g.node("Max", [g.node("Sub", [count, g.const(np.asarray(correction, x_arr.dtype), "correction")]),
                             g.const(np.zeros((), x_arr.dtype), "zero")])  # (PyTorch's max(0, n - correction))
        bessel = g.node("Div", [count, dof])
        out = g.node("Mul", [out, bessel])
    elif correction:
        bessel = n / (n - correction) if n > correction else np.inf  # PyTorch divides by max(0, n - correction)
        out = g.node("Mul", [out, g.const(np.asarray(bessel, x_arr.dtype), "bessel")])
    return g.node("Sqrt", [out]) if call.op is ops_reduce.Std else out


def _nan_where_any(g, x, out, dtype, axes, keepdims):
    """``out``, but nan where the values of ``x`` reduced over ``axes`` hold a nan (PyTorch's reductions give
    nan there; onnxruntime's skip it): Where(ReduceMax(Cast(IsNaN(x))) > 0, nan, out). graph.output_activation
    looks through this guard by its shape."""
    has_nan = g.reduce("ReduceMax", g.cast(g.node("IsNaN", [x]), dtype), axes, keepdims)
    return g.node("Where", [g.node("Greater", [has_nan, g.const(np.zeros((), dtype), "zero")]),
                            g.const(np.asarray(np.nan, dtype), "nan"), out])


def _nan_reduce(g, call, op, axes):
    """ReduceMax / ReduceMin that give nan where the reduced values hold a nan, as PyTorch's amax and
    max do (onnxruntime's skip nan)."""
    x, keepdims, dtype = g.value(call.inputs[0]), call.params.get("keepdims", False), array_of(call.inputs[0]).dtype
    out = g.reduce(op, x, axes, keepdims)
    return out if np.dtype(dtype).kind != "f" else _nan_where_any(g, x, out, dtype, axes, keepdims)


def _amax(g, call, dyn):
    op = "ReduceMax" if call.params.get("largest", True) else "ReduceMin"
    return _nan_reduce(g, call, op, call.params.get("axis"))


def _maxdim(g, call, dyn):
    op = "ReduceMax" if call.params.get("largest", True) else "ReduceMin"
    return _nan_reduce(g, call, op, (call.params["axis"],))


def _argextreme(g, call, dyn):
    """argmax/argmin along one axis (ONNX ArgMax/ArgMin, int64); over everything: of the flattened input.
    A nan is the extreme, as in PyTorch (onnxruntime's skip it): where a row holds one, the index of
    its first nan (ArgMax of isnan(x))."""
    op = "ArgMax" if call.params.get("largest", True) else "ArgMin"
    x, axis = g.value(call.inputs[0]), call.params.get("axis")
    if axis is None:
        x, axis = g.node("Reshape", [x, g.const(np.array([-1], np.int64), "flat")]), 0
    attrs = {"axis": int(axis), "keepdims": int(bool(call.params.get("keepdims", False)))}
    out = g.node(op, [x], attrs)
    if array_of(call.inputs[0]).dtype.kind != "f":
        return out
    nans = g.cast(g.node("IsNaN", [x]), np.int32)
    has_nan = g.reduce("ReduceMax", nans, [int(axis)], bool(attrs["keepdims"]))
    return g.node("Where", [g.node("Greater", [has_nan, g.const(np.zeros((), np.int32), "zero")]),
                            g.node("ArgMax", [nans], attrs), out])


def _sign(g, call, dyn):
    """Sign, and 0 at nan as PyTorch's sign (ONNX's Sign gives nan)."""
    x, dtype = g.value(call.inputs[0]), call.out.dtype
    out = g.node("Sign", [x])
    if dtype.kind != "f":
        return out
    return g.node("Where", [g.node("IsNaN", [x]), g.const(np.zeros((), dtype), "zero"), out])


def _softmax(onnx_op):
    def emit(g, call, dyn):
        axis = call.params.get("axis")
        x = g.value(call.inputs[0])
        if axis is None:  # a softmax of a 0-d tensor
            raise ExportError(f"{onnx_op} of a 0-d tensor is not exportable")
        out = g.node(onnx_op, [x], {"axis": int(axis)})
        dtype = array_of(call.inputs[0]).dtype
        if dtype.kind != "f":
            return out
        # a row holding a nan is nan throughout, as in PyTorch (onnxruntime's max skips the nan and
        # its other entries come out as numbers)
        return _nan_where_any(g, x, out, dtype, [int(axis)], True)
    return emit


def _reshape(g, call, dyn):
    return g.node("Reshape", [g.value(call.inputs[0]), g.ints(dyn.shape(call), "shape")])


def _permute(g, call, dyn):
    return g.node("Transpose", [g.value(call.inputs[0])], {"perm": [int(a) for a in call.params["axes"]]})


def _expand(g, call, dyn):
    shape = dyn.shape(call, expand=True)
    return g.node("Expand", [g.value(call.inputs[0]), g.ints(shape, "shape")])


def _cat(g, call, dyn):
    dtype = call.out.dtype
    return g.node("Concat", [g.value(x, dtype) for x in call.inputs], {"axis": int(call.params.get("axis", 0))})


def _stack(g, call, dyn):
    """torch.stack: each input unsqueezed at the new dim, then concatenated (ONNX has no Stack)."""
    dtype, axis = call.out.dtype, int(call.params.get("axis", 0))
    parts = [g.node("Unsqueeze", [g.value(x, dtype), g.ints([axis], "axes")]) for x in call.inputs]
    return g.node("Concat", parts, {"axis": axis})


def _cast(g, call, dyn):
    return g.cast(g.value(call.inputs[0]), call.params["dtype"])


def _identity(g, call, dyn):
    return g.node("Identity", [g.value(call.inputs[0])])


def _getitem(g, call, dyn):
    """Basic indexing (ints, slices, None, ...) as Slice + Squeeze + Unsqueeze."""
    x_arr = array_of(call.inputs[0])
    index = call.params["index"]
    items = list(index) if isinstance(index, tuple) else [index]
    for item in items:
        if not (item is None or item is Ellipsis or isinstance(item, slice)
                or isinstance(item, (int, np.integer)) and not isinstance(item, (bool, np.bool_))):
            raise ExportError(f"indexing with {type(item).__name__} (advanced indexing) is not exportable; "
                              "only ints, slices, None and ... are")
    n_real = sum(1 for i in items if i is not None and i is not Ellipsis)
    if Ellipsis in items:
        k = items.index(Ellipsis)
        items[k:k + 1] = [slice(None)] * (x_arr.ndim - n_real)
    items += [slice(None)] * (x_arr.ndim - sum(1 for i in items if i is not None))
    starts, ends, axes, steps, squeeze, unsqueeze = [], [], [], [], [], []
    axis = out_axis = 0
    for item in items:
        if item is None:
            unsqueeze.append(out_axis)
            out_axis += 1
            continue
        if isinstance(item, slice):
            if item != slice(None):
                step = 1 if item.step is None else int(item.step)
                start = item.start if item.start is not None else (0 if step > 0 else -1)
                stop = item.stop if item.stop is not None else (np.iinfo(np.int64).max if step > 0
                                                                else np.iinfo(np.int64).min)
                starts.append(int(start)), ends.append(int(stop)), axes.append(axis), steps.append(step)
            out_axis += 1
        else:
            i = int(item)
            starts.append(i), ends.append(i + 1 if i != -1 else np.iinfo(np.int64).max)
            axes.append(axis), steps.append(1)
            squeeze.append(axis)
        axis += 1
    out = g.value(call.inputs[0])
    if axes:
        out = g.node("Slice", [out, g.ints(starts, "starts"), g.ints(ends, "ends"), g.ints(axes, "axes"),
                               g.ints(steps, "steps")])
    if squeeze:
        out = g.node("Squeeze", [out, g.ints(squeeze, "axes")])
    if unsqueeze:
        out = g.node("Unsqueeze", [out, g.ints(unsqueeze, "axes")])
    return out if out != g.value(call.inputs[0]) else g.node("Identity", [out])


def _matmul(g, call, dyn):
    dtype = call.out.dtype
    return g.node("MatMul", [g.value(x, dtype) for x in call.inputs])


def _normalize(g, call, dyn):
    """(x - mean) / sqrt(var + eps) * weight + bias: batch norm with running statistics, or layer
    norm with the sample's own statistics (mean and var over ``axes``)."""
    x_arr = array_of(call.inputs[0])
    dtype = x_arr.dtype
    x, p = g.value(call.inputs[0]), call.params
    c = lambda v, hint: g.const(np.asarray(v, dtype), hint)  # noqa: E731
    if p.get("mean") is not None and not g.is_live(p["mean"]):  # running statistics: fold to scale, shift
        mean = np.asarray(array_of(p["mean"]), np.float64)
        var = np.asarray(array_of(p["var"]), np.float64)
        scale = 1.0 / np.sqrt(var + p["eps"])
        y = g.node("Mul", [g.node("Sub", [x, c(mean, "running_mean")]), c(scale, "inv_std")])
    elif p.get("mean") is None:
        axes = list(p["axes"])
        mean = g.reduce("ReduceMean", x, axes, True)
        centred = g.node("Sub", [x, mean])
        var = g.reduce("ReduceMean", g.node("Mul", [centred, centred]), axes, True)
        y = g.node("Div", [centred, g.node("Sqrt", [g.node("Add", [var, c(p["eps"], "eps")])])])
    else:
        raise ExportError(f"{call.name}: statistics computed inside the graph are not exportable")
    shape = p.get("param_shape")
    for arg, hint in ((call.inputs[1], "scale"), (call.inputs[2], "shift")):
        if arg is None:
            continue
        if g.is_live(arg):
            raise ExportError(f"{call.name}: a weight computed from the input is not exportable")
        arr = array_of(arg)
        arr = arr.reshape(shape) if shape is not None else arr
        y = g.node("Mul" if hint == "scale" else "Add", [y, g.const(np.asarray(arr, dtype), hint)])
    return y


def _conv_op(g, call, dyn):
    """F.conv1d / F.conv2d (the Convolution primitive, with or without its fused bias) as an ONNX Conv."""
    x_arr, p = array_of(call.inputs[0]), call.params
    n = x_arr.ndim - 2
    geo = {k: list(p[k])[-n:] for k in ("stride", "padding", "dilation")}
    return g.node("Conv", [g.value(x) for x in call.inputs[:3] if x is not None],
                  {"strides": [int(s) for s in geo["stride"]], "dilations": [int(d) for d in geo["dilation"]],
                   "pads": [int(lo) for lo, _ in geo["padding"]] + [int(hi) for _, hi in geo["padding"]],
                   "group": int(p["groups"]), "kernel_shape": list(array_of(call.inputs[1]).shape[2:])})


def _maxpool_op(g, call, dyn):
    """F.max_pool1d / F.max_pool2d (the MaxPool primitive): explicit pads already hold ceil_mode's extra."""
    x_arr, p = array_of(call.inputs[0]), call.params
    n = x_arr.ndim - 2
    pads = list(p["padding"])[-n:]
    attrs = {"kernel_shape": [int(k) for k in list(p["kernel"])[-n:]],
             "strides": [int(s) for s in list(p["stride"])[-n:]],
             "dilations": [int(d) for d in list(p["dilation"])[-n:]],
             "pads": [int(lo) for lo, _ in pads] + [int(hi) for _, hi in pads]}
    x = g.value(call.inputs[0])
    if any(pad >= k for pad, k in zip(attrs["pads"], attrs["kernel_shape"] * 2)):  # (onnxruntime refuses those)
        zeros = [0] * (x_arr.ndim - n)
        x = g.node("Pad", [x, g.ints(zeros + attrs["pads"][:n] + zeros + attrs["pads"][n:], "pads"),
                           g.const(np.asarray(-np.inf, x_arr.dtype), "minus_inf")])
        attrs["pads"] = [0] * (2 * n)
    return _max_pool(g, x, attrs, x_arr.dtype)


def _max_pool(g, x, attrs, dtype):
    """An ONNX MaxPool that gives what PyTorch's max_pool gives where onnxruntime's does not: nan for
    a window holding a nan (onnxruntime skips nan), -inf for a window of -inf alone (onnxruntime
    starts from the lowest float, -3.4e38). A second MaxPool over a code of each value, 2 for nan,
    0 for -inf, 1 else, finds those windows (2: a nan; 0: only -inf; padding never fills a window)."""
    out = g.node("MaxPool", [x], attrs)
    if np.dtype(dtype).kind != "f":
        return out
    c = lambda v, hint: g.const(np.asarray(v, dtype), hint)  # noqa: E731
    code = g.node("Where", [g.node("IsNaN", [x]), c(2.0, "two"),
                            g.node("Where", [g.node("IsInf", [x], {"detect_positive": 0}), c(0.0, "zero"), c(1.0, "one")])])
    window = g.node("MaxPool", [code], attrs)
    out = g.node("Where", [g.node("Less", [window, c(0.5, "half")]), c(-np.inf, "minus_inf"), out])
    return g.node("Where", [g.node("Greater", [window, c(1.5, "one_and_a_half")]), c(np.nan, "nan"), out])


def _embedding(g, call, dyn):
    """Gather of the weight's rows; with ``max_norm``, each picked row rescaled to that norm when its
    norm is larger (PyTorch rescales the weight's rows in place when it picks them: a row the trace
    never picked is still unscaled in the file, so the graph does it)."""
    rows = g.node("Gather", [g.value(call.inputs[0]), g.value(call.inputs[1])], {"axis": 0})
    max_norm = call.params.get("max_norm")
    if max_norm is None:
        return rows
    p, dtype = float(call.params.get("norm_type", 2.0)), array_of(call.inputs[0]).dtype
    c = lambda v, hint: g.const(np.asarray(v, dtype), hint)  # noqa: E731
    if p == 2:
        norm = g.reduce("ReduceL2", rows, (-1,), True)
    elif p == 1:
        norm = g.reduce("ReduceL1", rows, (-1,), True)
    elif p == np.inf:
        norm = g.reduce("ReduceMax", g.node("Abs", [rows]), (-1,), True)
    else:
        powered = g.node("Pow", [g.node("Abs", [rows]), c(p, "norm_type")])
        norm = g.node("Pow", [g.reduce("ReduceSum", powered, (-1,), True), c(1 / p, "inverse_norm_type")])
    scale = g.node("Where", [g.node("Greater", [norm, c(max_norm, "max_norm")]),
                             g.node("Div", [c(max_norm, "max_norm"), g.node("Add", [norm, c(1e-7, "eps")])]),
                             c(1.0, "one")])
    return g.node("Mul", [rows, scale])


def _gru(g, call, dyn):
    """GRULayer (one layer, one direction of nn.GRU) as one ONNX GRU over the sequence (L, N, I).
    ONNX stacks the gates z, r, h where PyTorch stacks r, z, n; linear_before_reset=1 is PyTorch's
    n = tanh(x W_in + b_in + r * (h W_hn + b_hn)). A zero initial state (nn.GRU's default) is left
    out, as ONNX starts from zeros."""
    x, h0, *weights = call.inputs  # w_ih (3H, I), w_hh (3H, H), b_ih, b_hh (3H,) or None
    if any(g.is_live(w) for w in weights):
        raise ExportError("GRULayer: weights computed from the input are not exportable")
    w_ih, w_hh, b_ih, b_hh = (array_of(w) for w in weights)
    H = w_hh.shape[1]

    def zrh(a):  # (3H, ...) in PyTorch's r, z, n order -> (1, 3H, ...) in ONNX's z, r, h order
        a = np.zeros(3 * H, w_ih.dtype) if a is None else a
        return np.concatenate([a[H:2 * H], a[:H], a[2 * H:]])[None]

    ins = [g.value(x), g.const(zrh(w_ih), "gru.W"), g.const(zrh(w_hh), "gru.R"),
           g.const(np.concatenate([zrh(b_ih), zrh(b_hh)], axis=1), "gru.B")]  # (1, 6H)
    if g.is_live(h0) or np.any(array_of(h0)):
        ins += ["", g.node("Unsqueeze", [g.value(h0), g.ints([0], "axes")])]  # no sequence_lens; (1, N, H)
    y = g.node("GRU", ins, {"hidden_size": int(H), "linear_before_reset": 1,
                            "direction": "reverse" if call.params.get("reverse") else "forward"})
    return g.node("Squeeze", [y, g.ints([1], "axes")])  # (L, 1, N, H) -> (L, N, H)


def _linear(g, call, dyn):
    """x @ W^T + b: one Gemm for 2-d inputs, else MatMul by W^T (folded) and Add."""
    x, weight = call.inputs[0], call.inputs[1]
    bias = call.inputs[2] if len(call.inputs) > 2 else call.params.get("bias")
    dtype = call.out.dtype
    if array_of(x).ndim == 2:
        ins = [g.value(x), g.value(weight, dtype)] + ([g.value(bias, dtype)] if bias is not None else [])
        return g.node("Gemm", ins, {"transB": 1})
    w_t = g.node("Transpose", [g.value(weight)], {"perm": [1, 0]}) if g.is_live(weight) else \
        g.const(np.asarray(array_of(weight), dtype).T, (g.param_names.get(id(array_of(weight))) or "weight") + ".T")
    out = g.node("MatMul", [g.value(x), w_t])
    return out if bias is None else g.node("Add", [out, g.value(bias, dtype)])


# Ops that are one elementwise ONNX node say so themselves (``onnx = "Exp"`` on the Function)
# and need no entry here; this table holds the rest.
OPS = {
    ops_math.Linear: _linear,
    norm.Normalize: _normalize, norm.BatchNorm: _normalize, norm.LayerNorm: _normalize,
    conv.Convolution: _conv_op, conv.MaxPool: _maxpool_op, embedding.Embedding: _embedding,
    recurrent.GRULayer: _gru,
    ops_math.Sign: _sign,
    ops_math.MatMul: _matmul, ops_math.Where: _where, ops_math.Log1p: _log1p, ops_math.Clamp: _clamp,
    ops_reduce.Sum: _reduce("ReduceSum"), ops_reduce.Mean: _reduce("ReduceMean"), ops_reduce.Amax: _amax, ops_reduce.MaxDim: _maxdim,
    ops_reduce.ArgExtreme: _argextreme, ops_reduce.Var: _variance, ops_reduce.Std: _variance,
    ops_reduce.Prod: _reduce("ReduceProd"), ops_reduce.LogSumExp: _reduce("ReduceLogSumExp"),
    ops_reduce.Softmax: _softmax("Softmax"), ops_reduce.LogSoftmax: _softmax("LogSoftmax"),
    ops_shape.Reshape: _reshape, ops_shape.Permute: _permute, ops_shape.Expand: _expand,
    ops_shape.GetItem: _getitem, ops_shape.Cat: _cat, ops_shape.Stack: _stack, ops_shape.Cast: _cast, ops_shape.Clone: _identity,
    compare.NotEqual: lambda g, call, dyn: g.node("Not", [_elementwise("Equal")(g, call, dyn)]),
}


def emitter(op):
    """How the traced op class ``op`` becomes ONNX: its table entry, else one elementwise node
    named by the Function's own ``onnx`` attribute, else None (not exportable)."""
    if op in OPS:
        return OPS[op]
    return _elementwise(op.onnx) if getattr(op, "onnx", None) else None

# params an emitter reads off the two traces (dyn.shape), so they may differ between them
SHAPE_PARAMS = {ops_shape.Reshape: ("shape",), ops_shape.Expand: ("shape",)}
# inputs an emitter leaves out when they are all zeros (ONNX's default), so such a constant may
# follow the batch size: nn.GRU's initial state is zeros (batch, hidden)
ZERO_DEFAULTS = {recurrent.GRULayer: (1,)}


# --------------------------------------------------------------------------- whole layers
# (activations too: their functional forms pick branches with numpy masks, which a trace can't see)


def _pair(v, n):
    return [int(a) for a in v] if isinstance(v, (tuple, list)) else [int(v)] * n


def _conv(n):
    """Conv1d (n=1) / Conv2d (n=2) as one ONNX Conv."""
    def emit(g, call, dyn):
        m = call.op
        if getattr(m, "padding_mode", "zeros") != "zeros":
            raise ExportError(f"{type(m).__name__}: padding_mode={m.padding_mode!r} is not exportable; "
                              "only 'zeros' is")
        kernel, dilation = _pair(m.kernel_size, n), _pair(getattr(m, "dilation", 1), n)
        if m.padding == "same":  # PyTorch puts the odd extra pixel at the end
            total = [d * (k - 1) for d, k in zip(dilation, kernel)]
            pads = [t // 2 for t in total] + [t - t // 2 for t in total]
        else:
            pads = [0] * n if m.padding == "valid" else _pair(m.padding, n)
            pads = pads + pads
        ins = [g.value(call.inputs[0]), g.value(m.weight)]
        if getattr(m, "bias", None) is not None:
            ins.append(g.value(m.bias))
        return g.node("Conv", ins, {"kernel_shape": kernel, "strides": _pair(m.stride, n), "pads": pads,
                                    "dilations": dilation, "group": int(getattr(m, "groups", 1))})
    return emit


def _pool(onnx_op, n):
    """MaxPool / AvgPool over n (1 or 2) spatial dims as one ONNX pooling node."""
    def emit(g, call, dyn):
        m = call.op
        kernel = _pair(m.kernel_size, n)
        stride = _pair(m.stride if getattr(m, "stride", None) is not None else m.kernel_size, n)
        pads = _pair(getattr(m, "padding", 0), n)
        attrs = {"kernel_shape": kernel, "strides": stride, "pads": pads + pads,
                 "ceil_mode": int(bool(getattr(m, "ceil_mode", False)))}
        if onnx_op == "MaxPool" and getattr(m, "dilation", 1) not in (1, (1,) * n, [1] * n):
            attrs["dilations"] = _pair(m.dilation, n)
        if onnx_op == "AveragePool":
            attrs["count_include_pad"] = int(bool(getattr(m, "count_include_pad", True)))
            if getattr(m, "divisor_override", None):
                raise ExportError(f"{type(m).__name__}(divisor_override=...) is not exportable")
        if getattr(m, "return_indices", False):
            raise ExportError(f"{type(m).__name__}(return_indices=True) is not exportable")
        x = g.value(call.inputs[0])
        if attrs["ceil_mode"]:
            # no ONNX ceil_mode: ONNX keeps a last window that starts in the right padding, which
            # PyTorch drops (5 -> 3 windows where ONNX has 4), and onnxruntime's shapes then disagree
            # with the checker's. Instead, extra right padding that makes the floor rule give
            # PyTorch's size: -inf for MaxPool; for AveragePool, padding that isn't counted (the padding
            # PyTorch counts, count_include_pad, is made real zeros by a Pad node first)
            attrs["ceil_mode"] = 0
            sizes = list(call.out.shape[-n:])
            dilation = attrs.get("dilations", [1] * n)
            spatial = array_of(call.inputs[0]).shape[-n:]
            extra = [max(0, (o - 1) * s + d * (k - 1) + 1 - (i + 2 * p))
                     for o, i, p, d, k, s in zip(sizes, spatial, pads, dilation, kernel, stride)]
            zeros = [0] * (len(call.out.shape) - n)
            if any(extra) and onnx_op == "MaxPool":  # (a Pad node: a dilated window's extra may reach
                dtype = array_of(call.inputs[0]).dtype  # past the kernel size, which onnxruntime refuses in pads)
                x = g.node("Pad", [x, g.ints(zeros + [0] * n + zeros + extra, "pads"),
                                   g.const(np.asarray(-np.inf, dtype), "minus_inf")])
            elif any(extra) and onnx_op == "AveragePool" and attrs["count_include_pad"] and any(pads):
                x = g.node("Pad", [x, g.ints(zeros + pads + zeros + pads, "pads")])
                attrs["pads"] = [0] * n + extra
                attrs["count_include_pad"] = 0
            elif any(extra):
                attrs["pads"] = pads + [p + e for p, e in zip(pads, extra)]
                if onnx_op == "AveragePool":
                    attrs["count_include_pad"] = 0  # (with padding PyTorch counts, the branch above)
        if onnx_op == "MaxPool":
            return _max_pool(g, x, attrs, array_of(call.inputs[0]).dtype)
        return g.node(onnx_op, [x], attrs)
    return emit


def _adaptive_avg_pool(g, call, dyn):
    """Global average pooling, or an AveragePool when the input divides evenly into the output."""
    m = call.op
    spatial = array_of(call.inputs[0]).shape[2:]
    size = _pair(m.output_size, len(spatial)) if not isinstance(m.output_size, (tuple, list)) else \
        [o if o is not None else i for o, i in zip(m.output_size, spatial)]
    x = g.value(call.inputs[0])
    if all(o == 1 for o in size):
        return g.node("GlobalAveragePool", [x])
    if any(i % o for i, o in zip(spatial, size)):
        raise ExportError(f"{type(m).__name__}(output_size={m.output_size!r}) on input size {tuple(spatial)} "
                          "has uneven windows; only sizes that divide the input evenly are exportable")
    kernel = [i // o for i, o in zip(spatial, size)]
    return g.node("AveragePool", [x], {"kernel_shape": kernel, "strides": kernel})


def _batchnorm(g, call, dyn):
    m = call.op
    if getattr(m, "running_mean", None) is None:
        raise ExportError(f"{type(m).__name__}(track_running_stats=False) uses batch statistics even in "
                          "eval mode; it is not exportable")
    c = m.running_mean.shape[0]
    dtype = array_of(call.inputs[0]).dtype
    scale = g.value(m.weight) if getattr(m, "weight", None) is not None else g.const(np.ones(c, dtype), "bn_scale")
    bias = g.value(m.bias) if getattr(m, "bias", None) is not None else g.const(np.zeros(c, dtype), "bn_bias")
    x = g.value(call.inputs[0])
    squeeze_back = array_of(call.inputs[0]).ndim == 2  # BatchNorm1d on (N, C): ONNX wants (N, C, ...)
    if squeeze_back:
        x = g.node("Unsqueeze", [x, g.ints([2], "axes")])
    out = g.node("BatchNormalization", [x, scale, bias, g.value(m.running_mean), g.value(m.running_var)],
                 {"epsilon": float(m.eps)})
    if squeeze_back:
        out = g.node("Squeeze", [out, g.ints([2], "axes")])
    return out


def _activation(build):
    def emit(g, call, dyn):
        x = g.value(call.inputs[0])
        dtype = array_of(call.inputs[0]).dtype
        def c(v, hint="c"):
            return g.const(np.asarray(v, dtype), hint)

        c.dtype = dtype
        return build(g, call.op, x, c)
    return emit


def _float32_attribute(onnx_op, attrs, decomposed):
    """An ONNX activation whose constants are attributes (LeakyRelu, Elu, Selu): attributes are
    float32, so a float64 input gets the formula in nodes with float64 constants instead (else
    SELU's alpha 1.6732632423543772 is 1.6732631921768188 and the output is off in the 8th digit)."""
    def build(g, m, x, c):
        if c.dtype == np.float64:
            return decomposed(g, m, x, c)
        return g.node(onnx_op, [x], attrs(m))
    return build


def _elu_nodes(g, x, alpha, c):
    """x where x > 0, else alpha (e^x - 1)."""
    negative = g.node("Mul", [c(alpha, "alpha"), g.node("Sub", [g.node("Exp", [x]), c(1.0, "one")])])
    return g.node("Where", [g.node("Greater", [x, c(0.0, "zero")]), x, negative])


_SELU_ALPHA, _SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946  # PyTorch's


def _softplus(g, x, beta, threshold, c):
    """PyTorch's softplus: log(1 + exp(beta x)) / beta, and x itself where beta x > threshold."""
    bx = g.node("Mul", [x, c(beta, "beta")]) if beta != 1 else x
    if getattr(c, "dtype", None) == np.float64:  # onnxruntime has no float64 Softplus: max(t, 0) + log(1 + e^-|t|)
        tail = g.node("Exp", [g.node("Neg", [g.node("Abs", [bx])])])
        soft = g.node("Add", [g.node("Max", [bx, c(0.0, "zero")]), g.node("Log", [g.node("Add", [c(1.0, "one"), tail])])])
    else:
        soft = g.node("Softplus", [bx])
    if beta != 1:
        soft = g.node("Div", [soft, c(beta, "beta")])
    return g.node("Where", [g.node("Greater", [bx, c(threshold, "threshold")]), x, soft])


def _gelu(g, m, x, c):
    if m.approximate == "tanh":  # 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
        cube = g.node("Mul", [g.node("Mul", [x, x]), x])
        inner = g.node("Mul", [g.node("Add", [x, g.node("Mul", [cube, c(0.044715)])]), c(np.sqrt(2 / np.pi))])
        return g.node("Mul", [g.node("Mul", [x, c(0.5)]), g.node("Add", [c(1.0), g.node("Tanh", [inner])])])
    erf = g.node("Erf", [g.node("Div", [x, c(np.sqrt(2.0))])])  # 0.5 x (1 + erf(x / sqrt 2))
    return g.node("Mul", [g.node("Mul", [x, c(0.5)]), g.node("Add", [c(1.0), erf])])


ACTIVATIONS = {
    nn.LeakyReLU: _float32_attribute("LeakyRelu", lambda m: {"alpha": float(m.negative_slope)}, lambda g, m, x, c: g.node(
        "Where", [g.node("Greater", [x, c(0.0, "zero")]), x, g.node("Mul", [x, c(m.negative_slope, "slope")])])),
    nn.ELU: _float32_attribute("Elu", lambda m: {"alpha": float(m.alpha)}, lambda g, m, x, c: _elu_nodes(g, x, m.alpha, c)),
    nn.SELU: _float32_attribute("Selu", lambda m: {}, lambda g, m, x, c: g.node(  # ONNX's defaults: PyTorch's, in float32
        "Mul", [_elu_nodes(g, x, _SELU_ALPHA, c), c(_SELU_SCALE, "scale")])),
    nn.GELU: _gelu,
    nn.Softplus: lambda g, m, x, c: _softplus(g, x, float(m.beta), float(m.threshold), c),
    nn.Mish: lambda g, m, x, c: g.node("Mul", [x, g.node("Tanh", [_softplus(g, x, 1.0, 20.0, c)])]),
    nn.LogSigmoid: lambda g, m, x, c: g.node("Neg", [_softplus(g, g.node("Neg", [x]), 1.0, 20.0, c)]),
    nn.Hardtanh: lambda g, m, x, c: g.node("Clip", [x, c(m.min_val, "min"), c(m.max_val, "max")]),
    nn.ReLU6: lambda g, m, x, c: g.node("Clip", [x, c(0.0, "min"), c(6.0, "max")]),
    nn.Step: lambda g, m, x, c: g.node("Where", [g.node("GreaterOrEqual", [x, c(0.0)]), c(1.0, "one"), c(0.0, "zero")]),
}

# layers exported whole, as one ONNX node (or a few), from their attributes; keyed by the exact class
LAYERS = {**{cls: _activation(build) for cls, build in ACTIVATIONS.items()},
          nn.Conv1d: _conv(1), nn.Conv2d: _conv(2), nn.MaxPool1d: _pool("MaxPool", 1), nn.MaxPool2d: _pool("MaxPool", 2),
          nn.AvgPool1d: _pool("AveragePool", 1), nn.AvgPool2d: _pool("AveragePool", 2),
          nn.AdaptiveAvgPool1d: _adaptive_avg_pool, nn.AdaptiveAvgPool2d: _adaptive_avg_pool,
          nn.BatchNorm1d: _batchnorm, nn.BatchNorm2d: _batchnorm}
