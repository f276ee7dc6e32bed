"""CPU time of processes, from /proc (Linux): how a bench tells where the cores went while it ran."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

_PROC = Path("/proc")
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def available() -> bool:
    return (_PROC / "self" / "stat").exists()


def _stat(pid: int) -> list[str] | None:
    try:
        text = (_PROC / str(pid) / "stat").read_text()
    except OSError:  # gone, or not ours to read
        return None
    return text.rsplit(")", 1)[1].split()  # the fields after the command name (which may hold spaces)


def cpu_seconds(pids: Iterable[int]) -> float:
    """User + system CPU seconds the processes have used so far (a process that is gone counts 0)."""
    total = 0
    for pid in pids:
        fields = _stat(pid)
        if fields is not None:
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / _TICKS


def _matching(wanted: Callable[[Path], bool]) -> list[int]:
    """The pids of the processes ``wanted`` accepts (given their /proc folder); none without /proc."""
    if not available():
        return []
    found = []
    for entry in _PROC.iterdir():
        try:
            if entry.name.isdigit() and wanted(entry):
                found.append(int(entry.name))
        except (OSError, IndexError, ValueError):  # gone meanwhile, or not ours to read
            continue
    return found


def children(pid: int) -> list[int]:
    """The direct children of ``pid`` (e.g. a Celery worker's pool processes)."""
    return _matching(lambda entry: (_stat(int(entry.name)) or ["", "0"])[1] == str(pid))


def named(command: str) -> list[int]:
    """Processes whose command name is ``command`` (e.g. every PostgreSQL backend, the Redis server)."""
    return _matching(lambda entry: (entry / "comm").read_text().strip() == command)


class CpuMeter:
    """Adds up, per named group, the CPU seconds used between ``start`` and ``stop``; groups are re-listed at
    each start (pool processes come and go)."""

    def __init__(self, groups: dict[str, Callable[[], list[int]]]) -> None:
        self.groups = groups
        self.used = dict.fromkeys(groups, 0.0)
        self._pids: dict[str, list[int]] = {}
        self._before: dict[str, float] = {}

    def start(self) -> None:
        self._pids = {name: listed() for name, listed in self.groups.items()}
        self._before = {name: cpu_seconds(pids) for name, pids in self._pids.items()}

    def stop(self) -> None:
        for name, pids in self._pids.items():
            self.used[name] += cpu_seconds(pids) - self._before[name]

    def per_item_ms(self, items: int) -> dict[str, float]:
        return {name: seconds * 1000 / max(items, 1) for name, seconds in self.used.items()}
