"""CIFAR-10: 60,000 32x32 colour images in ten classes, read from the "python version" batches.

Those batches are pickles. To read them without letting a file run code, the unpickler here
accepts only the plain types they contain (dicts, lists, bytes, strings, numbers and NumPy arrays).
"""

from __future__ import annotations

import pickle
import tarfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from ndgrad.datasets._base import ImageArrays
from ndgrad.datasets._download import fetch


class _SafeUnpickler(pickle.Unpickler):
    _allowed: ClassVar[set[tuple[str, str]]] = {
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("collections", "OrderedDict"),
    }

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in self._allowed:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a CIFAR batch")


def read_batch(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """One CIFAR batch file -> (images uint8 (N, 32, 32, 3), labels int64 (N,))."""
    try:
        with open(path, "rb") as f:
            entry = _SafeUnpickler(f, encoding="latin1").load()
        data = np.asarray(entry["data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
        labels = np.asarray(entry.get("labels", entry.get("fine_labels")), dtype=np.int64)
    except (pickle.UnpicklingError, EOFError, KeyError, ValueError, TypeError) as e:
        raise RuntimeError(f"{path} is not a CIFAR python batch: {e}") from None
    return data.transpose(0, 2, 3, 1), labels


class CIFAR10(ImageArrays):
    """CIFAR-10. ``root`` holds ``cifar-10-batches-py/`` (or the ``.tar.gz``, which is unpacked).

    Items are (image, label): image a uint8 (32, 32, 3) array before ``transform``.
    """

    base_folder = "cifar-10-batches-py"
    archive = "cifar-10-python.tar.gz"
    archive_md5 = "c58f30108f718f92721af3b95e74349a"
    mirrors: ClassVar[list[str]] = ["https://www.cs.toronto.edu/~kriz/"]
    train_list: ClassVar[list[str]] = [f"data_batch_{i}" for i in range(1, 6)]
    test_list: ClassVar[list[str]] = ["test_batch"]
    classes: ClassVar[list[str]] = [
        "airplane", "automobile", "bird", "cat", "deer",
        "dog", "frog", "horse", "ship", "truck",
    ]  # fmt: skip

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
        folder = self.root / self.base_folder
        names = self.train_list if train else self.test_list
        if not all((folder / n).exists() for n in names):
            if download:
                fetch(self.root, self.archive, self.mirrors, self.archive_md5)
            if (self.root / self.archive).exists():
                _extract(self.root / self.archive, self.root)
        missing = [n for n in names if not (folder / n).exists()]
        if missing:
            raise RuntimeError(
                f"CIFAR10 files not found: place {', '.join(missing)} in {folder} "
                f"(or {self.archive} in {self.root}, or pass download=True)"
            )
        parts = [read_batch(folder / n) for n in names]
        self.data = np.concatenate([p[0] for p in parts])
        self.targets = np.concatenate([p[1] for p in parts])


def _extract(archive: Path, root: Path) -> None:
    try:
        _extract_checked(archive, root)
    except (tarfile.TarError, OSError, EOFError, zlib.error) as e:
        raise RuntimeError(
            f"{archive} is truncated or corrupt ({e}); delete it and download it again"
        ) from None


def _extract_checked(archive: Path, root: Path) -> None:
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar.getmembers():
            # never write outside root (absolute paths or '..' in a crafted archive)
            target = (root / member.name).resolve()
            if not str(target).startswith(str(root.resolve())):
                raise RuntimeError(f"{archive}: refusing to extract {member.name} outside {root}")
        tar.extractall(root, filter="data") if hasattr(tarfile, "data_filter") else tar.extractall(
            root
        )
