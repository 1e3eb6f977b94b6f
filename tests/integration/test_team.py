"""``/api/team`` and the password routes of ``/api/auth``: roles, invites, deactivation, the
last owner, passwords, and another tenant's ids (404, never data)."""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.policy
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from invekto.sandbox.demo import DEMO_CLINIC, DEMO_SHOP
from invekto.sandbox.mailbox import MAILBOX
from invekto.security import PERMISSIONS, ROLES, allowed, hash_password, roles_with
from invekto.stack import Stack, free_port, running_stack
from invekto.storage.models import Tenant, User
from invekto.storage.models.tenancy import UserToken
from tests.conftest import make_settings

PASSWORD = "parola-2026!"


@pytest.fixture(autouse=True)
def empty_mailbox():
    MAILBOX.reset()
    yield
    MAILBOX.reset()


async def call(stack, method: str, path: str, token: str | None = None, **kwargs):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as client:
        return await client.request(method, path, headers=headers, **kwargs)


async def login(stack, email: str, password: str) -> httpx.Response:
    return await call(stack, "POST", "/api/auth/login", json={"email": email, "password": password})


async def token_for(stack, email: str, password: str = PASSWORD) -> str:
    response = await login(stack, email, password)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


async def owner_token(stack, demo=DEMO_SHOP) -> str:
    return await token_for(stack, demo.owner_email, demo.owner_password)


async def add_user(session, role: str, *, demo=DEMO_SHOP, email: str | None = None) -> User:
    tenant = await session.scalar(select(Tenant).where(Tenant.slug == demo.slug))
    user = User(
        tenant_id=tenant.id,
        email=email or f"{role}@{demo.slug}.test",
        name=role.title(),
        role=role,
        active=True,
        password_hash=hash_password(PASSWORD),
    )
    session.add(user)
    await session.commit()
    return user


async def shop_owner(session) -> User:
    return await session.scalar(select(User).where(User.email == DEMO_SHOP.owner_email))


def test_the_permission_map_names_every_role_and_admin_stands_with_supervisors():
    assert set(ROLES) == {"owner", "admin", "supervisor", "agent", "prompt_owner"}
    assert all(set(roles) <= set(ROLES) for roles in PERMISSIONS.values())
    assert roles_with("owner", "supervisor") == {"owner", "admin", "supervisor"}
    assert roles_with("owner") == {"owner"}
    assert allowed("admin", "team.manage") and not allowed("admin", "team.manage_owners")
    assert allowed("prompt_owner", "prompts.edit") and not allowed("agent", "prompts.edit")
    assert not allowed("owner", "no.such.permission")


async def test_invite_by_link_accept_once_and_log_in(stack, session):
    token = await owner_token(stack)

    created = await call(
        stack, "POST", "/api/team/invites", token, json={"email": "Yeni@Shop.test", "role": "agent"}
    )
    body = created.json()
    link_token = body["link"].split("token=")[1]
    pending = await call(stack, "GET", "/api/team/invites", token)
    info = await call(stack, "GET", "/api/team/invites/lookup", params={"token": link_token})
    accepted = await call(
        stack,
        "POST",
        "/api/team/invites/accept",
        json={"token": link_token, "name": "Yeni Temsilci", "password": PASSWORD},
    )
    again = await call(
        stack,
        "POST",
        "/api/team/invites/accept",
        json={"token": link_token, "name": "Başka", "password": PASSWORD},
    )
    new_login = await login(stack, "yeni@shop.test", PASSWORD)
    team = await call(stack, "GET", "/api/team", new_login.json()["access_token"])

    assert created.status_code == 201, created.text
    assert body["email"] == "yeni@shop.test" and body["role"] == "agent"
    assert body["link"].startswith(f"{stack.settings.base_url}/invite?token=")
    assert body["mail"] == "sandbox"
    [mail] = MAILBOX.mails("yeni@shop.test")
    assert body["link"] in mail["text"]
    expires = dt.datetime.fromisoformat(body["expires_at"])
    assert dt.timedelta(days=6, hours=23) < expires - dt.datetime.now(dt.UTC) <= dt.timedelta(7)
    assert [i["email"] for i in pending.json()] == ["yeni@shop.test"]
    assert info.json()["tenant_name"] == DEMO_SHOP.name and info.json()["role"] == "agent"
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["user"]["role"] == "agent" and accepted.json()["tenant"] == "demo-shop"
    assert again.status_code == 410
    assert new_login.status_code == 200
    assert {u["email"] for u in team.json()} == {DEMO_SHOP.owner_email, "yeni@shop.test"}
    row = await session.scalar(select(UserToken).where(UserToken.kind == "invite"))
    assert row.used_at is not None and link_token not in row.token_hash  # only the hash is kept
    assert (await call(stack, "GET", "/api/team/invites", token)).json() == []


async def test_invites_that_cannot_be_made_or_used(stack, session):
    token = await owner_token(stack)
    await add_user(session, "admin")
    admin = await token_for(stack, "admin@demo-shop.test")

    taken = await call(
        stack, "POST", "/api/team/invites", token, json={"email": DEMO_CLINIC.owner_email}
    )
    admin_owner = await call(
        stack, "POST", "/api/team/invites", admin, json={"email": "o@x.test", "role": "owner"}
    )
    admin_agent = await call(
        stack, "POST", "/api/team/invites", admin, json={"email": "a@x.test", "role": "agent"}
    )
    bad_role = await call(
        stack, "POST", "/api/team/invites", token, json={"email": "b@x.test", "role": "root"}
    )
    revoked = await call(
        stack, "POST", "/api/team/invites", token, json={"email": "r@x.test", "role": "agent"}
    )
    revoke = await call(stack, "DELETE", f"/api/team/invites/{revoked.json()['id']}", token)
    revoked_token = revoked.json()["link"].split("token=")[1]
    use_revoked = await call(
        stack,
        "POST",
        "/api/team/invites/accept",
        json={"token": revoked_token, "name": "R", "password": PASSWORD},
    )
    expired_token = admin_agent.json()["link"].split("token=")[1]
    row = await session.scalar(select(UserToken).where(UserToken.email == "a@x.test"))
    row.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    await session.commit()
    use_expired = await call(
        stack,
        "POST",
        "/api/team/invites/accept",
        json={"token": expired_token, "name": "A", "password": PASSWORD},
    )
    short = await call(
        stack,
        "POST",
        "/api/team/invites/accept",
        json={"token": expired_token, "name": "A", "password": "kısa"},
    )
    unknown = await call(stack, "GET", "/api/team/invites/lookup", params={"token": "x" * 40})

    assert taken.status_code == 409
    assert admin_owner.status_code == 403
    assert admin_agent.status_code == 201
    assert bad_role.status_code == 422
    assert revoke.status_code == 204 and use_revoked.status_code == 410
    assert use_expired.status_code == 410
    assert short.status_code == 422
    assert unknown.status_code == 410


async def test_each_role_may_do_what_the_map_says(stack, session):
    for role in ("admin", "supervisor", "agent", "prompt_owner"):
        await add_user(session, role)
    tokens = {role: await token_for(stack, f"{role}@demo-shop.test") for role in ROLES[1:]}
    tokens["owner"] = await owner_token(stack)
    target = await add_user(session, "agent", email="target@demo-shop.test")

    for role, token in tokens.items():
        listed = await call(stack, "GET", "/api/team", token)
        invited = await call(
            stack, "POST", "/api/team/invites", token, json={"email": f"{role}-inv@x.test"}
        )
        invites = await call(stack, "GET", "/api/team/invites", token)
        changed = await call(
            stack, "PATCH", f"/api/team/users/{target.id}", token, json={"role": "agent"}
        )
        settings = await call(
            stack, "PATCH", "/api/tenant", token, json={"automation": {"returns": True}}
        )
        manages = role in ("owner", "admin")
        assert listed.status_code == 200, (role, listed.text)
        assert invited.status_code == (201 if manages else 403), (role, invited.text)
        assert invites.status_code == (200 if manages else 403), role
        assert changed.status_code == (200 if manages else 403), role
        # supervisor-level routes also admit admin; the rest keep their behaviour
        supervises = role in ("owner", "admin", "supervisor")
        assert settings.status_code == (200 if supervises else 403), (role, settings.text)


async def test_role_changes_and_deactivation_count_at_once(stack, session):
    owner = await owner_token(stack)
    agent = await add_user(session, "agent")
    agent_token = await token_for(stack, "agent@demo-shop.test")

    patch = {"automation": {"returns": True}}
    before = await call(stack, "PATCH", "/api/tenant", agent_token, json=patch)
    promoted = await call(
        stack, "PATCH", f"/api/team/users/{agent.id}", owner, json={"role": "supervisor"}
    )
    after = await call(stack, "PATCH", "/api/tenant", agent_token, json=patch)
    me = await call(stack, "GET", "/api/auth/me", agent_token)
    deactivated = await call(
        stack, "PATCH", f"/api/team/users/{agent.id}", owner, json={"active": False}
    )
    old_token = await call(stack, "GET", "/api/auth/me", agent_token)
    relogin = await login(stack, "agent@demo-shop.test", PASSWORD)
    reactivated = await call(
        stack, "PATCH", f"/api/team/users/{agent.id}", owner, json={"active": True}
    )
    back = await login(stack, "agent@demo-shop.test", PASSWORD)

    assert before.status_code == 403
    assert promoted.status_code == 200 and promoted.json()["role"] == "supervisor"
    assert after.status_code == 200 and me.json()["role"] == "supervisor"
    assert deactivated.json()["active"] is False
    assert old_token.status_code == 401
    assert relogin.status_code == 401
    assert reactivated.json()["active"] is True and back.status_code == 200


async def test_the_last_owner_stays_and_an_admin_cannot_touch_an_owner(stack, session):
    owner = await owner_token(stack)
    me = await shop_owner(session)
    await add_user(session, "admin")
    admin = await token_for(stack, "admin@demo-shop.test")

    demote_self = await call(
        stack, "PATCH", f"/api/team/users/{me.id}", owner, json={"role": "admin"}
    )
    deactivate_self = await call(
        stack, "PATCH", f"/api/team/users/{me.id}", owner, json={"active": False}
    )
    admin_demotes = await call(
        stack, "PATCH", f"/api/team/users/{me.id}", admin, json={"role": "agent"}
    )
    admin_deactivates = await call(
        stack, "PATCH", f"/api/team/users/{me.id}", admin, json={"active": False}
    )
    second = await add_user(session, "agent", email="second@demo-shop.test")
    admin_promotes = await call(
        stack, "PATCH", f"/api/team/users/{second.id}", admin, json={"role": "owner"}
    )
    owner_promotes = await call(
        stack, "PATCH", f"/api/team/users/{second.id}", owner, json={"role": "owner"}
    )
    now_possible = await call(
        stack, "PATCH", f"/api/team/users/{me.id}", owner, json={"role": "admin"}
    )

    assert demote_self.status_code == 409 and deactivate_self.status_code == 409
    assert "last active owner" in demote_self.json()["detail"]
    assert admin_demotes.status_code == 403 and admin_deactivates.status_code == 403
    assert admin_promotes.status_code == 403
    assert owner_promotes.status_code == 200
    assert now_possible.status_code == 200 and now_possible.json()["role"] == "admin"


async def test_another_tenants_ids_are_404_and_its_users_never_listed(stack, session):
    clinic = await owner_token(stack, DEMO_CLINIC)
    shop = await owner_token(stack)
    shop_agent = await add_user(session, "agent")
    invite = await call(stack, "POST", "/api/team/invites", shop, json={"email": "i@shop.test"})

    listed = await call(stack, "GET", "/api/team", clinic)
    invites = await call(stack, "GET", "/api/team/invites", clinic)
    change = await call(
        stack, "PATCH", f"/api/team/users/{shop_agent.id}", clinic, json={"active": False}
    )
    revoke = await call(stack, "DELETE", f"/api/team/invites/{invite.json()['id']}", clinic)

    assert [u["email"] for u in listed.json()] == [DEMO_CLINIC.owner_email]
    assert invites.json() == []
    assert change.status_code == 404 and "demo-shop" not in change.text
    assert revoke.status_code == 404
    await session.refresh(shop_agent)
    assert shop_agent.active is True
    anonymous = await call(stack, "GET", "/api/team")
    assert anonymous.status_code == 401


async def test_password_change_and_reset(stack, session):
    token = await owner_token(stack)
    email, old = DEMO_SHOP.owner_email, DEMO_SHOP.owner_password

    wrong = await call(
        stack,
        "POST",
        "/api/auth/password",
        token,
        json={"current_password": "yanlis-parola", "new_password": "yeni-parola-1"},
    )
    changed = await call(
        stack,
        "POST",
        "/api/auth/password",
        token,
        json={"current_password": old, "new_password": "yeni-parola-1"},
    )
    stale = await call(stack, "GET", "/api/auth/me", token)
    fresh = await call(stack, "GET", "/api/auth/me", changed.json()["access_token"])
    old_login = await login(stack, email, old)
    new_login = await login(stack, email, "yeni-parola-1")

    unknown = await call(stack, "POST", "/api/auth/password-reset", json={"email": "yok@x.test"})
    known = await call(stack, "POST", "/api/auth/password-reset", json={"email": email.upper()})
    reset_token = known.json()["link"].split("token=")[1]
    second = await call(stack, "POST", "/api/auth/password-reset", json={"email": email})
    second_token = second.json()["link"].split("token=")[1]
    confirm = await call(
        stack,
        "POST",
        "/api/auth/password-reset/confirm",
        json={"token": reset_token, "new_password": "sifirlandi-2026"},
    )
    reuse = await call(
        stack,
        "POST",
        "/api/auth/password-reset/confirm",
        json={"token": reset_token, "new_password": "baska-parola-9"},
    )
    other_link = await call(
        stack,
        "POST",
        "/api/auth/password-reset/confirm",
        json={"token": second_token, "new_password": "baska-parola-9"},
    )
    reset_login = await login(stack, email, "sifirlandi-2026")
    after_reset = await call(stack, "GET", "/api/auth/me", new_login.json()["access_token"])

    assert wrong.status_code == 403
    assert changed.status_code == 200, changed.text
    assert stale.status_code == 401 and fresh.status_code == 200  # other sessions logged out
    assert old_login.status_code == 401 and new_login.status_code == 200
    assert unknown.status_code == known.status_code == 200
    assert unknown.json() == {"ok": True, "link": None, "mail": None}
    assert known.json()["link"].startswith(f"{stack.settings.base_url}/reset-password?token=")
    assert known.json()["mail"] == "sandbox"
    assert any(known.json()["link"] in m["text"] for m in MAILBOX.mails(email))
    assert confirm.status_code == 204
    assert reuse.status_code == 410 and other_link.status_code == 410
    assert reset_login.status_code == 200
    assert after_reset.status_code == 401


# --- with an SMTP server and the sandbox off (production-like) ----------------------------------


class SmtpSink:
    """An SMTP server's handler that keeps what it accepts."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], str]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        body = parsed.get_body(("plain",)).get_content()
        self.messages.append((list(envelope.rcpt_tos), body))
        return "250 Message accepted for delivery"


@pytest.fixture
async def smtp_stack(fresh_db_url: str, tmp_path: Path) -> AsyncIterator[tuple[Stack, SmtpSink]]:
    sink = SmtpSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings = make_settings(
        tmp_path,
        database_url=fresh_db_url,
        sandbox=False,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_starttls=False,
        smtp_timeout_s=5.0,
    )
    try:
        async with running_stack(settings, migrate=False) as running:
            yield running, sink
    finally:
        controller.stop()


async def test_links_go_by_smtp_and_a_reset_link_is_never_answered_outside_the_sandbox(smtp_stack):
    stack, sink = smtp_stack
    token = await owner_token(stack)

    invited = await call(stack, "POST", "/api/team/invites", token, json={"email": "s@shop.test"})
    known = await call(
        stack, "POST", "/api/auth/password-reset", json={"email": DEMO_SHOP.owner_email}
    )
    unknown = await call(stack, "POST", "/api/auth/password-reset", json={"email": "no@x.test"})

    assert invited.json()["mail"] == "smtp"
    assert known.json() == unknown.json() == {"ok": True, "link": None, "mail": None}
    assert [to for to, _ in sink.messages] == [["s@shop.test"], [DEMO_SHOP.owner_email]]
    assert invited.json()["link"] in sink.messages[0][1]
    reset_link = next(w for w in sink.messages[1][1].split() if "/reset-password?token=" in w)
    reset = await call(
        stack,
        "POST",
        "/api/auth/password-reset/confirm",
        json={"token": reset_link.split("token=")[1], "new_password": "smtp-ile-gelen-1"},
    )
    assert reset.status_code == 204
    assert (await login(stack, DEMO_SHOP.owner_email, "smtp-ile-gelen-1")).status_code == 200


async def test_roles_my_permissions_and_a_second_invite_replaces_the_first(stack, session):
    token = await owner_token(stack)
    await add_user(session, "prompt_owner")
    prompt_owner = await token_for(stack, "prompt_owner@demo-shop.test")

    roles = await call(stack, "GET", "/api/team/roles", prompt_owner)
    me = await call(stack, "GET", "/api/auth/me", prompt_owner)
    first = await call(stack, "POST", "/api/team/invites", token, json={"email": "twice@x.test"})
    second = await call(stack, "POST", "/api/team/invites", token, json={"email": "twice@x.test"})
    pending = await call(stack, "GET", "/api/team/invites", token)
    use_first = await call(
        stack,
        "POST",
        "/api/team/invites/accept",
        json={"token": first.json()["link"].split("token=")[1], "name": "T", "password": PASSWORD},
    )

    assert [r["role"] for r in roles.json()] == list(ROLES)
    by_role = {r["role"]: set(r["permissions"]) for r in roles.json()}
    assert "team.manage" in by_role["admin"] and "team.manage" not in by_role["supervisor"]
    assert set(me.json()["permissions"]) == by_role["prompt_owner"] >= {"prompts.edit"}
    assert [i["id"] for i in pending.json()] == [second.json()["id"]]
    assert use_first.status_code == 410


async def test_two_owners_demoting_each_other_at_once_leave_one_owner(stack, session):
    first = await shop_owner(session)
    second = await add_user(session, "owner", email="owner2@demo-shop.test")
    first_token = await owner_token(stack)
    second_token = await token_for(stack, "owner2@demo-shop.test")

    answers = await asyncio.gather(
        call(stack, "PATCH", f"/api/team/users/{second.id}", first_token, json={"role": "agent"}),
        call(stack, "PATCH", f"/api/team/users/{first.id}", second_token, json={"role": "agent"}),
    )

    assert sorted(a.status_code for a in answers) in ([200, 403], [200, 409]), [
        a.text for a in answers
    ]
    owners = await session.scalars(
        select(User)
        .where(User.role == "owner", User.tenant_id == first.tenant_id)
        .execution_options(populate_existing=True)
    )
    assert len(list(owners)) == 1


async def test_password_guessing_and_reset_mail_bombing_are_limited(stack, session):
    await add_user(session, "agent")
    email = "agent@demo-shop.test"

    wrong = [await login(stack, email, f"yanlis-{n}") for n in range(5)]
    blocked = await login(stack, email, PASSWORD)
    other = await login(stack, DEMO_SHOP.owner_email, DEMO_SHOP.owner_password)
    resets = [
        await call(stack, "POST", "/api/auth/password-reset", json={"email": email})
        for _ in range(7)
    ]

    assert {r.status_code for r in wrong} == {401}
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    assert other.status_code == 200  # per e-mail: others log in as usual
    assert {r.status_code for r in resets} == {200}
    assert all(r.json()["ok"] for r in resets)
    assert len(MAILBOX.mails(email)) == 5


async def test_an_owner_or_admin_unlocks_a_locked_user_and_the_list_shows_the_lock(stack, session):
    agent = await add_user(session, "agent")
    admin = await add_user(session, "admin")
    owner = await shop_owner(session)
    clinic_token = await owner_token(stack, DEMO_CLINIC)
    owner_tok = await owner_token(stack)
    admin_tok = await token_for(stack, admin.email)
    agent_tok = await token_for(stack, agent.email)

    wrong = [await login(stack, agent.email, f"yanlis-{n}") for n in range(5)]
    locked = await login(stack, agent.email, PASSWORD)
    team = (await call(stack, "GET", "/api/team", agent_tok)).json()
    by_agent = await call(stack, "POST", f"/api/team/users/{agent.id}/unlock", agent_tok)
    by_other_tenant = await call(stack, "POST", f"/api/team/users/{agent.id}/unlock", clinic_token)
    by_admin = await call(stack, "POST", f"/api/team/users/{agent.id}/unlock", admin_tok)
    after = await login(stack, agent.email, PASSWORD)
    team_after = (await call(stack, "GET", "/api/team", owner_tok)).json()

    assert {r.status_code for r in wrong} == {401} and locked.status_code == 429
    shown = {u["email"]: u["locked_until"] for u in team}
    assert shown[agent.email] is not None and shown[owner.email] is None
    assert by_agent.status_code == 403  # team.manage: owners and admins only
    assert by_other_tenant.status_code == 404
    assert by_admin.status_code == 200 and by_admin.json()["locked_until"] is None
    assert after.status_code == 200
    assert {u["email"]: u["locked_until"] for u in team_after}[agent.email] is None

    # An owner's lock: only an owner lifts it (as only an owner changes an owner).
    for n in range(6):
        await login(stack, owner.email, f"yanlis-{n}")
    owner_locked = await login(stack, DEMO_SHOP.owner_email, DEMO_SHOP.owner_password)
    admin_tries = await call(stack, "POST", f"/api/team/users/{owner.id}/unlock", admin_tok)
    owner_lifts = await call(stack, "POST", f"/api/team/users/{owner.id}/unlock", owner_tok)
    owner_back = await login(stack, DEMO_SHOP.owner_email, DEMO_SHOP.owner_password)

    assert owner_locked.status_code == 429
    assert admin_tries.status_code == 403
    assert owner_lifts.status_code == 200
    assert owner_back.status_code == 200
