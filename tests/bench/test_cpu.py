"""The /proc CPU meter the P2 bench uses to say where the cores went."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from bench import _cpu

pytestmark = pytest.mark.skipif(not _cpu.available(), reason="the meter reads /proc, which only Linux has")

_BURN = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass\ntime.sleep(30)"


def test_a_busy_child_is_found_and_its_cpu_counted_per_group() -> None:
    child = subprocess.Popen([sys.executable, "-c", _BURN])  # noqa: S603
    try:
        meter = _cpu.CpuMeter({"child": lambda: _cpu.children(os.getpid()), "none": lambda: []})
        meter.start()
        assert child.pid in _cpu.children(os.getpid())
        deadline = time.monotonic() + 20
        while _cpu.cpu_seconds([child.pid]) < 0.3 and time.monotonic() < deadline:  # until it sleeps
            time.sleep(0.05)
        meter.stop()
        per_run = meter.per_item_ms(10)
        assert 25 <= per_run["child"] <= 60  # its 0.3 s burn (and a little start-up) over 10 items
        assert per_run["none"] == 0
    finally:
        child.kill()
        child.wait()
    assert _cpu.cpu_seconds([child.pid]) == 0  # a process that is gone counts nothing


def test_processes_are_found_by_command_name() -> None:
    comm = open(f"/proc/{os.getpid()}/comm").read().strip()  # noqa: PTH123
    assert os.getpid() in _cpu.named(comm)
    assert _cpu.named("no-such-command-here") == []
