"""Op-table rows for the activation family (ndgrad/ops/activation.py), called through
nn.functional."""

from __future__ import annotations

import numpy as np

from tests.optable import F, OpCase

WIDE = dict(low=-4.0, high=4.0)


def _away_from(points: list[float], low: float = -3.0, high: float = 3.0, gap: float = 0.05):  # type: ignore[no-untyped-def]
    """Inputs uniform on [low, high] but never within ``gap`` of a kink (finite differences need
    it)."""

    def make(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
        x = rng.uniform(low, high, size=shape)
        for p in points:
            near = np.abs(x - p) < gap
            x = np.where(near, p + np.sign(x - p + 1e-12) * gap * 2, x)
        return x

    return make


KINK0 = _away_from([0.0])

CASES = [
    OpCase("F.relu", lambda m, x: F(m).relu(x), [(3, 4)], gradgrad=False, make=KINK0),
    OpCase("F.relu_0d", lambda m, x: F(m).relu(x), [()], gradgrad=False, make=KINK0),
    OpCase("F.relu_empty", lambda m, x: F(m).relu(x), [(0, 3)], gradgrad=False),
    OpCase(
        "F.relu_inplace",
        lambda m, x: F(m).relu(x * 1.0, inplace=True),
        [(3, 4)],
        gradgrad=False,
        make=KINK0,
    ),
    OpCase(
        "F.relu6",
        lambda m, x: F(m).relu6(x * 4),
        [(3, 4)],
        gradgrad=False,
        make=_away_from([0.0, 1.5]),
    ),
    OpCase("F.leaky_relu", lambda m, x: F(m).leaky_relu(x), [(3, 4)], make=KINK0),
    OpCase("F.leaky_relu_slope", lambda m, x: F(m).leaky_relu(x, 0.2), [(2, 3, 2)], make=KINK0),
    OpCase(
        "F.leaky_relu_inplace",
        lambda m, x: F(m).leaky_relu(x * 1.0, 0.3, inplace=True),
        [(3, 2)],
        make=KINK0,
    ),
    OpCase("F.leaky_relu_", lambda m, x: F(m).leaky_relu_(x * 1.0, 0.3), [(3, 2)], make=KINK0),
    OpCase("F.elu", lambda m, x: F(m).elu(x), [(3, 4)], make=KINK0),
    OpCase("F.elu_alpha", lambda m, x: F(m).elu(x, alpha=0.5), [(3, 4)], make=KINK0),
    OpCase(
        "F.elu_large", lambda m, x: F(m).elu(x), [(6,)], low=-800, high=800, fd=False, f32=False
    ),
    OpCase("F.elu_", lambda m, x: F(m).elu_(x * 1.0, 2.0), [(4,)], make=KINK0),
    OpCase("F.selu", lambda m, x: F(m).selu(x), [(3, 4)], make=KINK0),
    OpCase("F.selu_inplace", lambda m, x: F(m).selu(x * 1.0, inplace=True), [(3,)], make=KINK0),
    OpCase("F.celu", lambda m, x: F(m).celu(x, alpha=0.7), [(3, 4)], make=KINK0),
    OpCase("F.celu_", lambda m, x: F(m).celu_(x * 1.0), [(3, 4)], make=KINK0),
    OpCase("F.gelu", lambda m, x: F(m).gelu(x), [(3, 4)], **WIDE),
    OpCase("F.gelu_0d", lambda m, x: F(m).gelu(x), [()]),
    OpCase("F.gelu_tanh", lambda m, x: F(m).gelu(x, approximate="tanh"), [(3, 4)], **WIDE),
    OpCase("F.silu", lambda m, x: F(m).silu(x), [(3, 4)], **WIDE),
    OpCase("F.silu_extreme", lambda m, x: F(m).silu(x), [(8,)], low=-100, high=100, fd=False),
    OpCase("F.silu_inplace", lambda m, x: F(m).silu(x * 1.0, inplace=True), [(3,)]),
    OpCase("F.mish", lambda m, x: F(m).mish(x), [(3, 4)], **WIDE),
    OpCase("F.softplus", lambda m, x: F(m).softplus(x), [(3, 4)], **WIDE),
    OpCase(
        "F.softplus_beta",
        lambda m, x: F(m).softplus(x, beta=2.0, threshold=3.0),
        [(3, 4)],
        make=_away_from([1.5]),
    ),
    OpCase(
        "F.softplus_extreme", lambda m, x: F(m).softplus(x), [(8,)], low=-100, high=100, fd=False
    ),
    OpCase("F.softsign", lambda m, x: F(m).softsign(x), [(3, 4)], make=KINK0),
    OpCase(
        "F.hardtanh",
        lambda m, x: F(m).hardtanh(x),
        [(3, 4)],
        gradgrad=False,
        make=_away_from([-1.0, 1.0]),
    ),
    OpCase(
        "F.hardtanh_range",
        lambda m, x: F(m).hardtanh(x, -0.5, 2.0),
        [(3, 4)],
        gradgrad=False,
        make=_away_from([-0.5, 2.0]),
    ),
    OpCase(
        "F.hardtanh_",
        lambda m, x: F(m).hardtanh_(x * 1.0),
        [(3, 4)],
        gradgrad=False,
        make=_away_from([-1.0, 1.0]),
    ),
    OpCase(
        "F.hardsigmoid",
        lambda m, x: F(m).hardsigmoid(x * 2),
        [(3, 4)],
        gradgrad=False,
        make=_away_from([-1.5, 1.5]),
    ),
    OpCase(
        "F.hardswish", lambda m, x: F(m).hardswish(x * 2), [(3, 4)], make=_away_from([-1.5, 1.5])
    ),
    OpCase("F.logsigmoid", lambda m, x: F(m).logsigmoid(x), [(3, 4)], **WIDE),
    OpCase(
        "F.logsigmoid_extreme",
        lambda m, x: F(m).logsigmoid(x),
        [(8,)],
        low=-100,
        high=100,
        fd=False,
    ),
    OpCase("F.tanh", lambda m, x: F(m).tanh(x), [(3, 4)]),
    OpCase("F.sigmoid", lambda m, x: F(m).sigmoid(x), [(3, 4)]),
    OpCase("F.glu", lambda m, x: F(m).glu(x), [(3, 4)]),
    OpCase("F.glu_dim0", lambda m, x: F(m).glu(x, 0), [(4, 3)]),
    OpCase("F.glu_mid", lambda m, x: F(m).glu(x, dim=-2), [(2, 6, 3)]),
    OpCase("F.prelu", lambda m, x, w: F(m).prelu(x, w), [(2, 3, 4), (3,)], make=KINK0),
    OpCase("F.prelu_single", lambda m, x, w: F(m).prelu(x, w), [(2, 3), (1,)], make=KINK0),
    OpCase("F.prelu_1d", lambda m, x, w: F(m).prelu(x, w), [(5,), (1,)], make=KINK0),
    OpCase("F.softmin", lambda m, x: F(m).softmin(x, dim=1), [(3, 4)]),
    OpCase("F.softmin_neg", lambda m, x: F(m).softmin(x, dim=-2), [(2, 3, 2)]),
    OpCase(
        "F.threshold",
        lambda m, x: F(m).threshold(x, 0.5, -2.0),
        [(3, 4)],
        gradgrad=False,
        make=_away_from([0.5]),
    ),
    OpCase(
        "F.threshold_",
        lambda m, x: F(m).threshold_(x * 1.0, 0.5, -2.0),
        [(3, 4)],
        gradgrad=False,
        make=_away_from([0.5]),
    ),
    OpCase("F.tanhshrink", lambda m, x: F(m).tanhshrink(x), [(3, 4)]),
    OpCase(
        "F.softshrink",
        lambda m, x: F(m).softshrink(x),
        [(3, 4)],
        gradgrad=False,
        make=_away_from([-0.5, 0.5]),
    ),
    OpCase(
        "F.softshrink_l",
        lambda m, x: F(m).softshrink(x, 1.0),
        [(3, 4)],
        gradgrad=False,
        make=_away_from([-1.0, 1.0]),
    ),
    OpCase(
        "F.hardshrink",
        lambda m, x: F(m).hardshrink(x),
        [(3, 4)],
        gradgrad=False,
        make=_away_from([-0.5, 0.5]),
    ),
    OpCase("F.rrelu_eval", lambda m, x: F(m).rrelu(x), [(3, 4)], make=KINK0),
    OpCase(
        "F.rrelu_eval_range",
        lambda m, x: F(m).rrelu(x, 0.1, 0.5, training=False),
        [(3, 4)],
        make=KINK0,
    ),
    OpCase("F.rrelu_", lambda m, x: F(m).rrelu_(x * 1.0), [(3, 4)], make=KINK0),
]
