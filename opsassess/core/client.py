"""The one address a request is attributed to, for throttling and for the login lockout.

`X-Forwarded-For` is written by the client first and by each proxy after it, so only the
entries the proxies we run appended can be believed. With OPSASSESS_NUM_PROXIES=N (default
0) the address is the N-th entry from the right; with no proxy trusted it is the socket's
peer (REMOTE_ADDR) and the header is ignored, so a made-up one changes nothing.
"""

import ipaddress
from typing import Any

from django.conf import settings


def client_ip(request: Any) -> str:
    """The client's address as the trusted proxies (if any) saw it."""
    meta = request.META
    remote = str(meta.get("REMOTE_ADDR", ""))
    proxies = settings.OPSASSESS_NUM_PROXIES
    forwarded = meta.get("HTTP_X_FORWARDED_FOR")
    if proxies == 0 or not forwarded:
        return remote
    hops = [hop.strip() for hop in str(forwarded).split(",")]
    candidate = hops[-min(proxies, len(hops))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        # Our own proxy writes a valid address; anything else is not evidence of one.
        return remote
