"""Failed logins per client address: at most ``limit`` in a sliding window.

This is the second fence after the per-user lock in :mod:`mealplan.services.users`: it
stops one address from trying many usernames (or one username from many requests) and
answers 429. The counts live in this process's memory (the panel runs as one waitress
process with threads); a restart forgets them. Behind a reverse proxy, set
``MEALPLAN_PROXY_HOPS`` so that the address is the client's, not the proxy's.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

#: failed logins one address may make in the window before it gets 429
ADDRESS_LIMIT = 20
#: the window, in seconds
ADDRESS_WINDOW_S = 15 * 60
#: addresses kept at most (the oldest are forgotten first)
MAX_ADDRESSES = 10_000


class AddressThrottle:
    """Counts login attempts per address; thread-safe.

    :meth:`claim` counts an attempt *before* the password is checked (so that parallel
    requests cannot slip past the limit) and :meth:`release` takes it back when the login
    succeeds, so that only failures count.
    """

    def __init__(
        self,
        limit: int = ADDRESS_LIMIT,
        window_s: float = ADDRESS_WINDOW_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if limit < 1 or window_s <= 0:
            raise ValueError(f"limit must be >= 1 and window_s > 0, got {limit}, {window_s}")
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._lock = threading.Lock()
        self._attempts: dict[str, deque[float]] = {}

    def claim(self, address: str) -> int | None:
        """Count an attempt from ``address``; None when allowed, else the seconds to wait
        (the attempt is then not counted)."""
        now = self._clock()
        with self._lock:
            times = self._attempts.pop(address, None) or deque()
            while times and times[0] <= now - self.window_s:
                times.popleft()
            if len(times) >= self.limit:
                self._attempts[address] = times
                return max(1, math.ceil(times[0] + self.window_s - now))
            times.append(now)
            self._attempts[address] = times  # most recently used last
            while len(self._attempts) > MAX_ADDRESSES:
                del self._attempts[next(iter(self._attempts))]
            return None

    def release(self, address: str) -> None:
        """Take back the latest attempt of ``address`` (it logged in)."""
        with self._lock:
            times = self._attempts.get(address)
            if times:
                times.pop()
                if not times:
                    del self._attempts[address]
