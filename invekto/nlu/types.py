"""What understanding a message yields: language, intent, confidence, entities, signals."""

from __future__ import annotations

from typing import Literal, Protocol

from pydantic import BaseModel, Field

Language = Literal["tr", "en", "ar"]


class Entities(BaseModel):
    order_numbers: list[str] = Field(default_factory=list)
    tracking_numbers: list[str] = Field(default_factory=list)
    phones: list[str] = Field(default_factory=list)
    ordinal: int | None = Field(default=None, description="'ikincisi', '2.' → 2 (1-based)")


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
        self, text: str, *, tenant_slug: str, previous_language: str | None = None
    ) -> Understanding: ...
