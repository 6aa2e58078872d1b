"""nn.Module API: registration, iteration order, modes, hooks, state dicts, repr, copies;
nn.utils."""

from __future__ import annotations

import copy
import math
import pickle
from collections import OrderedDict

import numpy as np
import pytest
import torch

import ndgrad
from ndgrad import nn


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(3, 4)
        self.act = nn.ReLU()
        self.block = nn.Sequential(nn.Linear(4, 4), nn.Tanh())
        self.register_buffer("steps", ndgrad.zeros(1))
        self.register_buffer("scratch", ndgrad.zeros(2), persistent=False)
        self.scale = nn.Parameter(ndgrad.ones(1))

    def forward(self, x):
        return self.block(self.act(self.fc1(x))) * self.scale


class TorchNet(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = torch.nn.Linear(3, 4)
        self.act = torch.nn.ReLU()
        self.block = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Tanh())
        self.register_buffer("steps", torch.zeros(1))
        self.register_buffer("scratch", torch.zeros(2), persistent=False)
        self.scale = torch.nn.Parameter(torch.ones(1))


def test_registration_and_names_match_torch():
    net, tnet = Net(), TorchNet()
    assert [n for n, _ in net.named_parameters()] == [n for n, _ in tnet.named_parameters()]
    assert [n for n, _ in net.named_buffers()] == [n for n, _ in tnet.named_buffers()]
    assert [n for n, _ in net.named_modules()] == [n for n, _ in tnet.named_modules()]
    assert [n for n, _ in net.named_children()] == [n for n, _ in tnet.named_children()]
    assert list(net.state_dict()) == list(tnet.state_dict())
    assert "scratch" not in net.state_dict()
    assert isinstance(net.fc1.weight, nn.Parameter)
    assert net._parameters["scale"] is net.scale and "scale" not in net.__dict__
    assert [n for n, _ in net.named_parameters(prefix="m", recurse=False)] == ["m.scale"]
    assert set(dir(net)) >= {"fc1", "steps", "scale", "forward"}


def test_shared_parameters_counted_once():
    lin = nn.Linear(2, 2)
    seq = nn.Sequential(lin, nn.ReLU(), lin)
    assert len(list(seq.parameters())) == 2
    assert len(list(seq.modules())) == 3
    assert [n for n, _ in seq.named_parameters(remove_duplicate=False)] == [
        "0.weight",
        "0.bias",
        "2.weight",
        "2.bias",
    ]
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_setattr_rules_and_delattr():
    m = nn.Module()
    m.w = nn.Parameter(ndgrad.zeros(2))
    with pytest.raises(TypeError):
        m.w = ndgrad.zeros(2)  # a plain tensor cannot replace a parameter
    m.w = None
    assert "w" in m._parameters and m.w is None
    m.sub = nn.Linear(1, 1)
    with pytest.raises(TypeError):
        m.sub = 3
    m.buf = nn.Buffer(ndgrad.ones(3), persistent=False)
    assert "buf" in m._buffers and "buf" in m._non_persistent_buffers
    m.buf = ndgrad.zeros(3)
    assert m._buffers["buf"].shape == (3,)
    del m.sub
    assert "sub" not in m._modules
    with pytest.raises(AttributeError):
        m.sub  # noqa: B018
    with pytest.raises(KeyError):
        m.register_buffer("a.b", ndgrad.zeros(1))

    class Early(nn.Module):
        def __init__(self):
            self.p = nn.Parameter(ndgrad.zeros(1))

    with pytest.raises(AttributeError):
        Early()


def test_get_submodule_parameter_apply():
    net = Net()
    assert net.get_submodule("block.0") is net.block[0]
    assert net.get_parameter("block.0.bias") is net.block[0].bias
    assert net.get_buffer("steps") is net.steps
    with pytest.raises(AttributeError):
        net.get_submodule("block.7")
    seen = []
    net.apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "ReLU", "Linear", "Tanh", "Sequential", "Net"]


def test_train_eval_requires_grad_zero_grad():
    net = Net()
    net.eval()
    assert all(not m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    with pytest.raises(ValueError):
        net.train("yes")
    out = net(ndgrad.randn(2, 3)).sum()
    out.backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(float(p.grad.abs().sum()) == 0 for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())


def test_to_keeps_parameter_objects():
    net = Net()
    params = list(net.parameters())
    net.double()
    assert [id(p) for p in net.parameters()] == [id(p) for p in params]
    assert all(p.dtype == ndgrad.float64 for p in net.parameters())
    assert net.steps.dtype == ndgrad.float64
    net.to(ndgrad.float32)
    assert net.fc1.weight.dtype == ndgrad.float32
    net.to("cpu")
    bn = nn.BatchNorm1d(3).double()
    assert bn.num_batches_tracked.dtype == ndgrad.int64  # only floats change dtype


def test_state_dict_round_trip_and_sharing():
    net = Net()
    sd = net.state_dict()
    assert isinstance(sd, OrderedDict)
    assert not sd["fc1.weight"].requires_grad
    assert sd["fc1.weight"].array is net.fc1.weight.array  # shares memory
    assert net.state_dict(keep_vars=True)["fc1.weight"] is net.fc1.weight
    assert list(net.state_dict(prefix="x."))[:2] == ["x.scale", "x.steps"]
    other = Net()
    w = other.fc1.weight
    result = other.load_state_dict(sd)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert other.fc1.weight is w
    np.testing.assert_array_equal(other.fc1.weight.array, net.fc1.weight.array)


def test_load_state_dict_strict_errors():
    net = Net()
    sd = dict(net.state_dict())
    del sd["fc1.bias"]
    sd["extra"] = ndgrad.zeros(1)
    with pytest.raises(RuntimeError) as e:
        net.load_state_dict(sd)
    msg = str(e.value)
    assert 'Missing key(s) in state_dict: "fc1.bias"' in msg
    assert 'Unexpected key(s) in state_dict: "extra"' in msg
    res = net.load_state_dict(sd, strict=False)
    assert res.missing_keys == ["fc1.bias"] and res.unexpected_keys == ["extra"]
    sd = dict(net.state_dict())
    sd["fc1.weight"] = ndgrad.zeros(5, 3)
    with pytest.raises(
        RuntimeError,
        match=r"size mismatch for fc1.weight: copying a param with shape "
        r"torch.Size\(\[5, 3\]\) from checkpoint, the shape in current model is "
        r"torch.Size\(\[4, 3\]\)",
    ):
        net.load_state_dict(sd)


def test_state_dict_moves_from_torch_and_back():
    tnet = TorchNet()
    net = Net()
    net.load_state_dict({k: v.detach().numpy() for k, v in tnet.state_dict().items()})
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), tnet.state_dict()[k].numpy())
    tnet.load_state_dict(
        {k: torch.from_numpy(v.numpy().copy()) for k, v in net.state_dict().items()}
    )


def test_hooks():
    lin = nn.Linear(2, 2)
    calls = []
    h1 = lin.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    h2 = lin.register_forward_hook(lambda m, args, out: calls.append(out.shape) or out + 1)
    y = lin(ndgrad.ones(1, 2))
    np.testing.assert_allclose(y.detach().numpy(), lin.bias.detach().numpy()[None] + 1)
    assert calls == [(1, 2)]
    h1.remove()
    h2.remove()
    y = lin(ndgrad.ones(1, 2))
    assert len(calls) == 1
    order = []
    lin.register_forward_hook(lambda m, a, o: order.append(1))
    lin.register_forward_hook(lambda m, a, o: order.append(0), prepend=True)
    lin(ndgrad.ones(1, 2))
    assert order == [0, 1]


def test_repr_matches_torch():
    torch_model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3, padding=1),
        torch.nn.BatchNorm2d(4),
        torch.nn.ReLU(inplace=True),
        torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Dropout(0.25),
        torch.nn.ModuleList([torch.nn.Linear(4, 4) for _ in range(3)]),
        torch.nn.LSTM(4, 8, num_layers=2, batch_first=True),
        torch.nn.LayerNorm(8),
        torch.nn.Embedding(10, 3, padding_idx=0),
        torch.nn.GELU(),
        torch.nn.LeakyReLU(0.2),
    )
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1),
        nn.BatchNorm2d(4),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Dropout(0.25),
        nn.ModuleList([nn.Linear(4, 4) for _ in range(3)]),
        nn.LSTM(4, 8, num_layers=2, batch_first=True),
        nn.LayerNorm(8),
        nn.Embedding(10, 3, padding_idx=0),
        nn.GELU(),
        nn.LeakyReLU(0.2),
    )
    assert repr(model) == repr(torch_model)
    assert repr(nn.TransformerEncoderLayer(4, 2, 8)) == repr(
        torch.nn.TransformerEncoderLayer(4, 2, 8)
    )
    p = nn.Parameter(ndgrad.tensor([1.0, 2.0]))
    assert repr(p) == "Parameter containing:\ntensor([1., 2.], requires_grad=True)"


def test_containers():
    seq = nn.Sequential(
        OrderedDict([("a", nn.Linear(2, 3)), ("b", nn.ReLU()), ("c", nn.Linear(3, 1))])
    )
    assert list(seq.state_dict()) == ["a.weight", "a.bias", "c.weight", "c.bias"]
    assert isinstance(seq[1], nn.ReLU) and isinstance(seq[-1], nn.Linear)
    sub = seq[1:]
    assert isinstance(sub, nn.Sequential) and len(sub) == 2 and list(sub._modules) == ["b", "c"]
    seq2 = nn.Sequential(nn.Linear(2, 2))
    seq2.append(nn.ReLU())
    assert len(seq2) == 2 and [type(m).__name__ for m in seq2] == ["Linear", "ReLU"]
    ml = nn.ModuleList([nn.Linear(1, 1)])
    ml.append(nn.Linear(1, 2))
    ml.extend([nn.ReLU()])
    assert len(ml) == 3 and list(ml.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]
    md = nn.ModuleDict({"x": nn.Linear(1, 1), "y": nn.ReLU()})
    assert list(md.keys()) == ["x", "y"] and "x" in md and isinstance(md["y"], nn.ReLU)
    pl = nn.ParameterList([ndgrad.zeros(2), nn.Parameter(ndgrad.ones(3))])
    assert isinstance(pl[0], nn.Parameter) and len(list(pl.parameters())) == 2
    assert list(pl.state_dict()) == ["0", "1"]
    pd = nn.ParameterDict({"a": ndgrad.zeros(1)})
    pd["b"] = nn.Parameter(ndgrad.ones(1))
    assert list(pd.state_dict()) == ["a", "b"] and isinstance(pd["a"], nn.Parameter)
    tl = torch.nn.ParameterList([torch.zeros(2)])
    assert list(tl.state_dict()) == list(nn.ParameterList([ndgrad.zeros(2)]).state_dict())


def test_flatten_unflatten_identity():
    x = ndgrad.randn(2, 3, 4)
    assert nn.Flatten()(x).shape == (2, 12)
    assert nn.Flatten(0, 1)(x).shape == (6, 4)
    assert nn.Unflatten(2, (2, 2))(x).shape == (2, 3, 2, 2)
    assert nn.Identity(3, foo=1)(x) is x


def test_deepcopy_and_pickle():
    net = Net()
    clone = copy.deepcopy(net)
    assert isinstance(clone.fc1.weight, nn.Parameter)
    assert clone.fc1.weight is not net.fc1.weight
    np.testing.assert_array_equal(clone.fc1.weight.array, net.fc1.weight.array)
    lin = nn.Linear(2, 2)
    shared = nn.Sequential(lin, lin)
    c2 = copy.deepcopy(shared)
    assert c2[0] is c2[1]
    restored = pickle.loads(pickle.dumps(net))
    assert isinstance(restored.scale, nn.Parameter) and restored.scale.requires_grad
    np.testing.assert_array_equal(restored.fc1.bias.array, net.fc1.bias.array)


def test_parameter_basics():
    t = ndgrad.zeros(3)
    p = nn.Parameter(t)
    assert p.requires_grad and p.is_leaf and p.array is t.array
    assert not nn.Parameter(t, requires_grad=False).requires_grad
    (p * 2).sum().backward()
    np.testing.assert_array_equal(p.grad.numpy(), [2, 2, 2])


# -- nn.utils ------------------------------------------------------------------------------------


def _grads_pair():
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((3, 2)), rng.standard_normal(4)]
    ps, tps = [], []
    for a in arrays:
        p = nn.Parameter(ndgrad.tensor(a))
        p.grad = ndgrad.tensor(a * 3)
        tp = torch.nn.Parameter(torch.tensor(a))
        tp.grad = torch.tensor(a * 3)
        ps.append(p)
        tps.append(tp)
    return ps, tps


@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf, 3.0])
def test_clip_grad_norm_matches_torch(norm_type):
    ps, tps = _grads_pair()
    total = nn.utils.clip_grad_norm_(ps, 1.0, norm_type)
    ttotal = torch.nn.utils.clip_grad_norm_(tps, 1.0, norm_type)
    np.testing.assert_allclose(total.item(), ttotal.item(), rtol=1e-10)
    for p, tp in zip(ps, tps, strict=True):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-10)
    ps[0].grad.array[0, 0] = float("nan")
    with pytest.raises(RuntimeError):
        nn.utils.clip_grad_norm_(ps, 1.0, error_if_nonfinite=True)


def test_clip_grad_value_and_vectors():
    ps, tps = _grads_pair()
    nn.utils.clip_grad_value_(ps, 0.5)
    torch.nn.utils.clip_grad_value_(tps, 0.5)
    for p, tp in zip(ps, tps, strict=True):
        np.testing.assert_array_equal(p.grad.numpy(), tp.grad.numpy())
    vec = nn.utils.parameters_to_vector(ps)
    tvec = torch.nn.utils.parameters_to_vector(tps)
    np.testing.assert_array_equal(vec.detach().numpy(), tvec.detach().numpy())
    nn.utils.vector_to_parameters(ndgrad.arange(10.0).double(), ps)
    np.testing.assert_array_equal(ps[0].detach().numpy(), np.arange(6.0).reshape(3, 2))
    np.testing.assert_array_equal(ps[1].detach().numpy(), np.arange(6.0, 10.0))


@pytest.mark.skipif(not ndgrad.cuda.is_available(), reason="no CUDA device (CuPy) here")
def test_to_cuda_and_back():
    net = Net()
    ref = net(ndgrad.ones(2, 3)).detach().numpy()
    params = list(net.parameters())
    net.cuda()
    assert all(p.is_cuda for p in net.parameters()) and net.steps.is_cuda
    assert [id(p) for p in net.parameters()] == [id(p) for p in params]
    out = net(ndgrad.ones(2, 3).cuda())
    out.sum().backward()
    assert net.fc1.weight.grad.is_cuda
    cpu_net = Net()
    cpu_net.load_state_dict(net.state_dict())  # arrays come back to the host
    np.testing.assert_allclose(cpu_net(ndgrad.ones(2, 3)).detach().numpy(), ref, rtol=1e-6)
    net.cpu()
    assert not net.fc1.weight.is_cuda and not net.fc1.weight.grad.is_cuda


def _hook_pair(hook_kind):
    """The same small model in both libraries, with one backward hook recording what it sees."""
    lin, tlin = nn.Linear(3, 2).double(), torch.nn.Linear(3, 2).double()
    lin.load_state_dict({k: v.detach().numpy() for k, v in tlin.state_dict().items()})
    seen, tseen = [], []

    def make(store, double_it):
        def hook(m, *grads):
            store.append(
                [
                    tuple(None if g is None else np.array(g.detach().numpy()) for g in gs)
                    for gs in grads
                ]
            )
            if double_it:
                return tuple(None if g is None else g * 2 for g in grads[0])
            return None

        return hook

    getattr(lin, hook_kind)(make(seen, True))
    getattr(tlin, hook_kind)(make(tseen, True))
    return lin, tlin, seen, tseen


@pytest.mark.parametrize(
    "hook_kind", ["register_full_backward_hook", "register_full_backward_pre_hook"]
)
@pytest.mark.parametrize("input_grad", [True, False])
def test_backward_hooks_match_torch(hook_kind, input_grad):
    lin, tlin, seen, tseen = _hook_pair(hook_kind)
    x = np.random.default_rng(0).standard_normal((4, 3))
    nx = ndgrad.tensor(x, requires_grad=input_grad)
    tx = torch.tensor(x, requires_grad=input_grad)
    (lin(nx) ** 2).sum().backward()
    (tlin(tx) ** 2).sum().backward()
    assert len(seen) == len(tseen) == 1
    for ours, theirs in zip(seen[0], tseen[0], strict=True):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs, strict=True):
            assert (a is None) == (b is None)
            if a is not None:
                np.testing.assert_allclose(a, b, rtol=1e-12)
    if input_grad:
        np.testing.assert_allclose(nx.grad.numpy(), tx.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(lin.weight.grad.numpy(), tlin.weight.grad.numpy(), rtol=1e-12)


def test_forward_hooks_with_kwargs():
    class Scale(nn.Module):
        def forward(self, x, factor=1.0):
            return x * factor

    m = Scale()
    m.register_forward_pre_hook(lambda mod, args, kwargs: (args, {"factor": 3.0}), with_kwargs=True)
    m.register_forward_hook(lambda mod, args, kwargs, out: out + kwargs["factor"], with_kwargs=True)
    np.testing.assert_array_equal(m(ndgrad.ones(2)).numpy(), [6.0, 6.0])


def test_load_state_dict_assign_and_positional_state_dict():
    lin = nn.Linear(2, 2)
    p = lin.weight
    new = np.arange(4.0).reshape(2, 2)
    lin.load_state_dict({"weight": new, "bias": np.zeros(2)}, assign=True)
    assert lin.weight is p and lin.weight.dtype == ndgrad.float64
    dest: OrderedDict = OrderedDict()
    assert list(lin.state_dict(dest, "m.")) == ["m.weight", "m.bias"] and len(dest) == 2
