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

__all__ = ["DEFAULT_BULK_THRESHOLD", "detect", "genuine_thanks", "sarcastic", "shouted"]

_BULK = re.compile(
    r"\b(toptan\w*|toptanci\w*|kurumsal\w*|faturali|bayilik\w*|bayi|bayiniz\w*|bayiler\w*|"
    r"bayisi\w*|bayimiz\w*|bayi ol\w*|sirketimiz\w*|firmamiz\w*|isyerimiz\w*|is yerimiz\w*|"
    r"magazamiz\w*|"
    r"toplu (alim|siparis|satis)\w*|yuklu (miktar|alim|siparis)\w*|seri (halinde|basi)|"
    r"distributor\w*|tedarikci\w*|dropshipping|fason|b2b|wholesale|bulk|reseller\w*|"
    r"jomla|jumla|gomla|bel jomla|bil jumla|"
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
    r"pathetic|is a joke|"
    # waiting and asking again: "4 gündür yazıyorum", "kimse cevap vermiyor", "AGAIN"
    r"(?:kac|\d+|iki|uc|dort|bes) (?:gundur|haftadir|aydir|kere sordum|kez sordum|kere yazdim)|"
    r"dalga (?:mi )?gec\w*|kimse (?:cevap|donmuyor|ilgilen)\w*|cevap ver(?:in|miyorsunuz)\w*|"
    r"kac (?:kere|kez) (?:soyle|yaz|sor)\w*|kafayi (?:yi|ye)\w*|saatlerdir|dakikalardir|gunlerdir|"
    r"haftalardir|are a joke|unbelievable|i swear|report(?:ing)? you|excuses|i'?m leaving|"
    r"how many times|m[ie]?sh ma3q?ou?l|w2a7\w*|"
    r"yuzunuzden|insaf\w*|are you (?:guys )?(?:serious|kidding)|how hard is it|"
    r"(?:third|second|fourth) time|(?:asked|told you) (?:\w+ )?(?:twice|already|again)|"
    r"zbale|zbele|khara|mesh ma2boul|mish ma2bool|ma ra7 (?:otlob|ashtri)|"
    r"haram 3alaykom|7aram 3alaykom)\b"
    r"|!{3,}|[!?]{2,}\s*$|\?!|[😡🤬😠👎😤]"
    r"|AGAIN|TEKRAR|(سيء|سيئة|زفت|نصاب|نصابين|حرامي|اسوأ|مقرف|بشتكي|زعلان|تعبت|حرام عليكم|"
    r"حرام عليكو|مهزلة|هالخدمة|التعبانة|تعبانة)"
)
SHOUTING_LETTERS = 12
"""A message of at least this many letters, nearly all capitals, is shouted."""
_URGENT = re.compile(
    r"\b(acil\w*|acel\w*|ivedi\w*|bir an (once|evvel)|en kisa surede|derhal|"
    r"hemen (donun|donus|cevap|yardim|bakin|bakar misiniz|arayin|ilgilen\w*|"
    r"iptal|lazim|gonder\w*)|(bugun|yarin|hemen|simdi|sabaha) (lazim|gerek\w*|yetismesi)|"
    r"beklemeye (vaktim|zamanim) yok|cok (acil|onemli ve acil)|"
    r"urgent\w*|asap|right now|immediately|as soon as possible|emergency|right away|"
    r"killing me|can'?t bear|dayanamiyorum|kanamasi durmuyor|kanama durmuyor|mwarram|nazif|"
    r"swollen|swelling|fever|ates\w*|sislik|sisti|sismis|zonkl\w*|mnaffa5|mnafa5|ma nemet)\b"
    r"|(ضروري|مستعجل|عاجل|بسرعة|فورا|منفوخ|متورم|انتفخ|نزيف|ما وقف|مش راضي يقف|ما بيوقف)"
)


_PRAISE = re.compile(
    r"\b(?:tesekkur\w*|sagol\w*|sag ?olun|eline sagl\w*|ellerinize sagl\w*|tebrik\w*|aferin\w*|"
    r"bravo|harika\w*|super\w*|mukemmel\w*|muhtesem\w*|ne (?:hizli|guzel|kaliteli)|"
    r"hayran kaldim|helal olsun|cok iyi(?:siniz)?|thanks?\w*|thx|cheers|great|amazing|"
    r"awesome|brilliant|wonderful|fantastic|perfect|lovely|well done|good job|nice job|"
    r"what a (?:treat|service)|super fast|so fast|love (?:it|that)|appreciate\w*|"
    r"shukran|mashallah|masha2allah|ma sha2 ?allah|a7la|ya3tikom|efsane|bayildim|wow|impressive|"
    r"truly|love how|10/10|very \w+ of you|3azama)\b"
    r"|(?:شكرا|شكراً|ما شاء الله|يعطيكم العافية|تسلموا|يسلموا|برافو|ممتاز|رائع|حلو كتير|"
    r"والله ما قصرتوا)"
)
_MISHAP = re.compile(
    r"\b(?:yirtik|kirik|bozuk|hasarli|defolu|eksik|yanlis|ezik|lekeli|sokuk|kopuk|kopmus|"
    r"kirilmis|yirtilmis|gec (?:kal|geld|gel|cevap)\w*|gecik\w*|beklet\w*|"
    r"koptu|kaybet\w*|kucul\w*|cevapsiz\w*|calismiyor|ulasamiyorum|\d+ (?:kere|kez)|"
    r"someone else'?s|fits my|day \d+|cekildi|crushed|soaked|only the|old address|eski adres\w*|"
    r"an(?:c|)ak geldi|\w+ yerine \w+ (?:gelmis|geldi|gonder\w*)|tek kulak\w*|bir yikamada|"
    r"ma22ou2|maksour\w*|ghalat|yine de|ayda bir|"
    r"\d+ (?:gun|hafta|ay|saat|dakika)(?:dir|dur|tir|tur)|haftadir|aydir|gundur|saattir|"
    r"dakikadir|hala|yolda|cevap (?:yok|vermiyor\w*|"
    r"vermediniz)|iki kez|2 kez|iki kere|2 kere|pahali|istedim \w+ gonder|"
    r"broken|torn|damaged|ripped|cracked|wrong|late|waited|waiting|weeks?|months?|"
    r"\d+ (?:days|hours|weeks)|still|nobody|no one|never (?:came|arrived|answered)|twice|"
    r"came off|fell apart|without telling|more expensive|overcharg\w*|charged|lost|"
    r"maksour|mkassar|mit2a5ar|ma wasal|lessa)\b"
    r"|(?:مكسور|مكسورة|متأخر|تأخير|شهر|اسبوع|أسبوع|بالطريق|غلط|خربان|ممزق|مرتين|ما وصل|لسه)"
)


def shouted(text: str) -> bool:
    """ "NE BİÇİM SATICISINIZ SİPARİŞİM NEREDE": nearly every letter a capital."""
    letters = [c for c in text if c.isalpha() and c.isascii() or c in "ÇĞİÖŞÜçğıöşü"]
    if len(letters) < SHOUTING_LETTERS:
        return False
    return sum(c.isupper() for c in letters) >= 0.8 * len(letters)


_BUT = re.compile(r"\b(?:ama|fakat|ancak|lakin|but|however|though|bas)\b|لكن|بس")


def genuine_thanks(text: str) -> bool:
    """Thanks or praise with nothing gone wrong and no "but" ("kargo bir günde geldi, çok
    teşekkürler"): no complaint."""
    folded = fold(text)
    if not (_PRAISE.search(folded) or _PRAISE.search(text)):
        return False
    return not (
        _BUT.search(folded)
        or _MISHAP.search(folded)
        or _MISHAP.search(text)
        or _NEGATIVE.search(folded)
        or _NEGATIVE.search(text)
    )


def sarcastic(text: str) -> bool:
    """Praise or thanks for something that went wrong ("ne hızlı kargo, 2 haftadır yolda",
    "thanks for the broken lamp", "شكراً على القطعة المكسورة"): a complaint, not thanks."""
    folded = fold(text)
    praise = _PRAISE.search(folded) or _PRAISE.search(text)
    if not praise:
        return False
    return bool(_MISHAP.search(folded) or _MISHAP.search(text))


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
    if _NEGATIVE.search(folded) or _NEGATIVE.search(text) or sarcastic(text) or shouted(text):
        # Arabic: also as written; sarcastic thanks are negative too
        found.append("negative_sentiment")
    if _URGENT.search(folded) or _URGENT.search(text):
        found.append("urgent")
    return found
