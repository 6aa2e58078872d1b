"""Data-parallel scaling on this machine: 2 MPI ranks x 1 thread against 1 rank x 1 thread.

    python benchmarks/scaling.py [--rounds 3] [--steps 15] [--out benchmarks/results/scaling.md]

Each rank trains with a fixed per-rank batch (weak scaling), so 2 ranks process twice the
examples per step. Workloads (float32, SGD, DistributedDataParallel):

- ``mlp``: 784-1024-1024-10 (ReLU), 64 examples per rank, 1.86 M parameters (7.5 MB of gradients);
- ``cnn``: conv16-pool-conv32-pool-fc128-fc10 on 1x28x28, 32 per rank, 0.2 M parameters.

``throughput ratio = (examples/s with 2 ranks) / (examples/s with 1 rank) = 2 t1 / t2`` (2.0 is
perfect; ChainerMN's mark, 90% efficiency, is 1.8). In each 2-rank job these steps alternate, so
that a slow spell of the shared machine hits them all:

- ``ddp``: DistributedDataParallel as shipped;
- ``ddp+poll``: the same, and every node of the backward graph first polls the all-reduces in
  flight (MPICH moves a non-blocking collective only inside MPI calls; this polls between ops,
  not only at the parameter hooks);
- ``ddp small buckets``: ``bucket_cap_mb=0.25``, so more buckets start during backward;
- ``compute``: the step without DDP, then a barrier: compute and the wait for the slower rank,
  everything a step costs except communication;
- ``all-reduce``: DDP's buckets all-reduced alone; and ``copy``: one pass over the gradient bytes
  (what filling the buckets costs; the memory bandwidth the reduction runs at).

``hidden = 1 - (ddp - compute) / all-reduce``. The 2-rank jobs run under MPICH settings a user
could export before launching (``--configs``: the default; all-reduce algorithms; MPICH's progress
thread), each a job of its own; 1-rank and 2-rank jobs alternate round by round, and the load
average is recorded around every job.
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


CONFIGS = {  # MPICH environment variables a user could set; each runs as its own 2-rank job
    "default": {},
    "reduce-scatter-allgather": {
        "MPIR_CVAR_IALLREDUCE_INTRA_ALGORITHM": "sched_reduce_scatter_allgather"
    },
    "recursive-doubling": {"MPIR_CVAR_IALLREDUCE_INTRA_ALGORITHM": "sched_recursive_doubling"},
    "async-progress": {"MPIR_CVAR_ASYNC_PROGRESS": "1"},
    "no-cma": {"MPIR_CVAR_CH4_CMA_ENABLE": "0"},  # large messages through shared-memory cells
}
VARIANTS = ("ddp", "ddp+poll", "ddp small buckets", "compute")


def timed_step(model: Any, x: Any, y: Any, opt: Any, sync: bool = False) -> float:
    """One SGD step, started together on every rank (barrier), as this rank sees it; with
    ``sync``, until every rank has finished it."""
    import ndgrad.distributed as dist
    import ndgrad.nn.functional as F

    dist.barrier()
    t0 = time.perf_counter()
    loss = F.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if sync:
        dist.barrier()
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


def timed_copy(ddp: Any) -> float:
    """One pass over the gradient bytes, as filling DDP's buckets makes (scaled copy)."""
    import numpy as np

    t0 = time.perf_counter()
    for b in ddp._buckets:
        np.multiply(b.flat, 0.5, out=b.flat)
    return time.perf_counter() - t0


def polling_ddp(model: Any, bucket_mb: float) -> Any:
    """DDP whose backward polls the all-reduces in flight before every node of the graph."""
    from ndgrad.nn.parallel import DistributedDataParallel as DDP
    from ndgrad.tensor import Tensor

    class PollingDDP(DDP):
        def _arm(self, out: Any) -> None:
            super()._arm(out)
            stack, seen = [out.grad_fn], set()
            while stack:
                node = stack.pop()
                if node is None or id(node) in seen:
                    continue
                seen.add(id(node))
                node.register_prehook(self._poll)
                stack += [e[0] for e in node.next_functions if e and not isinstance(e[0], Tensor)]

        def _poll(self, grad: Any) -> None:
            for bucket in self._launched:
                bucket.work.is_completed()  # MPI_Testall: moves the request along

    return PollingDDP(model, bucket_cap_mb=bucket_mb)


def measure(kind: str, steps: int, bucket_mb: float) -> dict[str, object]:
    """Median seconds of each variant's step (alternating), of the all-reduce and of a copy."""
    import numpy as np

    import ndgrad
    import ndgrad.distributed as dist
    from ndgrad.nn.parallel import DistributedDataParallel as DDP

    rank, world = dist.get_rank(), dist.get_world_size()
    ndgrad.manual_seed(0)
    model, shape = build(kind)
    ddp = DDP(model, bucket_cap_mb=bucket_mb)
    models = {"ddp": ddp, "compute": model}  # the plain module: no hooks armed, no communication
    if world > 1:
        models["ddp+poll"] = polling_ddp(model, bucket_mb)
        models["ddp small buckets"] = DDP(model, bucket_cap_mb=0.25)
    opt = ndgrad.optim.SGD(model.parameters(), lr=0.001)
    rng = np.random.default_rng(rank)
    x = ndgrad.tensor(rng.standard_normal(shape).astype(np.float32))
    y = ndgrad.tensor(rng.integers(0, 10, shape[0]))
    times: dict[str, list[float]] = {name: [] for name in [*models, "allreduce", "copy"]}
    for _ in range(3):  # warm-up
        for name, m in models.items():
            timed_step(m, x, y, opt, sync=name == "compute")
    for _ in range(steps):  # alternate, so a slow spell of the machine hits all alike
        for name, m in models.items():
            times[name].append(timed_step(m, x, y, opt, sync=name == "compute"))
        times["allreduce"].append(timed_allreduce(ddp))
        times["copy"].append(timed_copy(ddp))
    # rank 0's view of a step is what the job sees: every rank waits for the slowest
    out: dict[str, object] = {k: statistics.median(v) for k, v in times.items()}
    out.update(batch=shape[0], params=sum(p.numel() for p in model.parameters()))
    out["buckets"] = {k: len(m._buckets) for k, m in models.items() if k != "compute"}
    return out


def worker(kinds: list[str], steps: int, bucket_mb: float, sweep: bool) -> None:
    """Runs on every rank (under mpiexec); rank 0 prints one JSON line of timings."""
    import numpy as np

    import ndgrad.distributed as dist
    from ndgrad.distributed.collectives import all_reduce_array

    dist.init_process_group("mpi")
    out: dict[str, object] = {"world": dist.get_world_size()}
    for kind in kinds:
        out[kind] = measure(kind, steps, bucket_mb)
    if sweep:
        sizes = [2**k for k in range(8, 23, 2)]  # 256 B .. 4 MiB of float32
        found = {}
        for nbytes in sizes:
            buf = np.ones(nbytes // 4, dtype=np.float32)
            all_reduce_array(dist.group.WORLD, buf).wait()  # type: ignore[arg-type]  # warm-up
            times = []
            for _ in range(10):
                dist.barrier()
                t0 = time.perf_counter()
                all_reduce_array(dist.group.WORLD, buf).wait()  # type: ignore[arg-type]
                times.append(time.perf_counter() - t0)
            found[nbytes] = statistics.median(times)
        out["allreduce_sweep"] = found
    if dist.get_rank() == 0:
        print("RESULT " + json.dumps(out), flush=True)
    dist.destroy_process_group()


def mpiexec() -> str:
    from ndgrad.distributed.run import find_mpiexec

    return find_mpiexec()


def job(n: int, config: str, args: argparse.Namespace) -> dict[str, object]:
    """One mpiexec job of ``n`` ranks under the MPICH settings of ``config``."""
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
    cmd += ["--bucket-mb", str(args.bucket_mb)] + (["--sweep"] if config == "default" else [])
    env = {**os.environ, **CONFIGS[config]}
    load_before = os.getloadavg()[0]
    res = subprocess.run(
        cmd, capture_output=True, text=True, timeout=1800, stdin=subprocess.DEVNULL, env=env
    )
    if res.returncode != 0:
        raise SystemExit(f"the {n}-rank job ({config}) failed:\n{res.stdout}\n{res.stderr}")
    line = next(line for line in res.stdout.splitlines() if line.startswith("RESULT "))
    out = json.loads(line[len("RESULT ") :])
    out.update(load=[load_before, os.getloadavg()[0]], config=config)
    return out


def _commit() -> str:
    res = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=HERE
    )
    return res.stdout.strip() or "unknown"


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms"


def _median(runs: list[dict[str, Any]], kind: str, key: str) -> float:
    return statistics.median(r[kind][key] for r in runs)


def report(runs: dict[str, list[dict[str, Any]]], args: argparse.Namespace) -> str:
    loads = [x for rs in runs.values() for r in rs for x in r["load"]]
    lines = [
        "# Scaling: 2 MPI ranks x 1 thread against 1 rank x 1 thread",
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} (commit {_commit()}) on "
        f"{os.cpu_count()} CPU cores, `python benchmarks/scaling.py --rounds {args.rounds} "
        f"--steps {args.steps} --configs {','.join(args.configs)}` (bucket_cap_mb "
        f"{args.bucket_mb}). Load average (1 min) around the jobs: {min(loads):.1f} to "
        f"{max(loads):.1f}"
        + (
            " -- **a shared, loaded machine: every rank waits for CPU time, so the absolute times "
            "are inflated and noisy; compare within a row.**"
            if max(loads) > 2.5
            else "."
        ),
        "",
        "Medians over rounds of the per-step medians (rank 0's clock). Ratio = 2 x t(1 rank) / "
        "t(2 ranks). 1 rank: the plain model (no DDP). `compute`: 2 ranks without DDP, then a "
        "barrier (compute and the wait for the slower rank). hidden = 1 - (ddp - compute) / "
        "all-reduce.",
        "",
        "| MPICH setting | workload | step, 1 rank | ddp | ratio | ddp+poll | ratio | small "
        "buckets | ratio | compute | ratio | all-reduce alone | copy of the gradients | hidden |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for config in args.configs:
        for kind in ("mlp", "cnn"):
            one = _median(runs["1"], kind, "compute")
            row = [config, kind, _ms(one)]
            two = runs[config]
            for name in VARIANTS:
                t = _median(two, kind, name)
                row += [_ms(t), f"{2 * one / t:.2f}x"]
            ddp, compute = _median(two, kind, "ddp"), _median(two, kind, "compute")
            ar = _median(two, kind, "allreduce")
            hidden = min(max(1 - (ddp - compute) / ar, 0.0), 1.0) if ar > 0 else 0.0
            row += [f"{ar * 1e3:.2f} ms", f"{_median(two, kind, 'copy') * 1e3:.2f} ms"]
            lines.append("| " + " | ".join(row + [f"{hidden:.0%}"]) + " |")
    buckets = {k: runs["default"][0][k]["buckets"] for k in ("mlp", "cnn")}
    lines += ["", f"Buckets per variant: {json.dumps(buckets)}."]
    if "default" in runs and "allreduce_sweep" in runs["default"][0]:
        lines += sweep_table(runs["default"])
    lines += ["", "Raw results (JSON, one object per job):", "", "```"]
    lines += [json.dumps(r) for rs in runs.values() for r in rs]
    lines += ["```", ""]
    return "\n".join(lines)


def sweep_table(runs: list[dict[str, Any]]) -> list[str]:
    lines = ["", "All-reduce of one float32 buffer on 2 ranks (median of 10, then of rounds):", ""]
    lines += ["| bytes | time |", "|---|---|"]
    for nbytes in runs[0]["allreduce_sweep"]:
        t = statistics.median(r["allreduce_sweep"][nbytes] for r in runs)
        lines.append(f"| {int(nbytes):,} | {t * 1e6:.0f} us |")
    return lines + ["", *cost_model(runs)]


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
        buckets = int(runs[0][kind]["buckets"]["ddp"])
        predicted = 2 * alpha * buckets + nbytes / beta  # a latency per bucket
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
    p.add_argument(
        "--configs",
        type=lambda text: text.split(","),
        default=list(CONFIGS),
        help=f"MPICH settings for the 2-rank jobs, comma-separated, of: {', '.join(CONFIGS)}",
    )
    p.add_argument("--out", default=str(HERE / "results" / "scaling.md"))
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--sweep", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        worker(["mlp", "cnn"], args.steps, args.bucket_mb, args.sweep)
        return
    if "default" not in args.configs:
        args.configs.insert(0, "default")
    runs: dict[str, list[dict[str, Any]]] = {"1": [], **{c: [] for c in args.configs}}
    for r in range(args.rounds):
        order = [("1", 1)] + [(c, 2) for c in args.configs]
        for name, n in order if r % 2 == 0 else order[::-1]:  # alternate the order
            runs[name].append(job(n, "default" if n == 1 else name, args))
            print(f"round {r + 1}: {name} done, load {runs[name][-1]['load']}", flush=True)
    text = report(runs, args)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
