"""A torchrun-shaped launcher that starts the ranks with mpiexec and passes on their exit code.

    python -m ndgrad.distributed.run --nproc-per-node 2 train.py --epochs 3
    ndgrad-run --nnodes 2 --nproc-per-node 4 --hostfile hosts train.py

is ``mpiexec -n <nnodes * nproc> python -m ndgrad.distributed._rank train.py ...``: each rank gets
torchrun's ``RANK`` / ``LOCAL_RANK`` / ``WORLD_SIZE`` variables, then runs the program. Launching
with ``mpiexec`` directly works as well (then ``init_process_group`` reads the rank from MPI).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path


def find_mpiexec(given: str | None = None) -> str:
    """The mpiexec to use: the one given, the one next to this Python (the mpich wheel's), or
    PATH's."""
    if given:
        return given
    local = Path(sys.executable).parent / "mpiexec"
    if local.exists():
        return str(local)
    found = shutil.which("mpiexec") or shutil.which("mpirun")
    if found is None:
        raise SystemExit(
            "ndgrad-run: no mpiexec found; pip install 'ndgrad[distributed]' (the mpich wheel "
            "ships "
            "one) or put your MPI's bin directory on PATH"
        )
    return found


def _flavour(mpiexec: str) -> str:
    """ "openmpi" or "hydra" (MPICH, Intel MPI, MVAPICH): they spell hostfiles and ppn
    differently."""
    try:
        out = subprocess.run(
            [mpiexec, "--version"],
            capture_output=True,
            text=True,
            timeout=30,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired):
        return "hydra"
    text = (out.stdout + out.stderr).lower()
    return "openmpi" if "open mpi" in text or "open-mpi" in text or "openrte" in text else "hydra"


def build_command(args: argparse.Namespace, rest: list[str]) -> list[str]:
    """The mpiexec command line for the parsed arguments."""
    mpiexec = find_mpiexec(args.mpiexec)
    if args.nproc_per_node in ("auto", "cpu"):
        nproc = os.cpu_count() or 1
    else:
        nproc = int(args.nproc_per_node)
    nnodes = int(str(args.nnodes).split(":")[-1])
    cmd = [mpiexec, "-n", str(nproc * nnodes)]
    if _flavour(mpiexec) == "openmpi":
        cmd += ["--map-by", f"ppr:{nproc}:node"] if nnodes > 1 else []
        cmd += ["--hostfile", args.hostfile] if args.hostfile else []
        cmd += ["--allow-run-as-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
    else:
        cmd += ["-ppn", str(nproc)] if nnodes > 1 else []
        cmd += ["-f", args.hostfile] if args.hostfile else []
    cmd += args.mpiexec_arg or []
    program = rest if args.no_python else [sys.executable, "-m", "ndgrad.distributed._rank"]
    if not args.no_python:
        program += ["-m", *rest] if args.module else rest
    return cmd + program


def parse(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    p = argparse.ArgumentParser(
        prog="ndgrad-run",
        description="Start a training script on several MPI ranks (torchrun's options).",
    )
    p.add_argument("--nproc-per-node", "--nproc_per_node", default="1", help="ranks per machine")
    p.add_argument("--nnodes", default="1", help="machines (listed in --hostfile)")
    p.add_argument("--hostfile", help="the machines, one per line (MPI's hostfile format)")
    p.add_argument("--mpiexec", help="the mpiexec to use (default: next to this Python, else PATH)")
    p.add_argument(
        "--mpiexec-arg", action="append", help="an extra argument for mpiexec (repeatable)"
    )
    p.add_argument(
        "-m", "--module", action="store_true", help="run the program as a module (python -m)"
    )
    p.add_argument(
        "--no-python",
        "--no_python",
        action="store_true",
        help="run the program itself, not in Python",
    )
    # torchrun's rendezvous options: MPI starts and connects the ranks itself, so they have no
    # effect
    for flag in (
        "--node-rank",
        "--node_rank",
        "--master-addr",
        "--master_addr",
        "--master-port",
        "--master_port",
    ):
        p.add_argument(flag, help=argparse.SUPPRESS)
    for flag in (
        "--rdzv-backend",
        "--rdzv_backend",
        "--rdzv-endpoint",
        "--rdzv_endpoint",
        "--rdzv-id",
        "--rdzv_id",
    ):
        p.add_argument(flag, help=argparse.SUPPRESS)
    p.add_argument("--standalone", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("program", help="the script (or module with -m)")
    p.add_argument("args", nargs=argparse.REMAINDER, help="the program's arguments")
    ns = p.parse_args(argv)
    return ns, [ns.program, *ns.args]


def main(argv: list[str] | None = None) -> int:
    """Run the job; the exit code is mpiexec's (non-zero when any rank failed)."""
    args, rest = parse(sys.argv[1:] if argv is None else argv)
    env = dict(os.environ)
    if "OMP_NUM_THREADS" not in env:  # as torchrun: one thread per rank unless told otherwise
        env["OMP_NUM_THREADS"] = "1"
    code = subprocess.run(build_command(args, rest), env=env).returncode
    return 128 - code if code < 0 else code  # killed by a signal: the shell's convention


if __name__ == "__main__":
    sys.exit(main())
