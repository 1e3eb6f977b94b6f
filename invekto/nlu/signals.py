"""Signals beside the intent: a bulk/B2B buyer, negative sentiment, urgency.

Matched on the Turkish-folded text (so "acil", "ACİL" and "acıl" are one), in Turkish, English
and Arabic. Kept precise on ordinary messages: "hemen alırım" is a keen buyer, not an urgent
one, and "kötü" alone is not yet an angry customer.

Two more send a turn to the revenue agent: a customer who asks what to buy
(``wants_recommendation``) or asks to pay (``wants_payment_link``).
"""

from __future__ import annotations

import re

from invekto.core.tenant_settings import DEFAULT_BULK_THRESHOLD
from invekto.core.text import fold
from invekto.nlu.types import Entities

__all__ = [
    "DEFAULT_BULK_THRESHOLD",
    "detect",
    "genuine_thanks",
    "sarcastic",
    "shouted",
    "asks_bundle",
    "wants_payment_link",
    "wants_recommendation",
]

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


# --- revenue signals: a customer who asks what to buy, or asks to pay ---------------------------
#
# Either routes the turn to the revenue agent whatever the intent model says, so both are kept
# narrow: a request (a question or a wish in the second person or the optative), never a past
# statement ("arkadaşıma önerdim", "ödeme yaptım"), never thanks for one ("önerileriniz için
# teşekkürler"), never a denied one ("öneri istemem", "link istemiyorum"); and a message that also
# names an order problem, a return, a payment problem or a clinic matter is that, not a sale.
# Each pattern is matched on the folded text (Turkish, English, Arabizi, and Arabic without its
# hamza forms) and on the raw text (Arabic as written). Linear: bounded alternations, no nested
# unbounded repetition; every ``\w+`` starts after a word boundary.

_THING = (
    r"(?:aksesuar|urun|parca|model|ayakkabi|bot|canta|kemer|pantolon|etek|gomlek|ceket|kazak|"
    r"tisort|sal|esarp|kolye|kupe|bileklik|corap|sapka|atki|elbise|hirka|mont|kaban|yelek|sort|"
    r"kot|bluz|sweat|takim|cuzdan|sey|birsey|bisey|renk)\w*"
)
"""Turkish: what a shop sells, or "bir şey" ("buna uygun bir şey var mı")."""
_TR_ASK = r"(?:siniz|sin|\s?mi(?:siniz|sin)?)\b"
"""Turkish: a second-person request ("önerirsiniz", "önerir misiniz"), not "öneririm"."""

_RECOMMEND = re.compile(
    # Turkish: "yanına ne gider", "buna ne yakışır", "ne önerirsiniz", "ne giysem"
    r"\bne(?:ler)? (?:gider|gidebilir|yakisir|yakisabilir|uyar|uyabilir|giy(?:ilir|ebilirim|erim|"
    r"sem|eyim)|al(?:abilirim|sam|ayim|maliyim)|kombin\w*|onerir\w*|onerebilir\w*|"
    r"tavsiye ed\w*)"
    r"|\b(?:neyle|ne ile|nasil) (?:gider|yakisir|uyar|giy\w*|kombin\w*)"
    r"|\bkombin (?:oner\w*|yap(?:ar|abilir)\w*|fikr\w*)"
    r"|\bkombin\w* (?:icin )?(?:oneri\w*|tavsiye\w*)"
    rf"|\boner(?:ir|ebilir){_TR_ASK}|\boner(?:ebilece|ece)gi(?:niz|n)\b|\bonerin\b(?! icin)"
    r"|\boneri(?:niz|leriniz|ler|n)? (?:var|ne|neler|nedir|olur mu|alabilir\w*|istiyorum|rica)"
    rf"|\btavsiye (?:eder|edebilir|verir|verebilir){_TR_ASK}|\btavsiye(?:niz|leriniz|n) "
    r"(?:var|ne|nedir)|\btavsiye edebilece\w*"
    # "hediye için ne alabilirim", "hediyelik ne önerirsiniz", "hediye fikri"
    r"|\bhediye\w*(?: olarak| icin)? (?:ne|neler|hangi\w*) (?:al\w*|oner\w*|tavsiye\w*|gider)"
    r"|\bhediye(?:lik)? (?:fikr|oneri|tavsiye)\w*"
    # "buna uygun aksesuar var mı", "bu gömleğe uyan bir şey"
    r"|\b(?:buna|bununla|ona|onunla|suna|yanina|bunlara|bu \w+(?:e|a|ye|ya)) (?:en )?(?:uygun|"
    rf"uyumlu|uyan|uyacak|yakisan|yakisacak|giden|gidecek) (?:bir )?{_THING}"
    rf"|\b(?:uyumlu|uyan|yakisan|giden|tamamlayan) (?:bir )?{_THING} (?:var|oner\w*|goster\w*)"
    # "bundan daha iyisi var mı", "daha kaliteli bir model var mı", "benzeri", "alternatif"
    r"|\b(?:bundan|ondan|bunlardan|sundan) (?:daha )?(?:iyi|kaliteli|guzel|sik|saglam|rahat|"
    rf"hesapli|ucuz|uygun)(?:si|su|u|i|sini|sunu|unu|ini|leri|lari|(?: bir)? {_THING})"
    r"(?: (?:var|yok mu|oner\w*|goster\w*|bulunur|mevcut|olur mu)|\s*\?)"
    r"|\bdaha (?:iyi|kaliteli|guzel|sik|saglam|rahat|hesapli|ucuz|uygun)(?:si|su|u|i|sini|sunu|"
    rf"unu|ini|leri|lari|(?: bir)? {_THING}) (?:var|yok mu|oner\w*|goster\w*|bulunur|mevcut)"
    rf"|\b(?:benzer|muadil|alternatif)(?:i|ini|leri|lerini|iniz|leriniz)?(?: bir)?(?: {_THING})? "
    r"(?:var|ne|neler|yok mu|oner\w*|goster\w*|bulunur|mevcut)"
    r"|\b(?:ne|hangi) (?:alternatif|benzer)\w*\b(?! (?:odeme|kargo|teslim|yontem|yol))"
    rf"|\bhangi (?:\w+ )?yakisir\b|\bhangi {_THING} (?:daha )?gider\b"
    r"|\bhangisi(?:ni)? (?:daha )?(?:alayim|alsam|almaliyim|secsem|seceyim|onerir\w*|"
    r"tavsiye\w*|daha (?:iyi|guzel|kaliteli|sik|mantikli))"
    # English: "what goes with this shirt", "what would you recommend", "anything that matches"
    r"|\bwhat (?:\w+ )?(?:goes|go|would go|will go|matches|match|would match|pairs|pair|"
    r"would pair|looks good|would look good|can i (?:wear|pair|match)|should i (?:wear|pair|get|"
    r"buy)|to wear|to pair) (?:well |nicely )?with\b"
    r"|\b(?:would|do|can|could|will) you (?:\w+ )?(?:recommend|suggest)\b(?! you)"
    r"|(?:^|[,.!?] ?|\b(?:please|pls|plz|kindly|just|so|hi|hey|then) )(?:recommend|suggest)"
    r"(?: me)? (?:something|anything|some|a|an|one|any|what|which|other|similar|alternatives?|"
    r"products?)\b"
    r"|\b(?:any|need|want|looking for|give me|what(?:'s| is| are)? your|got any) (?:good |other |"
    r"\w+ )?(?:recommendations?|suggestions?|recs|recos|(?:gift|outfit|styling) ideas?|"
    r"alternatives?)\b(?! (?:to )?(?:payment|paying|pay|bank|transfer|card|cash|iban|shipping|"
    r"delivery|way|method|address|contact|number))"
    r"|\b(?:have|got|sell|any|a|an|some)(?: \w+){0,2} (?:that|which|to) (?:would |will |could )?"
    r"(?:match(?:es)?|goe?s? with|go well with|pairs? with)\b|\bany ideas?\s*\??$"
    r"|\b(?:anything|something|any|some|accessor(?:y|ies)) (?:that |which |to )?(?:would |will |"
    r"could |might )?(?:match(?:es)?|goe?s? (?:well )?with|pairs? (?:well )?with|go well|"
    r"complement\w*)\b"
    r"|(?:^|[,.!?] ?|\b(?:any|have|got|there|show me|need|want|looking for|find) )(?:anything|"
    r"something|smth|sth) (?:\w+ )?(?:better|nicer|cheaper|similar)\b"
    r"|\b(?:any|have a|got a|there a|show me a|need a|want a|recommend a|suggest a) (?:better|"
    r"cheaper|nicer|similar|higher quality|better quality) (?:one|ones|option|options|"
    r"alternative|model|version|product|item|thing)s?\b"
    r"|\b(?:any|have|got|there|show me|need|want|find)(?: \w+)? similar (?:one|ones|item|items|"
    r"product|products|style|styles|model|models)\b"
    r"|\baccessor(?:y|ies)(?: \w+)? (?:for|to go|that go|to match|that match)\b"
    r"|\b(?:good|nice|best|perfect) gifts? (?:for|idea)|\bwhat (?:\w+ )?(?:should|can|could) "
    r"i (?:buy|get|gift|give)\b|\bwhat to (?:buy|get|gift|wear)\b|\bwhich (?:one|\w+) should i "
    r"(?:buy|get|choose|pick|go for)\b|\bwhich (?:one|of them) (?:is|would be|'s) (?:better|nicer)"
    # Arabizi: "shu btnsa7ni", "shou bteltbe2 ma3 hayda", "fi shi metlo", "shu ashtri"
    r"|\b(?:b?te?n[sc9]a7\w*|[ei]?n[sc9]a7(?:ni|na|ouni|uni|oni|ona))\b"
    r"|(?<!\bma )(?<!mish )(?<!msh )(?<!mesh )(?<!\bmo )\b\w{0,4}lt?b[ae]2(?:li|lo|la)?\b"
    r"|(?<!\bma )(?<!mish )(?<!msh )(?<!mesh )(?<!\bmo )\b\w{0,3}(?:l[ie]{1,2}2|mshi|rkab|nasb|"
    r"naseb)\w{0,2} ma3\b"
    r"|(?<!ma fi )(?<!\bmafi )\b(?:shi|she|shy|eshi|ishi|7aga|haga|7aja|wa7ad|wa7de|wa7da|wahad|"
    r"model) (?:\w+ )?(?:metl[oa]|mitl[oa]|zay(?:y?o|aha|ha)|shabih\w*|shbih|mshab[ei]h|a7san|"
    r"ahsan|ar5as|arkhas|afdal)\b"
    r"|\b(?:b?te?2te?re7\w*|t?2tere7l\w*|[ie]2tira7at\w*|iqtira7\w*)"
    r"|\b(?:shu|shou|sho|eish|esh|aish|wesh|shno|shnu) (?:\w+ )?(?:eshtri|ashtri|b?ishtri|ejib|"
    r"ajib|ejeeb|albas|elbas|e5od|a5od|ekhod|akhod)\b"
    # Arabic: "ماذا تنصحني", "شو بيلبق مع", "هل عندكم شيء مشابه", "شو بتقترح"
    r"|تنصح|انصحني|انصحوني|أنصحني|أنصحوني|نصيحتك|نصيحتكم"
    r"|(?<!\w)(?:بدي|ابي|أبي|اريد|أريد|محتاج|محتاجة|عايز|عاوز)\s+نصيحة"
    r"|تقترح|اقترحوا|اقترح\s*(?:علي|لي)|اقترحلي|اقتراحاتكم|اقتراحكم|عندكم\s+اقتراح"
    r"|(?<!\w)(?:شو|ايش|إيش|وش|ماذا|ايه|إيه|شنو|ويش)\s+(?:اللي\s+|الذي\s+|يلي\s+)?(?:بيلبق|"
    r"يلبق|بتلبق|تلبق|بيليق|يليق|بتليق|تليق|بيمشي|يمشي|بتمشي|تمشي|يتناسب|بيتناسب|يتماشى|يناسب|بيناسب|يركب|"
    r"بيركب|يلائم|البس|ألبس|بلبس|نلبس|اشتري|أشتري|بشتري|اجيب|أجيب|بجيب|اختار|أختار)"
    r"|(?<!ما )(?<!مش )(?<!مو )(?<!لا )(?<!\w)(?:بيلبق|يلبق|بتلبق|تلبق|بيليق|يليق|تليق|بتليق|"
    r"يتناسب|بيتناسب|يتماشى|بيتماشى|يناسب|بيناسب|بيمشي|يمشي|بيركب|يركب|ينفع|يلائم)\s+(?:\S+\s+)?مع(?!\w)"
    r"|(?<!\w)(?:شي|شيء|اشي|حاجة|حاجه|منتج|موديل|قطعة|واحد|واحدة|وحدة)\s+(?:\S+\s+)?(?:مشابه|"
    r"مشابهة|شبيه|شبيهة|زيه|زيها|مثله|مثلها|متله|متلها|احسن|أحسن|افضل|أفضل|ارخص|أرخص)(?!\w)"
    r"|(?<!\w)(?:عندكم|عندك|عندكو|في|فيه|يوجد)\s+(?:\S+\s+)?(?:بديل|بدائل|مشابه|مشابهة|شبيه)(?!\w)"
    r"|(?:اكسسوار|إكسسوار)\S*\s+(?:\S+\s+)?(?:تناسب|يناسب|بتناسب|تليق|يليق|تمشي|يمشي|بتمشي)"
    r"|(?:احسن|أحسن|افضل|أفضل)\s+(?:من|منه|منها)\s+(?:هيك|هاد|هذا|هيدا|هذه|هاي|ده|دي|هذي)(?!\w)"
)
_NOT_RECOMMENDATION = re.compile(
    # denied: "öneri istemem", "no need for suggestions", "ما بدي نصيحة", "mish 3ayez nasi7a"
    r"\b(?:oneri|tavsiye|kombin|alternatif|benzer|aksesuar)\w*(?: \w+)? (?:istemiyorum|istemem|"
    r"istemiyoruz|istemeyiz|gerek yok|gerekmiyor|gerekmez|lazim degil|sunmayin|gondermeyin|"
    r"gostermeyin)|\b(?:oner|tavsiye et)(?:meyin|mesin|menize gerek)"
    r"|\b(?:no need for|don'?t (?:need|want)|dont (?:need|want)|do not (?:need|want)|not "
    r"(?:looking for|asking for|interested in)|no|without)(?: \w+){0,2} (?:suggestions?|"
    r"recommendations?|recs|alternatives?|advice|ideas|accessories)\b"
    r"|\b(?:don'?t|dont|do not) (?:recommend|suggest)\b"
    r"|\b(?:thanks?|thank you|thx|appreciate\w*)(?: \w+){0,3} (?:suggestions?|recommendations?|"
    r"advice|ideas)\b"
    r"|(?:ما|مش|مو|لا)\s*(?:بدي|ابي|أبي|اريد|أريد|محتاج|محتاجة|عايز|عاوز|ابغى|أبغى|نريد)\s+"
    r"(?:\S+\s+)?(?:نصيحة|نصايح|نصائح|اقتراح|اقتراحات|بديل|بدائل)|لا\s+(?:تنصح|تقترح)"
    r"|\b(?:ma|mish|msh|mesh|mo|mu|mush) (?:baddi|bade|badde|bdi|3ayez|3ayza|3awez|abi|abgha|"
    r"me7tag|lazem|lazim) (?:\w+ )?(?:nas[ie]{1,2}7a|na9i7a|[ie]2tira7\w*|iqtira7\w*)\b"
    # an order problem, a return or exchange, a clinic matter: that, not a sale
    r"|\b(?:iade\w*|iptal\w*|degisim\w*|degistir\w*|kargom\w*|siparisim\w*|gelmedi|ulasmadi|"
    r"sorun\w*|problem\w*|bu durumda|hasarli|kirik|yirtik|defolu|bozuk|gecik\w*|sikayet\w*|"
    r"refund\w*|return\w*|exchange\w*|cancel\w*|my order|damaged|broken|ordered|where is|"
    r"nerede|nerde|indirim\w*|kupon\w*|discount\w*|coupon\w*|kargo\w*|late|deliver\w*|"
    r"package|parcel|shipment|tracking|arrive\w*|sent|gonderdiginiz|yolladiginiz|"
    r"agri\w*|sizli\w*|zonkl\w*|dolgu|implant\w*|tedavi\w*|randevu\w*|doktor\w*|hekim\w*|"
    r"beyazlatma|kaplama|zirkon\w*|muayene\w*|dis(?:im|imi|imde|ler\w*|i|in|ini)|tooth|teeth|"
    r"toothache|pain|treatment|appointment|doctor|dentist|dental|klinik\w*|clinic|"
    r"baddel\w*|badd?il\w*|rajj?e3\w*|erja3\w*|arja3\w*|el8i|al8i|elghi|alghi|talabi|"
    r"wja3|waja3|asnan|sneni|mo3ed|maw3ed|7ashw\w*)\b"
    r"|(?<!\w)(?:إرجاع|ارجاع|استرجاع|استبدال|تبديل|ترجيع|الغاء|إلغاء|شكوى|مشكلة|طلبي|ألم|الألم|"
    r"وجع|سني|ضرسي|أسناني|اسناني|الأسنان|الاسنان|علاج|العلاج|موعد|الموعد|دكتور|الدكتور|طبيب|"
    r"الطبيب|عيادة|العيادة|حشوة|زراعة|تقويم)(?!\w)"
)
_NOT_A_PRODUCT = re.compile(
    r"\b(?:beden\w*|numara\w*|olcu\w*|boyum|boyu|kilom|(?:what|which|the|a|my|in|right|"
    r"correct|your) sizes?|sizes? (?:\d+|[smlx]+|do|would|should|to|for)|fit|"
    r"(?:baska|hangi|musait|uygun) (?:bir )?(?:saat|gun)\w*|tarih\w*|saat \d+|\d+[:.]\d\d|"
    r"(?:another|other|different|which|a|an|earlier|later) (?:time|day|date|slot)s?|"
    r"ma2a[sa]\w*|wash\w*|clean\w*|iron\w*|dry\w*|yika\w*|utu\w*|havale|eft|iban|"
    r"kapida|taksit\w*)\b|مقاس|موعد|وقت|دفع|تحويل"
)
"""A size, a time, care or paying near the request: size advice ("hangi bedeni önerirsiniz",
"what size do you recommend"), another slot ("başka bir saat önerebilir misiniz"), washing
("do you recommend dry cleaning"), a way to pay ("ne önerirsiniz havale mi kart mı",
"في بديل للدفع بالتحويل"): not a product."""
_AROUND = 3
"""Words read on either side of a recommendation for what makes it no product's."""
_WINDOW_CHARS = 120
"""At most this many characters on either side are read for them (linear on long text)."""

_PAY_LINK_NOUN = (
    r"(?:link|linki|linkini|linkiniz\w*|linkle|baglanti\w*|url|lenk|linck|rabet|rabt|rabit)"
)
_PAYMENT_LINK = re.compile(
    # Turkish: "ödeme linki atar mısınız", "kapora için link atın", "kartla ödemek istiyorum",
    # "havale yerine kartla ödesem", "nasıl ödeme yapabilirim", "ödemeyi nasıl yapacağım"
    r"\b(?:odeme|kart|kredi karti|kapora|depozito|on ?odeme|pesinat|iyzico|paytr|shopier)\w*"
    rf"(?: icin| ile)? {_PAY_LINK_NOUN}\b"
    r"|\bode(?:yeyim|yelim|yim)\b|\bodeme(?:yi)? (?:\w+ )?(?:yapayim|yapalim|yapmak (?:istiyorum|"
    r"isterim|istiyoruz)|tamamlamak (?:istiyorum|isterim))"
    r"|\bodemek (?:istiyorum|isterim|istiyoruz)\b"
    r"|\bkart(?:la|imla|la da| ile|tan|imdan)? (?:\w+ )?(?:odesem|oderim\b|odeme yapsam)"
    r"|\bhavale (?:yapayim|edeyim)|\b(?:havale|eft|iban) yerine\b"
    r"|\bnasil (?:\w+ )?(?:odeme yap\w*|odey\w*|oderim|odenir|odeme\w* (?:yap|gerceklestir)\w*)"
    r"|\bodeme(?:yi)? (?:nasil|nereye|nereden|ne sekilde|hangi yolla) (?:yap\w*|gerceklestir\w*|"
    r"olacak|oluyor|edece\w*)|\bne sekilde ode\w*"
    r"|\b(?:online|internetten|linkle|link ile|linkten) (?:odeme yap|ode)\w*"
    # English: "send me a payment link", "pay link pls", "can I pay by card online", "how do I pay"
    r"|\bpay(?:ment)?[ -]?link\b|\blink (?:to|for) (?:the )?pay(?:ment|ing)?\b|\bcheckout link\b"
    r"|\bpay (?:by|with|via|using|through) (?:a |my |your |the )?(?:credit |debit |bank )?"
    r"(?:card|visa|mastercard) (?:online|now|right now|here)\b|\bpay(?: it)? (?:online|now|"
    r"right now|upfront|in advance)\b"
    r"|\bhow (?:do|can|could|should|would|shall) (?:i|we) (?:make (?:a |the )?payment|pay|"
    r"complete (?:the |my )?payment|send (?:the |you )?(?:money|payment))\b|\bhow to pay\b"
    r"|\bwhere (?:do|can|should) (?:i|we) pay\b"
    r"|\b(?:i want to|i'd like to|id like to|i would like to|let me|i wanna|i'm ready to|"
    r"im ready to|ready to) (?:\w+ )?pay\b"
    # Arabizi: "ab3atli link el daf3", "kif bedfa3", "baddi edfa3 bel card"
    r"|\b(?:link|lenk|linck|rabet|rabt|rabit) (?:\w+ ){0,2}(?:(?:el|al|il|l) ?)?(?:daf3|dafe3|"
    r"\w{0,3}dfa3|sadad)\b"
    r"|\b(?:kif|keef|kef|kaif|kayf|ezay|ezzay|izay|izzay|shlon|shloon|wen|wein|fein|fen|wain) "
    r"(?:\w+ ){0,2}(?:\w{0,3}dfa3|(?:el|al) ?daf3|\w{0,3}sadd?ed)\b"
    r"|(?<!\bma )(?<!mish )(?<!msh )(?<!mesh )(?<!\bmo )\b(?:baddi|badde|bade|bdi|bidi|biddi|"
    r"3ayez|3awez|3ayza|3awza|abi|abgha|7abeb) (?:\w+ )?\w{0,3}dfa3\b"
    # Arabic: "ارسل لي رابط الدفع", "كيف ادفع", "بدي ادفع بالبطاقة"
    r"|(?:رابط|لينك|لنك)\s*(?:ال|لل|ل)?(?:دفع|سداد)"
    r"|(?<!\w)(?:كيف|كيفاش|ازاي|إزاي|شلون|وين|فين|طريقة)\s+(?:\S+\s+)?(?:ادفع|أدفع|بدفع|ندفع|"
    r"الدفع|اسدد|أسدد|احول|أحول)(?!\w)"
    r"|(?<!ما )(?<!مش )(?<!مو )(?<!لا )(?<!\w)(?:بدي|بدنا|ابي|أبي|ابغى|أبغى|اريد|أريد|نريد|عايز|"
    r"عاوز|عايزة|حابب|حابة|ودي|بغيت|عشان|مشان|لحتى|علشان|لكي)\s+(?:\S+\s+)?(?:ادفع|أدفع|الدفع|"
    r"اسدد|أسدد|ندفع)(?!\w)"
)
_NOT_PAYMENT_LINK = re.compile(
    # denied: "link istemiyorum", "no need for a link", "ما بدي رابط", "mish 3ayez link"
    rf"\b{_PAY_LINK_NOUN}(?: \w+)? (?:istemiyorum|istemem|istemiyoruz|gerek yok|gerekmez|"
    r"gerekmiyor|lazim degil|atmayin|gondermeyin|yollamayin)"
    r"|\b(?:no need for|don'?t (?:need|want|send)|dont (?:need|want|send)|do not (?:need|want|"
    r"send)|no)(?: \w+){0,2} (?:payment |pay )?link\b"
    r"|\b(?:don'?t|dont|do not|not|never|won'?t) (?:want|wanna|need|going|have) to pay\b"
    r"|\bnot paying\b"
    r"|(?:ما|مش|مو|لا)\s*(?:بدي|ابي|أبي|اريد|أريد|محتاج|عايز|عاوز|ابغى|أبغى|تبعت|ترسل|تبعتلي|"
    r"ترسلي|اقدر|أقدر|بقدر)\s+(?:\S+\s+)?(?:رابط|لينك|ادفع|أدفع|الدفع)"
    r"|\b(?:ma|mish|msh|mesh|mo|mu|mush) (?:baddi|bade|bdi|3ayez|3awez|abi|me7tag|lazem|"
    r"tb3atli|teb3at|2ader|a2der|a2dar)\b (?:\w+ )?(?:link|\w{0,3}dfa3)\b"
    # already paid, a payment that failed or a code that does not come, a refund; a policy
    # question (cash on delivery, instalments, the wallet, shipping fees, customs, a discount)
    r"|\b(?:odeme(?:yi)? yaptim|odedim|odemistim|odeme yapmistim|havale yaptim|eft yaptim|cekil\w*|"
    r"cekti\w*|cekim\w*|hata\w*|olmuyor|yapamiyorum|yapamadim|gecmiyor|basarisiz|reddedil\w*|"
    r"(?:iki|2) (?:kez|kere|defa)|sorun\w*|calismiyor|acilmiyor|gorunmuyor|yansima\w*|iade\w*|"
    r"geri (?:al|ode|yat)\w*|tikla\w*|bloke|kapida|nakit|taksit\w*|cuzdan\w*|gumruk\w*|takip\w*|"
    r"(?:kargo|gonderim) (?:ucret|bedel)\w*|indirim\w*|kurye\w*|sms|3d|otp|dogrulama|"
    r"gelmiyor|"
    r"paid|charged|twice|fail\w*|declin\w*|error|doesn'?t work|not working|isn'?t working|"
    r"won'?t (?:open|work|load)|can'?t (?:open|pay)|expired|invalid|broken|refund\w*|return\w*|"
    r"installments?|instalments?|on delivery|at delivery|upon delivery|at the door|cash|cod|"
    r"shipping|customs|tracking|3malt\w*|3emelt\w*|"
    r"discount\w*|courier|verification|fark\w*|difference|less|"
    r"dafa3t|dfa3t|it[5k]h?asam|en5asam|in5asam|marr?t[ae]?(?:i|e)?n|rje3|yerja3|estilam|estelam|"
    r"kash|ta[q28g]s[ie]{1,2}[t6]|a[q2]sa[t6]|mandoo?b|5a9m|khasm|ghalat|failed)\b"
    r"|(?:عند الاستلام|للمندوب|المندوب|كاش|نقدا|نقدي|تقسيط|أقساط|اقساط|الشحن|التوصيل|تتبع|"
    r"دفعت|خصم|انخصم|مرتين|فشل|مرفوض|رفض|اترفض|خطأ|خطا|ما زبط|ما اشتغل|مش شغال|ما بيشتغل|"
    r"ما يشتغل|لا يعمل|مشكلة|استرجاع|استرداد|ترجيع|يرجع|تخفيض|الفرق|ما يوصل|ما وصل|ما بيوصل|"
    r"ما يكتمل|ما يمشي|ما مشي|ما تمشي|ما مشيت|رمز|كود|التحقق)"
)
_NOT_A_PAYMENT_LINK = re.compile(
    r"^(?:takip\w*|takibi\w*|kargo\w*|fatura\w*|konum\w*|harita\w*|iade\w*|instagram\w*|site\w*|"
    r"urun\w*|indirim\w*|kupon\w*|whatsapp|tracking|invoice|map|location)$"
)
"""A link of something else ("kargo takip linki", "fatura linki"), named by the word before it."""
_LINK_REQUEST = re.compile(
    rf"\b{_PAY_LINK_NOUN}\b(?: \w+){{0,2}} (?:at\w*|gonder\w*|yolla\w*|ilet\w*|paylas\w*|ver\w*|"
    r"olustur\w*|var mi|lazim|istiyorum|rica\w*|pls|please|plz)"
    r"|\b(?:send|share|give|text|get|need|want|have)\b(?: \w+){0,2} (?:a |the )?link\b"
    r"|(?<!\w)(?:ارسل|ابعت|ابعث|ابعتلي|ارسلي|ارسلوا|ابعتولي|اعطني|عطيني|بدي|ابي|أبي|ممكن)\s+"
    r"(?:\S+\s+)?(?:رابط|لينك|لنك)"
    r"|\b(?:ab3at|eb3at|b3at|ib3at|ba3at|erselli|arsel|ersel|3tini|a3tini|send)\w*(?: \w+){0,2} "
    r"(?:link|lenk|rabet|rabt)\b"
)
_PAY_INTENT = re.compile(
    r"\bode(?:yeyim|yelim|yim|sem|rim|mek icin|meyi)\b|\bodeme\b|\bkart\w*|\bkapora|\bdepozito"
    r"|\bpay(?:ment|ing)?\b|\bcard\b|\b\w{0,3}dfa3\b|\bdaf3\b|دفع|ادفع|أدفع|الدفع|بطاقة|بالبطاقة"
)
"""Paying, named beside a link request ("link gönderin ödeyeyim", "kartla ödemek istiyorum
link var mı")."""


def _near(text: str, match: re.Match[str], pattern: re.Pattern[str]) -> bool:
    """``pattern`` in the match or the few words on either side of it."""
    start, end = match.span()
    before = text[max(0, start - _WINDOW_CHARS) : start].split()[-_AROUND:]
    after = text[end : end + _WINDOW_CHARS].split()[:_AROUND]
    return bool(pattern.search(" ".join([*before, match.group(0), *after])))


def wants_recommendation(text: str) -> bool:
    """The customer asks what to buy: a suggestion ("ne önerirsiniz", "what would you
    recommend", "ماذا تنصحني"), what goes with a product ("bu gömleğin yanına ne gider",
    "shou bteltbe2 ma3 hayda") or an alternative ("bundan daha iyisi var mı", "هل عندكم شيء
    مشابه"). Not size advice, another time slot, thanks, a denial or an order problem."""
    candidates = (fold(text), text)
    if any(_NOT_RECOMMENDATION.search(candidate) for candidate in candidates):
        return False
    for candidate in candidates:
        for match in _RECOMMEND.finditer(candidate):
            if not _near(candidate, match, _NOT_A_PRODUCT):
                return True
    return False


_TOGETHER = (
    r"(?:birlikte|beraber|ikisini(?: birden)?|ikisi birden|ikisini beraber|set olarak|"
    r"together|both|as a set|combo|bundle|مع بعض|سوا|الاثنين|الإثنين|معاً|معا)"
)
_BUNDLE_DEAL = (
    r"(?:indirim\w*|ucuz\w*|kampanya\w*|discount\w*|deal|cheaper|offer|خصم|تخفيض|ارخص|أرخص)"
)
_BUNDLE = re.compile(
    rf"\b{_TOGETHER}\b(?: \S+){{0,6}} \S*{_BUNDLE_DEAL}"
    rf"|\b{_BUNDLE_DEAL}\b(?: \S+){{0,6}} \S*{_TOGETHER}"
)
_NOT_BUNDLE = re.compile(
    r"\b(?:kupon\w*|iade\w*|coupon|refund|return\w*|kargo\w*|shipping|siparis\w*|order\w*)\b"
    r"|استرجاع|ارجاع|كوبون|شحن"
)


def asks_bundle(text: str) -> bool:
    """A discount for buying products together ("keten gömlekle hasır kemeri birlikte alırsam
    indirim var mı", "any discount if I buy both?", "في خصم اذا اخذتهم مع بعض"): the tenant's
    bundle rules answer it. Not a coupon, a return, shipping or an order."""
    folded = fold(text)
    if _NOT_BUNDLE.search(folded) or _NOT_BUNDLE.search(text):
        return False
    return bool(_BUNDLE.search(folded) or _BUNDLE.search(text))


def _link_of_something_else(folded: str) -> bool:
    links = list(re.finditer(rf"\b{_PAY_LINK_NOUN}\b", folded))
    return bool(links) and all(
        _NOT_A_PAYMENT_LINK.match(
            (folded[max(0, link.start() - _WINDOW_CHARS) : link.start()].split() or [""])[-1]
        )
        for link in links
    )


def wants_payment_link(text: str) -> bool:
    """The customer asks to pay now: a payment link ("ödeme linki atar mısınız", "send me a
    payment link", "ارسل لي رابط الدفع"), how to pay ("nasıl ödeme yapabilirim", "how do I
    pay?", "kif bedfa3"), or to pay by card online instead of a transfer ("havale yerine kartla
    ödesem"). Not a payment that went wrong, a refund, cash on delivery or instalments, a
    tracking or invoice link, or a denial."""
    folded = fold(text)
    if _NOT_PAYMENT_LINK.search(folded) or _NOT_PAYMENT_LINK.search(text):
        return False
    if _PAYMENT_LINK.search(folded) or _PAYMENT_LINK.search(text):
        return True
    return bool(
        (_LINK_REQUEST.search(folded) or _LINK_REQUEST.search(text))
        and (_PAY_INTENT.search(folded) or _PAY_INTENT.search(text))
        and not _link_of_something_else(folded)
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
    if _NEGATIVE.search(folded) or _NEGATIVE.search(text) or sarcastic(text) or shouted(text):
        # Arabic: also as written; sarcastic thanks are negative too
        found.append("negative_sentiment")
    if _URGENT.search(folded) or _URGENT.search(text):
        found.append("urgent")
    if wants_recommendation(text):
        found.append("wants_recommendation")
    if wants_payment_link(text):
        found.append("wants_payment_link")
    if asks_bundle(text):
        found.append("asks_bundle")
    return found
