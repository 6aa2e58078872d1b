"""``SummaryWriter``: PyTorch's TensorBoard writer, on the ``tensorboard`` package's own event
writer.

Events go through ``tensorboard.summary.writer.event_file_writer.EventFileWriter`` (a queue and a
background thread); its ``flush()`` waits until the queue is written and flushes the file, so
after ``writer.flush()`` every event logged so far is on disk.

Example:
    >>> from ndgrad.utils.tensorboard import SummaryWriter
    >>> with SummaryWriter("runs/demo") as w:
    ...     for step in range(100):
    ...         w.add_scalar("loss", 1.0 / (step + 1), step)
"""

from __future__ import annotations

import os
import socket
import time
from datetime import datetime
from typing import Any

import numpy as np

from ndgrad.utils.tensorboard import _summary
from ndgrad.utils.tensorboard._summary import Summary

from tensorboard.compat.proto import event_pb2  # isort: skip  (after _summary's clear ImportError)
from tensorboard.summary.writer.event_file_writer import EventFileWriter  # isort: skip


class FileWriter:
    """Writes Summary protos and graphs as events to one event file (one run directory)."""

    def __init__(
        self, log_dir: str, max_queue: int = 10, flush_secs: int = 120, filename_suffix: str = ""
    ):
        self.event_writer = EventFileWriter(str(log_dir), max_queue, flush_secs, filename_suffix)

    def get_logdir(self) -> str:
        return self.event_writer.get_logdir()

    def add_event(
        self, event: event_pb2.Event, step: int | None = None, walltime: float | None = None
    ) -> None:
        event.wall_time = time.time() if walltime is None else walltime
        if step is not None:
            event.step = int(step)
        self.event_writer.add_event(event)

    def add_summary(
        self, summary: Summary, global_step: int | None = None, walltime: float | None = None
    ) -> None:
        self.add_event(event_pb2.Event(summary=summary), global_step, walltime)

    def add_graph(self, graph_def: Any, walltime: float | None = None) -> None:
        self.add_event(event_pb2.Event(graph_def=graph_def.SerializeToString()), None, walltime)

    def flush(self) -> None:
        self.event_writer.flush()

    def close(self) -> None:
        self.event_writer.close()


def _step(global_step: Any) -> int | None:
    return None if global_step is None else int(_summary.to_float(global_step))


class SummaryWriter:
    """Write TensorBoard event files into ``log_dir`` (PyTorch's
    ``torch.utils.tensorboard.SummaryWriter``).

    Args:
        log_dir: the run directory; default ``runs/<Mon DD_HH-MM-SS>_<hostname><comment>``.
        comment: appended to the default ``log_dir`` (ignored when ``log_dir`` is given).
        purge_step: on resuming a crashed run, tell TensorBoard to discard events logged at or
            after this step.
        max_queue: events kept in memory before they are written.
        flush_secs: how often pending events are flushed to disk.
        filename_suffix: appended to every event file's name.
    """

    def __init__(
        self,
        log_dir: str | os.PathLike[str] | None = None,
        comment: str = "",
        purge_step: int | None = None,
        max_queue: int = 10,
        flush_secs: int = 120,
        filename_suffix: str = "",
    ) -> None:
        if log_dir is None:
            stamp = datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", stamp + "_" + socket.gethostname() + comment)
        self.log_dir = os.fspath(log_dir)
        self.purge_step = purge_step
        self.max_queue = max_queue
        self.flush_secs = flush_secs
        self.filename_suffix = filename_suffix
        self.file_writer: FileWriter | None = None
        self.all_writers: dict[str, FileWriter] = {}
        self._get_file_writer()

    def _get_file_writer(self) -> FileWriter:
        """The main run's writer, opened again after ``close()`` as PyTorch's is."""
        if self.file_writer is None:
            self.file_writer = FileWriter(
                self.log_dir, self.max_queue, self.flush_secs, self.filename_suffix
            )
            self.all_writers = {self.file_writer.get_logdir(): self.file_writer}
            if self.purge_step is not None:
                self.file_writer.add_event(
                    event_pb2.Event(file_version="brain.Event:2"), self.purge_step
                )
                start = event_pb2.SessionLog(status=event_pb2.SessionLog.START)
                self.file_writer.add_event(event_pb2.Event(session_log=start), self.purge_step)
                self.purge_step = None
        return self.file_writer

    def get_logdir(self) -> str:
        """The directory event files are written to."""
        return self.log_dir

    # -- scalars ---------------------------------------------------------------------------------
    def add_scalar(
        self,
        tag: str,
        scalar_value: Any,
        global_step: Any = None,
        walltime: float | None = None,
        new_style: bool = False,
        double_precision: bool = False,
    ) -> None:
        """Log one number (a Python number, NumPy scalar or one-element Tensor) at
        ``global_step``."""
        summary = _summary.scalar(tag, scalar_value, new_style, double_precision)
        self._get_file_writer().add_summary(summary, _step(global_step), walltime)

    def add_scalars(
        self,
        main_tag: str,
        tag_scalar_dict: dict[str, Any],
        global_step: Any = None,
        walltime: float | None = None,
    ) -> None:
        """Log several numbers on one chart: each key is its own run ``<log_dir>/<main_tag>_<key>``
        holding the tag ``main_tag``."""
        walltime = time.time() if walltime is None else walltime
        base = self._get_file_writer().get_logdir()
        for key, value in tag_scalar_dict.items():
            run = os.path.join(base, main_tag.replace("/", "_") + "_" + key)
            writer = self.all_writers.get(run)
            if writer is None:
                writer = FileWriter(run, self.max_queue, self.flush_secs, self.filename_suffix)
                self.all_writers[run] = writer
            writer.add_summary(_summary.scalar(main_tag, value), _step(global_step), walltime)

    # -- distributions and images ------------------------------------------------------------------
    def add_histogram(
        self,
        tag: str,
        values: Any,
        global_step: Any = None,
        bins: Any = "tensorflow",
        walltime: float | None = None,
        max_bins: int | None = None,
    ) -> None:
        """Log the distribution of ``values``; ``bins`` as in ``numpy.histogram`` or
        "tensorflow"."""
        summary = _summary.histogram(tag, values, bins, max_bins)
        self._get_file_writer().add_summary(summary, _step(global_step), walltime)

    def add_image(
        self,
        tag: str,
        img_tensor: Any,
        global_step: Any = None,
        walltime: float | None = None,
        dataformats: str = "CHW",
    ) -> None:
        """Log one image: floats in [0, 1] or uint8 in [0, 255], laid out as ``dataformats``."""
        hwc = _summary.to_hwc(img_tensor, dataformats)
        self._get_file_writer().add_summary(_summary.image(tag, hwc), _step(global_step), walltime)

    def add_images(
        self,
        tag: str,
        img_tensor: Any,
        global_step: Any = None,
        walltime: float | None = None,
        dataformats: str = "NCHW",
    ) -> None:
        """Log a batch of images as one grid, eight to a row."""
        a = _summary.to_numpy(img_tensor)
        fmt = dataformats.upper()
        if len(fmt) != a.ndim or "N" not in fmt:
            raise _summary.format_mismatch(a.shape, fmt)
        rest = fmt.replace("N", "")
        a = np.moveaxis(a, fmt.index("N"), 0)
        chw = np.stack([_summary.to_hwc(x, rest).transpose(2, 0, 1) for x in a])
        grid = _summary.make_grid(chw).transpose(1, 2, 0)
        self._get_file_writer().add_summary(_summary.image(tag, grid), _step(global_step), walltime)

    def add_figure(
        self,
        tag: str,
        figure: Any,
        global_step: Any = None,
        close: bool = True,
        walltime: float | None = None,
    ) -> None:
        """Render a matplotlib figure (or a list of them, as one grid) and log it as an image."""
        if isinstance(figure, list):
            imgs = np.stack([_summary.figure_to_hwc(f, close) for f in figure])
            self.add_images(tag, imgs, global_step, walltime, dataformats="NHWC")
        else:
            self.add_image(
                tag, _summary.figure_to_hwc(figure, close), global_step, walltime, dataformats="HWC"
            )

    # -- text, hyperparameters and the graph ------------------------------------------------------
    def add_text(
        self, tag: str, text_string: str, global_step: Any = None, walltime: float | None = None
    ) -> None:
        """Log Markdown text for the Text dashboard (tag ``<tag>/text_summary``)."""
        self._get_file_writer().add_summary(
            _summary.text(tag, text_string), _step(global_step), walltime
        )

    def add_hparams(
        self,
        hparam_dict: dict[str, Any],
        metric_dict: dict[str, Any],
        hparam_domain_discrete: dict[str, list[Any]] | None = None,
        run_name: str | None = None,
        global_step: Any = None,
    ) -> None:
        """Log one trial for the HParams dashboard, in the sub-run ``run_name`` (default: the time),
        with each metric of ``metric_dict`` as a scalar there."""
        exp, start, end = _summary.hparams(hparam_dict, metric_dict, hparam_domain_discrete)
        run = os.path.join(self._get_file_writer().get_logdir(), run_name or str(time.time()))
        with SummaryWriter(run) as w:
            fw = w._get_file_writer()
            for summary in (exp, start, end):
                fw.add_summary(summary, _step(global_step))
            for k, v in metric_dict.items():
                w.add_scalar(k, v, global_step)

    def add_graph(
        self,
        model: Any,
        input_to_model: Any = None,
        verbose: bool = False,
        use_strict_trace: bool = True,
    ) -> None:
        """Log the graph of ``model(*input_to_model)``, read from ndgrad's recorded autograd graph:
        modules as name scopes, output shapes on every node. The model is left as it was."""
        if input_to_model is None:
            raise ValueError(
                "add_graph needs input_to_model: ndgrad reads the graph from one forward pass"
            )
        from ndgrad.utils.tensorboard._graph import graph_def

        gd = graph_def(model, input_to_model)
        if verbose:
            print(gd)
        self._get_file_writer().add_graph(gd)

    # -- lifetime ----------------------------------------------------------------------------------
    def flush(self) -> None:
        """Write every pending event of every run to disk."""
        for writer in self.all_writers.values():
            writer.flush()

    def close(self) -> None:
        """Flush and close every event file; a later ``add_*`` opens a new one."""
        for writer in self.all_writers.values():
            writer.flush()
            writer.close()
        self.file_writer = None
        self.all_writers = {}

    def __enter__(self) -> SummaryWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
