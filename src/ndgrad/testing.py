"""``ndgrad.testing.assert_close``: PyTorch's closeness check for tests, with its default
tolerances.

>>> ndgrad.testing.assert_close(ndgrad.tensor([1.0, 2.0]), ndgrad.tensor([1.0, 2.0 + 1e-7]))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ndgrad import _backend
from ndgrad.tensor import Tensor

__all__ = ["assert_close", "assert_allclose"]

# PyTorch's defaults per dtype: (rtol, atol); integers and bools must match exactly
_TOLERANCES = {
    np.dtype(np.float16): (1e-3, 1e-5),
    np.dtype(np.float32): (1.3e-6, 1e-5),
    np.dtype(np.float64): (1e-7, 1e-7),
}


def _default_tolerances(*dtypes: np.dtype) -> tuple[float, float]:
    pairs = [_TOLERANCES.get(np.dtype(d), (0.0, 0.0)) for d in dtypes]
    return max(p[0] for p in pairs), max(p[1] for p in pairs)


def _dtype_name(d: np.dtype) -> str:
    return "ndgrad." + ("bool" if d == np.bool_ else d.name)


def assert_close(
    actual: Any,
    expected: Any,
    *,
    allow_subclasses: bool = True,
    rtol: float | None = None,
    atol: float | None = None,
    equal_nan: bool = False,
    check_device: bool = True,
    check_dtype: bool = True,
    check_layout: bool = True,
    check_stride: bool = False,
    msg: str | None = None,
) -> None:
    """Raise AssertionError unless ``|actual - expected| <= atol + rtol * |expected|`` elementwise.

    Tensors must also agree in shape, and (by default) dtype and device. Sequences and mappings are
    compared item by item; Python numbers as scalars. Without ``rtol``/``atol`` the tolerances are
    PyTorch's for the dtype: float16 (1e-3, 1e-5), float32 (1.3e-6, 1e-5), float64 (1e-7, 1e-7),
    integers and bool exact. The message gives the mismatched count and the greatest differences.
    """
    if (rtol is None) != (atol is None):
        missing = "atol" if atol is None else "rtol"
        raise ValueError(
            f"Both 'rtol' and 'atol' must be either specified or omitted, but got no {missing}."
        )
    options = dict(
        rtol=rtol,
        atol=atol,
        equal_nan=equal_nan,
        check_device=check_device,
        check_dtype=check_dtype,
    )
    _compare(actual, expected, (), msg, options)


def _compare(
    actual: Any, expected: Any, path: tuple[Any, ...], msg: str | None, options: dict[str, Any]
) -> None:
    where = "".join(f"[{p!r}]" for p in path)
    if isinstance(actual, Tensor) or isinstance(expected, Tensor):
        if not (isinstance(actual, Tensor) and isinstance(expected, Tensor)):
            raise TypeError(
                f"No comparison pair was able to handle inputs of type {type(actual)} and "
                f"{type(expected)}."
            )
        _compare_tensors(actual, expected, where, msg, options)
        return
    if isinstance(actual, Mapping) and isinstance(expected, Mapping):
        if set(actual) != set(expected):
            raise AssertionError(
                f"The keys of the mappings do not match{where}: {sorted(map(str, actual))} != "
                f"{sorted(map(str, expected))}"
            )
        for key in expected:
            _compare(actual[key], expected[key], path + (key,), msg, options)
        return
    if (
        isinstance(actual, Sequence)
        and isinstance(expected, Sequence)
        and not isinstance(actual, str)
        and not isinstance(expected, str)
    ):
        if len(actual) != len(expected):
            raise AssertionError(
                f"The length of the sequences mismatch{where}: {len(actual)} != {len(expected)}"
            )
        for i, (a, e) in enumerate(zip(actual, expected)):
            _compare(a, e, path + (i,), msg, options)
        return
    if isinstance(actual, int | float | complex | bool | np.number) and isinstance(
        expected, int | float | complex | bool | np.number
    ):
        _compare_scalars(actual, expected, where, msg, options)
        return
    if isinstance(actual, np.ndarray) and isinstance(expected, np.ndarray):
        _compare_arrays(actual, expected, where, msg, options, "Tensor-likes")
        return
    raise TypeError(
        f"No comparison pair was able to handle inputs of type {type(actual)} and {type(expected)}."
    )


def _compare_scalars(
    actual: Any, expected: Any, where: str, msg: str | None, options: dict[str, Any]
) -> None:
    if options["check_dtype"] and type(actual) is not type(expected):
        raise AssertionError(
            f"The values for attribute 'type' do not match{where}: {type(actual)} != "
            f"{type(expected)}."
        )
    float_like = isinstance(actual, float) or isinstance(expected, float)
    rtol, atol = options["rtol"], options["atol"]
    if rtol is None:
        rtol, atol = (1e-7, 1e-7) if float_like else (0.0, 0.0)
    a, e = complex(actual), complex(expected)
    if options["equal_nan"] and np.isnan(a) and np.isnan(e):
        return
    diff = abs(a - e)
    if a == e or diff <= atol + rtol * abs(e):
        return
    rel = diff / abs(e) if e != 0 else float("inf")
    raise AssertionError(
        msg
        or (
            f"Scalars are not close{where}!\n\nExpected {expected} but got {actual}.\n"
            f"Absolute difference: {diff} (up to {atol} allowed)\n"
            f"Relative difference: {rel} (up to {rtol} allowed)"
        )
    )


def _compare_tensors(
    actual: Tensor, expected: Tensor, where: str, msg: str | None, options: dict[str, Any]
) -> None:
    if tuple(actual.shape) != tuple(expected.shape):
        raise AssertionError(
            f"The values for attribute 'shape' do not match{where}: {actual.shape} != "
            f"{expected.shape}."
        )
    if options["check_device"] and actual.device != expected.device:
        raise AssertionError(
            f"The values for attribute 'device' do not match{where}: {actual.device} != "
            f"{expected.device}."
        )
    _compare_arrays(
        np.asarray(_backend.to_numpy(actual.array)),
        np.asarray(_backend.to_numpy(expected.array)),
        where,
        msg,
        options,
        "Tensor-likes",
    )


def _compare_arrays(
    a: np.ndarray, e: np.ndarray, where: str, msg: str | None, options: dict[str, Any], kind: str
) -> None:
    if a.shape != e.shape:
        raise AssertionError(
            f"The values for attribute 'shape' do not match{where}: {a.shape} != {e.shape}."
        )
    if options["check_dtype"] and a.dtype != e.dtype:
        raise AssertionError(
            f"The values for attribute 'dtype' do not match{where}: "
            f"{_dtype_name(a.dtype)} != {_dtype_name(e.dtype)}."
        )
    rtol, atol = options["rtol"], options["atol"]
    if rtol is None:
        rtol, atol = _default_tolerances(a.dtype, e.dtype)
    common = np.promote_types(a.dtype, e.dtype)
    if common.kind in "biu":
        common = np.dtype(np.int64) if common.kind != "b" else common
    a_c, e_c = a.astype(common, copy=False), e.astype(common, copy=False)
    if common.kind == "b":
        close = a_c == e_c
    else:
        close = np.isclose(a_c, e_c, rtol=rtol, atol=atol, equal_nan=options["equal_nan"])
    if close.all():
        return
    exact = rtol == 0 and atol == 0
    wide = np.float64 if common.kind != "c" else np.complex128
    diff = np.abs(a_c.astype(wide) - e_c.astype(wide))
    diff = np.where(close, 0.0, diff)  # only the mismatches count, NaN ones included
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = diff / np.abs(e_c.astype(wide))
    rel = np.where(close, 0.0, rel)
    total, bad = close.size, int((~close).sum())
    abs_i = np.unravel_index(int(np.nanargmax(np.where(np.isnan(diff), np.inf, diff))), close.shape)
    rel_i = np.unravel_index(int(np.nanargmax(np.where(np.isnan(rel), np.inf, rel))), close.shape)
    abs_v = diff[abs_i] if diff.ndim else diff
    rel_v = rel[rel_i] if rel.ndim else rel
    at_abs = f" at index {tuple(int(i) for i in abs_i)}" if close.ndim else ""
    at_rel = f" at index {tuple(int(i) for i in rel_i)}" if close.ndim else ""
    abs_str = f"{int(abs_v)}" if common.kind in "iu" else f"{float(abs_v)}"
    lines = [
        f"{kind} are not {'equal' if exact else 'close'}{where}!",
        "",
        f"Mismatched elements: {bad} / {total} ({100.0 * bad / total:.1f}%)",
        f"Greatest absolute difference: {abs_str}{at_abs}"
        + ("" if exact else f" (up to {atol} allowed)"),
        f"Greatest relative difference: {float(rel_v)}{at_rel}"
        + ("" if exact else f" (up to {rtol} allowed)"),
    ]
    raise AssertionError(msg or "\n".join(lines))


def assert_allclose(
    actual: Any,
    expected: Any,
    rtol: float | None = None,
    atol: float | None = None,
    equal_nan: bool = True,
    msg: str = "",
) -> None:
    """The old ``torch.testing.assert_allclose``: assert_close without the dtype check."""
    if rtol is None and atol is None:
        assert_close(actual, expected, check_dtype=False, equal_nan=equal_nan, msg=msg or None)
    else:
        assert_close(
            actual,
            expected,
            rtol=rtol or 0.0,
            atol=atol or 0.0,
            check_dtype=False,
            equal_nan=equal_nan,
            msg=msg or None,
        )
