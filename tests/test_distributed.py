"""ndgrad.distributed under real MPI: each test starts ``mpiexec -n N python <program>`` (the
programs in tests/distributed_programs/ assert, and exit non-zero on any mismatch)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

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
