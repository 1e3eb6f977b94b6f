"""The LLM fallback of the understanding layer.

The local model (``local.py``) answers every message. Only when it is unsure (confidence below
``below_confidence``) or says ``other`` does :class:`LLMUnderstander` ask a chat model, with
structured output (:class:`IntentChoice`). Any failure of the LLM — timeout, HTTP error, a reply
that does not fit the schema, a refusal — leaves the local result as it was: the LLM can only
improve an answer, never lose one.

Nothing here phones home by itself: the only network traffic is the chat request to the
configured endpoint (no tiktoken download — token counting is never used — and no telemetry
unless the operator turns LangSmith tracing on through its own environment variables).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from langchain_core.language_models import BaseChatModel
from langchain_core.prompts import ChatPromptTemplate
from pydantic import BaseModel, ConfigDict, Field, field_validator

from invekto.guardrails.pii import mask
from invekto.nlu.taxonomy import INTENTS, load_examples
from invekto.nlu.types import Language, ReturnReason, Understander, Understanding
from invekto.prompts.registry import registry

if TYPE_CHECKING:
    from langchain_core.runnables import Runnable

    from invekto.config import Settings

log = logging.getLogger(__name__)

MAX_TEXT_CHARS = 2000
"""Longer messages are cut before they go to the LLM (cost bound; the intent is in the start)."""
MAX_RATIONALE_CHARS = 300


class IntentChoice(BaseModel):
    """The intent of one customer message, chosen from the fixed list."""

    model_config = ConfigDict(extra="ignore")

    intent: str = Field(
        description="Exactly one intent name from the list in the instructions.",
        json_schema_extra={"enum": list(INTENTS)},
    )
    confidence: float = Field(description="How sure you are, from 0.0 to 1.0.")
    language: Language = Field(description="Language of the message: tr, en or ar.")
    return_reason: ReturnReason | None = Field(
        default=None,
        description="Only for return or exchange requests, when the customer gives a reason.",
    )
    rationale: str | None = Field(
        default=None, description="At most one short sentence on why (optional)."
    )

    # Ranges and lengths are checked here rather than in the JSON schema: strict structured
    # output on several OpenAI-compatible servers rejects numeric and length keywords.
    @field_validator("intent")
    @classmethod
    def _known_intent(cls, value: str) -> str:
        if value not in INTENTS:
            raise ValueError(f"unknown intent {value!r}")
        return value

    @field_validator("confidence")
    @classmethod
    def _probability(cls, value: float) -> float:
        if not 0.0 <= value <= 1.0:
            raise ValueError("confidence must be between 0 and 1")
        return value

    @field_validator("rationale")
    @classmethod
    def _short(cls, value: str | None) -> str | None:
        return value[:MAX_RATIONALE_CHARS] if value else value


def intent_list() -> str:
    """Every intent with its description, one line each (the ``{intents}`` variable)."""
    examples = load_examples()
    lines = []
    for intent in INTENTS:
        entry = examples.get(intent)
        description = " ".join(entry.description.split()) if entry else ""
        lines.append(f"- {intent}: {description}" if description else f"- {intent}")
    return "\n".join(lines)


def instructions_prompt(instructions: Mapping[str, str] | None = None) -> ChatPromptTemplate:
    """The chat prompt: the registry's ``nlu_instructions`` (or a tenant's own version of it),
    with the intent list filled in; its one input is ``message``."""
    parts = dict(instructions or registry().default("nlu_instructions", "en") or {})
    return ChatPromptTemplate.from_messages(
        [("system", parts["system"]), ("human", parts.get("human") or "{message}")]
    ).partial(intents=intent_list())


def system_prompt() -> str:
    """The shipped instructions as one text (the system message)."""
    messages = instructions_prompt().format_messages(message="")
    return str(messages[0].content)


def _is_openai(model: BaseChatModel) -> bool:
    try:
        from langchain_openai.chat_models.base import BaseChatOpenAI
    except ImportError:  # pragma: no cover - langchain-openai is a dependency
        return False
    return isinstance(model, BaseChatOpenAI)


class LLMUnderstander:
    """Asks ``model`` when ``local`` is unsure; falls back to ``local``'s answer on any error."""

    def __init__(
        self,
        local: Understander,
        model: BaseChatModel,
        *,
        below_confidence: float = 0.6,
        timeout_s: float = 8.0,
    ) -> None:
        self.local = local
        self.model = model
        self.below_confidence = below_confidence
        self.timeout_s = timeout_s
        self._prompt = instructions_prompt()
        self._tenant_prompts: dict[str, ChatPromptTemplate] = {}
        if _is_openai(model):
            # OpenAI Structured Outputs: response_format json_schema, strict, parsed by the SDK.
            self._structured: Runnable[Any, Any] = model.with_structured_output(
                IntentChoice, method="json_schema", strict=True
            )
        else:
            self._structured = model.with_structured_output(IntentChoice)

    def needs_llm(self, local: Understanding) -> bool:
        return local.confidence < self.below_confidence or local.intent == "other"

    async def understand(
        self,
        text: str,
        *,
        tenant_slug: str,
        previous_language: str | None = None,
        settings: dict[str, Any] | None = None,
    ) -> Understanding:
        local = await self.local.understand(
            text, tenant_slug=tenant_slug, previous_language=previous_language, settings=settings
        )
        if not text.strip() or not self.needs_llm(local):
            return local
        try:
            # The provider sees the text with its PII masked (<PHONE_NUMBER>, <TR_NATIONAL_ID>,
            # ...): enough to classify, nothing to leak.
            redacted = await asyncio.to_thread(mask, text, local.language)
            prompt = self._prompt_for((settings or {}).get("llm_instructions"))
            choice = await asyncio.wait_for(self._ask(redacted, prompt), self.timeout_s)
        except Exception as exc:  # any failure means: keep the local answer
            log.warning(
                "LLM understanding failed for tenant %s (%s); keeping the local result",
                tenant_slug,
                type(exc).__name__,
            )
            return local
        return merge(local, choice)

    def _prompt_for(self, instructions: Mapping[str, str] | None) -> ChatPromptTemplate:
        """The tenant's own instructions (its active prompt version), else the shipped ones;
        built once per distinct text."""
        if not instructions:
            return self._prompt
        key = repr(sorted(instructions.items()))
        if key not in self._tenant_prompts:
            if len(self._tenant_prompts) > 256:
                self._tenant_prompts.clear()
            self._tenant_prompts[key] = instructions_prompt(instructions)
        return self._tenant_prompts[key]

    async def _ask(self, text: str, prompt: ChatPromptTemplate | None = None) -> IntentChoice:
        messages = (prompt or self._prompt).format_messages(message=text[:MAX_TEXT_CHARS])
        result = await self._structured.ainvoke(messages)
        if isinstance(result, dict):  # a schema-less parser; validate it the same way
            result = IntentChoice.model_validate(result)
        if not isinstance(result, IntentChoice):
            raise ValueError(f"no structured answer ({type(result).__name__})")
        return result


def merge(local: Understanding, choice: IntentChoice) -> Understanding:
    """The local result with the LLM's intent, confidence and language (and return reason when
    the local one found none); entities and signals stay the local ones."""
    entities = local.entities
    if choice.return_reason is not None and entities.return_reason is None:
        entities = entities.model_copy(update={"return_reason": choice.return_reason})
    return local.model_copy(
        update={
            "intent": choice.intent,
            "confidence": round(choice.confidence, 4),
            "language": choice.language,
            "entities": entities,
            "source": "llm",
        }
    )


def build_chat_model(settings: Settings) -> BaseChatModel | None:
    """The configured OpenAI-compatible chat model, or None when ``llm_model`` is unset."""
    if not settings.llm_model:
        return None
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        model=settings.llm_model,
        base_url=settings.llm_base_url,
        api_key=settings.llm_api_key or "not-set",
        timeout=settings.llm_timeout_s,
        max_retries=1,
        temperature=0,
        # Chat Completions, the wire format every OpenAI-compatible server speaks (the
        # Responses API would be picked automatically for some model names).
        use_responses_api=False,
    )


def with_llm(local: Understander, settings: Settings) -> Understander:
    """``local`` behind the LLM fallback when an LLM is configured, else ``local`` itself."""
    model = build_chat_model(settings)
    if model is None:
        return local
    return LLMUnderstander(
        local,
        model,
        below_confidence=settings.llm_below_confidence,
        timeout_s=settings.llm_timeout_s,
    )
