"""Entities, one table per type: what realistic (messy, no-diacritics) Turkish and English
messages yield, and what they must not."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from invekto.nlu.dates import extract_dates
from invekto.nlu.entities import extract

IST = ZoneInfo("Europe/Istanbul")
WEDNESDAY = dt.datetime(2026, 11, 25, 10, 0, tzinfo=IST)  # a Wednesday


def entities(text: str):
    return extract(text, now=WEDNESDAY)


# --- order numbers, tracking numbers, phones, e-mails -----------------------------------------


@pytest.mark.parametrize(
    ("text", "orders"),
    [
        ("siparis no 10654400001 nerde", ["10654400001"]),
        ("sipariş numaram: 10654400001", ["10654400001"]),
        ("10654400001 nolu siparisim gelmedi", ["10654400001"]),
        ("10654400001nolu siparis", ["10654400001"]),
        ("#10654400017 bi bakarmisiniz", ["10654400017"]),
        ("10654400001 ve 10654400002 ikisi de gelmedi", ["10654400001", "10654400002"]),
        ("sipariş no 5321112233", ["5321112233"]),  # phone-shaped, but said to be an order
        ("order 654321 please", ["654321"]),
        ("kargom 10654400001 nerde", ["10654400001"]),
        # not order numbers
        ("beni 05321112233 ten arayin", []),
        ("fiyatı 199,90 TL 3 adet", []),
        ("150000 tl ödedim", []),
        ("tc kimlik no 12345678901", []),
        ("takip no 7330029145197", []),
        ("12345", []),
        ("tracking number 1Z999AA1012345678", []),
        ("kupon kodu ABC123456", []),
    ],
)
def test_order_numbers(text, orders):
    assert entities(text).order_numbers == orders


@pytest.mark.parametrize(
    ("text", "tracking"),
    [
        ("takip no 7330029145197", ["7330029145197"]),
        ("kargo takip kodu: 73300291451971234567", ["73300291451971234567"]),
        ("7330029145197 bu numarayla bulamadım", ["7330029145197"]),
        ("takip numarasi 123456789012", ["123456789012"]),  # 12 digits, but said to be one
        ("kargo kodu 1234567890", ["1234567890"]),
        ("kargom 10654400001 nerde", []),  # an order number's length: the order
        ("tracking number 1Z999AA1012345678", []),  # letters: not ours to guess
        ("siparis no 10654400001", []),
    ],
)
def test_tracking_numbers(text, tracking):
    assert entities(text).tracking_numbers == tracking


@pytest.mark.parametrize(
    ("text", "phones"),
    [
        ("beni 05321112233 ten arayin", ["905321112233"]),
        ("tel: +90 532 111 22 33", ["905321112233"]),
        ("numaram 532 111 2233", ["905321112233"]),
        ("0532-111-22-33 whatsapp", ["905321112233"]),
        ("siparis verdim beni 0532 111 22 33'ten arayın", ["905321112233"]),
        # not phones
        ("sipariş no 5321112233", []),
        ("siparis 10654400001", []),
        ("takip 7330029145197", []),
        ("0212 444 00 00", []),  # a landline: not a WhatsApp customer's number
    ],
)
def test_phones(text, phones):
    assert entities(text).phones == phones


def test_order_tracking_and_phone_in_one_message():
    found = entities("Sipariş 10654400001, takip 7330029145197, beni 0532 111 22 33'ten arayın")
    assert found.order_numbers == ["10654400001"]
    assert found.tracking_numbers == ["7330029145197"]
    assert found.phones == ["905321112233"]


@pytest.mark.parametrize(
    ("text", "emails"),
    [
        ("mail adresim ayse.yilmaz@gmail.com", ["ayse.yilmaz@gmail.com"]),
        ("faturayı satin@firma.com.tr ye atın", ["satin@firma.com.tr"]),
        ("a@b.co ve a@b.co", ["a@b.co"]),
        ("mail atarım", []),
        ("@ayseyilmaz instagram", []),
    ],
)
def test_emails(text, emails):
    assert entities(text).emails == emails


# --- quantities, sizes, colours, products, company ------------------------------------------


@pytest.mark.parametrize(
    ("text", "quantities"),
    [
        ("150 adet lazım", [150]),
        ("150adet", [150]),
        ("yüz elli tane lazım", [150]),
        ("yuz elli tane lazim", [150]),
        ("iki yüz adet", [200]),
        ("iki bin beş yüz adet", [2500]),
        ("on beş tane", [15]),
        ("iki tane alcam", [2]),
        ("100 pcs", [100]),
        ("a hundred pieces", [100]),
        ("2 düzine", [24]),
        ("her renkten 30ar adet", [30]),
        ("50'şer tane", [50]),
        ("1.500 adet", [1500]),
        ("x3", [3]),
        ("100 tişört lazım", [100]),  # a number before a product word
        ("2 gömlek 3 pantolon", [2, 3]),
        # not quantities
        ("42 numara ayakkabı", []),
        ("3 gün oldu", []),
        ("fiyatı 199.90 TL", []),
        ("siparis no 10654400001", []),
        ("bir sorum var", []),
    ],
)
def test_quantities(text, quantities):
    assert entities(text).quantities == quantities


@pytest.mark.parametrize(
    ("text", "sizes"),
    [
        ("M beden var mı", ["M"]),
        ("m beden var mi", ["M"]),
        ("xl olsun", ["XL"]),
        ("S/M", ["S", "M"]),
        ("m yoksa l var mı", ["M", "L"]),
        ("bedenim L", ["L"]),
        ("M'yi istiyorum", ["M"]),
        ("2xl var mı", ["2XL"]),
        ("42 numara", ["42"]),
        ("38 beden elbise", ["38"]),
        ("beden 40", ["40"]),
        ("32 bel 34 boy", ["32/34"]),
        ("W32 L34", ["32/34"]),
        ("size medium please", ["M"]),
        ("42 numara lacivert olanı var mı, XL beden de olur", ["42", "XL"]),
        # not sizes
        ("XYZ A.Ş. için", []),
        ("2 m kumaş", []),
        ("kapı numarası 12", []),
        ("large order", []),
        ("kargom nerede", []),
    ],
)
def test_sizes(text, sizes):
    assert entities(text).sizes == sizes


@pytest.mark.parametrize(
    ("text", "colors"),
    [
        ("siyahı var mı", ["siyah"]),
        ("siyahini istiyorum", ["siyah"]),
        ("mavisinden var mi", ["mavi"]),
        ("kirmizisi kaldi mi", ["kırmızı"]),
        ("beyazdan bi tane", ["beyaz"]),
        ("lacivert olanı", ["lacivert"]),
        ("koyu yesil", ["yeşil"]),
        ("bordo renk", ["bordo"]),
        ("grisi ve bejini", ["gri", "bej"]),
        ("black or navy", ["siyah", "lacivert"]),
        ("الفستان الاسود", ["siyah"]),
        # not colours
        ("hakiki deri", []),
        ("moral bozuk", []),
        ("grip oldum", []),
        ("iade red edildi", []),
        ("tabanda sorun var", []),
    ],
)
def test_colours(text, colors):
    assert entities(text).colors == colors


@pytest.mark.parametrize(
    ("text", "products"),
    [
        ("gömlek almak istiyorum", ["gömlek"]),
        ("gomlegin bedeni kac", ["gömlek"]),
        ("ayakkabıyı iade edecem", ["ayakkabı"]),
        ("ayakabi dar geldi", ["ayakkabı"]),
        ("spor ayakkabıyı değiştirmek istiyorum", ["spor ayakkabı"]),
        ("tişörtü ve montu", ["tişört", "mont"]),
        ("tisort", ["tişört"]),
        ("kazağı çekti", ["kazak"]),
        ("eteği kısa", ["etek"]),
        ("çorabı", ["çorap"]),
        ("kot pantolon", ["kot pantolon"]),
        ("güneş gözlüğünü", ["güneş gözlüğü"]),
        ("siyah botun 38i var mı", ["bot"]),
        ("red dress and sneakers", ["elbise", "spor ayakkabı"]),
        ("100 t-shirts", ["tişört"]),
        # not products
        ("kumaşı kötü", []),
        ("sen bot musun", []),
        ("montaj ücreti", []),
        ("saat kaçta açıksınız", []),
        ("telefon hattı çekmiyor", []),
    ],
)
def test_products(text, products):
    assert entities(text).products == products


@pytest.mark.parametrize(
    ("text", "company"),
    [
        ("ABC Tekstil Ltd. Şti. adına fatura", "ABC Tekstil Ltd. Şti."),
        ("faturayi abc tekstil ltd sti adina kesin", "abc tekstil ltd sti"),
        ("XYZ A.Ş. için 100 adet", "XYZ A.Ş."),
        ("merhaba biz Demir İnşaat Ltd Şti olarak", "Demir İnşaat Ltd Şti"),
        ("firmamız XYZ", "XYZ"),
        ("firmamız XYZ Tekstil olarak 100 adet alacağız", "XYZ Tekstil"),
        ("Acme Inc. needs 300 units", "Acme Inc."),
        ("our company is Bright Labs, we need 100 pcs", "Bright Labs"),
        # no company
        ("şirketimiz için 50 adet", None),
        ("as soon as possible", None),
        ("kargom nerede", None),
    ],
)
def test_company(text, company):
    assert entities(text).company == company


# --- dates and times ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "day", "time"),
    [
        ("yarın gelebilir miyim", dt.date(2026, 11, 26), None),
        ("yarin musait misiniz", dt.date(2026, 11, 26), None),
        ("yarına randevu", dt.date(2026, 11, 26), None),
        ("yarınki randevum", dt.date(2026, 11, 26), None),
        ("bugün saat 15:00 uygun mu", dt.date(2026, 11, 25), dt.time(15)),
        ("cuma öğleden sonra", dt.date(2026, 11, 27), dt.time(14)),
        ("cuma oglenden sonra", dt.date(2026, 11, 27), dt.time(14)),
        ("cuma öğleden sonra 3'te", dt.date(2026, 11, 27), dt.time(15)),
        ("haftaya salı sabah", dt.date(2026, 12, 1), dt.time(9)),
        ("haftaya sali saat 14.00", dt.date(2026, 12, 1), dt.time(14)),
        ("pazartesi 10 da", dt.date(2026, 11, 30), dt.time(10)),
        ("yarın 5 gibi", dt.date(2026, 11, 26), dt.time(17)),
        ("çarşambaya randevu", dt.date(2026, 12, 2), None),  # today is Wednesday: next one
        ("bu çarşamba akşam", dt.date(2026, 11, 25), dt.time(18)),
        ("salıya alalım", dt.date(2026, 12, 1), None),
        ("25 Aralık", dt.date(2026, 12, 25), None),
        ("25 kasımda", dt.date(2026, 11, 25), None),
        ("5 ocak", dt.date(2027, 1, 5), None),
        ("ayın 5'inde", dt.date(2026, 12, 5), None),  # the 5th has passed: next month's
        ("30.11 saat 10.30", dt.date(2026, 11, 30), dt.time(10, 30)),
        ("3 gün sonra", dt.date(2026, 11, 28), None),
        ("iki hafta sonra", dt.date(2026, 12, 9), None),
        ("haftaya bugün", dt.date(2026, 12, 2), None),
        ("next Monday at 3pm", dt.date(2026, 11, 30), dt.time(15)),
        ("tomorrow at 3", dt.date(2026, 11, 26), dt.time(15)),
        ("tomorrow morning", dt.date(2026, 11, 26), dt.time(9)),
        ("December 3rd", dt.date(2026, 12, 3), None),
        ("in 3 days", dt.date(2026, 11, 28), None),
        ("öbür gün", dt.date(2026, 11, 27), None),
        ("bu akşam 7de", dt.date(2026, 11, 25), dt.time(19)),
    ],
)
def test_dates(text, day, time):
    mentions = extract_dates(text, now=WEDNESDAY)
    assert [(m.date, m.time) for m in mentions] == [(day, time)]


@pytest.mark.parametrize(
    "text",
    [
        "150 adet lazım",
        "fiyatı 199.90 TL",
        "kargom nerede",
        "3 tane",
        "iyi akşamlar",
        "iyi geceler",
        "pazarlık payı var mı",
        "2 de alabilir miyim",
        "may i ask something",
        "1.500 adet",
    ],
)
def test_no_dates(text):
    assert extract_dates(text, now=WEDNESDAY) == []


def test_dates_are_read_in_the_tenant_time_zone():
    late_utc = dt.datetime(2026, 11, 25, 22, 30, tzinfo=dt.UTC)  # already Thursday in Istanbul
    assert extract("yarın", now=late_utc).dates[0].date == dt.date(2026, 11, 27)
    assert extract("yarın", now=late_utc, timezone="UTC").dates[0].date == dt.date(2026, 11, 26)


# --- return reasons and ordinals ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("iade etcem bedeni olmadı", "size"),
        ("bedeni olmadi", "size"),
        ("beden uymadı değişim", "size"),
        ("küçük geldi değiştirmek istiyorum", "size"),
        ("kalıbı dar geliyor", "size"),
        ("ayagimi vurdu", "size"),
        ("it is too small", "size"),
        ("doesn't fit", "size"),
        ("rengi farklı geldi", "colour"),
        ("rengi farkli geldi", "colour"),
        ("rengi fotoğraftaki gibi değil", "colour"),
        ("yanlış renk gönderilmiş", "colour"),
        ("wrong colour", "colour"),
        ("kırık geldi", "damaged"),
        ("kirik geldi", "damaged"),
        ("yırtık çıktı", "damaged"),
        ("ürün defolu", "damaged"),
        ("arrived broken", "damaged"),
        ("kumaşı çok kötü kalitesiz", "quality"),
        ("kumasi kotu cikti", "quality"),
        ("yıkayınca çekti", "quality"),
        ("poor quality", "quality"),
        ("vazgeçtim", "changed_mind"),
        ("vazgectim iade etmek istiyorum", "changed_mind"),
        ("fikrimi değiştirdim", "changed_mind"),
        ("changed my mind", "changed_mind"),
        # no reason
        ("kargom nerede", None),
        ("M beden var mı", None),
        ("38 beden elbise", None),
        ("ödeme olmadı", None),
        ("bordo renk var mı", None),
        ("moralim bozuk", None),
        ("takip linki çalışmıyor", None),
    ],
)
def test_return_reasons(text, reason):
    assert entities(text).return_reason == reason


@pytest.mark.parametrize(
    ("text", "ordinal"),
    [
        ("ikincisi", 2),
        ("ilki", 1),
        ("2", 2),
        ("2.", 2),
        ("sonuncusu", -1),
        ("the first one", 1),
        ("ok", None),
        ("haftaya salı saat 14.00", None),
        ("fiyatı 3.50", None),
    ],
)
def test_ordinals(text, ordinal):
    assert entities(text).ordinal == ordinal


def test_a_b2b_message_has_it_all():
    found = entities(
        "Merhaba, ABC Tekstil Ltd. Şti. olarak 150 adet siyah L beden tişört lazım, "
        "mail: satin@abctekstil.com.tr, haftaya cuma teslim olur mu"
    )
    assert found.company == "ABC Tekstil Ltd. Şti."
    assert found.quantities == [150]
    assert found.colors == ["siyah"]
    assert found.sizes == ["L"]
    assert found.products == ["tişört"]
    assert found.emails == ["satin@abctekstil.com.tr"]
    assert [m.date for m in found.dates] == [dt.date(2026, 12, 4)]


def test_a_company_cue_word_with_a_suffix_is_not_a_company():
    from invekto.nlu.entities import extract

    assert extract("şirketimize 150 adet tişört lazım faturalı").company is None
    assert extract("firmamız Demir Yapı, 200 adet").company == "Demir Yapı"


# --- money and percentages are never quantities ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "quantities"),
    [
        ("400 TL'lik sipariş kargo bedava mı", []),
        ("is delivery free for a 400 TL order?", []),
        ("en az %25 indirim", []),
        ("%25 tişört indirimi var mı", []),
        ("yüzde 30 tişört indirimi", []),
        ("yüzde otuz yapın", []),
        ("₺400 gömlek", []),
        ("$40 shirts on sale?", []),
        ("400 TRY pantolon", []),
        ("30 percent off 2 shirts", [2]),
        ("٪30 خصم", []),
        ("30٪ off tişört", []),
        ("%25 x 3", [3]),
        ("1.500 TL 5 tişört", [5]),
        ("20 tl'lik 40 adet", [40]),
        ("400 lira 30 adet", [30]),
    ],
)
def test_money_and_percentages_are_not_quantities(text, quantities):
    assert entities(text).quantities == quantities


# --- PII is never an order number -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "orders"),
    [
        ("TC kimlik numaram 10000000146", []),
        ("Faturayı şahsıma kesin lütfen, TC kimlik no 10000000146", []),
        ("my Turkish ID number is 10000000146 and email kemal.er.1985@example.com", []),
        ("kimliğimdeki numara 10000000146, faturaya yazın", []),
        ("هويتي 10000000146", []),
        ("vergi numaramız 1234567890", []),
        # an order number beside a TC kimlik number is still an order number
        ("sipariş no 10654400001, TC 10000000146", ["10654400001"]),
        # said to be an order number: the customer's word counts
        ("siparis no 10000000146", ["10000000146"]),
        # a message that is nothing but the number: an order number (never echoed if unknown)
        ("10000000146", ["10000000146"]),
        ("10654400001", ["10654400001"]),
    ],
)
def test_pii_is_not_an_order_number(text, orders):
    assert entities(text).order_numbers == orders


# --- kids' age sizes and colour genitives -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "sizes"),
    [
        ("çocuk montun lacivert 9-10 yaş bedeni var mı", ["9-10 Yaş"]),
        ("9-10 yas var mi", ["9-10 Yaş"]),
        ("7-8 yaşında oğluma", ["7-8 Yaş"]),
        ("bebek tulumunun mavisi 6-9 ay var mı", ["6-9 Ay"]),
        ("0-3 aylık var mı", ["0-3 Ay"]),
        ("Do you still have it in 7-8 years?", ["7-8 Yaş"]),
        ("6-9 months baby romper", ["6-9 Ay"]),
        ("8 yaş için", ["8 Yaş"]),
        ("L de var mı peki?", ["L"]),
        ("m de olur", ["M"]),
        # not sizes
        ("1-2 ay içinde gelir mi", []),
        ("2-3 gün sürer mi", []),
        ("3 aydır bekliyorum", []),
    ],
)
def test_age_sizes(text, sizes):
    assert entities(text).sizes == sizes


@pytest.mark.parametrize(
    ("text", "colors"),
    [
        ("Keten gömleğin beyazının XL bedeni var mı?", ["beyaz"]),
        ("siyahının M bedeni", ["siyah"]),
        ("lacivertinin fiyatı", ["lacivert"]),
    ],
)
def test_colour_genitives(text, colors):
    assert entities(text).colors == colors
