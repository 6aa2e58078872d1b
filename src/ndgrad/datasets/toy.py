"""Data that needs no download: the 8x8 digits, and seeded 2-d generators (moons, circles,
spirals)."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from importlib import resources
from typing import Any

import numpy as np

from ndgrad.datasets._base import ImageArrays


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 1,797 8x8 handwritten digits shipped with ndgrad (UCI, as in scikit-learn).

    Returns:
        images float64 (1797, 8, 8) with values 0..16, labels int64 (1797,).
    """
    raw = resources.files("ndgrad.datasets").joinpath("data/digits.csv.gz").read_bytes()
    table = np.loadtxt(gzip.decompress(raw).decode().splitlines(), delimiter=",")
    return table[:, :64].reshape(-1, 8, 8), table[:, 64].astype(np.int64)


class Digits(ImageArrays):
    """The 8x8 digits as a Dataset, split 80/20 into train and test with a fixed permutation.

    Items are (image, label): a float32 (1, 8, 8) array scaled to [0, 1] unless ``transform`` is
    given, in which case it receives the raw (8, 8) array of values 0..16.
    """

    def __init__(
        self,
        root: Any = None,
        train: bool = True,
        download: bool = False,
        transform: Callable[[Any], Any] | None = None,
        target_transform: Callable[[Any], Any] | None = None,
    ) -> None:
        images, labels = load_digits()
        order = np.random.default_rng(0).permutation(len(images))
        cut = int(0.8 * len(images))
        keep = order[:cut] if train else order[cut:]
        super().__init__(train, transform, target_transform)
        self.data, self.targets = images[keep], labels[keep]
        self.classes = [str(i) for i in range(10)]

    def _untransformed(self, image: Any) -> Any:
        return (image / 16.0).astype(np.float32)[None]


def _two_classes(
    first: np.ndarray, second: np.ndarray, noise: float, seed: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """Points of class 0 (``first``) and 1 (``second``), plus Gaussian noise of std ``noise``, in
    a seeded random order."""
    rng = np.random.default_rng(seed)
    x = np.concatenate([first, second])
    y = np.concatenate([np.zeros(len(first), np.int64), np.ones(len(second), np.int64)])
    if noise:
        x = x + rng.normal(scale=noise, size=x.shape)
    order = rng.permutation(len(x))
    return x[order], y[order]


def make_moons(
    n_samples: int = 100, noise: float = 0.0, seed: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles: points float64 (n, 2), labels int64 (n,) in {0, 1}."""
    n_out = n_samples // 2
    t_out = np.linspace(0, np.pi, n_out)
    t_in = np.linspace(0, np.pi, n_samples - n_out)
    outer = np.stack([np.cos(t_out), np.sin(t_out)], 1)
    inner = np.stack([1 - np.cos(t_in), 1 - np.sin(t_in) - 0.5], 1)
    return _two_classes(outer, inner, noise, seed)


def make_circles(
    n_samples: int = 100, noise: float = 0.0, factor: float = 0.8, seed: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """A small circle inside a large one: points (n, 2), labels 0 (outer) and 1 (inner)."""
    if not 0 <= factor < 1:
        raise ValueError(f"factor has to be between 0 and 1, got {factor}")
    n_out = n_samples // 2
    t_out = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    t_in = np.linspace(0, 2 * np.pi, n_samples - n_out, endpoint=False)
    outer = np.stack([np.cos(t_out), np.sin(t_out)], 1)
    inner = factor * np.stack([np.cos(t_in), np.sin(t_in)], 1)
    return _two_classes(outer, inner, noise, seed)


def make_spirals(
    n_samples: int = 300, n_classes: int = 3, noise: float = 0.2, seed: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``n_classes`` interleaved spiral arms (the CS231n toy problem): points (n, 2), labels
    (n,)."""
    rng = np.random.default_rng(seed)
    per = n_samples // n_classes
    xs, ys = [], []
    for k in range(n_classes):
        r = np.linspace(0.0, 1.0, per)
        t = np.linspace(k * 4.0, (k + 1) * 4.0, per) + rng.normal(scale=noise, size=per)
        xs.append(np.stack([r * np.sin(t), r * np.cos(t)], 1))
        ys.append(np.full(per, k, np.int64))
    x, y = np.concatenate(xs), np.concatenate(ys)
    order = rng.permutation(len(x))
    return x[order], y[order]
