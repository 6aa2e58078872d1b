"""Graph drawing and training plots: valid Mermaid/DOT, images of the right kind and size."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import ndgrad
from ndgrad.viz import TrainingMonitor, draw_graph

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz's dot is not installed"
)


def _scalar_graph() -> ndgrad.Tensor:
    a = ndgrad.tensor(2.0, requires_grad=True)
    b = ndgrad.tensor(-3.0, requires_grad=True)
    c = ndgrad.tensor(10.0, requires_grad=True)
    a.label, b.label, c.label = "a", "b", "c"
    d = a * b + c
    d.label = "d"
    d.retain_grad()
    e = d.relu()
    e.label = "e"
    e.backward()
    return e


def test_classic_scalar_graph_mermaid() -> None:
    g = draw_graph(_scalar_graph())
    text = g.mermaid
    assert text.startswith("flowchart TB")
    for piece in ("Relu", "d: Add", "Mul", "<b>a</b>", "grad -3", "grad 2", "data 4"):
        assert piece in text, piece
    assert text.count("-->") == 6


@needs_dot
def test_dot_is_accepted_by_graphviz(tmp_path: Path) -> None:
    g = draw_graph(_scalar_graph(), direction="LR")
    res = subprocess.run(["dot", "-Tsvg"], input=g.dot.encode(), capture_output=True)
    assert res.returncode == 0, res.stderr.decode()
    png = g.render(tmp_path / "g.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = g.render(tmp_path / "g.svg")
    assert "<svg" in svg.read_text()


def test_graph_of_a_model_names_parameters() -> None:
    w = ndgrad.randn(3, 2, requires_grad=True)
    x = ndgrad.randn(4, 2)
    loss = (x @ w.T).tanh().sum()
    g = draw_graph(loss, params={"fc1.weight": w})
    assert "fc1.weight" in g.mermaid and "4x3" in g.mermaid
    with pytest.raises(ValueError):
        draw_graph(loss, direction="sideways")


def test_monitor_plots_and_history(tmp_path: Path) -> None:
    from PIL import Image

    class Tiny:
        def __init__(self) -> None:
            self.w = ndgrad.randn(3, requires_grad=True)

        def named_parameters(self):  # type: ignore[no-untyped-def]
            yield "w", self.w

    model = Tiny()
    mon = TrainingMonitor(grad_every=2)
    for step in range(6):
        (model.w * model.w).sum().backward()
        mon.log_step(loss=1.0 / (step + 1), lr=0.1)
        mon.record_gradients(model)
        model.w.grad = None
    mon.log_epoch(loss=0.3, accuracy=0.9)
    assert [r["step"] for r in mon.gradients] == [0, 2, 4]
    curves = mon.plot_curves(tmp_path / "curves.png", size=(6, 3), dpi=50)
    flow = mon.plot_gradient_flow(tmp_path / "flow.png", size=(4, 3), dpi=50)
    for path, size in ((curves, (300, 150)), (flow, (200, 150))):
        with Image.open(path) as im:
            assert im.format == "PNG" and im.size == size
    mon.save_json(tmp_path / "h.json")
    mon.save_csv(tmp_path / "h.csv")
    assert "loss" in (tmp_path / "h.csv").read_text().splitlines()[0]
    assert np.isclose(mon.steps[-1]["loss"], 1 / 6)


class _RecordingWriter:
    """Stands in for a TensorBoard SummaryWriter: the monitor only calls add_scalar."""

    def __init__(self) -> None:
        self.scalars: list[tuple[str, float, int]] = []

    def add_scalar(self, tag: str, value: float, step: int) -> None:
        self.scalars.append((tag, value, step))


def _conv_net() -> ndgrad.nn.Module:
    class Net(ndgrad.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = ndgrad.nn.Conv2d(1, 2, 3)
            self.head = ndgrad.nn.Sequential(ndgrad.nn.Flatten(), ndgrad.nn.Linear(2 * 4 * 4, 3))

        def forward(self, x: ndgrad.Tensor) -> ndgrad.Tensor:
            return self.head(self.conv1(x).relu())

    return Net()


def test_monitor_sends_every_number_to_the_writer() -> None:
    ndgrad.manual_seed(0)
    model = _conv_net()
    writer = _RecordingWriter()
    mon = TrainingMonitor(grad_every=1, writer=writer, live=False)
    model(ndgrad.randn(2, 1, 6, 6)).sum().backward()
    mon.log_step(loss=0.5, lr=0.1)
    mon.record_gradients(model)
    mon.log_step(loss=0.25, lr=0.1)
    mon.log_epoch(accuracy=0.75)
    assert writer.scalars[:2] == [("loss", 0.5, 0), ("lr", 0.1, 0)]
    assert ("loss", 0.25, 1) in writer.scalars and ("epoch/accuracy", 0.75, 2) in writer.scalars
    norms = {tag: v for tag, v, step in writer.scalars if tag.startswith("grad_norm/")}
    w = model.conv1.weight.grad.numpy()
    assert np.isclose(norms["grad_norm/conv1.weight"], np.sqrt((w.astype(np.float64) ** 2).sum()))
    assert set(norms) == {f"grad_norm/{n}" for n, _ in model.named_parameters()}


def test_plots_label_every_axis_and_name_parameters_by_module_path() -> None:
    ndgrad.manual_seed(0)
    model = _conv_net()
    mon = TrainingMonitor(grad_every=1, live=False)
    model(ndgrad.randn(2, 1, 6, 6)).sum().backward()
    mon.log_step(loss=1.0, lr=0.1, acc=0.5)
    mon.record_gradients(model)
    mon.log_epoch(loss=0.9, test_acc=0.6)
    fig = mon.curves_figure()
    labels = {(ax.get_ylabel(), ax.get_xlabel()) for ax in fig.axes}
    assert labels == {("loss", "step"), ("accuracy", "step"), ("learning rate", "step")}
    flow = mon.gradient_flow_figure()
    (ax,) = flow.axes
    assert ax.get_ylabel() == "|grad| (log scale)" and ax.get_xlabel() == "parameter (module path)"
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks == ["conv1.weight", "conv1.bias", "head.1.weight (Linear)", "head.1.bias (Linear)"]


def test_no_empty_figures_when_nothing_was_logged(tmp_path: Path) -> None:
    mon = TrainingMonitor(live=False)
    assert mon.curves_figure() is None and mon.gradient_flow_figure() is None
    with pytest.warns(UserWarning, match="nothing was logged"):
        assert mon.plot_curves(tmp_path / "c.png") is None
    with pytest.warns(UserWarning, match="no gradients were recorded"):
        assert mon.plot_gradient_flow(tmp_path / "g.png") is None
    assert list(tmp_path.iterdir()) == []


def test_outside_a_notebook_nothing_is_live_and_bars_are_text() -> None:
    from tqdm import tqdm
    from tqdm.notebook import tqdm as notebook_tqdm

    from ndgrad.viz import in_notebook, progress

    assert not in_notebook() and not TrainingMonitor().live
    bar = progress(range(3), disable=True)
    assert isinstance(bar, tqdm) and not isinstance(bar, notebook_tqdm)
    assert list(bar) == [0, 1, 2]


def test_graph_displays_itself_in_jupyter() -> None:
    g = draw_graph(_scalar_graph())
    assert g._repr_markdown_() == "```mermaid\n" + g.mermaid + "```"
    if shutil.which("dot") is None:
        assert (
            g._repr_svg_() is None and g._repr_html_() is None
        )  # the front end shows the Markdown
    else:
        svg = g._repr_svg_()
        assert svg is not None and "<svg" in svg and "Relu" in svg
        assert g._repr_html_() == f'<div class="ndgrad-graph">{svg[svg.find("<svg") :]}</div>'
