"""PyTorch compatibility of what programs print, compare and catch: node names and error types."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
import torch

import ndgrad

# Expressions over x, y (3x4), w (4x3), b (3,) requiring grad and c (class indices, long).
SAME_NODE_NAME = [
    "x + y", "x - y", "x * y", "x / y", "x + 1", "x * 2", "-x", "x ** 2", "x.pow(3)",
    "x.exp()", "x.log()", "x.abs().sqrt()", "x.sin()", "x.cos()", "x.tan()", "x.tanh()",
    "x.sigmoid()", "x.relu()", "x.abs()", "x.log1p()", "x.expm1()", "x.reciprocal()", "x.erf()",
    "x.sinh()", "x.asin()", "x.sign()", "x.floor()", "x.atan2(y)",
    "x.sum()", "x.mean()", "x.prod()", "x.max()", "x.min()", "x.norm()", "x.logsumexp(1)",
    "x.cumsum(1)", "x.cumprod(1)",
    "x @ w", "x.mm(w)", "F.linear(x, w.t(), b)", "x[:3, :3].det()",
    "x.view(12)", "x.reshape(4, 3)", "x.flatten()", "x.permute(1, 0)", "x.expand(2, 3, 4)",
    "x[:, 1:]", "x.narrow(1, 0, 2)", "x.flip(0)", "x.roll(1, 1)", "x.tril()", "x.diagonal()",
    "F.pad(x, (1, 1))", "T.cat([x, y])", "x.chunk(2, 1)[0]", "x.split(2, 1)[1]", "x.unbind(0)[0]",
    "x.clone()", "x.double()", "x.to(T.float64)", "T.where(x > 0, x, y)", "x.maximum(y)",
    "x.clamp(0, 1)", "x.softmax(1)", "x.log_softmax(1)", "F.gelu(x)", "F.leaky_relu(x)",
    "F.elu(x)", "F.silu(x)", "F.softplus(x)", "F.hardtanh(x)", "F.logsigmoid(x)",
    "F.dropout(x, 0.5)", "F.embedding(c, w.t())", "F.layer_norm(x, (4,))", "F.normalize(x)",
    "F.conv2d(x.view(1, 1, 3, 4), w.view(1, 1, 4, 3)[:, :, :2, :2])",
    "F.max_pool2d(x.view(1, 1, 3, 4), 2)", "F.avg_pool2d(x.view(1, 1, 3, 4), 2)",
]  # fmt: skip

# Where one ndgrad op class stands for several PyTorch nodes, its name is the most common one
# (autograd/_node_names.py); these expressions get another. When one starts to match, move it up.
DIFFERENT_NODE_NAME = {
    "x.sum(0)": "SumBackward0",  # PyTorch: SumBackward1 (a sum over dims)
    "x.mean(1)": "MeanBackward0",
    "x ** y.abs()": "PowBackward0",  # PyTorch: PowBackward1 (tensor exponent)
    "x.t()": "PermuteBackward0",
    "x.transpose(0, 1)": "PermuteBackward0",
    "x.unsqueeze(0)": "ViewBackward0",
    "x[0]": "SliceBackward0",
    "T.stack([x, y])": "CatBackward0",
    "x.var()": "DivBackward0",  # composed of ops; PyTorch has one node
    "F.mse_loss(x, y)": "MeanBackward0",
}


def _node_names(lib: Any, exprs: list[str]) -> dict[str, str | None]:
    T, F = lib, lib.nn.functional  # noqa: N806  (the names the expressions use)
    T.manual_seed(0)
    x = T.randn(3, 4, requires_grad=True)
    y = T.randn(3, 4, requires_grad=True)
    w = T.randn(4, 3, requires_grad=True)
    b = T.randn(3, requires_grad=True)
    c = T.tensor([0, 2, 1])
    env = {"T": T, "F": F, "x": x, "y": y, "w": w, "b": b, "c": c}
    out = {}
    for e in exprs:
        r = eval(e, env)
        out[e] = type(r.grad_fn).__name__
    return out


def test_node_names_match_torch() -> None:
    ours, theirs = _node_names(ndgrad, SAME_NODE_NAME), _node_names(torch, SAME_NODE_NAME)
    assert {e: n for e, n in ours.items() if n != theirs[e]} == {}
    assert len(SAME_NODE_NAME) >= 40


def test_node_names_known_differences() -> None:
    exprs = list(DIFFERENT_NODE_NAME)
    ours, theirs = _node_names(ndgrad, exprs), _node_names(torch, exprs)
    assert ours == DIFFERENT_NODE_NAME
    assert all(ours[e] != theirs[e] for e in exprs)


def test_node_name_in_repr_and_name() -> None:
    x = ndgrad.ones(2, requires_grad=True)
    y = x * 2
    assert repr(y.grad_fn) == "<MulBackward0>" and y.grad_fn.name() == "MulBackward0"
    assert type(y.grad_fn).__qualname__ == "MulBackward0"
    assert "MulBackward0" in repr(y)
    # the source keeps the short class name: ops.arithmetic.Mul is the class behind the node
    from ndgrad.ops.arithmetic import Mul

    assert type(y.grad_fn) is Mul


def test_user_function_keeps_its_class_name() -> None:
    class Twice(ndgrad.autograd.Function):
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            return x * 2

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            return g * 2

    y = Twice.apply(ndgrad.ones(2, requires_grad=True))
    assert type(y.grad_fn) is Twice and Twice.__name__ == "Twice"


# -- exceptions ---------------------------------------------------------------------------------

BROADCAST = [
    ("a + b", (2, 3), (2, 4)),
    ("a - b", (2, 3), (2, 4)),
    ("a * b", (2, 3), (2, 4)),
    ("a / b", (2, 3), (2, 4)),
    ("a ** b", (2, 3), (2, 4)),
    ("a % b", (2, 3), (2, 4)),
    ("a // b", (2, 3), (2, 4)),
    ("a == b", (2, 3), (2, 4)),
    ("a < b", (2, 3), (2, 4)),
    ("L.maximum(a, b)", (2, 3), (2, 4)),
    ("L.atan2(a, b)", (2, 3), (2, 4)),
    ("L.where(a > 0, a, b)", (2, 3), (2, 4)),
    ("a.add_(b)", (2, 3), (2, 4)),
    ("a.bool() & b.bool()", (2, 3), (2, 4)),
    ("a + b", (3,), (4,)),
    ("a * b", (5, 1, 3), (2, 4)),
    ("a.requires_grad_() * b", (2, 3), (3, 2)),
]


@pytest.mark.parametrize(("expr", "sa", "sb"), BROADCAST)
def test_broadcast_mismatch_is_torch_runtime_error(
    expr: str, sa: tuple[int, ...], sb: tuple[int, ...]
) -> None:
    messages = []
    for lib in (torch, ndgrad):
        env = {"L": lib, "a": lib.ones(*sa), "b": lib.ones(*sb)}
        with pytest.raises(RuntimeError) as info:
            eval(expr, env)
        assert type(info.value) is RuntimeError
        messages.append(str(info.value))
    assert messages[1] == messages[0]


INTEGER_INPUT = [
    ("i.mean()", RuntimeError, r"mean\(\): could not infer output dtype"),
    ("i.std()", RuntimeError, r"std and var only support floating point"),
    ("i.norm()", RuntimeError, r"linalg.vector_norm: Expected a floating point"),
    ("m.det()", RuntimeError, r"linalg.det: Expected a floating point"),
    ("F.softmax(i, 0)", NotImplementedError, r"not implemented for 'Long'"),
    ("F.gelu(i)", NotImplementedError, r"not implemented for 'Long'"),
    ("F.elu(i)", NotImplementedError, r"not implemented for 'Long'"),
    ("F.layer_norm(m, (2,))", NotImplementedError, r"not implemented for 'Long'"),
    ("F.group_norm(m.view(1, 2, 2), 1)", NotImplementedError, r"not implemented for 'Long'"),
    ("F.instance_norm(m.view(1, 2, 2))", NotImplementedError, r"not implemented for 'Long'"),
    ("i.requires_grad_()", RuntimeError, r"floating point"),
]


@pytest.mark.parametrize(("expr", "exc", "pattern"), INTEGER_INPUT)
def test_integer_input_errors_match_torch(expr: str, exc: type, pattern: str) -> None:
    for lib in (torch, ndgrad):
        env = {"F": lib.nn.functional, "i": lib.tensor([1, 2, 3]), "m": lib.tensor([[1, 2], [3, 4]])}
        with pytest.raises(exc, match=pattern) as info:
            eval(expr, env)
        assert type(info.value) is exc, lib.__name__


def test_integer_inputs_that_torch_promotes_still_work() -> None:
    for expr in ["i.exp()", "i.sqrt()", "i.sigmoid()", "i / 2", "i.sum()", "i.prod()"]:
        a = eval(expr, {"i": torch.tensor([1, 2, 3])})
        b = eval(expr, {"i": ndgrad.tensor([1, 2, 3])})
        assert str(a.dtype).removeprefix("torch.") == str(b.dtype).removeprefix("ndgrad.")
        np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-6)


def test_numpy_errors_that_are_not_broadcasting_pass_through() -> None:
    with pytest.raises(RuntimeError, match=re.escape("mat1 and mat2 shapes cannot be multiplied")):
        ndgrad.ones(2, 3) @ ndgrad.ones(4, 5)


BCE = [
    ("[0.5, 0.2]", "[1.5, 0.0]", "all elements of target should be between 0 and 1"),
    ("[0.5, 0.2]", "[-1.0, 0.0]", "all elements of target should be between 0 and 1"),
    ("[1.5, 0.2]", "[1.0, 0.0]", "all elements of input should be between 0 and 1"),
    ("[-0.1, 0.2]", "[1.0, 0.0]", "all elements of input should be between 0 and 1"),
    ("[float('nan'), 0.2]", "[1.0, 0.0]", "all elements of input should be between 0 and 1"),
]


@pytest.mark.parametrize(("inp", "tgt", "message"), BCE)
def test_bce_range_checks_match_torch(inp: str, tgt: str, message: str) -> None:
    for lib in (torch, ndgrad):
        x, t = lib.tensor(eval(inp)), lib.tensor(eval(tgt))
        with pytest.raises(RuntimeError, match=re.escape(message)):
            lib.nn.functional.binary_cross_entropy(x, t)
        with pytest.raises(RuntimeError, match=re.escape(message)):
            lib.nn.BCELoss()(x, t)


def test_bce_target_dtype_must_match() -> None:
    for lib in (torch, ndgrad):
        with pytest.raises(RuntimeError, match="Found dtype Long but expected Float"):
            lib.nn.functional.binary_cross_entropy(lib.tensor([0.5, 0.2]), lib.tensor([1, 0]))


def test_bce_at_the_bounds_is_fine() -> None:
    x = ndgrad.tensor([1.0, 0.0, 0.3], requires_grad=True)
    t = ndgrad.tensor([1.0, 0.0, 0.5])
    loss = ndgrad.nn.functional.binary_cross_entropy(x, t)
    want = torch.nn.functional.binary_cross_entropy(
        torch.tensor([1.0, 0.0, 0.3]), torch.tensor([1.0, 0.0, 0.5])
    )
    assert abs(loss.item() - want.item()) < 1e-6
