"""Payment links: iyzico (official SDK) and PayTR (Link API), one protocol for both."""

from invekto.integrations.payments.base import (
    CreatedLink,
    LinkRequest,
    PaymentError,
    PaymentLinks,
    iyzico_price,
    strip_zero,
    to_kurus,
)
from invekto.integrations.payments.iyzico import (
    WEBHOOK_SIGNATURE_HEADER,
    IyzicoClient,
    checkout_detail_signature_ok,
    checkout_init_signature_ok,
    webhook_signature_ok,
)
from invekto.integrations.payments.paytr import PaytrClient, link_callback_ok

__all__ = [
    "WEBHOOK_SIGNATURE_HEADER",
    "CreatedLink",
    "IyzicoClient",
    "LinkRequest",
    "PaymentError",
    "PaymentLinks",
    "PaytrClient",
    "checkout_detail_signature_ok",
    "checkout_init_signature_ok",
    "iyzico_price",
    "link_callback_ok",
    "strip_zero",
    "to_kurus",
    "webhook_signature_ok",
]
