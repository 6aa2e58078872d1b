"""Random numbers: a ``Generator`` (NumPy's PCG64 underneath) and the sampling factories.

``manual_seed(s)`` reseeds the default generator, so a program run twice gives the same numbers.
Samples are drawn on the host and moved to the tensor's device, so CPU and GPU runs agree.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ndgrad import _backend, _dtype
from ndgrad.ops._util import require_float
from ndgrad.tensor import Tensor


class Generator:
    """A source of random numbers: ``g = ndgrad.Generator().manual_seed(0)``."""

    def __init__(self, device: Any = "cpu") -> None:
        self.device = str(device)
        self._seed = int(np.random.SeedSequence().entropy % (2**63))  # type: ignore[operator]
        self.rng = np.random.default_rng(self._seed)

    def manual_seed(self, seed: int) -> Generator:
        self._seed = int(seed)
        self.rng = np.random.default_rng(self._seed)
        return self

    def seed(self) -> int:
        self.manual_seed(int(np.random.SeedSequence().entropy % (2**63)))  # type: ignore[operator]
        return self._seed

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self) -> Tensor:
        """The state as a uint8 tensor (PyTorch's form), restorable with ``set_state``."""
        import json

        raw = json.dumps(self.rng.bit_generator.state).encode()
        return Tensor._make(np.frombuffer(raw, dtype=np.uint8).copy(), False, None)

    def set_state(self, state: Tensor) -> Generator:
        import json

        self.rng.bit_generator.state = json.loads(
            bytes(np.asarray(state.array, dtype=np.uint8)).decode()
        )
        return self


default_generator = Generator()
default_generator.manual_seed(0x5EED)


def manual_seed(seed: int) -> Generator:
    """Seed the default generator (and NumPy's legacy global one, used by some user code)."""
    seed = int(seed)
    if not 0 <= seed < 2**64:
        raise RuntimeError(f"Overflow when unpacking long: seed must be in [0, 2**64), got {seed}")
    np.random.seed(seed % 2**32)
    return default_generator.manual_seed(seed)


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state() -> Tensor:
    return default_generator.get_state()


def set_rng_state(state: Tensor) -> None:
    default_generator.set_state(state)


def _rng(generator: Generator | None) -> np.random.Generator:
    return (generator or default_generator).rng


def _finish(
    arr: np.ndarray, dtype: Any, device: Any, requires_grad: bool, default: Any = None
) -> Tensor:
    d = _dtype.to_dtype(dtype) if dtype is not None else (default or _dtype.get_default_dtype())
    arr = np.asarray(arr).astype(d.np, copy=False)
    if device is not None and str(device).split(":")[0] != "cpu":
        arr = _backend.module_for(str(device)).asarray(arr)
    t = Tensor._make(arr, False, None)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _size(size: tuple[Any, ...]) -> tuple[int, ...]:
    if len(size) == 1 and isinstance(size[0], tuple | list):
        size = tuple(size[0])
    for s in size:
        if not isinstance(s, int | np.integer):
            raise TypeError(
                f"size must be a tuple of ints, but got an element of type {type(s).__name__}"
            )
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(size)}")
    return tuple(int(s) for s in size)


def rand(
    *size: Any,
    generator: Generator | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Uniform samples on [0, 1)."""
    return _finish(_rng(generator).random(_size(size)), dtype, device, requires_grad)


def randn(
    *size: Any,
    generator: Generator | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Standard normal samples."""
    return _finish(_rng(generator).standard_normal(_size(size)), dtype, device, requires_grad)


def randint(
    low: int,
    high: Any = None,
    size: Any = None,
    *,
    generator: Generator | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Integers uniform on [low, high); ``randint(high, size)`` starts at 0."""
    if size is None:
        if high is None or not isinstance(high, tuple | list):
            raise TypeError("randint() missing required argument 'size'")
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    if low >= high:
        raise RuntimeError(
            f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}"
        )
    arr = _rng(generator).integers(low, high, size=_size(tuple(size)))
    return _finish(arr, dtype, device, requires_grad, default=_dtype.int64)


def randperm(
    n: int,
    *,
    generator: Generator | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """A random permutation of 0..n-1."""
    if n < 0:
        raise RuntimeError(f"n must be non-negative, got{n}")
    return _finish(
        _rng(generator).permutation(n), dtype, device, requires_grad, default=_dtype.int64
    )


def normal(
    mean: Any = 0.0,
    std: Any = 1.0,
    size: Any = None,
    *,
    generator: Generator | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Normal samples with the given mean and std (numbers or tensors, broadcast)."""
    m = mean.array if isinstance(mean, Tensor) else mean
    s = std.array if isinstance(std, Tensor) else std
    if np.any(np.asarray(_backend.to_numpy(s)) < 0):
        raise RuntimeError("normal expects std >= 0.0")
    shape = (
        _size(tuple(size)) if size is not None else np.broadcast_shapes(np.shape(m), np.shape(s))
    )
    ref = mean if isinstance(mean, Tensor) else std if isinstance(std, Tensor) else None
    require_float("normal_kernel_cpu", mean, std)
    if ref is not None and dtype is None:
        dtype = ref.dtype
    arr = _rng(generator).normal(
        _backend.to_numpy(np.asarray(m)) if not isinstance(m, float | int) else m,
        _backend.to_numpy(np.asarray(s)) if not isinstance(s, float | int) else s,
        size=shape,
    )
    return _finish(arr, dtype, device or (ref.device if ref is not None else None), requires_grad)


def bernoulli(input: Tensor, p: Any = None, *, generator: Generator | None = None) -> Tensor:
    """1 with probability ``input`` (or ``p``), else 0, in input's dtype."""
    probs = _backend.to_numpy(input.array) if p is None else np.full(input.shape, p)
    if np.any((probs < 0) | (probs > 1)):
        raise RuntimeError("bernoulli: all input probabilities must be in the range [0, 1]")
    arr = _rng(generator).random(probs.shape) < probs
    return _finish(arr, input.dtype, input.device, False)


def multinomial(
    input: Tensor,
    num_samples: int,
    replacement: bool = False,
    *,
    generator: Generator | None = None,
) -> Tensor:
    """Indices drawn from the categorical distributions in the rows of ``input`` (1-d or 2-d)."""
    probs = np.asarray(_backend.to_numpy(input.array), dtype=np.float64)
    if probs.ndim not in (1, 2):
        raise RuntimeError(f"prob_dist must be 1 or 2 dim, got {probs.ndim}")
    if np.any(probs < 0) or not np.all(np.isfinite(probs)):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    rows = probs.reshape(-1, probs.shape[-1])
    if not replacement and num_samples > rows.shape[1]:
        raise RuntimeError(
            "cannot sample n_sample > prob_dist.size(-1) samples without replacement"
        )
    rng = _rng(generator)
    out = np.empty((rows.shape[0], num_samples), dtype=np.int64)
    for i, r in enumerate(rows):
        total = r.sum()
        if total <= 0:
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        if not replacement and np.count_nonzero(r) < num_samples:
            raise RuntimeError(
                "invalid multinomial distribution (with replacement=False, not enough non-negative "
                "category to sample)"
            )
        out[i] = rng.choice(r.size, size=num_samples, replace=replacement, p=r / total)
    result = out.reshape(probs.shape[:-1] + (num_samples,))
    return _finish(result, _dtype.int64, input.device, False)


def uniform_(
    t: Tensor, a: float = 0.0, b: float = 1.0, *, generator: Generator | None = None
) -> Tensor:
    return _fill_from(t, _rng(generator).uniform(a, b, size=t.shape))


def normal_(
    t: Tensor, mean: float = 0.0, std: float = 1.0, *, generator: Generator | None = None
) -> Tensor:
    return _fill_from(t, _rng(generator).normal(mean, std, size=t.shape))


def bernoulli_(t: Tensor, p: float = 0.5, *, generator: Generator | None = None) -> Tensor:
    return _fill_from(t, _rng(generator).random(t.shape) < p)


def _fill_from(t: Tensor, host: np.ndarray) -> Tensor:
    """Write samples into ``t`` in place (initialisers run under no_grad, like PyTorch's)."""
    from ndgrad.autograd import grad_mode

    if grad_mode.state.enabled and t.requires_grad and t.grad_fn is None:
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation."
        )
    t.array[...] = _backend.xp_of(t.array).asarray(host.astype(t.array.dtype, copy=False))
    t._bump_version()
    return t


def rand_like(
    input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    if dtype is None:
        require_float("check_uniform_bounds", input)
    return rand(
        *input.shape,
        dtype=dtype or input.dtype,
        device=device or input.device,
        requires_grad=requires_grad,
    )


def randn_like(
    input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    if dtype is None:
        require_float("normal_kernel_cpu", input)
    return randn(
        *input.shape,
        dtype=dtype or input.dtype,
        device=device or input.device,
        requires_grad=requires_grad,
    )


def randint_like(
    input: Tensor, low: int, high: Any = None, *, dtype: Any = None, device: Any = None
) -> Tensor:
    if high is None:
        low, high = 0, low
    return randint(
        low, high, tuple(input.shape), dtype=dtype or input.dtype, device=device or input.device
    )
