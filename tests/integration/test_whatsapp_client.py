"""The real WhatsAppClient against the Graph sandbox over HTTP, status callbacks included."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from pywa.errors import ExpiredAccessToken, MessageUndeliverable, ReEngagementMessage

from invekto.channels.base import CollectingSender, Sender, StatusUpdate
from invekto.channels.whatsapp.client import (
    OutsideCustomerServiceWindow,
    RecipientUnavailable,
    WhatsAppClient,
    WhatsAppSendError,
    error_from_response,
)
from invekto.channels.whatsapp.parse import parse_webhook
from invekto.channels.whatsapp.signature import SIGNATURE_HEADER, verify_signature
from invekto.sandbox.demo import AYSE_PHONE, DEMO_CLINIC, DEMO_SHOP
from invekto.sandbox.graph import SANDBOX_GRAPH, router
from tests.support.server import serve

APP_SECRET = "integration-app-secret"


@dataclass(frozen=True)
class Callback:
    verified: bool
    status: StatusUpdate


class Receiver:
    """The webhook side: keeps every status callback the sandbox posts."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._callbacks: list[Callback] = []

    def add(self, body: bytes, signature: str | None) -> None:
        verified = verify_signature(APP_SECRET, body, signature)
        with self._lock:
            for status in parse_webhook(json.loads(body)).statuses:
                self._callbacks.append(Callback(verified, status))

    def for_message(self, message_id: str) -> list[Callback]:
        with self._lock:
            return [c for c in self._callbacks if c.status.external_id == message_id]

    def clear(self) -> None:
        with self._lock:
            self._callbacks.clear()


RECEIVER = Receiver()


def build_app() -> FastAPI:
    app = FastAPI()
    app.include_router(router, prefix="/sandbox/graph")

    @app.post("/webhooks/whatsapp")
    async def receive(request: Request) -> dict[str, str]:
        RECEIVER.add(await request.body(), request.headers.get(SIGNATURE_HEADER))
        return {}

    return app


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serve(build_app()) as url:
        yield url


@pytest.fixture(autouse=True)
def sandbox(base_url: str) -> Iterator[None]:
    SANDBOX_GRAPH.reset()
    RECEIVER.clear()
    SANDBOX_GRAPH.webhook_url = f"{base_url}/webhooks/whatsapp"
    SANDBOX_GRAPH.app_secret = APP_SECRET
    SANDBOX_GRAPH.callback_delay_s = 0.01
    yield
    SANDBOX_GRAPH.reset()
    SANDBOX_GRAPH.webhook_url = SANDBOX_GRAPH.app_secret = SANDBOX_GRAPH.callback_delay_s = None


def make_client(base_url: str, **overrides: Any) -> WhatsAppClient:
    options: dict[str, Any] = {
        "graph_base": f"{base_url}/sandbox/graph",
        "api_version": "v24.0",
        "phone_number_id": DEMO_SHOP.phone_number_id,
        "access_token": DEMO_SHOP.access_token,
        "timeout_s": 5.0,
        "max_attempts": 3,
        "backoff_s": 0.01,
        **overrides,
    }
    return WhatsAppClient(**options)


@pytest.fixture
async def client(base_url: str) -> AsyncIterator[WhatsAppClient]:
    async with make_client(base_url) as whatsapp:
        yield whatsapp


async def wait_for(condition: Callable[[], bool], timeout_s: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met before the deadline")
        await asyncio.sleep(0.02)


# --- sends ---------------------------------------------------------------------------------------


async def test_text_send_returns_an_id_and_lands_in_the_outbox(client: WhatsAppClient) -> None:
    result = await client.send_text(to=AYSE_PHONE, body="Merhaba", reply_to="wamid.IN1")
    assert result.message_id.startswith("wamid.SANDBOX")
    assert result.status == "accepted"
    (entry,) = SANDBOX_GRAPH.outbox(phone_number_id=DEMO_SHOP.phone_number_id, to=AYSE_PHONE)
    assert (entry["id"], entry["type"], entry["text"]) == (result.message_id, "text", "Merhaba")
    assert entry["body"] == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": AYSE_PHONE,
        "type": "text",
        "text": {"body": "Merhaba", "preview_url": False},
        "context": {"message_id": "wamid.IN1"},
    }


async def test_template_send(client: WhatsAppClient) -> None:
    await client.send_template(
        to=AYSE_PHONE, name="order_update", language="tr", parameters=["TY123", "Kargoda"]
    )
    (entry,) = SANDBOX_GRAPH.outbox(to=AYSE_PHONE)
    assert entry["text"] == "[order_update] TY123 | Kargoda"
    assert entry["body"]["template"] == {
        "name": "order_update",
        "language": {"code": "tr"},
        "components": [
            {
                "type": "body",
                "parameters": [
                    {"type": "text", "text": "TY123"},
                    {"type": "text", "text": "Kargoda"},
                ],
            }
        ],
    }


async def test_template_without_parameters_has_no_components(client: WhatsAppClient) -> None:
    await client.send_template(to=AYSE_PHONE, name="hello_world", language="en_US")
    (entry,) = SANDBOX_GRAPH.outbox()
    assert entry["body"]["template"] == {"name": "hello_world", "language": {"code": "en_US"}}


async def test_interactive_buttons_send(client: WhatsAppClient) -> None:
    await client.send_interactive_buttons(
        to=AYSE_PHONE, body="İade etmek ister misiniz?", buttons=[("yes", "Evet"), ("no", "Hayır")]
    )
    (entry,) = SANDBOX_GRAPH.outbox()
    assert entry["text"] == "İade etmek ister misiniz?"
    assert entry["body"]["interactive"] == {
        "type": "button",
        "body": {"text": "İade etmek ister misiniz?"},
        "action": {
            "buttons": [
                {"type": "reply", "reply": {"id": "yes", "title": "Evet"}},
                {"type": "reply", "reply": {"id": "no", "title": "Hayır"}},
            ]
        },
    }


@pytest.mark.parametrize(
    "buttons",
    [
        [],
        [("a", "A"), ("b", "B"), ("c", "C"), ("d", "D")],
        [("a", "x" * 21)],
        [("a", "")],
        [("", "A")],
        [("a", "A"), ("a", "B")],
    ],
)
async def test_invalid_buttons_raise_before_sending(
    client: WhatsAppClient, buttons: list[tuple[str, str]]
) -> None:
    with pytest.raises(ValueError):
        await client.send_interactive_buttons(to=AYSE_PHONE, body="?", buttons=buttons)
    assert SANDBOX_GRAPH.outbox() == []


async def test_any_api_version_is_accepted(base_url: str) -> None:
    async with make_client(base_url, api_version="v25.0") as whatsapp:
        await whatsapp.send_text(to=AYSE_PHONE, body="v25")
    assert [e["text"] for e in SANDBOX_GRAPH.outbox()] == ["v25"]


# --- errors and retries --------------------------------------------------------------------------


async def test_a_bad_token_is_code_190(base_url: str) -> None:
    async with make_client(base_url, access_token="wrong") as whatsapp:
        with pytest.raises(WhatsAppSendError) as caught:
            await whatsapp.send_text(to=AYSE_PHONE, body="x")
    error = caught.value
    assert (error.code, error.status_code, error.retryable) == (190, 401, False)
    assert isinstance(error.pywa_error, ExpiredAccessToken)


async def test_another_numbers_token_is_refused(base_url: str) -> None:
    async with make_client(base_url, access_token=DEMO_CLINIC.access_token) as whatsapp:
        with pytest.raises(WhatsAppSendError) as caught:
            await whatsapp.send_text(to=AYSE_PHONE, body="x")
    assert caught.value.code == 190


async def test_an_unknown_number_is_code_100(base_url: str) -> None:
    async with make_client(base_url, phone_number_id="999") as whatsapp:
        with pytest.raises(WhatsAppSendError) as caught:
            await whatsapp.send_text(to=AYSE_PHONE, body="x")
    assert (caught.value.code, caught.value.status_code) == (100, 400)


async def test_an_invalid_recipient_is_code_131009(client: WhatsAppClient) -> None:
    with pytest.raises(WhatsAppSendError) as caught:
        await client.send_text(to="not-a-number", body="x")
    assert (caught.value.code, caught.value.retryable) == (131009, False)


async def test_an_empty_body_is_code_131008(client: WhatsAppClient) -> None:
    with pytest.raises(WhatsAppSendError) as caught:
        await client.send_text(to=AYSE_PHONE, body="")
    assert caught.value.code == 131008


async def test_500_twice_then_success_is_retried(client: WhatsAppClient) -> None:
    SANDBOX_GRAPH.inject(status=500, times=2)
    result = await client.send_text(to=AYSE_PHONE, body="after retries")
    assert [e["id"] for e in SANDBOX_GRAPH.outbox()] == [result.message_id]


async def test_retries_stop_after_max_attempts(base_url: str) -> None:
    SANDBOX_GRAPH.inject(status=500, times=2)
    async with make_client(base_url, max_attempts=2) as whatsapp:
        with pytest.raises(WhatsAppSendError) as caught:
            await whatsapp.send_text(to=AYSE_PHONE, body="x")
    assert (caught.value.status_code, caught.value.retryable) == (500, True)
    assert SANDBOX_GRAPH.outbox() == []


@pytest.mark.parametrize(("status", "code"), [(429, 130429), (400, 131056), (400, 80007)])
async def test_throttling_is_retried(client: WhatsAppClient, status: int, code: int) -> None:
    SANDBOX_GRAPH.inject(status=status, code=code)
    await client.send_text(to=AYSE_PHONE, body="throttled once")
    assert len(SANDBOX_GRAPH.outbox()) == 1


async def test_131026_is_recipient_unavailable_and_not_retried(client: WhatsAppClient) -> None:
    SANDBOX_GRAPH.inject(code=131026)  # one fault: a retry would have succeeded
    with pytest.raises(RecipientUnavailable) as caught:
        await client.send_text(to=AYSE_PHONE, body="x")
    assert (caught.value.retryable, caught.value.status_code) == (False, 400)
    assert isinstance(caught.value.pywa_error, MessageUndeliverable)
    await client.send_text(to=AYSE_PHONE, body="the fault is used up")


async def test_window_closed_sync_is_outside_customer_service_window(
    client: WhatsAppClient,
) -> None:
    stale = datetime.now(UTC) - timedelta(hours=25)
    SANDBOX_GRAPH.note_inbound(DEMO_SHOP.phone_number_id, AYSE_PHONE, stale)
    with pytest.raises(OutsideCustomerServiceWindow) as caught:
        await client.send_text(to=AYSE_PHONE, body="late")
    error = caught.value
    assert (error.code, error.status_code, error.retryable) == (131047, 400, False)
    assert error.details and "24 hours" in error.details
    assert isinstance(error.pywa_error, ReEngagementMessage)
    assert SANDBOX_GRAPH.outbox() == []
    await client.send_template(to=AYSE_PHONE, name="follow_up", language="tr")
    assert [e["type"] for e in SANDBOX_GRAPH.outbox()] == ["template"]


async def test_strict_window_refuses_unknown_recipients_until_they_write(
    client: WhatsAppClient,
) -> None:
    SANDBOX_GRAPH.strict_window = True
    with pytest.raises(OutsideCustomerServiceWindow):
        await client.send_text(to=AYSE_PHONE, body="cold")
    SANDBOX_GRAPH.note_inbound(DEMO_SHOP.phone_number_id, AYSE_PHONE)
    await client.send_text(to=AYSE_PHONE, body="warm")
    assert [e["text"] for e in SANDBOX_GRAPH.outbox()] == ["warm"]


async def test_window_closed_async_gives_a_failed_status_callback(client: WhatsAppClient) -> None:
    SANDBOX_GRAPH.window_error_mode = "async"
    SANDBOX_GRAPH.strict_window = True
    result = await client.send_text(to=AYSE_PHONE, body="late")
    await wait_for(lambda: bool(RECEIVER.for_message(result.message_id)))
    (callback,) = RECEIVER.for_message(result.message_id)
    assert callback.verified
    assert callback.status.status == "failed"
    assert callback.status.recipient == AYSE_PHONE
    assert [error["code"] for error in callback.status.errors] == [131047]
    assert SANDBOX_GRAPH.outbox()[0]["status"] == "failed"


# --- status callbacks ----------------------------------------------------------------------------


async def test_status_callbacks_arrive_signed_in_order(client: WhatsAppClient) -> None:
    result = await client.send_text(to=AYSE_PHONE, body="track me")
    await wait_for(lambda: len(RECEIVER.for_message(result.message_id)) == 3)
    callbacks = RECEIVER.for_message(result.message_id)
    assert [c.status.status for c in callbacks] == ["sent", "delivered", "read"]
    assert all(c.verified for c in callbacks)
    assert {c.status.phone_number_id for c in callbacks} == {DEMO_SHOP.phone_number_id}
    assert {c.status.recipient for c in callbacks} == {AYSE_PHONE}
    await wait_for(lambda: SANDBOX_GRAPH.outbox()[0]["status"] == "read")


async def test_status_callbacks_can_be_switched_off(client: WhatsAppClient) -> None:
    SANDBOX_GRAPH.status_callbacks = False
    silent = await client.send_text(to=AYSE_PHONE, body="silent")
    SANDBOX_GRAPH.status_callbacks = True
    loud = await client.send_text(to=AYSE_PHONE, body="loud")
    await wait_for(lambda: len(RECEIVER.for_message(loud.message_id)) == 3)
    assert RECEIVER.for_message(silent.message_id) == []


async def test_callbacks_to_a_dead_webhook_do_not_break_sends(client: WhatsAppClient) -> None:
    SANDBOX_GRAPH.webhook_url = "http://127.0.0.1:9/webhooks/whatsapp"
    first = await client.send_text(to=AYSE_PHONE, body="one")
    second = await client.send_text(to=AYSE_PHONE, body="two")
    assert first.message_id != second.message_id


# --- HTTP controls -------------------------------------------------------------------------------


async def test_http_controls(base_url: str, client: WhatsAppClient) -> None:
    async with httpx.AsyncClient(base_url=f"{base_url}/sandbox/graph") as http:
        config = await http.post(
            "/_control/config", json={"window_error_mode": "sync", "strict_window": True}
        )
        assert config.json() == {
            "status_callbacks": True,
            "window_error_mode": "sync",
            "strict_window": True,
        }
        inbound = {"phone_number_id": DEMO_SHOP.phone_number_id, "wa_id": AYSE_PHONE}
        assert (await http.post("/_control/inbound", json=inbound)).status_code == 200
        assert (await http.post("/_control/inject", json={"status": 503})).status_code == 200
        result = await client.send_text(to=AYSE_PHONE, body="via controls")
        outbox = (await http.get("/_outbox", params={"to": AYSE_PHONE})).json()
        assert [(e["id"], e["text"]) for e in outbox] == [(result.message_id, "via controls")]
        assert (await http.get("/_outbox", params={"phone_number_id": "other"})).json() == []
        assert (await http.post("/_control/reset")).json() == {"ok": True}
        assert (await http.get("/_outbox")).json() == []
    assert SANDBOX_GRAPH.config()["strict_window"] is False


async def test_bad_control_input_is_rejected(base_url: str) -> None:
    async with httpx.AsyncClient(base_url=f"{base_url}/sandbox/graph") as http:
        bad_mode = await http.post("/_control/config", json={"window_error_mode": "never"})
        bad_times = await http.post("/_control/inject", json={"status": 500, "times": 0})
    assert (bad_mode.status_code, bad_times.status_code) == (422, 422)


async def test_a_bad_version_gets_a_graph_error(base_url: str) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.post(
            f"{base_url}/sandbox/graph/latest/{DEMO_SHOP.phone_number_id}/messages",
            json={},
            headers={"Authorization": f"Bearer {DEMO_SHOP.access_token}"},
        )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == 100


# --- client behaviour without the sandbox -------------------------------------------------------


def scripted(*answers: httpx.Response | Exception) -> tuple[httpx.MockTransport, list[int]]:
    """A transport giving ``answers`` in turn; the list counts the requests."""
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        answer = answers[len(calls) - 1]
        if isinstance(answer, Exception):
            raise answer
        return answer

    return httpx.MockTransport(handler), calls


OK = httpx.Response(200, json={"messaging_product": "whatsapp", "messages": [{"id": "wamid.OK"}]})


def offline_client(transport: httpx.MockTransport, **overrides: Any) -> WhatsAppClient:
    return make_client("http://graph.test", transport=transport, **overrides)


@pytest.mark.parametrize(
    "failure",
    [httpx.ConnectError("refused"), httpx.ReadTimeout("slow")],
    ids=["connect", "timeout"],
)
async def test_network_errors_are_retried(failure: Exception) -> None:
    transport, calls = scripted(failure, OK)
    async with offline_client(transport) as whatsapp:
        result = await whatsapp.send_text(to=AYSE_PHONE, body="x")
    assert (result.message_id, result.status, len(calls)) == ("wamid.OK", None, 2)


async def test_network_errors_give_up_as_retryable_errors() -> None:
    transport, calls = scripted(*[httpx.ConnectError("refused")] * 2)
    async with offline_client(transport, max_attempts=2) as whatsapp:
        with pytest.raises(WhatsAppSendError) as caught:
            await whatsapp.send_text(to=AYSE_PHONE, body="x")
    assert caught.value.retryable and caught.value.code is None
    assert isinstance(caught.value.__cause__, httpx.ConnectError)
    assert len(calls) == 2


async def test_retry_after_overrides_the_backoff() -> None:
    throttled = httpx.Response(429, headers={"Retry-After": "0"}, json={})
    transport, calls = scripted(throttled, OK)
    async with offline_client(transport, backoff_s=3600.0) as whatsapp:
        await asyncio.wait_for(whatsapp.send_text(to=AYSE_PHONE, body="x"), timeout=30)
    assert len(calls) == 2


@pytest.mark.parametrize(
    "body", [{"messaging_product": "whatsapp", "messages": []}, {"contacts": []}, None]
)
async def test_a_2xx_without_message_id_is_a_non_retryable_error(body: Any) -> None:
    answer = httpx.Response(200, json=body) if body is not None else httpx.Response(200, text="ok")
    transport, calls = scripted(answer, OK)
    async with offline_client(transport) as whatsapp:
        with pytest.raises(WhatsAppSendError) as caught:
            await whatsapp.send_text(to=AYSE_PHONE, body="x")
    assert (caught.value.retryable, caught.value.status_code, len(calls)) == (False, 200, 1)


async def test_a_shared_http_client_is_left_open() -> None:
    transport, _ = scripted(OK, OK)
    async with httpx.AsyncClient(transport=transport) as http:
        async with make_client("http://graph.test", http=http) as whatsapp:
            await whatsapp.send_text(to=AYSE_PHONE, body="x")
        assert not http.is_closed
        await make_client("http://graph.test", http=http).send_text(to=AYSE_PHONE, body="y")


def test_error_from_response_reads_the_envelope_and_retry_after() -> None:
    request = httpx.Request("POST", "http://graph.test/v24.0/1/messages")
    response = httpx.Response(
        400,
        request=request,
        headers={"Retry-After": "7"},
        json={
            "error": {
                "message": "(#131056) (Business Account, Consumer Account) pair rate limit hit",
                "type": "OAuthException",
                "code": 131056,
                "error_data": {"messaging_product": "whatsapp", "details": "slow down"},
                "fbtrace_id": "Az8or2yhqkZfEZ-_4Qn_Bam",
            }
        },
    )
    error = error_from_response(response)
    assert (error.code, error.details, error.retryable, error.retry_after_s) == (
        131056,
        "slow down",
        True,
        7.0,
    )
    assert error.pywa_error is not None and error.pywa_error.code == 131056


def test_error_from_response_without_an_envelope() -> None:
    response = httpx.Response(502, text="<html>bad gateway</html>")
    error = error_from_response(response)
    assert (error.code, error.retryable, error.pywa_error, error.status_code) == (
        None,
        True,
        None,
        502,
    )


# --- the Sender contract ------------------------------------------------------------------------


async def test_both_senders_satisfy_the_protocol(client: WhatsAppClient) -> None:
    assert isinstance(client, Sender)
    assert isinstance(CollectingSender(), Sender)


async def test_collecting_sender_records_and_can_fail() -> None:
    sender = CollectingSender()
    first = await sender.send_text(to=AYSE_PHONE, body="Merhaba", reply_to="wamid.IN")
    await sender.send_template(
        to=AYSE_PHONE, name="order_update", language="tr", parameters=["TY1"]
    )
    await sender.send_interactive_buttons(to=AYSE_PHONE, body="?", buttons=[("y", "Evet")])
    assert first.message_id == "wamid.test.1"
    assert [(s.kind, s.text) for s in sender.sent] == [
        ("text", "Merhaba"),
        ("template", "[order_update] TY1"),
        ("interactive_buttons", "?"),
    ]
    assert sender.sent[0].arguments["reply_to"] == "wamid.IN"
    sender.fail_next.append(OutsideCustomerServiceWindow("closed", code=131047))
    with pytest.raises(OutsideCustomerServiceWindow):
        await sender.send_text(to=AYSE_PHONE, body="late")
    assert len(sender.sent) == 3
