"""Crash injection: a process saving a large state dict is killed (SIGKILL) at random points, many
times. The file at the target always loads intact (one complete earlier version), and the
temporary files that killed saves leave behind are removed by the next save to the same path."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

_CHILD = r"""
import os, random, signal, sys, time
import numpy as np
import ndgrad

path, rounds = sys.argv[1], int(sys.argv[2])
directory = os.path.dirname(path)
rng = random.Random(0)

def state(version):
    return {f"layer{i}.weight": ndgrad.full((256, 256), float(version)) for i in range(24)}

def check(low, high):
    sd = ndgrad.load(path)
    values = {float(t.array.flat[0]) for t in sd.values()}
    mixed = f"a mixed or partial file: {len(sd)} tensors, {values}"
    assert len(sd) == 24 and len(values) == 1, mixed
    version = values.pop()
    # the newest complete save: no older than the last one seen, no newer than the last started
    assert low <= version <= high, f"version {version} outside [{low}, {high}]"
    for t in sd.values():
        assert t.shape == (256, 256) and bool((t.array == version).all())
    return version

def temps():
    return [f for f in os.listdir(directory) if f.endswith(".ndgrad-tmp")]

t0 = time.perf_counter()
ndgrad.save(state(0), path)
duration = time.perf_counter() - t0
last = 0.0
killed_mid_save = 0
for version in range(1, rounds + 1):
    pid = os.fork()
    if pid == 0:  # the saver
        try:
            ndgrad.save(state(version), path)
        finally:
            os._exit(0)
    time.sleep(rng.uniform(0, 1.5 * duration))
    os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    killed_mid_save += os.WIFSIGNALED(status)
    last = check(last, float(version))
    assert len(temps()) <= 1, temps()  # at most the one the last kill left; older ones were removed
ndgrad.save(state(-1), path)
check(-1.0, -1.0)
assert temps() == [], temps()
print(f"ok {rounds} rounds, {killed_mid_save} killed mid-save, save takes {duration * 1000:.0f} ms")
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_killed_saves_never_corrupt_the_old_file_and_leave_no_temp_files(tmp_path):
    path = tmp_path / "big.ndgrad"  # 24 x 256 KiB = 6 MiB
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    src = os.path.join(os.path.dirname(__file__), "..", "src")
    env["PYTHONPATH"] = os.pathsep.join([src, env.get("PYTHONPATH", "")])
    try:
        proc = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(_CHILD), str(path), "60"],
            capture_output=True,
            text=True,
            timeout=240,
            env=env,
        )
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
        killed = int(proc.stdout.split()[3])
        assert killed >= 20, proc.stdout  # most kills must land inside a save to test anything
    finally:
        for f in os.listdir(tmp_path):
            os.unlink(tmp_path / f)
