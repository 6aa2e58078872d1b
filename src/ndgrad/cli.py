"""``ndgrad-train`` / ``python -m ndgrad``: train a small model and show what happened.

With no arguments it is the demo: a small CNN on the 8x8 digits that ship with ndgrad (no
download), a progress bar per epoch, the final test accuracy, and in ``--out``: loss and accuracy
curves, the gradient-flow chart, the model's computation graph and a checkpoint.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

import ndgrad
import ndgrad.nn.functional as F
from ndgrad import nn
from ndgrad.utils.data import DataLoader, TensorDataset


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="ndgrad-train",
        description="Train a small model with ndgrad and write plots, the graph and a checkpoint.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument(
        "--dataset",
        default="digits",
        help="digits | moons | mnist | fashion-mnist | kmnist | a folder of MNIST-style IDX files "
        "| an .npz with x_train, y_train, x_test, y_test",
    )
    p.add_argument("--data-dir", default="data", help="where dataset files are (or are downloaded to)")
    p.add_argument("--download", action="store_true", help="download missing dataset files")
    p.add_argument("--model", default="cnn", choices=["mlp", "cnn"], help="model family")
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument(
        "--lr", type=float, default=None, help="learning rate (default: 0.05 for sgd, 0.003 for adam/adamw)"
    )
    p.add_argument("--optimizer", default="adam", choices=["sgd", "adam", "adamw"])
    p.add_argument("--device", default="cpu", help="cpu or cuda (needs CuPy)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="runs/demo", help="output folder for plots, graph and checkpoint")
    p.add_argument("--resume", default=None, help="a checkpoint written by an earlier run")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    return p


# -- data ----------------------------------------------------------------------------------------


def load_arrays(
    name: str, data_dir: str, download: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
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
    classes = {"mnist": datasets.MNIST, "fashion-mnist": datasets.FashionMNIST, "kmnist": datasets.KMNIST}
    if name in classes:
        root = Path(data_dir)
        cls = classes[name]
        tr, te = cls(root, train=True, download=download), cls(root, train=False, download=download)
        return _images(tr.data), tr.targets, _images(te.data), te.targets
    path = Path(name)
    if path.suffix == ".npz" and path.exists():
        with np.load(path, allow_pickle=False) as z:
            return tuple(np.asarray(z[k]) for k in ("x_train", "y_train", "x_test", "y_test"))  # type: ignore[return-value]
    if path.is_dir():
        tr, te = datasets.MNIST(path, train=True), datasets.MNIST(path, train=False)
        return _images(tr.data), tr.targets, _images(te.data), te.targets
    raise SystemExit(
        f"unknown dataset {name!r}: use digits, moons, mnist, fashion-mnist, kmnist, a folder or an .npz"
    )


def _images(u8: np.ndarray) -> np.ndarray:
    x = (u8.astype(np.float32) / 255.0 - 0.1307) / 0.3081
    return x[:, None]


# -- models --------------------------------------------------------------------------------------


def build_model(kind: str, in_shape: tuple[int, ...], n_classes: int) -> nn.Module:
    if len(in_shape) == 1:
        if kind == "cnn":
            raise SystemExit("--model cnn needs image data; use --model mlp for 2-d points")
        return nn.Sequential(
            nn.Linear(in_shape[0], 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, n_classes)
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
            nn.Flatten(), nn.Linear(64 * (h // 4) * (w // 4), 128), nn.ReLU(), nn.Linear(128, n_classes),
        )  # fmt: skip
    return nn.Sequential(
        nn.Conv2d(c, 16, 3, padding=1), nn.ReLU(),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * (h // 2) * (w // 2), 64), nn.ReLU(), nn.Linear(64, n_classes),
    )  # fmt: skip


def make_optimizer(name: str, params: Any, lr: float | None) -> Any:
    if name == "sgd":
        return ndgrad.optim.SGD(params, lr=lr or 0.05, momentum=0.9)
    if name == "adamw":
        return ndgrad.optim.AdamW(params, lr=lr or 0.003)
    return ndgrad.optim.Adam(params, lr=lr or 0.003)


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


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from tqdm import tqdm

    from ndgrad.viz import TrainingMonitor, draw_graph, record_modules

    ndgrad.manual_seed(args.seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    x_tr, y_tr, x_te, y_te = load_arrays(args.dataset, args.data_dir, args.download)
    n_classes = int(max(y_tr.max(), y_te.max())) + 1
    train_ds = TensorDataset(
        ndgrad.from_numpy(np.ascontiguousarray(x_tr, dtype=np.float32)),
        ndgrad.from_numpy(y_tr.astype(np.int64)),
    )
    test_ds = TensorDataset(
        ndgrad.from_numpy(np.ascontiguousarray(x_te, dtype=np.float32)),
        ndgrad.from_numpy(y_te.astype(np.int64)),
    )
    gen = ndgrad.Generator().manual_seed(args.seed)
    train_loader: DataLoader[Any] = DataLoader(
        train_ds, batch_size=args.batch_size, shuffle=True, generator=gen
    )
    test_loader: DataLoader[Any] = DataLoader(test_ds, batch_size=256)

    model = build_model(args.model, tuple(x_tr.shape[1:]), n_classes).to(args.device)
    optimizer = make_optimizer(args.optimizer, model.parameters(), args.lr)
    scheduler = ndgrad.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs * len(train_loader))
    start_epoch = 0
    if args.resume:
        ckpt = ndgrad.load(args.resume)
        model.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        scheduler.load_state_dict(ckpt["scheduler"])
        start_epoch = int(ckpt["epoch"])
        print(f"resumed from {args.resume} at epoch {start_epoch}")
    print(
        f"{args.model} on {args.dataset}: {len(train_ds)} train / {len(test_ds)} test examples, "
        f"{sum(p.numel() for p in model.parameters()):,} parameters"
    )

    monitor = TrainingMonitor(grad_every=max(1, len(train_loader) // 2))
    monitor.watch(model)
    t_start = time.perf_counter()
    for epoch in range(start_epoch, args.epochs):
        bar = tqdm(
            train_loader,
            desc=f"epoch {epoch + 1}/{args.epochs}",
            disable=args.no_progress,
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
            bar.set_postfix(
                loss=f"{loss_sum / seen:.4f}",
                acc=f"{correct / seen:.3f}",
                ex_per_s=f"{seen / (time.perf_counter() - t0):.0f}",
            )
        test_loss, test_acc = evaluate(model, test_loader, args.device)
        monitor.log_epoch(
            loss=loss_sum / seen, accuracy=correct / seen, test_loss=test_loss, test_accuracy=test_acc
        )
        if args.no_progress:
            train_loss, train_acc = loss_sum / seen, correct / seen
            line = f"epoch {epoch + 1}: loss {train_loss:.4f}, accuracy {train_acc:.4f}"
            print(f"{line}, test accuracy {test_acc:.4f}")
        ndgrad.save(
            {
                "model": model.state_dict(),
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(),
                "epoch": epoch + 1,
            },
            out / "checkpoint.ndgrad",
        )
    elapsed = time.perf_counter() - t_start
    monitor.unwatch()
    _, test_acc = evaluate(model, test_loader, args.device)
    print(f"test accuracy: {test_acc:.4f} ({elapsed:.1f} s of training)")

    # the pictures: curves, gradient flow, and the graph of one small batch
    monitor.plot_curves(out / "curves.png")
    monitor.plot_gradient_flow(out / "grad_flow.png")
    monitor.save_json(out / "history.json")
    monitor.save_csv(out / "history.csv")
    x0, y0 = next(iter(DataLoader(test_ds, batch_size=4)))
    with record_modules(model):
        loss = F.cross_entropy(model(x0.to(args.device)), y0.to(args.device))
    graph = draw_graph(loss, params=model, collapse_modules=True, show_values=False)
    (out / "graph.mmd").write_text(graph.mermaid)
    (out / "graph.dot").write_text(graph.dot)
    try:
        graph.render(out / "graph.svg")
    except RuntimeError as e:
        print(f"(graph image skipped: {e})")
    print(
        f"wrote {out}/: curves.png, grad_flow.png, graph.svg/.mmd/.dot, history.json/.csv, checkpoint.ndgrad"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
