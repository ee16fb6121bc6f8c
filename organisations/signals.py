"""Signals other apps listen to, so this app never imports them."""

from django.dispatch import Signal

# Sent inside the transaction that renames an organisation (new slug or name), with
# `organisation_id`. Rows elsewhere that show the name or slug re-send themselves.
organisation_renamed = Signal()

# Sent inside the transaction that accepts an invitation, with `invitation` and `user`.
invitation_accepted = Signal()
