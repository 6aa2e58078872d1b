"""ndgrad.profiler: PyTorch's profile / record_function / key_averages over ndgrad's ops."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import ndgrad
from ndgrad.autograd import function
from ndgrad.profiler import (
    ProfilerActivity,
    op_event_name,
    profile,
    record_function,
    schedule,
    tensorboard_trace_handler,
)


def _step(model: ndgrad.nn.Module, x: ndgrad.Tensor) -> None:
    loss = model(x).pow(2).mean()
    loss.backward()


def test_counts_forward_ops_backward_nodes_and_ranges() -> None:
    model = ndgrad.nn.Sequential(ndgrad.nn.Linear(4, 8), ndgrad.nn.ReLU(), ndgrad.nn.Linear(8, 1))
    x = ndgrad.randn(5, 4)
    with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
        for _ in range(3):
            with record_function("train_step"):
                _step(model, x)
    avg = {e.key: e for e in prof.key_averages()}
    assert avg["train_step"].count == 3
    assert avg["aten::addmm"].count == 6  # two Linear layers, three steps
    assert avg["aten::relu"].count == 3
    assert avg["AddmmBackward0"].count == 6 and avg["ReluBackward0"].count == 3
    assert avg["MeanBackward0"].count == 3
    # the range holds everything: its total is the sum of all self times (single thread)
    total = sum(e.self_cpu_time_total for e in avg.values())
    assert avg["train_step"].cpu_time_total == pytest.approx(total, rel=1e-6)
    for e in avg.values():
        assert 0 <= e.self_cpu_time_total <= e.cpu_time_total + 1e-6
        assert e.cpu_time == pytest.approx(e.cpu_time_total / e.count)
    # a backward node's total includes the ops its backward ran
    assert avg["AddmmBackward0"].cpu_time_total > avg["AddmmBackward0"].self_cpu_time_total


def test_table_sorted_and_limited() -> None:
    x = ndgrad.randn(8, 8, requires_grad=True)
    with profile() as prof:
        for _ in range(4):
            (x @ x).tanh().sum().backward()
    table = prof.key_averages().table(sort_by="cpu_time_total", row_limit=3)
    lines = table.splitlines()
    assert "Self CPU %" in lines[1] and "# of Calls" in lines[1]
    assert len(lines) == 3 + 3 + 1 + 1  # rules and header, 3 rows, a rule, the total line
    assert lines[-1].startswith("Self CPU time total:")
    rows = sorted(prof.key_averages(), key=lambda e: e.cpu_time_total, reverse=True)[:3]
    assert [line.split()[0] for line in lines[3:6]] == [e.key for e in rows]
    with pytest.raises(AttributeError):
        prof.key_averages().table(sort_by="no_such_column")


def test_no_cost_and_no_record_when_inactive() -> None:
    assert function.profile_hook is None
    with profile() as prof:
        assert function.profile_hook is prof
        ndgrad.ones(2) + 1
    assert function.profile_hook is None
    n = len(prof.events())
    ndgrad.ones(2) + 1
    with record_function("outside"):
        ndgrad.ones(2) * 2
    assert len(prof.events()) == n


def test_record_function_as_decorator_and_custom_function_nesting() -> None:
    class Square(ndgrad.autograd.Function):
        @staticmethod
        def forward(ctx, x):  # type: ignore[no-untyped-def]
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):  # type: ignore[no-untyped-def]
            (x,) = ctx.saved_tensors
            return 2 * x * g

    @record_function("my_block")
    def block(t: ndgrad.Tensor) -> ndgrad.Tensor:
        return Square.apply(t).sum()

    x = ndgrad.randn(3, requires_grad=True)
    with profile() as prof:
        block(x).backward()
    avg = {e.key: e for e in prof.key_averages()}
    assert avg["my_block"].count == 1
    assert avg["aten::square"].count == 1  # the custom Function
    assert avg["aten::mul"].count >= 1  # the op inside its forward is recorded too
    assert avg["SquareBackward0"].count == 1
    assert avg["aten::square"].cpu_time_total >= avg["aten::square"].self_cpu_time_total


def test_chrome_trace_and_on_trace_ready(tmp_path: Path) -> None:
    seen = []
    with profile(on_trace_ready=seen.append) as prof:
        (ndgrad.ones(3, requires_grad=True) * 3).sum().backward()
        prof.step()
    assert seen == [prof] and prof.step_num == 1
    path = tmp_path / "trace.json"
    prof.export_chrome_trace(str(path))
    events = json.loads(path.read_text())["traceEvents"]
    assert {"aten::mul", "MulBackward0"} <= {e["name"] for e in events}
    assert all(e["ph"] == "X" and e["dur"] >= 0 for e in events)


def test_nested_profiles_refused_and_failed_ops_leave_it_usable() -> None:
    with profile() as prof:
        with pytest.raises(RuntimeError, match="already enabled"):
            profile().start()
        with pytest.raises(RuntimeError):
            ndgrad.ones(2, 3) + ndgrad.ones(2, 4)
        ndgrad.ones(2) + 1
    assert function.profile_hook is None
    assert any(e.key == "aten::add" for e in prof.key_averages())


def test_event_names_follow_pytorch_operators() -> None:
    assert op_event_name("MulBackward0") == "aten::mul"
    assert op_event_name("AddmmBackward0") == "aten::addmm"
    assert op_event_name("NllLossBackward0") == "aten::nll_loss"
    assert op_event_name("MaxPool2DWithIndicesBackward0") == "aten::max_pool2d_with_indices"
    assert op_event_name("Log1PBackward0") == "aten::log1p"
    assert op_event_name("CopyBackwards") == "aten::copy"


def test_schedule_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    for kwargs in (
        {"wait": 1, "warmup": 1, "active": 2},
        {"wait": 0, "warmup": 0, "active": 1, "repeat": 2},
        {"wait": 2, "warmup": 1, "active": 3, "repeat": 1, "skip_first": 2},
    ):
        ours, theirs = schedule(**kwargs), torch.profiler.schedule(**kwargs)
        assert [ours(i).name for i in range(20)] == [theirs(i).name for i in range(20)]
    with pytest.raises(ValueError):
        schedule(wait=0, warmup=0, active=0)


def test_scheduled_profile_records_only_active_steps(tmp_path: Path) -> None:
    saved: list[list[str]] = []

    def on_ready(p: profile) -> None:
        saved.append([e.key for e in p.key_averages()])

    x = ndgrad.ones(3, requires_grad=True)
    with profile(
        schedule=schedule(wait=1, warmup=1, active=2, repeat=2), on_trace_ready=on_ready
    ) as prof:
        for step in range(10):
            with record_function(f"step{step}"):
                (x * 2).sum().backward()
            prof.step()
    # cycles of 4 steps: wait, warmup, record, record-and-save; twice, then nothing
    assert len(saved) == 2
    assert {"step2", "step3"} <= set(saved[0]) and not {"step0", "step1", "step4"} & set(saved[0])
    assert {"step6", "step7"} <= set(saved[1]) and not {"step5", "step8", "step9"} & set(saved[1])
    assert {e.key for e in prof.key_averages()} == set(saved[1])
    assert function.profile_hook is None

    handler = tensorboard_trace_handler(str(tmp_path / "tb"), worker_name="w0")
    with profile(on_trace_ready=handler):
        (x * 3).sum().backward()
    files = list((tmp_path / "tb").glob("w0.*.pt.trace.json"))
    assert len(files) == 1 and "aten::mul" in files[0].read_text()


def test_older_autograd_profiler_path() -> None:
    import ndgrad.autograd.profiler as old

    with old.profile(use_cuda=False) as prof:
        with old.record_function("block"):
            (ndgrad.ones(2, requires_grad=True) * 2).sum().backward()
    keys = {e.key for e in prof.key_averages()}
    assert {"block", "aten::mul", "aten::sum", "SumBackward0", "MulBackward0"} <= keys
    assert "Self CPU time total" in prof.key_averages().table(sort_by="self_cpu_time_total")
