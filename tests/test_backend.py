"""Device discipline without a GPU: a stand-in "cuda" backend on the CPU.

Its arrays are a NumPy subclass that, like CuPy's, refuses implicit conversion (``__array__``
raises) and its module forwards to NumPy but hands back its own arrays. An op that calls
``np.zeros(...)`` where it should call ``xp.zeros(...)`` produces a plain NumPy array in the
middle of a "cuda" computation, which the device checks and the assertions below catch.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

import ndgrad
from ndgrad import _backend


class FakeCudaArray(np.ndarray):
    """A "device" array: results stay on the device, 0-d results stay arrays (as in CuPy)."""

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        raise TypeError("Implicit conversion to a NumPy array is not allowed. Please use `.get()`")

    def __array_wrap__(self, arr: Any, context: Any = None, return_scalar: bool = False) -> Any:
        return super().__array_wrap__(arr, context, False)

    def __array_function__(self, func: Any, types_: Any, args: Any, kwargs: Any) -> Any:
        # CuPy dispatches np.where(cupy_array, ...) to cupy.where: so do we
        return _to_device(func(*_to_host(args), **_to_host(kwargs)))

    def __getitem__(self, index: Any) -> Any:
        return _to_device(super().__getitem__(index))

    def get(self) -> np.ndarray:
        return np.asarray(self.view(np.ndarray)).copy()


def _to_host(x: Any) -> Any:
    if isinstance(x, FakeCudaArray):
        return x.view(np.ndarray)
    if isinstance(x, list | tuple):
        return type(x)(_to_host(v) for v in x)
    if isinstance(x, dict):
        return {k: _to_host(v) for k, v in x.items()}
    return x


def _to_device(x: Any) -> Any:
    if type(x) is np.ndarray:
        return x.view(FakeCudaArray)
    if isinstance(x, np.generic):
        return np.asarray(x).view(FakeCudaArray)
    if isinstance(x, list | tuple):
        return type(x)(_to_device(v) for v in x)
    return x


def _forward(fn: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return _to_device(fn(*_to_host(args), **_to_host(kwargs)))

    return wrapper


def _namespace(mod: types.ModuleType, name: str) -> types.ModuleType:
    """A module that forwards to ``mod``: functions return FakeCudaArrays; ufuncs, dtypes and
    constants are NumPy's own (ufuncs keep the subclass by themselves)."""
    fake = types.ModuleType(name)

    def getattr_(attr: str) -> Any:
        value = getattr(mod, attr)
        if isinstance(value, types.ModuleType):
            return _namespace(value, f"{name}.{attr}")
        if isinstance(value, type | np.ufunc) or not callable(value):
            return value
        return _forward(value)

    fake.__getattr__ = getattr_  # type: ignore[method-assign]
    return fake


fake_cuda_module = _namespace(np, "fakecupy")


@pytest.fixture
def cuda() -> Iterator[None]:
    _backend.register_backend("cuda", fake_cuda_module, FakeCudaArray)
    try:
        yield
    finally:
        _backend.unregister_backend("cuda")


def on_device(t: ndgrad.Tensor) -> bool:
    return type(t.array) is FakeCudaArray and t.device == "cuda" and t.is_cuda


def test_stand_in_refuses_implicit_conversion(cuda: None) -> None:
    a = fake_cuda_module.zeros(3)
    assert (
        type(a) is FakeCudaArray and type(a + 1) is FakeCudaArray and type(a.sum()) is FakeCudaArray
    )
    with pytest.raises(TypeError, match="Implicit conversion"):
        a.__array__()


def test_to_cuda_and_back(cuda: None) -> None:
    x = ndgrad.tensor([[1.0, 2.0], [3.0, 4.0]])
    y = x.cuda()
    assert on_device(y) and y.dtype == ndgrad.float32
    assert y.to("cpu").device == "cpu" and type(y.cpu().array) is np.ndarray
    assert y.tolist() == [[1.0, 2.0], [3.0, 4.0]] and y.sum().item() == 10.0
    assert (
        on_device(x.to("cuda", ndgrad.float64))
        and x.to("cuda", ndgrad.float64).dtype == ndgrad.float64
    )
    assert y.to("cuda") is y
    assert "device='cuda:0'" in repr(y)
    with pytest.raises(TypeError, match="cpu"):
        y.numpy()
    np.testing.assert_array_equal(np.asarray(y), x.numpy())


def test_factories_on_cuda(cuda: None) -> None:
    made = [
        ndgrad.zeros(2, 3, device="cuda"),
        ndgrad.ones(2, device="cuda"),
        ndgrad.full((2,), 3.0, device="cuda"),
        ndgrad.empty(2, device="cuda"),
        ndgrad.arange(5, device="cuda"),
        ndgrad.linspace(0, 1, 4, device="cuda"),
        ndgrad.eye(3, device="cuda"),
        ndgrad.tensor([1.0, 2.0], device="cuda"),
        ndgrad.rand(2, device="cuda"),
        ndgrad.randn(2, 2, device="cuda"),
        ndgrad.randint(0, 4, (3,), device="cuda"),
        ndgrad.randperm(4, device="cuda"),
        ndgrad.normal(0.0, 1.0, (2,), device="cuda"),
    ]
    x = ndgrad.ones(2, 2, device="cuda")
    made += [
        ndgrad.zeros_like(x),
        ndgrad.ones_like(x),
        ndgrad.full_like(x, 2.0),
        ndgrad.rand_like(x),
    ]
    made += [
        ndgrad.randn_like(x),
        ndgrad.empty_like(x),
        ndgrad.bernoulli(ndgrad.full((3,), 0.5, device="cuda")),
    ]
    made += [ndgrad.multinomial(ndgrad.tensor([0.2, 0.8], device="cuda"), 2, replacement=True)]
    for i, t in enumerate(made):
        assert on_device(t), (i, type(t.array))


def test_same_random_numbers_on_both_devices(cuda: None) -> None:
    ndgrad.manual_seed(3)
    a = ndgrad.randn(4)
    ndgrad.manual_seed(3)
    b = ndgrad.randn(4, device="cuda")
    assert a.tolist() == b.tolist()


def _model(device: str) -> tuple[list[float], list[list[float]]]:
    rng = np.random.default_rng(0)
    xv, wv, bv = rng.standard_normal((4, 3)), rng.standard_normal((3, 2)), rng.standard_normal(2)
    x = ndgrad.tensor(xv, dtype=ndgrad.float32, device=device)
    w = ndgrad.tensor(wv, dtype=ndgrad.float32, device=device, requires_grad=True)
    b = ndgrad.tensor(bv, dtype=ndgrad.float32, device=device, requires_grad=True)
    h = (x @ w + b).tanh()
    h = h * h.sigmoid() - (h.exp() + 1).log() / 2 + h.relu() ** 2
    h = h.reshape(2, 4).clamp(-2.0, 2.0)
    loss = h.mean() + (h.sum(0) * 0.1).sum() + (h.abs() / 3).max() + h.sqrt().nan_to_num().sum()
    assert loss.device == device and loss.shape == ()
    loss.backward()
    assert w.grad.device == device and b.grad.device == device
    return [loss.item()], w.grad.tolist() + [b.grad.tolist()]


def test_model_forward_backward_matches_cpu(cuda: None) -> None:
    cpu_loss, cpu_grads = _model("cpu")
    cuda_loss, cuda_grads = _model("cuda")
    np.testing.assert_allclose(cuda_loss, cpu_loss, rtol=1e-6)
    for a, b in zip(cuda_grads, cpu_grads, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5)


def test_elementwise_ops_stay_on_device(cuda: None) -> None:
    x = ndgrad.tensor([[0.5, -1.0], [2.0, 0.25]], device="cuda", requires_grad=True)
    outs = [
        x + 1,
        2 - x,
        x * x,
        x / 3,
        1 / x,
        x**2,
        2**x,
        x.exp(),
        x.log(),
        x.abs(),
        x.sin(),
        x.cos(),
        x.tanh(),
        x.sigmoid(),
        x.relu(),
        x.sqrt(),
        x.rsqrt(),
        x.erf(),
        x.clamp(0, 1),
        x.floor(),
        x.sign(),
        ndgrad.maximum(x, x * 2),
        ndgrad.where(x > 0, x, 0.0),
        x.lerp(x * 2, 0.5),
        x // 2,
        x % 2,
        ndgrad.atan2(x, x + 1),
        x > 0,
        x == x,
        x.isnan(),
        x.to(ndgrad.float64),
        x.clone(),
        x.nan_to_num(),
        ndgrad.div(x, 2, rounding_mode="trunc"),
        x.round(),
    ]
    for i, t in enumerate(outs):
        assert on_device(t), (i, type(t.array))
    total = outs[0].sum()
    for t in outs[1:]:
        if t.requires_grad:
            total = total + t.nan_to_num().sum()
    total.backward()
    assert on_device(x.grad)


def test_inplace_ops_stay_on_device(cuda: None) -> None:
    x = ndgrad.ones(3, device="cuda")
    x.add_(1).mul_(3).sub_(1).div_(5).clamp_(0, 0.5)
    x.copy_(ndgrad.tensor([1.0, 2.0, 3.0]))  # copy_ moves the source to this device
    assert on_device(x) and x.tolist() == [1.0, 2.0, 3.0]
    x.zero_()
    x.fill_(2.0)
    x += 1
    assert on_device(x) and x.tolist() == [3.0, 3.0, 3.0]


def test_mixing_devices_raises(cuda: None) -> None:
    a = ndgrad.ones(2)
    b = ndgrad.ones(2, device="cuda")
    m = ndgrad.ones(2, 2, device="cuda")
    for fn in (
        lambda: a + b,
        lambda: b * a,
        lambda: ndgrad.maximum(a, b),
        lambda: ndgrad.where(a > 0, a, b),
        lambda: m @ a,
        lambda: ndgrad.ones(3, 2) @ b,
    ):
        with pytest.raises(RuntimeError, match="same device"):
            fn()
    # Python numbers and 0-d CPU tensors... are not tensors on another device: numbers are fine
    assert on_device(b + 1.5)


def test_registration_is_undone() -> None:
    assert "cuda" not in _backend._MODULES
    assert FakeCudaArray not in _backend._ARRAY_TYPES
