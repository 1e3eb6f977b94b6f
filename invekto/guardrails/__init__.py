"""Guardrails around the conversation: PII detection and masking on customer input (``pii``)."""
