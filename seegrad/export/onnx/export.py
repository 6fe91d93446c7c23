"""Export a model to ONNX by tracing the ops its forward pass runs.

    export_onnx(model, ag.randn(1, 784), "model.onnx")     # then: onnxruntime, or seegrad-serve

How: every primitive goes through ``Function.apply``. While tracing, that one entry point
(and the comparisons ``<``, ``>``..., which make masks outside the graph) is wrapped so that each
call is written down with its inputs, parameters and output. Each call becomes one or a few ONNX
nodes; parameters and other constants become initializers; ops whose inputs are all constants
(like ``weight.T``) are folded into one initializer. Layers whose ONNX op is one node
(Conv, pooling, BatchNorm) are exported whole from their attributes.

The forward pass is traced twice, at two batch sizes and with different values. The two traces
must agree: the same ops, the same constants. That catches what a trace cannot see (a value
computed by numpy from the input, a Python ``if`` on the data, randomness), and tells which
dims of a reshape follow the batch size (those become -1). onnx is an optional dependency
(``pip install 'seegrad[onnx]'``).
"""
import os
import tempfile
import threading

import numpy as np

import autograd as ag
from autograd.function import Function
from autograd.tensor import Tensor

_MIN_OPSET = 13  # Softmax/LogSoftmax over one axis and ReduceSum's axes input start here


class ExportError(RuntimeError):
    """The model cannot be exported as it stands (the message says which op and why)."""


def _onnx():
    try:
        import onnx
        from onnx import helper, numpy_helper
    except ImportError:
        raise ImportError("export_onnx needs the onnx package: pip install 'seegrad[onnx]' "
                          "(or pip install onnx onnxruntime)") from None
    return onnx, helper, numpy_helper


# --------------------------------------------------------------------------- tracing


class _Call:
    """One op of the forward pass: ``op`` is a Function class, a comparison name, or a layer."""

    __slots__ = ("op", "inputs", "params", "out")

    def __init__(self, op, inputs, params, out):
        self.op, self.inputs, self.params, self.out = op, inputs, params, out

    @property
    def name(self):
        if isinstance(self.op, str):
            return self.op
        return self.op.__name__ if isinstance(self.op, type) else type(self.op).__name__


_COMPARISONS = {"__lt__": "Less", "__le__": "LessOrEqual", "__gt__": "Greater", "__ge__": "GreaterOrEqual",
                "__eq__": "Equal", "__ne__": "NotEqual"}

# layers exported whole, as one ONNX node, from their attributes (when nn defines them)
# (activations too: their functional forms pick branches with numpy masks, which a trace can't see)
_LAYERS = ("Conv1d", "Conv2d", "MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "BatchNorm1d",
           "BatchNorm2d", "AdaptiveAvgPool2d", "AdaptiveAvgPool1d", "LeakyReLU", "ELU", "SELU", "GELU", "Softplus", "Mish",
           "LogSigmoid", "Step", "Hardtanh", "ReLU6")


class _Tracer:
    """``with _Tracer(model) as calls:`` writes down every op run by this thread inside."""

    _lock = threading.Lock()  # one trace at a time: the wrapping is process-wide

    def __init__(self, model):
        self.model = model
        self.calls = []
        self.depth = 0  # > 0 inside a layer exported whole: its inner ops are not written down
        self.thread = threading.get_ident()

    def __enter__(self):
        self._lock.acquire()
        tracer, original_apply = self, Function.__dict__["apply"]

        def apply(cls, *inputs, **params):
            out = original_apply.__func__(cls, *inputs, **params)
            if tracer.depth == 0 and threading.get_ident() == tracer.thread:
                tracer.calls.append(_Call(cls, inputs, params, out))
            return out

        self._saved = [(Function, "apply", original_apply)]
        Function.apply = classmethod(apply)
        for method, op in _COMPARISONS.items():
            original = Tensor.__dict__[method]
            self._saved.append((Tensor, method, original))
            setattr(Tensor, method, self._wrap_compare(original, op))
        self._layers = []
        if self.model is not None and hasattr(self.model, "modules"):
            for m in self.model.modules():
                if type(m).__name__ in _LAYERS:
                    object.__setattr__(m, "forward", self._wrap_layer(m, m.forward))
                    self._layers.append(m)
        return self.calls

    def _wrap_compare(self, original, op):
        tracer = self

        def compare(a, b):
            out = original(a, b)
            if tracer.depth == 0 and threading.get_ident() == tracer.thread:
                tracer.calls.append(_Call(op, (a, b), {}, out))
            return out

        return compare

    def _wrap_layer(self, layer, forward):
        tracer = self

        def traced_forward(*args, **kwargs):
            tracer.depth += 1
            try:
                out = forward(*args, **kwargs)
            finally:
                tracer.depth -= 1
            if tracer.depth == 0:
                tracer.calls.append(_Call(layer, args, kwargs, out))
            return out

        return traced_forward

    def __exit__(self, *exc):
        try:
            for owner, name, original in self._saved:
                setattr(owner, name, original)
            for m in self._layers:
                object.__delattr__(m, "forward")
        finally:
            self._lock.release()


def _trace(model, inputs):
    # grad mode on and float inputs requiring grad: an in-place op then swaps in a new array
    # (recorded) instead of overwriting the old one, so every value keeps its own array
    inputs = tuple(x.detach().requires_grad_(True) if x.dtype.kind == "f" else x for x in inputs)
    with _Tracer(model) as calls, ag.enable_grad():
        out = model(*inputs)
    return calls, out


# --------------------------------------------------------------------------- the graph


def _array(x):
    """The ndarray behind a Tensor or an array-like constant (None for None)."""
    if isinstance(x, Tensor):
        return x._data
    return x


class _Graph:
    """ONNX nodes and initializers being built, and the name of each traced array."""

    def __init__(self, opset, param_names):
        self.opset = opset
        self.nodes, self.initializers = [], []
        self.names = {}          # id(ndarray) -> ONNX value name (graph values and emitted constants)
        self.folded = {}         # id(ndarray) -> (hint) for constants computed from constants
        self.param_names = param_names
        self._count = 0
        self._used_names = set()

    def fresh(self, hint):
        hint = "".join(c if c.isalnum() or c in "._" else "_" for c in hint) or "t"
        name, k = hint, 1
        while name in self._used_names:
            k += 1
            name = f"{hint}_{k}"
        self._used_names.add(name)
        return name

    def node(self, op, inputs, attrs=None, hint=None):
        from onnx import helper

        self._count += 1
        out = self.fresh(hint or f"{op.lower()}_{self._count}")
        self.nodes.append(helper.make_node(op, list(inputs), [out], name=f"{op}_{self._count}", **(attrs or {})))
        return out

    def const(self, value, hint="const", dtype=None):
        from onnx import numpy_helper

        arr = np.asarray(value)
        if dtype is not None:
            arr = arr.astype(dtype)
        name = self.fresh(hint)
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def ints(self, values, hint="shape"):
        return self.const(np.asarray(list(values), dtype=np.int64), hint)

    def is_live(self, x):
        a = _array(x)
        return isinstance(a, np.ndarray) and id(a) in self.names

    def value(self, x, dtype=None, hint=None):
        """The ONNX name for an op input: a traced value, or a constant made an initializer."""
        a = _array(x)
        if isinstance(a, np.ndarray) and id(a) in self.names:
            return self.names[id(a)]
        arr = np.asarray(a)
        key = id(a) if isinstance(a, np.ndarray) else None
        if hint is None:
            hint = self.param_names.get(key) or self.folded.get(key) or "const"
        if dtype is not None and arr.dtype != np.bool_ and arr.dtype != dtype:
            return self.const(arr.astype(dtype), hint)  # a converted copy (python numbers mostly)
        name = self.const(arr, hint)
        if key is not None:
            self.names[key] = name
        return name

    def reduce(self, op, x, axes, keepdims):
        """Reduce* with axes as an attribute (before opset 18) or as an input (from 18; ReduceSum from 13)."""
        attrs = {"keepdims": int(bool(keepdims))}
        if axes is None:
            return self.node(op, [x], attrs)
        if op == "ReduceSum" or self.opset >= 18:
            return self.node(op, [x, self.ints(axes, "axes")], attrs)
        return self.node(op, [x], {**attrs, "axes": list(axes)})


# --------------------------------------------------------------------------- op table

def _elementwise(onnx_op):
    def emit(g, call, dyn):
        dtype = call.out._data.dtype if call.out._data.dtype != np.bool_ else _input_dtype(call)
        return g.node(onnx_op, [g.value(x, dtype) for x in call.inputs])
    return emit


def _input_dtype(call):
    for x in call.inputs:
        a = _array(x)
        if isinstance(a, np.ndarray) and a.dtype != np.bool_:
            return a.dtype
    return np.float32


def _unary(onnx_op):
    def emit(g, call, dyn):
        return g.node(onnx_op, [g.value(call.inputs[0])])
    return emit


def _log1p(g, call, dyn):
    x = g.value(call.inputs[0])
    return g.node("Log", [g.node("Add", [x, g.const(np.ones((), call.out._data.dtype), "one")])])


def _where(g, call, dyn):
    cond, a, b = call.inputs
    dtype = call.out._data.dtype
    return g.node("Where", [g.value(np.asarray(_array(cond), dtype=bool)) if not g.is_live(cond) else g.value(cond),
                            g.value(a, dtype), g.value(b, dtype)])


def _clamp(g, call, dyn):
    dtype = call.out._data.dtype
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


def _amax(g, call, dyn):
    op = "ReduceMax" if call.params.get("largest", True) else "ReduceMin"
    return g.reduce(op, g.value(call.inputs[0]), call.params.get("axis"), call.params.get("keepdims", False))


def _maxdim(g, call, dyn):
    op = "ReduceMax" if call.params.get("largest", True) else "ReduceMin"
    return g.reduce(op, g.value(call.inputs[0]), (call.params["axis"],), call.params.get("keepdims", False))


def _softmax(onnx_op):
    def emit(g, call, dyn):
        axis = call.params.get("axis")
        x = g.value(call.inputs[0])
        if axis is None:  # a softmax of a 0-d tensor
            raise ExportError(f"{onnx_op} of a 0-d tensor is not exportable")
        return g.node(onnx_op, [x], {"axis": int(axis)})
    return emit


def _reshape(g, call, dyn):
    return g.node("Reshape", [g.value(call.inputs[0]), g.ints(dyn.shape(call), "shape")])


def _permute(g, call, dyn):
    return g.node("Transpose", [g.value(call.inputs[0])], {"perm": [int(a) for a in call.params["axes"]]})


def _expand(g, call, dyn):
    shape = dyn.shape(call, expand=True)
    return g.node("Expand", [g.value(call.inputs[0]), g.ints(shape, "shape")])


def _cat(g, call, dyn):
    dtype = call.out._data.dtype
    return g.node("Concat", [g.value(x, dtype) for x in call.inputs], {"axis": int(call.params.get("axis", 0))})


def _cast(g, call, dyn):
    from onnx import helper

    to = helper.np_dtype_to_tensor_dtype(np.dtype(call.params["dtype"]))
    return g.node("Cast", [g.value(call.inputs[0])], {"to": int(to)})


def _identity(g, call, dyn):
    return g.node("Identity", [g.value(call.inputs[0])])


def _getitem(g, call, dyn):
    """Basic indexing (ints, slices, None, ...) as Slice + Squeeze + Unsqueeze."""
    x_arr = _array(call.inputs[0])
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
    dtype = call.out._data.dtype
    return g.node("MatMul", [g.value(x, dtype) for x in call.inputs])


def _normalize(g, call, dyn):
    """(x - mean) / sqrt(var + eps) * weight + bias: batch norm with running statistics, or layer
    norm with the sample's own statistics (mean and var over ``axes``)."""
    x_arr = _array(call.inputs[0])
    dtype = x_arr.dtype
    x, p = g.value(call.inputs[0]), call.params
    c = lambda v, hint: g.const(np.asarray(v, dtype), hint)  # noqa: E731
    if p.get("mean") is not None and not g.is_live(p["mean"]):  # running statistics: fold to scale, shift
        mean = np.asarray(_array(p["mean"]), np.float64)
        var = np.asarray(_array(p["var"]), np.float64)
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
        arr = _array(arg)
        arr = arr.reshape(shape) if shape is not None else arr
        y = g.node("Mul" if hint == "scale" else "Add", [y, g.const(np.asarray(arr, dtype), hint)])
    return y


def _conv_op(g, call, dyn):
    """F.conv1d / F.conv2d (the Convolution primitive) as an ONNX Conv."""
    x_arr, p = _array(call.inputs[0]), call.params
    n = x_arr.ndim - 2
    geo = {k: list(p[k])[-n:] for k in ("stride", "padding", "dilation")}
    return g.node("Conv", [g.value(call.inputs[0]), g.value(call.inputs[1])],
                  {"strides": [int(s) for s in geo["stride"]], "dilations": [int(d) for d in geo["dilation"]],
                   "pads": [int(lo) for lo, _ in geo["padding"]] + [int(hi) for _, hi in geo["padding"]],
                   "group": int(p["groups"]), "kernel_shape": list(_array(call.inputs[1]).shape[2:])})


def _maxpool_op(g, call, dyn):
    """F.max_pool1d / F.max_pool2d (the MaxPool primitive): explicit pads already hold ceil_mode's extra."""
    x_arr, p = _array(call.inputs[0]), call.params
    n = x_arr.ndim - 2
    pads = list(p["padding"])[-n:]
    return g.node("MaxPool", [g.value(call.inputs[0])],
                  {"kernel_shape": [int(k) for k in list(p["kernel"])[-n:]],
                   "strides": [int(s) for s in list(p["stride"])[-n:]],
                   "dilations": [int(d) for d in list(p["dilation"])[-n:]],
                   "pads": [int(lo) for lo, _ in pads] + [int(hi) for _, hi in pads]})


def _embedding(g, call, dyn):
    return g.node("Gather", [g.value(call.inputs[0]), g.value(call.inputs[1])], {"axis": 0})


def _linear(g, call, dyn):
    """x @ W^T + b: one Gemm for 2-d inputs, else MatMul by W^T (folded) and Add."""
    x, weight = call.inputs[0], call.inputs[1]
    bias = call.inputs[2] if len(call.inputs) > 2 else call.params.get("bias")
    dtype = call.out._data.dtype
    if _array(x).ndim == 2:
        ins = [g.value(x), g.value(weight, dtype)] + ([g.value(bias, dtype)] if bias is not None else [])
        return g.node("Gemm", ins, {"transB": 1})
    w_t = g.node("Transpose", [g.value(weight)], {"perm": [1, 0]}) if g.is_live(weight) else \
        g.const(np.asarray(_array(weight), dtype).T, (g.param_names.get(id(_array(weight))) or "weight") + ".T")
    out = g.node("MatMul", [g.value(x), w_t])
    return out if bias is None else g.node("Add", [out, g.value(bias, dtype)])


_OPS = {
    "Linear": _linear,
    "Normalize": _normalize, "BatchNorm": _normalize, "LayerNorm": _normalize,
    "Convolution": _conv_op, "MaxPool": _maxpool_op, "Embedding": _embedding,
    "Add": _elementwise("Add"), "Sub": _elementwise("Sub"), "Mul": _elementwise("Mul"),
    "Div": _elementwise("Div"), "Pow": _elementwise("Pow"), "Maximum": _elementwise("Max"),
    "Minimum": _elementwise("Min"), "MatMul": _matmul, "Where": _where,
    "Neg": _unary("Neg"), "Exp": _unary("Exp"), "Log": _unary("Log"), "Log1p": _log1p,
    "Sqrt": _unary("Sqrt"), "Abs": _unary("Abs"), "Sign": _unary("Sign"), "Sin": _unary("Sin"),
    "Cos": _unary("Cos"), "Tanh": _unary("Tanh"), "Sigmoid": _unary("Sigmoid"), "Relu": _unary("Relu"),
    "Clamp": _clamp, "Sum": _reduce("ReduceSum"), "Amax": _amax, "MaxDim": _maxdim,
    "Prod": _reduce("ReduceProd"), "LogSumExp": _reduce("ReduceLogSumExp"),
    "Softmax": _softmax("Softmax"), "LogSoftmax": _softmax("LogSoftmax"),
    "Reshape": _reshape, "Permute": _permute, "Expand": _expand, "GetItem": _getitem, "Cat": _cat,
    "Cast": _cast, "Clone": _identity,
    **{op: _elementwise(op) for op in _COMPARISONS.values() if op != "NotEqual"},
    "NotEqual": lambda g, call, dyn: g.node("Not", [_elementwise("Equal")(g, call, dyn)]),
}


# --------------------------------------------------------------------------- whole layers


def _pair(v, n):
    return [int(a) for a in v] if isinstance(v, (tuple, list)) else [int(v)] * n


def _conv(g, call, dyn):
    m = call.op
    n = 1 if type(m).__name__.endswith("1d") else 2
    if getattr(m, "padding_mode", "zeros") != "zeros":
        raise ExportError(f"{type(m).__name__}: padding_mode={m.padding_mode!r} is not exportable; only 'zeros' is")
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


def _pool(onnx_op):
    def emit(g, call, dyn):
        m = call.op
        n = 1 if type(m).__name__.endswith("1d") else 2
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
        return g.node(onnx_op, [g.value(call.inputs[0])], attrs)
    return emit


def _adaptive_avg_pool(g, call, dyn):
    """Global average pooling, or an AveragePool when the input divides evenly into the output."""
    m = call.op
    spatial = _array(call.inputs[0]).shape[2:]
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
    dtype = _array(call.inputs[0]).dtype
    scale = g.value(m.weight) if getattr(m, "weight", None) is not None else g.const(np.ones(c, dtype), "bn_scale")
    bias = g.value(m.bias) if getattr(m, "bias", None) is not None else g.const(np.zeros(c, dtype), "bn_bias")
    x = g.value(call.inputs[0])
    squeeze_back = _array(call.inputs[0]).ndim == 2  # BatchNorm1d on (N, C): ONNX wants (N, C, ...)
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
        dtype = _array(call.inputs[0]).dtype
        return build(g, call.op, x, lambda v, hint="c": g.const(np.asarray(v, dtype), hint))
    return emit


def _softplus(g, x, beta, threshold, c):
    """PyTorch's softplus: log(1 + exp(beta x)) / beta, and x itself where beta x > threshold."""
    bx = g.node("Mul", [x, c(beta, "beta")]) if beta != 1 else x
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


_ACTIVATIONS = {
    "LeakyReLU": lambda g, m, x, c: g.node("LeakyRelu", [x], {"alpha": float(m.negative_slope)}),
    "ELU": lambda g, m, x, c: g.node("Elu", [x], {"alpha": float(m.alpha)}),
    "SELU": lambda g, m, x, c: g.node("Selu", [x]),  # ONNX's default alpha, gamma are PyTorch's
    "GELU": _gelu,
    "Softplus": lambda g, m, x, c: _softplus(g, x, float(m.beta), float(m.threshold), c),
    "Mish": lambda g, m, x, c: g.node("Mul", [x, g.node("Tanh", [_softplus(g, x, 1.0, 20.0, c)])]),
    "LogSigmoid": lambda g, m, x, c: g.node("Neg", [_softplus(g, g.node("Neg", [x]), 1.0, 20.0, c)]),
    "Hardtanh": lambda g, m, x, c: g.node("Clip", [x, c(m.min_val, "min"), c(m.max_val, "max")]),
    "ReLU6": lambda g, m, x, c: g.node("Clip", [x, c(0.0, "min"), c(6.0, "max")]),
    "Step": lambda g, m, x, c: g.node("Where", [g.node("Greater", [x, c(0.0)]), c(1.0, "one"), c(0.0, "zero")]),
}

_LAYER_OPS = {**{name: _activation(build) for name, build in _ACTIVATIONS.items()},
"Conv1d": _conv, "Conv2d": _conv, "MaxPool1d": _pool("MaxPool"), "MaxPool2d": _pool("MaxPool"),
              "AvgPool1d": _pool("AveragePool"), "AvgPool2d": _pool("AveragePool"),
              "AdaptiveAvgPool2d": _adaptive_avg_pool, "AdaptiveAvgPool1d": _adaptive_avg_pool,
              "BatchNorm1d": _batchnorm, "BatchNorm2d": _batchnorm}


# --------------------------------------------------------------------------- two traces


class _Dynamic:
    """Shapes that follow the batch size: read off by comparing the trace at two batch sizes."""

    def __init__(self, other_calls):
        self.other = other_calls
        self.index = {}

    def shape(self, call, expand=False):
        mine = list(call.out._data.shape)
        theirs = list(self.other[self.index[id(call)]].out._data.shape)
        differ = [i for i, (a, b) in enumerate(zip(mine, theirs)) if a != b]
        if not differ:
            return mine
        if expand:
            in_shape = _array(call.inputs[0]).shape
            lead = len(mine) - len(in_shape)
            if all(i >= lead and in_shape[i - lead] == mine[i] for i in differ):
                return [1 if i in differ else n for i, n in enumerate(mine)]  # the input already has it
        elif len(differ) == 1:
            return [-1 if i in differ else n for i, n in enumerate(mine)]
        raise ExportError(f"{call.name}: its target shape {tuple(mine)} changes with the batch size in "
                          f"{len(differ)} dims {differ}; export it with dynamic_batch=False")


def _same(a, b):
    if isinstance(a, Tensor) or isinstance(a, np.ndarray):
        a, b = _array(a), _array(b)
        return isinstance(b, np.ndarray) and a.shape == b.shape and a.dtype == b.dtype and \
            np.array_equal(a, b, equal_nan=True)
    if isinstance(a, (tuple, list)):
        return isinstance(b, (tuple, list)) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, slice):
        return isinstance(b, slice) and _same((a.start, a.stop, a.step), (b.start, b.stop, b.step))
    try:
        return bool(a == b)
    except Exception:
        return a is b


def _batch_sized(a, b):
    """True for a constant that is the same but for its batch length (like ones(x.shape[0], 4))."""
    if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)) or a.ndim != b.ndim or a.ndim == 0:
        return False
    n = min(len(a), len(b))
    return a.shape[1:] == b.shape[1:] and a.shape[0] != b.shape[0] and np.array_equal(a[:n], b[:n])


def _describe(x):
    a = _array(x)
    return f"shape {tuple(a.shape)}" if isinstance(a, np.ndarray) else repr(a)[:40]


def _check_traces(calls_a, calls_b, live_a, live_b, shape_params, start=0):
    """The two traces must run the same ops on the same constants."""
    if [c.name for c in calls_a] != [c.name for c in calls_b]:
        ops_a, ops_b = [c.name for c in calls_a], [c.name for c in calls_b]
        k = next((i for i, (x, y) in enumerate(zip(ops_a, ops_b)) if x != y), min(len(ops_a), len(ops_b)))
        raise ExportError(
            f"the forward pass ran different ops for two inputs (op #{k}: "
            f"{ops_a[k] if k < len(ops_a) else 'end'} vs {ops_b[k] if k < len(ops_b) else 'end'}); "
            "control flow that depends on the input values or the batch size can't be traced")
    for k, (a, b) in enumerate(zip(calls_a, calls_b), start=start):
        for i, (x, y) in enumerate(zip(a.inputs, b.inputs)):
            if live_a(x) != live_b(y):
                raise ExportError(f"op #{k} ({a.name}): input {i} comes from the model input in one trace only")
            if not live_a(x) and not _same(x, y) and _batch_sized(_array(x), _array(y)):
                raise ExportError(
                    f"op #{k} ({a.name}): input {i} is a constant whose shape follows the batch size "
                    f"({_describe(x)} at batch 2, {_describe(y)} at batch 3), e.g. ag.zeros(x.shape[0], ...) "
                    "made in forward; a constant can't follow a dynamic batch. Export with "
                    "dynamic_batch=False (a fixed batch size), or build it from the input with tensor ops")
            if not live_a(x) and not _same(x, y):
                raise ExportError(
                    f"op #{k} ({a.name}): input {i} ({_describe(x)}) is computed from the input outside the "
                    "traced ops (numpy on .numpy()/._data, e.g. a mask like x._data > 0 as in F.leaky_relu; "
                    "argmax; randomness), so it would be baked into the file as a constant. Write that step "
                    "with tensor ops (ag.where(x > 0, ...)) or use the layer (nn.LeakyReLU...), or export "
                    "with dynamic_batch=False if it only depends on the batch size")
        for key in a.params:
            if key in shape_params.get(a.name, ()):
                continue
            if not _same(a.params[key], b.params.get(key)):
                raise ExportError(f"op #{k} ({a.name}): its {key}={a.params[key]!r} changes with the input "
                                  f"(saw {b.params.get(key)!r} too); it can't be exported as a constant")


# --------------------------------------------------------------------------- export


def export_onnx(model, example_input, path, input_names=("input",), output_names=("output",),
                dynamic_batch=True, opset=17):
    """Write ``model`` (in eval mode) as an ONNX file at ``path`` and return the onnx ModelProto.

    ``example_input``: a Tensor (or a tuple of Tensors) with the shape and dtype of a real input.
    ``dynamic_batch``: the first dim of every input and output is a symbolic "batch".
    The file is checked with ``onnx.checker.check_model(full_check=True)`` and written atomically.
    Raises ExportError naming the op when something in the forward pass has no ONNX equivalent.
    """
    onnx, helper, numpy_helper = _onnx()
    if not _MIN_OPSET <= opset <= onnx.defs.onnx_opset_version():
        raise ValueError(f"export_onnx: opset must be between {_MIN_OPSET} and "
                         f"{onnx.defs.onnx_opset_version()} (this onnx), got {opset}")
    inputs = example_input if isinstance(example_input, (tuple, list)) else (example_input,)
    inputs = tuple(x if isinstance(x, Tensor) else ag.tensor(x) for x in inputs)
    input_names, output_names = list(input_names), list(output_names)
    if len(input_names) != len(inputs):
        raise ValueError(f"export_onnx: {len(inputs)} example inputs but {len(input_names)} input_names")
    if dynamic_batch and any(x.ndim == 0 for x in inputs):
        raise ValueError("export_onnx: dynamic_batch=True needs inputs with a batch dim; got a 0-d input")

    modes = [(m, m.training) for m in model.modules()] if hasattr(model, "modules") else []
    if hasattr(model, "eval"):
        model.eval()
    try:
        ins_a, ins_b = _trace_inputs(inputs, dynamic_batch)
        calls_a, out_a = _trace(model, ins_a)
        calls_b, out_b = _trace(model, ins_b)
    finally:
        for m, training in modes:
            m.training = training

    outs_a = out_a if isinstance(out_a, (tuple, list)) else (out_a,)
    outs_b = out_b if isinstance(out_b, (tuple, list)) else (out_b,)
    if len(output_names) != len(outs_a):
        raise ValueError(f"export_onnx: the model returns {len(outs_a)} outputs but output_names has "
                         f"{len(output_names)}")
    param_names = {}
    if hasattr(model, "named_parameters"):
        param_names.update({id(p._data): n for n, p in model.named_parameters()})
    if hasattr(model, "named_buffers"):
        param_names.update({id(b._data): n for n, b in model.named_buffers() if b is not None})

    graph = _Graph(opset, param_names)
    for name, x in zip(input_names, ins_a):
        graph.names[id(x._data)] = name
        graph._used_names.add(name)
    for name in output_names:
        graph._used_names.add(name)
    live_b = {id(x._data) for x in ins_b}
    for c in calls_b:
        if any(isinstance(_array(x), np.ndarray) and id(_array(x)) in live_b for x in c.inputs):
            live_b.add(id(c.out._data) if isinstance(c.out, Tensor) else None)

    def is_live_a(x):
        return graph.is_live(x)

    def is_live_b(x):
        a = _array(x)
        return isinstance(a, np.ndarray) and id(a) in live_b

    dyn = _Dynamic(calls_b)
    # walk trace A, emitting nodes for ops on live values and folding ops on constants;
    # the comparison with trace B is made op by op, as liveness is only known in order
    shape_params = {"Reshape": ("shape",), "Expand": ("shape",)}
    if len(calls_a) != len(calls_b):
        _check_traces(calls_a, calls_b, is_live_a, is_live_b, shape_params)
    for k, call in enumerate(calls_a):
        dyn.index[id(call)] = k
        live = any(graph.is_live(x) for x in call.inputs)
        emit = _LAYER_OPS.get(call.name) if not isinstance(call.op, (type, str)) else _OPS.get(call.name)
        if emit is None and live:
            raise ExportError(_unsupported(call, k))
        _check_traces([call], [calls_b[k]], is_live_a, is_live_b, shape_params, start=k)
        if isinstance(call.out, (tuple, list)) or not isinstance(call.out, Tensor):
            raise ExportError(f"op #{k} ({call.name}) returns {type(call.out).__name__}; only ops with one "
                              "tensor output are exportable")
        if not live:  # constants only (weight.T, a scale...): fold into one initializer
            src = next((graph.param_names.get(id(_array(x))) or graph.folded.get(id(_array(x)))
                        for x in call.inputs if isinstance(_array(x), np.ndarray)
                        and (id(_array(x)) in graph.param_names or id(_array(x)) in graph.folded)), None)
            graph.folded[id(call.out._data)] = f"{src}.{call.name}" if src else "const"
            continue
        graph.names[id(call.out._data)] = emit(graph, call, dyn)

    outputs = []
    for name, out_t, other in zip(output_names, outs_a, outs_b):
        if not isinstance(out_t, Tensor):
            raise ExportError(f"the model returned {type(out_t).__name__}; export needs Tensor outputs")
        graph.nodes.append(helper.make_node("Identity", [graph.value(out_t)], [name], name=f"output_{name}"))
        shape = [("batch" if dynamic_batch and i == 0 and a != b else a)
                 for i, (a, b) in enumerate(zip(out_t.shape, other.shape))]
        if dynamic_batch and any(a != b for i, (a, b) in enumerate(zip(out_t.shape, other.shape)) if i > 0):
            raise ExportError(f"output {name!r} changes shape with the batch size beyond its first dim "
                              f"({out_t.shape} vs {other.shape})")
        outputs.append(helper.make_tensor_value_info(
            name, helper.np_dtype_to_tensor_dtype(out_t._data.dtype), shape))
    graph_inputs = [helper.make_tensor_value_info(
        name, helper.np_dtype_to_tensor_dtype(x._data.dtype),
        (["batch"] + list(x.shape[1:])) if dynamic_batch else list(x.shape))
        for name, x in zip(input_names, inputs)]

    onnx_graph = helper.make_graph(graph.nodes, type(model).__name__, graph_inputs, outputs,
                                   initializer=graph.initializers)
    opset_ids = [helper.make_opsetid("", opset)]
    proto = helper.make_model(onnx_graph, opset_imports=opset_ids, producer_name="seegrad",
                              ir_version=helper.find_min_ir_version_for(opset_ids))
    try:
        onnx.checker.check_model(proto, full_check=True)
    except Exception as err:
        raise ExportError(f"the exported graph failed onnx.checker (a bug in the exporter; please report "
                          f"it with the model): {err}") from None
    _write_atomic(proto.SerializeToString(), path)
    return proto


def _trace_inputs(inputs, dynamic_batch):
    """Two sets of inputs with different values (and, for a dynamic batch, batch sizes 2 and 3)."""
    rng = np.random.default_rng(0)

    def variant(x, batch, seed_shift):
        a = x._data
        if dynamic_batch:
            reps = -(-batch // a.shape[0])
            a = np.concatenate([a] * reps, axis=0)[:batch]
        if a.dtype.kind == "f":
            noise = rng.standard_normal(a.shape).astype(a.dtype)
            a = a + (0.25 + 0.1 * seed_shift) * noise * (np.abs(a).mean() + 1)
        return ag.from_numpy(np.ascontiguousarray(a))

    if dynamic_batch:
        return tuple(variant(x, 2, 0) for x in inputs), tuple(variant(x, 3, 1) for x in inputs)
    return tuple(variant(x, None, 0) for x in inputs), tuple(variant(x, None, 1) for x in inputs)


def _unsupported(call, k):
    shapes = ", ".join(_describe(x) for x in call.inputs)
    what = f"layer {call.name}" if not isinstance(call.op, (type, str)) else f"op {call.name} ({call.name}Backward0)"
    return (f"export_onnx: {what} at op #{k} (inputs: {shapes}) has no ONNX translation. Exportable ops: "
            f"{', '.join(sorted(_OPS))}; layers: {', '.join(sorted(_LAYER_OPS))}")


def _write_atomic(data, path):
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".onnx", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


# --------------------------------------------------------------------------- the command


def main(argv=None):
    """``seegrad-export RUN_OR_WEIGHTS [-o model.onnx]``: export saved weights to ONNX and
    check the file in onnxruntime against the framework on a random batch."""
    import argparse
    import sys

    from seegrad import serving

    p = argparse.ArgumentParser(prog="seegrad-export", description=main.__doc__)
    p.add_argument("weights", help="nn.save weights (model.npz) or a seegrad train output folder")
    p.add_argument("-o", "--out", help="the ONNX file to write (default: model.onnx beside the weights)")
    p.add_argument("--model-def", help="package.module:function returning the nn.Module (default: the "
                                       "config.json of the seegrad train run)")
    p.add_argument("--input-shape", type=serving._parse_shape, help="shape of one instance, e.g. 1,28,28")
    p.add_argument("--opset", type=int, default=17)
    args = p.parse_args(argv)
    weights = args.weights
    if os.path.isdir(weights):
        weights = os.path.join(weights, "model.npz")
    out = args.out or os.path.join(os.path.dirname(os.path.abspath(weights)), "model.onnx")
    try:
        model, input_shape = serving.load_model(weights, args.model_def, args.input_shape)
        ag.manual_seed(0)
        export_onnx(model, ag.randn(2, *input_shape), out, opset=args.opset)
    except (serving.ModelLoadError, ExportError, ImportError, ValueError, OSError) as err:
        print(f"export_onnx: error: {serving._one_line(err)}", file=sys.stderr)
        return 2
    print(f"wrote {out} (input: (batch, {', '.join(map(str, input_shape))}))")
    try:
        import onnxruntime as ort
    except ImportError:
        print("onnxruntime is not installed: the file was checked with onnx.checker only")
        return 0
    x = ag.randn(16, *input_shape)
    with ag.no_grad():
        expected = model(x).numpy()
    got = ort.InferenceSession(out, providers=["CPUExecutionProvider"]).run(None, {"input": x.numpy()})[0]
    diff = float(np.abs(got - expected).max())
    print(f"onnxruntime vs seegrad on a random batch of 16: max |difference| = {diff:.2e}")
    return 0 if diff <= 1e-4 * max(1.0, float(np.abs(expected).max())) else 1


if __name__ == "__main__":
    import sys

    sys.exit(main())
