"""A training monitor: loss, metrics and learning rate per step and epoch, per-layer gradient
statistics, dead-ReLU fractions, and the plots that show them (matplotlib, written to PNG).

Example:
    >>> monitor = TrainingMonitor(grad_every=50)
    >>> monitor.watch(model)                       # dead-ReLU fractions from forward hooks
    >>> for step, (x, y) in enumerate(loader):
    ...     loss = F.cross_entropy(model(x), y); loss.backward()
    ...     monitor.log_step(loss=loss.item(), lr=opt.param_groups[0]["lr"])
    ...     monitor.record_gradients(model)        # every grad_every steps
    ...     opt.step(); opt.zero_grad()
    >>> monitor.log_epoch(accuracy=0.97)
    >>> monitor.plot_curves("out/curves.png"); monitor.plot_gradient_flow("out/grad_flow.png")
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from ndgrad import _backend
from ndgrad.serialization import _atomic_write


class TrainingMonitor:
    """Records a training run; see the module docstring for the loop it fits in."""

    def __init__(self, grad_every: int = 50) -> None:
        self.grad_every = grad_every
        self.steps: list[dict[str, float]] = []
        self.epochs: list[dict[str, float]] = []
        self.gradients: list[dict[str, Any]] = []  # one row per (step, parameter)
        self.dead_relu: dict[str, float] = {}
        self._handles: list[Any] = []

    # -- recording -------------------------------------------------------------------------
    def log_step(self, **values: float) -> None:
        """Record scalars (loss, lr, accuracy...) for the current step."""
        row = {"step": float(len(self.steps))}
        row.update({k: float(v) for k, v in values.items()})
        self.steps.append(row)

    def log_epoch(self, **values: float) -> None:
        """Record scalars for the epoch that just ended (averages, test accuracy...)."""
        row = {"epoch": float(len(self.epochs) + 1), "step": float(len(self.steps))}
        row.update({k: float(v) for k, v in values.items()})
        self.epochs.append(row)

    def record_gradients(self, model: Any, force: bool = False) -> None:
        """Per-parameter mean |grad|, max |grad| and norm, every ``grad_every`` steps."""
        step = max(len(self.steps) - 1, 0)
        if not force and step % self.grad_every:
            return
        for name, p in model.named_parameters():
            if p.grad is None:
                continue
            g = np.abs(np.asarray(_backend.to_numpy(p.grad.array), dtype=np.float64))
            self.gradients.append(
                {
                    "step": step,
                    "param": name,
                    "mean_abs": float(g.mean()) if g.size else 0.0,
                    "max_abs": float(g.max()) if g.size else 0.0,
                    "norm": float(math.sqrt(float((g * g).sum()))),
                }
            )

    def watch(self, model: Any) -> None:
        """Track the fraction of zero outputs ("dead" units) of every ReLU module."""
        for name, module in model.named_modules():
            if type(module).__name__ in ("ReLU", "ReLU6"):

                def hook(mod: Any, inputs: Any, output: Any, name: str = name) -> None:
                    arr = _backend.to_numpy(output.array)
                    self.dead_relu[name] = float((arr <= 0).mean()) if arr.size else 0.0

                self._handles.append(module.register_forward_hook(hook))

    def unwatch(self) -> None:
        for h in self._handles:
            h.remove()
        self._handles = []

    # -- saving ----------------------------------------------------------------------------
    def save_json(self, path: str | Path) -> Path:
        """The whole history (steps, epochs, gradient statistics, dead-ReLU fractions) as JSON."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "steps": self.steps,
            "epochs": self.epochs,
            "gradients": self.gradients,
            "dead_relu": self.dead_relu,
        }
        text = json.dumps(payload, indent=1)
        _atomic_write(path, lambda fh: fh.write(text.encode()))
        return path

    def save_csv(self, path: str | Path, which: str = "steps") -> Path:
        """One table ('steps', 'epochs' or 'gradients') as CSV."""
        rows = {"steps": self.steps, "epochs": self.epochs, "gradients": self.gradients}[which]
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fields: list[str] = []
        for r in rows:
            fields.extend(k for k in r if k not in fields)
        buffer = io.StringIO(newline="")
        writer = csv.DictWriter(buffer, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
        _atomic_write(path, lambda fh: fh.write(buffer.getvalue().encode()))
        return path

    # -- plots -----------------------------------------------------------------------------
    def plot_curves(self, path: str | Path, size: tuple[float, float] = (10, 4), dpi: int = 100) -> Path:
        """Loss (per step and per epoch) and every other metric, one panel each, as PNG.

        A metric named ``test_<key>`` or ``val_<key>`` shares the panel of ``<key>`` when both exist,
        so train and test accuracy are drawn on the same axes.
        """
        plt = _pyplot()
        step_keys = [k for k in _keys(self.steps) if k != "step"]
        epoch_keys = [k for k in _keys(self.epochs) if k not in ("epoch", "step")]
        keys = set(step_keys) | set(epoch_keys)
        series: dict[str, list[str]] = {}
        for key in sorted(keys, key=lambda k: (k != "loss", k)):
            prefix, _, base = key.partition("_")
            owner = base if prefix in ("test", "val") and base in keys else key
            series.setdefault(owner, []).append(key)
        panels = sorted(series, key=lambda k: (k != "loss", k)) or ["loss"]
        fig, axes = plt.subplots(1, len(panels), figsize=size, dpi=dpi, squeeze=False)
        for ax, panel in zip(axes[0], panels):
            drawn = False
            for key in series.get(panel, [panel]):
                xs = [r["step"] for r in self.steps if key in r]
                ys = [r[key] for r in self.steps if key in r]
                if xs:
                    ax.plot(xs, ys, lw=0.8, alpha=0.6, label=f"{key} (step)")
                ex = [r["step"] for r in self.epochs if key in r]
                ey = [r[key] for r in self.epochs if key in r]
                if ex:
                    ax.plot(ex, ey, "o-", lw=1.5, ms=4, label=f"{key} (epoch)")
                drawn = drawn or bool(xs or ex)
            ax.set_title(panel)
            ax.set_xlabel("step")
            ax.grid(alpha=0.3)
            if drawn:
                ax.legend(fontsize=8, loc="best")
        fig.tight_layout()
        return _save(fig, path, dpi)

    def plot_gradient_flow(
        self, path: str | Path, size: tuple[float, float] = (10, 4), dpi: int = 100
    ) -> Path:
        """Mean and max |grad| per layer at the last recorded step (bars, log scale), as PNG.

        Vanishing gradients show as bars falling toward the input layers; exploding as tall ones.
        """
        plt = _pyplot()
        last = max((r["step"] for r in self.gradients), default=None)
        rows = [r for r in self.gradients if r["step"] == last]
        fig, ax = plt.subplots(figsize=size, dpi=dpi)
        if rows:
            x = np.arange(len(rows))
            ax.bar(x, [r["max_abs"] for r in rows], color="#9ecae1", label="max |grad|")
            ax.bar(x, [r["mean_abs"] for r in rows], color="#3182bd", label="mean |grad|")
            ax.set_xticks(x, [r["param"] for r in rows], rotation=45, ha="right", fontsize=8)
            ax.set_yscale("log")
            ax.legend()
        ax.set_title(f"gradient flow (step {last})" if last is not None else "gradient flow (no data)")
        ax.grid(alpha=0.3, axis="y")
        fig.tight_layout()
        return _save(fig, path, dpi)


def _keys(rows: list[dict[str, float]]) -> list[str]:
    keys: list[str] = []
    for r in rows:
        keys.extend(k for k in r if k not in keys)
    return keys


def _pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise RuntimeError("plots need matplotlib: pip install 'ndgrad[viz]'") from None
    return plt


def _save(fig: Any, path: str | Path, dpi: int) -> Path:
    import matplotlib.pyplot as plt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        _atomic_write(path, lambda fh: fig.savefig(fh, format=path.suffix.lstrip(".") or "png", dpi=dpi))
    finally:
        plt.close(fig)
    return path
