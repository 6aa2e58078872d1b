"""Where ndgrad's step time goes: ``python benchmarks/bench.py --profile NAME [--threads 1]``.

cProfile over a few steps; each function's own time is summed into groups (BLAS products, im2col
copies, pooling, elementwise ufuncs, Python overhead in ``Op.apply`` and the engine, optimizer).
A NumPy call inside an op's ``forward`` counts as that op's time, so "BLAS products" holds the
forward functions of matmul, linear and conv, whose time is the GEMM (and, being matched by file,
every ``forward`` in ``ops/nn_ops.py``).
"""

from __future__ import annotations

import os


def profile_ndgrad(name: str, steps: int, threads: int) -> None:
    """Where ndgrad's step time goes: cProfile over ``steps`` steps, sorted by own time."""
    import cProfile
    import pstats

    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)  # before NumPy loads
    import workloads

    import ndgrad

    fn = workloads.make_step(name, ndgrad)
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
    ("BLAS products (matmul, linear, conv GEMMs)", "ops/_conv_util.py", {"_matmul"}),
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
