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


def test_traces_carry_masked_text_when_tracing_is_on(monkeypatch):
    from langsmith import run_trees

    from invekto.guardrails.traces import redact_traces, redact_tree

    tree = {"messages": [{"content": "IBAN TR330006100519786457841326"}], "n": 3}
    assert redact_tree(tree) == {"messages": [{"content": "IBAN <IBAN_CODE>"}], "n": 3}

    monkeypatch.delenv("LANGSMITH_TRACING", raising=False)
    monkeypatch.delenv("LANGCHAIN_TRACING_V2", raising=False)
    assert redact_traces() is False
    monkeypatch.setenv("LANGSMITH_TRACING", "true")
    monkeypatch.setenv("LANGSMITH_API_KEY", "lsv2-test")
    monkeypatch.setenv("LANGSMITH_ENDPOINT", "http://127.0.0.1:9")  # loopback: nothing leaves
    previous = run_trees._CLIENT
    try:
        assert redact_traces() is True
        client = run_trees.get_cached_client()
        assert client._hide_inputs is redact_tree and client._hide_outputs is redact_tree
    finally:
        run_trees._CLIENT = previous


def test_a_database_error_traceback_in_a_third_party_logger_is_masked(pg_url):
    """SQLAlchemy prints a failed statement's parameters; uvicorn logs it with its own handler
    (not propagated to the root): the IBAN must not reach the log."""
    import io

    import psycopg

    install()
    iban = "TR330006100519786457841326"
    stream = io.StringIO()
    logger = logging.getLogger("uvicorn.error.test-redaction")
    logger.propagate = False
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger.addHandler(handler)
    try:
        with psycopg.connect(pg_url) as conn:
            try:
                conn.execute("SELECT %s::int", (iban,))
            except psycopg.Error:
                logger.exception("failed while storing %s", iban)
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    assert "Traceback" in output and "InvalidTextRepresentation" in output
    assert iban not in output and "<IBAN_CODE>" in output
