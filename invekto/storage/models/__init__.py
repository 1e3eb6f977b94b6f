"""SQLAlchemy models, one module per aggregate; import from here."""

from invekto.storage.models.base import TENANT_TABLES, Base, utcnow
from invekto.storage.models.casework import (
    Coupon,
    Lead,
    LeadAlert,
    ReturnAttempt,
    ServiceRequest,
)
from invekto.storage.models.clinic import (
    Appointment,
    ClinicService,
    Doctor,
    PatientLead,
    ReferralCode,
    ScheduleOverride,
    WaitlistEntry,
)
from invekto.storage.models.commerce import OrderCache, ProductCache
from invekto.storage.models.inbox import ConversationRead
from invekto.storage.models.messaging import Conversation, Customer, Message
from invekto.storage.models.ops import AutoReplyLog, WebhookEvent
from invekto.storage.models.outbound import (
    Campaign,
    Cart,
    ConsentEvent,
    OutboundRule,
    OutboundSend,
    ReviewCase,
    WaTemplate,
)
from invekto.storage.models.privacy import PiiReveal
from invekto.storage.models.prompts import PromptEvent, PromptVersion
from invekto.storage.models.revenue import (
    BoughtTogether,
    OfferRule,
    PaymentEvent,
    PaymentLink,
    ProductMargin,
    Recommendation,
)
from invekto.storage.models.tenancy import (
    Channel,
    IntegrationAccount,
    LoginThrottle,
    Tenant,
    User,
)
from invekto.storage.models.workflow import ConversationEvent, ProposedAction, SuggestionDecision

__all__ = [
    "OfferRule",
    "PaymentEvent",
    "PaymentLink",
    "ProductMargin",
    "Recommendation",
    "TENANT_TABLES",
    "Appointment",
    "AutoReplyLog",
    "Base",
    "BoughtTogether",
    "Campaign",
    "Cart",
    "Channel",
    "ClinicService",
    "ConsentEvent",
    "Conversation",
    "ConversationEvent",
    "ConversationRead",
    "Coupon",
    "Doctor",
    "Customer",
    "IntegrationAccount",
    "Lead",
    "LeadAlert",
    "LoginThrottle",
    "Message",
    "OrderCache",
    "OutboundRule",
    "OutboundSend",
    "PatientLead",
    "PiiReveal",
    "PromptEvent",
    "PromptVersion",
    "ProductCache",
    "ProposedAction",
    "ReferralCode",
    "ReturnAttempt",
    "ReviewCase",
    "ScheduleOverride",
    "ServiceRequest",
    "SuggestionDecision",
    "Tenant",
    "User",
    "WaitlistEntry",
    "WaTemplate",
    "WebhookEvent",
    "utcnow",
]
