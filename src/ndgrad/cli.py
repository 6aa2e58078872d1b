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

Under ``mpiexec -n N`` (or ``ndgrad-run --nproc-per-node N -m ndgrad``) it trains data-parallel:
``--batch-size`` stays the global batch, and the run takes one process's steps (see
``ndgrad._cli_parallel``); rank 0 alone prints and writes.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

import ndgrad
import ndgrad.nn.functional as F
from ndgrad import nn
from ndgrad._cli_data import NAMED, NPZ_KEYS, CLIError, load_arrays
from ndgrad._cli_parallel import Ranks, launcher_rank
from ndgrad._cli_parallel import start as start_ranks
from ndgrad.utils.data import DataLoader, TensorDataset

PROG = "ndgrad-train"


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
        "--batch-size",
        type=_int_at_least(1),
        default=32,
        help="training examples per step, in all: on N ranks each takes batch-size / N",
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
        "--distributed",
        action="store_true",
        help="train data-parallel, in DistributedSampler's order: on by itself under mpiexec or "
        "ndgrad-run with several ranks; on one process it gives the steps of a run on N ranks",
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


def evaluate(
    model: nn.Module, loader: DataLoader, device: str, ranks: Ranks | None = None
) -> tuple[float, float]:
    """(mean loss, accuracy) over ``loader``; on several ranks each scores its share of the test
    set and the sums are added, so every rank gets one process's numbers."""
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
    if ranks is not None and ranks.world > 1:
        loss_sum, correct, total = ranks.sum(np.array([loss_sum, correct, total], np.float64))()
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


def _loaders(
    args: argparse.Namespace, arrays: tuple[np.ndarray, ...], ranks: Ranks, seed: int
) -> tuple[Any, ...]:
    x_tr, y_tr, x_te, y_te = arrays
    train_ds, test_ds = (
        TensorDataset(
            ndgrad.from_numpy(np.ascontiguousarray(x, dtype=np.float32)),
            ndgrad.from_numpy(y.astype(np.int64)),
        )
        for x, y in ((x_tr, y_tr), (x_te, y_te))
    )
    gen = ndgrad.Generator().manual_seed(args.seed)
    if ranks.data_parallel:
        return (
            ranks.train_loader(train_ds, args.batch_size, seed),
            ranks.test_loader(test_ds, 256),
            gen,
        )
    train_loader: DataLoader[Any] = DataLoader(
        train_ds, batch_size=args.batch_size, shuffle=True, generator=gen
    )
    test_loader: DataLoader[Any] = DataLoader(test_ds, batch_size=256)
    return train_loader, test_loader, gen


def _read_checkpoint(path: str) -> dict[str, Any]:
    try:
        ckpt = ndgrad.load(path)
    except RuntimeError as e:
        raise CLIError(f"--resume {path}: {str(e).removeprefix('ndgrad.load: ')}") from None
    if not isinstance(ckpt, dict) or not {"model", "optimizer", "scheduler", "epoch"} <= set(ckpt):
        raise CLIError(f"--resume {path}: not a checkpoint written by {PROG}")
    return ckpt


def _resume(
    args: argparse.Namespace,
    ckpt: dict[str, Any],
    parts: dict[str, Any],
    scheduler: Any,
    monitor: Any,
    total: int,
) -> int:
    """Restore everything a checkpoint holds; the number of epochs it had finished."""
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
    net: nn.Module,
    loader: DataLoader,
    parts: dict[str, Any],
    monitor: Any,
    epoch: int,
    ranks: Ranks,
) -> tuple[float, float]:
    """One pass over the training data (``net`` is the model, or its DDP wrapper on several
    ranks); (mean loss, accuracy) over every rank's examples."""
    from ndgrad.viz import progress  # tqdm's bar; its notebook form in Jupyter

    model, optimizer, scheduler = parts["model"], parts["optimizer"], parts["scheduler"]
    bars = ranks.main and not args.no_progress and sys.stdout.isatty()  # no \r into a log file
    bar = progress(
        loader,
        desc=f"epoch {epoch + 1}/{args.epochs}",
        disable=not bars,
        leave=True,
        file=sys.stdout,
    )
    ranks.set_epoch(epoch)
    seen, correct, loss_sum, t0 = 0.0, 0.0, 0.0, time.perf_counter()
    for step, (x, y) in enumerate(bar):
        x, y = x.to(args.device), y.to(args.device)
        logits = net(x)
        if ranks.data_parallel:  # this rank's share of the global batch's mean loss
            loss, mine = ranks.loss(logits, y, step)
        else:
            loss = F.cross_entropy(logits, y)
            mine = np.array([loss.item() * len(y), (logits.argmax(1) == y).sum().item(), len(y)])
        totals = ranks.sum(mine)  # on several ranks the sums travel during backward
        optimizer.zero_grad()
        loss.backward()
        step_loss, step_correct, n = totals()
        if ranks.main:
            monitor.record_gradients(model)
        optimizer.step()
        scheduler.step()
        seen += n
        loss_sum += step_loss
        correct += step_correct
        if ranks.main:
            value = step_loss / n if ranks.data_parallel else loss.item()
            monitor.log_step(loss=value, lr=scheduler.get_last_lr()[0])
        if bars:
            rate = seen / (time.perf_counter() - t0)
            bar.set_postfix(
                loss=f"{loss_sum / seen:.4f}", acc=f"{correct / seen:.3f}", ex_per_s=f"{rate:.0f}"
            )
    return loss_sum / seen, correct / seen


def _checkpoint(
    parts: dict[str, Any], monitor: Any, epoch: int, sampler_seed: int | None
) -> dict[str, Any]:
    ckpt: dict[str, Any] = {
        k: (v.get_state() if k == "generator" else v.state_dict()) for k, v in parts.items()
    }
    history = {"steps": monitor.steps, "epochs": monitor.epochs, "gradients": monitor.gradients}
    ckpt.update(epoch=epoch, history={**history, "dead_relu": monitor.dead_relu})
    if sampler_seed is not None:  # a data-parallel run: resumes in DistributedSampler's order
        ckpt["sampler_seed"] = sampler_seed
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


# -- one run -------------------------------------------------------------------------------------


def _join(args: argparse.Namespace) -> Ranks:
    """This process's place: alone, or one of the ranks mpiexec / ndgrad-run started."""
    try:
        return start_ranks(args.distributed)
    except ImportError:
        raise CLIError(
            'this process is one of several MPI ranks, which needs mpi4py: pip install "ndgrad['
            'distributed]"'
        ) from None
    except ValueError as e:
        raise CLIError(str(e)) from None


def _together(ranks: Ranks, step: Callable[..., Any], *args: Any) -> Any:
    """``step(*args)`` on every rank; a CLIError on any rank is raised on all (the others would
    otherwise wait for it in their next collective)."""
    error, result = None, None
    try:
        result = step(*args)
    except CLIError as e:
        error = str(e)
    error = ranks.agree(error)
    if error is not None:
        raise CLIError(error)
    return result


def _prepare(args: argparse.Namespace, ranks: Ranks) -> SimpleNamespace:
    """The data, the model, its optimizer and schedule, restored from ``--resume`` when given."""
    from ndgrad.viz import TrainingMonitor

    out = _check_options(args)
    ckpt = _read_checkpoint(args.resume) if args.resume else None
    seed = args.seed
    if ckpt is not None and "sampler_seed" in ckpt:  # a data-parallel run continues in its order
        ranks.data_parallel, seed = True, int(ckpt["sampler_seed"])
    if ranks.data_parallel and args.batch_size % ranks.world:
        raise CLIError(
            f"--batch-size {args.batch_size} is the global batch, split evenly across the "
            f"{ranks.world} ranks: pass a multiple of {ranks.world}"
        )
    ndgrad.manual_seed(args.seed)
    arrays = load_arrays(args.dataset, args.data_dir, args.download)
    n_classes = int(max(arrays[1].max(), arrays[3].max())) + 1
    train_loader, test_loader, gen = _loaders(args, arrays, ranks, seed)
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
    start = _resume(args, ckpt, parts, scheduler, monitor, total) if ckpt is not None else 0
    return SimpleNamespace(
        out=out, kind=kind, model=model, parts=parts, monitor=monitor, start=start, seed=seed,
        train_loader=train_loader, test_loader=test_loader, n_train=len(arrays[0]),
        n_test=len(arrays[2]),
    )  # fmt: skip


def _open_outputs(args: argparse.Namespace, out: Path, ranks: Ranks) -> Any:
    """Rank 0's output folder and TensorBoard writer (None elsewhere, or without --tensorboard)."""
    if not ranks.main:
        return None
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise CLIError(f"--out {out}: can't create the folder ({e.strerror})") from None
    return _tensorboard_writer(args.tensorboard)


def run(args: argparse.Namespace) -> int:
    """Train as ``args`` say (see ``build_parser``); raises ``CLIError`` for user errors."""
    ranks = _join(args)
    try:
        return _run(args, ranks)
    finally:
        ranks.close()


def _run(args: argparse.Namespace, ranks: Ranks) -> int:
    s = _together(ranks, _prepare, args, ranks)
    model, monitor, parts, out, start = s.model, s.monitor, s.parts, s.out, s.start
    if start >= args.epochs:
        ranks.print(
            f"{args.resume} has finished {start} epochs already: nothing to train, nothing "
            f"written (pass --epochs {start + 1} or more to train further)"
        )
        return 0
    if args.resume:
        ranks.print(f"resumed from {args.resume} at epoch {start}")
    writer = monitor.writer = _together(ranks, _open_outputs, args, out, ranks)
    net = ranks.wrap(model)  # DDP on several ranks: rank 0's weights reach every rank
    n_params = sum(p.numel() for p in model.parameters())
    on = f", {ranks.world} ranks x {args.batch_size // ranks.world}" if ranks.world > 1 else ""
    ranks.print(
        f"{s.kind} on {args.dataset}: {s.n_train} train / {s.n_test} test examples, "
        f"{n_params:,} parameters{on}"
    )
    if ranks.main:
        monitor.watch(model)
    sampler_seed = s.seed if ranks.data_parallel else None
    t_start = time.perf_counter()
    try:
        for epoch in range(start, args.epochs):
            train_loss, train_acc = _train_epoch(
                args, net, s.train_loader, parts, monitor, epoch, ranks
            )
            test_loss, test_acc = evaluate(model, s.test_loader, args.device, ranks)
            if not math.isfinite(train_loss):  # stop before the checkpoint: the last good one stays
                lr = parts["scheduler"].base_lrs[0]
                raise CLIError(
                    f"training diverged in epoch {epoch + 1} (loss {train_loss}): try a smaller "
                    f"--lr than {lr:g}"
                )
            if not ranks.main:
                continue
            monitor.log_epoch(
                loss=train_loss, accuracy=train_acc, test_loss=test_loss, test_accuracy=test_acc
            )
            if args.no_progress or not sys.stdout.isatty():
                print(
                    f"epoch {epoch + 1}/{args.epochs}: loss {train_loss:.4f}, accuracy "
                    f"{train_acc:.4f}, test accuracy {test_acc:.4f}"
                )
            ckpt = _checkpoint(parts, monitor, epoch + 1, sampler_seed)
            ndgrad.save(ckpt, out / "checkpoint.ndgrad")  # atomic
    finally:  # what was logged reaches the event files, also when training stops early
        if writer is not None:
            writer.close()
    elapsed = time.perf_counter() - t_start
    monitor.unwatch()
    _, test_acc = evaluate(model, s.test_loader, args.device, ranks)
    ranks.print(f"test accuracy: {test_acc:.4f} ({elapsed:.1f} s of training)")
    if ranks.main:
        _write_outputs(out, model, s.test_loader, monitor, args.device)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; a user error prints one line to stderr and exits with status 2."""
    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except CLIError as e:
        if launcher_rank() == 0:  # every rank raises it; one line is enough
            print(f"{PROG}: error: {e}", file=sys.stderr)
        raise SystemExit(2) from None
    except KeyboardInterrupt:
        if launcher_rank() == 0:
            print(
                f"{PROG}: interrupted; continue with --resume "
                f"{Path(args.out) / 'checkpoint.ndgrad'}",
                file=sys.stderr,
            )
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
