"""Signals beside the intent: a bulk/B2B buyer, negative sentiment, urgency.

Matched on the Turkish-folded text (so "acil", "ACİL" and "acıl" are one), in Turkish, English
and Arabic. Kept precise on ordinary messages: "hemen alırım" is a keen buyer, not an urgent
one, and "kötü" alone is not yet an angry customer.
"""

from __future__ import annotations

import re

from invekto.core.tenant_settings import DEFAULT_BULK_THRESHOLD
from invekto.core.text import fold
from invekto.nlu.types import Entities

__all__ = ["DEFAULT_BULK_THRESHOLD", "detect"]

_BULK = re.compile(
    r"\b(toptan\w*|toptanci\w*|kurumsal\w*|faturali|bayilik\w*|bayi|bayiniz\w*|bayiler\w*|"
    r"bayisi\w*|bayimiz\w*|bayi ol\w*|sirketimiz\w*|firmamiz\w*|isyerimiz\w*|is yerimiz\w*|"
    r"magazamiz\w*|"
    r"toplu (alim|siparis|satis)\w*|yuklu (miktar|alim|siparis)\w*|seri (halinde|basi)|"
    r"distributor\w*|tedarikci\w*|dropshipping|fason|b2b|wholesale|bulk|reseller\w*|"
    r"dealership|distributor|corporate|for (our|my) (company|business|store|shop|hotel|team|"
    r"school|office)|large order|volume (order|discount|pricing))\b"
    r"|(جملة|بالجملة|كمية كبيرة|وكيل|موزع|لشركتنا|للشركة)"
)
_NEGATIVE = re.compile(
    r"\b(rezalet\w*|rezil\w*|berbat\w*|sikayet\w*|sacmalik|dolandirici\w*|dolandir\w*|"
    r"yeter artik|bikti\w*|biktim|(bir daha|asla) (asla )?(\w+ )?(almam|alisveris yapmam|"
    r"siparis vermem)|memnun (degilim|kalmadim)|"
    r"magdur\w*|igrenc|utanc verici|yazik\w*|yaziklar olsun|pisman\w*|hayal kirikli\w*|"
    r"saygisiz\w*|yalanci\w*|kandir\w*|sinir (bozucu|oldum)|sinirlen\w*|sinirliyim|"
    r"kizgin\w*|ciddiyetsiz\w*|ne bicim|nasil bir (is|hizmet|firma)|cok kotu|en kotu|"
    r"kotu (hizmet|urun|kalite|deneyim)|tuketici hakem\w*|sikayetvar|cop gibi|"
    r"terrible|worst|awful|horrible|disgusting|scam\w*|fraud\w*|ridiculous|unacceptable|"
    r"never again|disappointed|disappointing|angry|furious|fed up|rubbish|useless|"
    r"pathetic|is a joke)\b"
    r"|!{3,}|[😡🤬😠👎😤]"
    r"|(سيء|سيئة|زفت|نصاب|نصابين|حرامي|اسوأ|مقرف|بشتكي|زعلان|تعبت)"
)
_URGENT = re.compile(
    r"\b(acil\w*|acel\w*|ivedi\w*|bir an (once|evvel)|en kisa surede|derhal|"
    r"hemen (donun|donus|cevap|yardim|bakin|bakar misiniz|arayin|ilgilen\w*|"
    r"iptal|lazim|gonder\w*)|(bugun|yarin|hemen|simdi|sabaha) (lazim|gerek\w*|yetismesi)|"
    r"beklemeye (vaktim|zamanim) yok|cok (acil|onemli ve acil)|"
    r"urgent\w*|asap|right now|immediately|as soon as possible|emergency|right away)\b"
    r"|(ضروري|مستعجل|عاجل|بسرعة|فورا)"
)


def detect(
    text: str, entities: Entities, *, bulk_threshold: int = DEFAULT_BULK_THRESHOLD
) -> list[str]:
    folded = fold(text)
    found: list[str] = []
    if (
        _BULK.search(folded)
        or _BULK.search(text)
        or any(q >= bulk_threshold for q in entities.quantities)
    ):
        found.append("bulk_order")
    if _NEGATIVE.search(folded) or _NEGATIVE.search(text):  # Arabic: also as written
        found.append("negative_sentiment")
    if _URGENT.search(folded) or _URGENT.search(text):
        found.append("urgent")
    return found
