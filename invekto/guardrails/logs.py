"""Logs see the redacted text: a logging filter that masks PII in every record it passes."""

from __future__ import annotations

import logging

from invekto.guardrails.pii import mask, might_hold_pii


class PiiRedactingFilter(logging.Filter):
    """Mask PII in a record's message (``<PHONE_NUMBER>``, ``<TR_NATIONAL_ID>``, ...)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: let logging report it as usual
            return True
        if might_hold_pii(message):
            redacted = mask(message, "tr")
            if redacted != message:
                record.msg, record.args = redacted, ()
        return True


def install(logger: logging.Logger | None = None) -> None:
    """Put the filter on every handler of ``logger`` (default: the root logger)."""
    target = logger or logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, PiiRedactingFilter) for f in handler.filters):
            handler.addFilter(PiiRedactingFilter())
