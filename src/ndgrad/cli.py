"""``ndgrad-train`` / ``python -m ndgrad``: train a small model and show what happened.

With no arguments it is the demo: a small CNN on the 8x8 digits that ship with ndgrad (no
download), a progress bar per epoch (a line per epoch when the output is not a terminal), the
final test accuracy, and in ``--out``: loss and accuracy curves, the gradient-flow chart, the
model's computation graph and a checkpoint.

Every checkpoint holds the model, optimizer, scheduler, shuffling generator and the history, so
``--resume`` continues a run exactly where it stopped (a resumed run equals an uninterrupted one);
a larger ``--epochs`` extends it along the cosine schedule of the new length. A user error (a bad
option, missing or corrupt data, no GPU) exits with status 2 and one line on stderr naming the
option and the fix.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

import ndgrad
import ndgrad.nn.functional as F
from ndgrad import nn
from ndgrad.utils.data import DataLoader, TensorDataset

PROG = "ndgrad-train"
NAMED = ("digits", "moons", "mnist", "fashion-mnist", "kmnist")
NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")


class CLIError(Exception):
    """A user error: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse prints usage too; one line is enough
        print(f"{self.prog}: error: {message} (see --help)", file=sys.stderr)
        raise SystemExit(2)


class _Formatter(argparse.ArgumentDefaultsHelpFormatter):
    def _get_help_string(self, action: argparse.Action) -> str | None:
        # options whose default is None say in their help what None means
        return action.help if action.default is None else super()._get_help_string(action)


def _int_at_least(low: int, high: int = 2**63 - 1) -> Any:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, got {value}")
        if value > high:
            raise argparse.ArgumentTypeError(f"must be at most {high}, got {value}")
        return value

    return parse


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog=PROG,
        description="Train a small model with ndgrad and write plots, the graph and a checkpoint.",
        formatter_class=_Formatter,
    )
    p.add_argument(
        "--dataset",
        default="digits",
        help=(
            f"{' | '.join(NAMED)} | a folder of MNIST-style IDX files | "
            f"an .npz with {', '.join(NPZ_KEYS)}"
        ),
    )
    p.add_argument(
        "--data-dir", default="data", help="where dataset files are (or are downloaded to)"
    )
    p.add_argument("--download", action="store_true", help="download missing dataset files")
    p.add_argument(
        "--model",
        default="auto",
        choices=["auto", "mlp", "cnn"],
        help="auto: cnn for images, mlp for points",
    )
    p.add_argument(
        "--epochs", type=_int_at_least(1), default=8, help="epochs to train (in all, when resuming)"
    )
    p.add_argument(
        "--batch-size", type=_int_at_least(1), default=32, help="training examples per step"
    )
    p.add_argument(
        "--lr",
        type=_positive_float,
        default=None,
        help="learning rate (default: 0.05 for sgd, 0.003 for adam/adamw)",
    )
    p.add_argument(
        "--optimizer", default="adam", choices=["sgd", "adam", "adamw"], help="the optimizer"
    )
    p.add_argument(
        "--device", default="cpu", choices=["cpu", "cuda"], help="cuda needs CuPy and a GPU"
    )
    p.add_argument(
        "--seed", type=_int_at_least(0, 2**64 - 1), default=0, help="seed for weights and shuffling"
    )
    p.add_argument(
        "--out", default="runs/demo", help="output folder for plots, graph and checkpoint"
    )
    p.add_argument(
        "--resume",
        default=None,
        help="continue from a checkpoint written by an earlier run (default: start anew)",
    )
    p.add_argument(
        "--no-progress", action="store_true", help="a line per epoch instead of progress bars"
    )
    p.add_argument(
        "--tensorboard",
        default=None,
        metavar="DIR",
        help="also log every number to TensorBoard event files in DIR (default: off; needs the "
        "tensorboard extra)",
    )
    return p


# -- data ----------------------------------------------------------------------------------------


Arrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def load_arrays(name: str, data_dir: str, download: bool) -> Arrays:
    """(x_train, y_train, x_test, y_test) as float32 images (N, C, H, W) or points (N, 2)."""
    from ndgrad import datasets

    if name == "digits":
        train, test = datasets.Digits(train=True), datasets.Digits(train=False)
        return (
            (train.data[:, None] / 16.0).astype(np.float32),
            train.targets,
            (test.data[:, None] / 16.0).astype(np.float32),
            test.targets,
        )
    if name == "moons":
        x, y = datasets.make_moons(600, noise=0.1, seed=0)
        return x[:480].astype(np.float32), y[:480], x[480:].astype(np.float32), y[480:]
    classes = {
        "mnist": datasets.MNIST,
        "fashion-mnist": datasets.FashionMNIST,
        "kmnist": datasets.KMNIST,
    }
    if name in classes:
        return _idx_arrays(classes[name], Path(data_dir), download, f"--dataset {name}")
    path = Path(name)
    if path.suffix == ".npz":
        return _npz_arrays(path)
    if name and path.is_dir():
        return _idx_arrays(datasets.MNIST, path, False, f"--dataset {path}")
    raise CLIError(
        f"--dataset {name}: no such dataset, file or folder; use {', '.join(NAMED)}, a folder or "
        "an .npz"
    )


def _idx_arrays(cls: Any, root: Path, download: bool, option: str) -> Arrays:
    """An IDX dataset from ``--data-dir`` (``option`` is ``--dataset mnist``) or from the folder
    that ``--dataset FOLDER`` names (then ``option`` is that)."""
    try:
        tr, te = cls(root, train=True, download=download), cls(root, train=False, download=download)
    except RuntimeError as e:
        first = str(e).splitlines()[0]
        folder = option == f"--dataset {root}"
        if "not found" in first and folder:
            files = ", ".join(name for name, _ in cls.resources)
            raise CLIError(f"{option}: the folder has no MNIST-style IDX files ({files})") from None
        if "not found" in first:
            raise CLIError(
                f"{option}: files not found in --data-dir {root}; add --download to fetch them"
            ) from None
        if "download" in first and download:
            raise CLIError(
                f"{option}: {first.rstrip(':')} (no network? place them in --data-dir {root})"
            ) from None
        raise CLIError(
            f"{option}: {first.replace('download it again', 'rerun with --download')}"
        ) from None
    return _images(tr.data), tr.targets, _images(te.data), te.targets


def _npz_arrays(path: Path) -> Arrays:
    if not path.is_file():
        raise CLIError(f"--dataset {path}: no such file")
    try:
        with np.load(path, allow_pickle=False) as z:
            missing = [k for k in NPZ_KEYS if k not in z.files]
            if missing:
                raise CLIError(
                    f"--dataset {path}: the .npz has no {', '.join(missing)} (it needs "
                    f"{', '.join(NPZ_KEYS)})"
                )
            x_tr, y_tr, x_te, y_te = (np.asarray(z[k]) for k in NPZ_KEYS)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as e:
        raise CLIError(
            f"--dataset {path}: not a readable NumPy .npz file ({str(e).splitlines()[0]})"
        ) from None
    for x, y, split in ((x_tr, y_tr, "train"), (x_te, y_te, "test")):
        if x.ndim not in (2, 4) or x.dtype.kind not in "biuf" or len(x) != len(y) or len(x) == 0:
            raise CLIError(
                f"--dataset {path}: x_{split} must be a non-empty (N, features) or (N, C, H, W) "
                "array of "
                f"numbers with one label per row in y_{split}; got {x.dtype} {x.shape} and "
                f"{y.shape}"
            )
        if y.ndim != 1 or y.dtype.kind not in "iu" or (y < 0).any():
            raise CLIError(
                f"--dataset {path}: y_{split} must hold class numbers 0, 1, 2, ... (got {y.dtype})"
            )
    return x_tr, y_tr, x_te, y_te


def _images(u8: np.ndarray) -> np.ndarray:
    x = (u8.astype(np.float32) / 255.0 - 0.1307) / 0.3081
    return x[:, None]


# -- models --------------------------------------------------------------------------------------


def build_model(kind: str, in_shape: tuple[int, ...], n_classes: int) -> nn.Module:
    if len(in_shape) == 1:
        if kind == "cnn":
            raise CLIError(
                "--model cnn needs image data, and this --dataset gives points: use --model mlp"
            )
        return nn.Sequential(
            nn.Linear(in_shape[0], 64),
            nn.ReLU(),
            nn.Linear(64, 64),
            nn.ReLU(),
            nn.Linear(64, n_classes),
        )
    c, h, w = in_shape
    if kind == "mlp":
        return nn.Sequential(
            nn.Flatten(),
            nn.Linear(c * h * w, 256),
            nn.ReLU(),
            nn.Linear(256, 128),
            nn.ReLU(),
            nn.Linear(128, n_classes),
        )
    if h >= 28:  # MNIST-sized
        return nn.Sequential(
            nn.Conv2d(c, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(64 * (h // 4) * (w // 4), 128), nn.ReLU(),
            nn.Linear(128, n_classes),
        )  # fmt: skip
    return nn.Sequential(
        nn.Conv2d(c, 16, 3, padding=1), nn.ReLU(),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * (h // 2) * (w // 2), 64), nn.ReLU(), nn.Linear(64, n_classes),
    )  # fmt: skip


def make_optimizer(name: str, params: Any, lr: float | None) -> Any:
    if name == "sgd":
        return ndgrad.optim.SGD(params, lr=0.05 if lr is None else lr, momentum=0.9)
    if name == "adamw":
        return ndgrad.optim.AdamW(params, lr=0.003 if lr is None else lr)
    return ndgrad.optim.Adam(params, lr=0.003 if lr is None else lr)


# -- training ------------------------------------------------------------------------------------


def evaluate(model: nn.Module, loader: DataLoader, device: str) -> tuple[float, float]:
    model.eval()
    total, correct, loss_sum = 0, 0, 0.0
    with ndgrad.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            logits = model(x)
            loss_sum += F.cross_entropy(logits, y, reduction="sum").item()
            correct += int((logits.argmax(1) == y).sum().item())
            total += len(y)
    model.train()
    return loss_sum / max(total, 1), correct / max(total, 1)


def _check_options(args: argparse.Namespace) -> Path:
    """Errors that need no data: the device, the output folder, the checkpoint to resume."""
    if args.device == "cuda" and not ndgrad.cuda.is_available():
        raise CLIError(
            "--device cuda: no GPU found (it needs CuPy and a CUDA GPU); use --device cpu"
        )
    if not args.out:
        raise CLIError("--out is empty; pass a folder (it is created if missing)")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise CLIError(f"--out {out} is a file; pass a folder (it is created if missing)")
    if args.tensorboard is not None and not args.tensorboard:
        raise CLIError("--tensorboard is empty; pass a folder for the event files")
    if args.tensorboard and Path(args.tensorboard).exists() and not Path(args.tensorboard).is_dir():
        raise CLIError(
            f"--tensorboard {args.tensorboard} is a file; pass a folder for the event files"
        )
    if args.resume is not None and not Path(args.resume).is_file():
        raise CLIError(
            f"--resume {args.resume}: no such file (it is the checkpoint.ndgrad of an earlier "
            "--out)"
        )
    return out


def _loaders(args: argparse.Namespace, arrays: tuple[np.ndarray, ...]) -> tuple[Any, ...]:
    x_tr, y_tr, x_te, y_te = arrays
    train_ds, test_ds = (
        TensorDataset(
            ndgrad.from_numpy(np.ascontiguousarray(x, dtype=np.float32)),
            ndgrad.from_numpy(y.astype(np.int64)),
        )
        for x, y in ((x_tr, y_tr), (x_te, y_te))
    )
    gen = ndgrad.Generator().manual_seed(args.seed)
    train_loader: DataLoader[Any] = DataLoader(
        train_ds, batch_size=args.batch_size, shuffle=True, generator=gen
    )
    test_loader: DataLoader[Any] = DataLoader(test_ds, batch_size=256)
    return train_loader, test_loader, gen


def _resume(
    args: argparse.Namespace, parts: dict[str, Any], scheduler: Any, monitor: Any, total: int
) -> int:
    """Restore everything a checkpoint holds; the number of epochs it had finished."""
    try:
        ckpt = ndgrad.load(args.resume)
    except RuntimeError as e:
        raise CLIError(f"--resume {args.resume}: {str(e).removeprefix('ndgrad.load: ')}") from None
    if not isinstance(ckpt, dict) or not {"model", "optimizer", "scheduler", "epoch"} <= set(ckpt):
        raise CLIError(f"--resume {args.resume}: not a checkpoint written by {PROG}")
    try:
        for key, part in parts.items():
            if key in ckpt:
                part.load_state_dict(ckpt[key]) if key != "generator" else part.set_state(ckpt[key])
    except (RuntimeError, KeyError, ValueError, TypeError) as e:
        raise CLIError(
            f"--resume {args.resume} does not fit this run (written with another --dataset or "
            "--model?): "
            f"{str(e).splitlines()[0]}"
        ) from None
    if scheduler.T_max != total:  # a different --epochs: continue on the cosine of the new length
        scheduler.T_max = total
        lrs = scheduler._get_closed_form_lr()
        for group, lr in zip(scheduler.optimizer.param_groups, lrs):
            group["lr"] = lr
        scheduler._last_lr = lrs
    history = ckpt.get("history", {})
    for key in ("steps", "epochs", "gradients"):
        getattr(monitor, key)[:] = history.get(key, [])
    monitor.dead_relu.update(history.get("dead_relu", {}))
    return int(ckpt["epoch"])


def _train_epoch(
    args: argparse.Namespace,
    model: nn.Module,
    loader: DataLoader,
    parts: dict[str, Any],
    monitor: Any,
    epoch: int,
) -> tuple[float, float]:
    """One pass over the training data; (mean loss, accuracy)."""
    from ndgrad.viz import progress  # tqdm's bar; its notebook form in Jupyter

    optimizer, scheduler = parts["optimizer"], parts["scheduler"]
    bars = not args.no_progress and sys.stdout.isatty()  # no \r updates into a log file
    bar = progress(
        loader,
        desc=f"epoch {epoch + 1}/{args.epochs}",
        disable=not bars,
        leave=True,
        file=sys.stdout,
    )
    seen, correct, loss_sum, t0 = 0, 0, 0.0, time.perf_counter()
    for x, y in bar:
        x, y = x.to(args.device), y.to(args.device)
        logits = model(x)
        loss = F.cross_entropy(logits, y)
        optimizer.zero_grad()
        loss.backward()
        monitor.record_gradients(model)
        optimizer.step()
        scheduler.step()
        n = len(y)
        seen += n
        loss_sum += loss.item() * n
        correct += int((logits.argmax(1) == y).sum().item())
        monitor.log_step(loss=loss.item(), lr=scheduler.get_last_lr()[0])
        if bars:
            rate = seen / (time.perf_counter() - t0)
            bar.set_postfix(
                loss=f"{loss_sum / seen:.4f}", acc=f"{correct / seen:.3f}", ex_per_s=f"{rate:.0f}"
            )
    return loss_sum / seen, correct / seen


def _checkpoint(parts: dict[str, Any], monitor: Any, epoch: int) -> dict[str, Any]:
    ckpt: dict[str, Any] = {
        k: (v.get_state() if k == "generator" else v.state_dict()) for k, v in parts.items()
    }
    history = {"steps": monitor.steps, "epochs": monitor.epochs, "gradients": monitor.gradients}
    ckpt.update(epoch=epoch, history={**history, "dead_relu": monitor.dead_relu})
    return ckpt


def _write_outputs(
    out: Path, model: nn.Module, test_loader: DataLoader, monitor: Any, device: str
) -> None:
    """The pictures (curves, gradient flow, the graph of one small batch) and the history."""
    from ndgrad.viz import draw_graph, record_modules

    monitor.save_json(out / "history.json")
    monitor.save_csv(out / "history.csv")
    try:
        monitor.plot_curves(out / "curves.png")
        monitor.plot_gradient_flow(out / "grad_flow.png")
    except (ImportError, ValueError) as e:  # no matplotlib; or nothing plottable in the history
        print(f"(plots skipped: {e})")
    x0, y0 = next(iter(DataLoader(test_loader.dataset, batch_size=4)))
    with record_modules(model):
        loss = F.cross_entropy(model(x0.to(device)), y0.to(device))
    graph = draw_graph(loss, params=model, collapse_modules=True, show_values=False)
    (out / "graph.mmd").write_text(graph.mermaid)
    (out / "graph.dot").write_text(graph.dot)
    try:
        graph.render(out / "graph.svg")
    except RuntimeError as e:
        print(f"(graph image skipped: {e})")
    print(
        f"wrote {out}/: curves.png, grad_flow.png, graph.svg/.mmd/.dot, history.json/.csv, "
        "checkpoint.ndgrad"
    )


def _tensorboard_writer(log_dir: str | None) -> Any:
    """A SummaryWriter for ``--tensorboard DIR``, or None when the option is not given."""
    if log_dir is None:
        return None
    try:
        from ndgrad.utils.tensorboard import SummaryWriter

        return SummaryWriter(log_dir=log_dir)
    except ImportError:
        raise CLIError(
            '--tensorboard needs the tensorboard package: pip install "ndgrad[tensorboard]"'
        ) from None


def run(args: argparse.Namespace) -> int:
    """Train as ``args`` say (see ``build_parser``); raises ``CLIError`` for user errors."""
    from ndgrad.viz import TrainingMonitor

    out = _check_options(args)
    ndgrad.manual_seed(args.seed)
    arrays = load_arrays(args.dataset, args.data_dir, args.download)
    n_classes = int(max(arrays[1].max(), arrays[3].max())) + 1
    train_loader, test_loader, gen = _loaders(args, arrays)
    in_shape = tuple(arrays[0].shape[1:])
    kind = args.model if args.model != "auto" else ("cnn" if len(in_shape) == 3 else "mlp")
    if args.model == "cnn" and len(in_shape) == 1:
        raise CLIError(
            f"--model cnn needs image data, but --dataset {args.dataset} gives points: use "
            "--model mlp"
        )
    model = build_model(kind, in_shape, n_classes).to(args.device)
    optimizer = make_optimizer(args.optimizer, model.parameters(), args.lr)
    total = args.epochs * len(train_loader)
    scheduler = ndgrad.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=total)
    parts = {"model": model, "optimizer": optimizer, "scheduler": scheduler, "generator": gen}
    monitor = TrainingMonitor(grad_every=max(1, len(train_loader) // 2))
    start = _resume(args, parts, scheduler, monitor, total) if args.resume else 0
    if start >= args.epochs:
        print(
            f"{args.resume} has finished {start} epochs already: nothing to train, nothing "
            f"written (pass --epochs {start + 1} or more to train further)"
        )
        return 0
    if args.resume:
        print(f"resumed from {args.resume} at epoch {start}")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise CLIError(f"--out {out}: can't create the folder ({e.strerror})") from None
    writer = monitor.writer = _tensorboard_writer(args.tensorboard)  # created once training starts
    n_params = sum(p.numel() for p in model.parameters())
    print(
        f"{kind} on {args.dataset}: {len(train_loader.dataset)} train / "
        f"{len(test_loader.dataset)} test examples, {n_params:,} parameters"
    )
    monitor.watch(model)
    t_start = time.perf_counter()
    try:
        for epoch in range(start, args.epochs):
            train_loss, train_acc = _train_epoch(args, model, train_loader, parts, monitor, epoch)
            test_loss, test_acc = evaluate(model, test_loader, args.device)
            if not math.isfinite(train_loss):  # stop before the checkpoint: the last good one stays
                lr = scheduler.base_lrs[0]
                raise CLIError(
                    f"training diverged in epoch {epoch + 1} (loss {train_loss}): try a smaller "
                    f"--lr than {lr:g}"
                )
            monitor.log_epoch(
                loss=train_loss, accuracy=train_acc, test_loss=test_loss, test_accuracy=test_acc
            )
            if args.no_progress or not sys.stdout.isatty():
                print(
                    f"epoch {epoch + 1}/{args.epochs}: loss {train_loss:.4f}, accuracy "
                    f"{train_acc:.4f}, test accuracy {test_acc:.4f}"
                )
            ndgrad.save(_checkpoint(parts, monitor, epoch + 1), out / "checkpoint.ndgrad")
    finally:  # what was logged reaches the event files, also when training stops early
        if writer is not None:
            writer.close()
    elapsed = time.perf_counter() - t_start
    monitor.unwatch()
    _, test_acc = evaluate(model, test_loader, args.device)
    print(f"test accuracy: {test_acc:.4f} ({elapsed:.1f} s of training)")
    _write_outputs(out, model, test_loader, monitor, args.device)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; a user error prints one line to stderr and exits with status 2."""
    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except CLIError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        raise SystemExit(2) from None
    except KeyboardInterrupt:
        print(
            f"{PROG}: interrupted; continue with --resume {Path(args.out) / 'checkpoint.ndgrad'}",
            file=sys.stderr,
        )
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
