"""Progress for long CLI work (model loading, RAG ingest, export, deploy), on stderr and only for a person.

Progress is shown when stderr is a terminal, unless the command runs with ``--json`` or ``--quiet``, so a
script's stdout (and a captured stderr) stays plain. ``LCNC_PROGRESS=1`` forces it on (e.g. into a log file),
``LCNC_PROGRESS=0`` off. Results never go through here: they are printed to stdout by the command itself.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

PROGRESS_ENV = "LCNC_PROGRESS"
_ON = {"1", "true", "yes", "on", "always"}
_OFF = {"0", "false", "no", "off", "never"}

T = TypeVar("T")


def progress_forced() -> bool | None:
    """What ``LCNC_PROGRESS`` says: True (always), False (never) or None (decide by the terminal)."""
    value = os.environ.get(PROGRESS_ENV, "").strip().lower()
    return True if value in _ON else False if value in _OFF else None


def progress_enabled(*, as_json: bool = False, quiet: bool = False) -> bool:
    """Whether to show progress: never with --json or --quiet, else as forced, else when stderr is a terminal."""
    if as_json or quiet:
        return False
    forced = progress_forced()
    if forced is not None:
        return forced
    return sys.stderr.isatty()


class CliProgress:
    """Steps (a spinner, then a line saying it is done) and counted work (a bar) on stderr; silent when off."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        # Forced on into a file or pipe: still draw, so a log shows the same lines a terminal would.
        self.console = Console(stderr=True, force_terminal=True if enabled and progress_forced() else None,
                               highlight=False)
        self._live: Progress | None = None

    @classmethod
    def for_command(cls, *, as_json: bool = False, quiet: bool = False) -> CliProgress:
        return cls(progress_enabled(as_json=as_json, quiet=quiet))

    def _progress(self, *columns: object) -> Progress:
        # stdout is never redirected: a script's output must not end up on stderr.
        return Progress(*columns, console=self.console, transient=True, redirect_stdout=False,  # type: ignore[arg-type]
                        redirect_stderr=False)

    @contextmanager
    def step(self, description: str) -> Iterator[StepHandle]:
        """A spinner while the block runs, then ``✓ description (N.N s)`` (``✗`` when it raised)."""
        handle = StepHandle(self, description)
        if not self.enabled:
            yield handle
            return
        started, ok = time.monotonic(), False
        try:
            with self._progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn()) as live:
                self._live = live
                handle.task = live.add_task(escape(description), total=None)
                yield handle
                ok = True
        finally:
            self._live = None
            if ok:
                elapsed = time.monotonic() - started
                self.console.print(f"[green]✓[/] {escape(handle.description)} [dim]({elapsed:.1f} s)[/]")
            else:
                self.console.print(f"[red]✗[/] {escape(handle.description)}")

    def track(self, items: Iterable[T], *, total: int, description: str) -> Iterator[T]:
        """Yield the items while a bar counts them, then ``✓ description (N of N)``."""
        if not self.enabled:
            yield from items
            return
        done = 0
        with self._progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn()) as live:
            self._live = live
            task = live.add_task(escape(description), total=total)
            try:
                for item in items:
                    yield item
                    done += 1
                    live.advance(task)
            finally:
                self._live = None
        self.console.print(f"[green]✓[/] {escape(description)} ({done} of {total})")

    def echo(self, text: str, *, err: bool = False) -> None:
        """Print a result line: above the progress when both share the terminal, else plainly to stdout/stderr."""
        stream = sys.stderr if err else sys.stdout
        if self._live is not None and (err or stream.isatty()):
            self._live.console.print(escape(text), soft_wrap=True)
        else:
            typer.echo(text, err=err)


class StepHandle:
    """Lets a step's block say what it is doing now (e.g. a rollout's latest message)."""

    def __init__(self, progress: CliProgress, description: str) -> None:
        self.progress = progress
        self.description = description
        self.task: object = None

    def update(self, detail: str) -> None:
        live = self.progress._live
        if live is not None and self.task is not None:
            live.update(self.task, description=f"{escape(self.description)} [dim]{escape(detail)}[/]")  # type: ignore[arg-type]
