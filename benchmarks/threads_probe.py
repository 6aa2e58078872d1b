"""Can a NumPy library run its elementwise passes on 2 threads? A probe of the obvious way.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=2 \
        python benchmarks/threads_probe.py

NumPy's ufuncs run on one thread, but they release the GIL, so a library could split a large
ReLU in two halves and hand one to a worker thread. PyTorch does the equivalent inside its kernels
(OpenMP). This times 3 ReLUs over a CNN-sized activation (64x32x28x28 float32), serial against
split over 2 threads, in two situations: right after a matrix product (as in a training step,
where every elementwise pass follows a GEMM by microseconds) and after 150 ms of idleness. The
calls alternate, 200 rounds each; medians are printed and written to
``benchmarks/results/<UTC time>-threads-probe.md``.

What it shows on a 2-core machine: after a product, OpenBLAS's worker thread keeps spinning (about
100 ms, waiting for the next product) and holds the second core, so the split version waits for it
and is slower than the serial one.
"""

from __future__ import annotations

import datetime
import os
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

ROUNDS = 200
REPEAT = 3  # ReLUs per timed call


def main() -> None:
    pool = ThreadPoolExecutor(1)
    x = np.random.default_rng(0).standard_normal((64, 32, 28, 28)).astype(np.float32)
    out = np.empty_like(x)
    a = np.ones((64, 64, 288), np.float32)  # conv2's product in the benchmark CNN
    w = np.ones((288, 196), np.float32)
    half = x.shape[0] // 2

    def relu(split: bool) -> None:
        for _ in range(REPEAT):
            if split:
                done = pool.submit(np.maximum, x[half:], 0, out=out[half:])
                np.maximum(x[:half], 0, out=out[:half])
                done.result()
            else:
                np.maximum(x, 0, out=out)

    cases = {(s, g): [] for s in (False, True) for g in (True, False)}
    started = datetime.datetime.now(datetime.timezone.utc)
    load_before = " ".join(f"{v:.1f}" for v in os.getloadavg())
    for r in range(2 * ROUNDS):
        split = bool(r % 2)
        np.matmul(a, w)
        t0 = time.perf_counter()
        relu(split)
        cases[(split, True)].append(time.perf_counter() - t0)
        time.sleep(0.15)
        t0 = time.perf_counter()
        relu(split)
        cases[(split, False)].append(time.perf_counter() - t0)
    lines = [
        f"Run {started:%Y-%m-%d %H:%M} UTC, `python benchmarks/threads_probe.py`, "
        f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}; load average "
        f"before {load_before}, after {' '.join(f'{v:.1f}' for v in os.getloadavg())}.",
        "",
        f"| {REPEAT} ReLUs of 64x32x28x28 float32 | serial | split over 2 threads |",
        "|---|---|---|",
    ]
    for after_gemm, label in ((True, "right after a GEMM"), (False, "after 150 ms idle")):
        ser = statistics.median(cases[(False, after_gemm)]) * 1e3
        par = statistics.median(cases[(True, after_gemm)]) * 1e3
        lines.append(f"| {label} | {ser:.2f} ms | {par:.2f} ms |")
    lines.append(f"\nMedians of {ROUNDS} rounds each.")
    text = "\n".join(lines) + "\n"
    path = Path(__file__).resolve().parent / "results" / f"{started:%Y%m%d-%H%M}-threads-probe.md"
    path.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
