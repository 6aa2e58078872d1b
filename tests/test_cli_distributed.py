"""``python -m ndgrad`` under real mpiexec: data-parallel training that takes one process's steps.

The data is a small .npz written here (103 training points: with 2 ranks and a global batch of 20
the last step holds 3 examples, and DistributedSampler pads rank 1's share with a repeat, which
must weigh nothing). Tolerance: the ranks' gradients are summed in another order than one
process's, which moves float32 results by an ulp or two (measured: at most 6e-8 on weights of size
~0.7 after 12 steps); rtol 1e-5 / atol 1e-6 leaves 100x room for that, while any real fault (an
example lost, counted twice, or weighted by the wrong batch size) moves the first step's gradient
by 1/20 or more.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.test_distributed import env, mpiexec

pytest.importorskip(
    "mpi4py", reason="needs the distributed extra: pip install 'ndgrad[distributed]'"
)

OPTIONS = ["--batch-size", "20", "--optimizer", "sgd", "--no-progress"]


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three Gaussian blobs: 103 training and 41 test points."""
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 2.0]])

    def blobs(n: int) -> tuple[np.ndarray, np.ndarray]:
        y = rng.integers(0, 3, n)
        return (centres[y] + 0.6 * rng.standard_normal((n, 2))).astype(np.float32), y

    (x_tr, y_tr), (x_te, y_te) = blobs(103), blobs(41)
    path = tmp_path_factory.mktemp("blobs") / "blobs.npz"
    np.savez(path, x_train=x_tr, y_train=y_tr, x_test=x_te, y_test=y_te)
    return path


def call(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cmd,
        env=env(),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


CLI = [sys.executable, "-m", "ndgrad"]


def per_rank_folders(root: Path, argv: list[str]) -> list[str]:
    """mpiexec's MPMD form: 2 ranks, rank r in the folder ``root/rank<r>`` (so a file that rank 1
    wrote would show)."""
    cmd = [mpiexec()]
    for r in (0, 1):
        (root / f"rank{r}").mkdir()
        cmd += [":"] * (r > 0) + ["-n", "1", "-wdir", f"rank{r}", *argv]
    return cmd


@pytest.fixture(scope="module")
def alone(data: Path) -> tuple[Path, Path]:
    """One process, --distributed (DistributedSampler's order): epoch 1, then resumed for epoch 2
    (an uninterrupted 2-epoch run would follow a cosine schedule of another length)."""
    one, two = data.parent / "alone1", data.parent / "alone2"
    common = [*CLI, "--dataset", str(data), *OPTIONS, "--distributed"]
    res = call([*common, "--epochs", "1", "--out", str(one)], data.parent)
    assert res.returncode == 0, res.stdout + res.stderr
    two.mkdir()
    shutil.copy(one / "checkpoint.ndgrad", two / "start.ndgrad")
    res = call(
        [*common, "--epochs", "2", "--out", str(two), "--resume", str(two / "start.ndgrad")],
        data.parent,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    return one, two


def state(out: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    import ndgrad

    return ndgrad.load(out / "checkpoint.ndgrad"), json.loads((out / "history.json").read_text())


def assert_same_run(a: Path, b: Path, epochs: int) -> None:
    (ckpt_a, hist_a), (ckpt_b, hist_b) = state(a), state(b)
    assert ckpt_a["epoch"] == ckpt_b["epoch"] == epochs
    close = {"rtol": 1e-5, "atol": 1e-6}
    for name, value in ckpt_a["model"].items():
        np.testing.assert_allclose(ckpt_b["model"][name].numpy(), value.numpy(), **close)
    for key, buf in ckpt_a["optimizer"]["state"].items():  # the momentum buffers
        theirs = ckpt_b["optimizer"]["state"][key]["momentum_buffer"]
        np.testing.assert_allclose(theirs.numpy(), buf["momentum_buffer"].numpy(), **close)
    steps_a, steps_b = hist_a["steps"], hist_b["steps"]
    assert len(steps_a) == len(steps_b) == 6 * epochs  # ceil(103 / 20) per epoch, on any ranks
    np.testing.assert_allclose(
        [s["loss"] for s in steps_b], [s["loss"] for s in steps_a], rtol=1e-5
    )
    for ea, eb in zip(hist_a["epochs"], hist_b["epochs"]):
        assert (eb["accuracy"], eb["test_accuracy"]) == (ea["accuracy"], ea["test_accuracy"])
        np.testing.assert_allclose(
            [eb["loss"], eb["test_loss"]], [ea["loss"], ea["test_loss"]], rtol=1e-5
        )


def test_two_ranks_take_one_process_steps_and_only_rank_0_writes(
    data: Path, alone: tuple[Path, Path]
) -> None:
    argv = [*CLI, "--dataset", str(data), *OPTIONS, "--epochs", "1", "--out", "run"]
    argv += ["--tensorboard", "tb"]
    root = data.parent / "two"
    root.mkdir()
    res = call(per_rank_folders(root, argv), root)
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.count("epoch 1/1:") == 1 and res.stdout.count("test accuracy:") == 1, (
        res.stdout
    )
    assert "2 ranks x 10" in res.stdout
    assert list((root / "rank1").iterdir()) == []  # rank 1 wrote nothing
    assert list((root / "rank0" / "tb").glob("events.out.tfevents.*"))
    written = {p.name for p in (root / "rank0" / "run").iterdir()}
    assert {"checkpoint.ndgrad", "history.json", "curves.png"} <= written
    assert not [n for n in written if n.startswith(".") or "tmp" in n]  # no half-written files
    assert_same_run(alone[0], root / "rank0" / "run", 1)


def test_a_two_rank_checkpoint_resumes_on_one_rank(data: Path, alone: tuple[Path, Path]) -> None:
    """Epoch 1 on 2 ranks (started by the launcher, with -m), epoch 2 on one process, which
    continues in DistributedSampler's order by itself: the same as on one process throughout."""
    out = data.parent / "resumed"
    common = ["--dataset", str(data), *OPTIONS, "--out", str(out)]
    launcher = [sys.executable, "-m", "ndgrad.distributed.run", "--nproc-per-node", "2"]
    res = call([*launcher, "-m", "ndgrad", *common, "--epochs", "1"], data.parent)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "2 ranks x 10" in res.stdout
    resume = ["--resume", str(out / "checkpoint.ndgrad")]
    res = call([*CLI, *common, "--epochs", "2", *resume], data.parent)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "resumed from" in res.stdout and "ranks" not in res.stdout
    assert_same_run(alone[1], out, 2)


def test_a_user_error_on_any_rank_stops_every_rank_with_one_line(
    data: Path, tmp_path: Path
) -> None:
    argv = [*CLI, "--dataset", str(data), "--batch-size", "21", "--out", "x"]
    res = call([mpiexec(), "-n", "2", *argv], tmp_path)
    assert res.returncode == 2, res.stdout + res.stderr
    assert res.stderr.strip().splitlines() == [
        "ndgrad-train: error: --batch-size 21 is the global batch, split evenly across the 2 "
        "ranks: pass a multiple of 2"
    ]
    (tmp_path / "run").mkdir()
    argv = [*CLI, "--dataset", str(data), "--out", "run"]
    cmd = per_rank_folders(tmp_path / "run", argv)
    (tmp_path / "run" / "rank1" / "run").write_text("")  # rank 1 alone fails: its --out is a file
    res = call(cmd, tmp_path / "run")
    assert res.returncode == 2, res.stdout + res.stderr
    assert res.stderr.strip().splitlines() == [
        "ndgrad-train: error: on rank 1: --out run is a file; pass a folder (it is created if "
        "missing)"
    ]


def test_a_torchrun_environment_without_mpi_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """torchrun's WORLD_SIZE with no MPI launcher: every process would train alone and write the
    same files, so the CLI says how to launch instead."""
    from ndgrad.cli import main

    monkeypatch.setenv("WORLD_SIZE", "2")
    for var in ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "PMI_RANK", "OMPI_COMM_WORLD_RANK"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(SystemExit) as exc:
        main(["--dataset", "moons", "--out", str(tmp_path / "x")])
    assert exc.value.code == 2
    assert "WORLD_SIZE=2 but no MPI launcher started this process: launch with mpiexec -n 2" in (
        capsys.readouterr().err
    )
    assert not (tmp_path / "x").exists()
