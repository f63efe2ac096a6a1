"""Waking a background task after a commit without flooding the task worker."""

import datetime
import threading
import time

from django.utils import timezone


class Waker:
    """Enqueues a task at most once per ``window`` in this process, deferred by that window: the
    task then starts after everything the process committed in the window and handles it in one
    run. A backend that cannot defer a task (the immediate one of the tests) runs it at once."""

    def __init__(self, window: datetime.timedelta) -> None:
        self.window = window
        self._lock = threading.Lock()
        self._next = 0.0

    def wake(self, task) -> None:
        if not task.get_backend().supports_defer:
            task.enqueue()
            return
        with self._lock:
            now = time.monotonic()
            if now < self._next:
                return
            self._next = now + self.window.total_seconds()
        task.using(run_after=timezone.now() + self.window).enqueue()
