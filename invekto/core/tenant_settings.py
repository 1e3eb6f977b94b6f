"""``tenants.settings``, typed: one pydantic model for every block a tenant can set.

Stored rows are read with :meth:`TenantSettings.parse` (lenient: a bad stored value is logged and
dropped, never a reason to stop serving the tenant), a ``PATCH /api/tenant`` body is applied with
:meth:`TenantSettings.merged` (strict: an unknown key or a bad value is an error naming its path),
and :meth:`TenantSettings.to_json` is what is stored: only the values a tenant set, so a changed
default reaches every tenant that did not choose its own. :meth:`TenantSettings.public_dump` is
what the API shows (defaults filled in, secrets left out).

Every field's default is today's behaviour when the key is missing. ``confidence_threshold`` is
the old name of ``nlu.suggest_below``: a stored one is read as that (migration 0005 moved them),
a new one is refused.

Automation areas (``automation.<area>``) are a registry: an agent that brings a new area
registers it with :func:`register_automation_area`, and only registered areas are accepted.
"""

from __future__ import annotations

import json
import logging
import re
import string
from collections.abc import Iterable, Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    SerializationInfo,
    ValidationError,
    field_serializer,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

log = logging.getLogger(__name__)

__all__ = [
    "B2B",
    "Clinic",
    "BUILTIN_AUTOMATION_AREAS",
    "LEGACY_KEYS",
    "Automation",
    "Discounts",
    "Guardrails",
    "Metrics",
    "Nlu",
    "OfferTemplates",
    "Policies",
    "Revenue",
    "Sales",
    "TenantSettings",
    "automation_areas",
    "register_automation_area",
]

DEFAULT_SUGGEST_BELOW = 0.5
DEFAULT_CLARIFY_BELOW = 0.3
DEFAULT_BULK_THRESHOLD = 20
LEGACY_KEYS = {"confidence_threshold": ("nlu", "suggest_below")}
"""Old top-level keys → where their value lives now."""
_REVEAL = "reveal_secrets"
"""Serialisation context key: the stored form (``to_json``) holds secrets in clear."""


def _format_text(value: Any) -> Any:
    """A reply text must be a valid ``str.format`` template ("{name}" placeholders, "{{" for a
    brace): a broken one would fail every reply that uses it."""
    texts = value.values() if isinstance(value, dict) else [value]
    for text in texts:
        if isinstance(text, str):
            try:
                list(string.Formatter().parse(text))
            except ValueError as error:
                raise ValueError(f"not a valid text template: {error}") from None
    return value


Text = Annotated[str, AfterValidator(_format_text)]
"""A reply text: a valid ``str.format`` template."""


# --- automation areas ---------------------------------------------------------------------------

BUILTIN_AUTOMATION_AREAS: dict[str, str] = {
    "cargo_questions": "order status and delivery time",
    "order_changes": "cancellations, address changes, invoices",
    "product_questions": "stock, product and price questions",
    "policy_questions": "discounts, shipping and payment policies",
    "small_talk": "greetings, thanks, goodbyes and clarifying questions",
    "returns": "returns and exchanges",
    "b2b": "bulk / B2B buyers",
    "clinic": "a clinic's patients",
    "other": "anything no other area covers",
}
_AREA_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_areas: dict[str, str] = dict(BUILTIN_AUTOMATION_AREAS)


def register_automation_area(name: str, description: str = "") -> str:
    """Make ``automation.<name>`` a known switch (default on). Idempotent; returns ``name``.

    An agent registers the area its replies belong to when it is registered itself."""
    if not _AREA_NAME.match(name) or name == "enabled":
        raise ValueError(f"invalid automation area name {name!r} (lower_snake_case, not 'enabled')")
    _areas.setdefault(name, description)
    return name


def automation_areas() -> tuple[str, ...]:
    """Every registered automation area, in registration order."""
    return tuple(_areas)


# --- the blocks ---------------------------------------------------------------------------------


class _Block(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)  # changed only through merged()


class Automation(_Block):
    """Which replies go out on their own; a switched-off area's replies become suggestions."""

    model_config = ConfigDict(extra="allow")  # extra keys: registered areas only (see below)
    __pydantic_extra__: dict[str, bool] = Field(init=False)

    enabled: bool = Field(
        True, description="Master switch: off → every reply is a suggestion (copilot mode)."
    )
    cargo_questions: bool = Field(True, description=BUILTIN_AUTOMATION_AREAS["cargo_questions"])
    order_changes: bool = Field(True, description=BUILTIN_AUTOMATION_AREAS["order_changes"])
    product_questions: bool = Field(True, description=BUILTIN_AUTOMATION_AREAS["product_questions"])
    policy_questions: bool = Field(True, description=BUILTIN_AUTOMATION_AREAS["policy_questions"])
    small_talk: bool = Field(True, description=BUILTIN_AUTOMATION_AREAS["small_talk"])
    returns: bool = Field(True, description=BUILTIN_AUTOMATION_AREAS["returns"])
    b2b: bool = Field(True, description=BUILTIN_AUTOMATION_AREAS["b2b"])
    clinic: bool = Field(True, description=BUILTIN_AUTOMATION_AREAS["clinic"])
    other: bool = Field(True, description=BUILTIN_AUTOMATION_AREAS["other"])

    @model_validator(mode="before")
    @classmethod
    def _registered_areas_only(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        unknown = [
            key for key in data if key not in cls.model_fields and key not in automation_areas()
        ]
        if unknown:
            known = ", ".join(["enabled", *automation_areas()])
            raise ValidationError.from_exception_data(
                cls.__name__,
                [
                    InitErrorDetails(
                        type=PydanticCustomError(
                            "unknown_automation_area",
                            "unknown automation area (known: {known})",
                            {"known": known},
                        ),
                        loc=(key,),
                        input=data[key],
                    )
                    for key in unknown
                ],
            )
        return data

    def switch(self, area: str) -> bool:
        """The area's own switch (an area never set, or not registered, is on)."""
        if area in type(self).model_fields and area != "enabled":
            return bool(getattr(self, area))
        return bool((self.__pydantic_extra__ or {}).get(area, True))

    def on(self, area: str) -> bool:
        """``enabled`` and the area's own switch."""
        return self.enabled and self.switch(area)


class Nlu(_Block):
    """How sure the understanding must be, and what counts as a bulk order."""

    suggest_below: float = Field(
        DEFAULT_SUGGEST_BELOW,
        ge=0,
        le=1,
        description="Below this confidence a reply is only a suggestion for the inbox.",
    )
    clarify_below: float = Field(
        DEFAULT_CLARIFY_BELOW,
        ge=0,
        le=1,
        description="Below this confidence the customer is asked what they mean "
        "(at most suggest_below; unset: min(0.3, suggest_below)).",
    )
    bulk_threshold: int = Field(
        DEFAULT_BULK_THRESHOLD,
        ge=1,
        description="A quantity at or above this marks a bulk / B2B buyer.",
    )

    @model_validator(mode="after")
    def _clarify_not_above_suggest(self) -> Nlu:
        if "clarify_below" not in self.model_fields_set:
            # Derived, not chosen: kept out of model_fields_set so to_json does not store it.
            self.__dict__["clarify_below"] = min(DEFAULT_CLARIFY_BELOW, self.suggest_below)
        elif self.clarify_below > self.suggest_below:
            raise ValidationError.from_exception_data(
                type(self).__name__,
                [
                    InitErrorDetails(
                        type=PydanticCustomError(
                            "clarify_above_suggest",
                            "clarify_below ({clarify}) must not be above suggest_below ({suggest})",
                            {"clarify": self.clarify_below, "suggest": self.suggest_below},
                        ),
                        loc=("clarify_below",),
                        input=self.clarify_below,
                    )
                ],
            )
        return self


class Policies(_Block):
    """The shop's policies, quoted in the policy answers."""

    cancellation: Literal["confirm", "review"] = Field(
        "review",
        description="confirm: a not-yet-shipped order is cancelled on request; "
        "review: the team decides first.",
    )
    return_days: int = Field(15, ge=0, le=365, description="Days a customer has to return.")
    dispatch_days: str = Field(
        "1-2", description='Working days until an order is handed to the carrier ("1-2").'
    )
    free_shipping_over: int | float | None = Field(
        None, ge=0, description="Orders above this amount (TL) ship free; unset: not stated."
    )
    carriers: list[str] = Field(default_factory=list, description="The carriers the shop uses.")
    payment_methods: list[str] = Field(
        default_factory=list, description="The payment methods the shop accepts."
    )

    @field_validator("dispatch_days", mode="before")
    @classmethod
    def _number_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class Discounts(_Block):
    """Coupons offered instead of a return, and the limit no reply may exceed."""

    max_percent: int | None = Field(
        None,
        ge=0,
        le=100,
        description="The highest discount a coupon or a reply may give; unset or 0: no coupons "
        "(unset: the output guard checks no percentages either).",
    )
    retention_percent: int = Field(
        10,
        ge=0,
        le=100,
        description="The coupon offered instead of a return (changed mind), capped at max_percent.",
    )
    coupon_valid_days: int = Field(30, ge=1, le=365, description="Days a coupon stays valid.")


class OfferTemplates(_Block):
    """The B2B offer text per language (``{company}``, ``{summary}``, ``{shop}``,
    ``{response_time}``, ``{min_quantity}``); unset: the ``b2b_offer`` template."""

    tr: Text | None = Field(None, description="Turkish offer text.")
    en: Text | None = Field(None, description="English offer text.")
    ar: Text | None = Field(None, description="Arabic offer text.")


class B2B(_Block):
    """What B2B (bulk) buyers are told."""

    min_quantity: int = Field(20, ge=1, description="The smallest quantity quoted to B2B buyers.")
    response_time: str | None = Field(
        None,
        description='When the sales team answers ("1 iş günü"); '
        'unset: "1 iş günü" / "1 business day" by language.',
    )
    offer_template: OfferTemplates = Field(
        default_factory=OfferTemplates, description="The offer text per language."
    )


class Revenue(_Block):
    """Recommendations and payment links (the revenue agent)."""

    recommendations: bool = Field(
        True, description="Suggest products that go with the one a customer asks about."
    )
    low_stock: int = Field(
        3,
        ge=0,
        le=20,
        description='A recommendation says "son N adet" when the stock is at most this (0: never).',
    )
    payment_provider: Literal["iyzico", "paytr"] | None = Field(
        None,
        description="Where payment links are made (connected under integrations); unset: the "
        "first connected one. Marketplace products are paid on the marketplace: their link is "
        "the product page.",
    )
    link_auto_limit: float = Field(
        0,
        ge=0,
        le=1_000_000,
        description="Payment links up to this amount (TRY) are sent without review; 0: every "
        "payment link is a suggestion a person accepts.",
    )
    discount_auto_percent: int = Field(
        0,
        ge=0,
        le=100,
        description="Bundle discounts up to this percent go out without review (never above "
        "discounts.max_percent).",
    )
    link_valid_hours: int = Field(
        48, ge=1, le=24 * 30, description="How long a payment link can be paid."
    )
    max_installment: int = Field(
        6, ge=1, le=12, description="The most instalments a payment link offers."
    )


class Sales(_Block):
    """Where lead alerts go (a signed webhook and/or an e-mail); blank values are unset."""

    name: str | None = Field(None, description="The sales contact's name, shown in the alert.")
    email: str | None = Field(
        None, description="One address, or several separated by commas, for e-mail alerts."
    )
    webhook_url: str | None = Field(
        None,
        description="The URL lead alerts are POSTed to (http/https; a relative one means this "
        "app's sandbox sales inbox, while the sandbox is on).",
    )
    webhook_secret: SecretStr | None = Field(
        None,
        description="Signs webhook alerts (HMAC-SHA256). Never shown by the API "
        "(webhook_secret_set instead).",
    )

    @field_validator("name", "email", "webhook_url", "webhook_secret", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        if isinstance(value, str):
            return value.strip() or None
        return value

    @field_serializer("webhook_secret")
    def _secret(self, value: SecretStr | None, info: SerializationInfo) -> str | None:
        if value is None:
            return None
        context = info.context if isinstance(info.context, Mapping) else {}
        return value.get_secret_value() if context.get(_REVEAL) else str(value)

    def secret(self) -> str | None:
        """The webhook secret in clear, or None."""
        return self.webhook_secret.get_secret_value() if self.webhook_secret else None


class Guardrails(_Block):
    """What the output guard keeps back as a suggestion, beyond its built-in checks."""

    banned_phrases: list[str] = Field(
        default_factory=list, description="Phrases no reply may contain."
    )
    competitors: list[str] = Field(
        default_factory=list, description="Competitor names no reply may mention."
    )
    forbidden_promises: list[str] = Field(
        default_factory=list,
        description='Promises no reply may make, besides the built-in ones ("kesin yarın"...).',
    )


class Metrics(_Block):
    """Assumptions behind the dashboard's figures."""

    minutes_per_reply: float = Field(
        3.0,
        gt=0,
        le=120,
        description="Minutes a person would spend on one reply: the dashboard's minutes saved "
        "are the automatic replies times this.",
    )


_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _clock(value: str) -> str:
    if not _CLOCK.match(value):
        raise ValueError("expected a time of day as HH:MM (24-hour)")
    return value


ClockTime = Annotated[str, AfterValidator(_clock)]


class QuietHours(_Block):
    """When Invekto never writes first, in the tenant's time zone (replies still go)."""

    start: ClockTime = Field("21:00", description="Quiet from (HH:MM, the tenant's zone).")
    end: ClockTime = Field("09:00", description="Quiet until (HH:MM, the tenant's zone).")


class Outbound(_Block):
    """Messages Invekto writes first: rules, campaigns, follow-ups."""

    enabled: bool = Field(True, description="Master switch for every message Invekto writes first.")
    quiet_hours: QuietHours = Field(
        default_factory=QuietHours, description="Hours when nothing is sent first."
    )
    messages_per_second: int = Field(
        80, ge=1, le=1000, description="The number's throughput (Meta: 80/s, 1,000/s upgraded)."
    )
    daily_unique_limit: int | None = Field(
        2000,
        ge=1,
        description="The portfolio's messaging tier: unique customers reached by templates in a "
        "rolling 24 hours (250, 2000, 10000, 100000; unset: unlimited).",
    )
    marketing_cap_wait_hours: int = Field(
        24,
        ge=24,
        le=168,
        description="Hours to wait after Meta's per-user marketing limit (131049).",
    )
    price_marketing: float = Field(
        1.2, ge=0, description="What one marketing template costs (TL), for the campaign ROI."
    )
    price_utility: float = Field(
        0.2, ge=0, description="What one utility template costs outside the window (TL)."
    )


_RANGE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$")


def _ranges(value: dict[str, list[str]]) -> dict[str, list[str]]:
    """Weekday ("0" = Monday … "6") → ``["09:00-13:00", "14:00-19:00"]``, ordered, no overlap."""
    for day, ranges in value.items():
        if day not in {str(n) for n in range(7)}:
            raise ValueError(f"weekday {day!r}: use 0 (Monday) to 6 (Sunday)")
        previous = ""
        for item in ranges:
            if not _RANGE.match(item) or item[:5] >= item[6:]:
                raise ValueError(f"weekday {day}: {item!r} is not a range like 09:00-13:00")
            if item[:5] < previous:
                raise ValueError(f"weekday {day}: ranges overlap or are out of order")
            previous = item[6:]
    return value


WeeklyHours = Annotated[dict[str, list[str]], AfterValidator(_ranges)]


class Clinic(_Block):
    """A clinic's practice: where it is, when it works, how far ahead and how soon patients
    book, what the first examination costs, its review link, referrals and the package for
    patients from abroad. Doctors, services and days off are rows (``/api/clinic``)."""

    address: str = Field("", description="The address patients are given.")
    maps_url: str | None = Field(None, description="A map link sent with the address.")
    phone: str | None = Field(None, description="The clinic's phone for emergencies.")
    hours: WeeklyHours = Field(
        default_factory=lambda: {str(day): ["09:00-18:00"] for day in range(5)},
        description='Opening hours per weekday ("0" = Monday): ranges HH:MM-HH:MM; a gap is a '
        "break; a missing day is closed. Doctors without their own schedule work these.",
    )
    min_notice_minutes: int = Field(
        120, ge=0, le=10080, description="The earliest a slot can be booked from now."
    )
    horizon_days: int = Field(30, ge=1, le=365, description="How far ahead patients can book.")
    slot_step_minutes: int = Field(
        15, ge=5, le=120, description="Slots start on this grid (minutes past the hour)."
    )
    free_examination: bool = Field(True, description="The first examination is free.")
    review_url: str | None = Field(None, description="The clinic's Google review link.")
    referral_percent: int = Field(
        10, ge=0, le=50, description="A friend's discount with a referral code (0: no codes)."
    )
    referral_valid_days: int = Field(90, ge=1, le=365, description="How long a code is valid.")
    package_price: dict[str, float] = Field(
        default_factory=dict,
        description="The package for patients from abroad (stay + transfers), per currency: "
        '{"EUR": 400}. Empty: no package.',
    )
    package_includes: dict[str, str] = Field(
        default_factory=dict, description="What the package includes, per language (tr, en, ar)."
    )
    deposit: float = Field(
        0,
        ge=0,
        le=1_000_000,
        description="The deposit (TRY) a patient may pay by payment link to hold an appointment "
        "(0: no deposits; a patient who asks is helped by a person).",
    )
    reminders: bool = Field(True, description="Remind patients 48 h and 2 h before.")
    follow_ups: bool = Field(True, description="Follow up after treatments (T+1, T+7, T+30).")


# --- the whole ---------------------------------------------------------------------------------


class TenantSettings(_Block):
    """Everything a tenant can set in ``tenants.settings``. Every field has a default."""

    automation: Automation = Field(
        default_factory=Automation, description="Which replies go out automatically."
    )
    nlu: Nlu = Field(default_factory=Nlu, description="Confidence thresholds and bulk orders.")
    policies: Policies = Field(default_factory=Policies, description="The shop's policies.")
    discounts: Discounts = Field(default_factory=Discounts, description="Coupons and their limit.")
    b2b: B2B = Field(default_factory=B2B, description="What B2B buyers are told.")
    revenue: Revenue = Field(
        default_factory=Revenue, description="Recommendations and payment links."
    )
    sales: Sales = Field(default_factory=Sales, description="Where lead alerts go.")
    guardrails: Guardrails = Field(
        default_factory=Guardrails, description="The tenant's own output-guard rules."
    )
    metrics: Metrics = Field(
        default_factory=Metrics, description="Assumptions behind the dashboard's figures."
    )
    outbound: Outbound = Field(
        default_factory=Outbound, description="Messages Invekto writes first."
    )
    clinic: Clinic = Field(default_factory=Clinic, description="A clinic's practice.")

    @model_validator(mode="before")
    @classmethod
    def _legacy_names(cls, data: Any) -> Any:
        """Rows written by old code: ``confidence_threshold`` is ``nlu.suggest_below``."""
        return _legacy_moved(data) if isinstance(data, Mapping) else data

    # --- reading ----------------------------------------------------------------------------

    def automation_on(self, area: str) -> bool:
        """Whether replies of ``area`` go out on their own: ``automation.enabled`` and the
        area's switch (an area never set is on)."""
        return self.automation.on(area)

    @classmethod
    def parse(
        cls,
        raw: TenantSettings | Mapping[str, Any] | None,
        *,
        blocks: Iterable[str] | None = None,
    ) -> TenantSettings:
        """A stored row (or None) as settings, leniently: a value that does not validate is
        logged (with its key path) and dropped, so it takes its default; the rest is kept.

        ``blocks``: read only these top-level blocks (the others take their defaults), for a
        caller that needs one block of a dict that may hold other things."""
        if isinstance(raw, TenantSettings):
            return raw
        if raw is not None and not isinstance(raw, Mapping):
            log.warning("tenant settings: not an object (%s); using the defaults", type(raw))
            raw = None
        if not raw:
            return cls.defaults()
        moved = _legacy_moved(raw)
        if blocks is not None:
            moved = {key: moved[key] for key in blocks if key in moved}
        data: dict[str, Any] = _copy(moved)  # a stored null is an unset key
        if not data:
            return cls.defaults()
        for _ in range(8):
            try:
                return cls.model_validate(data)
            except ValidationError as error:
                problems = error.errors(include_url=False)
                data, dropped = _without(data, [problem["loc"] for problem in problems])
                if not dropped:
                    break
                log.warning(
                    "tenant settings: ignoring invalid stored values at %s (%s)",
                    ", ".join(dict.fromkeys(dropped)),
                    "; ".join(
                        dict.fromkeys(
                            f"{path}: {problem['msg']}"
                            for path, problem in zip(dropped, problems, strict=True)
                        )
                    ),
                )
        log.warning("tenant settings: unreadable; using the defaults")
        return cls.defaults()

    @classmethod
    def defaults(cls) -> TenantSettings:
        """The settings of a tenant that set nothing (one shared instance: blocks are frozen)."""
        if cls not in _DEFAULTS:
            _DEFAULTS[cls] = cls()
        return _DEFAULTS[cls]

    # --- changing ---------------------------------------------------------------------------

    def merged(self, patch: Mapping[str, Any]) -> TenantSettings:
        """These settings with ``patch`` (a ``PATCH /api/tenant`` body) deep-merged in, strictly
        validated: an unknown key or a bad value raises ``ValidationError`` naming its path.

        Objects merge key by key; any other value (a list too) replaces; ``null`` removes the
        key, so it takes its default again (JSON Merge Patch, RFC 7396). The old
        ``confidence_threshold`` is refused with a pointer to ``nlu.suggest_below``."""
        if not isinstance(patch, Mapping):
            raise _error("model_type", "settings must be an object", (), patch)
        for old, (block, field) in LEGACY_KEYS.items():
            if old in patch:
                raise _error(
                    "renamed_setting",
                    f"{old} is now {block}.{field}: send "
                    f'{{"{block}": {{"{field}": {json.dumps(patch[old])}}}}}',
                    (old,),
                    patch[old],
                    {"use": f"{block}.{field}"},
                )
        if "templates" in patch:
            raise _error(
                "moved_setting",
                "reply texts are prompt versions now: edit them in the prompt editor "
                "(POST /api/prompts/versions, then publish through the eval gate)",
                ("templates",),
                patch["templates"],
                {"use": "/api/prompts/versions"},
            )
        removed: list[tuple[str, ...]] = []
        result = type(self).model_validate(_merge_patch(self.to_json(), patch, (), removed))
        unknown = [path for path in removed if not _known_path(result, path)]
        if unknown:
            raise ValidationError.from_exception_data(
                type(self).__name__,
                [
                    InitErrorDetails(type="extra_forbidden", loc=path, input=None)
                    for path in unknown
                ],
            )
        return result

    # --- writing ----------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """What is stored in ``tenants.settings``: only the values set (defaults stay out, so a
        new default reaches every tenant that did not choose its own), secrets in clear."""
        return self.model_dump(
            mode="json", exclude_unset=True, exclude_none=True, context={_REVEAL: True}
        )

    def public_dump(self, *, defaults: bool = True) -> dict[str, Any]:
        """What the API shows: every value (``defaults=False``: only those set), secrets left
        out (``sales.webhook_secret_set`` says whether one is set)."""
        data = self.model_dump(
            mode="json",
            exclude_unset=not defaults,
            exclude_none=not defaults,
            exclude={"sales": {"webhook_secret"}},
        )
        secret_set = self.sales.webhook_secret is not None
        if defaults or secret_set:
            data.setdefault("sales", {})["webhook_secret_set"] = secret_set
        return data


# --- helpers ------------------------------------------------------------------------------------

_DEFAULTS: dict[type[TenantSettings], TenantSettings] = {}


def _legacy_moved(data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` with every old top-level key moved to its new place, unless that is set."""
    out = dict(data)
    for old, (block, field) in LEGACY_KEYS.items():
        if old not in out:
            continue
        value = out.pop(old)
        current = out.get(block)
        if current is None:
            current = {}
        if isinstance(current, Mapping) and current.get(field) is None and value is not None:
            out[block] = {**current, field: value}
    return out


def _merge_patch(
    base: Any, patch: Any, path: tuple[str, ...], removed: list[tuple[str, ...]]
) -> Any:
    if not isinstance(patch, Mapping):
        return patch
    out = dict(base) if isinstance(base, Mapping) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
            removed.append((*path, key))
        else:
            out[key] = _merge_patch(out.get(key), value, (*path, key), removed)
    return out


def _known_path(settings: TenantSettings, path: tuple[str, ...]) -> bool:
    """Whether ``path`` names a field of the settings (or a key of a free-form table)."""
    node: Any = settings
    for key in path:
        if isinstance(node, Automation) and key in automation_areas():
            node = None
        elif isinstance(node, BaseModel):
            if key not in type(node).model_fields:
                return False
            node = getattr(node, key)
        elif isinstance(node, Mapping):
            node = node.get(key)
        else:
            return False
    return True


def _without(
    data: dict[str, Any], locations: list[tuple[int | str, ...]]
) -> tuple[dict[str, Any], list[str]]:
    """``data`` without the deepest existing key of each error location (a list goes whole, as
    does a value that matches no member of a union); the dotted path dropped for each location
    ("" where nothing could be), or [] when nothing was."""
    paths: list[list[str]] = []
    for loc in locations:
        path: list[str] = []
        node: Any = data
        for part in loc:
            if not isinstance(node, Mapping) or part not in node:
                break
            node = node[part]
            path.append(str(part))
        paths.append(path)
    out = _copy(data)
    for path in paths:
        parent: Any = out
        for part in path[:-1]:
            parent = parent.get(part) if isinstance(parent, dict) else None
        if path and isinstance(parent, dict):
            parent.pop(path[-1], None)
    dropped = [".".join(path) for path in paths]
    return out, dropped if any(dropped) else []


def _copy(value: Any) -> Any:
    """A copy of the nested objects of ``value``, without their null values."""
    if isinstance(value, Mapping):
        return {key: _copy(item) for key, item in value.items() if item is not None}
    return value


def _error(
    kind: str,
    message: str,
    loc: tuple[str, ...],
    value: Any,
    context: dict[str, Any] | None = None,
) -> ValidationError:
    return ValidationError.from_exception_data(
        TenantSettings.__name__,
        [InitErrorDetails(type=PydanticCustomError(kind, message, context), loc=loc, input=value)],
    )
