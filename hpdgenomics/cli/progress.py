"""The progress bar of long runs (samples done of total, rate, ETA), on stderr, drawn by tqdm.

The library only calls a ``progress(done, total, ...)`` callback; this module, owned by the command
line, decides whether a bar is drawn: only when stderr is a terminal, not under ``-q`` and not in
CI. ``HPDGENOMICS_PROGRESS=1`` draws it anyway (e.g. to see it through a pipe) and ``=0`` never.
While the bar is drawn, hpdgenomics' log lines are written above it, not through it.
"""
from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

#: "1": always draw the bar, "0": never; unset or anything else: only on a terminal
FORCE_ENV = "HPDGENOMICS_PROGRESS"

Progress = Callable[..., None]


def progress_wanted(*, quiet: bool = False) -> bool:
    """Whether to show a progress bar: the forcing environment variable when it is 0 or 1, else only
    on a terminal stderr, outside CI and without ``quiet``.
    """
    forced = os.environ.get(FORCE_ENV, "").strip()
    if forced in ("0", "1"):
        return forced == "1"
    return not quiet and sys.stderr.isatty() and not os.environ.get("CI")


@contextmanager
def progress_bar(label: str, *, enabled: bool, unit: str = "sample") -> Iterator[Progress | None]:
    """Yield a ``progress(done, total, *_)`` callback drawing the bar (None when not enabled).

    The bar appears at the first call (when the total is known) and is closed on leaving."""
    if not enabled:
        yield None
        return
    from tqdm import tqdm
    from tqdm.contrib.logging import logging_redirect_tqdm

    bar = None

    def update(done: int, total: int, *_ignored) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, desc=label, unit=unit, file=sys.stderr, dynamic_ncols=True,
                       mininterval=0.2)
        if total != bar.total:
            bar.total = total
        bar.update(done - bar.n)

    try:
        with logging_redirect_tqdm(loggers=[logging.getLogger("hpdgenomics")]):
            yield update
    finally:
        if bar is not None:
            bar.close()
