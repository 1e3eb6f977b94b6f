"""The prompts port: one tenant's texts (its active version over the shipped registry), and a
record of what a turn rendered with them."""

from __future__ import annotations

from typing import Any

from invekto.prompts.content import SHIPPED, PromptSet

MAX_RECORDED = 24
MAX_VALUE_CHARS = 1000


class TenantPrompts:
    """Renders one tenant's texts for one turn; agents reach texts only through this.

    Every render is recorded (key, language, tone, the values): the reply stores them with the
    version it used, so a prompt owner's draft can be previewed on real conversations by
    rendering the same keys with the same values."""

    def __init__(self, prompts: PromptSet | None = None) -> None:
        self.prompts = prompts or SHIPPED
        self.renders: list[dict[str, Any]] = []

    @property
    def version(self) -> int:
        return self.prompts.version

    def render(self, key: str, language: str, agent: str | None = None, **values: Any) -> str:
        text = self.prompts.render(key, language, agent, **values)
        if len(self.renders) < MAX_RECORDED:
            self.renders.append(
                {
                    "key": key,
                    "language": language,
                    "agent": agent,
                    "values": {k: str(v)[:MAX_VALUE_CHARS] for k, v in values.items()},
                    "text": text,
                }
            )
        return text

    def template(self, key: str, language: str, agent: str | None = None) -> Any:
        return self.prompts.text(key, language, agent)

    def record(self) -> dict[str, Any]:
        """What the turn's reply stores under ``payload.prompts``."""
        return {"version": self.version, "renders": list(self.renders)}
