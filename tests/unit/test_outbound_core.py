"""The outbound engine's pure parts: quiet hours, keywords, rule conditions, reply moods."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest

from invekto.graphs.conversation.proactive import satisfaction
from invekto.outbound.consent import consent_keyword
from invekto.outbound.events import (
    RuleConditionError,
    check_condition,
    holds,
    parameters_for,
)
from invekto.outbound.schedule import Planned, out_of_quiet_hours
from invekto.storage.models import OutboundRule, Tenant

IST = ZoneInfo("Europe/Istanbul")


def tenant(**outbound: object) -> Tenant:
    return Tenant(
        id=uuid.uuid4(),
        slug="t",
        name="T",
        vertical="ecommerce",
        timezone="Europe/Istanbul",
        settings={"outbound": outbound} if outbound else {},
    )


def at(hour: int, minute: int = 0, day: int = 1) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=IST)


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (at(12), at(12)),  # the day: as asked
        (at(20, 59), at(20, 59)),
        (at(21), at(9, day=2)),  # from 21:00 …
        (at(23, 30), at(9, day=2)),
        (at(0, 15, day=2), at(9, day=2)),  # … to 09:00, past midnight
        (at(8, 59, day=2), at(9, day=2)),
        (at(9, day=2), at(9, day=2)),
    ],
)
def test_nothing_is_sent_at_night(when, expected):
    assert out_of_quiet_hours(when.astimezone(dt.UTC), tenant()) == expected


def test_quiet_hours_follow_the_tenant_zone_and_window():
    lunch = tenant(quiet_hours={"start": "12:00", "end": "13:30"})
    assert out_of_quiet_hours(at(12, 10), lunch) == at(13, 30)
    assert out_of_quiet_hours(at(13, 30), lunch) == at(13, 30)
    never = tenant(quiet_hours={"start": "00:00", "end": "00:00"})
    assert out_of_quiet_hours(at(3), never) == at(3)
    riyadh = tenant()
    riyadh.timezone = "Asia/Riyadh"  # UTC+3 too, but another zone name: still local time
    assert out_of_quiet_hours(at(22), riyadh).astimezone(ZoneInfo("Asia/Riyadh")).hour == 9


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("STOP", "stop"),
        ("stop.", "stop"),
        ("İPTAL", "stop"),
        ("iptal", "stop"),
        ("dur", "stop"),
        ("Abonelikten çık", "stop"),
        ("إلغاء", "stop"),
        ("BAŞLAT", "resume"),
        ("start", "resume"),
        ("siparişimi iptal etmek istiyorum", None),  # an order cancellation, not an opt-out
        ("durum ne", None),
        ("kargom nerede", None),
        ("", None),
        ("stop " * 50, None),
    ],
)
def test_opt_out_keywords_are_whole_messages(text, expected):
    assert consent_keyword(text) == expected


def test_rule_conditions():
    low = {"all": [{"field": "rating", "op": "lte", "value": 2}]}
    check_condition(low)
    assert holds(low, {"rating": 1})
    assert holds(low, {"rating": "2"})
    assert not holds(low, {"rating": 4})
    assert not holds(low, {})  # no rating: the condition does not hold
    assert not holds(low, {"rating": "beş"})  # unreadable: does not hold, does not raise
    assert holds({}, {"anything": 1})
    both = {
        "all": [
            {"field": "category", "op": "in", "value": ["Gömlek", "Elbise"]},
            {"field": "total", "op": "gte", "value": 500},
        ]
    }
    assert holds(both, {"category": "Gömlek", "total": 750})
    assert not holds(both, {"category": "Ayakkabı", "total": 750})
    for bad in (
        {"any": []},
        {"all": "rating<2"},
        {"all": [{"field": "rating", "op": "~"}]},
        {"all": [{"op": "eq"}]},
        {"all": [{"field": "x", "op": "eq"}] * 11},
    ):
        with pytest.raises(RuleConditionError):
            check_condition(bad)


def test_template_variables_come_from_the_event():
    rule = OutboundRule(
        variables={
            "customer_name": {"field": "customer_name"},
            "items": {"field": "item_names"},
            "shop": {"value": "Demo Butik"},
        }
    )
    assert parameters_for(
        rule, {"customer_name": "Ayşe", "item_names": ["Keten Gömlek", "Şapka"]}
    ) == {"customer_name": "Ayşe", "items": "Keten Gömlek, Şapka", "shop": "Demo Butik"}
    # A variable without a value: no send (Meta refuses empty parameters).
    assert parameters_for(rule, {"customer_name": "Ayşe", "item_names": []}) is None


def test_a_planned_message_needs_content_and_an_aware_time():
    with pytest.raises(ValueError):
        Planned(
            customer_id=uuid.uuid4(),
            channel_id=uuid.uuid4(),
            dedupe_key="k",
            due_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
        )
    with pytest.raises(ValueError):
        Planned(
            customer_id=uuid.uuid4(),
            channel_id=uuid.uuid4(),
            dedupe_key="k",
            due_at=dt.datetime(2026, 12, 1),
            text="hi",
        )


@pytest.mark.parametrize(
    ("text", "mood"),
    [
        ("Memnun değilim", "unhappy"),
        ("memnun değilim, beden küçük geldi", "unhappy"),
        ("ürün kırık geldi", "unhappy"),
        ("not happy, it is broken", "unhappy"),
        ("غير راض", "unhappy"),
        ("Memnunum", "happy"),
        ("çok memnun kaldım teşekkürler", "happy"),
        ("evet gayet iyi", "happy"),
        ("thank you, love it", "happy"),
        ("kargom nerede", None),
        ("yarın açık mısınız", None),
    ],
)
def test_how_an_answer_to_memnun_musunuz_reads(text, mood):
    assert satisfaction(text, {}) == mood


def test_a_tapped_button_says_it_without_words():
    assert satisfaction("...", {}, "UNSATISFIED") == "unhappy"
    assert satisfaction("...", {}, "SATISFIED") == "happy"
    assert satisfaction("memnunum", {"signals": ["negative_sentiment"]}) == "unhappy"


def test_an_answer_weeks_later_is_no_answer_to_the_check():
    import datetime as dt

    from invekto.graphs.conversation.proactive import proactive_flow

    sent = dt.datetime(2026, 12, 1, 10, tzinfo=dt.UTC)
    flow = {"name": "proactive", "flow": "post_purchase", "sent_at": sent.isoformat()}
    assert proactive_flow(flow, sent + dt.timedelta(days=2)) == flow
    assert proactive_flow(flow, sent + dt.timedelta(days=8)) is None
    assert proactive_flow({"name": "return_reason"}, sent) is None
