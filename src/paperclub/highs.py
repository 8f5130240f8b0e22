"""Making a HiGHS solver quietly, for the planner and the presenter assignment."""

from __future__ import annotations

import os
import sys
import threading
from typing import Any

_QUIET = threading.Lock()
_quieted = False


def new_highs(highspy: Any) -> Any:
    """A Highs instance. HiGHS prints its banner to the C stdout the first time one is made in
    a process, before any option can turn it off: that one time, stdout goes to /dev/null."""
    global _quieted
    with _QUIET:
        if _quieted:
            return highspy.Highs()
        try:
            sys.stdout.flush()
            saved = os.dup(1)
        except (OSError, ValueError, AttributeError):
            _quieted = True
            return highspy.Highs()
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, 1)
            h = highspy.Highs()
            try:
                import ctypes

                ctypes.CDLL(None).fflush(None)
            except (OSError, AttributeError, TypeError):
                pass
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(null)
        _quieted = True
        return h
