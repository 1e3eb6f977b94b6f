"""Logs see the redacted text: a logging filter that masks PII in every record it passes."""

from __future__ import annotations

import logging
import re

from invekto.guardrails.pii import mask

_MAYBE_PII = re.compile(r"\d{5,}|@|\d[\d ()\-]{8,}\d|[A-ZÇĞİÖŞÜ][a-zçğıöşü]+ [A-ZÇĞİÖŞÜ]")
"""Records without a long number, an e-mail sign or a capitalised pair are passed as they are."""


class PiiRedactingFilter(logging.Filter):
    """Mask PII in a record's message (``<PHONE_NUMBER>``, ``<TR_NATIONAL_ID>``, ...)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: let logging report it as usual
            return True
        if _MAYBE_PII.search(message):
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
