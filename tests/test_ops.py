"""Runs every row of the op table (tests/optable/*.py) against PyTorch and finite differences."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

from tests import optable
from tests.optable import OpCase, check_finite_differences, check_grads, check_values


def _all_cases() -> list[OpCase]:
    cases: list[OpCase] = []
    for info in sorted(pkgutil.iter_modules(optable.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"tests.optable.{info.name}")
        cases.extend(getattr(module, "CASES", []))
    return cases


CASES = _all_cases()
_ids = [c.name for c in CASES]
assert len(set(_ids)) == len(_ids), (
    f"duplicate op-table names: {sorted(n for n in _ids if _ids.count(n) > 1)}"
)


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_values(case: OpCase) -> None:
    check_values(case)


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.grad], ids=[c.name for c in CASES if c.grad]
)
def test_grads(case: OpCase) -> None:
    check_grads(case)


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.grad and c.fd], ids=[c.name for c in CASES if c.grad and c.fd]
)
def test_finite_differences(case: OpCase) -> None:
    check_finite_differences(case)
