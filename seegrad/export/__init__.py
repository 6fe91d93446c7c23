"""Export targets, one folder each: ``seegrad.export.onnx`` writes ONNX files.

    from seegrad.export import export_onnx, ExportError
"""
from .onnx import ExportError, export_onnx

__all__ = ["export_onnx", "ExportError"]
