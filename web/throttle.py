"""Failed attempts on the invitation page, counted per address as sign-in counts them.

The accept page tells whether a key names an invitation, and creating an account there tells
whether a username is taken: sign-in tells neither. So an unknown key and a taken username
count as failures of the caller's address (opsassess.core.client.client_ip, the address
django-axes locks sign-ins by), and after AXES_FAILURE_LIMIT of them, each within
AXES_COOLOFF_TIME of the one before, the page answers 429 to that address until the cool-off
has passed since the last one. Nothing on the page is then looked up, valid keys included.

The counters live in the default cache, which production must share between workers
(opsassess.core.checks refuses a per-process cache there).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from opsassess.core.client import client_ip

PREFIX = "web:invitation-failures:"


def _key(request: HttpRequest) -> str:
    return PREFIX + client_ip(request)


def _cool_off() -> float:
    return float(settings.AXES_COOLOFF_TIME.total_seconds())


def retry_after(request: HttpRequest) -> int | None:
    """Seconds until the caller's address may use the page again; None when it may now."""
    entry = cache.get(_key(request))
    if entry is None:
        return None
    failures, last = entry
    left = last + _cool_off() - time.time()
    if failures < settings.AXES_FAILURE_LIMIT or left <= 0:
        return None
    return max(1, int(left))


def failed(request: HttpRequest) -> None:
    """Count a failure of the caller's address."""
    key, now, cool_off = _key(request), time.time(), _cool_off()
    entry = cache.get(key)
    failures = entry[0] if entry is not None and entry[1] + cool_off > now else 0
    cache.set(key, (failures + 1, now), timeout=int(cool_off) + 1)
