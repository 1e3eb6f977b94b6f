"""Consent: "STOP", "İPTAL", "abonelikten çık", "إلغاء" stop marketing messages; "BAŞLAT" starts
them again. The change is a proposed action: it commits with the confirmation that is sent."""

from invekto.agents.consent.agent import MarketingConsent, consent_agent, set_marketing_consent
from invekto.agents.spec import AgentSpec

AGENT = AgentSpec(
    name="consent",
    description="Marketing opt-out and opt-in keywords: records the choice and confirms it "
    "(order and support messages still go).",
    node=consent_agent,
    verticals=frozenset({"ecommerce", "clinic"}),
    automation_area="consent",
    tools=(set_marketing_consent,),
    templates=("consent_stopped", "consent_resumed"),
)

__all__ = ["AGENT", "MarketingConsent", "consent_agent", "set_marketing_consent"]
