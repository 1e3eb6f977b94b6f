"""Logs see the redacted text: every log record is masked for PII when it is made.

A record factory (``logging.setLogRecordFactory``) masks each record's message and its exception
and stack texts before any handler sees it, so loggers with their own handlers (uvicorn's,
SQLAlchemy's, procrastinate's) and tracebacks (SQLAlchemy prints a failed statement's
parameters) are covered too, whatever is configured after ``install``. The handler filter stays
for records built by hand.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

from invekto.guardrails.pii import mask, might_hold_pii


def _masked(text: str) -> str:
    return mask(text, "tr") if might_hold_pii(text) else text


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """Mask the record's message, exception text and stack text in place."""
    try:
        message = record.getMessage()
    except Exception:  # a malformed record: let logging report it as usual
        return record
    redacted = _masked(message)
    if redacted != message:
        record.msg, record.args = redacted, ()
    if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
        text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        record.exc_text = _masked(text)  # formatters use exc_text when it is set
    elif record.exc_text:
        record.exc_text = _masked(record.exc_text)
    if record.stack_info:
        record.stack_info = _masked(record.stack_info)
    return record


class PiiRedactingFilter(logging.Filter):
    """Mask PII in a record (``<PHONE_NUMBER>``, ``<TR_NATIONAL_ID>``, ...)."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


_installed_factory: Any = None


def install(logger: logging.Logger | None = None) -> None:
    """Mask every record made from now on (all loggers), and put the filter on every handler
    of ``logger`` (default: the root logger)."""
    global _installed_factory
    current = logging.getLogRecordFactory()
    if current is not _installed_factory:

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            return redact_record(current(*args, **kwargs))

        _installed_factory = factory
        logging.setLogRecordFactory(factory)
    target = logger or logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, PiiRedactingFilter) for f in handler.filters):
            handler.addFilter(PiiRedactingFilter())
