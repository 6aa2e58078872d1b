"""The names PyTorch gives the graph nodes of ndgrad's built-in ops, where they are not
``<Class>Backward0``.

``Function.__init_subclass__`` renames every op class defined inside ndgrad to its PyTorch node
name, so ``type(y.grad_fn).__name__`` and ``repr(y.grad_fn)`` read as in PyTorch (``MulBackward0``)
while the source keeps short, greppable class names (``class Mul``). Most ops are
``<Class>Backward0``; this table holds the rest, checked against what torch 2.13 prints
(``tests/test_compat.py``).

One ndgrad class can stand for several PyTorch nodes (``Reshape`` is PyTorch's view, unsqueeze,
squeeze and flatten; ``Sum`` is ``SumBackward0`` over all elements and ``SumBackward1`` over dims):
the name is the class's, so it is the most common of them.
"""

from __future__ import annotations

NODE_NAMES: dict[str, str] = {
    # reductions
    "Amax": "MaxBackward1",  # x.max(); x.amax(dim) is AmaxBackward0 in PyTorch
    "Amin": "MinBackward1",
    "Median": "MedianBackward0",
    "PNorm": "LinalgVectorNormBackward0",
    "VectorNorm": "LinalgVectorNormBackward0",
    "LogSumExp": "LogsumexpBackward0",
    "LogCumSumExp": "LogcumsumexpBackward0",
    # linear algebra
    "MatMul": "MmBackward0",
    "Linear": "AddmmBackward0",  # F.linear with a bias on a 2-D input
    "Inv": "LinalgInvExBackward0",
    "Det": "LinalgDetBackward0",
    "LogAbsDet": "LinalgSlogdetBackward0",
    "Solve": "LinalgSolveExBackward0",
    "SvdVals": "LinalgSvdBackward0",
    # shape and indexing
    "Reshape": "ViewBackward0",
    "Index": "SliceBackward0",  # x[:, 1:]; x[0] is SelectBackward0, x[idx] IndexBackward0
    "IndexAccumulate": "IndexAddBackward0",
    "TakeAlongDim": "GatherBackward0",
    "PutAlongDim": "ScatterBackward0",
    "ConstantPad": "ConstantPadNdBackward0",
    "Cast": "ToCopyBackward0",
    "Copy": "CopyBackwards",
    "Fill": "FillBackward3",
    # elementwise
    "Log1p": "Log1PBackward0",
    "Clamp": "ClampBackward1",
    "GeluDeriv": "GeluBackwardBackward0",
    # nn
    "Conv": "ConvolutionBackward0",
    "ConvTranspose": "ConvolutionBackward0",
    "ConvWeight": "ConvolutionBackwardBackward0",
    "Unfold": "UnfoldBackward0",  # Tensor.unfold (F.unfold's op is Im2Col, F.fold's Col2Im)
    "PoolGather": "MaxPool2DWithIndicesBackward0",
    "PoolScatter": "MaxPool2DWithIndicesBackwardBackward0",
    "AvgPool": "AvgPool2DBackward0",
    "AvgPoolAdjoint": "AvgPool2DBackwardBackward0",
    "Standardize": "NativeLayerNormBackward0",
    "EmbeddingGrad": "EmbeddingBackwardBackward0",
    "Attention": "ScaledDotProductFlashAttentionForCpuBackward0",
    "AttentionProbs": "ScaledDotProductFlashAttentionForCpuBackward0",
    "CrossEntropy": "NllLossBackward0",  # PyTorch's cross_entropy ends in nll_loss
    "NLLLoss": "NllLossBackward0",
    "CTCLoss": "CtcLossBackward0",
    "CheckpointFunction": "CheckpointFunctionBackward",
}


def node_name(module: str, cls_name: str) -> str:
    """PyTorch's name for the node of the ndgrad op class ``module.cls_name``."""
    return NODE_NAMES.get(cls_name) or cls_name + "Backward0"
