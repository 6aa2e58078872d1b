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
    "F.scaled_dot_product_attention(*(t.view(1, 1, 3, 4) for t in (x, y, y)), is_causal=True)",
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
        env = {
            "F": lib.nn.functional,
            "i": lib.tensor([1, 2, 3]),
            "m": lib.tensor([[1, 2], [3, 4]]),
        }
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


# -- legacy constructors and types ----------------------------------------------------------------

LEGACY = [
    "L.Tensor(2, 3).shape",
    "L.Tensor([1, 2])",
    "L.Tensor()",
    "L.Tensor(size=(2, 3)).shape",
    "L.Tensor(L.Size([2, 3])).shape",
    "L.Tensor(np.array([1, 2]))",
    "L.Tensor(L.tensor([1, 2]))",
    "L.Tensor((2, 3))",
    "L.Tensor(3).shape",
    "L.FloatTensor(2, 3).shape",
    "L.LongTensor([1.7, -2.7])",
    "L.BoolTensor([1, 0])",
    "L.ByteTensor(3).dtype",
    "L.FloatTensor(np.array([1, 2]))",
    "L.HalfTensor([1])",
    "L.CharTensor([1])",
    "L.ShortTensor([1, 2])",
    "L.IntTensor(size=(2,)).shape",
    "L.DoubleTensor()",
    "L.FloatTensor([1], device='cpu')",
    "L.ones(2).type()",
    "L.ones(2).long().type()",
    "L.ones(2).bool().type()",
    "L.ones(2).half().type()",
    "L.ones(2, dtype=L.int8).type()",
    "L.ones(2).type(L.LongTensor)",
    "L.ones(2).type('torch.IntTensor')",
    "L.ones(2).type(L.float64)",
    "isinstance(L.ones(2), L.FloatTensor)",
    "isinstance(L.ones(2), L.LongTensor)",
    "isinstance(L.ones(2).long(), L.LongTensor)",
    "isinstance(L.nn.Parameter(L.ones(2)), L.FloatTensor)",
    "repr(L.FloatTensor)",
    "L.ones(2).new(2, 3).shape",
    "L.ones(2).new([1, 2])",
    "L.ones(2).long().new([1.5])",
    "L.ones(2).new().shape",
    "L.tensor([1.0, -2.0, 3.5]).view(L.int32)",
    "L.tensor([1.0, -2.0, 3.5]).view(L.int16).shape",
    "L.tensor([1.0, -2.0, 3.5]).view(L.uint8)",
    "L.ones(2, 4).view(L.float64)",
    "L.ones(3, dtype=L.int64).view(L.float64)",
    "L.ones(2, 3).t().view(L.int32).shape",
    "L.ones(()).view(L.int32)",
    "L.ones(2, requires_grad=True).view(L.int32).requires_grad",
    "L.arange(6.0).resize_(2, 2)",
    "L.arange(4.0).resize_(3, 3)[0]",
    "L.arange(4.0).resize_((4,)).shape",
    "L.arange(4.0).resize_as_(L.ones(2, 2)).shape",
    "L.arange(6.0).resize(2, 3)",
    "(L.ones(2).is_xpu, L.ones(2).is_mps, L.ones(2).is_meta, L.ones(2).is_quantized)",
]


def _show(value: Any) -> Any:
    """A value both libraries print alike: tensors as (dtype name, nested list), the rest as is."""
    if hasattr(value, "tolist") and hasattr(value, "dtype"):
        return (str(value.dtype).split(".")[-1], value.tolist())
    if isinstance(value, tuple):
        return tuple(value)
    return str(value).replace("ndgrad.", "torch.") if not isinstance(value, bool) else value


@pytest.mark.filterwarnings("ignore:non-inplace resize is deprecated")
@pytest.mark.parametrize("expr", LEGACY)
def test_legacy_api_matches_torch(expr: str) -> None:
    ours = _show(eval(expr, {"L": ndgrad, "np": np}))
    theirs = _show(eval(expr, {"L": torch, "np": np}))
    assert ours == theirs


LEGACY_ERRORS = [
    ("L.Tensor([1, 2], dtype=L.float64)", TypeError, r"new\(\) received an invalid combination"),
    ("L.Tensor([1, 2], requires_grad=True)", TypeError, r"new\(\) received an invalid combination"),
    ("L.Tensor(2.5)", TypeError, r"data must be a sequence \(got float\)"),
    ("L.ones(2).type('torch.Foo')", ValueError, r"invalid type: 'torch.Foo'"),
    (
        "L.tensor([1.0, 2.0, 3.0]).view(L.float64)",
        RuntimeError,
        r"self.size\(-1\) must be divisible by 2",
    ),
    (
        "L.ones(3, 3)[:, :2].view(L.float64)",
        RuntimeError,
        r"must be divisible by 2 to view Float as Double",
    ),
    ("L.ones(()).view(L.int8)", RuntimeError, r"self.dim\(\) cannot be 0 to view Float as Char"),
    (
        "L.ones(2, 3).t().view(L.int16)",
        RuntimeError,
        r"self.stride\(-1\) must be 1 to view Float as Short",
    ),
    (
        "L.ones(2, requires_grad=True).resize_(3)",
        RuntimeError,
        "cannot resize variables that require grad",
    ),
    ("L.ones(2).resize(3)", RuntimeError, r"requested resize to 3 \(3 elements in total\)"),
    ("L.autograd.Variable([1, 2])", TypeError, "Variable data has to be a tensor, but got list"),
]


@pytest.mark.filterwarnings("ignore:non-inplace resize is deprecated")
@pytest.mark.parametrize(("expr", "exc", "pattern"), LEGACY_ERRORS)
def test_legacy_errors_match_torch(expr: str, exc: type, pattern: str) -> None:
    for lib in (torch, ndgrad):
        with pytest.raises(exc, match=pattern):
            eval(expr, {"L": lib})


def test_variable_is_a_tensor_sharing_memory() -> None:
    from ndgrad.autograd import Variable

    t = ndgrad.ones(2)
    v = Variable(t, requires_grad=True)
    assert type(v) is ndgrad.Tensor and v is not t and v.requires_grad and not t.requires_grad
    assert v.array is t.array and isinstance(t, Variable)
    w = Variable(v * 2)
    assert w.grad_fn is None and not w.requires_grad
    with pytest.warns(UserWarning, match="volatile"):
        assert not Variable(t, volatile=True).requires_grad
    # the 2017 training step: w.data -= lr * w.grad.data; w.grad.data.zero_()
    (v * v).sum().backward()
    v.data -= 0.5 * v.grad.data
    v.grad.data.zero_()
    assert v.tolist() == [0.0, 0.0] and v.grad.tolist() == [0.0, 0.0]
    with pytest.raises(RuntimeError, match="floating point"):
        Variable(ndgrad.tensor([1, 2]), requires_grad=True)


def test_resize_keeps_leading_values_and_bumps_version() -> None:
    t = ndgrad.arange(6.0)
    version = t._version
    t.resize_(2, 2)
    assert t.tolist() == [[0.0, 1.0], [2.0, 3.0]] and t._version > version
    t.resize_(5)
    assert t[:4].tolist() == [0.0, 1.0, 2.0, 3.0] and t.shape == (5,)


def test_view_dtype_shares_memory() -> None:
    f = ndgrad.zeros(2)
    f.view(ndgrad.int32)[0] = 1065353216  # the bits of 1.0f
    assert f.tolist() == [1.0, 0.0]


# -- device namespaces ----------------------------------------------------------------------------


def test_device_namespaces_answer_as_torch_without_a_gpu() -> None:
    if ndgrad.cuda.is_available() or torch.cuda.is_available():
        pytest.skip("compares the answers of a machine without a GPU")
    for lib in (torch, ndgrad):
        assert lib.accelerator.is_available() is False
        assert lib.accelerator.current_accelerator() is None
        assert lib.accelerator.device_count() == 0
        for call in (lib.accelerator.current_device_index, lib.accelerator.synchronize):
            with pytest.raises(
                RuntimeError, match="Cannot access accelerator device when none is available"
            ):
                call()
        assert lib.cuda.device_count() == 0 and lib.cuda.memory_allocated() == 0
        assert lib.cuda.memory_reserved() == 0 and lib.cuda.max_memory_allocated() == 0
        assert lib.cuda.is_bf16_supported() is False
        lib.cuda.empty_cache()
        lib.cuda.manual_seed_all(0)
        assert lib.backends.mps.is_available() is False and lib.backends.mps.is_built() is False
        assert lib.backends.cudnn.enabled is True and lib.backends.cudnn.deterministic is False
        assert lib.backends.cuda.matmul.allow_tf32 is False
    assert ndgrad.backends.cudnn.is_available() is False  # PyTorch's answer on this machine too
    assert ndgrad.backends.cudnn.is_available() == torch.backends.cudnn.is_available()


def test_device_selection_idiom_of_pytorch_2() -> None:
    acc = ndgrad.accelerator.current_accelerator()
    device = acc if acc is not None and ndgrad.accelerator.is_available() else ndgrad.device("cpu")
    x = ndgrad.ones(2, device=device)
    assert x.device.type == ("cuda" if ndgrad.cuda.is_available() else "cpu")


def test_backend_flags_are_accepted() -> None:
    import ndgrad.backends.cudnn
    import ndgrad.cuda
    from ndgrad.cuda.amp import GradScaler, autocast

    saved = ndgrad.backends.cudnn.benchmark, ndgrad.backends.cudnn.deterministic
    try:
        ndgrad.backends.cudnn.benchmark = True
        ndgrad.backends.cudnn.deterministic = True
        assert ndgrad.backends.cudnn.benchmark
    finally:
        ndgrad.backends.cudnn.benchmark, ndgrad.backends.cudnn.deterministic = saved
    ndgrad.set_float32_matmul_precision("high")
    assert (
        ndgrad.get_float32_matmul_precision() == "high" and ndgrad.backends.cuda.matmul.allow_tf32
    )
    ndgrad.set_float32_matmul_precision("highest")
    assert not ndgrad.backends.cuda.matmul.allow_tf32
    with pytest.raises(RuntimeError):
        ndgrad.set_float32_matmul_precision("fast")
    with ndgrad.backends.cuda.sdp_kernel(enable_flash=False):
        assert not ndgrad.backends.cuda.flash_sdp_enabled()
    assert ndgrad.backends.cuda.flash_sdp_enabled()
    scaler = GradScaler()
    w = ndgrad.nn.Parameter(ndgrad.ones(2))
    opt = ndgrad.optim.SGD([w], lr=0.5)
    with autocast():
        loss = (w * w).sum()
    scaler.scale(loss).backward()
    scaler.step(opt)
    scaler.update()
    assert w.tolist() == [0.0, 0.0]


@pytest.mark.skipif(not ndgrad.cuda.is_available(), reason="needs CuPy and a GPU")
def test_cuda_namespace_on_a_gpu() -> None:
    assert ndgrad.accelerator.is_available() and ndgrad.accelerator.device_count() >= 1
    assert ndgrad.accelerator.current_accelerator() == ndgrad.device("cuda")
    ndgrad.cuda.set_device(0)
    assert ndgrad.cuda.current_device() == 0 == ndgrad.accelerator.current_device_index()
    x = ndgrad.cuda.FloatTensor([1.0, 2.0])
    assert (
        x.is_cuda
        and x.type() == "torch.cuda.FloatTensor"
        and isinstance(x, ndgrad.cuda.FloatTensor)
    )
    assert not isinstance(x, ndgrad.FloatTensor)
    assert ndgrad.cuda.memory_allocated() > 0
    ndgrad.cuda.synchronize()
    ndgrad.accelerator.synchronize()
    assert x.type("torch.FloatTensor").device.type == "cpu"
    assert isinstance(ndgrad.cuda.get_device_name(), str)
    free, total = ndgrad.cuda.mem_get_info()
    assert 0 < free <= total
    del x
    ndgrad.cuda.empty_cache()


# -- method and in-place forms (TensorAliasMixin) --------------------------------------------------

ALIASES = [
    "x.clone().acos_()", "x.clone().erf_()", "x.clone().gt_(y)", "x.clone().eq_(y)",
    "x.greater(y)", "x.less_equal(y)", "x.not_equal(y)", "i.bitwise_and(j)",
    "i.clone().bitwise_xor_(j)",
    "i.bitwise_not()", "x.clone().multiply_(y)", "x.clone().true_divide_(y)", "i.clone().gcd_(j)",
    "x.clone().cumsum_(0)", "m.clone().addmm_(m, m)", "x.fmax(y)", "x.fix()", "x.clone().fix_()",
    "x.float_power(2)", "x.double().float_power_(2)", "x.clone().hypot_(y)",
    "x.clone().logical_and_(y)",
    "m.logdet()", "m.slogdet()[1]", "x.inner(y)", "x.vdot(y)", "x.isposinf()", "x.clone().rsqrt_()",
    "x.clone().exp2_()", "x.clone().floor_divide_(y)", "x.clone().negative_()",
    "x.clone().subtract_(y, alpha=2)", "x.clone().deg2rad_()", "x.clone().xlogy_(y.abs())",
]  # fmt: skip


@pytest.mark.parametrize("expr", ALIASES)
def test_method_and_inplace_forms_match_torch(expr: str) -> None:
    def run(lib: Any) -> Any:
        env = {
            "x": lib.tensor([0.5, -1.5, 2.0]),
            "y": lib.tensor([1.0, 2.0, -3.0]),
            "i": lib.tensor([3, 5, 6]),
            "j": lib.tensor([1, 4, 2]),
            "m": lib.tensor([[1.0, 2.0], [3.0, 4.5]]),
        }
        return _show(eval(expr, env))

    ours, theirs = run(ndgrad), run(torch)
    assert ours[0] == theirs[0]
    np.testing.assert_allclose(
        np.array(ours[1], dtype=float), np.array(theirs[1], dtype=float), rtol=1e-6
    )


def test_inplace_forms_keep_inplace_rules() -> None:
    for lib in (torch, ndgrad):
        with pytest.raises(RuntimeError, match="float_power_ has dtype Float"):
            lib.tensor([1.0, 2.0]).float_power_(2)
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
            lib.ones(2, requires_grad=True).acos_()
        with pytest.raises(RuntimeError, match="can't be cast to the desired output type"):
            lib.tensor([1, 2]).rsqrt_()
    x = ndgrad.tensor([0.5, 0.25], requires_grad=True)
    y = x * 1
    y.erf_()
    y.sum().backward()
    expected = torch.tensor([0.5, 0.25], requires_grad=True)
    (expected * 1).erf_().sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), expected.grad.numpy(), rtol=1e-6)
