"""Every collective against a NumPy reference; run under ``mpiexec -n N`` (N >= 2).

Every rank can compute every other rank's input (seeded by rank), so each checks its own result
against NumPy. Exits non-zero (an AssertionError aborts the job) on any mismatch.
``--device cuda`` runs the same checks on the tests' stand-in GPU backend (arrays that refuse
implicit conversion to NumPy), the path CuPy arrays take through a non-CUDA-aware MPI.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import numpy as np

import ndgrad
import ndgrad.distributed as dist

R = dist.ReduceOp
REFERENCE = {R.SUM: np.sum, R.PRODUCT: np.prod, R.MIN: np.min, R.MAX: np.max, R.AVG: np.mean}


def data(rank: int, shape: tuple[int, ...] = (3, 4), dtype: str = "float64") -> np.ndarray:
    return np.random.default_rng(100 + rank).uniform(0.5, 1.5, size=shape).astype(dtype)


def main(device: str) -> None:
    try:  # before init_process_group: PyTorch's error
        dist.all_reduce(ndgrad.ones(2))
    except ValueError as e:
        assert "Default process group has not been initialized" in str(e), e
    else:
        raise AssertionError("a collective before init_process_group did not raise")
    try:  # a rank that disagrees with MPI's
        dist.init_process_group("gloo", init_method="tcp://127.0.0.1:23456", rank=99)
    except ValueError as e:
        assert "rank=99 was given, but MPI started this process as rank" in str(e), e
    else:
        raise AssertionError("a wrong rank did not raise")
    dist.init_process_group("mpi", timeout=timedelta(seconds=60))
    me, n = dist.get_rank(), dist.get_world_size()
    assert dist.is_initialized() and dist.get_backend() == "mpi"
    try:
        dist.init_process_group("mpi")
    except ValueError as e:
        assert "trying to initialize the default process group twice!" in str(e)
    else:
        raise AssertionError("a second init_process_group did not raise")
    everyone = np.stack([data(r) for r in range(n)])

    def T(a: np.ndarray) -> ndgrad.Tensor:
        return ndgrad.tensor(a, device=device)

    def host(t: ndgrad.Tensor) -> np.ndarray:
        return t.cpu().numpy()

    for op, ref in REFERENCE.items():
        t = T(data(me))
        dist.all_reduce(t, op=op)
        np.testing.assert_allclose(host(t), ref(everyone, axis=0), rtol=1e-12, err_msg=str(op))
    for dtype in ("float32", "float16", "int64"):  # other dtypes, and a non-contiguous view
        t = T(data(me, (4, 6), dtype))
        dist.all_reduce(t[:, ::2])
        want = np.stack([data(r, (4, 6), dtype) for r in range(n)]).astype(np.float64).sum(0)
        got = host(t)
        np.testing.assert_allclose(
            got[:, ::2], want[:, ::2].astype(dtype), rtol=1e-3, err_msg=dtype
        )
        np.testing.assert_array_equal(got[:, 1::2], data(me, (4, 6), dtype)[:, 1::2])

    t = T(data(me))
    dist.broadcast(t, src=n - 1)
    np.testing.assert_array_equal(host(t), data(n - 1))

    t = T(data(me))
    dist.reduce(t, dst=1, op=R.MAX)
    np.testing.assert_array_equal(host(t), everyone.max(0) if me == 1 else data(me))

    outs = [T(np.zeros((3, 4))) for _ in range(n)]
    dist.all_gather(outs, T(data(me)))
    np.testing.assert_array_equal(np.stack([host(o) for o in outs]), everyone)

    out = T(np.zeros((3 * n, 4)))
    dist.all_gather_into_tensor(out, T(data(me)))
    np.testing.assert_array_equal(host(out), everyone.reshape(3 * n, 4))

    big = [np.random.default_rng(7 + r).standard_normal((n, 2, 5)) for r in range(n)]
    out = T(np.zeros((2, 5)))
    dist.reduce_scatter(out, [T(big[me][i]) for i in range(n)])
    np.testing.assert_allclose(host(out), sum(b[me] for b in big), rtol=1e-12)
    out = T(np.zeros((2, 5)))
    dist.reduce_scatter_tensor(out, T(big[me].reshape(2 * n, 5)), op=R.AVG)
    np.testing.assert_allclose(host(out), sum(b[me] for b in big) / n, rtol=1e-12)

    gathered = [T(np.zeros((3, 4))) for _ in range(n)] if me == 0 else None
    dist.gather(T(data(me)), gathered, dst=0)
    if gathered is not None:
        np.testing.assert_array_equal(np.stack([host(g) for g in gathered]), everyone)

    t = T(np.zeros((3, 4)))
    dist.scatter(t, [T(data(10 + r)) for r in range(n)] if me == 0 else None, src=0)
    np.testing.assert_array_equal(host(t), data(10 + me))

    # point to point around a ring, blocking and not
    t = T(np.zeros((3, 4)))
    if me % 2 == 0:
        dist.send(T(data(me)), dst=(me + 1) % n)
        sender = dist.recv(t, src=(me - 1) % n)
    else:
        sender = dist.recv(t, src=(me - 1) % n)
        dist.send(T(data(me)), dst=(me + 1) % n)
    assert sender == (me - 1) % n
    np.testing.assert_array_equal(host(t), data((me - 1) % n))
    t = T(np.zeros((3, 4)))
    works = [dist.isend(T(data(me)), dst=(me + 1) % n), dist.irecv(t)]
    for w in works:
        w.wait()
    assert works[1].is_completed()
    np.testing.assert_array_equal(host(t), data((me - 1) % n))

    # async_op: the handle completes and the tensor holds the result only after wait()
    t = T(data(me))
    work = dist.all_reduce(t, async_op=True)
    work.wait()
    assert work.is_completed() and work.is_success()
    np.testing.assert_allclose(host(t), everyone.sum(0), rtol=1e-12)
    assert dist.barrier(async_op=True).wait()

    objs: list[object] = [None] * n
    dist.all_gather_object(objs, {"rank": me, "tag": "x" * me})
    assert objs == [{"rank": r, "tag": "x" * r} for r in range(n)], objs
    lst: list[object] = [1, "two", {3: 4}] if me == 0 else [None, None, None]
    dist.broadcast_object_list(lst, src=0)
    assert lst == [1, "two", {3: 4}], lst

    # a sub-group of ranks 0 and 1: group ranks, global src, and non-members
    sub = dist.new_group([0, 1])
    if me in (0, 1):
        t = T(data(me))
        dist.all_reduce(t, group=sub)
        np.testing.assert_allclose(host(t), everyone[:2].sum(0), rtol=1e-12)
        assert dist.get_world_size(sub) == 2 and dist.get_rank(sub) == me
    else:
        assert sub is dist.GroupMember.NON_GROUP_MEMBER and dist.get_rank(sub) == -1

    # a shape or dtype that differs across ranks raises the same clear error everywhere
    try:
        dist.all_reduce(T(np.zeros(3 + me)))
    except RuntimeError as e:
        assert "rank 0 has shape (3,) dtype float64, rank 1 has shape (4,)" in str(e), e
    else:
        raise AssertionError("mismatched shapes did not raise")
    try:
        dist.broadcast(T(np.zeros(2, dtype="float32" if me else "float64")), src=0)
    except RuntimeError as e:
        assert "dtype float64, rank 1 has shape (2,) dtype float32" in str(e), e
    else:
        raise AssertionError("mismatched dtypes did not raise")
    check_ddp_on(device, me, n)
    dist.destroy_process_group()
    assert not dist.is_initialized()
    print(f"rank {me}/{n}: collectives ok on {device}", flush=True)


def check_ddp_on(device: str, me: int, n: int) -> None:
    """DDP with the model's arrays on ``device``: averaged gradients equal the NumPy reference."""
    from ndgrad import nn
    from ndgrad.nn.parallel import DistributedDataParallel as DDP

    ndgrad.manual_seed(me)  # different weights per rank: DDP broadcasts rank 0's
    model = nn.Sequential(nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 2)).double().to(device)
    ddp = DDP(model, bucket_cap_mb=0.0001)  # a bucket per parameter or two
    x_all = np.random.default_rng(5).standard_normal((2 * n, 4))
    ddp(ndgrad.tensor(x_all[2 * me : 2 * me + 2], device=device)).pow(2).mean().backward()
    grads = [p.grad.cpu().numpy() for p in model.parameters()]
    assert all(p.grad.device.type == device for p in model.parameters())
    ndgrad.manual_seed(0)
    ref = nn.Sequential(nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 2)).double()
    ref(ndgrad.tensor(x_all)).pow(2).mean().backward()
    for g, p in zip(grads, ref.parameters()):
        np.testing.assert_allclose(g, p.grad.numpy(), rtol=1e-10, atol=1e-12)


if __name__ == "__main__":
    device = sys.argv[sys.argv.index("--device") + 1] if "--device" in sys.argv else "cpu"
    if device == "cuda":  # the tests' stand-in GPU backend
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from ndgrad import _backend
        from test_backend import FakeCudaArray, fake_cuda_module

        _backend.register_backend("cuda", fake_cuda_module, FakeCudaArray)
    main(device)
