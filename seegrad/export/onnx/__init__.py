"""Export a model to ONNX by tracing the ops its forward pass runs.

    from seegrad.export import export_onnx
    export_onnx(model, ag.randn(1, 784), "model.onnx")     # then: onnxruntime, or seegrad-serve
    seegrad-export run1                                    # a seegrad train run folder -> run1/model.onnx

How, one module per step:

    trace.py    run the forward pass twice (batch sizes 2 and 3, different values), writing down
                every op (each ``Function.apply``, each comparison) and the layers exported whole;
                the two traces must agree (same ops, same constants), which catches what a trace
                can't see and tells which reshape dims follow the batch size
    ops.py      the tables, keyed by class: each op or layer becomes one or a few ONNX nodes
    graph.py    the ONNX graph being built: parameters and other constants become initializers,
                ops whose inputs are all constants (like ``weight.T``) fold into one initializer
    export.py   export_onnx: trace, translate, check with onnx.checker, write atomically;
                and the ``seegrad-export`` command

onnx is an optional dependency (``pip install 'seegrad[onnx]'``).
"""
from .export import ExportError, export_onnx, main

__all__ = ["export_onnx", "ExportError", "main"]
