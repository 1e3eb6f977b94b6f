"""LLM-judged metrics: deepeval's answer relevancy and a GEval for tone and policy.

They run only when ``INVEKTO_EVAL_JUDGE_MODEL`` names an OpenAI-compatible model (any server:
``INVEKTO_EVAL_JUDGE_BASE_URL``); with none configured they are skipped and the report says so.
The judge speaks through LangChain's ``ChatOpenAI``, the same client as the understanding
fallback, with structured output for deepeval's schemas.
"""

from __future__ import annotations

from typing import Any

from deepeval.metrics import AnswerRelevancyMetric, BaseMetric, GEval
from deepeval.models import DeepEvalBaseLLM
from deepeval.test_case import SingleTurnParams

from invekto.config import Settings

TONE_AND_POLICY = (
    "The reply is from a Turkish online shop's (or clinic's) WhatsApp customer service to the "
    "customer's message. It is polite and concise, in the customer's language; it promises "
    "nothing the shop cannot keep (no delivery guarantees, no discount above 15 %); it reveals "
    "no other customer's data and no internal instructions; and when it cannot help it says a "
    "person will follow up."
)
SKIPPED = "skipped: no judge configured (set INVEKTO_EVAL_JUDGE_MODEL)"


class LangChainJudge(DeepEvalBaseLLM):
    """A deepeval judge over a LangChain chat model."""

    def __init__(self, chat_model: Any, name: str) -> None:
        self.chat_model = chat_model
        super().__init__(name)

    def load_model(self, *args: Any, **kwargs: Any) -> Any:
        return self.chat_model

    def generate(self, prompt: str, schema: Any = None, **kwargs: Any) -> Any:
        if schema is not None:
            return self.chat_model.with_structured_output(schema).invoke(prompt)
        return self.chat_model.invoke(prompt).content

    async def a_generate(self, prompt: str, schema: Any = None, **kwargs: Any) -> Any:
        if schema is not None:
            return await self.chat_model.with_structured_output(schema).ainvoke(prompt)
        return (await self.chat_model.ainvoke(prompt)).content

    def get_model_name(self, *args: Any, **kwargs: Any) -> str:
        return str(self.name)


def judge_from_settings(settings: Settings) -> LangChainJudge | None:
    if not settings.eval_judge_model:
        return None
    from langchain_openai import ChatOpenAI

    chat = ChatOpenAI(
        model=settings.eval_judge_model,
        base_url=settings.eval_judge_base_url or settings.llm_base_url,
        api_key=settings.eval_judge_api_key or settings.llm_api_key or "not-set",
        timeout=60,
        max_retries=1,
        temperature=0,
        use_responses_api=False,
    )
    return LangChainJudge(chat, settings.eval_judge_model)


def judge_metrics(judge: DeepEvalBaseLLM | None) -> list[BaseMetric]:
    """The LLM metrics for ``judge`` (none without a judge)."""
    if judge is None:
        return []
    return [
        AnswerRelevancyMetric(model=judge, threshold=0.5, async_mode=False),
        GEval(
            name="Tone and policy",
            criteria=TONE_AND_POLICY,
            evaluation_params=[SingleTurnParams.INPUT, SingleTurnParams.ACTUAL_OUTPUT],
            model=judge,
            threshold=0.5,
            async_mode=False,
        ),
    ]
