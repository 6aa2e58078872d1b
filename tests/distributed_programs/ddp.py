"""DistributedDataParallel against one process; run under ``mpiexec -n N``.

Every rank also trains an identical model alone on the whole (concatenated) global batch; DDP on
its shard must give the same gradients (1e-6) and, after several SGD steps, the same weights on
every rank. Also: ``no_sync`` accumulation, ``find_unused_parameters``, several buckets that start
before backward ends, ``broadcast_buffers`` and the ``module.`` prefix of state_dict.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np

import ndgrad
import ndgrad.distributed as dist
import ndgrad.nn.functional as F
from ndgrad import nn
from ndgrad.nn.parallel import DistributedDataParallel as DDP

PER_RANK = 4


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 3, 3)
        self.bn = nn.BatchNorm1d(12)
        self.fc1 = nn.Linear(3 * 4 * 4, 12)
        self.fc2 = nn.Linear(12, 5)
        self.spare = nn.Linear(12, 5)  # used only when asked: find_unused_parameters

    def forward(self, x: ndgrad.Tensor, use_spare: bool = False) -> ndgrad.Tensor:
        h = self.bn(self.fc1(self.conv(x).tanh().flatten(1))).tanh()
        return self.fc2(h) + self.spare(h) if use_spare else self.fc2(h)


def batch(step: int, n: int) -> tuple[ndgrad.Tensor, ndgrad.Tensor]:
    rng = np.random.default_rng(step)
    x = rng.standard_normal((n * PER_RANK, 1, 6, 6))
    y = rng.integers(0, 5, n * PER_RANK)
    return ndgrad.tensor(x), ndgrad.tensor(y)


def grads(model: nn.Module) -> list[np.ndarray]:
    return [p.grad.numpy().copy() for p in model.parameters() if p.grad is not None]


def close(a: list[np.ndarray], b: list[np.ndarray], what: str) -> None:
    assert len(a) == len(b), (what, len(a), len(b))
    for x, y in zip(a, b):
        np.testing.assert_allclose(x, y, rtol=1e-6, atol=1e-9, err_msg=what)


def main() -> None:
    dist.init_process_group("mpi", timeout=timedelta(seconds=60))
    me, n = dist.get_rank(), dist.get_world_size()
    ndgrad.set_default_dtype(ndgrad.float64)
    ndgrad.manual_seed(1234 + me)  # different on purpose: DDP must broadcast rank 0's weights
    local = Net()
    ddp = DDP(local, bucket_cap_mb=0.0005)  # ~500 bytes: several buckets
    assert len(ddp._buckets) > 2, len(ddp._buckets)
    assert list(ddp.state_dict())[0].startswith("module."), list(ddp.state_dict())
    mine = slice(me * PER_RANK, (me + 1) * PER_RANK)

    # the first-registered parameter is in the last bucket: by the time its gradient is ready,
    # the other buckets' all-reduces have been started (they overlap the rest of backward)
    started: list[int] = []
    local.conv.weight.register_post_accumulate_grad_hook(
        lambda p: started.append(len(ddp._launched))
    )

    opt = ndgrad.optim.SGD(ddp.parameters(), lr=0.1, momentum=0.9)
    for step in range(4):
        x, y = batch(step, n)
        opt.zero_grad()
        F.cross_entropy(ddp(x[mine], use_spare=True), y[mine]).backward()
        if step == 0:
            assert started and started[0] >= len(ddp._buckets) - 1, (started, len(ddp._buckets))
        opt.step()
        mine_params = [p.detach().numpy() for p in local.parameters()]
        everyone: list[object] = [None] * n
        dist.all_gather_object(everyone, mine_params)
        for other in everyone:
            close(mine_params, other, f"step {step}: parameters differ across ranks")  # type: ignore[arg-type]
    check_gradients_match(me, n)
    check_no_sync(me, n)
    check_unused(me, n)
    print(f"rank {me}/{n}: ddp ok", flush=True)


def plain_model() -> nn.Module:
    ndgrad.manual_seed(7)
    return nn.Sequential(
        nn.Conv2d(1, 3, 3), nn.Tanh(), nn.Flatten(), nn.Linear(48, 12), nn.Tanh(), nn.Linear(12, 5)
    )


def check_gradients_match(me: int, n: int) -> None:
    """DDP's averaged gradients = the gradients of one process on the concatenated batch, and
    the weights after SGD steps equal the single process's."""
    ddp, ref = DDP(plain_model(), bucket_cap_mb=0.001), plain_model()
    opt = ndgrad.optim.SGD(ddp.parameters(), lr=0.5)
    ref_opt = ndgrad.optim.SGD(ref.parameters(), lr=0.5)
    mine = slice(me * PER_RANK, (me + 1) * PER_RANK)
    for step in range(5):
        x, y = batch(10 + step, n)
        ddp(x[mine])  # a forward whose output is dropped (no backward) is allowed, as in PyTorch
        opt.zero_grad()
        ref_opt.zero_grad()
        F.cross_entropy(ddp(x[mine]), y[mine]).backward()
        F.cross_entropy(ref(x), y).backward()
        close(grads(ddp), grads(ref), f"gradients at step {step}")
        opt.step()
        ref_opt.step()
    close(
        [p.detach().numpy() for p in ddp.parameters()],
        [p.detach().numpy() for p in ref.parameters()],
        "weights",
    )


def check_no_sync(me: int, n: int) -> None:
    """Two micro-batches, the first under no_sync: the gradient is that of both, averaged."""
    ddp, ref = DDP(plain_model()), plain_model()
    x, y = batch(20, 2 * n)
    parts = [slice((2 * me + k) * PER_RANK, (2 * me + k + 1) * PER_RANK) for k in range(2)]
    with ddp.no_sync():
        F.cross_entropy(ddp(x[parts[0]]), y[parts[0]]).backward()
    local_only = grads(ddp)
    F.cross_entropy(ddp(x[parts[1]]), y[parts[1]]).backward()
    for k in range(2):  # the reference sees the same micro-batches, all ranks' at once
        rows = np.concatenate(
            [np.arange((2 * r + k) * PER_RANK, (2 * r + k + 1) * PER_RANK) for r in range(n)]
        )
        F.cross_entropy(ref(x[rows]), y[rows]).backward()
    close(grads(ddp), grads(ref), "no_sync accumulation")
    everyone: list[object] = [None] * n
    dist.all_gather_object(everyone, local_only[0])
    assert not np.allclose(everyone[0], everyone[-1]), "no_sync must not have synchronised"  # type: ignore[arg-type]


def check_unused(me: int, n: int) -> None:
    """A branch used on rank 0 only: with find_unused_parameters its gradient is rank 0's / n."""
    ndgrad.manual_seed(3)
    ddp = DDP(Net(), find_unused_parameters=True, broadcast_buffers=False)
    x, y = batch(30, n)
    mine = slice(me * PER_RANK, (me + 1) * PER_RANK)
    for _ in range(2):  # twice: the buckets are reset between iterations
        ddp.zero_grad()
        F.cross_entropy(ddp(x[mine], use_spare=me == 0), y[mine]).backward()
    g = ddp.module.spare.weight.grad
    assert g is not None, "a parameter used by one rank gets the averaged gradient everywhere"
    everyone: list[object] = [None] * n
    dist.all_gather_object(everyone, g.numpy())
    close([everyone[0]], [everyone[-1]], "unused-parameter gradient")  # type: ignore[list-item]
    # without the flag, an unused parameter stops the next iteration with PyTorch's message
    ndgrad.manual_seed(3)
    strict = DDP(Net())
    F.cross_entropy(strict(x[mine]), y[mine]).backward()
    try:
        strict(x[mine])
    except RuntimeError as e:
        assert "Expected to have finished reduction in the prior iteration" in str(e), e
    else:
        raise AssertionError("an unused parameter without find_unused_parameters did not raise")


if __name__ == "__main__":
    main()
