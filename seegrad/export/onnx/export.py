"""``export_onnx``: trace the model (trace.py), translate each op (ops.py) into an ONNX graph
(graph.py), check it, write it. And the ``seegrad-export`` command.
"""
import os

import numpy as np

import autograd as ag
from autograd import Tensor
from autograd.files import atomic_write_bytes

from .graph import ExportError, Graph, array_of, onnx_modules, output_activation
from .ops import LAYERS, OPS, emitter
from .trace import Dynamic, check_traces, describe, trace, trace_inputs

__all__ = ["export_onnx", "ExportError", "main"]

_MIN_OPSET = 13  # Softmax/LogSoftmax over one axis and ReduceSum's axes input start here


def export_onnx(model, example_input, path, input_names=("input",), output_names=("output",),
                dynamic_batch=True, opset=17):
    """Export (see _export_on_host). A model or inputs on another device (``"cuda"``) are exported
    from the host: the model moves to the CPU for the export and back to its device after it."""
    inputs = example_input if isinstance(example_input, (tuple, list)) else (example_input,)
    where = next((t.device for t in list(model.parameters()) + list(model.buffers()) if t.device.type != "cpu"), None)
    if where is None and not any(isinstance(x, Tensor) and x.device.type != "cpu" for x in inputs):
        return _export_on_host(model, example_input, path, input_names, output_names, dynamic_batch, opset)
    host_inputs = tuple(x.cpu() if isinstance(x, Tensor) else x for x in inputs)
    model.to("cpu")
    try:
        return _export_on_host(model, host_inputs if isinstance(example_input, (tuple, list)) else host_inputs[0],
                               path, input_names, output_names, dynamic_batch, opset)
    finally:
        if where is not None:
            model.to(where)


def _export_on_host(model, example_input, path, input_names=("input",), output_names=("output",),
                    dynamic_batch=True, opset=17):
    """Write ``model`` (in eval mode) as an ONNX file at ``path`` and return the onnx ModelProto.

    ``example_input``: a Tensor (or a tuple of Tensors) with the shape and dtype of a real input.
    ``dynamic_batch``: the first dim of every input and output is a symbolic "batch".
    The file is checked with ``onnx.checker.check_model(full_check=True)`` and written atomically.
    Raises ExportError naming the op when something in the forward pass has no ONNX equivalent.
    """
    onnx, helper, numpy_helper = onnx_modules()
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
        ins_a, ins_b = trace_inputs(inputs, dynamic_batch)
        calls_a, out_a = trace(model, ins_a)
        calls_b, out_b = trace(model, ins_b)
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
        param_names.update({id(array_of(p)): n for n, p in model.named_parameters()})
    if hasattr(model, "named_buffers"):
        param_names.update({id(array_of(b)): n for n, b in model.named_buffers() if b is not None})

    graph = Graph(opset, param_names)
    for name, x in zip(input_names, ins_a):
        graph.names[id(array_of(x))] = graph.reserve(name)
    for name in output_names:
        graph.reserve(name)
    live_b = {id(array_of(x)) for x in ins_b}
    for c in calls_b:
        if any(isinstance(array_of(x), np.ndarray) and id(array_of(x)) in live_b for x in c.inputs):
            live_b.add(id(array_of(c.out)) if isinstance(c.out, Tensor) else None)

    def is_live_a(x):
        return graph.is_live(x)

    def is_live_b(x):
        a = array_of(x)
        return isinstance(a, np.ndarray) and id(a) in live_b

    dyn = Dynamic(calls_b)
    # walk trace A, emitting nodes for ops on live values and folding ops on constants;
    # the comparison with trace B is made op by op, as liveness is only known in order
    if len(calls_a) != len(calls_b):
        check_traces(calls_a, calls_b, is_live_a, is_live_b)
    for k, call in enumerate(calls_a):
        dyn.index[id(call)] = k
        live = any(graph.is_live(x) for x in call.inputs)
        emit = LAYERS.get(call.key) if call.is_layer else emitter(call.key)
        if emit is None and live:
            raise ExportError(_unsupported(call, k))
        check_traces([call], [calls_b[k]], is_live_a, is_live_b, start=k)
        if isinstance(call.out, (tuple, list)) or not isinstance(call.out, Tensor):
            raise ExportError(f"op #{k} ({call.name}) returns {type(call.out).__name__}; only ops with one "
                              "tensor output are exportable")
        if not live:  # constants only (weight.T, a scale...): fold into one initializer
            src = next((graph.param_names.get(id(array_of(x))) or graph.folded.get(id(array_of(x)))
                        for x in call.inputs if isinstance(array_of(x), np.ndarray)
                        and (id(array_of(x)) in graph.param_names or id(array_of(x)) in graph.folded)), None)
            graph.folded[id(array_of(call.out))] = f"{src}.{call.name}" if src else "const"
            continue
        graph.names[id(array_of(call.out))] = emit(graph, call, dyn)

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
            name, helper.np_dtype_to_tensor_dtype(out_t.dtype), shape))
    graph_inputs = [helper.make_tensor_value_info(
        name, helper.np_dtype_to_tensor_dtype(x.dtype),
        (["batch"] + list(x.shape[1:])) if dynamic_batch else list(x.shape))
        for name, x in zip(input_names, inputs)]

    onnx_graph = helper.make_graph(graph.nodes, type(model).__name__, graph_inputs, outputs,
                                   initializer=graph.initializers)
    opset_ids = [helper.make_opsetid("", opset)]
    proto = helper.make_model(onnx_graph, opset_imports=opset_ids, producer_name="seegrad",
                              ir_version=helper.find_min_ir_version_for(opset_ids))
    # a server tells a one-output classifier's probability (sigmoid) from its logit by this
    helper.set_model_props(proto, {"output_activation": output_activation(graph.nodes, output_names[0]) or ""})
    try:
        onnx.checker.check_model(proto, full_check=True)
    except Exception as err:
        raise ExportError(f"the exported graph failed onnx.checker (a bug in the exporter; please report "
                          f"it with the model): {err}") from None
    atomic_write_bytes(path, proto.SerializeToString())
    return proto


def _unsupported(call, k):
    shapes = ", ".join(describe(x) for x in call.inputs)
    what = f"layer {call.name}" if call.is_layer else f"op {call.name} ({call.name}Backward0)"
    return (f"export_onnx: {what} at op #{k} (inputs: {shapes}) has no ONNX translation. Exportable ops: "
            f"{_names(_exportable_ops())}; layers: {_names(LAYERS)}")


def _names(table):
    return ", ".join(sorted(key.__name__ for key in table))


def _exportable_ops():
    """Every registered op class the exporter can translate."""
    classes = {getattr(op.fn, "op", None) for op in ag.function.OPS.values()} | set(OPS)
    return [c for c in classes if isinstance(c, type) and emitter(c) is not None]


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
    p.add_argument("--input-shape", type=serving.parse_shape, help="shape of one instance, e.g. 1,28,28")
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
        print(f"export_onnx: error: {serving.one_line(err)}", file=sys.stderr)
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
