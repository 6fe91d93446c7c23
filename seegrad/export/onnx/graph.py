"""The ONNX graph being built: nodes, initializers, and the ONNX name of each traced array.

Values are known by the identity of their numpy array (``tensor.detach().numpy()`` is the
tensor's storage itself), so an op's input is found again whichever Tensor object wraps it.
"""
import numpy as np

from autograd import Tensor


class ExportError(RuntimeError):
    """The model cannot be exported as it stands (the message says which op and why)."""


def onnx_modules():
    """(onnx, onnx.helper, onnx.numpy_helper), or an ImportError saying what to install."""
    try:
        import onnx
        from onnx import helper, numpy_helper
    except ImportError:
        raise ImportError("export_onnx needs the onnx package: pip install 'seegrad[onnx]' "
                          "(or pip install onnx onnxruntime)") from None
    return onnx, helper, numpy_helper


def array_of(x):
    """The ndarray behind a Tensor (its storage itself, not a copy), or ``x`` for other constants."""
    if isinstance(x, Tensor):
        return x.detach().numpy()
    return x


class Graph:
    """ONNX nodes and initializers being built, and the name of each traced array."""

    def __init__(self, opset, param_names):
        self.opset = opset
        self.nodes, self.initializers = [], []
        self.names = {}          # id(ndarray) -> ONNX value name (graph values and emitted constants)
        self.folded = {}         # id(ndarray) -> (hint) for constants computed from constants
        self.param_names = param_names
        self._named_arrays = []  # every array named by its id: kept alive, so no other array reuses the id
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

    def reserve(self, name):
        """Keep ``name`` (a graph input or output) from being given to any other value."""
        self._used_names.add(name)
        return name

    def node(self, op, inputs, attrs=None, hint=None):
        from onnx import helper

        self._count += 1
        out = self.fresh(hint or f"{op.lower()}_{self._count}")
        self.nodes.append(helper.make_node(op, list(inputs), [out], name=f"{op}_{self._count}", **(attrs or {})))
        return out

    def cast(self, name, dtype):
        """A Cast node of ``name`` to the numpy ``dtype``."""
        from onnx import helper

        return self.node("Cast", [name], {"to": int(helper.np_dtype_to_tensor_dtype(np.dtype(dtype)))})

    def const(self, value, hint="const", dtype=None):
        from onnx import numpy_helper

        arr = np.asarray(value)
        if dtype is not None:
            arr = arr.astype(dtype)
        name = self.fresh(hint)
        if not arr.flags.c_contiguous:  # (not ascontiguousarray always: it makes a 0-d array 1-d)
            arr = np.ascontiguousarray(arr)
        self.initializers.append(numpy_helper.from_array(arr, name))
        return name

    def ints(self, values, hint="shape"):
        return self.const(np.asarray(list(values), dtype=np.int64), hint)

    def is_live(self, x):
        a = array_of(x)
        return isinstance(a, np.ndarray) and id(a) in self.names

    def value(self, x, dtype=None, hint=None):
        """The ONNX name for an op input: a traced value, or a constant made an initializer; with
        ``dtype``, as that dtype (a traced value of another dtype goes through a Cast node, as
        PyTorch promotes an int tensor plus a float)."""
        a = array_of(x)
        if isinstance(a, np.ndarray) and id(a) in self.names:
            name = self.names[id(a)]
            if dtype is not None and a.dtype != np.dtype(dtype):
                name = self.cast(name, dtype)
            return name
        arr = np.asarray(a)
        key = id(a) if isinstance(a, np.ndarray) else None
        if hint is None:
            hint = self.param_names.get(key) or self.folded.get(key) or "const"
        if dtype is not None and arr.dtype != np.bool_ and arr.dtype != dtype:
            return self.const(arr.astype(dtype), hint)  # a converted copy (python numbers mostly)
        name = self.const(arr, hint)
        if key is not None:
            self.names[key] = name
            self._named_arrays.append(a)  # (a temporary array's id could otherwise name a later one)
        return name

    def reduce(self, op, x, axes, keepdims):
        """Reduce* with axes as an attribute (before opset 18) or as an input (from 18; ReduceSum from 13)."""
        attrs = {"keepdims": int(bool(keepdims))}
        if axes is None:
            return self.node(op, [x], attrs)
        if op == "ReduceSum" or self.opset >= 18:
            return self.node(op, [x, self.ints(axes, "axes")], attrs)
        return self.node(op, [x], {**attrs, "axes": list(axes)})


def output_activation(nodes, output):
    """"sigmoid", "softmax" or "log_softmax" when that op makes the graph's ``output`` (through
    Identity nodes), else None: the server tells a one-output classifier's probability from its logit."""
    makers = {out: node for node in nodes for out in node.output}
    node = makers.get(output)
    while node is not None and node.op_type in ("Identity", "Where"):
        node = makers.get(node.input[0]) if node.op_type == "Identity" else _nan_guarded(node, makers)
    return {"Sigmoid": "sigmoid", "Softmax": "softmax", "LogSoftmax": "log_softmax"}.get(getattr(node, "op_type", None))


def _nan_guarded(where, makers):
    """The node a nan guard wraps (ops._nan_where_any's Where(IsNaN reduced over the row > 0, nan, output)),
    or None for any other Where."""
    node = where
    for op in ("Greater", "ReduceMax", "Cast", "IsNaN"):  # (the condition's chain, back to the input)
        node = makers.get(node.input[0])
        if node is None or node.op_type != op:
            return None
    return makers.get(where.input[2])
