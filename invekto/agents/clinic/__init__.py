"""Clinic: until the clinic agent is built, every clinic chat that is not small talk is handed to
a person (``clinic_agent_not_available``), urgent pain included."""

from invekto.agents.clinic.agent import clinic_agent
from invekto.agents.spec import AgentSpec

AGENT = AgentSpec(
    name="clinic",
    description="Clinic chats (prices, appointments, location, urgent pain): handed to a person "
    "until the clinic agent is built.",
    node=clinic_agent,
    verticals=frozenset({"clinic"}),
    intents=frozenset(
        {
            "book_appointment",
            "change_appointment",
            "cancel_appointment",
            "treatment_price",
            "treatment_info",
            "clinic_location_hours",
            "urgent_pain",
        }
    ),
    automation_area="clinic",
)

__all__ = ["AGENT", "clinic_agent"]
