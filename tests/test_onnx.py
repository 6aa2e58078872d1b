"""ndgrad.onnx.export: the exported file passes onnx.checker and runs in onnxruntime to 1e-5 of
ndgrad."""

from __future__ import annotations

import io

import numpy as np
import pytest

import ndgrad
import ndgrad.nn.functional as F
from ndgrad import nn

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

from ndgrad.onnx import UnsupportedOperatorError  # noqa: E402

from .test_examples import load_example  # noqa: E402


def _export(model, args, **kw):
    buf = io.BytesIO()
    ndgrad.onnx.export(model, args, buf, **kw)
    proto = onnx.load_from_string(buf.getvalue())
    onnx.checker.check_model(proto, full_check=True)
    sess = ort.InferenceSession(buf.getvalue(), providers=["CPUExecutionProvider"])
    return proto, sess


def _flat(out):
    return [t for o in out for t in _flat(o)] if isinstance(out, tuple | list) else [out]


def _reference(model, args):
    model.eval()
    with ndgrad.no_grad():
        out = model(*args)
    return [o.numpy() for o in _flat(out)]


def _check(model, batches, names=("x",), dyn=None, atol=1e-5):
    """Export on batches[0] with a dynamic batch axis; compare at every batch size."""
    dyn = dyn if dyn is not None else {n: {0: "batch"} for n in names}
    proto, sess = _export(model, batches[0], input_names=list(names), dynamic_axes=dyn)
    for args in batches:
        got = sess.run(None, {n: a.numpy() for n, a in zip(names, args)})
        for g, r in zip(got, _reference(model, args)):
            assert g.shape == r.shape
            np.testing.assert_allclose(g, r, rtol=1e-5, atol=atol)
    return proto


def _floats(*shape):
    return (ndgrad.randn(*shape),)


class _Lambda(nn.Module):
    def __init__(self, fn, *mods):
        super().__init__()
        self.fn, self.mods = fn, nn.ModuleList(mods)

    def forward(self, *xs, **kw):
        return self.fn(self, *xs, **kw)


def _mlp():
    return nn.Sequential(
        nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 3)
    )


def test_mlp_cnn_gpt_lstm_match_onnxruntime_at_two_batch_sizes():
    ndgrad.manual_seed(0)
    proto = _check(_mlp(), [_floats(2, 6), _floats(7, 6)])
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    _check(load_example("mnist_cnn").Net(), [_floats(2, 1, 28, 28), _floats(3, 1, 28, 28)])
    gpt = load_example("char_gpt").GPT(vocab=13, context=8, d=16, layers=2, heads=2, dropout=0.1)
    ids = [(ndgrad.randint(0, 13, (n, 8)),) for n in (2, 5)]
    proto = _check(gpt, ids, names=("idx",))
    assert proto.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.INT64
    lstm = nn.LSTM(4, 6, num_layers=2, batch_first=True)
    _check(lstm, [_floats(2, 5, 4), _floats(4, 5, 4)])


LAYERS = {  # name: (model, input shape without the batch)
    "conv_transpose_batchnorm": (
        lambda: nn.Sequential(
            nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1, output_padding=1), nn.BatchNorm2d(4)
        ),
        (3, 5, 5),
    ),
    "pools": (
        lambda: nn.Sequential(
            nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False),
            nn.MaxPool2d(3, stride=2, padding=1),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        ),
        (3, 9, 9),
    ),
    "conv3d_groups_maxpool_ceil": (
        lambda: nn.Sequential(
            nn.Conv3d(2, 2, 3, stride=2, padding=1, groups=2),
            nn.MaxPool3d(2, ceil_mode=True),
            nn.AdaptiveMaxPool3d(1),
        ),
        (2, 9, 9, 9),
    ),
    "conv1d_group_instance_norm": (
        lambda: nn.Sequential(
            nn.Conv1d(3, 4, 3, padding="same", dilation=2, padding_mode="circular"),
            nn.GroupNorm(2, 4),
            nn.InstanceNorm1d(4),
        ),
        (3, 9),
    ),
    "reflect_upsample_pixel_shuffle": (
        lambda: nn.Sequential(
            nn.Conv2d(4, 4, 3, padding=1, padding_mode="reflect"),
            nn.Upsample(scale_factor=2, mode="bilinear"),
            nn.PixelShuffle(2),
        ),
        (4, 3, 3),
    ),
    "activations_dropout": (
        lambda: nn.Sequential(
            nn.Linear(4, 6),
            nn.LeakyReLU(0.2),
            nn.ELU(),
            nn.SELU(),
            nn.CELU(0.5),
            nn.GELU("tanh"),
            nn.SiLU(),
            nn.Softplus(),
            nn.Hardtanh(),
            nn.Hardswish(),
            nn.PReLU(),
            nn.Sigmoid(),
            nn.Dropout(0.5),
            nn.LogSoftmax(-1),
        ),
        (4,),
    ),
    "layer_rms_norm": (lambda: nn.Sequential(nn.LayerNorm(4), nn.RMSNorm(4)), (3, 4)),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layers(name):
    ndgrad.manual_seed(1)
    factory, rest = LAYERS[name]
    model = factory()
    if name == "conv_transpose_batchnorm":  # non-trivial running statistics
        model.train()
        model(ndgrad.randn(4, *rest))
    _check(model, [_floats(2, *rest), _floats(3, *rest)])


def test_recurrent_embedding_and_attention_layers():
    ndgrad.manual_seed(2)
    _check(nn.GRU(4, 5, batch_first=True), [_floats(2, 3, 4), _floats(4, 3, 4)])
    _check(nn.RNN(4, 5), [_floats(3, 2, 4), _floats(3, 5, 4)], dyn={"x": {1: "batch"}})
    emb = nn.Sequential(nn.Embedding(10, 4), nn.Flatten())
    _check(emb, [(ndgrad.randint(0, 10, (n, 3)),) for n in (2, 4)])
    enc = nn.TransformerEncoderLayer(8, 2, 16, batch_first=True, dropout=0.1)
    _check(enc, [_floats(2, 5, 8), _floats(3, 5, 8)])
    mha = nn.MultiheadAttention(8, 2, batch_first=True)
    qkv = [tuple(ndgrad.randn(n, 5, 8) for _ in range(3)) for n in (2, 3)]
    _check(mha, qkv, names=("q", "k", "v"))


def test_indexing_shapes_and_scalar_constants():
    ndgrad.manual_seed(3)

    def fn(self, x):
        y = x[:, 1:3, None, ::2].sum(-1) * 2 - x[:, [0, 2], -1:].exp() + x[1:, 0].mean()
        z = (x.clamp(-0.5, 0.5) + 1).sqrt().log1p().permute(0, 2, 1).flip(1)
        w = ndgrad.cat([x, x * x], 1).view(x.shape[0], 2, -1).amax(1)
        v = ndgrad.stack(list(x.chunk(2, -1)), 1).flatten(2)[:, :, None].expand(-1, -1, 3, -1)
        u = self.mods[0](F.pad(v, (2, 2), value=0.5)).sum((1, 2, 3))[:, None]
        return (
            u + y.sum(1) + z.reshape(x.shape[0], -1)[:, :1] + (1 - w).exp().mean(-1, keepdim=True)
        )

    _check(_Lambda(fn, nn.Linear(16, 2)), [_floats(2, 4, 6), _floats(3, 4, 6)])


def test_reshapes_computed_from_shape_follow_two_dynamic_axes():
    ndgrad.manual_seed(4)
    lin = nn.Linear(4, 4)

    def fn(self, x):
        b, t, d = x.shape
        y = self.mods[0](x).reshape(b, t, 2, d // 2).transpose(1, 2)  # two dynamic dims: Concat
        return y.reshape(b * 2 * t, -1).softmax(-1).reshape(b, -1)  # b*2*t: one dynamic dim

    model = _Lambda(fn, lin)
    dyn = {"x": {0: "batch", 1: "seq"}}
    proto = _check(model, [_floats(2, 3, 4), _floats(5, 7, 4), _floats(1, 2, 4)], dyn=dyn)
    dims = [d.dim_param for d in proto.graph.input[0].type.tensor_type.shape.dim]
    assert dims == ["batch", "seq", ""]


@pytest.mark.parametrize("opset", [13, 17, 21])
def test_opset_version_is_honoured_and_names_are_used(opset):
    model = nn.Sequential(
        _mlp(), nn.LayerNorm(3), _Lambda(lambda self, x: x[:, :, None].expand(-1, -1, 3).tril())
    )
    x = ndgrad.randn(3, 6)
    proto, sess = _export(
        model,
        x,
        opset_version=opset,
        input_names=["features"],
        output_names=["logits"],
        dynamic_axes={"features": [0]},
    )
    assert [(o.domain, o.version) for o in proto.opset_import] == [("", opset)]
    assert [i.name for i in proto.graph.input] == ["features"] and [
        o.name for o in proto.graph.output
    ] == ["logits"]
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "features_dynamic_axes_1"
    (got,) = sess.run(["logits"], {"features": x.numpy()})
    np.testing.assert_allclose(got, _reference(model, (x,))[0], rtol=1e-5, atol=1e-6)


def test_bad_arguments():
    model, x = _mlp(), ndgrad.randn(2, 6)
    with pytest.raises(ValueError, match="opset_version"):
        ndgrad.onnx.export(model, x, io.BytesIO(), opset_version=9)
    with pytest.raises(ValueError, match="neither an input nor an output"):
        ndgrad.onnx.export(model, x, io.BytesIO(), dynamic_axes={"nope": [0]})
    with pytest.raises(ValueError, match="2 output_names for 1 outputs"):
        ndgrad.onnx.export(model, x, io.BytesIO(), output_names=["a", "b"])


def test_export_leaves_the_model_flags_parameters_and_grads_alone(tmp_path):
    model = nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8), nn.Dropout(0.3), nn.Linear(8, 2))
    model.train()
    model[2].eval()  # a mixed state, restored module by module
    model[3].weight.requires_grad_(False)
    x = ndgrad.randn(4, 6)
    F.mse_loss(model(x), ndgrad.zeros(4, 2)).backward()
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    grads = {
        n: None if p.grad is None else p.grad.numpy().copy() for n, p in model.named_parameters()
    }
    assert ndgrad.is_grad_enabled()
    path = tmp_path / "model.onnx"
    with ndgrad.no_grad():  # the trace records the graph whatever the grad mode
        ndgrad.onnx.export(model, x, io.BytesIO())
    ndgrad.onnx.export(model, x, str(path), dynamic_axes={"input_0": {0: "n"}})
    onnx.checker.check_model(str(path))
    assert [m.training for m in model.modules()] == [True, True, True, False, True]
    assert (
        not model[3].weight.requires_grad and model[0].weight.requires_grad and not x.requires_grad
    )
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), before[k])
    for n, p in model.named_parameters():
        assert (p.grad is None) == (grads[n] is None)
        if p.grad is not None:
            np.testing.assert_array_equal(p.grad.numpy(), grads[n])
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (got,) = sess.run(None, {"input_0": x.numpy()[:3]})
    np.testing.assert_allclose(got, _reference(model, (x[:3],))[0], rtol=1e-5, atol=1e-5)


def test_an_op_without_mapping_is_named_with_its_module():
    model = nn.Sequential(nn.Linear(3, 3), _Lambda(lambda self, x: x.cumsum(1)))
    with pytest.raises(
        UnsupportedOperatorError, match=r"'Cumsum'.*opset version 18.*\b1's forward"
    ):
        ndgrad.onnx.export(model, ndgrad.randn(2, 3), io.BytesIO())


def test_a_constant_the_graph_lost_is_a_clear_error():
    # 1 - x feeds only a reduction: neither the constant nor the difference is kept anywhere
    model = nn.Sequential(nn.Linear(3, 3), _Lambda(lambda self, x: (1 - x).mean(1)))
    with pytest.raises(
        UnsupportedOperatorError, match=r"'Sub' \(in 1's forward\): its input 0 .* no value"
    ):
        ndgrad.onnx.export(model, ndgrad.randn(2, 3), io.BytesIO())


def test_a_failed_export_leaves_no_file(tmp_path):
    model = _Lambda(lambda self, x: x.cumsum(1))
    path = tmp_path / "m.onnx"
    with pytest.raises(UnsupportedOperatorError):
        ndgrad.onnx.export(model, ndgrad.randn(2, 3), path)
    assert list(tmp_path.iterdir()) == []


def test_export_example(tmp_path):
    example = load_example("export_onnx")
    err = example.main(["--out", str(tmp_path / "cnn.onnx")])
    assert err < 1e-5 and (tmp_path / "cnn.onnx").stat().st_size > 100_000


def test_without_f_the_model_proto_is_returned_and_kwargs_reach_forward():
    model = _Lambda(lambda self, x, scale=1.0: self.mods[0](x) * scale, nn.Linear(3, 2))
    x = ndgrad.randn(2, 3)
    proto = ndgrad.onnx.export(model, (x,), kwargs={"scale": 3.0})
    sess = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    (got,) = sess.run(None, {"input_0": x.numpy()})
    with ndgrad.no_grad():
        want = model(x, scale=3.0).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="tensor kwargs"):
        ndgrad.onnx.export(model, (x,), kwargs={"scale": x})


def test_more_elementwise_reductions_and_casts():
    def fn(self, x):
        y = self.mods[0](x)
        t = y[:, :, None].expand(-1, -1, 4).tril(-1).triu().sum(-1)
        r = (2 / (y.abs() + 1)) ** 2 - y.pow(3) / 3 + ndgrad.maximum(y, x).clamp(min=0.1)
        return (
            t
            + r
            + y.logsumexp(-1, keepdim=True)
            + y.prod(-1, keepdim=True)
            + y.double().sin().float()
        )

    _check(_Lambda(fn, nn.Linear(4, 4)), [_floats(2, 4), _floats(5, 4)])


def test_values_computed_from_the_input_outside_the_graph_are_caught():
    # x > 0 and argmax record no node: the trace on other input values shows they are not constants
    lin = nn.Linear(4, 4)
    masked = _Lambda(lambda self, x: ndgrad.where(x > 0, self.mods[0](x), x * 2), lin)
    with pytest.raises(UnsupportedOperatorError, match="changes with the input"):
        ndgrad.onnx.export(masked, ndgrad.randn(3, 4), io.BytesIO())
    picked = _Lambda(lambda self, x: self.mods[0](x)[:, x[0].argmax()], lin)
    with pytest.raises(UnsupportedOperatorError, match="index computed from the input"):
        ndgrad.onnx.export(picked, ndgrad.arange(12.0).reshape(3, 4), io.BytesIO())


def test_a_plain_function_exports_too():
    x = ndgrad.randn(2, 3)
    proto = ndgrad.onnx.export(lambda t: (t * 2).exp(), x)
    sess = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(
        sess.run(None, {"input_0": x.numpy()})[0], (x * 2).exp().numpy(), rtol=1e-6
    )
