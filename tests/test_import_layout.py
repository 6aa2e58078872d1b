"""The op modules import each other without cycles (docs/architecture.md, "The one import cycle"):
the only cycle in the package is Tensor's methods calling the ops, closed at call time."""

from __future__ import annotations

import ast
from pathlib import Path

import ndgrad.ops

OPS = Path(ndgrad.ops.__file__).parent


def _module_level_op_imports(path: Path) -> set[str]:
    """The ``ndgrad.ops.<name>`` modules ``path`` imports at module level (not in functions)."""
    found: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom) and node.module == "ndgrad.ops":
            found |= {f"ndgrad.ops.{a.name}" for a in node.names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("ndgrad.ops."):
            found.add(str(node.module))
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("ndgrad.ops.")}
    return found


def test_no_import_cycle_among_op_modules() -> None:
    deps = {f"ndgrad.ops.{p.stem}": _module_level_op_imports(p) for p in OPS.glob("*.py")}
    state: dict[str, str] = {}

    def visit(module: str, path: list[str]) -> None:
        state[module] = "open"
        for dep in sorted(deps.get(module, ())):
            assert state.get(dep) != "open", " -> ".join(path[path.index(dep) :] + [module, dep])
            if dep not in state:
                visit(dep, path + [module])
        state[module] = "done"

    for module in sorted(deps):
        if module not in state:
            visit(module, [])
    assert "ndgrad.ops.shape" not in deps["ndgrad.ops.index_primitives"]
    assert "ndgrad.ops.index" not in deps["ndgrad.ops.shape"]
