"""Clinic: prices, the earliest slots, booking, moving and cancelling appointments, location and
hours, urgent triage, patients from abroad, and the answers to the clinic's reminders and
follow-ups (``agent``, ``outreach``)."""

from invekto.agents.clinic.agent import clinic_agent
from invekto.agents.spec import AgentSpec
from invekto.prompts import default_templates
from invekto.tools.revenue import prepare_deposit_link

OUTREACH_TEMPLATES = tuple(
    sorted(key for key in default_templates()["tr"] if key.startswith("clinic_outreach_"))
)
"""Answers to the clinic's reminders and follow-ups (``defaults/clinic_outreach.yaml``)."""

AGENT = AgentSpec(
    name="clinic",
    description="Clinic patients: price ranges and the free first examination, the earliest "
    "slots (reply buttons), booking / moving / cancelling with a calendar link, address and "
    "hours, urgent pain to the on-call doctor and a person, prices in EUR/USD/GBP with the "
    "package for patients from abroad.",
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
    holds_flow=True,
    tools=(prepare_deposit_link,),
    templates=(
        "clinic_deposit_name",
        "clinic_deposit_no_appointment",
        "revenue_link_coming",
        "clinic_price",
        "clinic_price_free",
        "clinic_price_list",
        "clinic_free_exam",
        "clinic_offer",
        "clinic_offer_when",
        "clinic_offer_none",
        "clinic_offer_none_when",
        "clinic_exact_free",
        "clinic_pick_again",
        "clinic_ask_when",
        "clinic_booked",
        "clinic_moved",
        "clinic_online_note",
        "clinic_cancelled",
        "clinic_no_appointment",
        "clinic_which_appointment",
        "clinic_ask_when_move",
        "clinic_location",
        "clinic_open_on",
        "clinic_closed_on",
        "clinic_your_appointments",
        "clinic_treatment_info",
        "clinic_urgent",
        "clinic_urgent_slot",
        "clinic_urgent_no_slot",
        "clinic_pain",
        "clinic_tourism",
        "clinic_package",
        "clinic_slot_taken",
        "clinic_slot_taken_none",
        "clinic_no_thanks",
        "greeting_clinic",
        *OUTREACH_TEMPLATES,
    ),
)

__all__ = ["AGENT", "clinic_agent"]
