"""ndgrad.distributions against torch.distributions: values and gradients of log_prob, entropy,
cdf and the moments; shapes of draws; statistics of draws; KL pairs; argument validation."""

from __future__ import annotations

import numpy as np
import pytest

import ndgrad
from ndgrad import distributions as nd

torch = pytest.importorskip("torch")
td = torch.distributions

RNG = np.random.default_rng(0)


def _params(name):
    """Parameter arrays (float64) and a value array for each distribution, batch shape (2, 3)."""
    if name == "Normal":
        return {
            "loc": RNG.standard_normal((2, 3)),
            "scale": RNG.random((2, 3)) + 0.5,
        }, RNG.standard_normal((2, 3))
    if name == "Uniform":
        low = RNG.standard_normal((2, 3))
        return {"low": low, "high": low + RNG.random((2, 3)) + 0.5}, low + 0.25
    if name == "Bernoulli-probs":
        return {"probs": RNG.random((2, 3)) * 0.8 + 0.1}, (RNG.random((2, 3)) > 0.5).astype(float)
    if name == "Bernoulli-logits":
        return {"logits": RNG.standard_normal((2, 3))}, (RNG.random((2, 3)) > 0.5).astype(float)
    if name == "Categorical-probs":
        return {"probs": RNG.random((2, 3, 4)) + 0.1}, RNG.integers(0, 4, (2, 3)).astype(float)
    return {"logits": RNG.standard_normal((2, 3, 4))}, RNG.integers(0, 4, (2, 3)).astype(float)


NAMES = [
    "Normal",
    "Uniform",
    "Bernoulli-probs",
    "Bernoulli-logits",
    "Categorical-probs",
    "Categorical-logits",
]


def _build(lib, dist_module, name, params):
    tensors = {k: lib.tensor(v, requires_grad=True) for k, v in params.items()}
    return getattr(dist_module, name.split("-")[0])(**tensors), tensors


@pytest.mark.parametrize("name", NAMES)
def test_values_and_gradients_match_torch(name):
    params, value = _params(name)
    ours, ours_p = _build(ndgrad, nd, name, params)
    theirs, theirs_p = _build(torch, td, name, params)
    assert ours.batch_shape == tuple(theirs.batch_shape) and ours.event_shape == tuple(
        theirs.event_shape
    )
    v_ours, v_theirs = ndgrad.tensor(value), torch.tensor(value)
    if name.startswith("Categorical"):
        v_ours, v_theirs = v_ours.long(), v_theirs.long()
    pairs = [
        (ours.log_prob(v_ours), theirs.log_prob(v_theirs)),
        (ours.entropy(), theirs.entropy()),
        (ours.perplexity(), theirs.perplexity()),
    ]
    if not name.startswith("Categorical"):
        pairs += [
            (ours.mean, theirs.mean),
            (ours.variance, theirs.variance),
            (ours.stddev, theirs.stddev),
        ]
        pairs += [(ours.mode, theirs.mode)]
    if name in ("Normal", "Uniform"):
        pairs.append((ours.cdf(v_ours), theirs.cdf(v_theirs)))
    if name == "Uniform":
        pairs.append((ours.icdf(ndgrad.full((2, 3), 0.3)), theirs.icdf(torch.full((2, 3), 0.3))))
    if name.split("-")[0] in ("Bernoulli", "Categorical"):
        pairs += [(ours.probs, theirs.probs), (ours.logits, theirs.logits)]
    total_ours, total_theirs = 0, 0
    for a, b in pairs:
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-10, atol=1e-12)
        w = RNG.standard_normal(tuple(b.shape))
        if a.requires_grad:
            total_ours = total_ours + (a * ndgrad.tensor(w)).sum()
            total_theirs = total_theirs + (b * torch.tensor(w)).sum()
    total_ours.backward()
    total_theirs.backward()
    for key in params:
        np.testing.assert_allclose(
            ours_p[key].grad.numpy(), theirs_p[key].grad.numpy(), rtol=1e-9, err_msg=key
        )


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("sample_shape", [(), (5,), (2, 4)])
def test_sample_shapes_and_expand_match_torch(name, sample_shape):
    params, _ = _params(name)
    ours, _ = _build(ndgrad, nd, name, params)
    theirs, _ = _build(torch, td, name, params)
    a, b = ours.sample(sample_shape), theirs.sample(sample_shape)
    assert a.shape == tuple(b.shape) and not a.requires_grad
    assert (a.dtype == ndgrad.int64) == (b.dtype == torch.int64)
    if ours.has_rsample:
        assert ours.rsample(sample_shape).shape == tuple(theirs.rsample(sample_shape).shape)
    else:
        with pytest.raises(NotImplementedError):
            ours.rsample()
    big_ours, big_theirs = ours.expand((7, 2, 3)), theirs.expand((7, 2, 3))
    assert big_ours.batch_shape == tuple(big_theirs.batch_shape)
    assert big_ours.sample((2,)).shape == tuple(big_theirs.sample((2,)).shape)
    assert ours.log_prob(a).shape == tuple(theirs.log_prob(b).shape)


def test_draws_have_the_right_moments():
    ndgrad.manual_seed(0)
    n = 40_000
    normal = nd.Normal(ndgrad.tensor([1.0, -2.0]), ndgrad.tensor([0.5, 2.0]))
    x = normal.sample((n,)).numpy()
    np.testing.assert_allclose(x.mean(0), [1.0, -2.0], atol=0.05)
    np.testing.assert_allclose(x.std(0), [0.5, 2.0], rtol=0.03)
    u = nd.Uniform(ndgrad.tensor([0.0]), ndgrad.tensor([3.0])).sample((n,)).numpy()
    assert (
        u.min() >= 0 and u.max() < 3 and abs(u.mean() - 1.5) < 0.05 and abs(u.var() - 0.75) < 0.05
    )
    b = nd.Bernoulli(probs=ndgrad.tensor([0.2, 0.7])).sample((n,)).numpy()
    assert set(np.unique(b)) <= {0.0, 1.0}
    np.testing.assert_allclose(b.mean(0), [0.2, 0.7], atol=0.02)
    c = nd.Categorical(probs=ndgrad.tensor([0.1, 0.6, 0.3])).sample((n,)).numpy()
    np.testing.assert_allclose(np.bincount(c, minlength=3) / n, [0.1, 0.6, 0.3], atol=0.02)


def test_rsample_is_differentiable_reparameterisation():
    ndgrad.manual_seed(1)
    loc = ndgrad.tensor([0.5, -1.0], requires_grad=True)
    scale = ndgrad.tensor([1.0, 2.0], requires_grad=True)
    x = nd.Normal(loc, scale).rsample((100,))
    x.sum().backward()
    np.testing.assert_allclose(loc.grad.numpy(), [100.0, 100.0])
    eps = (x.detach() - loc.detach()) / scale.detach()
    np.testing.assert_allclose(scale.grad.numpy(), eps.sum(0).numpy(), rtol=1e-5)
    low = ndgrad.tensor(1.0, requires_grad=True)
    high = ndgrad.tensor(3.0, requires_grad=True)
    u = nd.Uniform(low, high).rsample((50,))
    u.sum().backward()
    frac = (u.detach() - 1.0) / 2.0
    assert low.grad.item() == pytest.approx(float((1 - frac).sum().item()), rel=1e-5)
    assert high.grad.item() == pytest.approx(float(frac.sum().item()), rel=1e-5)


KL_PAIRS = [
    ("Normal", "Normal"),
    ("Bernoulli-probs", "Bernoulli-logits"),
    ("Categorical-probs", "Categorical-logits"),
    ("Uniform", "Uniform"),
    ("Uniform", "Normal"),
]


@pytest.mark.parametrize("pair", KL_PAIRS)
def test_kl_divergence_matches_torch(pair):
    (p_params, _), (q_params, _) = _params(pair[0]), _params(pair[1])
    if pair == ("Uniform", "Uniform"):  # q's interval holds p's for some entries, not for others
        q_params = {
            "low": p_params["low"] - RNG.random((2, 3)) * 0.2 + 0.05,
            "high": p_params["high"] + 0.3,
        }
    p, p_t = _build(ndgrad, nd, pair[0], p_params)
    q, q_t = _build(ndgrad, nd, pair[1], q_params)
    tp, tp_t = _build(torch, td, pair[0], p_params)
    tq, tq_t = _build(torch, td, pair[1], q_params)
    ours, theirs = nd.kl_divergence(p, q), td.kl_divergence(tp, tq)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-10)
    finite = np.isfinite(theirs.detach().numpy())
    ours.masked_fill(ndgrad.tensor(~finite), 0.0).sum().backward()
    theirs.masked_fill(torch.tensor(~finite), 0.0).sum().backward()
    for mine, ref in ((p_t, tp_t), (q_t, tq_t)):
        for key in mine:
            if ref[key].grad is not None:
                np.testing.assert_allclose(
                    mine[key].grad.numpy(), ref[key].grad.numpy(), rtol=1e-9, atol=1e-12
                )
    with pytest.raises(NotImplementedError):
        nd.kl_divergence(nd.Normal(0.0, 1.0), nd.Bernoulli(0.3))


def test_validation_errors_as_pytorch():
    cases = [
        (
            lambda lib, m: m.Normal(lib.tensor([0.0, 1.0]), lib.tensor([1.0, -1.0])),
            "GreaterThan(lower_bound=0.0)",
        ),
        (
            lambda lib, m: m.Bernoulli(probs=lib.tensor([0.5, 1.5])),
            "Interval(lower_bound=0.0, upper_bound=1.0)",
        ),
        (
            lambda lib, m: m.Bernoulli(probs=0.3, logits=0.1),
            "Either `probs` or `logits` must be specified",
        ),
        (lambda lib, m: m.Uniform(1.0, 0.0), "LessThan(upper_bound=0.0)"),
        (lambda lib, m: m.Categorical(lib.tensor([0.5, -0.1])), "Simplex()"),
        (lambda lib, m: m.Normal(0.0, 1.0).log_prob(lib.tensor(float("nan"))), "support (Real())"),
        (lambda lib, m: m.Bernoulli(0.3).log_prob(lib.tensor(0.5)), "support (Boolean())"),
        (
            lambda lib, m: m.Uniform(0.0, 1.0).log_prob(lib.tensor(2.0)),
            "Interval(lower_bound=0.0, upper_bound=1.0)",
        ),
        (
            lambda lib, m: m.Categorical(lib.tensor([0.5, 0.5])).log_prob(lib.tensor(3)),
            "IntegerInterval(lower_bound=0, upper_bound=1)",
        ),
    ]
    for make, fragment in cases:
        for lib, module in ((torch, td), (ndgrad, nd)):
            with pytest.raises(ValueError) as info:
                make(lib, module)
            assert fragment in str(info.value), (lib.__name__, str(info.value))
    # validate_args=False lets them through, as in PyTorch
    assert nd.Normal(0.0, -1.0, validate_args=False).scale.item() == -1.0
    assert repr(nd.Normal(0.0, 1.0)) == repr(td.Normal(0.0, 1.0))
