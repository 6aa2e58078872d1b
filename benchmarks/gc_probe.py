"""How much of the scalar-graph step is Python's cycle collector, and what the graph leaves for it.

    python benchmarks/gc_probe.py [--steps 5] [--no-torch] [--out DIR]

The scalar graph (``workloads.scalar_step``: micrograd's MLP, every weight a 0-d tensor) records
about 64,000 ops per step. Each object a recorded op leaves alive is one more for the collector to
scan when a full collection comes, and one comes while the forward pass builds the graph. The
collector's own callbacks (``gc.callbacks``) time every collection, by generation, so this
measures the collector directly, which holds up on a machine whose speed drifts from minute to
minute, unlike a difference of step times.

By default PyTorch is imported first, as in ``bench.py``'s alternating runs, where its ~170,000
objects share the heap (and make each full collection longer). Also printed: the tracked objects
the forward pass leaves alive, by type. Results go to ``benchmarks/results/<UTC time>-gc-probe.md``.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import gc
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def tracked_by_forward(ndgrad: Any, workloads: Any) -> collections.Counter[str]:
    """Tracked objects alive after one forward pass of the scalar graph, by type name."""
    layers, xs, ys = workloads.scalar_model(ndgrad)
    gc.collect()
    before = collections.Counter(type(o).__name__ for o in gc.get_objects())
    loss = workloads.scalar_forward(layers, xs, ys)
    gc.collect()
    after = collections.Counter(type(o).__name__ for o in gc.get_objects())
    del loss
    return collections.Counter({k: after[k] - before[k] for k in after if after[k] > before[k]})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--no-torch", action="store_true", help="do not import PyTorch first")
    parser.add_argument("--out", default=str(HERE / "results"))
    args = parser.parse_args()
    if not args.no_torch:
        import torch  # noqa: F401  (its objects share the heap, as in bench.py's alternating runs)
    import workloads

    import ndgrad

    started = datetime.datetime.now(datetime.timezone.utc)
    load_before = " ".join(f"{v:.1f}" for v in os.getloadavg())
    heap = len(gc.get_objects())
    step = workloads.scalar_step(ndgrad)
    step()  # warm-up
    per_gen: dict[int, list[tuple[int, float]]] = {0: [], 1: [], 2: []}
    totals: list[float] = []
    current: dict[int, list[float]] = {}
    start = [0.0]

    def on_collect(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            start[0] = time.perf_counter()
        else:
            current[info["generation"]].append(time.perf_counter() - start[0])

    for _ in range(args.steps):
        gc.collect()
        current.clear()
        current.update({0: [], 1: [], 2: []})
        gc.callbacks.append(on_collect)
        t0 = time.perf_counter()
        step()
        totals.append(time.perf_counter() - t0)
        gc.callbacks.remove(on_collect)
        for g, times in current.items():
            per_gen[g].append((len(times), sum(times)))
    alive = tracked_by_forward(ndgrad, workloads)
    load_after = " ".join(f"{v:.1f}" for v in os.getloadavg())

    med = statistics.median
    lines = [
        f"Run {started:%Y-%m-%d %H:%M} UTC, `python benchmarks/gc_probe.py "
        f"{' '.join(sys.argv[1:])}`; ndgrad from `{Path(ndgrad.__file__).parent}`; "
        f"load average before {load_before}, after {load_after}.",
        "",
        f"Tracked objects in the process before the model: {heap:,} "
        f"({'PyTorch imported' if not args.no_torch else 'no PyTorch'}).",
        "",
        "| scalar-graph step | median of " + str(args.steps) + " steps |",
        "|---|---|",
        f"| step time | {med(totals) * 1e3:.0f} ms |",
    ]
    gc_total = 0.0
    for g in (0, 1, 2):
        counts = [c for c, _ in per_gen[g]]
        secs = [s for _, s in per_gen[g]]
        gc_total += med(secs)
        lines.append(
            f"| generation {g} collections | {med(counts):.0f}, {med(secs) * 1e3:.1f} ms |"
        )
    lines.append(f"| all collections | {gc_total * 1e3:.1f} ms ({gc_total / med(totals):.0%}) |")
    lines += [
        "",
        f"Tracked objects the forward pass leaves alive: {sum(alive.values()):,} "
        f"({', '.join(f'{k} {v:,}' for k, v in alive.most_common(8))}).",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{started:%Y%m%d-%H%M}-gc-probe.md").write_text(text)


if __name__ == "__main__":
    main()
