"""Logs see the redacted text."""

from __future__ import annotations

import logging

from invekto.guardrails.logs import PiiRedactingFilter, install


def test_pii_in_a_log_record_is_masked():
    record = logging.LogRecord(
        "invekto", logging.WARNING, __file__, 1, "customer %s wrote from %s", None, None
    )
    record.args = ("TC 10000000146", "0532 111 22 33")

    assert PiiRedactingFilter().filter(record)

    assert record.getMessage() == "customer TC <TR_NATIONAL_ID> wrote from <PHONE_NUMBER>"


def test_a_record_without_pii_is_left_alone():
    record = logging.LogRecord("invekto", logging.INFO, __file__, 1, "job %s done", ("42",), None)

    PiiRedactingFilter().filter(record)

    assert (record.msg, record.args) == ("job %s done", ("42",))


def test_install_puts_the_filter_on_every_handler_once():
    logger = logging.getLogger("invekto.test-redaction")
    handler = logging.StreamHandler()
    logger.addHandler(handler)
    try:
        install(logger)
        install(logger)
        assert sum(isinstance(f, PiiRedactingFilter) for f in handler.filters) == 1
    finally:
        logger.removeHandler(handler)
