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

In a Jupyter notebook the curves redraw in place as the run goes (``live``), and ``progress``
gives tqdm's notebook bar. With ``writer=SummaryWriter(...)`` (anything with
``add_scalar(tag, value, step)``) every logged number also goes to TensorBoard.
"""

from __future__ import annotations

import csv
import io
import json
import math
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from ndgrad import _backend
from ndgrad._atomic import _atomic_write


class TrainingMonitor:
    """Records a training run; see the module docstring for the loop it fits in."""

    def __init__(
        self,
        grad_every: int = 50,
        writer: Any = None,
        live: bool | None = None,
        live_every: int = 25,
    ) -> None:
        """
        Args:
            grad_every: ``record_gradients`` records every this many steps.
            writer: also send every number to it with ``writer.add_scalar(tag, value, step)``
                (``ndgrad.utils.tensorboard.SummaryWriter`` or PyTorch's): step values under their
                own name (``loss``), epoch values as ``epoch/<name>``, gradient statistics as
                ``grad_norm/<param>`` and ``grad_mean_abs/<param>``.
            live: redraw the curves in place in a Jupyter notebook, every ``live_every`` steps and
                at each epoch; None means "when running in a Jupyter kernel".
        """
        self.grad_every = grad_every
        self.writer = writer
        self.live = in_notebook() if live is None else live
        self.live_every = live_every
        self.steps: list[dict[str, float]] = []
        self.epochs: list[dict[str, float]] = []
        self.gradients: list[dict[str, Any]] = []  # one row per (step, parameter)
        self.dead_relu: dict[str, float] = {}
        self._handles: list[Any] = []
        self._display: Any = None  # the notebook output the live plot redraws

    # -- recording -------------------------------------------------------------------------
    def log_step(self, **values: float) -> None:
        """Record scalars (loss, lr, accuracy...) for the current step."""
        step = len(self.steps)
        row = {"step": float(step)}
        row.update({k: float(v) for k, v in values.items()})
        self.steps.append(row)
        self._write("", values, step)
        if self.live and (step + 1) % self.live_every == 0:
            self.show()

    def log_epoch(self, **values: float) -> None:
        """Record scalars for the epoch that just ended (averages, test accuracy...)."""
        row = {"epoch": float(len(self.epochs) + 1), "step": float(len(self.steps))}
        row.update({k: float(v) for k, v in values.items()})
        self.epochs.append(row)
        self._write("epoch/", values, len(self.steps))
        if self.live:
            self.show()

    def _write(self, prefix: str, values: dict[str, float], step: int) -> None:
        if self.writer is not None:
            for key, value in values.items():
                self.writer.add_scalar(prefix + key, float(value), step)

    def record_gradients(self, model: Any, force: bool = False) -> None:
        """Per-parameter mean |grad|, max |grad| and norm, every ``grad_every`` steps."""
        step = max(len(self.steps) - 1, 0)
        if not force and step % self.grad_every:
            return
        owners = _owner_types(model)
        for name, p in model.named_parameters():
            if p.grad is None:
                continue
            g = np.abs(np.asarray(_backend.to_numpy(p.grad.array), dtype=np.float64))
            row = {
                "step": step,
                "param": name,
                "module": owners.get(name, ""),
                "mean_abs": float(g.mean()) if g.size else 0.0,
                "max_abs": float(g.max()) if g.size else 0.0,
                "norm": float(math.sqrt(float((g * g).sum()))),
            }
            self.gradients.append(row)
            if self.writer is not None:
                self.writer.add_scalar(f"grad_norm/{name}", row["norm"], step)
                self.writer.add_scalar(f"grad_mean_abs/{name}", row["mean_abs"], step)

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
    def curves_figure(self, size: tuple[float, float] = (10, 4), dpi: int = 100) -> Any:
        """Loss (per step and per epoch) and every other metric, one labelled panel each, as a
        matplotlib Figure; None when nothing was logged.

        A metric named ``test_<key>`` or ``val_<key>`` shares the panel of ``<key>`` when both
        exist, so train and test accuracy are drawn on the same axes."""
        step_keys = [k for k in _keys(self.steps) if k != "step"]
        epoch_keys = [k for k in _keys(self.epochs) if k not in ("epoch", "step")]
        keys = set(step_keys) | set(epoch_keys)
        if not keys:
            return None
        series: dict[str, list[str]] = {}
        for key in sorted(keys, key=lambda k: (k != "loss", k)):
            prefix, _, base = key.partition("_")
            owner = base if prefix in ("test", "val") and base in keys else key
            series.setdefault(owner, []).append(key)
        panels = sorted(series, key=lambda k: (k != "loss", k))
        fig = _figure(size, dpi)
        axes = fig.subplots(1, len(panels), squeeze=False)
        for ax, panel in zip(axes[0], panels):
            for key in series[panel]:
                xs = [r["step"] for r in self.steps if key in r]
                ys = [r[key] for r in self.steps if key in r]
                if xs:
                    ax.plot(xs, ys, lw=0.8, alpha=0.6, label=f"{key} (step)")
                ex = [r["step"] for r in self.epochs if key in r]
                ey = [r[key] for r in self.epochs if key in r]
                if ex:
                    ax.plot(ex, ey, "o-", lw=1.5, ms=4, label=f"{key} (epoch)")
            ax.set_title(_axis_name(panel))
            ax.set_xlabel("step")
            ax.set_ylabel(_axis_name(panel))
            ax.grid(alpha=0.3)
            ax.legend(fontsize=8, loc="best")
        fig.tight_layout()
        return fig

    def plot_curves(
        self, path: str | Path, size: tuple[float, float] = (10, 4), dpi: int = 100
    ) -> Path | None:
        """``curves_figure`` written as PNG (or the suffix's format); nothing when nothing was
        logged."""
        return _save(self.curves_figure(size, dpi), path, dpi, "plot_curves: nothing was logged")

    def gradient_flow_figure(self, size: tuple[float, float] = (10, 4), dpi: int = 100) -> Any:
        """Mean and max |grad| per parameter at the last recorded step (bars, log scale), as a
        matplotlib Figure; None when no gradients were recorded.

        Parameters are named by module path (``conv1.weight``); in containers that number their
        children (``0.weight``) the module's type is added (``0.weight (Conv2d)``). Vanishing
        gradients show as bars falling toward the input layers; exploding ones as tall bars.
        """
        last = max((r["step"] for r in self.gradients), default=None)
        if last is None:
            return None
        rows = [r for r in self.gradients if r["step"] == last]
        fig = _figure(size, dpi)
        ax = fig.subplots()
        x = np.arange(len(rows))
        ax.bar(x, [r["max_abs"] for r in rows], color="#9ecae1", label="max |grad|")
        ax.bar(x, [r["mean_abs"] for r in rows], color="#3182bd", label="mean |grad|")
        ax.set_xticks(x, [_param_label(r) for r in rows], rotation=45, ha="right", fontsize=8)
        ax.set_yscale("log")
        ax.set_xlabel("parameter (module path)")
        ax.set_ylabel("|grad| (log scale)")
        ax.set_title(f"gradient flow at step {last}")
        ax.legend()
        ax.grid(alpha=0.3, axis="y")
        fig.tight_layout()
        return fig

    def plot_gradient_flow(
        self, path: str | Path, size: tuple[float, float] = (10, 4), dpi: int = 100
    ) -> Path | None:
        """``gradient_flow_figure`` written as PNG; nothing when no gradients were recorded."""
        empty = (
            "plot_gradient_flow: no gradients were recorded (call record_gradients after backward)"
        )
        return _save(self.gradient_flow_figure(size, dpi), path, dpi, empty)

    def show(self) -> None:
        """Draw the curves in the notebook, replacing the previous drawing (the live plot)."""
        fig = self.curves_figure()
        if fig is None:
            return
        try:
            from IPython.display import Image, display
        except ImportError:
            raise RuntimeError("live plots need IPython: pip install 'ndgrad[notebook]'") from None

        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        image = Image(data=buffer.getvalue(), format="png")
        if self._display is None:
            self._display = display(image, display_id=True)
        else:
            self._display.update(image)


def in_notebook() -> bool:
    """True inside a Jupyter kernel (IPython already imported and running a kernel)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and hasattr(shell, "kernel")


def progress(iterable: Any = None, **kwargs: Any) -> Any:
    """A tqdm progress bar: tqdm's notebook widget in Jupyter (with ipywidgets), text elsewhere."""
    if in_notebook():
        try:
            import ipywidgets  # noqa: F401  (tqdm.notebook needs it to draw)
            from tqdm.notebook import tqdm as bar
        except ImportError:
            from tqdm import tqdm as bar
    else:
        from tqdm import tqdm as bar
    return bar(iterable, **kwargs)


_AXIS_NAMES = {"loss": "loss", "acc": "accuracy", "accuracy": "accuracy", "lr": "learning rate"}


def _axis_name(key: str) -> str:
    return _AXIS_NAMES.get(key, key.replace("_", " "))


def _param_label(row: dict[str, Any]) -> str:
    name = str(row["param"])
    numbered = any(part.isdigit() for part in name.split("."))
    return f"{name} ({row['module']})" if numbered and row.get("module") else name


def _owner_types(model: Any) -> dict[str, str]:
    """Parameter name -> the type of the module that holds it (``0.weight`` -> ``Conv2d``)."""
    if not hasattr(model, "named_modules"):
        return {}
    owners: dict[str, str] = {}
    for prefix, module in model.named_modules():
        for pname, _ in module.named_parameters(recurse=False):
            owners[f"{prefix}.{pname}" if prefix else pname] = type(module).__name__
    return owners


def _keys(rows: list[dict[str, float]]) -> list[str]:
    keys: list[str] = []
    for r in rows:
        keys.extend(k for k in r if k not in keys)
    return keys


def _figure(size: tuple[float, float], dpi: int) -> Any:
    """A matplotlib Figure made without pyplot: no global state, no backend switched (a notebook
    keeps its inline backend), nothing to close; Jupyter shows a returned Figure inline."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise RuntimeError("plots need matplotlib: pip install 'ndgrad[viz]'") from None
    return Figure(figsize=size, dpi=dpi)


def _save(fig: Any, path: str | Path, dpi: int, empty: str) -> Path | None:
    """Write ``fig``; with no figure (nothing to draw) warn ``empty`` and write nothing."""
    if fig is None:
        warnings.warn(f"{empty}; no figure written", stacklevel=3)
        return None
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write(
        path, lambda fh: fig.savefig(fh, format=path.suffix.lstrip(".") or "png", dpi=dpi)
    )
    return path
