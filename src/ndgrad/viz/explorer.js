// ndgrad graph explorer: the page's whole script (inlined into the HTML file; no requests).
// Data: {nodes, edges: [[input, consumer]], order: node ids in the engine's backward order}.
// The graph is drawn as SVG: one <g> per node holding <text>, laid out in layers (inputs first,
// the output last); module scopes collapse into one node each.
"use strict";
(function () {
  const SVG = "http://www.w3.org/2000/svg";
  const data = JSON.parse(document.getElementById("graph-data").textContent);
  const byId = new Map(data.nodes.map((n) => [n.id, n]));
  const stepOf = new Map(data.order.map((id, i) => [id, i + 1]));
  const groups = [...new Set(data.nodes.map((n) => n.group).filter((g) => g))];
  const state = { step: 0, selected: null, collapsed: new Set() };
  const svg = document.getElementById("graph");

  function el(name, attrs, parent) {
    const e = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (parent) parent.appendChild(e);
    return e;
  }

  // -- what is visible: nodes of collapsed scopes merge into one node per scope -----------------
  function visibleGraph() {
    const vis = new Map();
    const mapId = (n) => (n.group && state.collapsed.has(n.group) ? "scope:" + n.group : n.id);
    for (const n of data.nodes) {
      const id = mapId(n);
      if (!vis.has(id)) {
        vis.set(id, id === n.id ? { id, kind: n.kind, node: n, members: [n.id] }
          : { id, kind: "scope", group: n.group, members: [] });
      }
      if (id !== n.id) vis.get(id).members.push(n.id);
    }
    const seen = new Set();
    const edges = [];
    for (const [a, b] of data.edges) {
      const s = mapId(byId.get(a)), d = mapId(byId.get(b));
      const key = s + ">" + d;
      if (s !== d && !seen.has(key)) { seen.add(key); edges.push({ s, d, from: a, to: b }); }
    }
    return { nodes: [...vis.values()], edges };
  }

  // -- layout: layer = longest path to the output, order by neighbour barycentres ---------------
  function layers(g) {
    const out = new Map(g.nodes.map((n) => [n.id, []]));
    for (const e of g.edges) out.get(e.s).push(e.d);
    // rank = longest path to the output, found from the output back (no recursion: long chains)
    const ins = new Map(g.nodes.map((n) => [n.id, []]));
    for (const e of g.edges) ins.get(e.d).push(e.s);
    const waiting = new Map(g.nodes.map((n) => [n.id, out.get(n.id).length]));
    const rank = new Map(g.nodes.map((n) => [n.id, 0]));
    const ready = g.nodes.filter((n) => waiting.get(n.id) === 0).map((n) => n.id);
    while (ready.length) {
      const id = ready.pop();
      for (const s of ins.get(id)) {
        rank.set(s, Math.max(rank.get(s), rank.get(id) + 1));
        waiting.set(s, waiting.get(s) - 1);
        if (waiting.get(s) === 0) ready.push(s);
      }
    }
    const top = Math.max(0, ...rank.values());
    const rows = Array.from({ length: top + 1 }, () => []);
    g.nodes.forEach((n) => rows[top - rank.get(n.id)].push(n));
    const nbrs = new Map(g.nodes.map((n) => [n.id, []]));
    for (const e of g.edges) { nbrs.get(e.s).push(e.d); nbrs.get(e.d).push(e.s); }
    for (let sweep = 0; sweep < 6; sweep++) {
      const pos = new Map();
      rows.forEach((row) => row.forEach((n, i) => pos.set(n.id, i / Math.max(1, row.length))));
      for (const row of rows) {
        const key = new Map(row.map((n, i) => {
          const p = nbrs.get(n.id).map((m) => pos.get(m));
          return [n.id, p.length ? p.reduce((a, b) => a + b, 0) / p.length : i / row.length];
        }));
        // members of one module scope stay side by side, so its box holds only them
        const scopeKey = new Map();
        for (const n of row) {
          const g = n.node && n.node.group;
          if (g) scopeKey.set(g, (scopeKey.get(g) || []).concat([key.get(n.id)]));
        }
        const sortKey = (n) => {
          const ks = n.node && n.node.group ? scopeKey.get(n.node.group) : [key.get(n.id)];
          return ks.reduce((a, b) => a + b, 0) / ks.length;
        };
        row.sort((a, b) => sortKey(a) - sortKey(b) || key.get(a.id) - key.get(b.id));
      }
    }
    return { rows, nbrs };
  }

  function place(g, boxes) {
    const { rows, nbrs } = layers(g);
    const lr = data.direction === "LR" || data.direction === "RL";
    const along = (b) => (lr ? b.w : b.h), across = (b) => (lr ? b.h : b.w);
    const gapAlong = lr ? 70 : 48, gapAcross = lr ? 16 : 22;
    const scopeOf = (n) => (n.node && n.node.group) || n.group || null;
    // extra room where a row passes from one module scope to another, for the scopes' frames
    const gapAfter = (row, i) => gapAcross + (i + 1 < row.length && scopeOf(row[i]) !== scopeOf(row[i + 1]) ? 20 : 0);
    const pos = new Map();  // id -> {a: along, c: across} of the box's top-left
    let a = 20;
    for (const row of rows) {
      let c = 20;
      row.forEach((n, i) => { pos.set(n.id, { a, c }); c += across(boxes.get(n.id)) + gapAfter(row, i); });
      a += Math.max(...row.map((n) => along(boxes.get(n.id)))) + gapAlong;
    }
    const centre = (id) => pos.get(id).c + across(boxes.get(id)) / 2;
    for (let pass = 0; pass < 4; pass++) {
      for (const row of rows) {
        let edge = -Infinity, shift = 0, count = 0;
        for (const [i, n] of row.entries()) {
          const ns = nbrs.get(n.id);
          const want = ns.length ? ns.reduce((s, m) => s + centre(m), 0) / ns.length : centre(n.id);
          const w = across(boxes.get(n.id));
          const c = Math.max(want - w / 2, edge);
          pos.get(n.id).c = c;
          edge = c + w + gapAfter(row, i);
          shift += want - (c + w / 2); count++;
        }
        if (count) row.forEach((n) => { pos.get(n.id).c += shift / count; });
      }
    }
    const minC = Math.min(...[...pos.values()].map((p) => p.c));
    const flip = data.direction === "BT" || data.direction === "RL";
    const maxA = Math.max(...g.nodes.map((n) => pos.get(n.id).a + along(boxes.get(n.id))));
    const xy = new Map();
    for (const n of g.nodes) {
      const p = pos.get(n.id), b = boxes.get(n.id);
      const av = flip ? maxA + 20 - p.a - along(b) : p.a;
      const cv = p.c - minC + 20;
      xy.set(n.id, lr ? { x: av, y: cv } : { x: cv, y: av });
    }
    return xy;
  }

  // -- drawing ----------------------------------------------------------------------------------
  function nodeText(v) {
    if (v.kind === "scope") return [v.group + "  \u25B8", v.members.length + " nodes (click to expand)"];
    return [v.node.title, ...v.node.lines];
  }

  function draw() {
    const g = visibleGraph();
    svg.textContent = "";
    const defs = el("defs", {}, svg);
    const marker = el("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5,
      markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" }, defs);
    el("path", { d: "M0,0 L10,5 L0,10 z", fill: "#8c959f" }, marker);
    const scopeLayer = el("g", {}, svg), edgeLayer = el("g", {}, svg), nodeLayer = el("g", {}, svg);
    const boxes = new Map(), elems = new Map();
    for (const v of g.nodes) {
      const grp = el("g", { class: "node " + v.kind, "data-id": v.id, tabindex: 0, role: "button" }, nodeLayer);
      const rect = el("rect", { rx: v.kind === "op" ? 14 : 5 }, grp);
      const lines = nodeText(v);
      lines.forEach((line, i) => {
        const t = el("text", { x: 10, y: 17 + i * 15, class: i === 0 ? "title" : "line" }, grp);
        t.textContent = line;
      });
      grp.setAttribute("aria-label", lines.join(", "));
      const bb = grp.getBBox();
      const w = Math.max(60, bb.width + 20), h = lines.length * 15 + 10;
      rect.setAttribute("width", w); rect.setAttribute("height", h);
      boxes.set(v.id, { w, h });
      elems.set(v.id, grp);
      grp.addEventListener("click", () => onNode(v));
      grp.addEventListener("keydown", (ev) => {
        if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); onNode(v); }
      });
    }
    const xy = place(g, boxes);
    for (const v of g.nodes) {
      const p = xy.get(v.id);
      elems.get(v.id).setAttribute("transform", `translate(${p.x},${p.y})`);
    }
    const lr = data.direction === "LR" || data.direction === "RL";
    for (const e of g.edges) {
      const a = xy.get(e.s), b = xy.get(e.d), ba = boxes.get(e.s), bb = boxes.get(e.d);
      let d;
      if (lr) {
        const x1 = a.x + ba.w, y1 = a.y + ba.h / 2, x2 = b.x, y2 = b.y + bb.h / 2, m = (x1 + x2) / 2;
        d = `M${x1},${y1} C${m},${y1} ${m},${y2} ${x2},${y2}`;
      } else {
        const x1 = a.x + ba.w / 2, y1 = a.y + ba.h, x2 = b.x + bb.w / 2, y2 = b.y, m = (y1 + y2) / 2;
        d = `M${x1},${y1} C${x1},${m} ${x2},${m} ${x2},${y2}`;
      }
      el("path", { d, class: "edge", "data-from": e.s, "data-to": e.d, "marker-end": "url(#arrow)" }, edgeLayer);
    }
    drawScopes(g, xy, boxes, scopeLayer);
    let maxX = 0, maxY = 0;
    for (const v of g.nodes) {
      const p = xy.get(v.id), b = boxes.get(v.id);
      maxX = Math.max(maxX, p.x + b.w); maxY = Math.max(maxY, p.y + b.h);
    }
    svg.setAttribute("width", maxX + 30); svg.setAttribute("height", maxY + 30);
    svg.setAttribute("viewBox", `0 0 ${maxX + 30} ${maxY + 30}`);  // shrinks to fit (CSS max-width)
    drawScopeButtons();
    paint();
  }

  function drawScopes(g, xy, boxes, layer) {
    for (const name of groups) {
      if (state.collapsed.has(name)) continue;
      const members = g.nodes.filter((v) => v.node && v.node.group === name);
      if (!members.length) continue;
      const x0 = Math.min(...members.map((v) => xy.get(v.id).x)) - 8;
      const y0 = Math.min(...members.map((v) => xy.get(v.id).y)) - 20;
      const x1 = Math.max(...members.map((v) => xy.get(v.id).x + boxes.get(v.id).w)) + 8;
      const y1 = Math.max(...members.map((v) => xy.get(v.id).y + boxes.get(v.id).h)) + 8;
      el("rect", { class: "scope-box", x: x0, y: y0, width: x1 - x0, height: y1 - y0 }, layer);
      const label = el("text", { class: "scope-label", x: x0 + 6, y: y0 + 13, role: "button" }, layer);
      label.textContent = name + "  \u25BE";
      label.addEventListener("click", () => toggleScope(name));
    }
  }

  function drawScopeButtons() {
    const box = document.getElementById("scopes");
    box.textContent = "";
    for (const name of groups) {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = (state.collapsed.has(name) ? "\u25B8 " : "\u25BE ") + name;
      b.setAttribute("aria-pressed", String(state.collapsed.has(name)));
      b.dataset.scope = name;
      b.addEventListener("click", () => toggleScope(name));
      box.appendChild(b);
    }
  }

  function toggleScope(name) {
    if (state.collapsed.has(name)) state.collapsed.delete(name); else state.collapsed.add(name);
    draw();
  }

  // -- the backward pass, step by step ----------------------------------------------------------
  function paint() {
    const done = new Set(data.order.slice(0, state.step));
    const current = state.step > 0 ? data.order[state.step - 1] : null;
    for (const grp of svg.querySelectorAll(".node")) {
      const id = grp.dataset.id;
      const members = id.startsWith("scope:")
        ? data.nodes.filter((n) => "scope:" + n.group === id).map((n) => n.id) : [id];
      const ready = members.filter((m) => done.has(m)).length;
      grp.classList.toggle("ready", ready > 0 && ready === members.length);
      grp.classList.toggle("partial", ready > 0 && ready < members.length);
      grp.classList.toggle("current", members.includes(current));
      grp.classList.toggle("selected", members.includes(state.selected));
    }
    for (const path of svg.querySelectorAll(".edge")) {
      const to = path.dataset.to;
      const members = to.startsWith("scope:")
        ? data.nodes.filter((n) => "scope:" + n.group === to).map((n) => n.id) : [to];
      path.classList.toggle("ready", members.some((m) => done.has(m)));
    }
    const status = document.getElementById("status");
    status.dataset.step = String(state.step);
    status.dataset.current = current || "";
    status.textContent = current
      ? `backward step ${state.step} of ${data.order.length}: ${byId.get(current).title}`
      : `backward: ${data.order.length} steps (press step)`;
    if (state.selected) showDetails(byId.get(state.selected));
  }

  function setStep(k) {
    state.step = Math.max(0, Math.min(data.order.length, k));
    paint();
  }

  // -- details of one node ----------------------------------------------------------------------
  function onNode(v) {
    if (v.kind === "scope") { toggleScope(v.group); return; }
    state.selected = v.id;
    paint();
  }

  function showDetails(n) {
    const box = document.getElementById("details");
    box.textContent = "";
    const h = document.createElement("h2");
    h.textContent = n.title;
    box.appendChild(h);
    const dl = document.createElement("dl");
    const row = (label, field, text) => {
      const dt = document.createElement("dt"), dd = document.createElement("dd");
      dt.textContent = label; dd.textContent = text; dd.dataset.field = field;
      dl.append(dt, dd);
    };
    row("kind", "kind", n.kind === "op" ? "op (its output)" : n.kind === "root" ? "output" : "leaf");
    if (n.op) row("op", "op", n.op);
    if (n.group) row("scope", "scope", n.group);
    n.outputs.forEach((o, i) => {
      const sfx = n.outputs.length > 1 ? "." + i : "", tag = n.outputs.length > 1 ? ` [${i}]` : "";
      row("shape" + tag, "shape" + sfx, o.shape ? "(" + o.shape.join(", ") + ")" : "?");
      row("dtype" + tag, "dtype" + sfx, o.dtype);
      row("value" + tag, "value" + sfx, o.value ? o.value.summary : "not kept (set tensor.label to keep it)");
      if (o.value && o.value.full) row("values" + tag, "value-full" + sfx, o.value.full);
      row("grad" + tag, "grad" + sfx, o.grad ? o.grad.summary : "no gradient reached it");
      if (o.grad && o.grad.full) row("grads" + tag, "grad-full" + sfx, o.grad.full);
    });
    const k = stepOf.get(n.id);
    const ready = k === undefined ? "never (no gradient flows here)"
      : k <= state.step ? `ready (backward step ${k})` : `not yet (ready at backward step ${k})`;
    row("gradient", "ready", ready);
    box.appendChild(dl);
  }

  // -- controls ---------------------------------------------------------------------------------
  document.getElementById("step").addEventListener("click", () => setStep(state.step + 1));
  document.getElementById("back").addEventListener("click", () => setStep(state.step - 1));
  document.getElementById("reset").addEventListener("click", () => setStep(0));
  document.getElementById("run").addEventListener("click", () => setStep(data.order.length));
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "ArrowRight") setStep(state.step + 1);
    if (ev.key === "ArrowLeft") setStep(state.step - 1);
  });
  // A starting state in the address: page.html#step=3&select=n2&collapse=fc1
  const params = new URLSearchParams(location.hash.slice(1));
  (params.get("collapse") || "").split(",").filter((s) => groups.includes(s))
    .forEach((s) => state.collapsed.add(s));
  if (byId.has(params.get("select"))) state.selected = params.get("select");
  state.step = Math.max(0, Math.min(data.order.length, Number(params.get("step")) || 0));
  draw();
})();
