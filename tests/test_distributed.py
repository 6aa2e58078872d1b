"""ndgrad.distributed under real MPI: each test starts ``mpiexec -n N python <program>`` (the
programs in tests/distributed_programs/ assert, and exit non-zero on any mismatch)."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip(
    "mpi4py", reason="needs the distributed extra: pip install 'ndgrad[distributed]'"
)

HERE = Path(__file__).resolve().parent
PROGRAMS = HERE / "distributed_programs"
SRC = HERE.parent / "src"


def mpiexec() -> str:
    """The mpiexec next to this Python (the mpich wheel's), else the one on PATH."""
    local = Path(sys.executable).parent / "mpiexec"
    found = str(local) if local.exists() else shutil.which("mpiexec")
    if found is None:
        pytest.skip("no mpiexec: pip install 'ndgrad[distributed]'")
    return found


def env() -> dict[str, str]:
    e = dict(os.environ)
    e["PYTHONPATH"] = os.pathsep.join([str(SRC), e.get("PYTHONPATH", "")])
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        e[var] = "1"  # one thread per rank: the ranks share the machine's cores
    return e


def run_ranks(n: int, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    cmd = [mpiexec(), "-n", str(n), sys.executable, *args]
    return subprocess.run(
        cmd, env=env(), capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
    )


def ok(res: subprocess.CompletedProcess[str], n: int, marker: str) -> None:
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.count(marker) == n, res.stdout + res.stderr


@pytest.mark.parametrize("n", [2, 3])
def test_every_collective_matches_numpy(n: int) -> None:
    ok(run_ranks(n, str(PROGRAMS / "collectives.py")), n, "collectives ok on cpu")


def test_collectives_on_the_stand_in_gpu_backend() -> None:
    ok(
        run_ranks(2, str(PROGRAMS / "collectives.py"), "--device", "cuda"),
        2,
        "collectives ok on cuda",
    )


@pytest.mark.parametrize("n", [2, 3])
def test_ddp_matches_one_process_on_the_global_batch(n: int) -> None:
    ok(run_ranks(n, str(PROGRAMS / "ddp.py")), n, "ddp ok")


@pytest.mark.parametrize("n", [2, 3])
def test_sync_batchnorm_matches_batchnorm_on_the_global_batch(n: int) -> None:
    ok(run_ranks(n, str(PROGRAMS / "syncbn.py")), n, "syncbn ok")


@pytest.mark.parametrize("mode", ["raise", "exit", "stall"])
def test_a_failing_rank_ends_the_job(mode: str) -> None:
    """A rank that raises, dies, or never joins: non-zero exit within seconds, never a hang."""
    start = time.monotonic()
    res = run_ranks(2, str(PROGRAMS / "faults.py"), mode, timeout=45)
    assert res.returncode != 0, res.stdout + res.stderr
    assert "unreachable" not in res.stdout
    assert time.monotonic() - start < 40
    if mode == "raise":
        assert "ValueError: rank 1 fails on purpose" in res.stderr
        assert "uncaught ValueError; aborting the job" in res.stderr
    if mode == "stall":
        assert "all_reduce did not complete within 2 s" in res.stderr


def test_launcher_sets_torchrun_env_and_passes_the_exit_code() -> None:
    cmd = [
        sys.executable,
        "-m",
        "ndgrad.distributed.run",
        "--nproc-per-node",
        "2",
        str(PROGRAMS / "faults.py"),
    ]
    res = subprocess.run(
        [*cmd, "env", "3"],
        env=env(),
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert res.returncode == 3, res.stdout + res.stderr
    lines = sorted(line for line in res.stdout.splitlines() if line.startswith("env"))
    assert lines == ["env 0 2 0 2 env 3", "env 1 2 1 2 env 3"], res.stdout + res.stderr


def test_collective_before_init_raises_pytorchs_error() -> None:
    import ndgrad
    import ndgrad.distributed as dist

    assert dist.is_available() and not dist.is_initialized()
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        dist.all_reduce(ndgrad.ones(2))
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        dist.get_rank()
    with pytest.raises(TypeError, match="Expected parameter `tensor` of type torch.Tensor"):
        dist.broadcast([1.0], src=0)


def test_data_parallel_runs_the_module_with_pytorchs_names() -> None:
    import numpy as np

    import ndgrad
    from ndgrad import nn
    from ndgrad.nn.parallel import DataParallel, data_parallel

    inner = nn.Linear(3, 2)
    model = nn.DataParallel(inner)
    assert isinstance(model, DataParallel) and model.module is inner
    assert list(model.state_dict()) == ["module.weight", "module.bias"]
    x = ndgrad.randn(4, 3)
    np.testing.assert_array_equal(model(x).detach().numpy(), inner(x).detach().numpy())
    np.testing.assert_array_equal(
        data_parallel(inner, x).detach().numpy(), inner(x).detach().numpy()
    )
    model(x).sum().backward()
    assert inner.weight.grad is not None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_pytorch_ddp_program_with_torch_aliased_to_ndgrad_matches_pytorch(tmp_path: Path) -> None:
    """The same script: PyTorch in one process (gloo, world size 1) on the global batch, and
    ndgrad imported as ``torch`` on 2 MPI ranks; losses and final weights must agree."""
    pytest.importorskip("torch")
    program = str(PROGRAMS / "torch_ddp_program.py")
    torch_env = env()
    torch_env.update(
        RANK="0",
        WORLD_SIZE="1",
        LOCAL_RANK="0",
        MASTER_ADDR="127.0.0.1",
        MASTER_PORT=str(_free_port()),
    )
    torch_out, ndgrad_out = tmp_path / "torch.json", tmp_path / "ndgrad.json"
    res = subprocess.run(
        [sys.executable, program, str(torch_out)],
        env=torch_env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    res = run_ranks(2, str(PROGRAMS / "as_torch.py"), program, str(ndgrad_out))
    assert res.returncode == 0, res.stdout + res.stderr
    theirs, ours = json.loads(torch_out.read_text()), json.loads(ndgrad_out.read_text())
    assert (theirs["world_size"], ours["world_size"]) == (1, 2)
    np.testing.assert_allclose(ours["losses"], theirs["losses"], rtol=1e-5)
    for a, b in zip(ours["weights"], theirs["weights"]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert ours["accuracy"] == theirs["accuracy"]


def _epochs(stdout: str) -> dict[int, tuple[float, float]]:
    """{epoch: (mean train loss, test accuracy)} from examples/ddp_mnist.py's output."""
    found = re.findall(r"epoch (\d+): mean train loss ([\d.]+), test accuracy ([\d.]+)", stdout)
    return {int(e): (float(loss), float(acc)) for e, loss, acc in found}


def test_ddp_mnist_example_matches_one_process_and_resumes_on_other_rank_counts(
    tmp_path: Path,
) -> None:
    """Same global batch: 1 process, then 2 ranks for epoch 1 and 3 ranks resuming its checkpoint
    for epoch 2, give the same losses and accuracies."""
    from tests.test_datasets import _write_idx

    rng = np.random.default_rng(0)
    for prefix, n in (("train", 960), ("t10k", 200)):
        labels = rng.integers(0, 10, n)
        images = rng.integers(0, 60, (n, 28, 28))
        for i, c in enumerate(labels):  # a bright bar whose row says the class: learnable
            images[i, 2 + 2 * c : 4 + 2 * c, 4:24] = 250
        _write_idx(tmp_path / f"{prefix}-images-idx3-ubyte.gz", images.astype(np.uint8))
        _write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte.gz", labels.astype(np.uint8))
    example = str(HERE.parent / "examples" / "ddp_mnist.py")
    common = ["--data-dir", str(tmp_path), "--batch-size", "96", "--lr", "0.02"]
    one = subprocess.run(
        [sys.executable, example, *common, "--epochs", "2"],
        env=env(),
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert one.returncode == 0, one.stdout + one.stderr
    ckpt = str(tmp_path / "ckpt.ndg")
    first = run_ranks(2, example, *common, "--epochs", "1", "--checkpoint", ckpt)
    assert first.returncode == 0, first.stdout + first.stderr
    second = run_ranks(3, example, *common, "--epochs", "2", "--resume", ckpt)
    assert second.returncode == 0, second.stdout + second.stderr
    alone, split = _epochs(one.stdout), {**_epochs(first.stdout), **_epochs(second.stdout)}
    assert sorted(alone) == sorted(split) == [1, 2], (one.stdout, first.stdout, second.stdout)
    for epoch in (1, 2):
        np.testing.assert_allclose(split[epoch], alone[epoch], rtol=1e-4)
    assert alone[2][1] > 0.5  # it learned


@pytest.mark.parametrize("flavour", ["hydra", "openmpi"])
def test_launcher_command_for_several_machines(tmp_path: Path, flavour: str) -> None:
    """--nnodes/--hostfile/-m become each MPI's own spelling (a stand-in mpiexec says which)."""
    from ndgrad.distributed import run

    fake = tmp_path / "mpiexec"
    banner = (
        "mpiexec (OpenRTE) 4.1.5\nReport bugs to http://www.open-mpi.org/"
        if flavour == "openmpi"
        else "HYDRA build details:"
    )
    fake.write_text(f"#!/bin/sh\necho '{banner}'\n")
    fake.chmod(0o755)
    args, rest = run.parse(
        [
            "--mpiexec",
            str(fake),
            "--nnodes",
            "2",
            "--nproc-per-node",
            "4",
            "--hostfile",
            "hosts",
            "-m",
            "pkg.train",
            "--lr",
            "1",
        ]
    )
    cmd = run.build_command(args, rest)
    tail = [sys.executable, "-m", "ndgrad.distributed._rank", "-m", "pkg.train", "--lr", "1"]
    assert cmd[:3] == [str(fake), "-n", "8"] and cmd[-len(tail) :] == tail
    if flavour == "openmpi":
        assert cmd[3:7] == ["--map-by", "ppr:4:node", "--hostfile", "hosts"]
    else:
        assert cmd[3:7] == ["-ppn", "4", "-f", "hosts"]


def test_the_mp_spawn_tutorial_shape_runs_under_mpiexec(tmp_path: Path) -> None:
    """PyTorch's tutorial (mp.spawn, gloo, rank/world_size passed) with torch aliased to ndgrad on
    2 MPI ranks: the weights equal PyTorch's single process on the concatenated batches."""
    torch = pytest.importorskip("torch")
    out = tmp_path / "weights.json"
    program = str(PROGRAMS / "torch_spawn_program.py")
    res = run_ranks(2, str(PROGRAMS / "as_torch.py"), program, str(out))
    assert res.returncode == 0, res.stdout + res.stderr
    model = torch.nn.Sequential(torch.nn.Linear(10, 10), torch.nn.ReLU(), torch.nn.Linear(10, 5))
    rng = np.random.default_rng(0)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.from_numpy(rng.standard_normal(tuple(p.shape)).astype(np.float32)))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    streams = [np.random.default_rng(rank + 1) for rank in range(2)]
    for _ in range(3):
        draws = [(s.standard_normal((20, 10)), s.standard_normal((20, 5))) for s in streams]
        x = torch.from_numpy(np.concatenate([d[0] for d in draws]).astype(np.float32))
        y = torch.from_numpy(np.concatenate([d[1] for d in draws]).astype(np.float32))
        opt.zero_grad()
        torch.nn.functional.mse_loss(model(x), y).backward()
        opt.step()
    for ours, theirs in zip(json.loads(out.read_text()), model.parameters()):
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_run_spawned_runs_this_rank_only_under_an_mpi_launcher(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ndgrad.distributed.spawn import run_spawned

    launcher = (
        "PMI_RANK",
        "PMI_SIZE",
        "MPI_LOCALRANKID",
        "OMPI_COMM_WORLD_RANK",
        "OMPI_COMM_WORLD_SIZE",
    )
    torchrun = (
        "RANK",
        "WORLD_SIZE",
        "LOCAL_RANK",
        "LOCAL_WORLD_SIZE",
        "MASTER_ADDR",
        "MASTER_PORT",
    )
    for var in launcher + torchrun:  # set, then removed: monkeypatch restores them all afterwards
        monkeypatch.setenv(var, "0")
        monkeypatch.delenv(var)
    seen: list[tuple[int, str]] = []
    assert not run_spawned(lambda rank, tag: seen.append((rank, tag)), ("x",), nprocs=2)
    assert seen == []  # not launched by MPI: the caller starts its processes
    monkeypatch.setenv("PMI_RANK", "1")
    monkeypatch.setenv("PMI_SIZE", "2")
    assert run_spawned(lambda rank, tag: seen.append((rank, tag)), ("x",), nprocs=2)
    assert seen == [(1, "x")]
    with pytest.raises(RuntimeError, match="launch the script with mpiexec -n 3"):
        run_spawned(lambda rank: None, nprocs=3)
