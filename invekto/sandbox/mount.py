"""Mount the stand-ins (Graph API, Trendyol, iyzico, PayTR, simulator, sales inbox) on the app's
own port."""

from __future__ import annotations

from fastapi import FastAPI

from invekto.config import Settings


def mount_sandbox(app: FastAPI, settings: Settings) -> None:
    from invekto.sandbox import graph, iyzico, mailbox, paytr, sales_inbox, simulator, trendyol

    graph.SANDBOX_GRAPH.webhook_url = f"{settings.base_url}/webhooks/whatsapp"
    graph.SANDBOX_GRAPH.app_secret = settings.whatsapp_app_secret
    graph.SANDBOX_GRAPH.callback_delay_s = settings.sandbox_status_callback_delay_s
    app.include_router(graph.router, prefix="/sandbox/graph")
    app.include_router(trendyol.router, prefix="/sandbox/trendyol")
    app.include_router(simulator.router)
    app.include_router(sales_inbox.router, prefix="/sandbox/sales-inbox")
    app.include_router(mailbox.router, prefix="/sandbox/mailbox")
    # Payment links: buyer pages (and PayTR's API) here; iyzico's API also over TLS, see
    # iyzico.running_iyzico_standin. Webhooks/callbacks go to this app.
    iyzico.configure(settings)
    paytr.configure(settings)
    app.include_router(iyzico.router, prefix="/sandbox/iyzico")
    app.include_router(paytr.router, prefix="/sandbox/paytr")
    app.state.mail_sink = mailbox.MAILBOX.deliver  # e-mails go here when SMTP is not set
    # A number connected in onboarding exists at once in the stand-in Graph API.
    app.state.channel_hook = lambda phone_number_id, token, display: graph.SANDBOX_GRAPH.register(
        phone_number_id, token, display_phone_number=display
    )
    # A business that signs up gets Trendyol sandbox credentials of its own (with demo orders).
    app.state.trendyol_sandbox_seller = trendyol.SANDBOX_TRENDYOL.for_tenant
