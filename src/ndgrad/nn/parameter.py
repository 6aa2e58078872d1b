"""``Parameter``: a Tensor that a Module registers as learnable; ``Buffer``: one it registers as
state.

Both are marker subclasses of Tensor: assigning one to a Module attribute (``self.w =
Parameter(..)``) is what puts it in ``module._parameters`` (or ``_buffers``), and so in
``parameters()`` and ``state_dict()``."""

from __future__ import annotations

from typing import Any

import numpy as np

from ndgrad import _backend
from ndgrad.tensor import Tensor, _init


def _wrap_data(data: Any) -> Any:
    """The array behind ``data`` (a Tensor, an array, or None for an empty float tensor)."""
    if data is None:
        from ndgrad.ops.factory import empty

        return empty(0).array
    if isinstance(data, Tensor):
        return data.array
    from ndgrad.ops.factory import tensor

    return tensor(data).array


class Parameter(Tensor):
    """A learnable tensor: ``requires_grad=True`` by default, listed by ``Module.parameters()``.

    ``Parameter(t)`` shares ``t``'s memory, like PyTorch's.

    Example:
        >>> w = nn.Parameter(ndgrad.zeros(2))
        >>> w.requires_grad
        True
    """

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        array = _wrap_data(data)
        if requires_grad and array.dtype.kind != "f":
            raise RuntimeError("Only Tensors of floating point dtype can require gradients")
        _init(self, array, requires_grad, None)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol: Any) -> Any:
        return (_rebuild_parameter, (_backend.to_numpy(self.array), self.requires_grad))


def _rebuild_parameter(data: np.ndarray, requires_grad: bool) -> Parameter:
    p = Parameter._make(data, requires_grad, None)
    return p  # type: ignore[return-value]


class Buffer(Tensor):
    """Marks a tensor to be registered as a buffer when assigned to a Module attribute.

    ``self.running_mean = nn.Buffer(ndgrad.zeros(3))`` is ``self.register_buffer("running_mean",
    ndgrad.zeros(3))``; ``persistent=False`` keeps it out of ``state_dict``.
    """

    __slots__ = ("persistent",)

    def __init__(self, data: Any = None, *, persistent: bool = True) -> None:
        _init(self, _wrap_data(data), False, None)
        self.persistent = persistent

    def _plain(self) -> Tensor:
        """The registered value: a plain Tensor sharing this data."""
        t = Tensor._make(self.array, self.requires_grad, None)
        return t
