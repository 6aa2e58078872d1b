"""Optimizers against PyTorch: parameter trajectories, state_dict resume, hyperparameter errors."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

import ndgrad
from ndgrad import optim

# (name, constructor kwargs for group 0, overrides for group 1)
CASES = [
    ("SGD", dict(lr=0.1), dict(lr=0.05, weight_decay=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9), dict(momentum=0.5, dampening=0.3, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.02), dict(lr=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.8, maximize=True), dict(weight_decay=0.1)),
    ("Adam", dict(lr=0.01), dict(lr=0.02, weight_decay=0.1, betas=(0.8, 0.99))),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.05), dict(eps=1e-3)),
    ("Adam", dict(lr=0.01, maximize=True), dict(amsgrad=True)),
    ("Adam", dict(lr=0.01, decoupled_weight_decay=True, weight_decay=0.1), dict(lr=0.03)),
    ("AdamW", dict(lr=0.01), dict(lr=0.02, weight_decay=0.3)),
    ("AdamW", dict(lr=0.01, amsgrad=True, maximize=True), dict(weight_decay=0.0)),
    ("Adamax", dict(lr=0.01), dict(lr=0.02, weight_decay=0.1, betas=(0.8, 0.9))),
    ("Adamax", dict(lr=0.01, maximize=True), dict(eps=1e-2)),
    ("NAdam", dict(lr=0.01), dict(lr=0.02, weight_decay=0.1, momentum_decay=1e-2)),
    ("NAdam", dict(lr=0.01, decoupled_weight_decay=True, weight_decay=0.1), dict(maximize=True)),
    ("RAdam", dict(lr=0.01), dict(lr=0.02, weight_decay=0.1)),
    ("RAdam", dict(lr=0.01, decoupled_weight_decay=True, weight_decay=0.1), dict(betas=(0.5, 0.6))),
    ("RMSprop", dict(lr=0.01), dict(lr=0.02, weight_decay=0.1, alpha=0.9)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.9), dict(centered=False, momentum=0.0)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, maximize=True), dict(centered=True, eps=1e-3)),
    ("Adagrad", dict(lr=0.1), dict(lr=0.05, weight_decay=0.1, lr_decay=0.01)),
    ("Adagrad", dict(lr=0.1, initial_accumulator_value=0.5, maximize=True), dict(eps=1e-3)),
    ("Adadelta", dict(lr=1.0), dict(lr=0.5, weight_decay=0.1, rho=0.8)),
    ("Adadelta", dict(lr=1.0, maximize=True), dict(eps=1e-3)),
]

RNG = np.random.default_rng(0)
W1, B1 = RNG.standard_normal((4, 3)), RNG.standard_normal(4)
W2, B2 = RNG.standard_normal((2, 4)), RNG.standard_normal(2)
X, Y = RNG.standard_normal((8, 3)), RNG.standard_normal((8, 2))


def _model(lib):
    """Two layers as raw parameters; the loss is a deterministic function of them."""
    params = [lib.tensor(a.copy(), requires_grad=True, dtype=lib.float64) for a in (W1, B1, W2, B2)]
    x, y = lib.tensor(X), lib.tensor(Y)

    def loss_fn():
        w1, b1, w2, b2 = params
        h = (x @ w1.T + b1).tanh()
        return ((h @ w2.T + b2 - y) ** 2).mean()

    return params, loss_fn


def _groups(params, kw0, kw1):
    return [{"params": params[:2]}, {"params": params[2:], **kw1}], kw0


def _run(lib, name, kw0, kw1, steps, opt=None, params_loss=None):
    params, loss_fn = params_loss or _model(lib)
    if opt is None:
        groups, kw = _groups(params, kw0, kw1)
        opt = getattr(lib.optim, name)(groups, **kw)
    traj = []
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        opt.step()
        traj.append([p.detach().numpy().copy() for p in params])
    return traj, opt, (params, loss_fn)


@pytest.mark.parametrize("name,kw0,kw1", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_trajectory_matches_torch(name, kw0, kw1):
    ours, _, _ = _run(ndgrad, name, kw0, kw1, 25)
    ref, _, _ = _run(torch, name, kw0, kw1, 25)
    for step, (a, b) in enumerate(zip(ours, ref)):
        for pa, pb in zip(a, b):
            np.testing.assert_allclose(pa, pb, rtol=1e-6, atol=1e-9, err_msg=f"{name} step {step}")


@pytest.mark.parametrize(
    "name,kw0,kw1", CASES[::2], ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES[::2])]
)
def test_state_dict_resume_is_identical(name, kw0, kw1):
    full, _, _ = _run(ndgrad, name, kw0, kw1, 12)
    _, opt, (params, _) = _run(ndgrad, name, kw0, kw1, 6)
    saved_params = [p.detach().numpy().copy() for p in params]
    sd = copy.deepcopy(opt.state_dict())
    # a fresh model and optimizer, loaded from the saved state, continue the same trajectory
    params2, loss_fn2 = _model(ndgrad)
    for p, a in zip(params2, saved_params):
        p.array[...] = a
    groups, kw = _groups(params2, kw0, kw1)
    opt2 = getattr(optim, name)(groups, **kw)
    opt2.load_state_dict(sd)
    rest, _, _ = _run(ndgrad, name, kw0, kw1, 6, opt=opt2, params_loss=(params2, loss_fn2))
    for a, b in zip(full[6:], rest):
        for pa, pb in zip(a, b):
            np.testing.assert_array_equal(pa, pb)


def test_state_dict_format_matches_torch():
    params, loss_fn = _model(ndgrad)
    tparams, tloss_fn = _model(torch)
    opt = optim.Adam([{"params": params[:2]}, {"params": params[2:], "lr": 0.1}], lr=0.01)
    topt = torch.optim.Adam([{"params": tparams[:2]}, {"params": tparams[2:], "lr": 0.1}], lr=0.01)
    for o, f in ((opt, loss_fn), (topt, tloss_fn)):
        f().backward()
        o.step()
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert sorted(sd["state"]) == sorted(tsd["state"]) == [0, 1, 2, 3]
    assert [g["params"] for g in sd["param_groups"]] == [g["params"] for g in tsd["param_groups"]]
    assert set(sd["state"][0]) == set(tsd["state"][0])
    assert sd["state"][0]["step"] == int(tsd["state"][0]["step"])
    np.testing.assert_allclose(
        sd["state"][3]["exp_avg"].numpy(), tsd["state"][3]["exp_avg"].numpy()
    )
    for g, tg in zip(sd["param_groups"], tsd["param_groups"]):
        for k in ("lr", "betas", "eps", "weight_decay", "amsgrad", "maximize"):
            assert g[k] == tg[k]


def test_load_state_dict_errors():
    params, _ = _model(ndgrad)
    opt = optim.SGD([{"params": params[:2]}, {"params": params[2:]}], lr=0.1)
    other = optim.SGD(params, lr=0.1)
    with pytest.raises(ValueError, match="different number of parameter groups"):
        other.load_state_dict(opt.state_dict())
    other2 = optim.SGD([{"params": params[:1]}, {"params": params[1:]}], lr=0.1)
    with pytest.raises(ValueError, match="doesn't match the size"):
        other2.load_state_dict(opt.state_dict())


def test_load_state_dict_keeps_params_and_loads_options():
    params, _ = _model(ndgrad)
    opt = optim.SGD(params, lr=0.1, momentum=0.9)
    sd = opt.state_dict()
    sd["param_groups"][0]["lr"] = 0.5
    opt2 = optim.SGD(params, lr=0.1, momentum=0.9)
    opt2.load_state_dict(sd)
    assert opt2.param_groups[0]["lr"] == 0.5
    assert opt2.param_groups[0]["params"][0] is params[0]
    assert sd["param_groups"][0]["params"] == [0, 1, 2, 3]


def test_step_returns_closure_loss_and_lbfgs_style_closure():
    params, loss_fn = _model(ndgrad)
    opt = optim.SGD(params, lr=0.1)

    def closure():
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        return loss

    with ndgrad.no_grad():
        loss = opt.step(closure)  # the closure runs with grad enabled even under no_grad
    assert isinstance(loss, ndgrad.Tensor) and loss.ndim == 0
    assert opt.step() is None


def test_zero_grad():
    params, loss_fn = _model(ndgrad)
    opt = optim.SGD(params, lr=0.1)
    loss_fn().backward()
    g = params[0].grad
    opt.zero_grad(set_to_none=False)
    assert params[0].grad is g and not params[0].grad.numpy().any()
    opt.zero_grad()
    assert all(p.grad is None for p in params)


def test_params_and_groups():
    params, _ = _model(ndgrad)
    opt = optim.SGD(params[:2], lr=0.1)
    assert opt.defaults["lr"] == 0.1 and len(opt.param_groups) == 1
    opt.add_param_group({"params": params[2], "momentum": 0.9})
    assert opt.param_groups[1]["params"] == [params[2]] and opt.param_groups[1]["lr"] == 0.1
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [params[0]]})
    with pytest.raises(TypeError, match="iterable of Tensors or dicts"):
        optim.SGD(params[0], lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD([{"params": {params[0]}}], lr=0.1)
    with pytest.raises(TypeError, match="can only optimize Tensors"):
        optim.SGD([1.0], lr=0.1)
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([params[0] * 2], lr=0.1)
    r = repr(opt)
    assert r.startswith("SGD (\nParameter Group 0\n") and "    lr: 0.1" in r and r.endswith(")")


def test_lr_as_tensor_and_version_bump():
    params, loss_fn = _model(ndgrad)
    tparams, tloss_fn = _model(torch)
    opt = optim.Adam(params, lr=ndgrad.tensor(0.01))
    topt = torch.optim.Adam(tparams, lr=torch.tensor(0.01))
    v = params[0]._version
    for o, f in ((opt, loss_fn), (topt, tloss_fn)):
        f().backward()
        o.step()
    assert params[0]._version > v
    np.testing.assert_allclose(params[0].detach().numpy(), tparams[0].detach().numpy(), rtol=1e-6)


def test_float32_params_stay_float32():
    p = ndgrad.tensor([1.0, -2.0], requires_grad=True)
    for cls in (optim.SGD, optim.Adam, optim.RMSprop, optim.Adagrad, optim.Adadelta, optim.NAdam):
        opt = cls([p], lr=0.01)
        (p * p).sum().backward()
        opt.step()
        opt.zero_grad()
        assert p.dtype == ndgrad.float32


@pytest.mark.parametrize(
    "cls,kwargs,message",
    [
        (optim.SGD, dict(lr=-1), "Invalid learning rate: -1"),
        (optim.SGD, dict(lr=0.1, momentum=-0.5), "Invalid momentum value: -0.5"),
        (optim.SGD, dict(lr=0.1, weight_decay=-1), "Invalid weight_decay value: -1"),
        (optim.SGD, dict(lr=0.1, nesterov=True), "Nesterov momentum requires"),
        (
            optim.SGD,
            dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
            "Nesterov momentum requires",
        ),
        (optim.Adam, dict(lr=-0.1), "Invalid learning rate: -0.1"),
        (optim.Adam, dict(eps=-1e-8), "Invalid epsilon value: -1e-08"),
        (optim.Adam, dict(betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
        (optim.AdamW, dict(betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
        (optim.AdamW, dict(weight_decay=-0.1), "Invalid weight_decay value: -0.1"),
        (optim.Adamax, dict(lr=-1.0), "Invalid learning rate"),
        (optim.NAdam, dict(momentum_decay=-1.0), "Invalid momentum_decay value: -1.0"),
        (optim.RAdam, dict(betas=(0.9, 1.5)), "Invalid beta parameter at index 1"),
        (optim.RMSprop, dict(alpha=-0.1), "Invalid alpha value: -0.1"),
        (optim.RMSprop, dict(momentum=-0.1), "Invalid momentum value"),
        (optim.Adagrad, dict(lr_decay=-1), "Invalid lr_decay value: -1"),
        (
            optim.Adagrad,
            dict(initial_accumulator_value=-1),
            "Invalid initial_accumulator_value value",
        ),
        (optim.Adadelta, dict(rho=1.5), "Invalid rho value: 1.5"),
    ],
)
def test_hyperparameter_errors(cls, kwargs, message):
    p = ndgrad.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        cls([p], **kwargs)
    tcls = getattr(torch.optim, cls.__name__)
    with pytest.raises(ValueError):
        tcls([torch.tensor([1.0], requires_grad=True)], **kwargs)


def test_with_nn_linear_if_available():
    nn = ndgrad.nn
    if not hasattr(nn, "Linear"):
        pytest.skip("ndgrad.nn.Linear not available yet")
    model = nn.Linear(3, 2)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x = ndgrad.tensor(X, dtype=ndgrad.float32)
    before = model(x).detach().numpy().copy()
    for _ in range(3):
        opt.zero_grad()
        (model(x) ** 2).mean().backward()
        opt.step()
    assert not np.allclose(before, model(x).detach().numpy())


@pytest.mark.parametrize(
    "kwargs",
    [dict(), dict(line_search_fn="strong_wolfe"), dict(lr=0.5, history_size=3, max_iter=7)],
    ids=["plain", "strong_wolfe", "short-history"],
)
def test_lbfgs_matches_torch(kwargs):
    trajs = []
    for lib in (ndgrad, torch):
        params, loss_fn = _model(lib)
        opt = lib.optim.LBFGS(params, **kwargs)

        def closure(opt=opt, loss_fn=loss_fn):
            opt.zero_grad()
            loss = loss_fn()
            loss.backward()
            return loss

        traj = []
        for _ in range(4):
            loss = opt.step(closure)
            traj.append([float(loss)] + [p.detach().numpy().copy() for p in params])
        trajs.append((traj, opt.state[params[0]]["func_evals"], opt.state[params[0]]["n_iter"]))
    (ours, evals, iters), (ref, tevals, titers) = trajs
    assert (evals, iters) == (tevals, titers)
    for a, b in zip(ours, ref):
        np.testing.assert_allclose(a[0], b[0], rtol=1e-6)
        for pa, pb in zip(a[1:], b[1:]):
            np.testing.assert_allclose(pa, pb, rtol=1e-6, atol=1e-9)


def test_lbfgs_state_dict_resume_and_errors():
    def run(opt, loss_fn, n):
        def closure():
            opt.zero_grad()
            loss = loss_fn()
            loss.backward()
            return loss

        for _ in range(n):
            opt.step(closure)

    params, loss_fn = _model(ndgrad)
    run(optim.LBFGS(params, max_iter=3), loss_fn, 4)
    params_a, loss_a = _model(ndgrad)
    opt_a = optim.LBFGS(params_a, max_iter=3)
    run(opt_a, loss_a, 2)
    sd = copy.deepcopy(opt_a.state_dict())
    params_b, loss_b = _model(ndgrad)
    for p, q in zip(params_b, params_a):
        p.array[...] = q.array
    opt_b = optim.LBFGS(params_b, max_iter=3)
    opt_b.load_state_dict(sd)
    run(opt_b, loss_b, 2)
    for p, q in zip(params, params_b):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
    with pytest.raises(ValueError, match="per-parameter options"):
        optim.LBFGS([{"params": params[:1]}, {"params": params[1:]}])
    with pytest.raises(ValueError, match="Invalid learning rate"):
        optim.LBFGS(params, lr=-1)
    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        opt = optim.LBFGS(params, line_search_fn="backtracking")
        run(opt, loss_fn, 1)


def test_added_param_group_is_optimized():
    params, loss_fn = _model(ndgrad)
    tparams, tloss_fn = _model(torch)
    for name in ("Adagrad", "Adam", "SGD"):
        ours = getattr(optim, name)(params[:2], lr=0.1)
        ours.add_param_group({"params": params[2:], "lr": 0.05})
        ref = getattr(torch.optim, name)(tparams[:2], lr=0.1)
        ref.add_param_group({"params": tparams[2:], "lr": 0.05})
        for o, f in ((ours, loss_fn), (ref, tloss_fn)):
            for _ in range(3):
                o.zero_grad()
                f().backward()
                o.step()
        for p, q in zip(params, tparams):
            np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-6)
