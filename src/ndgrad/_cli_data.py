"""The CLI's data sets: the named ones, a folder of IDX files, or an ``.npz``, as arrays.

Every failure is a ``CLIError`` naming the option and the fix (the CLI prints it on one line and
exits with status 2).
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import numpy as np

NAMED = ("digits", "moons", "mnist", "fashion-mnist", "kmnist")
NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")


class CLIError(Exception):
    """A user error: printed as one line, exit status 2."""


Arrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def load_arrays(name: str, data_dir: str, download: bool) -> Arrays:
    """(x_train, y_train, x_test, y_test) as float32 images (N, C, H, W) or points (N, 2)."""
    from ndgrad import datasets

    if name == "digits":
        train, test = datasets.Digits(train=True), datasets.Digits(train=False)
        return (
            (train.data[:, None] / 16.0).astype(np.float32),
            train.targets,
            (test.data[:, None] / 16.0).astype(np.float32),
            test.targets,
        )
    if name == "moons":
        x, y = datasets.make_moons(600, noise=0.1, seed=0)
        return x[:480].astype(np.float32), y[:480], x[480:].astype(np.float32), y[480:]
    classes = {
        "mnist": datasets.MNIST,
        "fashion-mnist": datasets.FashionMNIST,
        "kmnist": datasets.KMNIST,
    }
    if name in classes:
        return _idx_arrays(classes[name], Path(data_dir), download, f"--dataset {name}")
    path = Path(name)
    if path.suffix == ".npz":
        return _npz_arrays(path)
    if name and path.is_dir():
        return _idx_arrays(datasets.MNIST, path, False, f"--dataset {path}")
    raise CLIError(
        f"--dataset {name}: no such dataset, file or folder; use {', '.join(NAMED)}, a folder or "
        "an .npz"
    )


def _idx_arrays(cls: Any, root: Path, download: bool, option: str) -> Arrays:
    """An IDX dataset from ``--data-dir`` (``option`` is ``--dataset mnist``) or from the folder
    that ``--dataset FOLDER`` names (then ``option`` is that)."""
    try:
        tr, te = cls(root, train=True, download=download), cls(root, train=False, download=download)
    except RuntimeError as e:
        first = str(e).splitlines()[0]
        folder = option == f"--dataset {root}"
        if "not found" in first and folder:
            files = ", ".join(name for name, _ in cls.resources)
            raise CLIError(f"{option}: the folder has no MNIST-style IDX files ({files})") from None
        if "not found" in first:
            raise CLIError(
                f"{option}: files not found in --data-dir {root}; add --download to fetch them"
            ) from None
        if "download" in first and download:
            raise CLIError(
                f"{option}: {first.rstrip(':')} (no network? place them in --data-dir {root})"
            ) from None
        raise CLIError(
            f"{option}: {first.replace('download it again', 'rerun with --download')}"
        ) from None
    return _images(tr.data), tr.targets, _images(te.data), te.targets


def _npz_arrays(path: Path) -> Arrays:
    if not path.is_file():
        raise CLIError(f"--dataset {path}: no such file")
    try:
        with np.load(path, allow_pickle=False) as z:
            missing = [k for k in NPZ_KEYS if k not in z.files]
            if missing:
                raise CLIError(
                    f"--dataset {path}: the .npz has no {', '.join(missing)} (it needs "
                    f"{', '.join(NPZ_KEYS)})"
                )
            x_tr, y_tr, x_te, y_te = (np.asarray(z[k]) for k in NPZ_KEYS)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as e:
        raise CLIError(
            f"--dataset {path}: not a readable NumPy .npz file ({str(e).splitlines()[0]})"
        ) from None
    for x, y, split in ((x_tr, y_tr, "train"), (x_te, y_te, "test")):
        if x.ndim not in (2, 4) or x.dtype.kind not in "biuf" or len(x) != len(y) or len(x) == 0:
            raise CLIError(
                f"--dataset {path}: x_{split} must be a non-empty (N, features) or (N, C, H, W) "
                "array of "
                f"numbers with one label per row in y_{split}; got {x.dtype} {x.shape} and "
                f"{y.shape}"
            )
        if y.ndim != 1 or y.dtype.kind not in "iu" or (y < 0).any():
            raise CLIError(
                f"--dataset {path}: y_{split} must hold class numbers 0, 1, 2, ... (got {y.dtype})"
            )
    return x_tr, y_tr, x_te, y_te


def _images(u8: np.ndarray) -> np.ndarray:
    x = (u8.astype(np.float32) / 255.0 - 0.1307) / 0.3081
    return x[:, None]
