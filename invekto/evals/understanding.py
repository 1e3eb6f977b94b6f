"""Reading a message exactly as the conversation graph reads it, outside a conversation: the
graph's own ``understand`` node for a tenant of a given vertical (the CLI's ``understand`` and the
hard held-out report of ``invekto.nlu.heldout``). Above the graph in the layers, so it may use the
node and the demo tenants."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from invekto.nlu.heldout import DEFAULT_TIMEZONE, HardItem, Reader
from invekto.nlu.types import Understander


@dataclass(frozen=True, slots=True)
class Tenant:
    """What the graph knows of the tenant when it reads a message."""

    slug: str
    vertical: str = "ecommerce"
    settings: Mapping[str, Any] = field(default_factory=dict)
    """The tenant's stored settings (``TenantSettings`` JSON: ``nlu.bulk_threshold`` ...)."""
    timezone: str = DEFAULT_TIMEZONE


def demo_tenant(slug: str, vertical: str | None = None) -> Tenant:
    """The sandbox tenant ``slug`` (demo-shop, demo-clinic, ...) with its vertical and settings
    as seeded; another slug is a tenant with default settings, a shop unless ``vertical`` says
    otherwise. ``vertical`` overrides the demo tenant's."""
    from invekto.core.tenant_settings import TenantSettings
    from invekto.sandbox.demo import DEMO_TENANTS
    from invekto.sandbox.seed import DEMO_SETTINGS

    demo = next((t for t in DEMO_TENANTS if t.slug == slug), None)
    if demo is None:
        return Tenant(
            slug=slug,
            vertical=vertical or "ecommerce",
            settings=TenantSettings.defaults().to_json(),
        )
    settings = TenantSettings.model_validate(DEMO_SETTINGS).merged(demo.settings).to_json()
    return Tenant(slug=slug, vertical=vertical or demo.vertical, settings=settings)


async def read_as_graph(
    understander: Understander,
    text: str,
    tenant: Tenant,
    *,
    previous_language: str | None = None,
    order_state: str | None = None,
) -> dict[str, Any]:
    """What the graph's ``understand`` node makes of ``text`` for ``tenant``: the node itself is
    run (the tenant's vertical limits the intents, the product questions are sorted by their
    words, a message of several requests is split). Returns the node's update:
    ``understanding`` (the reading the graph acts on first, a JSON ``Understanding``),
    ``language``, and ``part_text``/``parts`` when the message was split. ``order_state``: the
    situation of the order the conversation is about, as an agent left it in the focus
    (``nlu.situation.STATES``)."""
    from invekto.core.tenant_settings import TenantSettings
    from invekto.graphs.conversation.nodes.understand import Understand
    from invekto.tools.context import TenantInfo

    info = TenantInfo(
        id=uuid.uuid5(uuid.NAMESPACE_URL, f"invekto-tenant:{tenant.slug}"),
        slug=tenant.slug,
        name=tenant.slug,
        vertical=tenant.vertical,
        timezone=tenant.timezone,
        default_language="tr",
        business_hours={},
        settings=TenantSettings.model_validate(dict(tenant.settings)),
    )
    state: dict[str, Any] = {"turn": {"text": text}, "language": previous_language}
    if order_state is not None:
        state["focus"] = {"order": "in-focus", "order_state": order_state}
    runtime = SimpleNamespace(context=SimpleNamespace(tenant=info))
    node = Understand(lambda: understander)
    return await node(state, runtime)  # type: ignore[arg-type]


def reader(understander: Understander) -> Reader:
    """Reads an item as the graph would for a demo tenant of the item's vertical."""
    tenants = {
        "ecommerce": demo_tenant("demo-shop"),
        "clinic": demo_tenant("demo-clinic"),
    }

    async def read(item: HardItem) -> dict[str, Any]:
        return await read_as_graph(
            understander, item.text, tenants[item.vertical], order_state=item.order_status
        )

    return read


async def easy_report(understander: Understander) -> dict[str, Any]:
    """The intents' own held-out texts (``examples/<intent>.yaml``, never trained on) read as the
    graph reads them, for a demo tenant of the intent's vertical: correct and total per
    language, and the accuracy over all."""
    from invekto.nlu.classifier import heldout_set
    from invekto.nlu.taxonomy import AREAS, LANGUAGES

    clinic_intents = set(AREAS["clinic"])
    shop, clinic = demo_tenant("demo-shop"), demo_tenant("demo-clinic")
    report: dict[str, Any] = {}
    for language in LANGUAGES:
        texts, labels = heldout_set(language)
        right = 0
        for text, label in zip(texts, labels, strict=True):
            tenant = clinic if label in clinic_intents else shop
            update = await read_as_graph(understander, text, tenant)
            right += update["understanding"]["intent"] == label
        report[language] = {"correct": right, "messages": len(texts)}
    correct = sum(row["correct"] for row in report.values())
    total = sum(row["messages"] for row in report.values())
    report["accuracy"] = round(correct / total, 4) if total else 0.0
    return report
