"""ONNX export: ``export_onnx(model, example_input, path)`` and the ``seegrad-export`` command."""
from .export import ExportError, export_onnx, main

__all__ = ["export_onnx", "ExportError", "main"]
