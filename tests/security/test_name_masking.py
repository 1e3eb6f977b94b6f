"""One rule for customers' names (issue 20, item 11): the conversation list, the customer card
and exports all ask ``conversations.customer_name``; a name is shown in clear only to a role
that may see PII (``inbox.supervise``: owner, admin, supervisor) and never in a redacted
export; an agent cannot find a customer by the name hidden from them either."""

from __future__ import annotations

from invekto.security import ROLES, allowed
from tests.integration.test_inbox_api import api
from tests.integration.test_inbox_list import chat, new_user, owner

NAME = "Zeynep Kılıçarslan"
PHONE = "905329990011"


async def _views(stack, token: str, conversation_id: str) -> dict[str, object]:
    listed = await api(stack, "GET", "/api/conversations", token)
    found = await api(stack, "GET", "/api/conversations", token, params={"q": "Kılıçarslan"})
    card = await api(stack, "GET", f"/api/conversations/{conversation_id}/card", token)
    export = await api(stack, "GET", f"/api/conversations/{conversation_id}/export", token)
    for answer in (listed, found, card, export):
        assert answer.status_code == 200, answer.text
    (row,) = [c for c in listed.json()["conversations"] if c["id"] == conversation_id]
    return {
        "list": row["customer"]["name"],
        "search": [c["id"] for c in found.json()["conversations"]],
        "card": card.json()["customer"]["name"],
        "export": export.json()["conversation"]["customer"]["name"],
    }


async def test_the_name_is_shown_by_the_pii_permission_in_the_list_card_search_and_export(
    stack, session
):
    conversation_id = await chat(
        session, name=NAME, phone=PHONE, messages=[("in", "received", "kargom nerede")]
    )
    _, agent = await new_user(stack, session, "agent")
    _, supervisor = await new_user(stack, session, "supervisor")
    _, owner_token = await owner(stack, session)

    by_agent = await _views(stack, agent, conversation_id)
    by_supervisor = await _views(stack, supervisor, conversation_id)
    by_owner = await _views(stack, owner_token, conversation_id)
    unredacted = await api(
        stack,
        "GET",
        f"/api/conversations/{conversation_id}/export",
        owner_token,
        params={"redact": "false"},
    )

    masked = {"list": "<PERSON>", "search": [], "card": "<PERSON>", "export": "<PERSON>"}
    shown = {"list": NAME, "search": [conversation_id], "card": NAME, "export": "<PERSON>"}
    assert by_agent == masked  # an agent cannot find the customer by the hidden name either
    assert by_supervisor == by_owner == shown  # a redacted export masks it for everyone
    assert unredacted.json()["conversation"]["customer"]["name"] == NAME


def test_one_function_decides_by_the_pii_permission():
    from invekto.api.routes.conversations import customer_name  # the one rule

    for role in ROLES:
        sees = allowed(role, "inbox.supervise")
        assert customer_name(NAME, role) == (NAME if sees else "<PERSON>"), role
        assert customer_name(NAME, role, redact=True) == "<PERSON>"
        assert customer_name(None, role) == customer_name("", role) == ""
