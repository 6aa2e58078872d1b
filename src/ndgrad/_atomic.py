"""Writing a file so that a crash, a full disk or Ctrl-C never leaves it half-written.

``_atomic_write(filename, write)`` writes into a temporary file beside the target, fsyncs it and
renames it into place (one atomic step on POSIX), then fsyncs the directory so the rename lasts.
A save killed midway leaves only its temporary file, which the next save to that name removes once
its process is gone. ``ndgrad.save``, the ONNX export, the profiler's traces and the plots and
graphs of ``ndgrad.viz`` all write through it.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from collections.abc import Callable
from typing import IO

_TMP_SUFFIX = ".ndgrad-tmp"


def _atomic_write(filename: str | os.PathLike, write: Callable[[IO[bytes]], object]) -> None:
    """Run ``write(fh)`` on a temporary file next to ``filename``, fsync it, then move it into
    place; on any error remove the temporary file, leave ``filename`` as it was, and name
    ``filename`` (not the temporary file) in an ``OSError``."""
    path = os.path.realpath(os.fsdecode(os.fspath(filename)))  # a symlink: write its target
    if os.path.exists(path) and not os.path.isfile(path):
        if os.path.isdir(path):
            raise IsADirectoryError(21, f"Is a directory: '{path}'", path)
        with open(path, "wb") as fh:  # a device or a pipe (/dev/null): nothing to replace, write
            write(fh)
        return
    directory, name = os.path.split(path)
    if not os.path.isdir(directory):
        raise FileNotFoundError(
            2, f"No such directory: '{directory}' (saving to '{path}')", directory
        )
    _remove_stale_temps(directory, name)
    tmp = os.path.join(directory, f".{name}.{os.getpid()}.{secrets.token_hex(4)}{_TMP_SUFFIX}")
    try:
        with open(tmp, "xb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        if os.path.exists(path):  # keep the target's mode (a new file already has open()'s mode)
            os.chmod(tmp, os.stat(path).st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(e, OSError) and e.filename in (tmp, None):
            raise type(e)(e.errno, f"{e.strerror} (while saving '{path}')", path) from None
        raise
    _fsync_dir(directory)


def _remove_stale_temps(directory: str, name: str) -> None:
    """Delete ``.<name>.<pid>.*.ndgrad-tmp`` files whose process is gone (killed mid-save)."""
    pattern = re.compile(rf"\.{re.escape(name)}\.(\d+)\.[0-9a-f]+{re.escape(_TMP_SUFFIX)}")
    try:
        entries = os.listdir(directory)
    except OSError:
        return
    for entry in entries:
        match = pattern.fullmatch(entry)
        if match and not _alive(int(match.group(1))):
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(directory, entry))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # exists (another user's), or we can't tell: leave its file alone
    return True


def _fsync_dir(directory: str) -> None:
    """Make the rename itself durable (POSIX; a no-op where directories can't be opened)."""
    try:
        dfd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)
