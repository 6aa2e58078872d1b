"""Did a change make ndgrad faster? Two source trees, step by step in turn, ratio per pair.

    python benchmarks/ab.py BEFORE_SRC AFTER_SRC [--only gpt cnn ...] [--pairs 16] [--threads 1]

BEFORE_SRC and AFTER_SRC are ``src`` folders of two checkouts (``git worktree add --detach
../before HEAD~1`` makes one). Each tree runs in its own worker process (``bench.Worker``: ndgrad
alone, as a user runs it); the parent asks them for one timed step in turn, the order flipped
every pair, each call after a collection and a short idle gap (``bench.take_turns``). The ratio
after / before of every pair is taken, and the median and quartiles of those ratios are reported:
this VM's speed drifts by 30% and more over minutes, and two calls a fraction of a second apart
see nearly the same machine.
Results go to ``benchmarks/results/<UTC time>-ab.md``.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench import Worker, take_turns  # noqa: E402  (the benchmarks folder, put on the path above)

GAP = 0.05  # idle seconds before each timed call


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
    workers = {
        "before": Worker("ndgrad", args.threads, GAP, args.before),
        "after": Worker("ndgrad", args.threads, GAP, args.after),
    }
    rows = []
    try:
        for name in args.only:
            times = take_turns(workers, name, args.pairs)
            ratios = sorted(b / a for a, b in zip(times["before"], times["after"], strict=True))
            q = statistics.quantiles(ratios, n=4)
            scale, unit = (1e6 / 1000, "us/op") if name == "chain" else (1e3, "ms")
            rows.append(
                f"| {name} | {statistics.median(times['before']) * scale:.2f} {unit} | "
                f"{statistics.median(times['after']) * scale:.2f} {unit} | "
                f"{statistics.median(ratios):.3f} ({q[0]:.3f}-{q[2]:.3f}) |"
            )
            print(rows[-1], flush=True)
    finally:
        for w in workers.values():
            w.close()
    load_after = " ".join(f"{v:.1f}" for v in os.getloadavg())
    text = "\n".join(
        [
            f"Run {started:%Y-%m-%d %H:%M} UTC, `python benchmarks/ab.py "
            f"{' '.join(sys.argv[1:])}`; {args.threads} thread(s); load average before "
            f"{load_before}, after {load_after}.",
            "",
            f"Before: ndgrad from `{Path(args.before).resolve()}`; after: from "
            f"`{Path(args.after).resolve()}`.",
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
    main()
