"""Loading untrusted files: crafted archives get one clean RuntimeError naming the file, and a
mutation fuzzer (run in a child process under a memory limit) finds no other exception and no
load whose peak memory exceeds twice the file's size plus a small constant."""

from __future__ import annotations

import io
import json
import os
import re
import struct
import subprocess
import sys
import textwrap
import zipfile

import numpy as np
import pytest

import ndgrad


def _zip(members: dict[str, bytes | str], method: int = zipfile.ZIP_STORED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _manifest(root, version=1) -> str:
    return json.dumps({"format": "ndgrad", "version": version, "root": root})


def _npy(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, arr, allow_pickle=arr.dtype.hasobject)
    return buf.getvalue()


def _npy_header_only(shape, dtype="<f4") -> bytes:
    buf = io.BytesIO()
    header = {"descr": dtype, "fortran_order": False, "shape": shape}
    np.lib.format.write_array_header_1_0(buf, header)
    return buf.getvalue()


def _nested(depth: int) -> str:
    return '{"format":"ndgrad","version":1,"root":' + '{"list":[' * depth + "]}" * depth + "}"


def _method_patched(data: bytes, method: int) -> bytes:
    """The archive with its first member's compression method rewritten (local and central)."""
    out = bytearray(data)
    out[8:10] = struct.pack("<H", method)
    central = data.index(b"PK\x01\x02")
    out[central + 10 : central + 12] = struct.pack("<H", method)
    return bytes(out)


_T = _manifest({"tensor": 0})
CRAFTED = {
    # memory: a declared shape the member doesn't hold, compressed members, too many members
    "huge_shape": (
        _zip({"0.npy": _npy_header_only((1 << 29,)) + bytes(16), "manifest.json": _T}),
        "declares",
    ),
    "huge_2d_shape": (
        _zip({"0.npy": _npy_header_only((1 << 31, 1 << 31)), "manifest.json": _T}),
        "declares",
    ),
    "deflate": (
        _zip(
            {"0.npy": _npy(np.zeros(1 << 16, np.float32)), "manifest.json": _T},
            zipfile.ZIP_DEFLATED,
        ),
        "compressed",
    ),
    "bz2": (
        _zip({"0.npy": _npy(np.zeros(8)), "manifest.json": _T}, zipfile.ZIP_BZIP2),
        "compressed",
    ),
    "lzma": (
        _zip({"0.npy": _npy(np.zeros(8)), "manifest.json": _T}, zipfile.ZIP_LZMA),
        "compressed",
    ),
    "deflated_manifest": (
        _zip({"manifest.json": _manifest([0] * 1000)}, zipfile.ZIP_DEFLATED),
        "compressed",
    ),
    "unknown_method": (
        _method_patched(_zip({"0.npy": _npy(np.ones(4)), "manifest.json": _T}), 99),
        "method 99",
    ),
    "many_members": (
        _zip({str(i): b"" for i in range(5000)} | {"manifest.json": _manifest(1)}),
        "members",
    ),
    "big_manifest": (_zip({"manifest.json": _manifest([0] * 600_000)}), "more than the"),
    # structure: nesting, versions, tags, references
    "nested_600": (_zip({"manifest.json": _nested(600)}), "nested deeper"),
    "nested_100k": (_zip({"manifest.json": _nested(100_000)}), "manifest"),
    "version_string": (_zip({"manifest.json": _manifest(1, "2")}), "version '2'"),
    "version_future": (_zip({"manifest.json": _manifest(1, 2)}), "version"),
    "version_negative": (_zip({"manifest.json": _manifest(1, -1)}), "version"),
    "not_json": (_zip({"manifest.json": "{nope"}), "corrupt"),
    "not_utf8": (_zip({"manifest.json": b"\xff\xfe{}"}), "corrupt"),
    "root_list_of_junk": (
        _zip({"manifest.json": _manifest({"list": [{"what": 1}]})}),
        "unknown manifest tag",
    ),
    "dict_not_pairs": (_zip({"manifest.json": _manifest({"dict": [1, 2]})}), "pair"),
    "list_holds_int": (_zip({"manifest.json": _manifest({"list": 5})}), "not a list"),
    "unhashable_key": (
        _zip({"manifest.json": _manifest({"dict": [[{"dict": []}, 1]]})}),
        "corrupt",
    ),
    "bad_base64": (_zip({"manifest.json": _manifest({"bytes": "!!"})}), "corrupt"),
    "bad_device": (_zip({"manifest.json": _manifest({"device": "tpu"})}), "corrupt"),
    "bad_dtype_tag": (_zip({"manifest.json": _manifest({"dtype": "complex64"})}), "corrupt"),
    "bool_reference": (
        _zip({"0.npy": _npy(np.ones(2)), "manifest.json": _manifest({"tensor": True})}),
        "reference",
    ),
    "missing_array": (_zip({"manifest.json": _manifest({"ndarray": 7})}), "array 7 is missing"),
    "npscalar_not_0d": (
        _zip({"0.npy": _npy(np.ones(3)), "manifest.json": _manifest({"npscalar": 0})}),
        "scalar",
    ),
    "int_requires_grad": (
        _zip(
            {
                "0.npy": _npy(np.ones(3, np.int64)),
                "manifest.json": _manifest({"tensor": 0, "requires_grad": True}),
            }
        ),
        "require grad",
    ),
    "uint16_tensor": (
        _zip({"0.npy": _npy(np.ones(3, np.uint16)), "manifest.json": _T}),
        "can't hold",
    ),
    "npy_version_9": (
        _zip({"0.npy": b"\x93NUMPY\x09\x00" + bytes(8), "manifest.json": _T}),
        "array 0",
    ),
    "npy_short_data": (_zip({"0.npy": _npy(np.ones(4))[:-8], "manifest.json": _T}), "declares"),
}
for _dt in ("c8", "U3", "S2", "M8[s]", "m8[s]", "f16", "O", [("a", "<f4"), ("b", "<i4")]):
    CRAFTED[f"dtype_{_dt}"] = (
        _zip({"0.npy": _npy(np.zeros(3, _dt)), "manifest.json": _T}),
        "unsupported dtype",
    )


@pytest.mark.parametrize("name", sorted(CRAFTED))
def test_crafted_file_gets_one_clean_error(tmp_path, name):
    data, why = CRAFTED[name]
    path = tmp_path / "crafted.ndgrad"
    path.write_bytes(data)
    with pytest.raises(RuntimeError, match=re.escape(f"'{path}'")) as info:
        ndgrad.load(path)
    assert type(info.value) is RuntimeError
    assert why in str(info.value)
    assert "MemoryError" not in str(info.value)


def test_error_names_where_in_the_object(tmp_path):
    root = {"dict": [["model", {"dict": [["fc.weight", {"tensor": 0}]], "ordered": True}]]}
    data = _zip({"0.npy": _npy(np.zeros(2, "c8")), "manifest.json": _manifest(root)})
    (tmp_path / "m").write_bytes(data)
    with pytest.raises(RuntimeError, match=r"complex64.* at root\['model'\]\['fc.weight'\]"):
        ndgrad.load(tmp_path / "m")


def test_repeated_references_share_one_array():
    root = {"list": [{"ndarray": 0}] * 40 + [{"tensor": 0}] * 40}
    out = ndgrad.load(
        io.BytesIO(_zip({"0.npy": _npy(np.arange(1000.0)), "manifest.json": _manifest(root)}))
    )
    assert all(a is out[0] for a in out[:40]) and all(t is out[40] for t in out[40:])
    assert np.shares_memory(out[0], out[40].numpy())


def test_big_endian_and_fortran_arrays_load_native():
    arr = np.asfortranarray(np.arange(6, dtype=">f4").reshape(2, 3))
    out = ndgrad.load(io.BytesIO(_zip({"0.npy": _npy(arr), "manifest.json": _T})))
    assert out.dtype == ndgrad.float32 and out.numpy().dtype.isnative
    np.testing.assert_array_equal(out.numpy(), arr)


def test_overlapping_members_are_refused(tmp_path):
    # two central-directory entries pointing at the same bytes: their sizes add up past the file
    root = _manifest({"list": [{"ndarray": 0}, {"ndarray": 1}]})
    data = bytearray(
        _zip({"0.npy": _npy(np.zeros(4096)), "1.npy": _npy(np.zeros(4096)), "manifest.json": root})
    )
    central = [i for i in range(len(data)) if data[i : i + 4] == b"PK\x01\x02"]
    offset0 = data[central[0] + 42 : central[0] + 46]
    data[central[1] + 42 : central[1] + 46] = offset0  # 1.npy now points at 0.npy's local header
    (tmp_path / "x").write_bytes(bytes(data))
    with pytest.raises(RuntimeError, match="x"):
        ndgrad.load(tmp_path / "x")


_CHILD = r"""
import io, json, os, random, resource, sys, time, tracemalloc, zipfile
import numpy as np
import ndgrad
from ndgrad import nn

def vm_bytes():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0

limit = vm_bytes() + (512 << 20)  # everything a load may take: well below what a bomb asks for
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

def valid_files():
    ndgrad.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
    opt = ndgrad.optim.Adam(model.parameters(), lr=0.01)
    model(ndgrad.randn(2, 8)).sum().backward()
    opt.step()
    objs = [
        {"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3},
        [ndgrad.arange(5), np.arange(3, dtype=np.int16), (1.5, None, b"xy"), {"k": [float("inf")]}],
        ndgrad.zeros(300, 4),
    ]
    out = []
    for obj in objs:
        buf = io.BytesIO()
        ndgrad.save(obj, buf)
        out.append(buf.getvalue())
    return out

BIG = [0, 1, 0x7F, 0xFF, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF, 1 << 40, (1 << 64) - 1]

def mutate_bytes(rng, data):
    data = bytearray(data)
    kind = rng.randrange(5)
    if kind == 0:  # flip bytes
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
    elif kind == 1:  # truncate
        del data[rng.randrange(len(data)):]
    elif kind == 2:  # a size or offset field set to an extreme value
        width = rng.choice([2, 4, 8])
        pos = rng.randrange(max(1, len(data) - width))
        data[pos:pos + width] = (rng.choice(BIG) % (1 << (8 * width))).to_bytes(width, "little")
    elif kind == 3:  # aim at the zip records: headers of members and the central directory
        sigs = [i for i in range(len(data) - 4) if data[i:i + 2] == b"PK"]
        pos = rng.choice(sigs) + rng.randrange(4, 46) if sigs else 0
        width = rng.choice([2, 4])
        data[pos:pos + width] = (rng.choice(BIG) % (1 << (8 * width))).to_bytes(width, "little")
    else:  # insert junk
        pos = rng.randrange(len(data))
        data[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
    return bytes(data)

def junk(rng, depth=0):
    choices = [None, True, -1, 1 << 70, 1.5, "x", {"tensor": rng.randrange(-1, 6)},
               {"ndarray": rng.randrange(-1, 6)}, {"npscalar": 0}, {"float": "nan"},
               {"dtype": "int3"}, {"bytes": "QUJD"}, {"device": "cpu"}, {"list": 3},
               {"dict": [[1]]}, {"zzz": 1}, {}, []]
    if depth < 3:
        pair = [junk(rng, depth + 1), junk(rng, depth + 1)]
        choices += [{"list": [junk(rng, depth + 1)]}, {"dict": [pair]},
                    {"tuple": [junk(rng, depth + 1)] * rng.randint(1, 50)}]
    return rng.choice(choices)

def replace_random_node(rng, node):
    if isinstance(node, dict) and node and rng.random() < 0.7:
        key = rng.choice(list(node))
        node[key] = replace_random_node(rng, node[key])
        return node
    if isinstance(node, list) and node and rng.random() < 0.7:
        i = rng.randrange(len(node))
        node[i] = replace_random_node(rng, node[i])
        return node
    return junk(rng)

def npy_header(rng):
    sizes = [0, 1, 3, 1 << 20, 1 << 31, 1 << 62]
    shape = tuple(rng.choice(sizes) for _ in range(rng.randint(0, 3)))
    descr = rng.choice(["<f4", ">f8", "|b1", "<c8", "<U4", "|O", "<M8[s]", "<f16", "|V8", "<i8"])
    buf = io.BytesIO()
    header = {"descr": descr, "fortran_order": rng.random() < 0.3, "shape": shape}
    np.lib.format.write_array_header_1_0(buf, header)
    return buf.getvalue() + bytes(rng.randrange(64))

def mutate_members(rng, data):
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    manifest = json.loads(members["manifest.json"])
    kind = rng.randrange(4)
    if kind == 0:
        manifest = replace_random_node(rng, manifest)
    elif kind == 1:
        name = rng.choice([n for n in members if n.endswith(".npy")] or ["0.npy"])
        members[name] = npy_header(rng)
    elif kind == 2:
        manifest["root"] = {"list": [{"ndarray": 0}] * rng.randint(1, 500)}
    else:
        manifest["version"] = rng.choice(["1", 1.0, None, [1], 2, True])
    members["manifest.json"] = json.dumps(manifest).encode()
    method = rng.choice([zipfile.ZIP_STORED] * 3 + [zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2])
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=method) as zf:
        for name, blob in members.items():
            zf.writestr(name, blob)
    return buf.getvalue()

rng = random.Random(int(sys.argv[1]))
files = valid_files()
st_path = os.path.join(sys.argv[3], "fuzz.safetensors")
st_tensors = {"a": ndgrad.randn(40, 3), "b": ndgrad.arange(7), "c": ndgrad.ones(0, 2)}
ndgrad.utils.safetensors_save(st_tensors, st_path)
with open(st_path, "rb") as f:
    st_file = f.read()
deadline = time.monotonic() + float(sys.argv[2])
tried = loaded = 0
worst = 0
while time.monotonic() < deadline:
    if rng.random() < 0.25:  # safetensors: the same promises, through a file on disk
        data = mutate_bytes(rng, st_file)
        with open(st_path, "wb") as f:
            f.write(data)
        load, where = (lambda: ndgrad.utils.safetensors_load(st_path)), "fuzz.safetensors"
    else:
        base = rng.choice(files)
        data = mutate_bytes(rng, base) if rng.random() < 0.6 else mutate_members(rng, base)
        load, where = (lambda: ndgrad.load(io.BytesIO(data))), "the file object"
    tracemalloc.start()
    try:
        load()
        loaded += 1
    except RuntimeError as e:
        msg = str(e)
        if type(e) is not RuntimeError or where not in msg or "MemoryError" in msg:
            print("UNCLEAN", type(e).__name__, msg[:300], data[:64])
            sys.exit(1)
    except Exception as e:
        print("ESCAPED", type(e).__name__, str(e)[:300], data[:64])
        sys.exit(1)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    if peak > 2 * len(data) + (2 << 20):
        print("MEMORY", peak, len(data))
        sys.exit(1)
    worst = max(worst, peak / max(1, len(data)))
    tried += 1
print(f"ok {tried} tried, {loaded} loaded, worst peak/size {worst:.2f}")
"""


@pytest.mark.parametrize("seed", [0, 1])
def test_fuzz_load_clean_errors_and_bounded_memory(seed, tmp_path):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join(
        [os.path.join(os.path.dirname(__file__), "..", "src"), env.get("PYTHONPATH", "")]
    )
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_CHILD), str(seed), "8", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert proc.stdout.startswith("ok ") and int(proc.stdout.split()[1]) > 100, proc.stdout


def test_peak_memory_of_valid_loads_stays_under_twice_the_file(tmp_path):
    import tracemalloc

    from ndgrad import serialization as S

    sd = {f"w{i}": ndgrad.randn(512, 512) for i in range(8)}  # 8 MiB
    sd["shared"] = [sd["w0"]] * 20  # references cost nothing
    ndgrad.save(sd, tmp_path / "m.ndgrad")
    S.safetensors_save({k: v for k, v in sd.items() if k != "shared"}, tmp_path / "m.safetensors")
    for path, loader in (
        (tmp_path / "m.ndgrad", ndgrad.load),
        (tmp_path / "m.safetensors", S.safetensors_load),
    ):
        size = path.stat().st_size
        tracemalloc.start()
        try:
            out = loader(path)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 1.2 * size + (2 << 20), (path.name, peak, size)
        np.testing.assert_array_equal(out["w3"].numpy(), sd["w3"].numpy())
