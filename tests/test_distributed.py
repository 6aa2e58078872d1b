"""ndgrad.distributed under real MPI: each test starts ``mpiexec -n N python <program>`` (the
programs in tests/distributed_programs/ assert, and exit non-zero on any mismatch)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("mpi4py", reason="needs the distributed extra: pip install 'ndgrad[distributed]'")

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
    ok(run_ranks(2, str(PROGRAMS / "collectives.py"), "--device", "cuda"), 2, "collectives ok on cuda")


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
        [*cmd, "env", "3"], env=env(), capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL
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
    np.testing.assert_array_equal(data_parallel(inner, x).detach().numpy(), inner(x).detach().numpy())
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
        RANK="0", WORLD_SIZE="1", LOCAL_RANK="0", MASTER_ADDR="127.0.0.1", MASTER_PORT=str(_free_port())
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
