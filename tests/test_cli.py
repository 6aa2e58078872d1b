"""The demo CLI: one short run writes every promised file; --help is clear; --resume continues."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from ndgrad.cli import build_parser, main


def test_help_lists_the_options() -> None:
    text = build_parser().format_help()
    for opt in (
        "--data-dir",
        "--dataset",
        "--model",
        "--epochs",
        "--batch-size",
        "--lr",
        "--optimizer",
        "--device",
        "--seed",
        "--out",
        "--resume",
    ):
        assert opt in text


def test_demo_run_writes_outputs_and_resumes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    assert main(["--epochs", "1", "--out", str(out), "--no-progress", "--model", "mlp"]) == 0
    printed = capsys.readouterr().out
    assert "test accuracy:" in printed
    for name in (
        "curves.png",
        "grad_flow.png",
        "graph.mmd",
        "graph.dot",
        "history.json",
        "history.csv",
        "checkpoint.ndgrad",
    ):
        assert (out / name).exists(), name
    if shutil.which("dot"):
        assert (out / "graph.svg").read_text().lstrip().startswith(("<?xml", "<svg"))
    hist = json.loads((out / "history.json").read_text())
    assert len(hist["epochs"]) == 1 and hist["epochs"][0]["test_accuracy"] > 0.5
    assert "subgraph" in (out / "graph.mmd").read_text()  # collapsed by module
    # resume: a second run to 2 epochs starts at epoch 1
    assert (
        main(
            [
                "--epochs",
                "2",
                "--out",
                str(out),
                "--no-progress",
                "--model",
                "mlp",
                "--resume",
                str(out / "checkpoint.ndgrad"),
            ]
        )
        == 0
    )
    assert "resumed from" in capsys.readouterr().out


def test_moons_and_npz_datasets(tmp_path: Path) -> None:
    assert (
        main(
            [
                "--dataset",
                "moons",
                "--model",
                "mlp",
                "--epochs",
                "1",
                "--out",
                str(tmp_path / "m"),
                "--no-progress",
            ]
        )
        == 0
    )
    rng = np.random.default_rng(0)
    npz = tmp_path / "toy.npz"
    np.savez(
        npz,
        x_train=rng.random((40, 1, 8, 8), dtype=np.float32),
        y_train=rng.integers(0, 3, 40),
        x_test=rng.random((10, 1, 8, 8), dtype=np.float32),
        y_test=rng.integers(0, 3, 10),
    )
    assert main(["--dataset", str(npz), "--epochs", "1", "--out", str(tmp_path / "n"), "--no-progress"]) == 0
    with pytest.raises(SystemExit):
        main(["--dataset", "moons", "--model", "cnn", "--epochs", "1", "--out", str(tmp_path / "x")])
