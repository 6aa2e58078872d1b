"""Where the time goes: PyTorch's ``torch.profiler`` API over ndgrad's ops and backward nodes.

While a ``profile`` records, ``Op.apply`` / ``Function.apply`` hand every op to it (one check of
``function.profile_hook`` per op; nothing else when no profile is active), and the engine reports
every backward node. Each becomes an event with a start and a duration; nested events (the ops a
backward node or a ``record_function`` range runs) give their parent a *self* time that leaves
them out. ``key_averages()`` sums the events per name, as PyTorch does.

Event names follow PyTorch's: a forward op is ``aten::<name>`` from its node name (``MulBackward0``
runs ``aten::mul``), a backward node is its node name (``MulBackward0``), a range is its label.
ndgrad runs ops on NumPy (or CuPy, asynchronously): device time is not measured, so the CUDA
activity is accepted and its columns are zero.

Example:
    >>> from ndgrad.profiler import profile, record_function, ProfilerActivity
    >>> with profile(activities=[ProfilerActivity.CPU]) as prof:
    ...     with record_function("step"):
    ...         model(x).sum().backward()
    >>> print(prof.key_averages().table(sort_by="cpu_time_total", row_limit=10))
"""

from __future__ import annotations

import enum
import functools
import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ndgrad.autograd import function

__all__ = [
    "EventList",
    "FunctionEvent",
    "FunctionEventAvg",
    "ProfilerAction",
    "ProfilerActivity",
    "profile",
    "record_function",
    "schedule",
    "tensorboard_trace_handler",
]


class ProfilerActivity(enum.Enum):
    """What to record: CPU time (measured) and CUDA time (accepted; ndgrad does not measure it)."""

    CPU = "CPU"
    CUDA = "CUDA"
    XPU = "XPU"
    MPS = "MPS"


@dataclass
class FunctionEvent:
    """One recorded call: ``name``, when it started, and its total and self time (microseconds)."""

    name: str
    start_us: float
    cpu_time_total: float
    self_cpu_time_total: float
    thread: int

    @property
    def key(self) -> str:
        return self.name


@dataclass
class FunctionEventAvg:
    """The events of one name summed: ``count`` calls, total and self CPU time in microseconds."""

    key: str
    count: int = 0
    cpu_time_total: float = 0.0
    self_cpu_time_total: float = 0.0
    device_time_total: float = 0.0
    self_device_time_total: float = 0.0

    @property
    def cpu_time(self) -> float:
        """Average CPU time per call (microseconds)."""
        return self.cpu_time_total / self.count if self.count else 0.0

    @property
    def self_cpu_time(self) -> float:
        return self.self_cpu_time_total / self.count if self.count else 0.0

    cuda_time_total = device_time_total
    self_cuda_time_total = self_device_time_total

    def add(self, event: FunctionEvent) -> None:
        self.count += 1
        self.cpu_time_total += event.cpu_time_total
        self.self_cpu_time_total += event.self_cpu_time_total


_SORT_KEYS = {
    "cpu_time_total",
    "self_cpu_time_total",
    "cpu_time",
    "self_cpu_time",
    "count",
    "device_time_total",
    "self_device_time_total",
    "cuda_time_total",
    "self_cuda_time_total",
}


class EventList(list[Any]):
    """A list of events (or of per-name averages) that prints as PyTorch's profiler table."""

    def table(self, sort_by: str | None = None, row_limit: int = 100, **kwargs: Any) -> str:
        """The events as a text table, largest ``sort_by`` first, at most ``row_limit`` rows."""
        rows = list(self)
        if sort_by is not None:
            if sort_by not in _SORT_KEYS:
                raise AttributeError(f"'FunctionEventAvg' object has no attribute '{sort_by}'")
            rows.sort(key=lambda e: getattr(e, sort_by, 0.0), reverse=True)
        if row_limit is not None and row_limit >= 0:
            rows = rows[:row_limit]
        return _format_table(rows, self.self_cpu_time_total)

    def __str__(self) -> str:
        return self.table()

    @property
    def self_cpu_time_total(self) -> float:
        """The sum of the self times: the time spent under the profiler in ops and ranges."""
        return sum(e.self_cpu_time_total for e in self)

    def key_averages(self) -> EventList:
        """One ``FunctionEventAvg`` per event name, in order of first appearance."""
        groups: dict[str, FunctionEventAvg] = {}
        for e in self:
            avg = groups.get(e.key)
            if avg is None:
                groups[e.key] = avg = FunctionEventAvg(e.key)
            if isinstance(e, FunctionEventAvg):
                avg.count += e.count
                avg.cpu_time_total += e.cpu_time_total
                avg.self_cpu_time_total += e.self_cpu_time_total
            else:
                avg.add(e)
        return EventList(groups.values())

    def total_average(self) -> FunctionEventAvg:
        """Every event summed into one entry named ``Total``."""
        total = FunctionEventAvg("Total")
        for e in self.key_averages():
            total.count += e.count
            total.cpu_time_total += e.cpu_time_total
            total.self_cpu_time_total += e.self_cpu_time_total
        return total


def _fmt_us(us: float) -> str:
    if us >= 1e6:
        return f"{us / 1e6:.3f}s"
    if us >= 1e3:
        return f"{us / 1e3:.3f}ms"
    return f"{us:.3f}us"


def _format_table(rows: list[Any], self_total: float) -> str:
    """PyTorch's column layout: name, self CPU (% and time), CPU total (% and time), avg, calls."""
    heads = [
        "Name",
        "Self CPU %",
        "Self CPU",
        "CPU total %",
        "CPU total",
        "CPU time avg",
        "# of Calls",
    ]
    pct = 100.0 / self_total if self_total > 0 else 0.0
    body = []
    for e in rows:
        count = getattr(e, "count", 1)
        body.append(
            [
                e.key if len(e.key) <= 55 else e.key[:52] + "...",
                f"{e.self_cpu_time_total * pct:.2f}%",
                _fmt_us(e.self_cpu_time_total),
                f"{e.cpu_time_total * pct:.2f}%",
                _fmt_us(e.cpu_time_total),
                _fmt_us(e.cpu_time_total / count if count else 0.0),
                str(count),
            ]
        )
    widths = [max(len(r[i]) for r in [heads, *body]) for i in range(len(heads))]
    line = "  ".join("-" * w for w in widths)

    def fmt(r: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))
        )

    out = [line, fmt(heads), line, *(fmt(r) for r in body), line]
    out.append(f"Self CPU time total: {_fmt_us(self_total)}")
    return "\n".join(out) + "\n"


_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


@functools.cache
def op_event_name(node_name: str) -> str:
    """``aten::mul`` for ``MulBackward0``: PyTorch's operator name, from the node name."""
    base = re.sub(r"Backwards?\d*$", "", node_name)
    return "aten::" + _CAMEL.sub("_", base).lower()


class _Frame:
    __slots__ = ("child_us", "name", "start")

    def __init__(self, name: str, start: int) -> None:
        self.name, self.start, self.child_us = name, start, 0.0


class ProfilerAction(enum.Enum):
    """What a ``schedule`` asks of the profiler at a step."""

    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3


def schedule(
    *, wait: int, warmup: int, active: int, repeat: int = 0, skip_first: int = 0
) -> Callable[[int], ProfilerAction]:
    """PyTorch's profiling schedule: after ``skip_first`` steps, cycles of ``wait`` idle steps,
    ``warmup`` steps, and ``active`` recorded steps (the last one saves), ``repeat`` times (0: for
    ever)."""
    if wait < 0 or warmup < 0 or active <= 0 or repeat < 0 or skip_first < 0:
        raise ValueError("Invalid profiler schedule arguments")
    cycle = wait + warmup + active

    def action(step: int) -> ProfilerAction:
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        if repeat > 0 and step // cycle >= repeat:
            return ProfilerAction.NONE
        pos = step % cycle
        if pos < wait:
            return ProfilerAction.NONE
        if pos < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD if pos < cycle - 1 else ProfilerAction.RECORD_AND_SAVE

    return action


def tensorboard_trace_handler(
    dir_name: str, worker_name: str | None = None, use_gzip: bool = False
) -> Callable[[Any], None]:
    """An ``on_trace_ready`` that writes each trace as Chrome-trace JSON into ``dir_name``."""

    def handler(prof: profile) -> None:
        os.makedirs(dir_name, exist_ok=True)
        name = worker_name or f"{os.uname().nodename}_{os.getpid()}"
        prof.export_chrome_trace(os.path.join(dir_name, f"{name}.{time.time_ns()}.pt.trace.json"))

    return handler


_RECORDING = (ProfilerAction.RECORD, ProfilerAction.RECORD_AND_SAVE)
_active: profile | None = None  # the started profile (it may be between recorded steps)


class profile:  # noqa: N801  (PyTorch's name)
    """Record ndgrad's ops, backward nodes and ``record_function`` ranges while active.

    Args:
        activities: ``ProfilerActivity`` values; CPU is measured, CUDA accepted (zero time).
        schedule: which steps (counted by ``step()``) to record (see ``schedule``); without one,
            everything from start to stop.
        on_trace_ready: called with the profile when a recorded cycle ends (or at stop).
        record_shapes, profile_memory, with_stack, with_flops, with_modules: accepted for
            PyTorch compatibility; ndgrad records names and times only.
    """

    def __init__(
        self,
        activities: Iterable[ProfilerActivity] | None = None,
        *,
        schedule: Callable[[int], ProfilerAction] | None = None,
        on_trace_ready: Callable[[profile], Any] | None = None,
        record_shapes: bool = False,
        profile_memory: bool = False,
        with_stack: bool = False,
        with_flops: bool = False,
        with_modules: bool = False,
        use_cuda: bool | None = None,
        enabled: bool = True,
        **kwargs: Any,
    ) -> None:
        self.activities = set(activities or (ProfilerActivity.CPU,))
        self.enabled = enabled
        self.schedule = schedule or (lambda step: ProfilerAction.RECORD)
        self.on_trace_ready = on_trace_ready
        self.record_shapes = record_shapes
        self.step_num = 0
        self.bypass: Any = None  # the op class being run by run_op: its apply must not hand it back
        self._events: list[FunctionEvent] = []
        self._local = threading.local()
        self._action = ProfilerAction.NONE
        self._unsaved = False  # events recorded since the last on_trace_ready

    # -- starting, stepping and stopping ---------------------------------------------------------
    def start(self) -> None:
        global _active
        if not self.enabled or _active is self:
            return
        if _active is not None:
            raise RuntimeError("Profiler is already enabled on this thread")
        _active = self
        self._action = self.schedule(self.step_num)
        self._record(self._action in _RECORDING)

    def stop(self) -> None:
        global _active
        if _active is not self:
            return
        self._record(False)
        _active = None
        if self._unsaved:
            self._save()

    def step(self) -> None:
        """End a training step: the schedule decides whether the next one is recorded."""
        if _active is not self:
            self.step_num += 1
            return
        previous = self._action
        self.step_num += 1
        self._action = self.schedule(self.step_num)
        if previous is ProfilerAction.RECORD_AND_SAVE:
            self._record(False)
            self._save()
        self._record(self._action in _RECORDING)

    def _record(self, on: bool) -> None:
        """Install or remove the hook the ops and the engine check; a new cycle starts afresh."""
        if on and function.profile_hook is not self:
            if not self._unsaved:
                self._events = []
            function.profile_hook = self
            self._unsaved = True
        elif not on and function.profile_hook is self:
            function.profile_hook = None
            self._local = threading.local()  # frames a failed op or backward left open are dropped

    def _save(self) -> None:
        self._unsaved = False
        if self.on_trace_ready is not None:
            self.on_trace_ready(self)

    def __enter__(self) -> profile:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what the engine and Op.apply call -----------------------------------------------------
    def push(self, name: str) -> None:
        stack = self._stack()
        stack.append(_Frame(name, time.perf_counter_ns()))

    def pop(self) -> None:
        end = time.perf_counter_ns()
        stack = self._stack()
        frame = stack.pop()
        total = (end - frame.start) / 1e3
        if stack:
            stack[-1].child_us += total
        self._events.append(
            FunctionEvent(
                frame.name, frame.start / 1e3, total, total - frame.child_us, threading.get_ident()
            )
        )

    def run_op(self, cls: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Run ``cls.apply(*args, **kwargs)`` as one timed event."""
        outer = self.bypass
        self.bypass = cls
        self.push(op_event_name(cls._node_name))
        try:
            return cls.apply(*args, **kwargs)
        finally:
            self.pop()
            self.bypass = outer

    def _stack(self) -> list[_Frame]:
        stack = getattr(self._local, "stack", None)
        if stack is None:
            self._local.stack = stack = []
        return stack

    # -- results ---------------------------------------------------------------------------------
    def events(self) -> EventList:
        """Every recorded event, in the order they finished."""
        return EventList(self._events)

    def key_averages(
        self, group_by_input_shape: bool = False, group_by_stack_n: int = 0
    ) -> EventList:
        """One entry per event name: ``key``, ``count``, ``cpu_time_total``,
        ``self_cpu_time_total``."""
        return self.events().key_averages()

    @property
    def self_cpu_time_total(self) -> float:
        return self.events().self_cpu_time_total

    def export_chrome_trace(self, path: str | os.PathLike[str]) -> None:
        """Write the events as a Chrome trace (open it in chrome://tracing or Perfetto)."""
        from ndgrad._atomic import _atomic_write

        trace = {
            "traceEvents": [
                {
                    "name": e.name,
                    "ph": "X",
                    "cat": "cpu_op",
                    "ts": e.start_us,
                    "dur": e.cpu_time_total,
                    "pid": os.getpid(),
                    "tid": e.thread,
                }
                for e in self._events
            ]
        }
        data = json.dumps(trace).encode()
        _atomic_write(os.fspath(path), lambda f: f.write(data))


class record_function:  # noqa: N801  (PyTorch's name)
    """Label a range of code: it shows in the profile as one event named ``name``.

    Works as a context manager and as a decorator; costs nothing when no profile is active.
    """

    def __init__(self, name: str, args: str | None = None) -> None:
        self.name = name
        self._prof: profile | None = None

    def __enter__(self) -> record_function:
        self._prof = function.profile_hook
        if self._prof is not None:
            self._prof.push(self.name)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._prof is not None:
            self._prof.pop()
            self._prof = None

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapped(*a: Any, **k: Any) -> Any:
            with record_function(self.name):
                return fn(*a, **k)

        return wrapped
