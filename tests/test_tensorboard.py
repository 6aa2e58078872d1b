"""SummaryWriter, read back with TensorBoard's own EventAccumulator and its real HTTP server."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import time
import urllib.request

import numpy as np
import pytest

import ndgrad
from ndgrad import nn

pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402

from ndgrad.utils.tensorboard import SummaryWriter  # noqa: E402


def _reader(path):
    acc = EventAccumulator(str(path), size_guidance={"tensors": 0, "scalars": 0, "images": 0})
    acc.Reload()
    return acc


def _scalars(acc, tag):
    return [(e.step, e.value) for e in acc.Scalars(tag)]


def test_flush_puts_every_event_on_disk_without_close(tmp_path):
    w = SummaryWriter(
        tmp_path, max_queue=1000, flush_secs=3600
    )  # nothing would be written on its own
    values = [1.5, np.float32(2.5), np.array(3.5), ndgrad.tensor(4.5), ndgrad.tensor([5.5])]
    for step, v in enumerate(values):
        w.add_scalar("loss", v, step)
    for step in range(5, 300):
        w.add_scalar("many", step * 0.5, ndgrad.tensor(step))
    w.flush()
    acc = _reader(tmp_path)
    assert _scalars(acc, "loss") == [(0, 1.5), (1, 2.5), (2, 3.5), (3, 4.5), (4, 5.5)]
    assert _scalars(acc, "many") == [(s, s * 0.5) for s in range(5, 300)]
    w.close()


def test_scalar_rejects_arrays_and_new_style_is_read_as_tensor(tmp_path):
    with SummaryWriter(tmp_path) as w:
        with pytest.raises(AssertionError, match="one element"):  # PyTorch's error and message
            w.add_scalar("x", np.ones(3))
        with pytest.raises(ValueError, match="no element"):
            w.add_histogram("empty", np.array([]))
        w.add_scalar("new", ndgrad.tensor(0.25), 7, new_style=True)
    acc = _reader(tmp_path)
    (event,) = acc.Tensors("new")
    assert event.step == 7 and event.tensor_proto.float_val == [0.25]
    assert acc.SummaryMetadata("new").plugin_data.plugin_name == "scalars"


def test_add_scalars_writes_one_run_per_key_holding_the_main_tag(tmp_path):
    w = SummaryWriter(tmp_path, flush_secs=3600)
    for step in range(3):
        w.add_scalars("run/loss", {"train": step * 1.0, "val": ndgrad.tensor(step * 2.0)}, step)
    w.flush()  # flushes the per-key runs too
    assert _scalars(_reader(tmp_path / "run_loss_train"), "run/loss") == [
        (0, 0.0),
        (1, 1.0),
        (2, 2.0),
    ]
    assert _scalars(_reader(tmp_path / "run_loss_val"), "run/loss") == [
        (0, 0.0),
        (1, 2.0),
        (2, 4.0),
    ]
    assert _reader(tmp_path).Tags()["scalars"] == []  # nothing in the main run
    w.close()


def test_histogram_statistics_and_buckets(tmp_path):
    values = np.random.default_rng(0).normal(size=1000).astype(np.float32)
    with SummaryWriter(tmp_path) as w:
        w.add_histogram("w", ndgrad.tensor(values), 3)
        w.add_histogram("fixed", values, 4, bins=10)
    acc = _reader(tmp_path)
    h = acc.Histograms("w")[0].histogram_value
    v64 = values.astype(np.float64)
    assert acc.Histograms("w")[0].step == 3
    assert (h.num, h.min, h.max) == (1000, v64.min(), v64.max())
    assert h.sum == pytest.approx(v64.sum()) and h.sum_squares == pytest.approx((v64**2).sum())
    assert sum(h.bucket) == 1000
    f = acc.Histograms("fixed")[0].histogram_value
    counts, edges = np.histogram(v64, bins=10)
    assert list(f.bucket) == counts.tolist() and list(f.bucket_limit) == pytest.approx(
        edges[1:].tolist()
    )


def _decode(image_event):
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(image_event.encoded_image_string)))


def test_images_in_chw_hwc_and_batches(tmp_path):
    rng = np.random.default_rng(1)
    chw = rng.random((3, 4, 5)).astype(np.float32)
    with SummaryWriter(tmp_path) as w:
        w.add_image("chw", ndgrad.tensor(chw), 1)
        w.add_image("hwc", (chw.transpose(1, 2, 0) * 255).astype(np.uint8), 2, dataformats="HWC")
        w.add_image("gray", chw[0], 3, dataformats="HW")
        w.add_images("batch", rng.random((10, 1, 4, 5)), 4)
        with pytest.raises(ValueError, match="1, 3 or 4 channels"):
            w.add_image("bad", chw, dataformats="HWC")
        with pytest.raises(AssertionError, match="input format are different"):
            w.add_image("bad", chw, dataformats="HW")
    acc = _reader(tmp_path)
    expected = (np.clip(chw.transpose(1, 2, 0), 0, 1) * 255 + 0.5).astype(np.uint8)
    np.testing.assert_array_equal(_decode(acc.Images("chw")[0]), expected)
    hwc = _decode(acc.Images("hwc")[0])
    np.testing.assert_allclose(hwc.astype(int), expected.astype(int), atol=1)
    gray = _decode(acc.Images("gray")[0])
    assert gray.shape == (4, 5, 3) and (gray[..., 0] == gray[..., 2]).all()
    batch = acc.Images("batch")[0]
    assert (batch.step, batch.height, batch.width) == (4, 8, 40)  # 8 to a row, two rows


def test_add_figure_renders_matplotlib(tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2, 1), dpi=50)
    ax.plot([0, 1], [1, 0])
    with SummaryWriter(tmp_path) as w:
        w.add_figure("fig", fig, 5)
    img = _reader(tmp_path).Images("fig")[0]
    assert (img.step, img.width, img.height) == (5, 100, 50)
    assert not plt.fignum_exists(fig.number)  # close=True closes it, as in PyTorch


def test_text_and_hparams(tmp_path):
    with SummaryWriter(tmp_path) as w:
        w.add_text("notes", "**lr** 0.1", 2)
        w.add_hparams(
            {"lr": 0.1, "opt": "adam", "bn": True},
            {"hparam/acc": ndgrad.tensor(0.9)},
            run_name="t1",
        )
    acc = _reader(tmp_path)
    (text,) = acc.Tensors("notes/text_summary")
    assert text.step == 2 and text.tensor_proto.string_val == [b"**lr** 0.1"]
    assert acc.SummaryMetadata("notes/text_summary").plugin_data.plugin_name == "text"
    hp = _reader(tmp_path / "t1")
    assert _scalars(hp, "hparam/acc") == [(0, pytest.approx(0.9))]
    from tensorboard.plugins.hparams import plugin_data_pb2

    content = hp.PluginTagToContent("hparams")
    start = plugin_data_pb2.HParamsPluginData.FromString(content["_hparams_/session_start_info"])
    assert start.session_start_info.hparams["lr"].number_value == 0.1
    assert start.session_start_info.hparams["opt"].string_value == "adam"
    assert start.session_start_info.hparams["bn"].bool_value is True
    exp = plugin_data_pb2.HParamsPluginData.FromString(content["_hparams_/experiment"]).experiment
    assert [m.name.tag for m in exp.metric_infos] == ["hparam/acc"]


class _Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Linear(4, 8), nn.ReLU())
        self.head = nn.Linear(8, 3)

    def forward(self, x):
        return self.head(self.body(x)).softmax(-1)


def test_add_graph_uses_module_scopes_and_shapes_and_leaves_the_model_alone(tmp_path):
    model = _Net()
    model.head.weight.requires_grad_(False)
    x = ndgrad.randn(2, 4)
    with SummaryWriter(tmp_path) as w:
        w.add_graph(model, x)
    graph = _reader(tmp_path).Graph()
    nodes = {n.name: n for n in graph.node}
    assert {"input/input_0", "body/0/weight", "head/bias", "output/output_0"} <= set(nodes)
    linear0 = next(n for name, n in nodes.items() if name.startswith("body/0/Linear"))
    assert set(linear0.input) == {"input/input_0", "body/0/weight", "body/0/bias"}
    shape = [d.size for d in linear0.attr["_output_shapes"].list.shape[0].dim]
    assert shape == [2, 8]
    assert any(name.startswith("body/1/Relu") for name in nodes)
    assert any(n.op == "Softmax" and "/" not in name for name, n in nodes.items())
    assert not model.head.weight.requires_grad and model.body[0].weight.requires_grad
    assert all(p.grad is None for p in model.parameters()) and not x.requires_grad
    assert model.training


def test_default_log_dir_and_reopen_after_close(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    w = SummaryWriter(comment="_exp")
    assert re.fullmatch(
        r"runs/[A-Z][a-z]{2}\d{2}_\d{2}-\d{2}-\d{2}_.+_exp", w.log_dir.replace(os.sep, "/")
    )
    w.close()
    w.add_scalar("after_close", 1.0, 1)  # PyTorch opens a new event file
    w.close()
    assert _scalars(_reader(w.log_dir), "after_close") == [(1, 1.0)]


def _get_json(url, timeout=5.0):
    with urllib.request.urlopen(url, timeout=timeout) as r:  # loopback only
        return json.loads(r.read().decode())


def test_real_tensorboard_server_serves_the_scalars(tmp_path):
    with SummaryWriter(tmp_path / "exp") as w:
        for step in range(4):
            w.add_scalar("train/loss", 1.0 / (step + 1), step)
        w.add_graph(_Net(), ndgrad.randn(2, 4))
    cmd = [
        sys.executable,
        "-m",
        "tensorboard.main",
        "--logdir",
        str(tmp_path),
        "--host",
        "127.0.0.1",
    ]
    cmd += ["--port", "0", "--load_fast", "false", "--reload_interval", "1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = None
        deadline = time.monotonic() + 60
        assert proc.stdout is not None
        while url is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line and proc.poll() is not None:
                pytest.fail(f"tensorboard exited with {proc.returncode}")
            found = re.search(r"http://127\.0\.0\.1:\d+", line)
            url = found.group(0) if found else None
        assert url, "tensorboard did not report its address within 60 s"
        data = None
        while time.monotonic() < deadline:
            try:
                data = _get_json(f"{url}/data/plugin/scalars/scalars?run=exp&tag=train/loss")
                if len(data) == 4:
                    break
            except OSError:  # not loaded yet: the server answers 400 until the run appears
                pass
            time.sleep(0.5)
        assert data is not None and [(s, v) for _, s, v in data] == [
            (0, 1.0),
            (1, 0.5),
            (2, pytest.approx(1 / 3)),
            (3, 0.25),
        ]
        assert "exp" in _get_json(f"{url}/data/runs")
        with urllib.request.urlopen(
            f"{url}/data/plugin/graphs/graph?run=exp&conceptual=false", timeout=5
        ) as r:
            graph = r.read().decode()
        assert 'name: "body/0/weight"' in graph and 'op: "Softmax"' in graph
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
