"""The timeout of init_process_group, enforced as PyTorch's watchdog does: one daemon thread per process group
watches the one blocking wait in progress (a collective, Work.wait, the setup) and, once it has run past the
timeout, prints which wait, how long and the rank, then aborts the whole job.

A wait costs two attribute writes (its deadline set before, cleared after); the thread wakes a few times per
timeout to look at the deadline, so a hang ends within about 1.1 timeouts. Work.wait(timeout=) may watch its
wait with a shorter timeout: then the thread is woken to look at it as often.
"""
from __future__ import annotations

import sys
import threading
import time
from datetime import timedelta
from typing import Callable

POLLS_PER_TIMEOUT = 10
LONGEST_POLL = 1.0  # seconds: the thread never sleeps longer, whatever the timeout


class Watchdog:
    """Aborts the job (abort()) when a watched wait outlasts the timeout; watch() and done() bracket each wait."""

    def __init__(self, timeout: timedelta, rank: int, world_size: int, abort: Callable[[], None]) -> None:
        self.seconds, self.rank, self.world_size, self._abort = timeout.total_seconds(), rank, world_size, abort
        self._watched: tuple[float, str, float, str] | None = None
        """(deadline on time.monotonic, what is waited for, its timeout in seconds, whose timeout that is)"""
        self._stopped, self._woken = threading.Event(), threading.Event()
        self._poll = min(LONGEST_POLL, max(self.seconds / POLLS_PER_TIMEOUT, 1e-3))
        self._thread = threading.Thread(target=self._watch, name="minitorch.distributed watchdog", daemon=True)
        self._thread.start()

    def watch(self, what: str, timeout: timedelta | None = None) -> tuple:
        """Start the clock on a wait (init_process_group's timeout, or a shorter one of Work.wait's); pass what
        it returns to done() when the wait is over."""
        seconds, whose = (self.seconds, "init_process_group") if timeout is None else \
            (min(self.seconds, timeout.total_seconds()), "Work.wait")
        watched = self._watched = (time.monotonic() + seconds, what, seconds, whose)
        if timeout is not None:
            self._woken.set()  # the thread sleeps by the group's timeout: it must look at this shorter one
        return watched

    def done(self, watched: tuple) -> None:
        """Stop the clock of watch()'s wait (unless a later wait has replaced it)."""
        if self._watched is watched:
            self._watched = None

    def stop(self) -> None:
        """End the thread (destroy_process_group)."""
        self._stopped.set()
        self._woken.set()

    def _watch(self) -> None:
        poll = self._poll
        while True:
            self._woken.wait(poll)
            self._woken.clear()
            if self._stopped.is_set():
                return
            watched = self._watched
            poll = self._poll if watched is None else min(self._poll, max(watched[2] / POLLS_PER_TIMEOUT, 1e-3))
            if watched is not None and time.monotonic() > watched[0]:
                deadline, what, seconds, whose = watched
                waited = seconds + time.monotonic() - deadline
                sys.stderr.write(
                    f"minitorch.distributed: rank {self.rank}: {what} has not finished after {waited:.1f} s "
                    f"(the timeout of {whose} is {seconds:g} s): another rank has exited or is "
                    f"stuck; aborting all {self.world_size} ranks\n")
                sys.stderr.flush()
                self._abort()
                return
