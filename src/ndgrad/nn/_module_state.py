# mypy: disable-error-code="misc"
"""A Module's state: ``state_dict`` and ``load_state_dict`` (PyTorch's names and semantics).

``state_dict`` walks the module tree (``_modules``) and names every parameter and persistent buffer
by its dotted path (``"encoder.0.weight"``); ``load_state_dict`` copies values back in place,
checking shapes, and reports missing and unexpected keys. Subclasses adapt older formats by
overriding ``_load_from_state_dict`` (BatchNorm's ``num_batches_tracked``), as in PyTorch.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from ndgrad import _backend
from ndgrad.tensor import Tensor

if TYPE_CHECKING:
    from ndgrad.nn.module import Module


class _IncompatibleKeys(NamedTuple):
    missing_keys: list[str]
    unexpected_keys: list[str]

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return (
            f"_IncompatibleKeys(missing_keys={self.missing_keys}, "
            f"unexpected_keys={self.unexpected_keys})"
        )


class ModuleStateMixin:
    """The state-dict methods of ``Module`` (``nn/module.py``).

    The methods annotate ``self: Module``, the class they serve; mypy's "not a supertype of its
    class" (``misc``) is switched off for this file by its first line, as in ``_tensor_methods``.
    """

    def state_dict(
        self: Module, *args: Any, destination: Any = None, prefix: str = "", keep_vars: bool = False
    ) -> OrderedDict[str, Tensor]:
        """Every parameter and persistent buffer by dotted name, as tensors detached from the graph.

        The tensors share memory with the module's (``keep_vars=True`` gives the Parameters).
        """
        if args:  # the old positional form: (destination, prefix, keep_vars)
            destination = args[0]
            prefix = args[1] if len(args) > 1 else prefix
            keep_vars = args[2] if len(args) > 2 else keep_vars
        if destination is None:
            destination = OrderedDict()
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, child in self._modules.items():
            if child is not None:
                child.state_dict(
                    destination=destination, prefix=prefix + name + ".", keep_vars=keep_vars
                )
        return destination  # type: ignore[no-any-return]

    def _save_to_state_dict(
        self: Module, destination: dict[str, Any], prefix: str, keep_vars: bool
    ) -> None:
        for name, p in self._parameters.items():
            if p is not None:
                destination[prefix + name] = p if keep_vars else p.detach()
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers:
                destination[prefix + name] = b if keep_vars else b.detach()

    def load_state_dict(
        self: Module, state_dict: Mapping[str, Any], strict: bool = True, assign: bool = False
    ) -> _IncompatibleKeys:
        """Copy ``state_dict``'s values into this module's parameters and buffers, in place.

        Values may be Tensors or arrays; shapes must match. With ``strict`` a missing or unexpected
        key is an error. Returns ``(missing_keys, unexpected_keys)``.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        missing: list[str] = []
        unexpected: list[str] = []
        errors: list[str] = []
        for prefix, mod in self.named_modules(remove_duplicate=False):
            p = prefix + "." if prefix else ""
            mod._load_from_state_dict(state_dict, p, strict, missing, unexpected, errors, assign)
        expected = set(self.state_dict().keys())
        unexpected.extend(k for k in state_dict if k not in expected)
        if strict:
            if unexpected:
                errors.insert(
                    0,
                    "Unexpected key(s) in state_dict: {}. ".format(
                        ", ".join(f'"{k}"' for k in unexpected)
                    ),
                )
            if missing:
                errors.insert(
                    0,
                    "Missing key(s) in state_dict: {}. ".format(
                        ", ".join(f'"{k}"' for k in missing)
                    ),
                )
        if errors:
            raise RuntimeError(
                "Error(s) in loading state_dict for {}:\n\t{}".format(
                    type(self).__name__, "\n\t".join(errors)
                )
            )
        return _IncompatibleKeys(missing, unexpected)

    def _load_from_state_dict(
        self: Module,
        state_dict: Mapping[str, Any],
        prefix: str,
        strict: bool,
        missing: list[str],
        unexpected: list[str],
        errors: list[str],
        assign: bool = False,
    ) -> None:
        """Load this module's own entries (not its children's); subclasses may adapt old formats."""
        local: dict[str, Tensor] = {}
        self._save_to_state_dict(local, "", keep_vars=True)
        for name, target in local.items():
            key = prefix + name
            if key not in state_dict:
                missing.append(key)
                continue
            array = _as_array(state_dict[key], target.array)
            shape = tuple(array.shape)
            if shape != tuple(target.shape):
                errors.append(
                    f"size mismatch for {key}: copying a param with shape {_size(shape)} from "
                    f"checkpoint, the shape in current model is {_size(tuple(target.shape))}."
                )
                continue
            if assign:
                # take the checkpoint's array itself (and its dtype), as PyTorch's assign=True
                target.array = array
            else:
                target.array[...] = array
                target._bump_version()


def _as_array(value: Any, like: Any) -> Any:
    """``value`` (a Tensor, an array, or anything array-like) as an array on ``like``'s device."""
    array = value.array if isinstance(value, Tensor) else value
    known = isinstance(array, np.ndarray) or _backend.device_of(array) != "cpu"
    if known and _backend.device_of(array) == _backend.device_of(like):
        return array
    host = _backend.to_numpy(array) if known else np.asarray(array)
    return _backend.xp_of(like).asarray(host)


def _size(shape: tuple[int, ...]) -> str:
    return f"torch.Size({list(shape)})"
