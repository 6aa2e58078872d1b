"""docs/tutorial.ipynb runs top to bottom in a real Jupyter kernel (nbclient + ipykernel), and its
outputs say what the text promises: the right gradients, a drawn graph, live curves, tqdm's
notebook bar, and a trained CNN."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

import pytest

import ndgrad

NOTEBOOK = Path(__file__).resolve().parents[1] / "docs" / "tutorial.ipynb"


def _outputs(cell: Any, kind: str) -> str:
    """All of one kind of output of a cell, joined: "stream" text, or a MIME type's data."""
    parts = []
    for out in cell.get("outputs", []):
        if kind == "stream" and out["output_type"] == "stream":
            parts.append(out["text"])
        elif kind in out.get("data", {}):
            data = out["data"][kind]
            parts.append(data if isinstance(data, str) else repr(data))
    return "".join(parts)


def _cell(nb: Any, needle: str) -> Any:
    (cell,) = [c for c in nb.cells if c.cell_type == "code" and needle in c.source]
    return cell


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    kernelspec = pytest.importorskip("ipykernel.kernelspec")
    workdir = tmp_path_factory.mktemp("tutorial")
    # a kernel spec for *this* interpreter, and the ndgrad under test on its path
    prefix = workdir / "jupyter"
    kernelspec.install(kernel_name="python3", prefix=str(prefix))
    env = {
        "JUPYTER_PATH": str(prefix / "share" / "jupyter"),
        "PYTHONPATH": os.pathsep.join(
            [str(Path(ndgrad.__file__).parents[1]), os.environ.get("PYTHONPATH", "")]
        ),
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    }
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        nb = nbformat.read(NOTEBOOK, as_version=4)
        client = nbclient.NotebookClient(
            nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(workdir)}}
        )
        client.execute()
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return nb, workdir


def test_kernel_is_this_interpreter(executed: tuple[Any, Path]) -> None:
    nb, workdir = executed
    spec = (
        workdir / "jupyter" / "share" / "jupyter" / "kernels" / "python3" / "kernel.json"
    ).read_text()
    assert sys.executable in spec


def test_scalar_gradients(executed: tuple[Any, Path]) -> None:
    nb, _ = executed
    text = _outputs(_cell(nb, "e.backward()"), "stream")
    assert "e = 4, de/da = -3, de/db = 2, de/dc = 1" in text


def test_graph_draws_inline(executed: tuple[Any, Path]) -> None:
    nb, workdir = executed
    (cell,) = [c for c in nb.cells if c.cell_type == "code" and c.source.strip() == "draw_graph(e)"]
    svg, mermaid = _outputs(cell, "image/svg+xml"), _outputs(cell, "text/markdown")
    assert "```mermaid" in mermaid and "d: Add" in mermaid
    if svg:  # Graphviz present
        assert "<svg" in svg and "Relu" in svg
    html = (workdir / "tutorial_graph.html").read_text()
    assert '"title":"loss"' in html and "<svg" in html
    assert "explorer written: tutorial_graph.html True" in _outputs(
        _cell(nb, '.html("tutorial'), "stream"
    )


def test_array_gradient_matches_formula(executed: tuple[Any, Path]) -> None:
    nb, _ = executed
    text = _outputs(_cell(nb, "by_hand ="), "stream")
    (diff,) = re.findall(r"max difference from the formula: (\S+)", text)
    assert float(diff) < 1e-5


def test_training_is_live_and_learns(executed: tuple[Any, Path]) -> None:
    nb, _ = executed
    cell = _cell(nb, "monitor = TrainingMonitor(")
    outputs = cell["outputs"]
    # tqdm's notebook bar is a widget; the live curves are one PNG display, redrawn in place (16
    # times here: every 10 of the 115 steps and at each of the 5 epochs) rather than 16 images
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)
    pngs = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(pngs) == 1
    (acc,) = re.findall(r"final test accuracy: (\S+)", _outputs(cell, "stream"))
    assert float(acc) > 0.85


def test_gradient_flow_and_cnn_graph(executed: tuple[Any, Path]) -> None:
    nb, workdir = executed
    flow = _cell(nb, "monitor.gradient_flow_figure()")
    assert _outputs(flow, "image/png")  # the figure, drawn inline
    graph = _cell(nb, "collapse_modules=True")
    mermaid = _outputs(graph, "text/markdown")
    for name in ("conv1: Conv2d", "conv2: Conv2d", "fc: Linear", "conv1.weight"):
        assert name in mermaid, name
    assert (workdir / "cnn_graph.html").stat().st_size > 0
