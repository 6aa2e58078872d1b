"""``ndgrad.distributed``: PyTorch's ``torch.distributed`` on MPI (through mpi4py).

Launch the ranks as MPI programs are launched (``mpiexec -n 4 python train.py``) or with the
torchrun-shaped launcher (``python -m ndgrad.distributed.run --nproc-per-node 4 train.py``)::

    import ndgrad.distributed as dist
    dist.init_process_group("mpi")
    t = ndgrad.tensor([float(dist.get_rank())])
    dist.all_reduce(t)             # every rank now holds 0 + 1 + ... + (world_size - 1)

See docs/distributed.md.
"""

from __future__ import annotations

from ndgrad.distributed._rank import set_torchrun_env
from ndgrad.distributed.collectives import (
    ReduceOp,
    Work,
    all_gather,
    all_gather_into_tensor,
    all_reduce,
    barrier,
    broadcast,
    gather,
    irecv,
    isend,
    recv,
    reduce,
    reduce_scatter,
    reduce_scatter_tensor,
    scatter,
    send,
)
from ndgrad.distributed.objects import (
    all_gather_object,
    broadcast_object_list,
    gather_object,
    scatter_object_list,
)
from ndgrad.distributed.process_group import (
    Backend,
    GroupMember,
    ProcessGroup,
    destroy_process_group,
    get_backend,
    get_global_rank,
    get_process_group_ranks,
    get_rank,
    get_world_size,
    group,
    init_process_group,
    is_available,
    is_initialized,
    is_mpi_available,
    new_group,
)

# Under mpiexec, programs written for torchrun find RANK, WORLD_SIZE, LOCAL_RANK (and
# LOCAL_WORLD_SIZE) in the environment as torchrun sets them: copied from MPI's own variables.
set_torchrun_env()

__all__ = [
    "Backend",
    "GroupMember",
    "ProcessGroup",
    "ReduceOp",
    "Work",
    "all_gather",
    "all_gather_into_tensor",
    "all_gather_object",
    "all_reduce",
    "barrier",
    "broadcast",
    "broadcast_object_list",
    "destroy_process_group",
    "gather",
    "gather_object",
    "get_backend",
    "get_global_rank",
    "get_process_group_ranks",
    "get_rank",
    "get_world_size",
    "group",
    "init_process_group",
    "irecv",
    "is_available",
    "is_initialized",
    "is_mpi_available",
    "isend",
    "new_group",
    "recv",
    "reduce",
    "reduce_scatter",
    "reduce_scatter_tensor",
    "scatter",
    "scatter_object_list",
    "send",
]
