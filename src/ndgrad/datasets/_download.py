"""Fetching dataset files: pooch does the downloading, checksums, retries and caching.

A file is fetched into ``root`` from the first mirror that works; pooch writes to a temporary
name and renames only after the checksum matches, so a partial download never replaces a good
file. Offline, or with a bad checksum, the error says which files to place where.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def md5(path: Path) -> str:
    h = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fetch(root: Path, filename: str, mirrors: list[str], checksum: str, retries: int = 2) -> Path:
    """Return ``root/filename``, downloading it from ``mirrors`` if it is missing or corrupt.

    Args:
        root: the dataset folder (created if missing).
        filename: the file's name, the same on every mirror.
        mirrors: base URLs tried in order.
        checksum: the file's MD5.
        retries: attempts per mirror.
    """
    target = root / filename
    if target.exists() and md5(target) == checksum:
        return target
    try:
        import pooch
    except ImportError:
        raise RuntimeError(
            f"downloading {filename} needs pooch: pip install 'ndgrad[datasets]', or place the "
            "file "
            f"at {target} yourself"
        ) from None
    root.mkdir(parents=True, exist_ok=True)
    errors = []
    for base in mirrors:
        url = base.rstrip("/") + "/" + filename
        for attempt in range(1, retries + 1):
            try:
                path = pooch.retrieve(
                    url,
                    known_hash=f"md5:{checksum}",
                    fname=filename,
                    path=root,
                    progressbar=_progressbar(),
                )
                return Path(path)
            except Exception as e:  # noqa: BLE001 - try again, then the next mirror; report all
                errors.append(f"  {url} (try {attempt}): {type(e).__name__}: {e}")
    raise RuntimeError(
        f"could not download {filename} (md5 {checksum}) from any mirror:\n"
        + "\n".join(errors)
        + f"\nDownload it by hand and place it at {target}"
    )


def _progressbar() -> bool:
    return os.environ.get("NDGRAD_NO_PROGRESS") is None
