"""The HTML graph explorer, opened in a real headless Chromium (the system's, driven by Playwright).

The page must load without console errors and without a single request beyond its own file;
clicking a node must show that tensor's numbers; stepping must visit the nodes in the order the
engine really ran them (recorded here with tensor hooks during a real ``backward``).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import ndgrad
from ndgrad import nn
from ndgrad.viz import draw_graph, record_modules
from ndgrad.viz.explorer import _full, _summary, graph_data

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_browser = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")
TIMEOUT_MS = 15_000
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _named_graph() -> tuple[ndgrad.Tensor, dict[str, ndgrad.Tensor]]:
    """A small graph in which every tensor has a name (so a page title identifies it)."""
    ndgrad.manual_seed(0)
    x = ndgrad.randn(2, 3, requires_grad=True)
    w = ndgrad.randn(3, 4, requires_grad=True)
    b = ndgrad.randn(4, requires_grad=True)
    x.label, w.label, b.label = "x", "w", "b"
    h = x @ w
    h.label = "h"
    z = h + b
    z.label = "z"
    a = z.tanh()
    a.label = "a"
    s = (a * a).sum()
    s.label = "loss"
    return s, {"x": x, "w": w, "b": b, "h": h, "z": z, "a": a}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, timeout=TIMEOUT_MS)
        try:
            yield b
        finally:
            b.close()


def _open(browser: Any, path: Path, tmp_path: Path) -> tuple[Any, list[str], list[str]]:
    """Open ``path``; every request and every console error or page error is recorded."""
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    page.set_default_timeout(TIMEOUT_MS)
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.resolve().as_uri())
    page.wait_for_selector("#graph .node")
    return page, requests, errors


def test_graph_data_records_engine_values() -> None:
    loss, t = _named_graph()
    data = graph_data(draw_graph(loss))
    nodes = {n["title"]: n for n in data["nodes"]}
    assert set(nodes) >= {"x", "w", "b", "h: MatMul", "z: Add", "a: Tanh", "loss"}
    # the values come from the tensors; the gradients from a real backward pass
    loss.backward(retain_graph=True)
    for name in ("x", "w", "b"):
        out = nodes[name]["outputs"][0]
        assert out["grad"]["full"] == _full(t[name].grad.numpy())
        assert out["value"]["summary"] == _summary(t[name].detach().numpy())
        assert out["shape"] == list(t[name].shape) and out["dtype"] == "float32"
    assert nodes["a: Tanh"]["outputs"][0]["value"]["full"] == _full(t["a"].detach().numpy())
    assert nodes["loss"]["outputs"][0]["grad"]["full"] == "1"


def test_drawing_changes_no_grad_and_leaves_no_hook(tmp_path: Path) -> None:
    """The explorer's own backward pass is autograd.grad: no .grad changes, no hook stays."""
    loss, t = _named_graph()
    draw_graph(loss).html(tmp_path / "g.html")
    assert all(v.grad is None for v in t.values())
    assert all(v.grad_fn is None or v.grad_fn._pre_hooks is None for v in t.values())
    assert all(not v._hooks for v in t.values() if v.grad_fn is None)
    loss.backward()  # the graph is still whole (retain_graph=True) for the user's own pass
    assert t["x"].grad is not None


def test_freed_graph_gets_a_clear_error(tmp_path: Path) -> None:
    loss, _ = _named_graph()
    loss.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        draw_graph(loss).html(tmp_path / "g.html")
    assert not (tmp_path / "g.html").exists()


def test_page_is_self_contained(tmp_path: Path) -> None:
    loss, _ = _named_graph()
    text = draw_graph(loss).html(tmp_path / "g.html").read_text()
    for needle in ("http://", "https://", "src=", "@import", "url(http", "fetch("):
        assert needle not in text.replace("http://www.w3.org/2000/svg", ""), needle


@needs_browser
def test_click_and_step_in_chromium(browser: Any, tmp_path: Path) -> None:
    loss, t = _named_graph()
    path = draw_graph(loss).html(tmp_path / "graph.html")
    # the engine's order, from hooks on the named tensors during a real backward
    engine_order: list[str] = []
    seen: dict[str, np.ndarray] = {}

    def record(name: str, g: ndgrad.Tensor) -> None:
        engine_order.append(name)
        seen[name] = g.numpy()

    for name in t:
        t[name].register_hook(lambda g, name=name: record(name, g))
    loss.backward()

    page, requests, errors = _open(browser, path, tmp_path)
    try:
        assert requests == [path.resolve().as_uri()]  # the file itself, and nothing else
        titles = page.locator("#graph .node text.title").all_text_contents()
        assert {"x", "w", "b", "h: MatMul", "z: Add", "a: Tanh", "loss"} <= set(titles)

        # clicking a node shows that tensor's numbers
        page.locator("#graph .node", has_text="w").first.click()
        assert page.text_content("#details h2") == "w"
        assert page.text_content('[data-field="shape"]') == "(3, 4)"
        assert page.text_content('[data-field="dtype"]') == "float32"
        assert page.text_content('[data-field="value-full"]') == _full(t["w"].detach().numpy())
        assert page.text_content('[data-field="grad-full"]') == _full(t["w"].grad.numpy())
        page.locator("#graph .node", has_text="z: Add").click()
        assert page.text_content('[data-field="op"]') == "AddBackward0"
        assert page.text_content('[data-field="grad-full"]') == _full(seen["z"])
        assert page.text_content('[data-field="value-full"]') == _full(
            t["z"].detach().detach().numpy()
        )

        # stepping walks the nodes in the engine's order
        visited: list[str] = []
        total = int(
            page.evaluate(
                "JSON.parse(document.getElementById('graph-data').textContent).order.length"
            )
        )
        for _ in range(total):
            page.click("#step")
            current = page.get_attribute("#status", "data-current")
            visited.append(page.text_content(f'#graph .node[data-id="{current}"] text.title') or "")
        names = [v.split(":")[0] for v in visited]
        assert names[0] == "loss"  # the seed
        assert [n for n in names if n in t] == engine_order
        assert page.locator("#graph .node.ready").count() == len(visited)
        page.click("#back")
        assert page.get_attribute("#status", "data-step") == str(total - 1)
        assert errors == []
    finally:
        page.close()


@needs_browser
def test_module_scopes_collapse_and_expand(browser: Any, tmp_path: Path) -> None:
    ndgrad.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    with record_modules(model):
        loss = model(ndgrad.randn(3, 4)).pow(2).mean()
    path = draw_graph(loss, params=model, collapse_modules=True).html(tmp_path / "m.html")
    page, requests, errors = _open(browser, path, tmp_path)
    try:
        n_expanded = page.locator("#graph .node").count()
        page.click('#scopes button[data-scope="0: Linear"]')
        assert (
            page.get_attribute('#scopes button[data-scope="0: Linear"]', "aria-pressed") == "true"
        )
        scope = page.locator('#graph .node.scope[data-id="scope:0: Linear"]')
        assert scope.count() == 1
        # Linear(4, 8) is weight, bias and its op(s): all of them become the one scope node
        assert page.locator("#graph .node").count() < n_expanded
        scope.click()  # expands it again
        assert page.locator("#graph .node").count() == n_expanded
        assert requests == [path.resolve().as_uri()] and errors == []
        grad = model[0].weight
        loss.backward()
        page.locator("#graph .node", has_text="0.weight").first.click()
        assert page.text_content('[data-field="grad"]') == _summary(np.asarray(grad.grad.numpy()))
    finally:
        page.close()


def test_a_node_with_two_outputs_shows_both() -> None:
    class Two(ndgrad.autograd.Function):
        @staticmethod
        def forward(ctx: Any, x: ndgrad.Tensor) -> tuple[ndgrad.Tensor, ndgrad.Tensor]:
            return x * 2, x * 3

        @staticmethod
        def backward(ctx: Any, g1: ndgrad.Tensor, g2: ndgrad.Tensor) -> ndgrad.Tensor:
            return g1 * 2 + g2 * 3

    x = ndgrad.tensor([1.0, -2.0], requires_grad=True)
    p, q = Two.apply(x)
    q.label = "q"
    z = p.sum() + (q * q).sum()
    (node,) = [n for n in graph_data(draw_graph(z))["nodes"] if n["op"] == "TwoBackward0"]
    first, second = node["outputs"]
    assert first["shape"] == second["shape"] == [2] and first["dtype"] == "float32"
    assert first["grad"]["full"] == "[1, 1]"  # d z / d p
    assert second["value"]["full"] == "[3, -6]" and second["grad"]["full"] == "[6, -12]"  # 2q
