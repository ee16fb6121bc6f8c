"""System checks for what settings.py cannot decide alone."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

PER_PROCESS_CACHES = frozenset(
    {
        "django.core.cache.backends.locmem.LocMemCache",
        "django.core.cache.backends.dummy.DummyCache",
    }
)


@register()
def throttle_state_is_shared(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """In production the throttle counters must live where every worker sees them.

    With a per-process cache each gunicorn worker counts on its own, so the real limit is
    the rate times the number of workers (and a dummy cache counts nothing at all).
    """
    if not settings.PRODUCTION:
        return []
    backend = settings.CACHES["default"]["BACKEND"]
    if backend not in PER_PROCESS_CACHES:
        return []
    return [
        Error(
            f"The default cache ({backend}) is private to each process, so every worker "
            "keeps its own throttle counters and the limits multiply by the number of workers.",
            hint="Set CACHE_URL to a cache all workers share, e.g. redis://host:6379/1, or "
            "dbcache://opsassess_cache after `manage.py createcachetable`.",
            id="opsassess.E001",
        )
    ]
