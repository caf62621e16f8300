"""Outbox message kinds named in more than one place (no Telegram imports: alerts queue them)."""

from __future__ import annotations

EDIT = "edit"  # an outbox kind: replace the text of the message named by target_key
