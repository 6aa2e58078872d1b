"""DataParallel on one device: it runs the module, as PyTorch's does with a single device.

Several GPUs in one process are not split across (ndgrad's CuPy backend drives one device per
process): use DistributedDataParallel with one process per device instead.
"""

from __future__ import annotations

from typing import Any

from ndgrad.nn.module import Module

__all__ = ["DataParallel", "data_parallel"]


class DataParallel(Module):
    """PyTorch's ``torch.nn.DataParallel``: ``module`` runs on its device; state_dict names carry
    the ``module.`` prefix, as in PyTorch.

    >>> model = DataParallel(nn.Linear(4, 2))
    >>> list(model.state_dict())
    ['module.weight', 'module.bias']
    """

    def __init__(
        self, module: Module, device_ids: Any = None, output_device: Any = None, dim: int = 0
    ) -> None:
        super().__init__()
        self.module = module
        self.device_ids = [] if device_ids is None else list(device_ids)
        self.output_device = output_device
        self.dim = dim

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        return self.module(*inputs, **kwargs)


def data_parallel(
    module: Module,
    inputs: Any,
    device_ids: Any = None,
    output_device: Any = None,
    dim: int = 0,
    module_kwargs: dict[str, Any] | None = None,
) -> Any:
    """The functional form of DataParallel: ``module(*inputs, **module_kwargs)`` on one device."""
    if not isinstance(inputs, tuple):
        inputs = (inputs,) if inputs is not None else ()
    return module(*inputs, **(module_kwargs or {}))
