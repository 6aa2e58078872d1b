"""Collectives on Python objects, through mpi4py's pickle-based paths.

These unpickle what the other ranks send: use them only among processes you trust (the same
caveat as PyTorch's ``*_object`` collectives).
"""

from __future__ import annotations

from typing import Any

from ndgrad.distributed.collectives import _root
from ndgrad.distributed.process_group import resolve

__all__ = ["all_gather_object", "broadcast_object_list", "gather_object", "scatter_object_list"]


def all_gather_object(object_list: list[Any], obj: Any, group: Any = None) -> None:
    """``object_list[i]`` = rank i's ``obj``, on every rank (the list has world_size entries)."""
    pg = resolve(group)
    if len(object_list) != pg.size():
        raise ValueError(
            f"all_gather_object: object_list must have {pg.size()} entries, got {len(object_list)}"
        )
    for i, o in enumerate(pg.comm.allgather(obj)):
        object_list[i] = o


def broadcast_object_list(
    object_list: list[Any],
    src: int | None = None,
    group: Any = None,
    device: Any = None,
    group_src: int | None = None,
) -> None:
    """Replace ``object_list``'s entries on every rank with those of rank ``src`` (same length)."""
    pg = resolve(group)
    root = _root(pg, src, group_src, "src")
    got = pg.comm.bcast(list(object_list) if pg.rank() == root else None, root)
    if len(got) != len(object_list):
        raise ValueError(
            f"broadcast_object_list: rank {pg.ranks[root]} sent {len(got)} objects, this rank's "
            "list "
            f"has {len(object_list)}"
        )
    object_list[:] = got


def gather_object(
    obj: Any,
    object_gather_list: list[Any] | None = None,
    dst: int | None = None,
    group: Any = None,
    group_dst: int | None = None,
) -> None:
    """On rank ``dst``: ``object_gather_list[i]`` = rank i's ``obj``."""
    pg = resolve(group)
    root = _root(pg, dst, group_dst, "dst")
    got = pg.comm.gather(obj, root)
    if pg.rank() == root:
        if object_gather_list is None or len(object_gather_list) != pg.size():
            raise ValueError(
                f"gather_object: object_gather_list must have {pg.size()} entries on rank dst"
            )
        object_gather_list[:] = got


def scatter_object_list(
    scatter_object_output_list: list[Any],
    scatter_object_input_list: list[Any] | None = None,
    src: int | None = None,
    group: Any = None,
    group_src: int | None = None,
) -> None:
    """``scatter_object_output_list[0]`` on rank i = ``scatter_object_input_list[i]`` of rank
    ``src``."""
    pg = resolve(group)
    root = _root(pg, src, group_src, "src")
    if pg.rank() == root and (
        scatter_object_input_list is None or len(scatter_object_input_list) != pg.size()
    ):
        raise ValueError(
            f"scatter_object_list: the input list must have {pg.size()} entries on rank src"
        )
    scatter_object_output_list[0] = pg.comm.scatter(
        scatter_object_input_list if pg.rank() == root else None, root
    )
