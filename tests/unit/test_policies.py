"""Routing, business hours, formatting, templates and security: policy without a database."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import jwt
import pytest

from invekto.agents.formatting import date_range_text
from invekto.agents.hours import is_open, next_opening
from invekto.prompts import render, template
from invekto.prompts.content import PromptContent, PromptSet
from invekto.security import CredentialBox, hash_password, issue_token, read_token, verify_password

IST = ZoneInfo("Europe/Istanbul")
HOURS = {"days": [0, 1, 2, 3, 4, 5], "start": "09:00", "end": "18:00"}


def test_business_hours():
    tuesday_noon = dt.datetime(2026, 11, 24, 12, 0, tzinfo=IST)
    tuesday_night = dt.datetime(2026, 11, 24, 22, 0, tzinfo=IST)
    saturday_night = dt.datetime(2026, 11, 28, 19, 0, tzinfo=IST)
    assert is_open(HOURS, "Europe/Istanbul", tuesday_noon)
    assert not is_open(HOURS, "Europe/Istanbul", tuesday_night)
    assert next_opening(HOURS, "Europe/Istanbul", tuesday_night) == dt.datetime(
        2026, 11, 25, 9, 0, tzinfo=IST
    )
    assert next_opening(HOURS, "Europe/Istanbul", saturday_night).date() == dt.date(2026, 11, 30)
    assert is_open({}, "Europe/Istanbul", tuesday_night)  # no hours set: always open


def test_date_range_in_turkish_and_english():
    now = dt.datetime(2026, 11, 25, 10, 0, tzinfo=IST)
    start = dt.datetime(2026, 11, 26, 10, 0, tzinfo=IST)
    end = dt.datetime(2026, 11, 28, 10, 0, tzinfo=IST)
    assert (
        date_range_text(start, end, language="tr", timezone="Europe/Istanbul", now=now)
        == "yarın – 28 Kasım"
    )
    assert (
        date_range_text(start, end, language="en", timezone="Europe/Istanbul", now=now)
        == "tomorrow – November 28"
    )
    assert (
        date_range_text(None, None, language="tr", timezone="Europe/Istanbul", now=now)
        == "henüz belli değil"
    )


def test_templates_fall_back_and_tenants_override():
    assert "Demo" in render("greeting", "tr", None, shop="Demo", name_part="")
    english_only = PromptSet(PromptContent(texts={"en": {"handoff": "English only"}}))
    assert template("handoff", "ar", english_only) != "English only"  # Arabic has its own
    assert template("order_stale_note", "ar", english_only) == template("order_stale_note", "ar")
    no_arabic = PromptSet(PromptContent(texts={"en": {"handoff": "English only"}}))
    assert no_arabic.text("handoff", "en") == "English only"
    custom = PromptSet(PromptContent(texts={"tr": {"handoff": "Hemen dönüyoruz."}}))
    assert render("handoff", "tr", custom) == "Hemen dönüyoruz."
    assert render("handoff", "en", custom) == render("handoff", "en")  # per language
    with pytest.raises(KeyError):
        template("no_such_template", "tr")


def test_passwords_and_tokens():
    hashed = hash_password("s3cret")
    assert verify_password(hashed, "s3cret")
    assert not verify_password(hashed, "wrong")
    assert not verify_password("not-a-hash", "s3cret")
    user, tenant = uuid.uuid4(), uuid.uuid4()
    token, _ = issue_token(secret="k", user_id=user, tenant_id=tenant, role="owner", ttl_hours=24)
    claims = read_token(secret="k", token=token)
    assert (claims.user_id, claims.tenant_id, claims.role) == (user, tenant, "owner")
    with pytest.raises(jwt.InvalidTokenError):
        read_token(secret="other", token=token)


def test_credentials_are_encrypted_and_need_the_same_secret():
    sealed = CredentialBox("one").seal({"api_key": "k", "api_secret": "very-secret"})
    assert "very-secret" not in sealed
    assert CredentialBox("one").open(sealed) == {"api_key": "k", "api_secret": "very-secret"}
    with pytest.raises(ValueError):
        CredentialBox("two").open(sealed)
