"""Data-parallel scaling on this machine: 2 MPI ranks x 1 thread against 1 rank x 1 thread.

    python benchmarks/scaling.py [--rounds 3] [--steps 15] [--out benchmarks/results/scaling.md]

Each rank trains with a fixed per-rank batch (weak scaling), so 2 ranks process twice the
examples per step. Workloads (float32, SGD, DistributedDataParallel):

- ``mlp``: 784-1024-1024-10 (ReLU), 64 examples per rank, 1.86 M parameters (7.5 MB of gradients);
- ``cnn``: conv16-pool-conv32-pool-fc128-fc10 on 1x28x28, 32 per rank, 0.2 M parameters.

Reported per workload and world size: the median time of a DDP step. Then
``throughput ratio = (examples/s with 2 ranks) / (examples/s with 1 rank)`` (2.0 is perfect;
ChainerMN's mark, 90% efficiency, is 1.8), and how much of the gradient all-reduce is hidden
behind backward, from three timings taken on the 2 ranks, alternating, in one job:

    step_ddp (DDP step), step_local (the same step without communication), allreduce (the same
    buckets all-reduced alone);  hidden = 1 - (step_ddp - step_local) / allreduce

A micro-benchmark of all-reduce over message sizes fits the alpha-beta model of docs/distributed.md.
The 1-rank and 2-rank jobs alternate round by round, and the load average is recorded around every
job: on a shared machine the absolute numbers move with the other work, the ratios less so.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # one thread per rank, set before NumPy loads its BLAS

HERE = Path(__file__).resolve().parent


def build(kind: str) -> tuple[object, tuple[int, ...]]:
    from ndgrad import nn

    if kind == "mlp":
        model = nn.Sequential(
            nn.Linear(784, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(), nn.Linear(1024, 10)
        )
        return model, (64, 784)
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10),
    )  # fmt: skip
    return model, (32, 1, 28, 28)


def timed_step(model: Any, x: Any, y: Any, opt: Any) -> float:
    """One SGD step, started together on every rank (barrier), as this rank sees it."""
    import ndgrad.distributed as dist
    import ndgrad.nn.functional as F

    dist.barrier()
    t0 = time.perf_counter()
    loss = F.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return time.perf_counter() - t0


def timed_allreduce(ddp: Any) -> float:
    """DDP's gradient buckets all-reduced alone: the communication a step must hide."""
    import ndgrad.distributed as dist
    from ndgrad.distributed.collectives import all_reduce_array

    dist.barrier()
    t0 = time.perf_counter()
    works = [all_reduce_array(ddp.process_group, b.flat) for b in ddp._buckets]
    for w in works:
        w.wait()
    return time.perf_counter() - t0


def worker(kinds: list[str], steps: int, bucket_mb: float) -> None:
    """Runs on every rank (under mpiexec); rank 0 prints one JSON line of timings."""
    import numpy as np

    import ndgrad
    import ndgrad.distributed as dist
    from ndgrad.distributed.collectives import all_reduce_array
    from ndgrad.nn.parallel import DistributedDataParallel as DDP

    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    out: dict[str, object] = {"world": world}
    for kind in kinds:
        ndgrad.manual_seed(0)
        model, shape = build(kind)
        ddp = DDP(model, bucket_cap_mb=bucket_mb)
        plain = model  # the same module without DDP: no hooks armed, no communication
        opt = ndgrad.optim.SGD(model.parameters(), lr=0.01)
        rng = np.random.default_rng(rank)
        x = ndgrad.tensor(rng.standard_normal(shape).astype(np.float32))
        y = ndgrad.tensor(rng.integers(0, 10, shape[0]))

        for _ in range(3):  # warm-up
            timed_step(ddp, x, y, opt)
            timed_step(plain, x, y, opt)
        t_ddp, t_local, t_ar = [], [], []
        for _ in range(steps):  # alternate, so a slow spell of the machine hits all three
            t_ddp.append(timed_step(ddp, x, y, opt))
            t_local.append(timed_step(plain, x, y, opt))
            t_ar.append(timed_allreduce(ddp))
        med = {
            name: statistics.median(v)
            for name, v in (("ddp", t_ddp), ("local", t_local), ("allreduce", t_ar))
        }
        # rank 0's view of a step is what the job sees: every rank waits for the slowest
        out[kind] = {
            **med,
            "batch": shape[0],
            "params": sum(p.numel() for p in model.parameters()),
            "buckets": len(ddp._buckets),
        }
    sizes = [2**k for k in range(8, 23, 2)]  # 256 B .. 4 MiB of float32
    sweep = {}
    for nbytes in sizes:
        buf = np.ones(nbytes // 4, dtype=np.float32)
        all_reduce_array(dist.group.WORLD, buf).wait()  # type: ignore[arg-type]  # warm-up
        times = []
        for _ in range(10):
            dist.barrier()
            t0 = time.perf_counter()
            all_reduce_array(dist.group.WORLD, buf).wait()  # type: ignore[arg-type]
            times.append(time.perf_counter() - t0)
        sweep[nbytes] = statistics.median(times)
    out["allreduce_sweep"] = sweep
    if rank == 0:
        print("RESULT " + json.dumps(out), flush=True)
    dist.destroy_process_group()


def mpiexec() -> str:
    from ndgrad.distributed.run import find_mpiexec

    return find_mpiexec()


def job(n: int, args: argparse.Namespace) -> dict[str, object]:
    cmd = [
        mpiexec(),
        "-n",
        str(n),
        sys.executable,
        __file__,
        "--worker",
        "--steps",
        str(args.steps),
    ]
    cmd += ["--bucket-mb", str(args.bucket_mb)]
    load_before = os.getloadavg()[0]
    res = subprocess.run(
        cmd, capture_output=True, text=True, timeout=1800, stdin=subprocess.DEVNULL
    )
    if res.returncode != 0:
        raise SystemExit(f"the {n}-rank job failed:\n{res.stdout}\n{res.stderr}")
    line = next(line for line in res.stdout.splitlines() if line.startswith("RESULT "))
    out = json.loads(line[len("RESULT ") :])
    out["load"] = [load_before, os.getloadavg()[0]]
    return out


def _commit() -> str:
    res = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=HERE
    )
    return res.stdout.strip() or "unknown"


def report(runs: dict[int, list[dict[str, object]]], args: argparse.Namespace) -> str:
    loads = [x for r in runs[1] + runs[2] for x in r["load"]]  # type: ignore[union-attr]
    lines = [
        "# Scaling: 2 MPI ranks x 1 thread against 1 rank x 1 thread",
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} (commit {_commit()}) on "
        f"{os.cpu_count()} CPU cores, "
        f"`python benchmarks/scaling.py --rounds {args.rounds} --steps {args.steps}` "
        f"(bucket_cap_mb {args.bucket_mb}). Load average (1 min) around the jobs: "
        f"{min(loads):.1f} to {max(loads):.1f}"
        + (
            " -- **a shared, loaded machine: the numbers are biased; rerun on a quiet one.**"
            if max(loads) > 2.5
            else "."
        ),
        "",
        "Medians over rounds of the per-step medians. 1 rank: the plain model (no DDP); 2 ranks: "
        "DDP. "
        "Throughput ratio = 2 x t(1 rank) / t(2 ranks).",
        "",
        "| workload | per-rank batch | buckets | step, 1 rank | step, 2 ranks | throughput ratio "
        "| all-reduce alone | step without comm (2 ranks) | all-reduce hidden |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for kind in ("mlp", "cnn"):
        one = statistics.median(r[kind]["local"] for r in runs[1])  # type: ignore[index]
        two = statistics.median(r[kind]["ddp"] for r in runs[2])  # type: ignore[index]
        local = statistics.median(r[kind]["local"] for r in runs[2])  # type: ignore[index]
        ar = statistics.median(r[kind]["allreduce"] for r in runs[2])  # type: ignore[index]
        hidden = min(max(1 - (two - local) / ar, 0.0), 1.0) if ar > 0 else 0.0
        batch = runs[2][0][kind]["batch"]  # type: ignore[index]
        buckets = runs[2][0][kind]["buckets"]  # type: ignore[index]
        lines.append(
            f"| {kind} | {batch} | {buckets} | {one * 1e3:.1f} ms | {two * 1e3:.1f} ms | "
            f"{2 * one / two:.2f}x | {ar * 1e3:.2f} ms | {local * 1e3:.1f} ms | {hidden:.0%} |"
        )
    lines += [
        "",
        "With one bucket nothing can overlap (the all-reduce starts when backward ends): its "
        "'hidden' "
        "figure only shows the noise of the measurement.",
    ]
    lines += ["", "All-reduce of one float32 buffer on 2 ranks (median of 10, then of rounds):", ""]
    lines += ["| bytes | time |", "|---|---|"]
    for nbytes in runs[2][0]["allreduce_sweep"]:  # type: ignore[union-attr]
        t = statistics.median(r["allreduce_sweep"][nbytes] for r in runs[2])  # type: ignore[index]
        lines.append(f"| {int(nbytes):,} | {t * 1e6:.0f} us |")
    lines += ["", *cost_model(runs[2]), ""]
    lines += ["", "Raw results (JSON, one object per job):", "", "```"]
    lines += [json.dumps(r) for n in (1, 2) for r in runs[n]]
    lines += ["```", ""]
    return "\n".join(lines)


def cost_model(runs: list[dict[str, Any]]) -> list[str]:
    """T = 2 alpha + S / beta (ring all-reduce, N = 2), alpha from the smallest message of the sweep
    and beta from the largest; then the prediction for DDP's buckets against their measured time."""
    keys = list(runs[0]["allreduce_sweep"])
    times = [statistics.median(r["allreduce_sweep"][k] for r in runs) for k in keys]
    alpha = min(times[:2]) / 2  # the smallest messages: latency only
    beta = float(keys[-1]) / (times[-1] - 2 * alpha)  # the largest: bandwidth
    lines = [
        f"Cost model, from the sweep: T = 2 alpha + S / beta with alpha = {alpha * 1e6:.1f} us, "
        f"beta = {beta / 1e9:.2f} GB/s (alpha x beta = {alpha * beta / 1024:.0f} KiB).",
        "",
        "| workload | gradient bytes | model: all-reduce | measured: all-reduce alone |",
        "|---|---|---|---|",
    ]
    for kind in ("mlp", "cnn"):
        nbytes = 4 * int(runs[0][kind]["params"])
        measured = statistics.median(r[kind]["allreduce"] for r in runs)
        predicted = 2 * alpha * 2 + nbytes / beta  # two buckets: two latencies
        lines.append(
            f"| {kind} | {nbytes:,} | {predicted * 1e3:.2f} ms | {measured * 1e3:.2f} ms |"
        )
    return lines


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--steps", type=int, default=15)
    p.add_argument("--bucket-mb", type=float, default=25.0)
    p.add_argument("--out", default=str(HERE / "results" / "scaling.md"))
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        worker(["mlp", "cnn"], args.steps, args.bucket_mb)
        return
    runs: dict[int, list[dict[str, object]]] = {1: [], 2: []}
    for r in range(args.rounds):
        for n in (1, 2) if r % 2 == 0 else (2, 1):  # alternate the order
            runs[n].append(job(n, args))
            print(f"round {r + 1}: {n} rank(s) done, load {runs[n][-1]['load']}", flush=True)
    text = report(runs, args)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
