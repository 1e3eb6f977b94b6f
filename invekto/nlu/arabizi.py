"""Arabizi: Arabic written in Latin letters and digits ("baddi badel el size", "3ayez alghi el
order law sama7t", "abi a3rif wain tlabi"). It is Arabic: the customer gets Arabic replies.

Two kinds of evidence, on the folded words:

- **digit letters**: 2 (ء/ق), 3 (ع), 5 (خ), 6 (ط), 7 (ح), 8 (غ), 9 (ص/ق) inside a word of
  letters ("sama7t", "3ala", "la2", "5alas"). Ordinals, sizes, units and Turkish suffixes on
  numbers ("2nd", "42lik", "3lü", "5pm", "xl2") are not;
- **words** of the Levantine, Egyptian and Gulf chat vocabulary that are neither Turkish nor
  English ("baddi", "3ayez", "shu", "wen", "ktir", "momken", "shlon", "law sama7t"). Words that
  are also Turkish or English ("hala", "el", "fi", "da", "bas") count only as support.

``arabizi_score`` weighs them; ``is_arabizi`` decides against the Turkish and English evidence
the language detector already counts. Linear in the text; no model.
"""

from __future__ import annotations

import re

from invekto.core.text import fold

_DIGIT_LETTER = re.compile(r"^(?=[a-z0-9']*[a-z])(?=[a-z0-9']*[235679])[a-z0-9']{2,}$")
"""A word of letters with at least one Arabizi digit in it."""
_NOT_ARABIZI_DIGITS = re.compile(
    r"^(?:\d+(?:st|nd|rd|th|pm|am|x|xl|xxl|kg|gr|g|cm|mm|ml|lt|l|gb|tb|mb|tl|usd|eur|k|m|"
    r"pcs|pc|li|lu|lik|luk|ncu|nci|uncu|unci|inci|da|de|te|ta|ye|ya|e|a|i|u|"
    r"den|dan|ten|tan|gun|ay|yil|adet|tane|hafta|saat|dk|dakika|sn|min|h|hr|hrs|s|"
    r"days|day|weeks|week|hours|hour|mins)|\w*\d{2,}\w*|[a-z]\d|mp3|mp4|co2|h2o|ps\d|"
    r"b4|gr8|2day|2morrow|4u|2u|4k|5g|4g|3g|xl\d|x{1,3}l\d|iphone\d+|usb\w*)$"
)
"""Shapes with digits that are no Arabizi letters: "2nd", "5pm", "42lik", "3lü", "ps5", "b4",
product codes ("xl2", "tv55"), anything with three digits in a row."""

STRONG = frozenset(
    """
    baddi badde baddak baddik baddna biddi bidi bde bade badi bidde
    3ayez 3ayza 3ayzin 3ayzeen 3awez 3awza 3awz 3ayz 3aiz 3ayzah aayez ayez ayza
    shu shou shoo esh eish eih 2eh wen wein ween fein feen
    ktir kteer kter ktiir kaman kamaan halla2 hala2 hallaa hal2 hek heik heyk hayda haida hayde
    haydi hadol lesh leish lish leh lih mish msh  mosh mush mafi mafish mafeesh mfeesh
    mni7 mnih mneeh mnee7 ya3ni yaani ya3ny yaane 3ala 3al 3a 3am ma3 ma3ak ma3ik ma3i ma3kom
    menno minno mennu minnu addesh adesh addeh 2addesh 2adesh adde2 bkam b2addesh
     enta inta ente inti e7na i7na ehna i7na howe hiye heye
    kif keef kifak kifik kefak kefik izzay ezzay ezay izay ezayak ezayek
    shukran shokran shukrann shoukran  yalla yallah wallah wallahi walla wallahy
    inshallah inshalla nshalla insha2allah inshallh mashallah masha2allah habibi habibti 7abibi
    ahlan ahla marhaba mar7aba mar7ab salamu salamo 3alaykom 3aleikum 3alaikum alaykom
    aleikum 3alikom ma3a
    bokra bukra bokrah ba3d ba3den ba3dain lessa lissa lesa  lsa 5alas khalas 5las
    tayeb tayyeb tayb  mashi mashy aywa aiwa la2 la2a
    momken mumkin mumken momkin mmkn emta imta amta emteh ematy
    keda kda kede kideh dlwa2ty delwa2ti dilwa2ti dlwa2ti delwa2ty halla2
     abgha abga abghi ab8a wesh  shlon shlonak shlonik chidi kidha zain zein
    7ada 7ad 7aga 7aja 7aje 7aji 7a2i2i 7a2ee2i 7elw 7elwa 7lw
    sama7t sm7t sam7t sama7ti  lw eb3at eb3atli b3atli ba3atli ab3at
    el7 bta3 bta3i bta3ti taba3i taba3 tab3i tabe3i 3andak 3andik 3andko 3andkom 3ndkom
    3andokom 3indkom 3andi 3ndi 3indi fih fiha fiya
    wala wla walla2 kaman kamen yimkin yemken yemkin
    mabaref ba3ref b3ref a3rif a3ref
    el2 il2 3ashan 3shan 3alashan 3ashn 3lshan la2enno
    flous fulus floos msari masari masare mesari
    mahfaza shanta shante fustan fostan kanze kanzeh amees qamees qamis 2amis bantalon bantaloon
    jazma gazma joote jooti sebbat sabbat sama3a samma3a talab talabi tlabi talabiye talabiyye
    shahne sha7na shi7n sha7n tawsil tawseel tawsel snan asnan sinn senn maw3ed maw3id 3iyade
    3iyada ta2weem tabyeed 7ashwe zira3a zar3 kashf dawam majjani majani balash bbalash
    shufuli shoufli shofli chhal ch7al sh7al nhar lcommande dyal bghit bghina nbeddel wach
    kayn kayna daba bzaf katsifto mzyan mezyan lkebbot tghayaro fatoora fatoura dareebiya
    dakhil kartoon arsloha 3tini smiya charika arjie flosi asawi yenasibni ghayer abaddil
    mawjood mawjoud wardi thoob abyadh feeha ykalifni qomsan taman eimta tanzilat tarslon
    khaleej twasloon imarat 3aleih ziyada lcarte bghatch tdouz ghalat nchri lhwayj akoon wakeel
    lakum fahemni akalim mudeer kheir khair ghala shabab ezayyoko kifkon marhabtein shlonkom
    labas teslam eedak shokr feek chokran mashkoor wayed metshakra tesalam basha ideik ykhelik
    bslama ysalmik fimanillah amaan bshoufak bkallem mabrook bnadem machi nta kesb nharda tamem
    wakha taqseet taqweem shaffaf shahr yakhod zra3a katdir jalsat aji enkasar bynzif wermaan
    wagaf sinna etkasaret wjhi ntfekh dawamkom lein yetshen abl 6alabta skni badlo yalla
    """.split()
)
"""Chat Arabic in Latin letters that is not (nearly) a Turkish or English word."""
SUPPORT = frozenset(
    """el il al fi fe min men w wa bas ya la ma da di dah deh hal hala hay lal lel bel bil
    tani tany tanye awi awy ana salam kam kol dam had bach chi allah sabah masa aman ful fol
    barak ams mesh fen mersi law abi
    """.split()
)
"""Also Turkish or English words (or too short to tell): support, never evidence alone."""
_TOKEN = re.compile(r"[a-z0-9']+")


def arabizi_score(text: str) -> tuple[float, float]:
    """(strong, support) evidence of Arabizi in ``text``."""
    strong = 0.0
    support = 0.0
    for token in _TOKEN.findall(fold(text)):
        token = token.strip("'")
        if not token:
            continue
        if token in STRONG:
            strong += 1.0
        elif _DIGIT_LETTER.match(token) and not _NOT_ARABIZI_DIGITS.match(token):
            strong += 1.0
        elif token in SUPPORT:
            support += 0.5
    return strong, support


def is_arabizi(text: str, *, turkish: float = 0.0, english: float = 0.0) -> bool:
    """Arabizi when its strong evidence is there and outweighs the Turkish and English words
    counted by the caller (a Turkish sentence with "yalla" stays Turkish)."""
    strong, support = arabizi_score(text)
    if strong == 0:
        return False
    arabizi = strong + support
    if turkish >= arabizi:
        return False
    # English shop words are part of Arabizi ("baddi cancel el order"): an Arabizi word and
    # its support weigh against twice as many English words.
    return 2 * arabizi > english or (strong >= 2 and strong >= turkish)
