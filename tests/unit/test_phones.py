"""Unit tests of the Turkish phone normaliser."""

from __future__ import annotations

import pytest

from invekto.core.phones import normalize_tr_phone


@pytest.mark.parametrize(
    "raw",
    [
        "05321112233",
        "0532 111 22 33",
        "0 (532) 111-22-33",
        "+90 532 111 22 33",
        "+905321112233",
        "905321112233",
        "00905321112233",
        "5321112233",
        "532.111.22.33",
        " 0532 111 22 33 ",
    ],
)
def test_accepted_forms_become_international_digits(raw: str) -> None:
    assert normalize_tr_phone(raw) == "905321112233"


def test_landline_is_kept() -> None:
    assert normalize_tr_phone("0212 555 12 34") == "902125551234"


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "   ",
        "0532***2233",
        "532111223",  # 9 digits
        "053211122334",  # 12 digits without 90
        "+44 20 7946 0958",
        "0032 111 22 33",
        "1234567890",  # no Turkish number starts with 1
        "abc",
        "+90 532 111 22 33 ext 5",
    ],
)
def test_rejected_forms_give_none(raw: str | None) -> None:
    assert normalize_tr_phone(raw) is None
