"""What a human agent sends from the inbox: values that must not leave without a second look.

A TC kimlik no, an IBAN or a card number in an outgoing message is usually a paste into the
wrong chat. The inbox asks the agent to confirm before such a message goes out; the output guard
can use the same check on the AI's replies.
"""

from __future__ import annotations

from invekto.guardrails.pii import PiiEntity, find_pii

CONFIRM_ENTITY_TYPES = frozenset({"TR_NATIONAL_ID", "IBAN_CODE", "CREDIT_CARD"})
"""Entity types an outgoing message may carry only after an explicit confirmation."""


def check_agent_message(text: str, language: str) -> list[PiiEntity]:
    """The values in ``text`` that need a confirmation before sending (empty: send freely).

    Sorted by position; offsets index ``text``. Other personal data (a phone number, an e-mail,
    a name) is normal in a customer-service reply and is not flagged.
    """
    return [e for e in find_pii(text, language) if e.entity_type in CONFIRM_ENTITY_TYPES]


__all__ = ["CONFIRM_ENTITY_TYPES", "check_agent_message"]
