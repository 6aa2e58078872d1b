"""Which of PyTorch's public names ndgrad lacks, against the reasoned list in api_omissions.py.

Fails when ndgrad lacks a name that is not listed (add it, or list it with its reason), when a
listed name now exists (delete it from the list), and when a listed name is not PyTorch's.
"""

from __future__ import annotations

import importlib
from typing import Any

import pytest

from tests.api_omissions import DELIBERATE, OMISSIONS, REASONS

torch = pytest.importorskip("torch")

NAMESPACES = {
    "torch": "ndgrad",
    "torch.nn": "ndgrad.nn",
    "torch.nn.functional": "ndgrad.nn.functional",
    "torch.Tensor": "ndgrad.Tensor",
    "torch.optim": "ndgrad.optim",
    "torch.optim.lr_scheduler": "ndgrad.optim.lr_scheduler",
    "torch.utils.data": "ndgrad.utils.data",
    "torch.autograd": "ndgrad.autograd",
    "torch.linalg": "ndgrad.linalg",
}


def _resolve(path: str) -> Any:
    module, _, attr = path.rpartition(".")
    if attr == "Tensor":
        return importlib.import_module(module).Tensor
    return importlib.import_module(path)


def _public(obj: Any) -> set[str]:
    return {n for n in dir(obj) if not n.startswith("_")}


def _listed(namespace: str) -> dict[str, str]:
    """name -> reason for the names listed under ``namespace``."""
    out = {}
    for reason, names in OMISSIONS.get(namespace, {}).items():
        for name in names.split():
            out[name] = reason
    return out


def test_reasons_are_known() -> None:
    assert set(OMISSIONS) == set(NAMESPACES)
    for groups in OMISSIONS.values():
        assert set(groups) <= set(REASONS)
    assert set(DELIBERATE) <= set(REASONS)


@pytest.mark.parametrize("namespace", sorted(NAMESPACES))
def test_every_missing_name_is_listed_with_a_reason(namespace: str) -> None:
    theirs, ours = _public(_resolve(namespace)), _public(_resolve(NAMESPACES[namespace]))
    unlisted = sorted(theirs - ours - set(_listed(namespace)))
    assert unlisted == [], (
        f"ndgrad lacks these {namespace} names: add them or list them with a reason"
    )


@pytest.mark.parametrize("namespace", sorted(NAMESPACES))
def test_listed_omissions_are_still_missing(namespace: str) -> None:
    ours = _public(_resolve(NAMESPACES[namespace]))
    now_there = sorted(set(_listed(namespace)) & ours)
    assert now_there == [], (
        f"these {namespace} names exist now: delete them from tests/api_omissions.py"
    )


@pytest.mark.parametrize("namespace", sorted(NAMESPACES))
def test_listed_names_are_pytorch_names(namespace: str) -> None:
    theirs = _public(_resolve(namespace))
    stale = sorted(set(_listed(namespace)) - theirs)
    assert stale == [], f"not {namespace} names in torch {torch.__version__}"


def test_names_are_listed_once() -> None:
    for namespace, groups in OMISSIONS.items():
        names = [n for text in groups.values() for n in text.split()]
        assert len(names) == len(set(names)), namespace
