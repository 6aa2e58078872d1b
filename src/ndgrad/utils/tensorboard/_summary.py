"""Summary protos (TensorBoard's own, from the ``tensorboard`` package) built from NumPy values."""

from __future__ import annotations

import struct
import zlib
from typing import Any

import numpy as np

from ndgrad import _backend
from ndgrad.tensor import Tensor

try:
    from tensorboard.compat.proto import summary_pb2, tensor_pb2, tensor_shape_pb2
    from tensorboard.compat.proto.summary_pb2 import Summary, SummaryMetadata
    from tensorboard.plugins.hparams import api_pb2, plugin_data_pb2
    from tensorboard.plugins.text import plugin_data_pb2 as text_pb2
except ImportError as exc:  # pragma: no cover - the message is the point
    raise ImportError(
        "ndgrad.utils.tensorboard needs the 'tensorboard' package: pip install ndgrad[tensorboard]"
    ) from exc


def to_numpy(x: Any) -> np.ndarray:
    """A Tensor, NumPy array, Python number or list as a NumPy array on the host."""
    if isinstance(x, Tensor):
        return _backend.to_numpy(x.detach().array)
    return np.asarray(_backend.to_numpy(x) if hasattr(x, "__cuda_array_interface__") else x)


def to_float(x: Any) -> float:
    """A one-element Tensor, array or number as a float (PyTorch's check and message)."""
    a = to_numpy(x)
    if a.size != 1:
        raise AssertionError(
            "Tensor should contain one element (0 dimensions). "
            f"Was given size: {a.size} and {a.ndim} dimensions."
        )
    return float(a.reshape(()))


def _plugin(name: str, content: bytes = b"") -> SummaryMetadata:
    return SummaryMetadata(
        plugin_data=SummaryMetadata.PluginData(plugin_name=name, content=content)
    )


def scalar(
    tag: str, value: Any, new_style: bool = False, double_precision: bool = False
) -> Summary:
    """``value`` as a scalar: a ``simple_value`` (the classic form) or, with ``new_style``, a
    tensor."""
    v = to_float(value)
    if not new_style:
        return Summary(value=[Summary.Value(tag=tag, simple_value=v)])
    if double_precision:
        tensor = tensor_pb2.TensorProto(dtype="DT_DOUBLE", double_val=[v])
    else:
        tensor = tensor_pb2.TensorProto(dtype="DT_FLOAT", float_val=[v])
    return Summary(value=[Summary.Value(tag=tag, tensor=tensor, metadata=_plugin("scalars"))])


def _tensorflow_bins() -> np.ndarray:
    """TensorFlow's default histogram edges: +-1e-12 growing by 10% per bucket up to 1e20, and 0."""
    pos = 1e-12 * 1.1 ** np.arange(int(np.ceil(np.log(1e32) / np.log(1.1))))
    pos = pos[pos < 1e20]
    return np.concatenate([-pos[::-1], [0.0], pos])


def histogram(
    tag: str, values: Any, bins: Any = "tensorflow", max_bins: int | None = None
) -> Summary:
    """A histogram of ``values``; ``bins`` as in ``numpy.histogram`` or "tensorflow" (PyTorch's
    default)."""
    a = to_numpy(values).astype(np.float64).ravel()
    if a.size == 0:
        raise ValueError("The input has no element.")
    edges = _tensorflow_bins() if bins == "tensorflow" else bins
    counts, limits = np.histogram(a, bins=edges)
    if max_bins is not None and len(counts) > max_bins:
        factor = -(-len(counts) // max_bins)
        pad = (-len(counts)) % factor
        counts = np.pad(counts, (0, pad)).reshape(-1, factor).sum(1)
        limits = np.concatenate([limits[:-1:factor], limits[-1:]])
    nonzero = np.flatnonzero(counts)
    start, end = (
        max(nonzero[0] - 1, 0),
        min(nonzero[-1] + 2, len(counts)),
    )  # one empty bucket each side
    proto = summary_pb2.HistogramProto(
        min=float(a.min()),
        max=float(a.max()),
        num=int(a.size),
        sum=float(a.sum()),
        sum_squares=float(np.dot(a, a)),
        bucket_limit=limits[start + 1 : end + 1].tolist(),
        bucket=counts[start:end].astype(np.float64).tolist(),
    )
    return Summary(value=[Summary.Value(tag=tag, histo=proto)])


def to_hwc(img: Any, dataformats: str) -> np.ndarray:
    """An image in ``dataformats`` (CHW, HWC, HW, ...) as HWC with 3 or 4 channels."""
    a = to_numpy(img)
    fmt = dataformats.upper()
    if len(fmt) != a.ndim or sorted(fmt) not in (sorted("CHW"), sorted("HW"), sorted("HWC")):
        raise format_mismatch(a.shape, fmt)
    if "C" not in fmt:
        a, fmt = a[..., None], fmt + "C"
    a = a.transpose([fmt.index(c) for c in "HWC"])
    if a.shape[2] == 1:
        a = np.repeat(a, 3, axis=2)
    if a.shape[2] not in (3, 4):
        raise ValueError(f"an image needs 1, 3 or 4 channels; got {a.shape[2]}")
    return a


def format_mismatch(shape: tuple[int, ...], fmt: str) -> AssertionError:
    """PyTorch's error for an image whose dims do not match ``dataformats``."""
    return AssertionError(
        f"size of input tensor and input format are different. tensor shape: {shape}, "
        f"input_format: {fmt}"
    )


def make_grid(imgs: np.ndarray, ncols: int = 8) -> np.ndarray:
    """NCHW images as one CHW image, ``ncols`` to a row (as PyTorch's TensorBoard writer lays
    them out)."""
    if imgs.shape[1] == 1:
        imgs = np.repeat(imgs, 3, axis=1)
    n, c, h, w = imgs.shape
    ncols = min(n, ncols)
    nrows = -(-n // ncols)
    canvas = np.zeros((c, h * nrows, w * ncols), dtype=imgs.dtype)
    for i in range(n):
        r, k = divmod(i, ncols)
        canvas[:, r * h : (r + 1) * h, k * w : (k + 1) * w] = imgs[i]
    return canvas


def image(tag: str, hwc: np.ndarray) -> Summary:
    """An HWC image as a PNG: floats are taken as [0, 1] and scaled to 0..255, as PyTorch does."""
    if hwc.dtype != np.uint8:
        hwc = (np.clip(hwc.astype(np.float64), 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    h, w, c = hwc.shape
    proto = Summary.Image(height=h, width=w, colorspace=c, encoded_image_string=encode_png(hwc))
    return Summary(value=[Summary.Value(tag=tag, image=proto)])


def encode_png(hwc: np.ndarray) -> bytes:
    """A uint8 HWC array (3 or 4 channels) as PNG bytes: no Pillow needed, only zlib."""
    h, w, c = hwc.shape
    rows = np.concatenate([np.zeros((h, 1), np.uint8), hwc.reshape(h, w * c)], axis=1)  # filter 0

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return (
            struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", w, h, 8, 6 if c == 4 else 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows.tobytes(), 6))
        + chunk(b"IEND", b"")
    )


def figure_to_hwc(figure: Any, close: bool) -> np.ndarray:
    """Render a matplotlib figure to an RGBA HWC uint8 array."""
    figure.canvas.draw()
    rgba = np.asarray(figure.canvas.buffer_rgba(), dtype=np.uint8).copy()
    if close:
        import matplotlib.pyplot as plt

        plt.close(figure)
    return rgba


def text(tag: str, text_string: str) -> Summary:
    """Markdown text for the Text dashboard (PyTorch's tag: ``<tag>/text_summary``)."""
    meta = _plugin("text", text_pb2.TextPluginData(version=0).SerializeToString())
    tensor = tensor_pb2.TensorProto(
        dtype="DT_STRING",
        string_val=[text_string.encode("utf-8")],
        tensor_shape=tensor_shape_pb2.TensorShapeProto(
            dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=1)]
        ),
    )
    return Summary(value=[Summary.Value(tag=tag + "/text_summary", metadata=meta, tensor=tensor)])


def _hparams_summary(tag: str, data: Any) -> Summary:
    meta = _plugin("hparams", data.SerializeToString())
    empty = tensor_pb2.TensorProto(
        dtype="DT_FLOAT", tensor_shape=tensor_shape_pb2.TensorShapeProto()
    )
    return Summary(value=[Summary.Value(tag=tag, metadata=meta, tensor=empty)])


def hparams(
    hparam_dict: dict[str, Any],
    metric_dict: dict[str, Any],
    domain_discrete: dict[str, list[Any]] | None,
) -> tuple[Summary, Summary, Summary]:
    """The three summaries of the HParams dashboard: experiment, session start, session end."""
    if not isinstance(hparam_dict, dict) or not isinstance(metric_dict, dict):
        raise TypeError("hparam_dict and metric_dict should be dictionary.")
    domain_discrete = domain_discrete or {}
    infos = []
    start = plugin_data_pb2.SessionStartInfo()
    for k, v in hparam_dict.items():
        if isinstance(v, Tensor | np.ndarray | np.generic):
            v = to_numpy(v).item()
        info = api_pb2.HParamInfo(name=k)
        if isinstance(v, bool):
            start.hparams[k].bool_value = v
            info.type = api_pb2.DATA_TYPE_BOOL
        elif isinstance(v, int | float):
            start.hparams[k].number_value = float(v)
            info.type = api_pb2.DATA_TYPE_FLOAT64
        elif isinstance(v, str):
            start.hparams[k].string_value = v
            info.type = api_pb2.DATA_TYPE_STRING
        elif v is None:
            start.hparams[k].null_value = 0
        else:
            raise ValueError("value should be one of int, float, str, bool, or torch.Tensor")
        if k in domain_discrete:
            info.domain_discrete.extend(domain_discrete[k])
        infos.append(info)
    metrics = [api_pb2.MetricInfo(name=api_pb2.MetricName(tag=k)) for k in metric_dict]
    exp = api_pb2.Experiment(hparam_infos=infos, metric_infos=metrics)
    end = plugin_data_pb2.SessionEndInfo(status=api_pb2.STATUS_SUCCESS)
    return (
        _hparams_summary(
            "_hparams_/experiment", plugin_data_pb2.HParamsPluginData(version=0, experiment=exp)
        ),
        _hparams_summary(
            "_hparams_/session_start_info",
            plugin_data_pb2.HParamsPluginData(version=0, session_start_info=start),
        ),
        _hparams_summary(
            "_hparams_/session_end_info",
            plugin_data_pb2.HParamsPluginData(version=0, session_end_info=end),
        ),
    )
