"""``default_collate``: merge a list of samples into a batch; ``default_convert``: the same
conversion without batching (used when ``batch_size=None``).

A batch has the structure of one sample, with a batch dimension added at the front of each leaf:

* tensors are stacked (``(3,)`` samples give a ``(B, 3)`` batch), NumPy arrays likewise;
* Python floats become a float64 tensor, ints an int64 tensor, bools a bool tensor (as PyTorch);
* strings and bytes stay a list;
* dicts collate per key, namedtuples per field, lists per position; tuples give a *list* of
  batches (PyTorch's behaviour), so ``for x, y in loader`` works.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ndgrad import _backend
from ndgrad._dtype import float64, int64
from ndgrad.ops.factory import as_tensor, tensor
from ndgrad.tensor import Tensor

__all__ = ["default_collate", "default_convert"]

_ERR = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"
)


def _stack(batch: Sequence[Tensor]) -> Tensor:
    shape = batch[0].shape
    for i, t in enumerate(batch):
        if t.shape != shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(shape)} at entry 0 and "
                f"{list(t.shape)} at entry {i}"
            )
    xp = _backend.xp_of(batch[0].array)
    return Tensor._make(xp.stack([t.array for t in batch]), False, None)


def _is_numpy_array(elem: Any) -> bool:
    return isinstance(elem, np.ndarray | np.generic)


def default_collate(batch: Sequence[Any]) -> Any:
    """Merge a list of samples into a batch (see the module docstring).

    Example:
        >>> default_collate([(ndgrad.zeros(3), 0), (ndgrad.ones(3), 1)])
        [tensor([[0., 0., 0.],
                [1., 1., 1.]]), tensor([0, 1])]
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _stack(batch)
    if _is_numpy_array(elem):
        if elem.dtype.kind in "SaUO":
            raise TypeError(_ERR.format(elem.dtype))
        if isinstance(elem, np.ndarray):
            return _stack([as_tensor(b) for b in batch])
        return as_tensor(np.asarray(batch))  # NumPy scalars
    if isinstance(elem, bool):
        return tensor(batch)
    if isinstance(elem, float):
        return tensor(batch, dtype=float64)
    if isinstance(elem, int):
        return tensor(batch, dtype=int64)
    if isinstance(elem, str | bytes):
        return batch
    if isinstance(elem, Mapping):
        collated = {key: default_collate([d[key] for d in batch]) for key in elem}
        try:
            return type(elem)(collated)  # type: ignore[call-arg]  # keep OrderedDict and friends
        except TypeError:
            return collated
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(list(field)) for field in zip(*batch)))
    if isinstance(elem, Sequence):
        size = len(elem)
        if any(len(b) != size for b in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        columns = [default_collate(list(c)) for c in zip(*batch)]
        if isinstance(elem, tuple):
            return columns
        try:
            return type(elem)(columns)  # type: ignore[call-arg]
        except TypeError:
            return columns
    raise TypeError(_ERR.format(type(elem)))


def default_convert(data: Any) -> Any:
    """Arrays to tensors, recursively through dicts, namedtuples and sequences; the rest as is."""
    if isinstance(data, Tensor):
        return data
    if _is_numpy_array(data):
        return data if data.dtype.kind in "SaUO" else as_tensor(np.asarray(data))
    if isinstance(data, Mapping):
        converted = {k: default_convert(v) for k, v in data.items()}
        try:
            return type(data)(converted)  # type: ignore[call-arg]
        except TypeError:
            return converted
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, Sequence) and not isinstance(data, str | bytes):
        try:
            return type(data)([default_convert(d) for d in data])  # type: ignore[call-arg]
        except TypeError:
            return [default_convert(d) for d in data]
    return data
