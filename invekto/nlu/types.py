"""What understanding a message yields: language, intent, confidence, entities, signals."""

from __future__ import annotations

from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

from invekto.nlu.dates import DateMention

Language = Literal["tr", "en", "ar"]
ReturnReason = Literal["size", "colour", "quality", "damaged", "changed_mind"]


class Entities(BaseModel):
    order_numbers: list[str] = Field(default_factory=list)
    tracking_numbers: list[str] = Field(default_factory=list)
    phones: list[str] = Field(default_factory=list)
    emails: list[str] = Field(default_factory=list)
    quantities: list[int] = Field(default_factory=list, description="'150 adet' → 150")
    sizes: list[str] = Field(default_factory=list, description="'M', 'XL', '42'")
    colors: list[str] = Field(default_factory=list, description="canonical Turkish name")
    dates: list[DateMention] = Field(default_factory=list)
    return_reason: ReturnReason | None = None
    ordinal: int | None = Field(default=None, description="'ikincisi', '2.' → 2 (1-based)")
    products: list[str] = Field(
        default_factory=list,
        description="product types named, canonical Turkish: 'gömleğin' → 'gömlek', "
        "'sneakers' → 'spor ayakkabı'",
    )
    company: str | None = Field(
        default=None, description="a company named, as written: 'ABC Tekstil Ltd. Şti.'"
    )


class Understanding(BaseModel):
    language: Language
    intent: str
    confidence: float
    entities: Entities = Field(default_factory=Entities)
    signals: list[str] = Field(default_factory=list)
    source: Literal["local", "llm", "rules"] = "rules"


class Understander(Protocol):
    """The seam the conversation graph calls; the full NLU replaces the rules behind it."""

    async def understand(
        self,
        text: str,
        *,
        tenant_slug: str,
        previous_language: str | None = None,
        settings: dict[str, Any] | None = None,
    ) -> Understanding:
        """``settings`` are the tenant's (``nlu.bulk_threshold`` ...) plus its ``vertical`` and
        ``timezone`` (which intents are possible; how dates resolve)."""
        ...
