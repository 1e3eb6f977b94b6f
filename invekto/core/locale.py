"""Words that tell a language apart, shared by understanding (which language is the customer
writing) and the output guard (is the reply in the customer's language)."""

from __future__ import annotations

ENGLISH_WORDS = frozenset(
    """a about after again all am an and any are as at back be been before but buy by can cancel
    change colour color could did do does dont don't for from get got has have hello help hey hi
    how i i'm if in invoice is it its just know like long many me more much my need no not now of
    off ok on one or order orders our out package parcel payment please price product refund
    return send shipped shipping shoes shirt should size so some still stock thank thanks that the
    them there they this to too track tracking two up us very want was we what when where which
    who why will with would yes yet you your black white blue red green delivery delivered arrive
    arrived wrong damaged broken item items address company wholesale bulk pieces pcs agent human
    talk person bye goodbye receive received status available cheaper discount coupon then
    sorry make instead other small medium large same also actually okay sure great good morning
    evening afternoon night wow super fast only week weeks day days month far brilliant customer
    service nobody replied reply card keeps getting declined charged twice money back asked
    ordered still waiting waited came come sent told been never ever really thanks lot cheers
    amazing awesome job guys quality expensive cheap last next today tomorrow yesterday here
    sale hiring experience sample review blog call interested want wanted work job jobs apply
    free how's what's where's it's i've i'll can't won't didn't doesn't isn't wasn't""".split()
)
"""Common English words of shop conversations (a Turkish message rarely holds several)."""


MONTH_NAMES: dict[str, tuple[str, ...]] = {
    "tr": tuple(
        "Ocak Şubat Mart Nisan Mayıs Haziran Temmuz Ağustos Eylül Ekim Kasım Aralık".split()
    ),
    "en": tuple(
        "January February March April May June July August September October November "
        "December".split()
    ),
    "ar": tuple(
        "يناير فبراير مارس أبريل مايو يونيو يوليو أغسطس سبتمبر أكتوبر نوفمبر ديسمبر".split()
    ),
}
"""Month names as replies write them, January first."""
WEEKDAY_NAMES: dict[str, tuple[str, ...]] = {
    "tr": ("Pazartesi", "Salı", "Çarşamba", "Perşembe", "Cuma", "Cumartesi", "Pazar"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "ar": ("الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"),
}
"""Weekday names as replies write them, Monday first."""
