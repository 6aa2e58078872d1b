"""Image transforms in torchvision's style: ``Compose([ToTensor(), Normalize(mean, std)])``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import ndgrad
from ndgrad.tensor import Tensor


class Compose:
    """Apply transforms one after another."""

    def __init__(self, transforms: Sequence[Callable[[Any], Any]]) -> None:
        self.transforms = list(transforms)

    def __call__(self, x: Any) -> Any:
        for t in self.transforms:
            x = t(x)
        return x

    def __repr__(self) -> str:
        inner = "".join(f"\n    {t}" for t in self.transforms)
        return f"Compose({inner}\n)"


class ToTensor:
    """A uint8 image (H, W) or (H, W, C) in [0, 255] -> float32 tensor (C, H, W) in [0, 1].

    Float arrays keep their values (no scaling), as torchvision does for non-uint8 input.
    """

    def __call__(self, image: Any) -> Tensor:
        arr = np.asarray(image)
        if arr.ndim == 2:
            arr = arr[:, :, None]
        if arr.ndim != 3:
            raise TypeError(
                f"ToTensor expects an image of 2 or 3 dims (H, W[, C]), got shape {arr.shape}"
            )
        scale = 255.0 if arr.dtype == np.uint8 else 1.0
        return ndgrad.from_numpy(
            np.ascontiguousarray(arr.transpose(2, 0, 1), dtype=np.float32) / np.float32(scale)
        )

    def __repr__(self) -> str:
        return "ToTensor()"


class Normalize:
    """(x - mean) / std per channel of a (C, H, W) tensor."""

    def __init__(self, mean: Sequence[float], std: Sequence[float]) -> None:
        if any(s == 0 for s in std):
            raise ValueError(
                "std evaluated to zero after conversion to float32, leading to division by zero: "
                f"{std}"
            )
        self.mean = np.asarray(mean, dtype=np.float32).reshape(-1, 1, 1)
        self.std = np.asarray(std, dtype=np.float32).reshape(-1, 1, 1)

    def __call__(self, x: Tensor) -> Tensor:
        return (x - Tensor._make(self.mean, False, None)) / Tensor._make(self.std, False, None)

    def __repr__(self) -> str:
        return f"Normalize(mean={self.mean.ravel().tolist()}, std={self.std.ravel().tolist()})"


class RandomCrop:
    """Pad by ``padding`` then cut a random ``size`` window out of a (C, H, W) tensor or (H, W[,
    C]) array."""

    def __init__(
        self, size: int | tuple[int, int], padding: int = 0, generator: Any = None
    ) -> None:
        self.size = (size, size) if isinstance(size, int) else tuple(size)
        self.padding = padding
        self.generator = generator

    def __call__(self, x: Any) -> Any:
        is_tensor = isinstance(x, Tensor)
        arr = x.array if is_tensor else np.asarray(x)
        hw_axes = (1, 2) if is_tensor else (0, 1)
        if self.padding:
            widths = [(0, 0)] * arr.ndim
            for a in hw_axes:
                widths[a] = (self.padding, self.padding)
            arr = np.pad(arr, widths)
        h, w = arr.shape[hw_axes[0]], arr.shape[hw_axes[1]]
        th, tw = self.size
        if h < th or w < tw:
            raise ValueError(
                f"Required crop size {self.size} is larger than input image size {(h, w)}"
            )
        rng = (self.generator or ndgrad.default_generator).rng
        i = int(rng.integers(0, h - th + 1))
        j = int(rng.integers(0, w - tw + 1))
        out = arr[:, i : i + th, j : j + tw] if is_tensor else arr[i : i + th, j : j + tw]
        return Tensor._make(np.ascontiguousarray(out), False, None) if is_tensor else out

    def __repr__(self) -> str:
        return f"RandomCrop(size={self.size}, padding={self.padding})"


class RandomHorizontalFlip:
    """Flip the image left-right with probability ``p``."""

    def __init__(self, p: float = 0.5, generator: Any = None) -> None:
        self.p = p
        self.generator = generator

    def __call__(self, x: Any) -> Any:
        rng = (self.generator or ndgrad.default_generator).rng
        if rng.random() >= self.p:
            return x
        if isinstance(x, Tensor):
            return Tensor._make(np.ascontiguousarray(x.array[..., ::-1]), False, None)
        arr = np.asarray(x)
        return np.ascontiguousarray(arr[:, ::-1])

    def __repr__(self) -> str:
        return f"RandomHorizontalFlip(p={self.p})"
