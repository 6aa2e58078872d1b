"""SyncBatchNorm under DDP = BatchNorm of one process on the concatenated batch; ``mpiexec -n N``.

Outputs (this rank's rows), parameter gradients, input gradients and running statistics must match
the single process (rtol 1e-6), for 2d (N, C, H, W) and 1d (N, C) inputs and unequal shards.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np

import ndgrad
import ndgrad.distributed as dist
from ndgrad import nn
from ndgrad.nn.parallel import DistributedDataParallel as DDP


def check(shape_tail: tuple[int, ...], bn: type[nn.Module], me: int, n: int) -> None:
    sizes = [3 + r for r in range(n)]  # shards of different sizes
    start = sum(sizes[:me])
    rng = np.random.default_rng(0)
    x_all = rng.standard_normal((sum(sizes), 4, *shape_tail)) * 3 + 1
    w_all = rng.standard_normal(x_all.shape)  # loss = sum(out * w): a non-trivial upstream gradient

    ref = bn(4)
    ref.weight.data.uniform_(0.5, 1.5)
    sync = nn.SyncBatchNorm.convert_sync_batchnorm(nn.Sequential(bn(4)))
    sync[0].weight.data.copy_(ref.weight.data)
    model = DDP(sync)
    x = ndgrad.tensor(x_all[start : start + sizes[me]], requires_grad=True)
    out = model(x)
    (out * ndgrad.tensor(w_all[start : start + sizes[me]])).sum().backward()

    x_ref = ndgrad.tensor(x_all, requires_grad=True)
    out_ref = ref(x_ref)
    (out_ref * ndgrad.tensor(w_all)).sum().backward()

    rows = slice(start, start + sizes[me])
    np.testing.assert_allclose(
        out.detach().numpy(), out_ref.detach().numpy()[rows], rtol=1e-6, atol=1e-9
    )
    # DDP averages the parameter gradients over n ranks; the single process sums over all rows
    for p, q in zip(model.parameters(), ref.parameters()):
        np.testing.assert_allclose(p.grad.numpy() * n, q.grad.numpy(), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(x.grad.numpy(), x_ref.grad.numpy()[rows], rtol=1e-6, atol=1e-9)
    layer = model.module[0]
    np.testing.assert_allclose(layer.running_mean.numpy(), ref.running_mean.numpy(), rtol=1e-6)
    np.testing.assert_allclose(layer.running_var.numpy(), ref.running_var.numpy(), rtol=1e-6)
    model.eval()  # in eval mode it is plain BatchNorm on the running statistics
    ref.eval()
    np.testing.assert_allclose(
        model(x).detach().numpy(), ref(x).detach().numpy(), rtol=1e-6, atol=1e-9
    )


def main() -> None:
    dist.init_process_group("mpi", timeout=timedelta(seconds=60))
    me, n = dist.get_rank(), dist.get_world_size()
    ndgrad.set_default_dtype(ndgrad.float64)
    check((5, 3), nn.BatchNorm2d, me, n)
    check((), nn.BatchNorm1d, me, n)
    print(f"rank {me}/{n}: syncbn ok", flush=True)


if __name__ == "__main__":
    main()
