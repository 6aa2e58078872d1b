"""ndgrad against PyTorch on this CPU: training steps, the graph machinery, memory, MNIST epochs.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench.py [--quick] [--only NAME
    ...]
        [--threads 1 2] [--rounds N] [--gap S] [--no-memory] [--no-mnist] [--mnist-dir DIR] [--out
        DIR]
    python benchmarks/bench.py --profile cnn [--threads 1]

Every measurement runs in a fresh child process started by this script (the thread count must be
fixed before NumPy and torch load). For each thread count (1 and 2):

- alternating: both libraries in one process, taking turns call by call (the order flips every
  round); before each timed call a garbage collection and an idle gap (``--gap``, default 0.2 s),
  so no library's idle threads (OpenBLAS's workers spin ~100 ms after each call) steal a core
  from the other's timed call;
- separate: each library alone in its own process, same gaps; the two processes take turns call
  by call too (the parent asks each for one timed call in turn), so a machine whose speed drifts
  over minutes slows both alike.

Both are reported as median and best (fastest round) over the stated number of rounds. Memory:
after a warm-up step and ``zero_grad`` (both sides), the peak of live bytes during one step
(ndgrad: tracemalloc with its workspace pool off, the pool's reserve shown apart; torch: its
profiler's allocation records) and the peak RSS growth with eager-release malloc
(``MALLOC_TRIM_THRESHOLD_=0``), each library in its own process. MNIST: one epoch per library,
data loading included.

Writes ``benchmarks/results/<UTC time>-<full|quick>.json`` and ``.md`` (with the load average
before and after) and prints the markdown tables.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
DEFAULT_MNIST = HERE.parent.parent / "shared" / "data" / "mnist"
SLOW_BLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
EAGER_MALLOC = {"MALLOC_TRIM_THRESHOLD_": "0", "MALLOC_MMAP_THRESHOLD_": "65536"}

WORKLOADS = {
    # name: (description, timed rounds of a full run, divisor for the per-unit figure, unit, goal)
    "mlp": ("MLP step 784-512-256-10, batch 128, SGD", 30, 1, "ms", 0.8),
    "cnn": ("CNN step conv32-pool-conv64-pool-fc128-fc10, batch 64, SGD", 15, 1, "ms", 1.0),
    "gpt": ("char GPT step (4 layers, 4 heads, d 128, seq 64, batch 32), AdamW", 8, 1, "ms", 1.0),
    "lstm": (
        "LSTM LM step (2 layers, 200 hidden, bptt 35, batch 20, vocab 10k), SGD + clip",
        8,
        1,
        "ms",
        1.2,
    ),
    "chain": ("chain of 1000 y = y + 1 (0-d), fwd+bwd", 20, 1000, "us/op", 0.5),
    "scalar": ("scalar MLP 2-16-16-1, 0-d weights, 100 points, fwd+bwd", 5, 1, "ms", 1.0),
}
MEMORY_KINDS = ("mlp", "cnn", "gpt", "lstm")


def load_lib(name: str, threads: int) -> ModuleType:
    if name == "torch":
        import torch

        torch.set_num_threads(threads)
        return torch
    import ndgrad

    return ndgrad


# -- children: what runs inside each fresh process ------------------------------------------------


def timed_rounds(
    steps: dict[str, Any], rounds: int, gap: float, warmup: int
) -> dict[str, list[float]]:
    """Seconds of each call; libraries alternate (order flipped every round), each timed call
    preceded by a collection and ``gap`` seconds of idleness."""
    for _ in range(warmup):
        for fn in steps.values():
            fn()
    times: dict[str, list[float]] = {k: [] for k in steps}
    for r in range(rounds):
        for k in list(steps) if r % 2 == 0 else list(reversed(steps)):
            gc.collect()
            time.sleep(gap)
            t0 = time.perf_counter()
            steps[k]()
            times[k].append(time.perf_counter() - t0)
    return times


def child_time(
    libs: list[str], names: list[str], threads: int, rounds: dict[str, int], gap: float
) -> Any:
    import workloads as W

    mods = {lib: load_lib(lib, threads) for lib in libs}
    out = {}
    for name in names:
        steps = {}
        for lib in libs:  # torch first: ndgrad then starts from torch's weights
            model = getattr(steps.get("torch"), "model", None)
            steps[lib] = W.make_step(name, mods[lib], model)
        out[name] = timed_rounds(steps, rounds[name], gap, warmup=2)
    return out


def worker_main(spec: str) -> None:
    """One library alone in this process, timing one call per request from the parent:
    ``setup NAME`` builds the step and warms it up twice, ``step NAME`` answers the seconds of one
    call (after a collection and ``gap`` idle seconds), ``quit`` ends."""
    import workloads as W

    threads, lib, gap = json.loads(spec)
    mod = load_lib(lib, threads)
    steps: dict[str, Any] = {}
    for line in sys.stdin:
        verb, _, name = line.strip().partition(" ")
        if verb == "quit":
            break
        if verb == "setup":
            steps[name] = W.make_step(name, mod)
            for _ in range(2):
                steps[name]()
            print("ok", flush=True)
            continue
        gc.collect()
        time.sleep(gap)
        t0 = time.perf_counter()
        steps[name]()
        print(time.perf_counter() - t0, flush=True)


def _torch_step_peak(step: Any) -> float:
    """Peak of torch's live bytes during one call of ``step``, from the profiler's allocation
    records (every allocation and free of torch's CPU allocator, in order)."""
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        step()
    events = [e for e in prof.profiler.kineto_results.events() if e.name() == "[memory]"]
    events.sort(key=lambda e: e.start_ns())
    live = peak = 0
    for e in events:
        live += e.nbytes()
        peak = max(peak, live)
    return float(peak)


def _ndgrad_step_peak(step: Any) -> dict[str, float]:
    """Peak of NumPy's live bytes during one call (tracemalloc), with the workspace pool off so
    that every array of the step is a traced allocation; and what the pool holds when on (its
    reserve, like PyTorch's reserved CUDA memory: counted in the RSS figure, not in live bytes)."""
    import tracemalloc

    from ndgrad import _workspace

    reserve = _workspace.cached_bytes()
    limit = _workspace.get_limit()
    _workspace.set_limit(0)
    _workspace.empty_cache()
    step()  # one untraced call without the pool, so no first-call effect is traced
    step.model.zero_grad()
    gc.collect()
    tracemalloc.start()
    step()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    _workspace.set_limit(limit)
    return {"live": float(peak), "tracemalloc": float(peak), "pool": float(reserve)}


def _proc_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise OSError(field)


def child_memory(lib: str, name: str, threads: int) -> Any:
    """Warm-up step, zero_grad, then: peak RSS growth of one step, and the peak of live bytes of
    another (measured after, as the tracing itself costs memory)."""
    import workloads as W

    step = W.make_step(name, load_lib(lib, threads))
    step()
    step.model.zero_grad()  # type: ignore[attr-defined]
    gc.collect()
    rss = None
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # resets the peak (VmHWM) to the current RSS
        base = _proc_kib("VmRSS")
        step()
        rss = (_proc_kib("VmHWM") - base) * 1024.0
    except OSError:
        step()
    step.model.zero_grad()  # type: ignore[attr-defined]
    gc.collect()
    live = {"live": _torch_step_peak(step)} if lib == "torch" else _ndgrad_step_peak(step)
    return {"rss": rss, **live}


def child_mnist(lib: str, kind: str, threads: int, root: str, max_steps: int) -> Any:
    import workloads as W

    return W.mnist_epoch(kind, load_lib(lib, threads), Path(root), max_steps)


def run_child(
    args: list[str], threads: int, eager_malloc: bool = False, timeout: float = 900
) -> Any:
    """Run this script as a child with ``args``; its last stdout line is JSON."""
    env = dict(os.environ)
    for var in THREAD_VARS:
        env[var] = str(threads)
    if eager_malloc:
        env.update(EAGER_MALLOC)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--_child", json.dumps([threads, *args])]
    proc = subprocess.run(
        cmd, capture_output=True, text=True, env=env, timeout=timeout, check=False
    )
    if proc.returncode != 0:
        print(f"  child {args[:3]} failed:\n{proc.stderr[-3000:]}", flush=True)
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def child_main(spec: str) -> None:
    threads, kind, *rest = json.loads(spec)
    if kind == "time":
        libs, names, rounds, gap = rest
        result = child_time(libs, names, threads, rounds, gap)
    elif kind == "memory":
        result = child_memory(rest[0], rest[1], threads)
    else:
        result = child_mnist(*rest[:2], threads, *rest[2:])
    print(json.dumps(result))


# -- the parent: run the children, summarise, write the results files ----------------------------


def summary(times: list[float], div: float, unit: str) -> dict[str, float]:
    scale = (1e6 if unit.startswith("us") else 1e3) / div
    return {
        "median": statistics.median(times) * scale,
        "best": min(times) * scale,
        "rounds": len(times),
    }


class Worker:
    """A child process that times one library's steps on request (``worker_main``); ``src``, if
    given, is put first on its ``PYTHONPATH`` (an A/B of two source trees: ``ab.py``)."""

    def __init__(self, lib: str, threads: int, gap: float, src: str | None = None) -> None:
        env = dict(os.environ)
        for var in THREAD_VARS:
            env[var] = str(threads)
        if src is not None:
            env["PYTHONPATH"] = str(Path(src).resolve())
        self.lib = lib
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--_worker"]
            + [json.dumps([threads, lib, gap])],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )

    def ask(self, request: str) -> str:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(request + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline()
        if not answer:
            raise RuntimeError(f"the {self.lib} worker stopped (request {request!r})")
        return answer.strip()

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("quit\n")
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def take_turns(workers: dict[str, Worker], name: str, rounds: int) -> dict[str, list[float]]:
    """Seconds of ``rounds`` calls of workload ``name`` in each worker, the workers taking turns
    call by call (order flipped every round)."""
    for w in workers.values():
        w.ask(f"setup {name}")
    keys = list(workers)
    times: dict[str, list[float]] = {k: [] for k in keys}
    for r in range(rounds):
        for k in keys if r % 2 == 0 else keys[::-1]:
            times[k].append(float(workers[k].ask(f"step {name}")))
    return times


def run_separate(
    names: list[str], threads: int, rounds: dict[str, int], gap: float
) -> dict[str, dict[str, list[float]]]:
    """Each library alone in its own process, the two processes taking turns call by call: a
    machine whose speed drifts over minutes slows both alike, as in the alternating mode, while
    neither library's objects or threads share the other's process."""
    workers = {lib: Worker(lib, threads, gap) for lib in ("torch", "ndgrad")}
    out: dict[str, dict[str, list[float]]] = {}
    try:
        for name in names:
            out[name] = take_turns(workers, name, rounds[name])
    except RuntimeError as exc:
        print(f"  separate: {exc}", flush=True)
    finally:
        for w in workers.values():
            w.close()
    return out


def run_timings(args: argparse.Namespace, names: list[str]) -> dict[str, Any]:
    rounds = {
        n: args.rounds or (max(3, WORKLOADS[n][1] // 3) if args.quick else WORKLOADS[n][1])
        for n in names
    }
    out: dict[str, Any] = {}
    for threads in args.threads:
        for mode in ("alternating", "separate"):
            print(f"  timing: {mode}, {threads} thread(s) ...", flush=True)
            if mode == "alternating":
                libs = ["torch", "ndgrad"]
                res = run_child(["time", libs, names, rounds, args.gap], threads) or {}
            else:
                res = run_separate(names, threads, rounds, args.gap)
            for name, per_lib in res.items():
                div, unit = WORKLOADS[name][2], WORKLOADS[name][3]
                entry = out.setdefault(f"{name}/{threads}", {}).setdefault(mode, {})
                for lib, times in per_lib.items():
                    entry[lib] = summary(times, div, unit) | {"raw_s": times}
    return out


def run_memory(names: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in [n for n in names if n in MEMORY_KINDS]:
        print(f"  memory: {name} ...", flush=True)
        out[name] = {
            lib: run_child(["memory", lib, name], 2, eager_malloc=True)
            for lib in ("torch", "ndgrad")
        }
    return out


def run_mnist(args: argparse.Namespace) -> dict[str, Any]:
    import workloads as W

    root = Path(args.mnist_dir)
    if not all((root / f).exists() for f in W.MNIST_FILES):
        print(f"  MNIST: skipped, no {W.MNIST_FILES} in {root} (--mnist-dir)")
        return {}
    steps = 60 if args.quick else 0
    out: dict[str, Any] = {}
    for kind in ("mlp", "cnn"):
        for lib in ("torch", "ndgrad"):
            print(f"  MNIST {kind} epoch: {lib} ...", flush=True)
            out.setdefault(kind, {})[lib] = run_child(["mnist", lib, kind, str(root), steps], 2)
    return out


def ratio(nd: float | None, th: float | None) -> str:
    return f"{nd / th:.2f}x" if nd and th else "-"


def markdown(results: dict[str, Any]) -> str:
    lines = [
        f"Run {results['started']} to {results['finished']} UTC, `{results['command']}`; load "
        "average "
        f"before {results['load_before']}, after {results['load_after']}; {results['machine']}.",
        "",
        "| workload | threads | torch (median) | ndgrad (median) | ratio alternating: median / "
        "best "
        "| ratio separate processes: median / best | rounds | goal |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for key, modes in results["timings"].items():
        name, threads = key.split("/")
        desc, _, _, unit, goal = WORKLOADS[name]
        alt, sep = modes.get("alternating", {}), modes.get("separate", {})
        if "torch" not in alt or "ndgrad" not in alt:
            continue
        th, nd = alt["torch"], alt["ndgrad"]
        cells = [
            desc,
            threads,
            f"{th['median']:.2f} {unit}",
            f"{nd['median']:.2f} {unit}",
            f"{ratio(nd['median'], th['median'])} / {ratio(nd['best'], th['best'])}",
        ]
        if "torch" in sep and "ndgrad" in sep:
            s_th, s_nd = sep["torch"], sep["ndgrad"]
            cells.append(
                f"{ratio(s_nd['median'], s_th['median'])} / {ratio(s_nd['best'], s_th['best'])}"
            )
        else:
            cells.append("-")
        cells += [str(th["rounds"]), f"<= {goal}"]
        lines.append("| " + " | ".join(cells) + " |")
    if results.get("memory"):
        lines += [
            "",
            "Memory of one step after a warm-up step and zero_grad (MiB; each library in its own "
            "process):",
            "",
            "| workload | live peak torch | live peak ndgrad | ratio | ndgrad pool reserve "
            "| RSS growth torch | RSS growth ndgrad (pool on: its reserve is mapped already) | "
            "ratio |",
            "|---|---|---|---|---|---|---|---|",
        ]
        mib = 2.0**20
        for name, m in results["memory"].items():
            th, nd = m.get("torch") or {}, m.get("ndgrad") or {}
            if not th or not nd:
                continue
            live = (
                f"{th['live'] / mib:.1f} | {nd['live'] / mib:.1f} | {ratio(nd['live'], th['live'])}"
            )
            rss = f"{(th['rss'] or 0) / mib:.1f} | {(nd['rss'] or 0) / mib:.1f}"
            lines.append(
                f"| {name} | {live} | {nd['pool'] / mib:.1f} | {rss} | "
                f"{ratio(nd['rss'], th['rss'])} |"
            )
    if results.get("mnist"):
        lines += [
            "",
            "MNIST epoch, Adam, data loading included (2 threads, each library in its own "
            "process):",
            "",
        ]
        lines += ["| model | torch | ndgrad | ratio | how |", "|---|---|---|---|---|"]
        for kind, m in results["mnist"].items():
            th, nd = m.get("torch"), m.get("ndgrad")
            if not th or not nd:
                continue
            how = (
                "full epoch"
                if th["steps"] == th["steps_per_epoch"]
                else (f"{th['steps']} of {th['steps_per_epoch']} steps timed, extrapolated")
            )
            secs = f"{th['epoch_s']:.1f} s | {nd['epoch_s']:.1f} s"
            lines.append(
                f"| {kind} | {secs} | {ratio(nd['epoch_s'], th['epoch_s'])} "
                f"| {how}; final loss torch {th['last_loss']:.3f}, ndgrad {nd['last_loss']:.3f} |"
            )
    return "\n".join(lines) + "\n"


def machine() -> str:
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            model = next(
                (ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), ""
            )
    except OSError:
        pass
    return (
        f"{model or platform.processor()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}"
    )


def versions() -> dict[str, str]:
    import numpy

    out = {"numpy": numpy.__version__}
    try:
        from threadpoolctl import threadpool_info

        out["blas"] = "; ".join(
            f"{i.get('internal_api')} {i.get('version')} {i.get('architecture')}"
            for i in threadpool_info()
        )
    except ImportError:
        out["blas"] = "(pip install threadpoolctl to name the BLAS kernel)"
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only", nargs="+", choices=[*WORKLOADS, "mnist"], help="these workloads only"
    )
    parser.add_argument(
        "--quick", action="store_true", help="a third of the rounds, short gaps, 60 MNIST steps"
    )
    parser.add_argument(
        "--threads", nargs="+", type=int, default=[1, 2], help="thread counts (default 1 2)"
    )
    parser.add_argument(
        "--rounds", type=int, help="timed rounds per workload (default per workload)"
    )
    parser.add_argument(
        "--gap", type=float, help="idle seconds before each timed call (0.2; quick 0.1)"
    )
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--no-mnist", action="store_true")
    parser.add_argument("--mnist-dir", default=str(DEFAULT_MNIST))
    parser.add_argument("--out", default=str(HERE / "results"), help="where the results files go")
    parser.add_argument("--profile", metavar="NAME", help="cProfile ndgrad's step of one workload")
    parser.add_argument("--render", metavar="JSON", help="print the tables of a results file again")
    parser.add_argument("--_child", help=argparse.SUPPRESS)
    parser.add_argument("--_worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._child:
        child_main(args._child)
        return
    if args._worker:
        worker_main(args._worker)
        return
    if args.render:
        print(markdown(json.loads(Path(args.render).read_text())))
        return
    if args.profile:
        from profile_step import profile_ndgrad

        profile_ndgrad(args.profile, args.rounds or 5, args.threads[0])
        return
    if args.gap is None:
        args.gap = 0.1 if args.quick else 0.2
    for var in SLOW_BLAS_VARS:
        if os.environ.get(var):
            print(
                f"WARNING: {var} is set and forces a slower OpenBLAS kernel; rerun with env -u "
                f"{var}"
            )
    names = [n for n in args.only or WORKLOADS if n != "mnist"]
    started = datetime.datetime.now(datetime.timezone.utc)
    results: dict[str, Any] = {
        "started": started.strftime("%Y-%m-%d %H:%M"),
        "command": "python benchmarks/bench.py " + " ".join(sys.argv[1:]),
        "load_before": " ".join(f"{v:.1f}" for v in os.getloadavg()),
        "machine": machine(),
        "versions": versions(),
        "gap_s": args.gap,
    }
    results["timings"] = run_timings(args, names)
    results["memory"] = {} if args.no_memory else run_memory(names)
    skip_mnist = args.no_mnist or (args.only and "mnist" not in args.only)
    results["mnist"] = {} if skip_mnist else run_mnist(args)
    results["finished"] = datetime.datetime.now(datetime.timezone.utc).strftime("%H:%M")
    results["load_after"] = " ".join(f"{v:.1f}" for v in os.getloadavg())
    table = markdown(results)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"{started.strftime('%Y%m%d-%H%M')}-{'quick' if args.quick else 'full'}"
    stem.with_suffix(".json").write_text(json.dumps(results, indent=1) + "\n")
    stem.with_suffix(".md").write_text(table)
    print()
    print(table)
    print(f"written: {stem}.json and .md")


if __name__ == "__main__":
    main()
