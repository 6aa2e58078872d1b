"""The CLI's data-parallel training: what changes when ``python -m ndgrad`` runs on several ranks.

Under ``mpiexec -n N python -m ndgrad ...`` (or ``ndgrad-run --nproc-per-node N -m ndgrad ...``)
every rank trains a replica of the model, DistributedDataParallel averages the gradients, and
DistributedSampler hands rank r every N-th example of the epoch's permutation. ``--batch-size`` is
the *global* batch B (B / N examples per rank), so step k sees the same B examples whatever N is,
and the loss that backward differentiates is the mean over those examples:

    loss_r = (N / G) * sum_{real i on rank r} ce_i,   average over ranks = (1 / G) * sum_i ce_i

with G the number of real examples in the step (B, or what is left in the last step). The sampler
pads an epoch to a multiple of N by repeating its first examples; their weight is 0, so the last
step, too, is one process's. Evaluation splits the test set across the ranks and adds up their
sums. Only rank 0 prints, draws, logs and writes the checkpoint.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sized
from typing import Any

import numpy as np

import ndgrad
import ndgrad.nn.functional as F
from ndgrad._backend import to_numpy
from ndgrad.utils.data import DataLoader, Subset
from ndgrad.utils.data.distributed import DistributedSampler

# the number of ranks and this process's rank, as each MPI launcher says it (MPICH's hydra and
# Open MPI); read from the environment, so a process started alone never initialises MPI
_WORLD_VARS = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE")
_RANK_VARS = ("PMI_RANK", "OMPI_COMM_WORLD_RANK")


def _first_int(names: tuple[str, ...], default: int) -> int:
    for name in names:
        if os.environ.get(name, "").isdigit():
            return int(os.environ[name])
    return default


def launcher_world_size() -> int:
    """How many ranks mpiexec (or ``ndgrad-run``) started; 1 for a process started alone."""
    return _first_int(_WORLD_VARS, 1)


def launcher_rank() -> int:
    """This process's rank as the launcher says it (0 for a process started alone)."""
    return _first_int(_RANK_VARS, 0)


class Ranks:
    """This process's place in the job, and the pieces of training that depend on it.

    ``data_parallel`` False is the CLI's own single-process training (shuffled by its generator);
    True shards each epoch with DistributedSampler, on one rank as on many, so that a run on N
    ranks and a run on one give the same steps.
    """

    def __init__(self, data_parallel: bool, rank: int = 0, world: int = 1, group: Any = None):
        self.data_parallel = data_parallel
        self.rank = rank
        self.world = world
        self.group = group  # the process group, when there are several ranks
        self.sampler: DistributedSampler | None = None
        self._n = self._batch = 0  # the training set's length and the global batch

    @property
    def main(self) -> bool:
        """Rank 0: the one that prints and writes files."""
        return self.rank == 0

    def print(self, *values: Any, **kwargs: Any) -> None:
        if self.main:
            print(*values, **kwargs)

    # -- training data -------------------------------------------------------------------------
    def train_loader(self, dataset: Sized, global_batch: int, seed: int) -> DataLoader[Any]:
        """Rank r's loader: B / N examples per step from DistributedSampler's share."""
        self._n, self._batch = len(dataset), global_batch
        self.sampler = DistributedSampler(
            dataset, num_replicas=self.world, rank=self.rank, shuffle=True, seed=seed
        )
        return DataLoader(dataset, batch_size=global_batch // self.world, sampler=self.sampler)

    def set_epoch(self, epoch: int) -> None:
        if self.sampler is not None:
            self.sampler.set_epoch(epoch)

    def real_count(self, step: int, n: int) -> int:
        """How many of the ``n`` examples of this rank's ``step`` are real, not the sampler's
        padding (which sits at the end of every rank's share)."""
        mine = math.ceil(max(self._n - self.rank, 0) / self.world)  # positions r + N i < len
        return min(max(mine - step * (self._batch // self.world), 0), n)

    def loss(self, logits: Any, y: Any, step: int) -> tuple[Any, np.ndarray]:
        """The loss to differentiate (see the module docstring) and this rank's
        [sum of the losses, correct, examples] over its real examples."""
        real = self.real_count(step, len(y))
        g = min(self._batch, self._n - step * self._batch)  # real examples in the global step
        weights = np.zeros(len(y), dtype=np.float32)
        weights[:real] = self.world / g
        per_example = F.cross_entropy(logits, y, reduction="none")
        loss = (per_example * ndgrad.from_numpy(weights).to(per_example.device)).sum()
        hits = to_numpy((logits.argmax(1) == y).array)[:real]
        ce = to_numpy(per_example.array)[:real]
        return loss, np.array([ce.sum(dtype=np.float64), hits.sum(), real], dtype=np.float64)

    # -- across ranks --------------------------------------------------------------------------
    def sum(self, values: np.ndarray) -> Callable[[], np.ndarray]:
        """Start adding ``values`` (float64) across the ranks; the returned function waits for
        the sum. Started before backward, the message travels while backward computes."""
        if self.group is None:
            return lambda: values
        from ndgrad.distributed.collectives import all_reduce_array

        work = all_reduce_array(self.group, values)

        def result() -> np.ndarray:
            work.wait()
            return values

        return result

    def test_loader(self, dataset: Any, batch_size: int) -> DataLoader[Any]:
        """Rank r scores test examples r, r + N, ...; ``evaluate`` adds the ranks' sums."""
        if self.world > 1:
            dataset = Subset(dataset, list(range(self.rank, len(dataset), self.world)))
        return DataLoader(dataset, batch_size=batch_size)

    def agree(self, error: str | None) -> str | None:
        """Every rank learns whether any rank failed (one of them alone must not leave the others
        waiting in a collective): the first failure's message, or None."""
        if self.group is None:
            return error
        from ndgrad.distributed import all_gather_object

        everyone: list[Any] = [None] * self.world
        all_gather_object(everyone, error, group=self.group)
        for r, message in enumerate(everyone):
            if message is not None:
                return str(message) if r == 0 else f"on rank {r}: {message}"
        return None

    def wrap(self, model: Any) -> Any:
        """The model to train: DistributedDataParallel on several ranks (it broadcasts rank 0's
        weights), the model itself on one."""
        if self.group is None:
            return model
        from ndgrad.nn.parallel import DistributedDataParallel

        return DistributedDataParallel(model, process_group=self.group)

    def close(self) -> None:
        if self.group is not None:
            import ndgrad.distributed as dist

            dist.destroy_process_group()
            self.group = None


def start(data_parallel: bool) -> Ranks:
    """Join the job the launcher started (MPI's process group when it has several ranks).

    Raises ImportError without mpi4py and ValueError when MPI disagrees with the launcher.
    """
    world = launcher_world_size()
    claimed = os.environ.get("WORLD_SIZE", "1")
    if world == 1 and claimed.isdigit() and int(claimed) > 1:  # torchrun's, say: no MPI job
        raise ValueError(
            f"WORLD_SIZE={claimed} but no MPI launcher started this process: launch with "
            f"mpiexec -n {claimed} python -m ndgrad, or ndgrad-run --nproc-per-node {claimed} -m "
            "ndgrad"
        )
    if world == 1:
        return Ranks(data_parallel)
    import ndgrad.distributed as dist

    if not dist.is_available():
        raise ImportError("mpi4py is missing")
    dist.init_process_group("mpi", world_size=world, rank=launcher_rank())
    return Ranks(True, dist.get_rank(), dist.get_world_size(), dist.group.WORLD)
