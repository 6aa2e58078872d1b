"""Export models to ONNX (``ndgrad.onnx.export``), as ``torch.onnx``."""
