"""MNIST, FashionMNIST and KMNIST: 28x28 grey images in the IDX format (gzipped)."""

from __future__ import annotations

import gzip
import struct
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from ndgrad.datasets._base import ImageArrays
from ndgrad.datasets._download import fetch

_IDX_TYPES: dict[int, str] = {
    0x08: "u1",
    0x09: "i1",
    0x0B: ">i2",
    0x0C: ">i4",
    0x0D: ">f4",
    0x0E: ">f8",
}


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file (optionally gzipped) into a NumPy array; a clear error for a broken file."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError, zlib.error) as e:
        # a truncated .gz ends early (EOFError); one damaged mid-stream fails in zlib: the same fix
        raise RuntimeError(
            f"{path} is not a readable IDX file: truncated or corrupt ({e}); delete it and "
            "download it again"
        ) from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise RuntimeError(f"{path} is not an IDX file (bad magic number)")
    ndim = raw[3]
    if len(raw) < 4 + 4 * ndim:
        raise RuntimeError(f"{path} is truncated: its header declares {ndim} dimensions")
    dims = struct.unpack(f">{ndim}I", raw[4 : 4 + 4 * ndim])
    dtype = np.dtype(_IDX_TYPES[raw[2]])
    count = int(np.prod(dims)) if dims else 1
    offset = 4 + 4 * ndim
    if len(raw) - offset < count * dtype.itemsize:
        raise RuntimeError(f"{path} is truncated: expected {count} items of shape {dims}")
    return (
        np.frombuffer(raw, dtype=dtype, count=count, offset=offset)
        .reshape(dims)
        .astype(dtype.newbyteorder("="))
    )


class MNIST(ImageArrays):
    """The MNIST handwritten digits: 60,000 training and 10,000 test images, 28x28, labels 0-9.

    Args:
        root: the folder holding the four ``*-ubyte.gz`` files (or where to download them).
        train: the training split (else the test split).
        download: fetch missing files from the mirrors (needs ``pooch``).
        transform: applied to each image (a uint8 (28, 28) array) — e.g. ``transforms.ToTensor()``.
        target_transform: applied to each label (an int).

    Example:
        >>> ds = MNIST("data/mnist", train=False, transform=ToTensor())
        >>> image, label = ds[0]     # image: (1, 28, 28) float32 in [0, 1]
    """

    mirrors: ClassVar[list[str]] = [
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ]
    resources: ClassVar[list[tuple[str, str]]] = [
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    ]
    classes: ClassVar[list[str]] = [str(i) for i in range(10)]

    def __init__(
        self,
        root: str | Path,
        train: bool = True,
        download: bool = False,
        transform: Callable[[Any], Any] | None = None,
        target_transform: Callable[[Any], Any] | None = None,
    ) -> None:
        super().__init__(train, transform, target_transform)
        self.root = Path(root).expanduser()
        images_file, labels_file = self._files()
        if download:
            for name, checksum in self.resources:
                if name in (images_file, labels_file):
                    fetch(self.root, name, self.mirrors, checksum)
        missing = [f for f in (images_file, labels_file) if not (self.root / f).exists()]
        if missing:
            raise RuntimeError(
                f"{type(self).__name__} files not found: place {', '.join(missing)} in {self.root} "
                "(or pass download=True)"
            )
        self.data = read_idx(self.root / images_file)
        self.targets = read_idx(self.root / labels_file).astype(np.int64)
        if len(self.data) != len(self.targets):
            raise RuntimeError(
                f"{self.root}: {len(self.data)} images but {len(self.targets)} labels"
            )

    def _files(self) -> tuple[str, str]:
        prefix = "train" if self.train else "t10k"
        return f"{prefix}-images-idx3-ubyte.gz", f"{prefix}-labels-idx1-ubyte.gz"


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: the same layout as MNIST, ten kinds of clothing."""

    mirrors: ClassVar[list[str]] = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources: ClassVar[list[tuple[str, str]]] = [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    ]
    classes: ClassVar[list[str]] = [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ]  # fmt: skip


class KMNIST(MNIST):
    """Kuzushiji-MNIST: cursive Japanese characters, the same layout as MNIST."""

    mirrors: ClassVar[list[str]] = ["http://codh.rois.ac.jp/kmnist/dataset/kmnist/"]
    resources: ClassVar[list[tuple[str, str]]] = [
        ("train-images-idx3-ubyte.gz", "bdb82020997e1d708af4cf47b453dcf7"),
        ("train-labels-idx1-ubyte.gz", "e144d726b3acfaa3e44228e80efcd344"),
        ("t10k-images-idx3-ubyte.gz", "5c965bf0a639b31b8f53240b1b52f4d7"),
        ("t10k-labels-idx1-ubyte.gz", "7320c461ea6c1c855c0b718fb2a4b134"),
    ]
    classes: ClassVar[list[str]] = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]
