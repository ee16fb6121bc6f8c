"""Waiting for the scores feed's horizon in tests that write and then sync (PostgreSQL)."""

import time

from django.db import connection

from assessments.models import FeedChange


def settle() -> None:
    """Wait until every change written so far is settled (PostgreSQL).

    The xmin is the server's: a transaction open in another database on the same server (a
    test run next door) holds the feed back for a moment. Waiting for it is not a timing
    assertion: the feed would deliver the rows a moment later.
    """
    if connection.vendor != "postgresql":
        return
    table = connection.ops.quote_name(FeedChange._meta.db_table)
    for _ in range(600):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint "
                f"> (SELECT COALESCE(MAX(xid), 0) FROM {table})"
            )
            if cursor.fetchone()[0]:
                return
        time.sleep(0.05)
    raise AssertionError("changes still unsettled after 30 s")
