"""Export models to ONNX: ``ndgrad.onnx.export(model, args, "model.onnx")``, as
``torch.onnx.export``.

Needs the ``onnx`` package (``pip install ndgrad[onnx]``), imported only when ``export`` runs.
"""

from ndgrad.onnx._emit import UnsupportedOperatorError
from ndgrad.onnx.export import export

__all__ = ["UnsupportedOperatorError", "export"]
