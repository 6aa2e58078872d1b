"""Op-table rows for the elementwise family (ndgrad/ops/elementwise.py)."""

from __future__ import annotations

import numpy as np

from tests.optable import OpCase

POS = dict(low=0.5, high=2.0)
UNIT = dict(low=-0.9, high=0.9)

CASES = [
    OpCase("add", lambda m, x, y: x + y, [(3, 2), (3, 2)]),
    OpCase("add_broadcast", lambda m, x, y: m.add(x, y), [(3, 2), (1, 2)]),
    OpCase("add_broadcast_lead", lambda m, x, y: x + y, [(4, 3, 2), (2,)]),
    OpCase("add_alpha", lambda m, x, y: m.add(x, y, alpha=2.5), [(3, 2), (3, 1)]),
    OpCase("add_scalar", lambda m, x: x + 1.5, [(3, 2)]),
    OpCase("radd_scalar", lambda m, x: 1.5 + x, [(3,)]),
    OpCase("add_0d", lambda m, x, y: x + y, [(), ()]),
    OpCase("add_0d_and_matrix", lambda m, x, y: x + y, [(), (2, 3)]),
    OpCase("add_empty", lambda m, x, y: x + y, [(0, 3), (1, 3)]),
    OpCase("sub", lambda m, x, y: x - y, [(3, 2), (1, 2)]),
    OpCase("rsub_scalar", lambda m, x: 2 - x, [(3, 2)]),
    OpCase("sub_alpha", lambda m, x, y: m.sub(x, y, alpha=0.5), [(2, 3), (2, 3)]),
    OpCase("mul", lambda m, x, y: x * y, [(3, 2), (3, 1)]),
    OpCase("mul_scalar", lambda m, x: x * 3.0, [(4,)]),
    OpCase("mul_self", lambda m, x: x * x, [(2, 3)]),
    OpCase("div", lambda m, x, y: x / y, [(3, 2), (1, 2)], make=None, low=0.5, high=2.0),
    OpCase("rdiv_scalar", lambda m, x: 2.0 / x, [(3, 2)], **POS),
    OpCase(
        "div_floor",
        lambda m, x, y: m.div(x, y, rounding_mode="floor"),
        [(3, 2), (3, 2)],
        grad=False,
        **POS,
    ),
    OpCase(
        "div_trunc",
        lambda m, x, y: m.div(x, y, rounding_mode="trunc"),
        [(3, 2), (3, 2)],
        grad=False,
    ),
    OpCase("floor_divide", lambda m, x, y: x // y, [(3, 2), (3, 2)], grad=False, **POS),
    OpCase(
        "remainder",
        lambda m, x, y: m.remainder(x, y),
        [(3, 2), (3, 2)],
        gradgrad=False,
        fd=False,
        **POS,
    ),
    OpCase("mod_scalar", lambda m, x: x % 0.7, [(3, 2)], fd=False, gradgrad=False),
    OpCase("fmod", lambda m, x, y: m.fmod(x, y), [(3, 2), (3, 2)], fd=False, gradgrad=False, **POS),
    OpCase("pow_scalar", lambda m, x: x**3, [(3, 2)]),
    OpCase("pow_frac", lambda m, x: x**1.5, [(3, 2)], **POS),
    OpCase("pow_tensor", lambda m, x, y: x**y, [(3, 2), (3, 2)], **POS),
    OpCase("rpow", lambda m, x: 2.0**x, [(3, 2)]),
    OpCase("neg", lambda m, x: -x, [(3, 2)]),
    OpCase("abs", lambda m, x: m.abs(x), [(3, 2)], gradgrad=False),
    OpCase("exp", lambda m, x: m.exp(x), [(3, 2)]),
    OpCase("exp_0d", lambda m, x: x.exp(), [()]),
    OpCase("exp2", lambda m, x: m.exp2(x), [(3, 2)]),
    OpCase("log", lambda m, x: m.log(x), [(3, 2)], **POS),
    OpCase("log2", lambda m, x: m.log2(x), [(3, 2)], **POS),
    OpCase("log10", lambda m, x: m.log10(x), [(3, 2)], **POS),
    OpCase("log1p", lambda m, x: m.log1p(x), [(3, 2)], **POS),
    OpCase("expm1", lambda m, x: m.expm1(x), [(3, 2)]),
    OpCase("sqrt", lambda m, x: m.sqrt(x), [(3, 2)], **POS),
    OpCase("rsqrt", lambda m, x: m.rsqrt(x), [(3, 2)], **POS),
    OpCase("square", lambda m, x: m.square(x), [(3, 2)]),
    OpCase("reciprocal", lambda m, x: m.reciprocal(x), [(3, 2)], **POS),
    OpCase("sin", lambda m, x: m.sin(x), [(3, 2)]),
    OpCase("cos", lambda m, x: m.cos(x), [(3, 2)]),
    OpCase("tan", lambda m, x: m.tan(x), [(3, 2)], low=-1.2, high=1.2),
    OpCase("asin", lambda m, x: m.asin(x), [(3, 2)], **UNIT),
    OpCase("acos", lambda m, x: m.acos(x), [(3, 2)], **UNIT),
    OpCase("atan", lambda m, x: m.atan(x), [(3, 2)]),
    OpCase("atan2", lambda m, x, y: m.atan2(x, y), [(3, 2), (1, 2)], **POS),
    OpCase("logaddexp", lambda m, x, y: m.logaddexp(x, y), [(3, 2), (1, 2)]),
    OpCase("logaddexp_method", lambda m, x, y: x.logaddexp(y * 10), [(4,), (4,)]),
    OpCase("sinh", lambda m, x: m.sinh(x), [(3, 2)]),
    OpCase("cosh", lambda m, x: m.cosh(x), [(3, 2)]),
    OpCase("tanh", lambda m, x: m.tanh(x), [(3, 2)]),
    OpCase("sigmoid", lambda m, x: m.sigmoid(x), [(3, 2)], low=-30, high=30),
    OpCase("relu", lambda m, x: m.relu(x), [(4, 5)], gradgrad=False),
    OpCase("erf", lambda m, x: m.erf(x), [(3, 2)]),
    OpCase("sign", lambda m, x: m.sign(x), [(3, 2)], gradgrad=False, fd=False),
    OpCase("floor", lambda m, x: m.floor(x), [(3, 2)], gradgrad=False, fd=False),
    OpCase("ceil", lambda m, x: m.ceil(x), [(3, 2)], gradgrad=False, fd=False),
    OpCase("round", lambda m, x: m.round(x), [(3, 2)], gradgrad=False, fd=False),
    OpCase("round_decimals", lambda m, x: m.round(x, decimals=2), [(3, 2)], grad=False),
    OpCase("trunc", lambda m, x: m.trunc(x), [(3, 2)], gradgrad=False, fd=False),
    OpCase("frac", lambda m, x: m.frac(x), [(3, 2)], gradgrad=False, fd=False),
    OpCase("clamp", lambda m, x: m.clamp(x, -0.5, 0.7), [(4, 3)], gradgrad=False),
    OpCase("clamp_min", lambda m, x: x.clamp(min=0.1), [(4, 3)], gradgrad=False),
    OpCase("clamp_tensor", lambda m, x, lo: m.clamp(x, min=lo), [(4, 3), (1, 3)], gradgrad=False),
    OpCase("clip", lambda m, x: m.clip(x, max=0.2), [(4, 3)], gradgrad=False),
    OpCase("maximum", lambda m, x, y: m.maximum(x, y), [(3, 2), (1, 2)], gradgrad=False),
    OpCase("minimum", lambda m, x, y: m.minimum(x, y), [(3, 2), (3, 2)], gradgrad=False),
    OpCase("maximum_ties", lambda m, x: m.maximum(x, x * 1.0), [(3,)], gradgrad=False, fd=False),
    OpCase(
        "where",
        lambda m, x, y, c: m.where(c, x, y),
        [(3, 2), (1, 2)],
        consts=lambda r: [r.random((3, 2)) > 0.5],
    ),
    OpCase(
        "where_scalar",
        lambda m, x, c: m.where(c, x, 0.0),
        [(3, 2)],
        consts=lambda r: [r.random((3, 2)) > 0.5],
    ),
    OpCase("lerp", lambda m, x, y: m.lerp(x, y, 0.3), [(3, 2), (3, 2)]),
    OpCase("lerp_tensor_weight", lambda m, x, y, w: m.lerp(x, y, w), [(3, 2), (3, 2), (3, 2)]),
    OpCase("addcmul", lambda m, x, y, z: m.addcmul(x, y, z, value=0.5), [(3, 2), (3, 2), (1, 2)]),
    OpCase(
        "addcdiv", lambda m, x, y, z: m.addcdiv(x, y, z, value=0.5), [(3, 2), (3, 2), (1, 2)], **POS
    ),
    OpCase("clone", lambda m, x: x.clone() * 2, [(3, 2)]),
    OpCase(
        "to_float32",
        lambda m, x: x.to(m.float32) * 1,
        [(3, 2)],
        rtol=1e-6,
        atol=1e-6,
        gradgrad=False,
        fd=False,
    ),
    OpCase("eq", lambda m, x, y: m.eq(x, y), [(3, 2), (3, 2)], grad=False),
    OpCase("ne", lambda m, x: x != 0.5, [(3, 2)], grad=False),
    OpCase("lt", lambda m, x, y: x < y, [(3, 2), (1, 2)], grad=False),
    OpCase("le", lambda m, x, y: x <= y, [(3, 2), (3, 2)], grad=False),
    OpCase("gt", lambda m, x: x > 0, [(3, 2)], grad=False),
    OpCase("ge", lambda m, x, y: m.ge(x, y), [(3, 2), (3, 2)], grad=False),
    OpCase(
        "logical_and", lambda m, x, y: m.logical_and(x > 0, y > 0), [(3, 2), (3, 2)], grad=False
    ),
    OpCase("logical_or", lambda m, x, y: m.logical_or(x > 0, y > 0), [(3, 2), (3, 2)], grad=False),
    OpCase(
        "logical_xor", lambda m, x, y: m.logical_xor(x > 0, y > 0), [(3, 2), (3, 2)], grad=False
    ),
    OpCase("logical_not", lambda m, x: m.logical_not(x > 0), [(3, 2)], grad=False),
    OpCase("invert_mask", lambda m, x: ~(x > 0), [(3, 2)], grad=False),
    OpCase("isnan", lambda m, x: m.isnan(m.log(x)), [(3, 2)], grad=False),
    OpCase("isinf", lambda m, x: m.isinf(1 / (x * 0)), [(3, 2)], grad=False),
    OpCase("isfinite", lambda m, x: m.isfinite(m.log(x)), [(3, 2)], grad=False),
    OpCase(
        "nan_to_num",
        lambda m, x: m.nan_to_num(m.log(x), nan=0.5, neginf=-3.0),
        [(3, 2)],
        grad=False,
    ),
    OpCase("nan_to_num_grad", lambda m, x: m.nan_to_num(x * 2), [(3, 2)]),
]


def _int_cases() -> list[OpCase]:
    # integer and mixed-dtype promotion: values and dtypes only
    def ints(r: np.random.Generator) -> list[np.ndarray]:
        return [r.integers(-5, 5, (3, 2)), r.integers(1, 5, (3, 2)).astype(np.int32)]

    return [
        OpCase("int_add", lambda m, i, j: i + j, [], consts=ints, grad=False, f32=False),
        OpCase("int_div_true", lambda m, i, j: i / j, [], consts=ints, grad=False, f32=False),
        OpCase("int_floordiv", lambda m, i, j: i // j, [], consts=ints, grad=False, f32=False),
        OpCase(
            "int_mul_float_scalar", lambda m, i, j: i * 1.5, [], consts=ints, grad=False, f32=False
        ),
        OpCase(
            "int_plus_float_tensor", lambda m, x, i, j: x + i, [(3, 2)], consts=ints, grad=False
        ),
        OpCase(
            "float_plus_0d_double",
            lambda m, x, i, j: x + m.tensor(2.0, dtype=m.float64),
            [(3, 2)],
            consts=ints,
            grad=False,
        ),
        OpCase("int_exp", lambda m, i, j: m.exp(j), [], consts=ints, grad=False, f32=False),
        OpCase(
            "bool_sum_int",
            lambda m, i, j: (i > 0) + (j > 2),
            [],
            consts=ints,
            grad=False,
            f32=False,
        ),
        OpCase(
            "bool_plus_int", lambda m, i, j: (i > 0) + 1, [], consts=ints, grad=False, f32=False
        ),
    ]


CASES += _int_cases()
