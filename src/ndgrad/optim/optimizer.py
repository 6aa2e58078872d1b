"""The ``Optimizer`` base: parameter groups, per-parameter state, and ``state_dict`` in PyTorch's
format.

An optimizer holds ``param_groups`` (a list of dicts: ``"params"`` plus that group's options,
filled from ``defaults``) and ``state`` (a dict keyed by parameter tensor holding that parameter's
running buffers). Subclasses write one ``step`` that loops over groups and parameters and updates
``p.array`` in place on the raw arrays (NumPy or CuPy), so a training step builds no graph.

    >>> opt = ndgrad.optim.SGD([w], lr=0.1)
    >>> loss = (w * w).sum(); loss.backward(); opt.step(); opt.zero_grad()
"""

from __future__ import annotations

import copy
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from ndgrad.autograd.grad_mode import enable_grad
from ndgrad.tensor import Tensor


class _RequiredParameter:
    """Marks a default that every parameter group must give (like PyTorch's ``required``)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


class Optimizer:
    """Base class of all optimizers.

    Args:
        params: an iterable of tensors, or of dicts (parameter groups) each with a ``"params"`` key
            and any options that override ``defaults`` for that group.
        defaults: the default value of each option.
    """

    def __init__(self, params: Any, defaults: dict[str, Any]) -> None:
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or dicts, "
                f"but got {type(params).__name__}"
            )
        self.defaults = defaults
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        groups = list(params)
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own options (e.g. a new layer while fine-tuning)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the "
                "ordering "
                "of tensors in sets will change between runs. Please use a list instead."
            )
        else:
            param_group["params"] = list(params)
        for p in param_group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError(
                    "optimizer can only optimize Tensors, but one of the params is "
                    f"{type(p).__name__}"
                )
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(
                    "parameter group didn't specify a value of required optimization parameter "
                    f"{name}"
                )
            param_group.setdefault(name, default)
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        if any(id(p) in seen for p in param_group["params"]):
            raise ValueError("some parameters appear in more than one parameter group")
        if len({id(p) for p in param_group["params"]}) != len(param_group["params"]):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; each is updated "
                "once per occurrence",
                stacklevel=3,
            )
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's ``.grad``: drop it (default) or fill it with zeros in place."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if p.grad.grad_fn is not None:
                        p.grad.detach_()
                    p.grad.array.fill(0)
                    p.grad._bump_version()

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update the parameters once; ``closure`` re-evaluates the model and returns the loss."""
        raise NotImplementedError

    def _eval_closure(self, closure: Callable[[], Any] | None) -> Any:
        if closure is None:
            return None
        with enable_grad():
            return closure()

    # -- saving and resuming ---------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """``{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}``.

        Parameters are replaced by their position across all groups, so the dict can be loaded
        into a new optimizer built over the same model. The buffers are not copied.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {index[id(p)]: s for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a ``state_dict()``: options per group and buffers per parameter (copied)."""
        state_dict = copy.deepcopy(state_dict)
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        for ours, saved in zip(self.param_groups, saved_groups):
            if len(ours["params"]) != len(saved["params"]):
                raise ValueError(
                    "loaded state dict contains a parameter group that doesn't match the size of "
                    "optimizer's group"
                )
        id_map = {
            old: p
            for ours, saved in zip(self.param_groups, saved_groups)
            for old, p in zip(saved["params"], ours["params"])
        }
        self.state = defaultdict(dict)
        for key, value in state_dict["state"].items():
            key = int(key)
            if key in id_map:
                p = id_map[key]
                self.state[p] = {k: _cast_state(p, k, v) for k, v in value.items()}
        self.param_groups = [
            {**saved, "params": ours["params"]}
            for ours, saved in zip(self.param_groups, saved_groups)
        ]

    def __getstate__(self) -> dict[str, Any]:
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def __repr__(self) -> str:
        lines = [self.__class__.__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines.extend(f"    {k}: {group[k]}" for k in sorted(group) if k != "params")
        lines.append(")")
        return "\n".join(lines)


def _cast_state(p: Tensor, key: str, value: Any) -> Any:
    """Move a loaded buffer to the parameter's device and float dtype; ``step`` becomes an int."""
    if key == "step":
        return int(value.item()) if isinstance(value, Tensor) else value
    if isinstance(value, Tensor):
        if value.is_floating_point():
            return value.to(dtype=p.dtype, device=p.device)
        return value.to(device=p.device)
    return value


def _grad(p: Tensor, maximize: bool) -> Any:
    """The raw gradient array of ``p`` (negated, as a new array, when maximizing)."""
    assert p.grad is not None
    g = p.grad.array
    return -g if maximize else g


def _zeros_like(p: Tensor) -> Tensor:
    """A fresh zero buffer with the parameter's shape, dtype and device (kept as a Tensor)."""
    return Tensor._make(p.xp.zeros_like(p.array), False, None)


def _buffer(array: Any) -> Tensor:
    """Keep a raw array in the optimizer state as a Tensor (saved and loaded like PyTorch's)."""
    return Tensor._make(array, False, None)


def _params_with_grad(group: dict[str, Any]) -> Iterable[Tensor]:
    return (p for p in group["params"] if p.grad is not None)


def _check(ok: Any, message: str) -> None:
    if not ok:
        raise ValueError(message)
