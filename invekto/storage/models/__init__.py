"""SQLAlchemy models, one module per aggregate; import from here."""

from invekto.storage.models.base import TENANT_TABLES, Base, utcnow
from invekto.storage.models.casework import (
    Coupon,
    Lead,
    LeadAlert,
    ReturnAttempt,
    ServiceRequest,
)
from invekto.storage.models.commerce import OrderCache, ProductCache
from invekto.storage.models.messaging import Conversation, Customer, Message
from invekto.storage.models.ops import AutoReplyLog, WebhookEvent
from invekto.storage.models.privacy import PiiReveal
from invekto.storage.models.tenancy import Channel, IntegrationAccount, Tenant, User

__all__ = [
    "TENANT_TABLES",
    "AutoReplyLog",
    "Base",
    "Channel",
    "Conversation",
    "Coupon",
    "Customer",
    "IntegrationAccount",
    "Lead",
    "LeadAlert",
    "Message",
    "OrderCache",
    "PiiReveal",
    "ProductCache",
    "ReturnAttempt",
    "ServiceRequest",
    "Tenant",
    "User",
    "WebhookEvent",
    "utcnow",
]
