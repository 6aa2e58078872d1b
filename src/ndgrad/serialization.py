"""Saving and loading: ``ndgrad.save(obj, f)`` and ``ndgrad.load(f)``, with no pickle anywhere.

The file format
---------------
A file written by ``save`` is a zip archive of stored (uncompressed) members that is also a
valid NumPy ``.npz``:

* ``0.npy``, ``1.npy``, ...: the arrays, in NumPy's ``.npy`` format, one per distinct tensor or
  array (a tensor saved twice is stored once and loads as one tensor, so tied weights stay tied);
* ``manifest.json``: ``{"format": "ndgrad", "version": 1, "root": ...}``, where ``root`` describes
  the saved object as JSON: ``null``/``true``/``false``/ints/strings as themselves, and tagged
  objects for everything else: ``{"tensor": 0, "requires_grad": false, "device": "cpu"}``,
  ``{"ndarray": 1}``, ``{"float": "inf"}``, ``{"list": [...]}``, ``{"tuple": [...]}``,
  ``{"dict": [[key, value], ...], "ordered": true}`` (keys may be ints, as in an optimizer's
  state), ``{"dtype": "float32"}``, ``{"bytes": "<base64>"}``.

What can be saved: tensors (and parameters), NumPy arrays and scalars of the dtypes in
``SUPPORTED_DTYPES``, dicts (including state dicts of modules, optimizers and schedulers), lists,
tuples, ``None``, bools, ints, floats, strings, bytes and dtypes, nested freely. Anything else
raises ``TypeError``; a whole ``Module`` or optimizer too (save its ``state_dict()``).

Loading untrusted files
-----------------------
Loading parses JSON and ``.npy`` data only, so a file can never run code: ``weights_only`` is
accepted for PyTorch compatibility and changes nothing, and ``add_safe_globals`` /
``safe_globals`` only record what they are given (there is no unpickler to allow globals in).
A crafted file can't take more memory than its size on disk either: compressed members are
refused (``save`` never writes them), each array's declared shape and dtype must match the bytes
its member holds before anything is allocated, members may not overlap, repeated references share
one array, and the manifest's size and nesting are bounded. Only the dtypes above are accepted
(big-endian arrays are byte-swapped to native order). Every problem with the file's content
raises ``RuntimeError`` naming the file and what is wrong; a missing file raises
``FileNotFoundError``.

Writes to a path are atomic: the archive is written to a temporary file in the same directory
(``.<name>.<pid>.ndgrad-tmp``), flushed and fsynced, then moved over the target with
``os.replace``. If anything fails midway (an object that can't be saved, a full disk) the temporary
file is removed, an existing file at the target is left untouched, and the error names the target.
If the process is killed mid-save, the next save to the same path removes the temporary files that
dead processes left there. Saving to a symlink writes the file it points to, as ``open`` would.

Interop (see the functions at the end): ``to_numpy_state_dict`` exports a state dict as NumPy
arrays ready for ``torch.from_numpy``; ``from_numpy_state_dict`` imports a PyTorch state dict
exported as NumPy arrays (a dict, or an ``.npz`` file); ``safetensors_save`` /
``safetensors_load`` (in ``ndgrad.utils._safetensors``) read and write the safetensors format.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import math
import os
import zipfile
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from typing import IO, Any

import numpy as np

from ndgrad import _backend, _dtype
from ndgrad._atomic import _atomic_write
from ndgrad.tensor import Tensor, device

FORMAT, VERSION = "ndgrad", 1
MANIFEST = "manifest.json"
FileLike = str | os.PathLike | IO[bytes]
SUPPORTED_DTYPES = tuple(
    np.dtype(c) for c in ("?", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8")
)
MAX_DEPTH = 100  # nesting of the manifest (a state dict needs 4)
MIN_MANIFEST_LIMIT = 1 << 20  # a manifest may be this big, or 1/16 of the arrays' bytes if more

__all__ = [
    "save",
    "load",
    "add_safe_globals",
    "get_safe_globals",
    "clear_safe_globals",
    "safe_globals",
    "to_numpy_state_dict",
    "from_numpy_state_dict",
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
            if arr.dtype.newbyteorder("=") not in SUPPORTED_DTYPES:
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
        raise TypeError(_unsaveable(obj))


def _unsaveable(obj: Any) -> str:
    kind = type(obj).__name__
    if callable(getattr(obj, "state_dict", None)):
        # torch.save pickles whole objects; ndgrad stores data only, so the object's state is saved
        return (
            f"ndgrad.save can't save a whole {kind} (that would need pickle, and loading it could "
            "run "
            "code): save its state_dict() instead, e.g. ndgrad.save(model.state_dict(), path), "
            "and "
            f"restore it with model.load_state_dict(ndgrad.load(path))"
        )
    return (
        f"ndgrad.save can't save an object of type {kind}: supported are tensors, NumPy arrays, "
        "dicts, lists, tuples, None, bool, int, float, str, bytes and dtypes"
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
        obj: what to save. A whole ``Module`` or optimizer is refused: save its ``state_dict()``.
        f: a path, or a binary file-like object open for writing.

    Example:
        >>> ndgrad.save(model.state_dict(), "model.ndg")
        >>> model.load_state_dict(ndgrad.load("model.ndg"))
    """
    if callable(getattr(obj, "state_dict", None)):
        raise TypeError(_unsaveable(obj))
    if isinstance(f, str | os.PathLike):
        _atomic_write(f, lambda fh: _write(obj, fh))
    else:
        _write(obj, f)


# -- safe globals (PyTorch's weights_only allow-list) -------------------------------------------
_safe_globals: list[Any] = []


def add_safe_globals(safe_globals: list[Any]) -> None:
    """Accepted as in PyTorch. ndgrad never unpickles, so there is nothing to allow: the globals
    are only recorded (``get_safe_globals`` returns them) and loading is unchanged."""
    _safe_globals.extend(safe_globals)


def get_safe_globals() -> list[Any]:
    """The globals recorded by ``add_safe_globals`` (they change nothing; see there)."""
    return list(_safe_globals)


def clear_safe_globals() -> None:
    """Forget the globals recorded by ``add_safe_globals``."""
    _safe_globals.clear()


@contextlib.contextmanager
def safe_globals(safe_globals: list[Any]) -> Iterator[None]:
    """``with safe_globals([...]):`` records the globals for the block, as PyTorch's context
    manager does; since ndgrad never unpickles, loading inside it works exactly as outside."""
    before = list(_safe_globals)
    _safe_globals.extend(safe_globals)
    try:
        yield
    finally:
        _safe_globals[:] = before


# -- load ------------------------------------------------------------------------------------
class _LoadError(RuntimeError):
    """A bad file (raised as RuntimeError, as torch.load does; the subclass marks it as checked)."""


class _Reader:
    """Decodes the manifest, reading each referenced array once (checked before it is allocated)."""

    def __init__(self, zf: zipfile.ZipFile, where: str, map_location: Any) -> None:
        self.zf, self.where, self.map_location = zf, where, map_location
        self.tensors: dict[int, Tensor] = {}
        self.arrays: dict[int, np.ndarray] = {}

    def fail(self, why: str, at: str = "") -> RuntimeError:
        return _LoadError(f"ndgrad.load: {self.where} is {why}" + (f" at {at}" if at else ""))

    def array(self, key: Any, at: str) -> np.ndarray:
        if type(key) is not int:
            raise self.fail(f"corrupt (bad array reference {str(key)[:60]!r})", at)
        if key not in self.arrays:
            try:
                info = self.zf.getinfo(f"{key}.npy")
            except KeyError:
                raise self.fail(f"corrupt (array {key} is missing)", at) from None
            try:
                with self.zf.open(info) as fh:
                    self.arrays[key] = _read_npy(fh, info.file_size)
            except ValueError as e:
                raise self.fail(f"corrupt (array {key}: {e})", at) from None
            except (EOFError, OSError, zipfile.BadZipFile) as e:
                raise self.fail(f"truncated or corrupt (array {key}: {e})", at) from None
        return self.arrays[key]

    def tensor(self, node: dict[str, Any], at: str) -> Tensor:
        key = node["tensor"]
        if key in self.tensors:
            return self.tensors[key]
        arr = self.array(key, at)
        if arr.dtype not in _dtype._FROM_NP:
            raise self.fail(
                f"corrupt (a tensor of dtype {arr.dtype}, which ndgrad tensors can't hold)", at
            )
        if node.get("requires_grad") and arr.dtype.kind != "f":
            raise self.fail(f"corrupt (a tensor of dtype {arr.dtype} can't require grad)", at)
        target = _map_device(str(node.get("device", "cpu")), self.map_location)
        if target != "cpu":
            arr = _backend.module_for(target).asarray(arr)
        t = Tensor._make(arr, False, None)
        if node.get("parameter"):
            from ndgrad import nn

            t = nn.Parameter(t, requires_grad=bool(node.get("requires_grad")))
        if node.get("requires_grad"):
            t.requires_grad_(True)
        self.tensors[key] = t
        return t

    def decode(self, node: Any, at: str = "root", depth: int = 0) -> Any:
        """The object ``node`` describes; ``at`` is where it sits
        (``root['model']['fc.weight']``)."""
        if node is None or isinstance(node, bool | int | float | str):
            return node
        if depth > MAX_DEPTH:
            raise self.fail(f"corrupt (its manifest is nested deeper than {MAX_DEPTH} levels)")
        if not isinstance(node, dict) or not node:
            raise self.fail(f"corrupt (unexpected manifest entry {str(node)[:60]!r})", at)
        if "tensor" in node:
            return self.tensor(node, at)
        tag, value = next(iter(node.items()))
        if tag in ("dict", "list", "tuple") and not isinstance(value, list):
            raise self.fail(f"corrupt ({tag} entry holds {type(value).__name__}, not a list)", at)
        if tag == "dict":
            return self.decode_dict(value, bool(node.get("ordered")), at, depth)
        if tag in ("list", "tuple"):
            items = [self.decode(v, f"{at}[{i}]", depth + 1) for i, v in enumerate(value)]
            return items if tag == "list" else tuple(items)
        if tag == "ndarray":
            return self.array(value, at)
        if tag == "npscalar":
            arr = self.array(value, at)
            if arr.ndim != 0:
                raise self.fail(f"corrupt (a NumPy scalar of shape {arr.shape})", at)
            return arr[()]
        if tag == "float":
            return float(value)
        if tag == "dtype":
            return _dtype.to_dtype(value)
        if tag == "device":
            return device(value)
        if tag == "bytes":
            return base64.b64decode(value, validate=True)
        raise self.fail(f"corrupt (unknown manifest tag {str(tag)[:60]!r})", at)

    def decode_dict(self, pairs: list[Any], ordered: bool, at: str, depth: int) -> dict[Any, Any]:
        out: dict[Any, Any] = OrderedDict() if ordered else {}
        for pair in pairs:
            if not (isinstance(pair, list) and len(pair) == 2):
                raise self.fail(
                    f"corrupt (a dict entry {str(pair)[:60]!r} is not a [key, value] pair)", at
                )
            key = _hashable(self.decode(pair[0], at, depth + 1))
            out[key] = self.decode(pair[1], f"{at}[{key!r}]"[:200], depth + 1)
        return out


def _read_npy(fh: IO[bytes], size: int) -> np.ndarray:
    """An array from an ``.npy`` member of ``size`` bytes: the header's dtype and shape are checked
    against ``size`` before the array is allocated, then the bytes are read straight into it."""
    fmt = np.lib.format
    version = fmt.read_magic(fh)
    if version == (1, 0):
        shape, fortran, dtype = fmt.read_array_header_1_0(fh)
    elif version == (2, 0):
        shape, fortran, dtype = fmt.read_array_header_2_0(fh)
    else:
        raise ValueError(f"unsupported .npy format version {version}")
    if dtype.newbyteorder("=") not in SUPPORTED_DTYPES:
        raise ValueError(f"unsupported dtype {dtype}; ndgrad reads bool, (u)int8-64 and float16-64")
    count = math.prod(shape)
    header = fh.tell()  # the data starts here
    if count * dtype.itemsize != size - header:
        raise ValueError(
            f"its header declares {count} items of {dtype} but it holds {size - header} bytes"
        )
    flat = np.empty(count, dtype)
    view = flat.data.cast("B")
    pos = 0
    while pos < len(view):
        n = fh.readinto(view[pos : pos + (1 << 18)])  # type: ignore[attr-defined]
        if not n:
            raise EOFError("the array's data ends early")
        pos += n
    if not dtype.isnative:
        flat = flat.byteswap(inplace=True).view(dtype.newbyteorder("="))
    return flat.reshape(shape, order="F" if fortran else "C")


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

    Safe on untrusted files: it runs no code and uses at most about the file's size in memory.

    Args:
        f: a path, or a binary file-like object open for reading.
        map_location: move tensors: a device ("cpu", "cuda"), a dict ``{"cuda": "cpu"}``, or a
            function from the saved device name to a device. Default: the device they were on.
        weights_only: accepted for PyTorch compatibility; loading never runs code anyway.

    Raises:
        FileNotFoundError: no file at the path.
        RuntimeError: the file is truncated, corrupt, crafted, or not written by ``ndgrad.save``
            (the message names the file and the problem).
    """
    try:
        if isinstance(f, str | os.PathLike):
            where = f"'{os.fsdecode(os.fspath(f))}'"
            with open(f, "rb") as fh:
                return _read(fh, where, map_location)
        if not (hasattr(f, "seekable") and f.seekable()):
            f = io.BytesIO(f.read())
        return _read(f, "the file object", map_location)
    except _LoadError as e:
        raise RuntimeError(str(e)) from None  # the type users catch, with no internal name in it


def _read(fh: IO[bytes], where: str, map_location: Any) -> Any:
    size = fh.seek(0, io.SEEK_END)
    fh.seek(0)
    try:
        _check_entry_count(fh, size)
        zf = zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as e:
        raise RuntimeError(
            f"ndgrad.load: {where} is not an ndgrad file, or is truncated or corrupt ({e})"
        ) from None
    with zf:
        reader = _Reader(zf, where, map_location)
        try:
            manifest = _read_manifest(zf, size, reader)
            return reader.decode(manifest.get("root"))
        except RecursionError:
            raise reader.fail(
                f"corrupt (its manifest is nested deeper than {MAX_DEPTH} levels)"
            ) from None
        except (_LoadError, ImportError):  # ImportError: map_location asked for CUDA without CuPy
            raise
        except Exception as e:  # noqa: BLE001 - any other failure on file content is a corrupt file
            raise reader.fail(f"corrupt ({type(e).__name__}: {e})") from None


def _check_entry_count(fh: IO[bytes], size: int) -> None:
    """Refuse a central directory listing more members than the file has room for, before
    ``ZipFile`` builds an object per member (each member of a real file takes 200+ bytes)."""
    end_record = getattr(zipfile, "_EndRecData", None)
    if end_record is None:
        return
    record = end_record(fh)
    fh.seek(0)
    if record is not None and record[4] > size // 200 + 2:  # 4: _ECD_ENTRIES_TOTAL
        raise zipfile.BadZipFile(f"it lists {record[4]} members in {size} bytes")


def _read_manifest(zf: zipfile.ZipFile, size: int, reader: _Reader) -> dict[str, Any]:
    """Check every member (stored, inside the file, not overlapping), then parse the manifest."""
    members = zf.infolist()
    for info in members:
        if info.compress_type != zipfile.ZIP_STORED:
            raise reader.fail(
                f"not a file written by ndgrad.save: member {info.filename!r} is compressed "
                f"(method {info.compress_type}); ndgrad.save writes stored members only"
            )
        if info.file_size != info.compress_size or info.header_offset + info.compress_size > size:
            raise reader.fail(
                f"corrupt (member {info.filename!r} declares more bytes than the file has)"
            )
    declared = sum(info.compress_size for info in members)
    if declared > size:
        raise reader.fail(f"corrupt (its members declare {declared} bytes in a {size}-byte file)")
    try:
        info = zf.getinfo(MANIFEST)
    except KeyError:
        hint = " (it looks like a torch.save file: load it with torch)" if _is_torch(zf) else ""
        raise reader.fail(f"not an ndgrad file: it has no {MANIFEST}{hint}") from None
    limit = max(MIN_MANIFEST_LIMIT, (declared - info.file_size) // 16)
    if info.file_size > limit:
        raise reader.fail(
            f"corrupt (its {MANIFEST} has {info.file_size} bytes, more than the {limit} allowed)"
        )
    try:
        manifest = json.loads(zf.read(info))
    except (ValueError, zipfile.BadZipFile, OSError, EOFError) as e:
        raise reader.fail(f"truncated or corrupt ({e})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise reader.fail("not an ndgrad file (no ndgrad manifest)")
    version = manifest.get("version", 0)
    if type(version) is not int or not 0 <= version <= VERSION:
        raise reader.fail(
            f"of format version {str(version)[:20]!r}; this ndgrad reads versions up to {VERSION}"
        )
    return manifest


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
            raise TypeError(
                f"from_numpy_state_dict: entry {name!r} has unsupported dtype {arr.dtype}"
            )
        out[name] = Tensor._make(arr, False, None)
    return out


def __getattr__(name: str) -> Any:
    # safetensors lives in ndgrad.utils._safetensors (it needs this module, so it is imported late)
    if name in ("safetensors_save", "safetensors_load"):
        from ndgrad.utils import _safetensors

        return getattr(_safetensors, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
