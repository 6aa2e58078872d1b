"""Datasets: IDX and CIFAR readers on tiny files made here, the shipped digits, toy generators,
transforms, and the errors for missing or broken files."""

from __future__ import annotations

import gzip
import pickle
import struct
from pathlib import Path

import numpy as np
import pytest

import ndgrad
from ndgrad import datasets
from ndgrad.datasets import transforms as T


def _write_idx(path: Path, arr: np.ndarray) -> None:
    code = {np.uint8: 0x08, np.int32: 0x0C}[arr.dtype.type]
    header = bytes([0, 0, code, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    body = arr.astype(arr.dtype.newbyteorder(">")).tobytes()
    with gzip.open(path, "wb") as f:
        f.write(header + body)


@pytest.fixture
def mnist_dir(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 12), ("t10k", 5)):
        _write_idx(
            tmp_path / f"{prefix}-images-idx3-ubyte.gz",
            rng.integers(0, 256, (n, 28, 28)).astype(np.uint8),
        )
        _write_idx(
            tmp_path / f"{prefix}-labels-idx1-ubyte.gz", rng.integers(0, 10, n).astype(np.uint8)
        )
    return tmp_path


def test_mnist_reads_idx(mnist_dir: Path) -> None:
    ds = datasets.MNIST(mnist_dir, train=True, transform=T.ToTensor())
    assert len(ds) == 12
    img, label = ds[3]
    assert tuple(img.shape) == (1, 28, 28) and img.dtype == ndgrad.float32
    assert 0 <= float(img.min().item()) and float(img.max().item()) <= 1
    assert isinstance(label, int) and 0 <= label < 10
    raw = datasets.read_idx(mnist_dir / "train-images-idx3-ubyte.gz")
    np.testing.assert_allclose(img.numpy()[0], raw[3] / 255.0, rtol=1e-6)
    assert len(datasets.FashionMNIST(mnist_dir, train=False)) == 5


def test_missing_files_say_where(tmp_path: Path) -> None:
    with pytest.raises(
        RuntimeError, match=r"t10k-images-idx3-ubyte.gz.*" + str(tmp_path).replace("/", ".")
    ):
        datasets.MNIST(tmp_path, train=False)


def test_truncated_idx_is_a_clear_error(mnist_dir: Path) -> None:
    p = mnist_dir / "train-images-idx3-ubyte.gz"
    raw = gzip.decompress(p.read_bytes())
    with gzip.open(p, "wb") as f:
        f.write(raw[:500])
    with pytest.raises(RuntimeError, match="truncated"):
        datasets.MNIST(mnist_dir, train=True)
    p.write_bytes(b"not an idx file at all")
    with pytest.raises(RuntimeError, match="IDX"):
        datasets.read_idx(p)


def test_gz_damaged_mid_stream_gets_the_same_error_as_truncated(mnist_dir: Path) -> None:
    p = mnist_dir / "train-images-idx3-ubyte.gz"
    good = p.read_bytes()
    damaged = bytearray(good)
    start = (
        good.index(b"\x00", 10) + 1 if good[3] & 8 else 10
    )  # after gzip's header (and file name)
    damaged[start] = 0xFF  # the first deflate block's header: an invalid block type
    p.write_bytes(bytes(damaged))
    with pytest.raises(RuntimeError, match="truncated or corrupt.*download it again") as info:
        datasets.MNIST(mnist_dir, train=True)
    assert "train-images-idx3-ubyte.gz" in str(info.value) and "Error -3" in str(
        info.value
    )  # zlib.error
    damaged = bytearray(good)
    damaged[len(good) // 2 : len(good) // 2 + 64] = bytes(
        64
    )  # damaged data in the middle: CRC error
    p.write_bytes(bytes(damaged))
    with pytest.raises(RuntimeError, match="truncated or corrupt.*download it again"):
        datasets.MNIST(mnist_dir, train=True)
    p.write_bytes(good[: len(good) // 2])  # truncated: the same message
    with pytest.raises(RuntimeError, match="truncated or corrupt.*download it again"):
        datasets.MNIST(mnist_dir, train=True)
    p.write_bytes(gzip.compress(b"\x00\x00\x08\x03\x00\x00"))  # header cut inside the dimensions
    with pytest.raises(RuntimeError, match="truncated"):
        datasets.read_idx(p)


def test_corrupt_cifar_archive_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "cifar-10-python.tar.gz").write_bytes(gzip.compress(b"not a tar file" * 100)[:-20])
    with pytest.raises(RuntimeError, match="cifar-10-python.tar.gz is truncated or corrupt"):
        datasets.CIFAR10(tmp_path, train=False)


def test_download_without_network_names_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(datasets.MNIST, "mirrors", ["http://127.0.0.1:9/"])  # nothing listens there
    with pytest.raises(RuntimeError, match=r"t10k-images-idx3-ubyte.gz"):
        datasets.MNIST(tmp_path, train=False, download=True)
    assert not (tmp_path / "t10k-images-idx3-ubyte.gz").exists()  # no partial file left behind


def test_cifar10_reads_python_batches(tmp_path: Path) -> None:
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    rng = np.random.default_rng(1)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        entry = {"data": rng.integers(0, 256, (3, 3072)).astype(np.uint8), "labels": [1, 2, 3]}
        (folder / name).write_bytes(pickle.dumps(entry))
    ds = datasets.CIFAR10(tmp_path, train=True)
    assert len(ds) == 15
    img, label = ds[0]
    assert img.shape == (32, 32, 3) and label == 1
    assert tuple(T.ToTensor()(img).shape) == (3, 32, 32)


def test_cifar_refuses_code_in_pickles(tmp_path: Path) -> None:
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()

    class Evil:
        def __reduce__(self):  # type: ignore[no-untyped-def]
            return (print, ("pwned",))

    (folder / "test_batch").write_bytes(pickle.dumps({"data": Evil(), "labels": []}))
    with pytest.raises(RuntimeError, match="not a CIFAR python batch"):
        datasets.CIFAR10(tmp_path, train=False)


def test_digits_ship_with_the_package() -> None:
    x, y = datasets.load_digits()
    assert x.shape == (1797, 8, 8) and y.shape == (1797,)
    assert x.min() == 0 and x.max() == 16 and set(np.unique(y)) == set(range(10))
    train, test = datasets.Digits(train=True), datasets.Digits(train=False)
    assert len(train) + len(test) == 1797
    img, label = train[0]
    assert img.shape == (1, 8, 8) and img.dtype == np.float32


@pytest.mark.parametrize("fn", [datasets.make_moons, datasets.make_circles, datasets.make_spirals])
def test_toy_generators_are_seeded(fn) -> None:  # type: ignore[no-untyped-def]
    a = fn(n_samples=90, seed=3)
    b = fn(n_samples=90, seed=3)
    np.testing.assert_array_equal(a[0], b[0])
    assert a[0].shape == (90, 2) and a[1].shape == (90,)
    assert not np.array_equal(a[0], fn(n_samples=90, seed=4)[0]) or fn is datasets.make_moons


def test_transforms() -> None:
    img = np.arange(16, dtype=np.uint8).reshape(4, 4)
    t = T.Compose([T.ToTensor(), T.Normalize([0.5], [0.25])])(img)
    np.testing.assert_allclose(t.numpy()[0], (img / 255.0 - 0.5) / 0.25, rtol=1e-6)
    g = ndgrad.Generator().manual_seed(0)
    crop = T.RandomCrop(3, padding=1, generator=g)(T.ToTensor()(img))
    assert tuple(crop.shape) == (1, 3, 3)
    flipped = T.RandomHorizontalFlip(p=1.0)(T.ToTensor()(img))
    np.testing.assert_allclose(flipped.numpy()[0], img[:, ::-1] / 255.0, rtol=1e-6)
    with pytest.raises(ValueError):
        T.Normalize([0.0], [0.0])


def test_download_over_http_verifies_checksums(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real download from a server on the loopback: a good file is fetched and kept; a file whose
    checksum does not match is refused, and the error names the file."""
    import functools
    import hashlib
    import http.server
    import threading

    served = tmp_path / "served"
    served.mkdir()
    rng = np.random.default_rng(2)
    _write_idx(
        served / "t10k-images-idx3-ubyte.gz", rng.integers(0, 256, (4, 28, 28)).astype(np.uint8)
    )
    _write_idx(served / "t10k-labels-idx1-ubyte.gz", rng.integers(0, 10, 4).astype(np.uint8))
    sums = {p.name: hashlib.md5(p.read_bytes()).hexdigest() for p in served.iterdir()}
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    handler.log_message = lambda *a: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        monkeypatch.setenv("NDGRAD_NO_PROGRESS", "1")
        monkeypatch.setattr(
            datasets.MNIST, "mirrors", ["http://127.0.0.1:9/", url]
        )  # first mirror is down
        monkeypatch.setattr(
            datasets.MNIST, "resources", [(name, sums[name]) for name in sorted(sums)]
        )
        root = tmp_path / "root"
        ds = datasets.MNIST(root, train=False, download=True)
        assert len(ds) == 4 and (root / "t10k-images-idx3-ubyte.gz").exists()
        # a wrong checksum: the download is refused and nothing replaces the good file
        good = (root / "t10k-images-idx3-ubyte.gz").read_bytes()
        bad = [(name, "0" * 32 if "images" in name else s) for name, s in sorted(sums.items())]
        monkeypatch.setattr(datasets.MNIST, "resources", bad)
        with pytest.raises(RuntimeError, match="t10k-images-idx3-ubyte.gz"):
            datasets.MNIST(root, train=False, download=True)
        assert (root / "t10k-images-idx3-ubyte.gz").read_bytes() == good
    finally:
        server.shutdown()
