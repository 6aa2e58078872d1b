"""Did a change make ndgrad faster? Two source trees, step by step in turn, ratio per pair.

    python benchmarks/ab.py BEFORE_SRC AFTER_SRC [--only gpt cnn ...] [--pairs 16] [--threads 1]

BEFORE_SRC and AFTER_SRC are ``src`` folders of two checkouts (``git worktree add --detach
../before HEAD~1`` makes one). Each tree runs in its own worker process (ndgrad alone, as a user
runs it); the parent asks them for one timed step in turn, the order flipped every pair, each
call after a collection and a short idle gap. The ratio after / before of every pair is taken, and
the median and quartiles of those ratios are reported: this VM's speed drifts by 30% and more
over minutes, and two calls a fraction of a second apart see nearly the same machine.
Results go to ``benchmarks/results/<UTC time>-ab.md``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def worker() -> None:
    """Build steps on request and time one call per request (see the module docstring)."""
    import gc

    sys.path.insert(0, str(HERE))
    import workloads

    import ndgrad

    print(json.dumps(str(Path(ndgrad.__file__).parent)), flush=True)
    steps: dict[str, Any] = {}
    for line in sys.stdin:
        verb, _, name = line.strip().partition(" ")
        if verb == "setup":
            steps[name] = workloads.make_step(name, ndgrad)
            for _ in range(2):
                steps[name]()
            print("ok", flush=True)
        elif verb == "step":
            gc.collect()
            time.sleep(0.05)
            t0 = time.perf_counter()
            steps[name]()
            print(time.perf_counter() - t0, flush=True)
        else:
            break


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--only", nargs="+", default=["gpt", "cnn", "mlp", "lstm"])
    parser.add_argument("--pairs", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default=str(HERE / "results"))
    args = parser.parse_args()
    started = datetime.datetime.now(datetime.timezone.utc)
    load_before = " ".join(f"{v:.1f}" for v in os.getloadavg())
    procs = []
    for src in (args.before, args.after):
        env = dict(os.environ, PYTHONPATH=str(Path(src).resolve()))
        for var in THREAD_VARS:
            env[var] = str(args.threads)
        procs.append(
            subprocess.Popen(
                [sys.executable, __file__, "--_worker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                env=env,
            )
        )

    def ask(i: int, request: str) -> str:
        proc = procs[i]
        assert proc.stdin is not None and proc.stdout is not None
        if request:
            proc.stdin.write(request + "\n")
            proc.stdin.flush()
        return proc.stdout.readline().strip()

    where = [json.loads(ask(i, "")) for i in range(2)]
    rows = []
    for name in args.only:
        for i in range(2):
            ask(i, f"setup {name}")
        times: list[list[float]] = [[], []]
        for p in range(args.pairs):
            for i in (0, 1) if p % 2 == 0 else (1, 0):
                times[i].append(float(ask(i, f"step {name}")))
        ratios = sorted(b / a for a, b in zip(*times, strict=True))
        q = statistics.quantiles(ratios, n=4)
        scale, unit = (1e6 / 1000, "us/op") if name == "chain" else (1e3, "ms")
        rows.append(
            f"| {name} | {statistics.median(times[0]) * scale:.2f} {unit} | "
            f"{statistics.median(times[1]) * scale:.2f} {unit} | "
            f"{statistics.median(ratios):.3f} ({q[0]:.3f}-{q[2]:.3f}) |"
        )
        print(rows[-1], flush=True)
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=60)
    load_after = " ".join(f"{v:.1f}" for v in os.getloadavg())
    text = "\n".join(
        [
            f"Run {started:%Y-%m-%d %H:%M} UTC, `python benchmarks/ab.py "
            f"{' '.join(sys.argv[1:])}`; {args.threads} thread(s); load average before "
            f"{load_before}, after {load_after}.",
            "",
            f"Before: ndgrad from `{where[0]}`; after: from `{where[1]}`.",
            "",
            f"| workload | before (median) | after (median) | after / before, median of "
            f"{args.pairs} pairs (quartiles) |",
            "|---|---|---|---|",
            *rows,
        ]
    )
    print(text)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{started:%Y%m%d-%H%M}-ab.md").write_text(text + "\n")


if __name__ == "__main__":
    if sys.argv[1:] == ["--_worker"]:
        worker()
    else:
        main()
