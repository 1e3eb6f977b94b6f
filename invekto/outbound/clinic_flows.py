"""A clinic's flows: the templates of its reminders, waitlist offers and treatment follow-ups.

They are planned by :mod:`invekto.clinic.lifecycle` (an appointment booked, moved, cancelled or
completed), not by event rules, so a clinic gets templates and no rules. Each ``OutboundSend`` of
them carries its flow (``FLOWS``): a sent one opens the ``clinic_proactive`` flow in the
conversation (:mod:`invekto.graphs.conversation.proactive`). Quick-reply payloads are per send
(``appt:confirm:<id>``, ``wl:accept:<entry id>``...); the defaults below are what a button says
when a send names none.
"""

from __future__ import annotations

from invekto.outbound.flow_types import FlowTemplate

REMINDER_48H = "clinic_reminder_48h"
REMINDER_2H = "clinic_reminder_2h"
WAITLIST_OFFER = "clinic_waitlist_offer"
WAITLIST_GONE = "clinic_waitlist_gone"
FOLLOWUP_1D = "clinic_followup_1d"
FOLLOWUP_7D = "clinic_followup_7d"
CONTROL_30D = "clinic_control_30d"

FLOWS: dict[str, str] = {
    REMINDER_48H: "reminder_48h",
    REMINDER_2H: "reminder_2h",
    WAITLIST_OFFER: "waitlist_offer",
    FOLLOWUP_1D: "followup_1d",
    FOLLOWUP_7D: "followup_7d",
    CONTROL_30D: "control_30d",
}
"""``OutboundSend.flow`` of a clinic send → the ``flow`` of the conversation's
``clinic_proactive`` flow (``WAITLIST_GONE`` is a plain text and opens nothing)."""
FOLLOW_UPS = (FOLLOWUP_1D, FOLLOWUP_7D, CONTROL_30D)
REMINDERS = (REMINDER_48H, REMINDER_2H)

_APPOINTMENT = (
    ("customer_name", "Zeynep"),
    ("service", "Diş taşı temizliği"),
    ("date", "3 Aralık Perşembe"),
    ("time", "10:00"),
)

TEMPLATES: tuple[FlowTemplate, ...] = (
    FlowTemplate(
        name=REMINDER_48H,
        category="UTILITY",
        variables=(*_APPOINTMENT, ("doctor", "Dt. Burak Aydın")),
        body={
            "tr": "Merhaba {{1}}, {{2}} randevunuz {{3}} saat {{4}}'te {{5}} ile. "
            "Gelebilecek misiniz?",
            "en": "Hello {{1}}, your {{2}} appointment is on {{3}} at {{4}} with {{5}}. "
            "Will you be able to come?",
            "ar": "مرحبًا {{1}}، موعدك لـ {{2}} يوم {{3}} الساعة {{4}} مع {{5}}. "
            "هل ستتمكن من الحضور؟",
        },
        buttons={
            "tr": (("Geliyorum", "CONFIRM"), ("İptal", "CANCEL")),
            "en": (("I'll be there", "CONFIRM"), ("Cancel", "CANCEL")),
            "ar": (("سأحضر", "CONFIRM"), ("إلغاء", "CANCEL")),
        },
    ),
    FlowTemplate(
        name=REMINDER_2H,
        category="UTILITY",
        variables=_APPOINTMENT,
        body={
            "tr": "Hatırlatma: Merhaba {{1}}, {{2}} randevunuz {{3}} saat {{4}}'te. "
            "Sizi bekliyoruz.",
            "en": "Reminder: Hello {{1}}, your {{2}} appointment is on {{3}} at {{4}}. "
            "See you soon.",
            "ar": "تذكير: مرحبًا {{1}}، موعدك لـ {{2}} يوم {{3}} الساعة {{4}}. بانتظارك.",
        },
    ),
    FlowTemplate(
        name=WAITLIST_OFFER,
        category="UTILITY",
        variables=_APPOINTMENT,
        body={
            "tr": "Merhaba {{1}}, beklediğiniz {{2}} için {{3}} saat {{4}}'te bir yer açıldı. "
            "İster misiniz? İlk onaylayan alır.",
            "en": "Hello {{1}}, a {{2}} slot you were waiting for opened on {{3}} at {{4}}. "
            "Would you like it? The first to accept gets it.",
            "ar": "مرحبًا {{1}}، توفر موعد لـ {{2}} يوم {{3}} الساعة {{4}}. هل تريده؟ "
            "يحصل عليه أول من يؤكد.",
        },
        buttons={
            "tr": (("Alıyorum", "ACCEPT"), ("Hayır", "DECLINE")),
            "en": (("I'll take it", "ACCEPT"), ("No", "DECLINE")),
            "ar": (("أريده", "ACCEPT"), ("لا", "DECLINE")),
        },
    ),
    FlowTemplate(
        name=FOLLOWUP_1D,
        category="UTILITY",
        variables=(("customer_name", "Fatma"), ("service", "İmplant")),
        body={
            "tr": "Geçmiş olsun {{1}}, dünkü {{2}} tedavinizden sonra nasıl hissediyorsunuz?",
            "en": "Hello {{1}}, how are you feeling after yesterday's {{2}} treatment?",
            "ar": "سلامتك {{1}}، كيف تشعر بعد علاج {{2}} أمس؟",
        },
        buttons={
            "tr": (("İyiyim", "FEEL_GOOD"), ("Şikayetim var", "COMPLAINT")),
            "en": (("I'm fine", "FEEL_GOOD"), ("I have a complaint", "COMPLAINT")),
            "ar": (("أنا بخير", "FEEL_GOOD"), ("لدي شكوى", "COMPLAINT")),
        },
    ),
    FlowTemplate(
        name=FOLLOWUP_7D,
        category="UTILITY",
        variables=(
            ("customer_name", "Fatma"),
            ("service", "İmplant"),
            ("questions", "Dikiş bölgesinde şişlik ya da ağrı var mı?"),
        ),
        body={
            "tr": "Merhaba {{1}}, {{2}} tedavinizin üzerinden bir hafta geçti. {{3}} "
            "Her şey yolundaysa İyiyim'e dokunmanız yeterli.",
            "en": "Hello {{1}}, it has been a week since your {{2}} treatment. {{3}} "
            "If all is well, just tap I'm fine.",
            "ar": "مرحبًا {{1}}، مر أسبوع على علاج {{2}}. {{3}} إذا كان كل شيء على ما يرام "
            "اضغط أنا بخير.",
        },
        buttons={
            "tr": (("İyiyim", "FEEL_GOOD"), ("Şikayetim var", "COMPLAINT")),
            "en": (("I'm fine", "FEEL_GOOD"), ("I have a complaint", "COMPLAINT")),
            "ar": (("أنا بخير", "FEEL_GOOD"), ("لدي شكوى", "COMPLAINT")),
        },
    ),
    FlowTemplate(
        name=CONTROL_30D,
        category="UTILITY",
        variables=(("customer_name", "Fatma"), ("service", "İmplant")),
        body={
            "tr": "Merhaba {{1}}, {{2}} tedavinizin kontrol zamanı geldi. "
            "Size bir kontrol randevusu ayarlayalım mı?",
            "en": "Hello {{1}}, it is time for the check-up of your {{2}} treatment. "
            "Shall we book you a control appointment?",
            "ar": "مرحبًا {{1}}، حان موعد فحص المتابعة لعلاج {{2}}. هل نحجز لك موعد متابعة؟",
        },
        buttons={
            "tr": (("Evet", "CONTROL_YES"), ("Daha sonra", "CONTROL_LATER")),
            "en": (("Yes", "CONTROL_YES"), ("Later", "CONTROL_LATER")),
            "ar": (("نعم", "CONTROL_YES"), ("لاحقًا", "CONTROL_LATER")),
        },
    ),
)
