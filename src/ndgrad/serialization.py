"""Saving and loading: ``ndgrad.save(obj, f)`` and ``ndgrad.load(f)``, with no pickle anywhere.

The file format
---------------
A file written by ``save`` is a zip archive that is also a valid NumPy ``.npz``:

* ``0.npy``, ``1.npy``, ...: the arrays, in NumPy's ``.npy`` format (written and read with
  ``allow_pickle=False``), one per distinct tensor or array (a tensor saved twice is stored once
  and loads as one tensor, so tied weights stay tied);
* ``manifest.json``: ``{"format": "ndgrad", "version": 1, "root": ...}``, where ``root`` describes
  the saved object as JSON: ``null``/``true``/``false``/ints/strings as themselves, and tagged
  objects for everything else: ``{"tensor": 0, "requires_grad": false, "device": "cpu"}``,
  ``{"ndarray": 1}``, ``{"float": "inf"}``, ``{"list": [...]}``, ``{"tuple": [...]}``,
  ``{"dict": [[key, value], ...], "ordered": true}`` (keys may be ints, as in an optimizer's
  state), ``{"dtype": "float32"}``, ``{"bytes": "<base64>"}``.

What can be saved: tensors (and parameters), NumPy arrays and scalars, dicts (including
``OrderedDict`` state dicts and optimizer/scheduler state dicts), lists, tuples, ``None``, bools,
ints, floats, strings, bytes and dtypes, nested freely. Anything else raises ``TypeError``.
Since loading only parses JSON and ``.npy`` data, a file can never run code: ``weights_only`` is
accepted for PyTorch compatibility and changes nothing.

Writes to a path are atomic: the archive is written to a temporary file in the same directory,
flushed and fsynced, then moved over the target with ``os.replace``. If anything fails midway
(an object that can't be saved, a full disk) the temporary file is removed and an existing file
at the target is left untouched. A path in a missing directory raises ``FileNotFoundError``; a
file that is truncated, corrupt or not written by ``save`` raises ``RuntimeError`` naming it.
File-like objects (``io.BytesIO``, open files) work for both ``save`` and ``load``.

Interop (see the functions at the end): ``to_numpy_state_dict`` exports a state dict as NumPy
arrays ready for ``torch.from_numpy``; ``from_numpy_state_dict`` imports a PyTorch state dict
exported as NumPy arrays (a dict, or an ``.npz`` file); ``safetensors_save`` /
``safetensors_load`` read and write the safetensors format (implemented here, so the
``safetensors`` package is not needed).
"""

from __future__ import annotations

import base64
import io
import json
import math
import os
import struct
import tempfile
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import IO, Any

import numpy as np

from ndgrad import _backend, _dtype
from ndgrad.tensor import Tensor, device

FORMAT, VERSION = "ndgrad", 1
MANIFEST = "manifest.json"
FileLike = str | os.PathLike | IO[bytes]

__all__ = [
    "save",
    "load",
    "to_numpy_state_dict",
    "from_numpy_state_dict",
    "safetensors_save",
    "safetensors_load",
]


# -- save ------------------------------------------------------------------------------------
class _Writer:
    """Walks the object, writing each array into the zip as it is met, and builds the manifest."""

    def __init__(self, zf: zipfile.ZipFile) -> None:
        self.zf = zf
        self.keys: dict[int, int] = {}  # id(tensor or array) -> its array number
        self.keep: list[Any] = []  # keep saved objects alive so their ids stay unique

    def array(self, obj: Any, arr: np.ndarray) -> int:
        key = self.keys.get(id(obj))
        if key is None:
            if arr.dtype.kind not in "biuf":
                raise TypeError(f"ndgrad.save: can't save an array of dtype {arr.dtype}")
            key = self.keys[id(obj)] = len(self.keys)
            self.keep.append(obj)
            with self.zf.open(f"{key}.npy", "w", force_zip64=True) as fh:
                np.lib.format.write_array(fh, arr, allow_pickle=False)
        return key

    def encode(self, obj: Any) -> Any:
        if obj is None or isinstance(obj, bool | str):
            return obj
        if isinstance(obj, int):
            return int(obj)
        if isinstance(obj, float):
            return obj if math.isfinite(obj) else {"float": repr(obj)}
        if isinstance(obj, Tensor):
            node: dict[str, Any] = {
                "tensor": self.array(obj, _backend.to_numpy(obj.array)),
                "requires_grad": bool(obj.requires_grad),
                "device": str(obj.device),
            }
            if type(obj).__name__ == "Parameter":
                node["parameter"] = True
            return node
        if isinstance(obj, np.ndarray):
            return {"ndarray": self.array(obj, obj)}
        if isinstance(obj, np.generic):
            return {"npscalar": self.array(obj, np.asarray(obj))}
        if isinstance(obj, _dtype.dtype):
            return {"dtype": obj.name}
        if isinstance(obj, device):
            return {"device": str(obj)}
        if isinstance(obj, bytes):
            return {"bytes": base64.b64encode(obj).decode("ascii")}
        if isinstance(obj, dict):
            pairs = [[self.encode(k), self.encode(v)] for k, v in obj.items()]
            return {"dict": pairs, "ordered": isinstance(obj, OrderedDict)}
        if isinstance(obj, list):
            return {"list": [self.encode(v) for v in obj]}
        if isinstance(obj, tuple):
            return {"tuple": [self.encode(v) for v in obj]}
        raise TypeError(
            f"ndgrad.save can't save an object of type {type(obj).__name__}: supported are tensors, "
            "NumPy arrays, dicts, lists, tuples, None, bool, int, float, str, bytes and dtypes"
        )


def _write(obj: Any, fh: IO[bytes]) -> None:
    with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        root = _Writer(zf).encode(obj)
        manifest = {"format": FORMAT, "version": VERSION, "root": root}
        zf.writestr(MANIFEST, json.dumps(manifest, allow_nan=False))


def save(obj: Any, f: FileLike) -> None:
    """Save ``obj`` (tensors, state dicts, nested containers of them) to a path or binary file.

    The write to a path is atomic (a temporary file, fsync, ``os.replace``). The format is a zip
    of ``.npy`` arrays and a JSON manifest; see the module docstring.

    Args:
        obj: what to save.
        f: a path, or a binary file-like object open for writing.

    Example:
        >>> ndgrad.save(model.state_dict(), "model.ndg")
        >>> model.load_state_dict(ndgrad.load("model.ndg"))
    """
    if isinstance(f, str | os.PathLike):
        _atomic_write(f, lambda fh: _write(obj, fh))
    else:
        _write(obj, f)


def _atomic_write(filename: str | os.PathLike, write: Callable[[IO[bytes]], object]) -> None:
    """Run ``write(fh)`` on a temporary file next to ``filename``, fsync it, then move it into
    place; on any error remove the temporary file and leave ``filename`` as it was."""
    path = os.fsdecode(os.fspath(filename))
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(2, f"No such directory: '{directory}' (saving to '{path}')", directory)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        # mkstemp makes the file private (0600): give it the mode a plain open() would have
        os.chmod(tmp, os.stat(path).st_mode & 0o777 if os.path.exists(path) else 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    _fsync_dir(directory)


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


# -- load ------------------------------------------------------------------------------------
class _Reader:
    def __init__(self, zf: zipfile.ZipFile, where: str, map_location: Any) -> None:
        self.zf, self.where, self.map_location = zf, where, map_location
        self.loaded: dict[int, Any] = {}

    def fail(self, why: str) -> RuntimeError:
        return RuntimeError(f"ndgrad.load: {self.where} is {why}")

    def array(self, key: Any) -> np.ndarray:
        if not isinstance(key, int):
            raise self.fail(f"corrupt (bad array reference {key!r})")
        try:
            with self.zf.open(f"{key}.npy") as fh:
                return np.lib.format.read_array(fh, allow_pickle=False)
        except KeyError:
            raise self.fail(f"corrupt (array {key} is missing)") from None
        except (ValueError, EOFError, OSError, zipfile.BadZipFile) as e:
            raise self.fail(f"truncated or corrupt (array {key}: {e})") from None

    def tensor(self, node: dict[str, Any]) -> Tensor:
        key = node["tensor"]
        if key in self.loaded:
            return self.loaded[key]
        arr = self.array(key)
        target = _map_device(str(node.get("device", "cpu")), self.map_location)
        if target != "cpu":
            arr = _backend.module_for(target).asarray(arr)
        t = Tensor._make(arr, False, None)
        if node.get("parameter"):
            from ndgrad import nn

            param_cls = getattr(nn, "Parameter", None)
            if param_cls is not None:
                t = param_cls(t, requires_grad=bool(node.get("requires_grad")))
        if node.get("requires_grad"):
            t.requires_grad_(True)
        self.loaded[key] = t
        return t

    def decode(self, node: Any) -> Any:
        if node is None or isinstance(node, bool | int | float | str):
            return node
        if not isinstance(node, dict) or not node:
            raise self.fail(f"corrupt (unexpected manifest entry {str(node)[:60]!r})")
        if "tensor" in node:
            return self.tensor(node)
        tag, value = next(iter(node.items()))
        if tag == "dict":
            pairs = [(_hashable(self.decode(k)), self.decode(v)) for k, v in value]
            return OrderedDict(pairs) if node.get("ordered") else dict(pairs)
        if tag == "list":
            return [self.decode(v) for v in value]
        if tag == "tuple":
            return tuple(self.decode(v) for v in value)
        if tag == "ndarray":
            return self.array(value)
        if tag == "npscalar":
            return self.array(value)[()]
        if tag == "float":
            return float(value)
        if tag == "dtype":
            return _dtype.to_dtype(value)
        if tag == "device":
            return device(value)
        if tag == "bytes":
            return base64.b64decode(value)
        raise self.fail(f"corrupt (unknown manifest tag {tag!r})")


def _hashable(key: Any) -> Any:
    return tuple(_hashable(k) for k in key) if isinstance(key, list) else key


def _map_device(saved: str, map_location: Any) -> str:
    """Where a tensor saved on ``saved`` goes: ``map_location`` may be None (where it was), a device
    (name or object), a dict ``{"cuda": "cpu"}``, or a callable ``f(saved_device) -> device``."""
    if map_location is None:
        target: Any = saved
    elif isinstance(map_location, dict):
        target = map_location.get(saved, map_location.get(saved.split(":")[0], saved))
    elif callable(map_location) and not isinstance(map_location, device):
        target = map_location(saved)
    else:
        target = map_location
    return str(target).split(":")[0]


def load(f: FileLike, map_location: Any = None, weights_only: bool = True) -> Any:
    """Load an object written by ``ndgrad.save`` from a path or binary file.

    Args:
        f: a path, or a binary file-like object open for reading.
        map_location: move tensors: a device ("cpu", "cuda"), a dict ``{"cuda": "cpu"}``, or a
            function from the saved device name to a device. Default: the device they were on.
        weights_only: accepted for PyTorch compatibility; loading never runs code anyway.

    Raises:
        FileNotFoundError: no file at the path.
        RuntimeError: the file is truncated, corrupt, or not written by ``ndgrad.save``.
    """
    if isinstance(f, str | os.PathLike):
        where = f"'{os.fsdecode(os.fspath(f))}'"
        with open(f, "rb") as fh:
            return _read(fh, where, map_location)
    if not (hasattr(f, "seekable") and f.seekable()):
        f = io.BytesIO(f.read())
    return _read(f, "the file object", map_location)


def _read(fh: IO[bytes], where: str, map_location: Any) -> Any:
    try:
        zf = zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, EOFError, OSError) as e:
        raise RuntimeError(
            f"ndgrad.load: {where} is not an ndgrad file, or is truncated or corrupt ({e})"
        ) from None
    with zf:
        try:
            manifest = json.loads(zf.read(MANIFEST))
        except KeyError:
            hint = " (it looks like a torch.save file: load it with torch)" if _is_torch(zf) else ""
            raise RuntimeError(
                f"ndgrad.load: {where} is not an ndgrad file: it has no {MANIFEST}{hint}"
            ) from None
        except (ValueError, zipfile.BadZipFile, OSError, EOFError) as e:
            raise RuntimeError(f"ndgrad.load: {where} is truncated or corrupt ({e})") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise RuntimeError(f"ndgrad.load: {where} is not an ndgrad file (no ndgrad manifest)")
        if manifest.get("version", 0) > VERSION:
            raise RuntimeError(
                f"ndgrad.load: {where} has format version {manifest['version']}; this ndgrad reads up to "
                f"{VERSION}"
            )
        reader = _Reader(zf, where, map_location)
        try:
            return reader.decode(manifest.get("root"))
        except (KeyError, TypeError, ValueError) as e:
            raise reader.fail(f"corrupt ({type(e).__name__}: {e})") from None


def _is_torch(zf: zipfile.ZipFile) -> bool:
    return any(name.endswith("data.pkl") for name in zf.namelist())


# -- interop ---------------------------------------------------------------------------------
def to_numpy_state_dict(state_dict: Mapping[str, Any]) -> OrderedDict[str, np.ndarray]:
    """A state dict as NumPy arrays, each C-contiguous, writable and native-endian, so that
    ``{k: torch.from_numpy(v) for k, v in d.items()}`` gives a PyTorch state dict.

    Example:
        >>> arrays = ndgrad.serialization.to_numpy_state_dict(model.state_dict())
        >>> torch_model.load_state_dict({k: torch.from_numpy(v) for k, v in arrays.items()})
    """
    out: OrderedDict[str, np.ndarray] = OrderedDict()
    for name, value in state_dict.items():
        arr = _backend.to_numpy(value.array) if isinstance(value, Tensor) else np.asarray(value)
        out[name] = np.array(arr, order="C", dtype=arr.dtype.newbyteorder("="), copy=True)
    return out


def from_numpy_state_dict(arrays: Mapping[str, Any] | FileLike) -> OrderedDict[str, Tensor]:
    """Tensors from a state dict exported as NumPy arrays: a mapping of name -> array (or of
    anything with ``.numpy()``, such as torch tensors), or the path of an ``.npz`` written by
    ``np.savez(path, **{k: v.numpy() for k, v in torch_model.state_dict().items()})``.
    """
    if not isinstance(arrays, Mapping):
        with np.load(arrays, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    out: OrderedDict[str, Tensor] = OrderedDict()
    for name, value in arrays.items():
        if not isinstance(value, np.ndarray | np.generic) and hasattr(value, "numpy"):
            value = value.detach().cpu().numpy() if hasattr(value, "detach") else value.numpy()
        arr = np.array(value, copy=True)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"from_numpy_state_dict: entry {name!r} has unsupported dtype {arr.dtype}")
        out[name] = Tensor._make(arr, False, None)
    return out


_ST_DTYPES = {
    "F64": np.float64, "F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32,
    "I16": np.int16, "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_,
}  # fmt: skip
_ST_NAMES = {np.dtype(v): k for k, v in _ST_DTYPES.items()}


def safetensors_save(
    tensors: Mapping[str, Any], filename: str | os.PathLike, metadata: dict[str, str] | None = None
) -> None:
    """Write a dict of tensors (or arrays) as a safetensors file (atomically, like ``save``).

    The format: an 8-byte little-endian header length, a JSON header
    ``{name: {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}}``, then the raw
    little-endian bytes of each tensor.
    """
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
    """Read a safetensors file into tensors (BF16 entries are widened to float32)."""
    where = f"'{os.fsdecode(os.fspath(filename))}'"
    with open(filename, "rb") as fh:
        data = fh.read()
    try:
        (n,) = struct.unpack("<Q", data[:8])
        header = json.loads(data[8 : 8 + n])
        body = memoryview(data)[8 + n :]
        out: OrderedDict[str, Tensor] = OrderedDict()
        for name, info in header.items():
            if name == "__metadata__":
                continue
            begin, end = info["data_offsets"]
            if not 0 <= begin <= end <= len(body):
                raise ValueError(f"{name!r} lies outside the file")
            shape = tuple(info["shape"])
            if info["dtype"] == "BF16":  # bfloat16: the high half of a float32
                bits = np.frombuffer(body[begin:end], dtype="<u2").astype(np.uint32) << 16
                arr = bits.view(np.float32).reshape(shape)
            else:
                dt = np.dtype(_ST_DTYPES[info["dtype"]]).newbyteorder("<")
                arr = np.frombuffer(body[begin:end], dtype=dt).reshape(shape).astype(dt.newbyteorder("="))
            if str(device).split(":")[0] != "cpu":
                arr = _backend.module_for(str(device)).asarray(arr)
            out[name] = Tensor._make(arr, False, None)
        return out
    except (struct.error, ValueError, KeyError, TypeError, UnicodeDecodeError) as e:
        raise RuntimeError(
            f"safetensors_load: {where} is truncated, corrupt or not a safetensors file ({e})"
        ) from None
