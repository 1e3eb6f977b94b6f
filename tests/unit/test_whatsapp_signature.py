"""Tests of the X-Hub-Signature-256 signing and verification."""

from __future__ import annotations

import pytest

from invekto.channels.whatsapp.signature import SIGNATURE_HEADER, sign, verify_signature

SECRET = "app-secret"
BODY = b'{"object":"whatsapp_business_account","entry":[]}'
# HMAC-SHA256(key=b"app-secret", msg=BODY), computed independently with hmac.new(...).hexdigest()
EXPECTED = "sha256=d3e4f9da0ce6c71ab3dba55929b8eeeee2455349e534924ead19f98d143e904f"


def test_header_name_is_metas() -> None:
    assert SIGNATURE_HEADER == "X-Hub-Signature-256"


def test_sign_gives_the_known_vector() -> None:
    assert sign(SECRET, BODY) == EXPECTED


def test_a_correct_signature_verifies() -> None:
    assert verify_signature(SECRET, BODY, EXPECTED)


def test_uppercase_hex_and_surrounding_spaces_verify() -> None:
    assert verify_signature(SECRET, BODY, " sha256=" + EXPECTED.removeprefix("sha256=").upper())


def test_the_signature_covers_the_raw_bytes() -> None:
    reserialised = b'{"object": "whatsapp_business_account", "entry": []}'
    assert not verify_signature(SECRET, reserialised, EXPECTED)


def test_another_secret_does_not_verify() -> None:
    assert not verify_signature("other-secret", BODY, EXPECTED)


def test_an_empty_secret_never_verifies() -> None:
    assert not verify_signature("", BODY, sign("", BODY))


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "sha256=",
        EXPECTED.removeprefix("sha256="),  # no scheme
        "sha1=" + EXPECTED.removeprefix("sha256="),
        EXPECTED[:-2],  # too short
        EXPECTED + "00",  # too long
        EXPECTED[:-1] + "g",  # not hex
        EXPECTED[:-1] + "ü",  # not ASCII
    ],
)
def test_missing_or_malformed_headers_are_rejected(header: str | None) -> None:
    assert not verify_signature(SECRET, BODY, header)
