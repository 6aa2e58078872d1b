"""The Tensor object against PyTorch: construction, conversion, attributes, dtypes and promotion,
printing, factories and random numbers."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import ndgrad

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


def nd_dtype(name: str) -> ndgrad.dtype:
    return getattr(ndgrad, "bool_" if name == "bool" else name)


# -- construction and conversion -----------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        1,
        2.5,
        True,
        [1, 2, 3],
        [1.0, 2.0],
        [[1, 2], [3, 4]],
        [True, False],
        [],
        [[1.5], [2]],
        [1, 2.0],
    ],
)
def test_tensor_from_python_like_torch(data: object) -> None:
    a, b = ndgrad.tensor(data), torch.tensor(data)
    assert str(a.dtype).split(".")[1] == str(b.dtype).split(".")[1]
    assert tuple(a.shape) == tuple(b.shape)
    np.testing.assert_array_equal(a.numpy(), b.numpy())


@pytest.mark.parametrize(
    "np_dtype", [np.float64, np.float32, np.int32, np.int64, np.uint8, np.bool_]
)
def test_tensor_from_numpy_keeps_dtype_and_copies(np_dtype: type) -> None:
    arr = np.arange(6).reshape(2, 3).astype(np_dtype)
    t = ndgrad.tensor(arr)
    assert t.array.dtype == arr.dtype and tuple(t.shape) == (2, 3)
    arr[0, 0] = 1
    assert t[0, 0].item() == 0 or np_dtype is np.bool_  # tensor() copies


def test_from_numpy_shares_memory() -> None:
    arr = np.zeros(3, dtype=np.float32)
    t = ndgrad.from_numpy(arr)
    arr[1] = 5.0
    assert t.tolist() == [0.0, 5.0, 0.0]
    t.array[0] = 2.0
    assert arr[0] == 2.0
    assert t.numpy() is arr


def test_tensor_dtype_device_requires_grad_arguments() -> None:
    t = ndgrad.tensor([1, 2], dtype=ndgrad.float64, device="cpu", requires_grad=True)
    assert t.dtype == ndgrad.float64 and t.device == "cpu" and t.requires_grad and t.is_leaf
    assert str(t.device) == "cpu" and t.device.type == "cpu"


def test_conversions() -> None:
    t = ndgrad.tensor([[1.5, 2.0], [3.0, 4.0]])
    assert t.tolist() == [[1.5, 2.0], [3.0, 4.0]]
    assert ndgrad.tensor(3.5).item() == 3.5 and isinstance(ndgrad.tensor(3).item(), int)
    assert isinstance(np.asarray(t), np.ndarray) and np.asarray(t).shape == (2, 2)
    assert np.asarray(t, dtype=np.float64).dtype == np.float64
    assert float(ndgrad.tensor([2.0])) == 2.0 and int(ndgrad.tensor(3)) == 3
    with pytest.raises(RuntimeError, match="cannot be converted to Scalar"):
        t.item()
    with pytest.raises(RuntimeError, match="Use tensor.detach"):
        ndgrad.ones(2, requires_grad=True).numpy()


@pytest.mark.parametrize("op", ["+", "-", "*", "/", "**"])
def test_ndarray_with_tensor_gives_tensor(op: str) -> None:
    arr = np.full(3, 2.0, dtype=np.float32)
    t = ndgrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for left, right in ((arr, t), (t, arr), (np.float32(2.0), t), (t, np.float64(2.0))):
        res = eval(f"left {op} right")
        assert isinstance(res, ndgrad.Tensor), (type(left), op, type(right))
        assert res.requires_grad
    res = arr + t
    res.sum().backward()
    assert t.grad.tolist() == [1.0, 1.0, 1.0]


def test_attributes() -> None:
    x = ndgrad.ones(2, 3, 4)
    assert x.shape == (2, 3, 4) and x.size() == (2, 3, 4) and x.size(1) == 3 and x.size(-1) == 4
    assert repr(x.shape) == "ndgrad.Size([2, 3, 4])"
    assert x.ndim == 3 and x.dim() == 3 and x.numel() == 24 and len(x) == 2
    assert x.T.shape == (4, 3, 2) and x.mT.shape == (2, 4, 3)
    assert [r.shape for r in x] == [(3, 4), (3, 4)]
    assert x.grad is None and x.grad_fn is None and x.is_leaf and not x.requires_grad
    x.label = "input"
    assert x.name == "input" and x.label == "input"
    with pytest.raises(TypeError):
        len(ndgrad.tensor(1.0))
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.size(3)


def test_only_floating_tensors_require_grad() -> None:
    with pytest.raises(RuntimeError, match="floating point"):
        ndgrad.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="floating point"):
        ndgrad.zeros(2, dtype=ndgrad.int64).requires_grad_()
    with pytest.raises(RuntimeError):
        torch.tensor([1, 2], requires_grad=True)


# -- dtypes and promotion ------------------------------------------------------------------------


def _pair(name: str, values: list[float]) -> tuple[ndgrad.Tensor, torch.Tensor]:
    return ndgrad.tensor(values, dtype=nd_dtype(name)), torch.tensor(
        values, dtype=getattr(torch, name)
    )


@pytest.mark.parametrize("a", DTYPES)
@pytest.mark.parametrize("b", DTYPES)
def test_tensor_tensor_promotion(a: str, b: str) -> None:
    x, tx = _pair(a, [1, 0])
    y, ty = _pair(b, [1, 1])
    assert (x * y).dtype.name == str((tx * ty).dtype).split(".")[1]
    # a 0-d tensor has lower priority within the same category
    y0, ty0 = ndgrad.tensor(1, dtype=nd_dtype(b)), torch.tensor(1, dtype=getattr(torch, b))
    assert (x * y0).dtype.name == str((tx * ty0).dtype).split(".")[1]


@pytest.mark.parametrize("a", DTYPES)
@pytest.mark.parametrize("scalar", [2, 2.5, True])
def test_tensor_scalar_promotion(a: str, scalar: object) -> None:
    x, tx = _pair(a, [1, 0])
    assert (x * scalar).dtype.name == str((tx * scalar).dtype).split(".")[1]
    assert (scalar * x).dtype.name == str((scalar * tx).dtype).split(".")[1]


def test_default_dtype() -> None:
    assert ndgrad.get_default_dtype() == ndgrad.float32
    try:
        ndgrad.set_default_dtype(ndgrad.float64)
        assert ndgrad.tensor([1.0]).dtype == ndgrad.float64
        assert ndgrad.zeros(2).dtype == ndgrad.float64 and ndgrad.randn(2).dtype == ndgrad.float64
        assert (ndgrad.tensor([1]) / 2).dtype == ndgrad.float64
    finally:
        ndgrad.set_default_dtype(ndgrad.float32)
    assert ndgrad.tensor([1.0]).dtype == ndgrad.float32


def test_casts() -> None:
    x = ndgrad.tensor([1.7, -2.2])
    assert x.double().dtype == ndgrad.float64 and x.long().tolist() == [1, -2]
    assert x.to(ndgrad.int32).dtype == ndgrad.int32 and x.int().dtype == ndgrad.int32
    assert x.half().dtype == ndgrad.float16 and x.bool().tolist() == [True, True]
    assert x.to("cpu") is x and x.cpu() is x


# -- printing ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expr",
    [
        "M.tensor([[0.1, 0.2]], requires_grad=True)",
        "M.tensor([[0.1, 0.2]], requires_grad=True) * 2",
        "M.tensor([1, 2], dtype=M.int32)",
        "M.tensor([1.5, 2.0], dtype=M.float64)",
        "M.tensor([1.0, 2.0])",
        "M.tensor(3.5)",
        "M.tensor([True, False])",
        "M.tensor([1, 2, 3])",
        "M.zeros(2, 0)",
        "M.tensor([1e-5, 1.0])",
        "M.tensor([[1.0, -2.5], [3.25, 4.0]])",
        "M.tensor([0.5, 1.0], requires_grad=True).exp()",
    ],
)
def test_repr_like_torch(expr: str) -> None:
    mine = repr(eval(expr, {"M": ndgrad}))
    theirs = repr(eval(expr, {"M": torch})).replace("torch", "ndgrad")
    assert mine == theirs


@pytest.fixture
def reset_printoptions():
    yield
    ndgrad.set_printoptions(profile="default")
    torch.set_printoptions(profile="default")


@pytest.mark.parametrize(
    "options",
    [
        {"precision": 2},
        {"precision": 7, "linewidth": 60},
        {"threshold": 10},
        {"threshold": 10, "edgeitems": 1},
        {"threshold": 5, "edgeitems": 0},
        {"sci_mode": True},
        {"sci_mode": False, "precision": 6},
        {"profile": "short"},
        {"profile": "full"},
        {"linewidth": 40, "threshold": 30, "edgeitems": 2},
    ],
)
def test_printoptions_like_torch(options: dict, reset_printoptions: None) -> None:
    rng = np.random.default_rng(0)
    arrays = [
        np.arange(1200, dtype=np.float32).reshape(30, 40) / 7,
        rng.standard_normal((4, 5, 6)).astype(np.float32),
        rng.standard_normal(25) * 1e5,
        np.array([1e-6, 1.0, 3.0, np.nan, -np.inf], dtype=np.float32),
        np.array([0.0, -0.0], dtype=np.float32),
        np.array([100.0, 2000.0, 3.0], dtype=np.float32),
        np.arange(1500),
        rng.random(40) > 0.5,
        np.array(3.14159, dtype=np.float32),
    ]
    ndgrad.set_printoptions(**options)
    torch.set_printoptions(**options)
    for a in arrays:
        mine = repr(ndgrad.tensor(a, requires_grad=a.dtype == np.float32))
        theirs = repr(torch.tensor(a, requires_grad=a.dtype == np.float32)).replace(
            "torch", "ndgrad"
        )
        assert mine == theirs, (options, a.shape)


def test_set_printoptions_then_default(reset_printoptions: None) -> None:
    x = ndgrad.tensor([1.0 / 3, 2.0])
    ndgrad.set_printoptions(precision=2)
    assert repr(x) == "tensor([0.33, 2.00])"
    ndgrad.set_printoptions(sci_mode=True)  # precision stays, sci_mode is set on every call
    assert repr(x) == "tensor([3.33e-01, 2.00e+00])"
    ndgrad.set_printoptions(profile="default")
    assert repr(x) == "tensor([0.3333, 2.0000])"


# -- factories and random numbers ----------------------------------------------------------------


def test_factories_like_torch() -> None:
    for name, args, kwargs in [
        ("zeros", (2, 3), {}),
        ("ones", ((2, 3),), {}),
        ("full", ((2,), 1.5), {}),
        ("full", ((2,), 7), {}),
        ("arange", (5,), {}),
        ("arange", (0, 1, 0.25), {}),
        ("linspace", (0, 1, 5), {}),
        ("eye", (3,), {}),
        ("eye", (2, 3), {}),
        ("zeros", (2,), {"dtype": "int32"}),
    ]:
        if "dtype" in kwargs:
            a = getattr(ndgrad, name)(*args, dtype=getattr(ndgrad, kwargs["dtype"]))
            b = getattr(torch, name)(*args, dtype=getattr(torch, kwargs["dtype"]))
        else:
            a, b = getattr(ndgrad, name)(*args), getattr(torch, name)(*args)
        assert a.dtype.name == str(b.dtype).split(".")[1], name
        np.testing.assert_allclose(a.numpy(), b.numpy(), err_msg=name)
    x = ndgrad.ones(2, 3, dtype=ndgrad.float64)
    for fn in (
        ndgrad.zeros_like,
        ndgrad.ones_like,
        ndgrad.empty_like,
        ndgrad.rand_like,
        ndgrad.randn_like,
    ):
        y = fn(x)
        assert y.shape == (2, 3) and y.dtype == ndgrad.float64
    assert ndgrad.full_like(x, 4).tolist() == [[4.0] * 3] * 2
    assert ndgrad.empty(2, 3).shape == (2, 3)
    assert ndgrad.zeros(2, requires_grad=True).requires_grad


def test_random_factories_shapes_and_dtypes() -> None:
    assert ndgrad.rand(2, 3).dtype == ndgrad.float32 and ndgrad.randn(4).shape == (4,)
    r = ndgrad.randint(0, 5, (100,))
    assert r.dtype == ndgrad.int64 and 0 <= r.min().item() and r.max().item() < 5
    p = ndgrad.randperm(10)
    assert sorted(p.tolist()) == list(range(10)) and p.dtype == ndgrad.int64
    assert ndgrad.normal(0.0, 1.0, (3,)).shape == (3,)
    assert ndgrad.normal(ndgrad.zeros(3), 1.0).shape == (3,)
    b = ndgrad.bernoulli(ndgrad.full((50,), 0.5))
    assert set(b.tolist()) <= {0.0, 1.0} and b.dtype == ndgrad.float32
    m = ndgrad.multinomial(ndgrad.tensor([0.0, 1.0, 0.0]), 4, replacement=True)
    assert m.tolist() == [1, 1, 1, 1]
    m = ndgrad.multinomial(ndgrad.tensor([0.2, 0.3, 0.5]), 3)
    assert sorted(m.tolist()) == [0, 1, 2]


def test_manual_seed_and_generator_repeat() -> None:
    ndgrad.manual_seed(123)
    a = [ndgrad.randn(3).tolist(), ndgrad.rand(2).tolist(), ndgrad.randint(0, 9, (4,)).tolist()]
    ndgrad.manual_seed(123)
    b = [ndgrad.randn(3).tolist(), ndgrad.rand(2).tolist(), ndgrad.randint(0, 9, (4,)).tolist()]
    assert a == b
    g1, g2 = ndgrad.Generator().manual_seed(7), ndgrad.Generator().manual_seed(7)
    assert ndgrad.randn(5, generator=g1).tolist() == ndgrad.randn(5, generator=g2).tolist()
    ndgrad.manual_seed(0)
    state = ndgrad.get_rng_state()
    first = ndgrad.rand(3).tolist()
    ndgrad.set_rng_state(state)
    assert ndgrad.rand(3).tolist() == first


# -- NumPy's warnings stay quiet, as PyTorch is ---------------------------------------------------


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: x.log(),
        lambda x: x.log2(),
        lambda x: x.log1p(),
        lambda x: x.sqrt(),
        lambda x: x.rsqrt(),
        lambda x: x.reciprocal(),
        lambda x: 1 / x,
        lambda x: x / 0,
        lambda x: (x * 100).exp(),
        lambda x: x**-0.5,
        lambda x: (x * 3).asin(),
        lambda x: (x * 3).acos(),
        lambda x: x % 0.0,
        lambda x: x.fmod(0.0),
    ],
)
def test_no_numpy_runtime_warnings(fn: object) -> None:
    """log(0), 1/0, sqrt(-1)... give inf/nan silently, forward and backward, as in PyTorch.

    (Add, sub and mul stay unguarded to keep the hot path lean: inf - inf still warns.)
    """
    x = ndgrad.tensor([-1.0, 0.0, 0.5, 2.0], requires_grad=True)
    tx = torch.tensor(x.tolist(), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = fn(x)  # type: ignore[operator]
        y.backward(ndgrad.ones_like(y))
        ndgrad.tensor([1, 2]) // ndgrad.tensor([0, 1])
    ty = fn(tx)  # type: ignore[operator]
    ty.backward(torch.ones_like(ty))
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-5)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-5)
