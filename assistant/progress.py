"""Progress of long work (parsing reports, embedding chunks) on a terminal; silent anywhere else.

The stages report through ``report(stage, done, total)``; nothing is shown unless a ``Reporter`` is
active (the CLI's ``build`` starts one). A context variable carries it, so the facade between the CLI
and the stages needs no progress argument. A reporter writes only when its stream is a TTY: CI logs
and pipes get no carriage-return noise.
"""

from __future__ import annotations

import contextvars
import sys
import time
from collections.abc import Callable
from typing import TextIO

_active: contextvars.ContextVar[Reporter | None] = contextvars.ContextVar("progress", default=None)


def report(stage: str, done: int, total: int) -> None:
    """Tell the active reporter, if any, that ``done`` of ``total`` items of ``stage`` are finished."""
    reporter = _active.get()
    if reporter is not None:
        reporter.update(stage, done, total)


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


class Reporter:
    """One line per stage, rewritten in place: ``embedding chunks 1200/39137 · 165/s · 3m50s left``.

    Args:
        stream: where to write (stderr by default); nothing is written unless ``stream.isatty()``.
        interval: least seconds between two redraws of a stage's line (the last item always draws).
        clock: a monotonic clock, replaceable in tests.
    """

    def __init__(self, stream: TextIO | None = None, interval: float = 0.25,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.interval, self.clock = interval, clock
        self._stage: str | None = None
        self._done = 0
        self._start = self._drawn = 0.0
        self._token: contextvars.Token | None = None

    def __enter__(self) -> Reporter:
        self._token = _active.set(self)
        return self

    def __exit__(self, *exc: object) -> None:
        self._end_line()
        if self._token is not None:
            _active.reset(self._token)

    def _end_line(self) -> None:
        if self._stage is not None and self.enabled:
            self.stream.write("\n")
            self.stream.flush()
        self._stage = None

    def update(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = self.clock()
        if stage != self._stage or done < self._done:  # a new stage, or the same kind of work again
            self._end_line()
            self._stage, self._start, self._drawn = stage, now, float("-inf")
        self._done = done
        if done < total and now - self._drawn < self.interval:
            return
        self._drawn = now
        elapsed = now - self._start
        line = f"{stage} {done:,}/{total:,}"
        if elapsed > 0 and done:
            rate = done / elapsed
            line += f" · {rate:,.0f}/s"
            line += f" · {_duration((total - done) / rate)} left" if done < total else f" · {_duration(elapsed)}"
        self.stream.write(f"\r{line}\x1b[K")
        self.stream.flush()
