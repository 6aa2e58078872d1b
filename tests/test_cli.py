"""The demo CLI: one short run writes every promised file; --help is clear; --resume continues."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
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


def test_demo_run_writes_outputs_and_resumes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
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
    assert (
        main(
            ["--dataset", str(npz), "--epochs", "1", "--out", str(tmp_path / "n"), "--no-progress"]
        )
        == 0
    )
    with pytest.raises(SystemExit):
        main(
            ["--dataset", "moons", "--model", "cnn", "--epochs", "1", "--out", str(tmp_path / "x")]
        )


# -- every option validated; every user error one line, exit 2, no traceback ---------------------
ROOT = Path(__file__).resolve().parents[1]


def test_help_shows_every_default_and_the_readme_lists_every_option() -> None:
    parser = build_parser()
    text = " ".join(parser.format_help().split())
    readme = (ROOT / "README.md").read_text()
    for action in parser._actions:
        if action.dest == "help":
            continue
        flag = action.option_strings[-1]
        assert f"`{flag}`" in readme, flag
        if action.default is None:
            assert "default:" in (action.help or ""), flag  # says what None means
        else:
            assert f"(default: {action.default})" in text, flag


def _user_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2, argv
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("ndgrad-train: error: "), err
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--lr", "0"], "--lr: must be a positive number"),
        (["--lr", "-0.1"], "--lr"),
        (["--lr", "nan"], "--lr"),
        (["--lr", "fast"], "--lr: expected a number"),
        (["--epochs", "0"], "--epochs: must be at least 1"),
        (["--epochs", "-1"], "--epochs: must be at least 1"),
        (["--epochs", "2.5"], "--epochs: expected an integer"),
        (["--batch-size", "0"], "--batch-size"),
        (["--seed", "-3"], "--seed"),
        (["--seed", str(2**64)], "--seed: must be at most"),
        (["--model", "resnet"], "--model"),
        (["--optimizer", "lbfgs"], "--optimizer"),
        (["--device", "tpu"], "--device"),
        (["--bogus"], "unrecognized arguments: --bogus"),
        (["--dataset", "nosuchset"], "--dataset nosuchset: no such dataset"),
        (
            ["--dataset", "moons", "--model", "cnn"],
            "--model cnn needs image data, but --dataset moons",
        ),
    ],
)
def test_bad_options_exit_2_with_one_line(
    argv: list[str], says: str, tmp_path: Path, capsys
) -> None:
    err = _user_error([*argv, "--out", str(tmp_path / "o")], capsys)
    assert says in err
    assert not (tmp_path / "o").exists()  # nothing written


def test_user_errors_name_the_option_and_the_fix(tmp_path: Path, capsys) -> None:
    (tmp_path / "afile").write_text("x")
    assert "--out" in _user_error(["--out", str(tmp_path / "afile")], capsys)
    if not __import__("ndgrad").cuda.is_available():
        assert "use --device cpu" in _user_error(
            ["--device", "cuda", "--out", str(tmp_path / "o")], capsys
        )
    out = ["--out", str(tmp_path / "o"), "--epochs", "1"]
    err = _user_error(["--dataset", "mnist", "--data-dir", str(tmp_path / "none"), *out], capsys)
    assert "--data-dir" in err and "--download" in err and "download=True" not in err
    assert "--out is empty" in _user_error(["--dataset", "moons", "--out", ""], capsys)
    nan_run = [
        "--dataset",
        "moons",
        "--lr",
        "1e308",
        "--epochs",
        "2",
        "--out",
        str(tmp_path / "nan"),
    ]
    err = _user_error(nan_run, capsys)
    assert "training diverged in epoch 1 (loss nan): try a smaller --lr than 1e+308" in err
    assert not (tmp_path / "nan" / "checkpoint.ndgrad").exists()  # no diverged checkpoint
    (tmp_path / "empty").mkdir()
    assert "the folder has no MNIST-style IDX files" in _user_error(
        ["--dataset", str(tmp_path / "empty"), *out], capsys
    )
    # corrupt and truncated data files
    from tests.test_datasets import _write_idx

    idx = tmp_path / "idx"
    idx.mkdir()
    rng = np.random.default_rng(0)
    for prefix in ("train", "t10k"):
        _write_idx(
            idx / f"{prefix}-images-idx3-ubyte.gz",
            rng.integers(0, 256, (4, 28, 28)).astype(np.uint8),
        )
        _write_idx(idx / f"{prefix}-labels-idx1-ubyte.gz", rng.integers(0, 10, 4).astype(np.uint8))
    good = (idx / "train-images-idx3-ubyte.gz").read_bytes()
    (idx / "train-images-idx3-ubyte.gz").write_bytes(good[: len(good) // 2])
    err = _user_error(["--dataset", "mnist", "--data-dir", str(idx), *out], capsys)
    assert "train-images-idx3-ubyte.gz" in err and "--download" in err
    err = _user_error(["--dataset", str(idx), *out], capsys)
    assert "truncated or corrupt" in err
    # .npz files: missing, not an npz, missing a key, wrong shapes
    assert "no such file" in _user_error(["--dataset", str(tmp_path / "missing.npz"), *out], capsys)
    (tmp_path / "text.npz").write_text("just some text\n")
    assert "not a readable NumPy .npz" in _user_error(
        ["--dataset", str(tmp_path / "text.npz"), *out], capsys
    )
    np.savez(
        tmp_path / "partial.npz",
        x_train=np.ones((4, 2)),
        y_train=np.zeros(4, int),
        x_test=np.ones((2, 2)),
    )
    assert "has no y_test" in _user_error(
        ["--dataset", str(tmp_path / "partial.npz"), *out], capsys
    )
    shapes = dict(
        x_train=np.ones((4, 2)),
        y_train=np.zeros(3, int),
        x_test=np.ones((2, 2)),
        y_test=np.zeros(2, int),
    )
    np.savez(tmp_path / "shapes.npz", **shapes)
    assert "x_train" in _user_error(["--dataset", str(tmp_path / "shapes.npz"), *out], capsys)
    # --resume: missing, corrupt, or from another model
    assert "--resume" in _user_error(["--resume", str(tmp_path / "nope.ndgrad"), *out], capsys)
    (tmp_path / "bad.ndgrad").write_bytes(b"PK\x03\x04 not really")
    assert "bad.ndgrad" in _user_error(["--resume", str(tmp_path / "bad.ndgrad"), *out], capsys)
    assert (
        main(["--dataset", "moons", "--epochs", "1", "--out", str(tmp_path / "m"), "--no-progress"])
        == 0
    )
    capsys.readouterr()
    ckpt = str(tmp_path / "m" / "checkpoint.ndgrad")
    assert "does not fit" in _user_error(["--resume", ckpt, "--model", "mlp", *out], capsys)


def test_errors_print_no_traceback_from_the_command_line(tmp_path: Path) -> None:
    for argv in (["--lr", "0"], ["--dataset", str(tmp_path / "x.npz")], ["--epochs", "-1"]):
        proc = subprocess.run(
            [sys.executable, "-m", "ndgrad", *argv, "--out", str(tmp_path / "o")],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        )
        assert (
            proc.returncode == 2 and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
        ), proc.stderr
        assert "wrote" not in proc.stdout


# -- resume: continues exactly; never overwrites a finished run ---------------------------------
MOONS = ["--dataset", "moons", "--batch-size", "64", "--no-progress"]


def test_default_model_fits_the_data(tmp_path: Path, capsys) -> None:
    assert main([*MOONS, "--epochs", "1", "--out", str(tmp_path / "m")]) == 0
    assert capsys.readouterr().out.startswith("mlp on moons")


def _state(out: Path) -> tuple[dict, dict]:
    import ndgrad

    ckpt = ndgrad.load(out / "checkpoint.ndgrad")
    return ckpt, json.loads((out / "history.json").read_text())


def _same(a, b) -> None:
    import ndgrad

    if isinstance(a, ndgrad.Tensor):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            _same(a[k], b[k])
    elif isinstance(a, list | tuple):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
    else:
        assert a == b


def test_a_resumed_run_equals_an_uninterrupted_one(tmp_path: Path, monkeypatch, capsys) -> None:
    import ndgrad.cli as cli

    whole, cut = tmp_path / "whole", tmp_path / "cut"
    assert main([*MOONS, "--epochs", "4", "--out", str(whole)]) == 0
    real_evaluate, calls = cli.evaluate, []

    def interrupted_in_epoch_3(*args):  # Ctrl-C after epoch 3 trained, before its checkpoint
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real_evaluate(*args)

    monkeypatch.setattr(cli, "evaluate", interrupted_in_epoch_3)
    assert main([*MOONS, "--epochs", "4", "--out", str(cut)]) == 130
    assert "--resume" in capsys.readouterr().err
    monkeypatch.setattr(cli, "evaluate", real_evaluate)
    assert (
        main(
            [*MOONS, "--epochs", "4", "--out", str(cut), "--resume", str(cut / "checkpoint.ndgrad")]
        )
        == 0
    )
    assert "resumed from" in capsys.readouterr().out
    (ckpt_a, hist_a), (ckpt_b, hist_b) = _state(whole), _state(cut)
    _same(ckpt_a, ckpt_b)  # weights, optimizer, scheduler, generator, history: all equal
    assert hist_a == hist_b and len(hist_a["epochs"]) == 4 and hist_a["epochs"][-1]["epoch"] == 4


def test_resume_of_a_finished_run_writes_nothing(tmp_path: Path, capsys) -> None:
    out = tmp_path / "run"
    assert main([*MOONS, "--epochs", "2", "--out", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert (
        main(
            [*MOONS, "--epochs", "2", "--out", str(out), "--resume", str(out / "checkpoint.ndgrad")]
        )
        == 0
    )
    assert "nothing to train" in capsys.readouterr().out
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_resume_with_more_epochs_extends_history_and_schedule(tmp_path: Path, capsys) -> None:
    out = tmp_path / "run"
    assert main([*MOONS, "--epochs", "2", "--out", str(out)]) == 0
    steps_per_epoch = len(json.loads((out / "history.json").read_text())["steps"]) // 2
    assert (
        main(
            [*MOONS, "--epochs", "4", "--out", str(out), "--resume", str(out / "checkpoint.ndgrad")]
        )
        == 0
    )
    hist = json.loads((out / "history.json").read_text())
    assert [e["epoch"] for e in hist["epochs"]] == [1, 2, 3, 4]
    assert [s["step"] for s in hist["steps"]] == list(range(4 * steps_per_epoch))
    total, base = 4 * steps_per_epoch, 0.003
    t = 2 * steps_per_epoch + 1  # the first step after resuming: on the 4-epoch cosine, not near 0
    expected = base * (1 + math.cos(math.pi * t / total)) / 2
    assert hist["steps"][t - 1]["lr"] == pytest.approx(expected, rel=1e-9)
    printed = capsys.readouterr().out
    assert (
        "\r" not in printed and printed.count("epoch 3/4:") == 1
    )  # a line per epoch when not a tty


def test_tensorboard_option_logs_the_run(tmp_path: Path, capsys) -> None:
    """--tensorboard DIR: TensorBoard's own reader finds the step and epoch values of the run."""
    event_accumulator = pytest.importorskip(
        "tensorboard.backend.event_processing.event_accumulator"
    )
    tb = tmp_path / "tb"
    assert (
        main([*MOONS, "--epochs", "2", "--out", str(tmp_path / "m"), "--tensorboard", str(tb)]) == 0
    )
    acc = event_accumulator.EventAccumulator(str(tb))
    acc.Reload()
    tags = set(acc.Tags()["scalars"])
    assert {"loss", "lr", "epoch/loss", "epoch/test_accuracy"} <= tags, tags
    history = json.loads((tmp_path / "m" / "history.json").read_text())
    logged = [e.value for e in acc.Scalars("epoch/test_accuracy")]
    n_steps = len(history["steps"])
    assert [e.step for e in acc.Scalars("epoch/test_accuracy")] == [
        n_steps // 2,
        n_steps,
    ]  # global step
    assert logged == pytest.approx([row["test_accuracy"] for row in history["epochs"]], rel=1e-6)
    assert len(acc.Scalars("loss")) == len(history["steps"])


@pytest.mark.parametrize("value", ["", "afile"])
def test_tensorboard_option_refuses_a_bad_folder(
    value: str, tmp_path: Path, monkeypatch, capsys
) -> None:
    (tmp_path / "afile").write_text("x")
    monkeypatch.chdir(tmp_path)
    err = _user_error([*MOONS, "--tensorboard", value, "--out", str(tmp_path / "o")], capsys)
    assert "--tensorboard" in err and not (tmp_path / "o").exists()
