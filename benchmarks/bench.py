"""ndgrad against PyTorch on this CPU: per-op cost, a scalar graph, three training steps, MNIST epochs.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench.py [--only NAME] [--repeat N]
        [--quick] [--threads N] [--no-memory] [--mnist-dir ../shared/data/mnist] [--mnist-steps N]
        [--profile NAME]

Workloads (float32, 2 threads for both libraries, models built the same way from ``lib.nn``):

- ``chain``: 1,000 ``y = y + 1`` on a 0-d tensor, forward and backward (the graph machinery alone).
- ``scalar``: an MLP 2-16-16-1 (tanh) over 100 points where every weight is its own 0-d tensor,
  forward and backward of the mean squared error (micrograd's setting: ~130k tiny ops).
- ``mlp``: one SGD step of 784-512-256-10 (ReLU) on a batch of 128, cross-entropy.
- ``cnn``: one SGD step of conv32-pool-conv64-pool-fc128-fc10 on a batch of 64 of 1x28x28.
- ``gpt``: one AdamW step of a char-level GPT (vocab 65, 4 layers, 4 heads, d 128, seq 64, batch 32).
- ``mnist_mlp`` / ``mnist_cnn``: seconds per epoch of the example models with Adam on the real MNIST
  (``--mnist-steps N`` times N steps and extrapolates to the 60,000 images; 0 = the whole epoch).

Timing: both libraries run in this one process, alternating round by round (warm-up first); the
table shows the median of the rounds. Peak memory of a training step: each library runs the step
in a fresh subprocess; the figure is the growth of the peak resident set (``ru_maxrss``) over three
steps, after the model and the batch exist. torch's CPU allocator is invisible to tracemalloc, so
RSS is the one measure that treats both alike; ndgrad's NumPy peak from tracemalloc is shown too.
"""

from __future__ import annotations

import os

# BLAS and OpenMP read their thread counts when loaded: pin them before NumPy or torch import
import sys  # noqa: E402

# --threads N must act before NumPy loads, so it is read here (argparse lists it for --help)
THREADS = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv[:-1] else 2
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = str(THREADS)

import argparse  # noqa: E402
import gzip  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from types import ModuleType  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
DEFAULT_MNIST = HERE.parent.parent / "shared" / "data" / "mnist"
SLOW_BLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
Step = Callable[[], Any]


def load_lib(name: str) -> ModuleType:
    """Import ``ndgrad`` or ``torch`` (each memory subprocess imports only the one it measures)."""
    if name == "torch":
        import torch

        torch.set_num_threads(THREADS)
        return torch
    import ndgrad

    return ndgrad


# -- models, written once against the shared API (lib is ndgrad or torch) -----------------------


def make_mlp(lib: ModuleType, dropout: float = 0.0) -> Any:
    nn = lib.nn
    layers: list[Any] = [nn.Linear(784, 512), nn.ReLU()]
    if dropout:
        layers.append(nn.Dropout(dropout))
    layers += [nn.Linear(512, 256), nn.ReLU()]
    if dropout:
        layers.append(nn.Dropout(dropout))
    layers.append(nn.Linear(256, 10))
    return nn.Sequential(*layers)


def make_cnn(lib: ModuleType) -> Any:
    nn, F = lib.nn, lib.nn.functional

    class Net(nn.Module):  # type: ignore[name-defined,misc]
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
            self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
            self.fc1 = nn.Linear(64 * 7 * 7, 128)
            self.fc2 = nn.Linear(128, 10)

        def forward(self, x: Any) -> Any:
            x = F.max_pool2d(F.relu(self.conv1(x)), 2)
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = F.relu(self.fc1(x.flatten(1)))
            return self.fc2(x)

    return Net()


GPT_VOCAB, GPT_LAYERS, GPT_HEADS, GPT_D, GPT_SEQ, GPT_BATCH = 65, 4, 4, 128, 64, 32


def make_gpt(lib: ModuleType) -> Any:
    """The model of examples/char_gpt.py (pre-norm blocks, causal SDPA, GELU MLP), dropout 0."""
    nn, F = lib.nn, lib.nn.functional

    class Block(nn.Module):  # type: ignore[name-defined,misc]
        def __init__(self, d: int, heads: int) -> None:
            super().__init__()
            self.heads = heads
            self.ln1 = nn.LayerNorm(d)
            self.qkv = nn.Linear(d, 3 * d)
            self.proj = nn.Linear(d, d)
            self.ln2 = nn.LayerNorm(d)
            self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

        def forward(self, x: Any) -> Any:
            b, t, d = x.shape
            q, k, v = self.qkv(self.ln1(x)).split(d, dim=2)
            q, k, v = (z.reshape(b, t, self.heads, d // self.heads).transpose(1, 2) for z in (q, k, v))
            att = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            x = x + self.proj(att.transpose(1, 2).reshape(b, t, d))
            return x + self.mlp(self.ln2(x))

    class GPT(nn.Module):  # type: ignore[name-defined,misc]
        def __init__(self) -> None:
            super().__init__()
            self.tok = nn.Embedding(GPT_VOCAB, GPT_D)
            self.pos = nn.Embedding(GPT_SEQ, GPT_D)
            self.blocks = nn.Sequential(*[Block(GPT_D, GPT_HEADS) for _ in range(GPT_LAYERS)])
            self.ln = nn.LayerNorm(GPT_D)
            self.head = nn.Linear(GPT_D, GPT_VOCAB)

        def forward(self, idx: Any) -> Any:
            x = self.tok(idx) + self.pos(lib.arange(idx.shape[1]))
            return self.head(self.ln(self.blocks(x)))

    return GPT()


def copy_params(src: Any, dst: Any) -> None:
    """Give the ndgrad model ``dst`` the torch model ``src``'s initial weights (same order)."""
    for p_src, p_dst in zip(src.parameters(), dst.parameters(), strict=True):
        p_dst.array[...] = p_src.detach().numpy()


# -- the workloads: each returns a zero-argument step function --------------------------------

CHAIN = 1000


def chain_step(lib: ModuleType) -> Step:
    def run() -> None:
        x = lib.tensor(1.0, requires_grad=True)
        y = x
        for _ in range(CHAIN):
            y = y + 1
        y.backward()

    return run


SCALAR_SIZES = (2, 16, 16, 1)
SCALAR_POINTS = 100


def scalar_step(lib: ModuleType) -> Step:
    """micrograd's MLP: a list of 0-d weights per neuron, inputs as Python floats."""
    rng = np.random.default_rng(0)
    layers = []
    for n_in, n_out in zip(SCALAR_SIZES[:-1], SCALAR_SIZES[1:], strict=True):
        neurons = []
        for _ in range(n_out):
            w = [lib.tensor(float(v), requires_grad=True) for v in rng.uniform(-1, 1, n_in)]
            neurons.append((w, lib.tensor(0.0, requires_grad=True)))
        layers.append(neurons)
    xs = rng.standard_normal((SCALAR_POINTS, SCALAR_SIZES[0])).tolist()
    ys = rng.choice([-1.0, 1.0], SCALAR_POINTS).tolist()

    def run() -> None:
        loss = None
        for x, y in zip(xs, ys, strict=True):
            h: list[Any] = x
            for li, neurons in enumerate(layers):
                out = []
                for w, b in neurons:
                    act = b
                    for wi, hi in zip(w, h, strict=True):
                        act = act + wi * hi
                    out.append(act.tanh() if li < len(layers) - 1 else act)
                h = out
            err = (h[0] - y) * (h[0] - y)
            loss = err if loss is None else loss + err
        assert loss is not None
        (loss * (1.0 / SCALAR_POINTS)).backward()

    return run


def train_step(model: Any, opt: Any, loss_fn: Callable[[Any], Any]) -> Step:
    def run() -> None:
        opt.zero_grad()
        loss = loss_fn(model)
        loss.backward()
        opt.step()

    return run


def batch_data(kind: str, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    if kind == "mlp":
        return rng.standard_normal((128, 784)).astype(np.float32), rng.integers(0, 10, 128)
    if kind == "cnn":
        return rng.standard_normal((64, 1, 28, 28)).astype(np.float32), rng.integers(0, 10, 64)
    idx = rng.integers(0, GPT_VOCAB, (GPT_BATCH, GPT_SEQ + 1))
    return idx[:, :-1], idx[:, 1:]


def model_step(kind: str, lib: ModuleType, torch_model: Any = None) -> Step:
    """One training step of the ``mlp`` / ``cnn`` / ``gpt`` workload on the fixed batch."""
    F = lib.nn.functional
    model = {"mlp": make_mlp, "cnn": make_cnn, "gpt": make_gpt}[kind](lib)
    if torch_model is not None:
        copy_params(torch_model, model)
    x_np, y_np = batch_data(kind, np.random.default_rng(0))
    x, y = lib.from_numpy(x_np), lib.from_numpy(y_np)
    if kind == "gpt":
        opt = lib.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.1)
        step = train_step(model, opt, lambda m: F.cross_entropy(m(x).flatten(0, 1), y.flatten()))
    else:
        opt = lib.optim.SGD(model.parameters(), lr=0.01)
        step = train_step(model, opt, lambda m: F.cross_entropy(m(x), y))
    step.model = model  # type: ignore[attr-defined]
    return step


# -- timing ---------------------------------------------------------------------------------------


def time_pair(steps: dict[str, Step], rounds: int, warmup: int) -> dict[str, float]:
    """Median seconds per call of each step; the libraries alternate, round by round."""
    for _ in range(warmup):
        for fn in steps.values():
            fn()
    times: dict[str, list[float]] = {k: [] for k in steps}
    for r in range(rounds):
        order = list(steps) if r % 2 == 0 else list(reversed(steps))
        for k in order:
            t0 = time.perf_counter()
            steps[k]()
            times[k].append(time.perf_counter() - t0)
    best = {f"{k}_min": min(v) for k, v in times.items()}
    return {k: statistics.median(v) for k, v in times.items()} | best


WORKLOADS = {
    # name: (description, default rounds, divisor for the per-unit figure, unit)
    "chain": (f"chain of {CHAIN} y = y + 1 (0-d), fwd+bwd", 30, CHAIN, "us/op"),
    "scalar": ("scalar MLP 2-16-16-1, 0-d weights, 100 points, fwd+bwd", 5, 1, "ms"),
    "mlp": ("MLP step 784-512-256-10, batch 128, SGD", 30, 1, "ms"),
    "cnn": ("CNN step conv32-pool-conv64-pool-fc128-fc10, batch 64, SGD", 15, 1, "ms"),
    "gpt": ("char GPT step, 4x(4 heads, d 128), seq 64, batch 32, AdamW", 8, 1, "ms"),
}
MODEL_KINDS = ("mlp", "cnn", "gpt")


def bench_workload(name: str, nd: ModuleType, th: ModuleType, rounds: int, warmup: int) -> dict[str, float]:
    if name == "chain":
        steps = {"torch": chain_step(th), "ndgrad": chain_step(nd)}
    elif name == "scalar":
        steps = {"torch": scalar_step(th), "ndgrad": scalar_step(nd)}
    else:
        th_step = model_step(name, th)
        steps = {"torch": th_step, "ndgrad": model_step(name, nd, th_step.model)}  # type: ignore[attr-defined]
    return time_pair(steps, rounds, warmup)


# -- peak memory of a training step, one library per subprocess ------------------------------


def _proc_status_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise OSError(field)


def rss_baseline() -> tuple[int, Callable[[], int]]:
    """(current RSS in KiB, a function giving the peak RSS in KiB since this call).

    On Linux, writing 5 to /proc/self/clear_refs resets the peak (VmHWM, which ru_maxrss reads) to
    the current RSS, so imports and model building don't hide the step's peak. Elsewhere this falls
    back to ``ru_maxrss`` before and after, which can only under-count the step.
    """
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return _proc_status_kib("VmRSS"), lambda: _proc_status_kib("VmHWM")
    except OSError:

        def max_rss() -> int:
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

        return max_rss(), max_rss


def memory_child(lib_name: str, kind: str) -> None:
    """Print, as JSON, the growth of peak RSS (and NumPy's tracemalloc peak) over three steps."""
    lib = load_lib(lib_name)
    step = model_step(kind, lib)
    use_tm = lib_name == "ndgrad"
    base, peak_of = rss_baseline()
    for _ in range(3):
        step()
    peak = peak_of()
    tm_peak = 0
    if use_tm:  # NumPy's own count, one more step (after the RSS reading: tracemalloc costs memory)
        tracemalloc.start()
        step()
        tm_peak = tracemalloc.get_traced_memory()[1]
    print(json.dumps({"rss_mib": (peak - base) / 1024, "tracemalloc_mib": tm_peak / 2**20}))


def measure_memory(kind: str) -> dict[str, dict[str, float]]:
    out = {}
    for lib_name in ("torch", "ndgrad"):
        proc = subprocess.run(
            [sys.executable, __file__, "--threads", str(THREADS), "--_memory-child", lib_name, kind],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            print(f"  memory subprocess {lib_name}/{kind} failed:\n{proc.stderr[-2000:]}")
            out[lib_name] = {"rss_mib": float("nan"), "tracemalloc_mib": float("nan")}
        else:
            out[lib_name] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


# -- MNIST end to end -------------------------------------------------------------------------


def read_idx_gz(path: Path) -> np.ndarray:
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = np.frombuffer(raw, ">u4", ndim, 4).astype(int)
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def mnist_runner(
    kind: str, lib: ModuleType, images: np.ndarray, labels: np.ndarray, torch_model: Any = None
) -> tuple[Callable[[int], Any], Any]:
    """(step(i), model): step i of a shuffled pass, Adam, with manual batching (the same in both)."""
    F = lib.nn.functional
    batch = 128 if kind == "mlp" else 64
    x_np = (images.astype(np.float32) / 255.0 - 0.1307) / 0.3081
    x_np = x_np.reshape(len(x_np), -1) if kind == "mlp" else np.ascontiguousarray(x_np[:, None])
    x_all, y_all = lib.from_numpy(x_np), lib.from_numpy(labels.astype(np.int64))
    model = make_mlp(lib, dropout=0.2) if kind == "mlp" else make_cnn(lib)
    if torch_model is not None:
        copy_params(torch_model, model)
    opt = lib.optim.Adam(model.parameters(), lr=1e-3 if kind == "mlp" else 2e-3)
    order = np.random.default_rng(0).permutation(len(x_np))

    def step(i: int) -> Any:
        idx = lib.from_numpy(order[i * batch : (i + 1) * batch])
        loss = F.cross_entropy(model(x_all[idx]), y_all[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    return step, model


def bench_mnist(args: argparse.Namespace, nd: ModuleType, th: ModuleType) -> list[str]:
    root = Path(args.mnist_dir)
    files = root / "train-images-idx3-ubyte.gz", root / "train-labels-idx1-ubyte.gz"
    if not all(f.exists() for f in files):
        return [f"MNIST: skipped, no train-*-ubyte.gz files in {root} (--mnist-dir)"]
    images, labels = read_idx_gz(files[0]), read_idx_gz(files[1])
    lines = []
    for kind in ("mlp", "cnn"):
        if args.only and args.only not in (f"mnist_{kind}", "mnist"):
            continue
        batch = 128 if kind == "mlp" else 64
        full = -(-len(images) // batch)
        steps = full if args.mnist_steps <= 0 else min(args.mnist_steps, full)
        th_step, th_model = mnist_runner(kind, th, images, labels)
        nd_step, _ = mnist_runner(kind, nd, images, labels, th_model)
        # the libraries take turns step by step, so a busy spell of the machine slows both alike
        th_t = nd_t = 0.0
        for i in range(steps):
            for name, fn in (("torch", th_step), ("ndgrad", nd_step))[:: 1 if i % 2 else -1]:
                t0 = time.perf_counter()
                fn(i)
                if name == "torch":
                    th_t += time.perf_counter() - t0
                else:
                    nd_t += time.perf_counter() - t0
        scale = full / steps
        how = "full epoch" if steps == full else f"{steps} of {full} steps timed, extrapolated x{scale:.1f}"
        lines.append(
            f"MNIST {kind.upper()} epoch, Adam, batch {batch} ({how}): torch {th_t * scale:7.1f} s   "
            f"ndgrad {nd_t * scale:7.1f} s   ratio {nd_t / th_t:5.2f}x"
        )
    return lines


def profile_ndgrad(name: str, steps: int) -> None:
    """Where ndgrad's step time goes: cProfile over ``steps`` steps, sorted by own time."""
    import cProfile
    import pstats

    nd = load_lib("ndgrad")
    if name == "chain":
        fn = chain_step(nd)
    elif name == "scalar":
        fn = scalar_step(nd)
    else:
        fn = model_step(name, nd)
    fn()
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(steps):
        fn()
    prof.disable()
    stats = pstats.Stats(prof)
    stats.sort_stats("tottime").print_stats(25)
    groups: dict[str, float] = {}
    for (file, _, func), (_, _, own, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        key = profile_group(file, func)
        groups[key] = groups.get(key, 0.0) + own
    total = sum(groups.values())
    print(f"own time by group, ms per step ({steps} steps profiled, cProfile overhead included):")
    for key, own in sorted(groups.items(), key=lambda kv: -kv[1]):
        print(f"  {key:<58} {own / steps * 1e3:8.1f} ms  {100 * own / total:5.1f}%")


PROFILE_GROUPS = (
    # (group, file suffix or "", function names or None for any) -- the first match wins
    ("BLAS products (matmul, linear, conv GEMMs)", "ops/linalg.py", {"forward"}),
    ("BLAS products (matmul, linear, conv GEMMs)", "ops/nn_ops.py", {"forward"}),
    (
        "BLAS products (matmul, linear, conv GEMMs)",
        "ops/conv.py",
        {"_conv_forward", "_conv_transpose_forward", "_conv_weight_forward"},
    ),
    ("im2col / col2im copies", "ops/conv.py", None),
    ("im2col / col2im copies", "ops/_conv_util.py", None),
    ("im2col / col2im copies", "", {"<built-in method numpy.ascontiguousarray>"}),
    ("max/avg pooling", "ops/pool.py", None),
    ("max/avg pooling", "", {"<method 'take' of 'numpy.ndarray' objects>"}),
    ("activations (GELU erf, ...)", "ops/activation.py", None),
    ("activations (GELU erf, ...)", "ops/unary.py", {"_erf_array"}),
    ("elementwise ufuncs (the elementwise family's forwards)", "ops/elementwise.py", None),
    ("elementwise ufuncs (the elementwise family's forwards)", "ops/arithmetic.py", None),
    ("elementwise ufuncs (the elementwise family's forwards)", "ops/unary.py", None),
    ("elementwise ufuncs (the elementwise family's forwards)", "ops/compare.py", None),
    ("reductions, shape, index, loss ops", "ops/reduce.py", None),
    ("reductions, shape, index, loss ops", "ops/shape.py", None),
    ("reductions, shape, index, loss ops", "ops/index.py", None),
    ("reductions, shape, index, loss ops", "ops/loss.py", None),
    ("reductions, shape, index, loss ops", "ops/nn_ops.py", None),
    ("optimizer step / zero_grad", "/optim/", None),
    ("Python overhead: Op.apply, engine, Tensor, nn.Module", "/autograd/", None),
    ("Python overhead: Op.apply, engine, Tensor, nn.Module", "ndgrad/tensor.py", None),
    ("Python overhead: Op.apply, engine, Tensor, nn.Module", "ops/_util.py", None),
    ("Python overhead: Op.apply, engine, Tensor, nn.Module", "/nn/", None),
    ("Python overhead: Op.apply, engine, Tensor, nn.Module", "ndgrad/_backend.py", None),
    ("benchmark loop itself", "bench.py", None),
)


def profile_group(file: str, func: str) -> str:
    for group, suffix, funcs in PROFILE_GROUPS:
        if suffix and suffix not in file:
            continue
        if funcs is not None and func not in funcs:
            continue
        return group
    if file == "~":
        return "C calls: builtins, ufunc.reduce, zeros, astype, ..."
    return "other Python (NumPy wrappers, builtins)"


# -- environment report -----------------------------------------------------------------------


def environment(th: ModuleType) -> list[str]:
    lines = [
        f"python {platform.python_version()}, numpy {np.__version__}, torch {th.__version__}, "
        f"threads {THREADS} (torch.get_num_threads() = {th.get_num_threads()})"
    ]
    config = th.__config__.show()
    blas = [part.strip() for part in config.replace("\n", ",").split(",") if "BLAS_INFO" in part]
    capability = [ln.strip("- ") for ln in config.splitlines() if "CPU capability" in ln]
    lines.append(f"  torch: {', '.join(blas + capability)} (its BLAS is linked in, not listed below)")
    try:
        from threadpoolctl import threadpool_info

        for info in threadpool_info():
            lines.append(
                f"  {info.get('internal_api')} {info.get('version')} kernel={info.get('architecture')} "
                f"threads={info.get('num_threads')} ({Path(info.get('filepath', '')).name})"
            )
    except ImportError:
        lines.append("  (pip install threadpoolctl to see which BLAS kernel runs)")
    load = os.getloadavg()[0]
    if load > (os.cpu_count() or 1) * 0.75:
        lines.append(
            f"WARNING: load average {load:.1f} on {os.cpu_count()} CPUs: other processes compete, "
            "timings (torch's OpenMP threads above all) will be noisy"
        )
    for var in SLOW_BLAS_VARS:
        if os.environ.get(var):
            lines.append(
                f"WARNING: {var}={os.environ[var]} is set; it forces a slower OpenBLAS kernel for NumPy. "
                "Benchmark with: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench.py"
            )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=[*WORKLOADS, "mnist", "mnist_mlp", "mnist_cnn"])
    parser.add_argument("--repeat", type=int, help="timed rounds per workload (default per workload)")
    parser.add_argument("--quick", action="store_true", help="few rounds, short MNIST runs")
    parser.add_argument("--threads", type=int, default=2, help="BLAS/OpenMP threads for both (default 2)")
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory subprocesses")
    parser.add_argument("--mnist-dir", default=str(DEFAULT_MNIST))
    parser.add_argument("--mnist-steps", type=int, default=100, help="steps per MNIST run; 0 = full epoch")
    parser.add_argument("--_memory-child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--profile", metavar="NAME", help="cProfile ndgrad's step of one workload")
    args = parser.parse_args()
    if args.profile:
        profile_ndgrad(args.profile, args.repeat or 5)
        return
    if args._memory_child:
        memory_child(*args._memory_child)
        return
    if args.quick:
        args.mnist_steps = min(args.mnist_steps, 20) if args.mnist_steps > 0 else 20

    th, nd = load_lib("torch"), load_lib("ndgrad")
    print("\n".join(environment(th)))
    names = [n for n in WORKLOADS if args.only in (None, n)]
    rows = []
    for name in names:
        desc, rounds, div, unit = WORKLOADS[name]
        rounds = args.repeat or (max(3, rounds // 4) if args.quick else rounds)
        t = bench_workload(name, nd, th, rounds, warmup=1 if args.quick else 2)
        scale = 1e6 / div if unit.startswith("us") else 1e3
        mem = measure_memory(name) if name in MODEL_KINDS and not args.no_memory else None
        best = t["ndgrad_min"] / t["torch_min"]
        rows.append((name, desc, t["torch"] * scale, t["ndgrad"] * scale, unit, best, mem))
        print(f"  {name}: done ({rounds} rounds)", flush=True)

    if not rows:
        print("\n".join(bench_mnist(args, nd, th)))
        return
    print("\nmedian times; 'best' is the ratio of the fastest rounds (steadier when the machine is busy)")
    print("| workload | torch | ndgrad | ratio | best | peak mem torch | peak mem ndgrad | mem ratio |")
    print("|---|---|---|---|---|---|---|---|")
    for _, desc, t_th, t_nd, unit, best, mem in rows:
        mem_cells = "| - | - | -"
        if mem:
            m_th, m_nd = mem["torch"]["rss_mib"], mem["ndgrad"]["rss_mib"]
            m_ratio = f"{m_nd / m_th:.2f}x" if m_th > 0 else "-"
            m_np = mem["ndgrad"]["tracemalloc_mib"]
            mem_cells = f"| {m_th:.1f} MiB | {m_nd:.1f} MiB (NumPy {m_np:.1f}) | {m_ratio}"
        times = f"{t_th:.2f} {unit} | {t_nd:.2f} {unit} | {t_nd / t_th:.2f}x | {best:.2f}x"
        print(f"| {desc} | {times} {mem_cells} |")

    if args.only is None or args.only.startswith("mnist"):
        print()
        print("\n".join(bench_mnist(args, nd, th)))


if __name__ == "__main__":
    main()
