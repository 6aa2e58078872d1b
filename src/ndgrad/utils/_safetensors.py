"""The safetensors format, read and written here (the ``safetensors`` package is not needed).

A file is an 8-byte little-endian header length ``n``, a JSON header of ``n`` bytes
``{name: {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, "__metadata__": {...}}``,
then the data: the raw little-endian bytes of every tensor. ``safetensors_load`` is as strict as
the reference package: the tensors' byte ranges must tile the data exactly (contiguous from 0,
no overlaps, no gaps, nothing after the last), each range must hold exactly ``shape``'s elements,
shapes are lists of non-negative ints, and the header is at most 100 MB. It reads each tensor
straight into its array, so memory stays at the file's size; any problem raises ``RuntimeError``
naming the file and the tensor.
"""

from __future__ import annotations

import json
import math
import os
import struct
from collections import OrderedDict
from collections.abc import Mapping
from typing import IO, Any

import numpy as np

from ndgrad import _backend
from ndgrad._atomic import _atomic_write
from ndgrad.serialization import to_numpy_state_dict
from ndgrad.tensor import Tensor

__all__ = ["safetensors_save", "safetensors_load"]

MAX_HEADER = 100_000_000  # the reference package's limit

_ST_DTYPES = {
    "F64": np.float64, "F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32,
    "I16": np.int16, "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_,
}  # fmt: skip
_ST_NAMES = {np.dtype(v): k for k, v in _ST_DTYPES.items()}


def safetensors_save(
    tensors: Mapping[str, Any], filename: str | os.PathLike, metadata: dict[str, str] | None = None
) -> None:
    """Write a dict of tensors (or arrays) as a safetensors file (atomically, like ``save``)."""
    arrays = to_numpy_state_dict(tensors)
    header: dict[str, Any] = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    offset = 0
    for name, arr in arrays.items():
        if arr.dtype not in _ST_NAMES:
            raise TypeError(f"safetensors_save: unsupported dtype {arr.dtype} for {name!r}")
        header[name] = {"dtype": _ST_NAMES[arr.dtype], "shape": list(arr.shape),
                        "data_offsets": [offset, offset + arr.nbytes]}  # fmt: skip
        offset += arr.nbytes
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)  # keep the data 8-byte aligned, as the reference writer does

    def write(fh: IO[bytes]) -> None:
        fh.write(struct.pack("<Q", len(raw)))
        fh.write(raw)
        for arr in arrays.values():
            fh.write(arr.astype(arr.dtype.newbyteorder("<"), copy=False).tobytes())

    _atomic_write(filename, write)


def safetensors_load(filename: str | os.PathLike, device: Any = "cpu") -> OrderedDict[str, Tensor]:
    """Read a safetensors file into tensors (BF16 entries are widened to float32).

    Raises:
        FileNotFoundError: no file at the path.
        RuntimeError: the file is truncated, corrupt or not a valid safetensors file.
    """
    where = f"'{os.fsdecode(os.fspath(filename))}'"
    with open(filename, "rb") as fh:
        size = fh.seek(0, os.SEEK_END)
        fh.seek(0)
        try:
            entries, start = _read_header(fh, size)
            out: OrderedDict[str, Tensor] = OrderedDict()
            for name, (kind, shape, begin, end) in entries.items():
                fh.seek(start + begin)
                arr = _read_tensor(fh, kind, shape, end - begin)
                if str(device).split(":")[0] != "cpu":
                    arr = _backend.module_for(str(device)).asarray(arr)
                out[name] = Tensor._make(arr, False, None)
            return out
        except _Invalid as e:
            raise RuntimeError(
                f"safetensors_load: {where} is not a valid safetensors file: {e}"
            ) from None


class _Invalid(Exception):
    """What is wrong with the file (turned into a RuntimeError naming it)."""


def _read_header(
    fh: IO[bytes], size: int
) -> tuple[dict[str, tuple[str, tuple[int, ...], int, int]], int]:
    """Parse and check the header: ``{name: (dtype, shape, begin, end)}`` and where the data
    starts."""
    if size < 8:
        raise _Invalid(f"it has {size} bytes, fewer than the 8-byte header length")
    (n,) = struct.unpack("<Q", fh.read(8))
    if n > MAX_HEADER or 8 + n > size:
        raise _Invalid(f"its header length {n} runs past the end of the file ({size} bytes)")
    try:
        header = json.loads(fh.read(n))
    except (ValueError, RecursionError) as e:
        raise _Invalid(f"its header is not JSON ({e})") from None
    if not isinstance(header, dict):
        raise _Invalid("its header is not a JSON object")
    meta = header.pop("__metadata__", None)
    if meta is not None and not (
        isinstance(meta, dict) and all(isinstance(v, str) for v in meta.values())
    ):
        raise _Invalid("its __metadata__ is not a map of strings to strings")
    entries = {name: _entry(name, info) for name, info in header.items()}
    end = 0
    for name, (_, _, begin, stop) in sorted(entries.items(), key=lambda kv: (kv[1][2], kv[1][3])):
        if begin != end:
            why = (
                "overlaps the tensor before it"
                if begin < end
                else f"leaves a gap at bytes {end}..{begin}"
            )
            raise _Invalid(f"tensor {name!r} (data_offsets [{begin}, {stop}]) {why}")
        end = stop
    if 8 + n + end != size:
        raise _Invalid(f"the tensors cover {end} bytes of data but the file holds {size - 8 - n}")
    return entries, 8 + n


def _entry(name: str, info: Any) -> tuple[str, tuple[int, ...], int, int]:
    """Check one tensor's header entry against its dtype, shape and byte range."""
    if not isinstance(info, dict):
        raise _Invalid(f"tensor {name!r} has no dtype/shape/data_offsets entry")
    kind, shape, offsets = info.get("dtype"), info.get("shape"), info.get("data_offsets")
    if kind != "BF16" and kind not in _ST_DTYPES:
        raise _Invalid(f"tensor {name!r} has unsupported dtype {str(kind)[:20]!r}")
    if not isinstance(shape, list) or any(type(d) is not int or d < 0 for d in shape):
        raise _Invalid(
            f"tensor {name!r} has invalid shape {str(shape)[:60]} (need non-negative ints)"
        )
    if not (
        isinstance(offsets, list)
        and len(offsets) == 2
        and all(type(o) is int and o >= 0 for o in offsets)
        and offsets[0] <= offsets[1]
    ):
        raise _Invalid(f"tensor {name!r} has invalid data_offsets {str(offsets)[:60]}")
    itemsize = 2 if kind == "BF16" else np.dtype(_ST_DTYPES[kind]).itemsize
    if math.prod(shape) * itemsize != offsets[1] - offsets[0]:
        raise _Invalid(
            f"tensor {name!r} of shape {shape} and dtype {kind} needs "
            f"{math.prod(shape) * itemsize} "
            f"bytes but its data_offsets give {offsets[1] - offsets[0]}"
        )
    return kind, tuple(shape), offsets[0], offsets[1]


def _read_tensor(fh: IO[bytes], kind: str, shape: tuple[int, ...], nbytes: int) -> np.ndarray:
    if kind == "BF16":  # bfloat16: the high half of a float32
        bits = _read_exact(fh, np.dtype("<u2"), nbytes).astype(np.uint32) << 16
        return bits.view(np.float32).reshape(shape)
    dt = np.dtype(_ST_DTYPES[kind]).newbyteorder("<")
    arr = _read_exact(fh, dt, nbytes)
    if not dt.isnative:
        arr = arr.byteswap(inplace=True).view(dt.newbyteorder("="))
    return arr.reshape(shape)


def _read_exact(fh: IO[bytes], dtype: np.dtype, nbytes: int) -> np.ndarray:
    flat = np.empty(nbytes // dtype.itemsize, dtype)
    if fh.readinto(flat.data.cast("B")) != nbytes:  # type: ignore[attr-defined]
        raise _Invalid("the file ends early")
    return flat
