"""invekto.guardrails.pii: recognizers, checksums, writings, look-alikes, masking, languages."""

from __future__ import annotations

import dataclasses
import logging
import socket
import threading

import pytest

from invekto.guardrails import pii
from invekto.guardrails.pii import PiiEntity, find_pii, mask


def found(text: str, language: str = "tr") -> list[tuple[str, str]]:
    return [(e.entity_type, e.text) for e in find_pii(text, language)]


def types(text: str, language: str = "tr") -> set[str]:
    return {e.entity_type for e in find_pii(text, language)}


# ---------------------------------------------------------------------------- TC kimlik no


def test_valid_tc_kimlik_is_found_with_a_high_score():
    (entity,) = find_pii("Randevu için 88100434918 yeterli mi?")

    assert (entity.entity_type, entity.text) == ("TR_NATIONAL_ID", "88100434918")
    assert entity.score >= 0.85


def test_tc_context_word_raises_the_score():
    (entity,) = find_pii("TC kimlik numaram 15783086288")

    assert entity.entity_type == "TR_NATIONAL_ID"
    assert entity.score >= 0.95


@pytest.mark.parametrize("text", ["TC kimlik numaram 10934355308", "43522173354", "tc 15866787650"])
def test_eleven_digits_failing_the_tc_checksum_are_not_an_id(text):
    assert "TR_NATIONAL_ID" not in types(text)


@pytest.mark.parametrize(
    "text",
    [
        "Sipariş numaram 58069401788, iade etmek istiyorum",
        "85544228110 nolu siparişim eksik geldi",
        "30181539976 numaralı siparişimi iptal edin",
        "Order number 85544228110 not delivered yet",
    ],
)
def test_order_numbers_that_pass_the_tc_checksum_are_not_an_id(text):
    assert find_pii(text, "en" if text.startswith("Order") else "tr") == []


def test_nearest_context_decides_between_an_id_and_an_order_number():
    assert found("TC 33895686660, sipariş no 14648167906") == [("TR_NATIONAL_ID", "33895686660")]
    assert found("kimlik numaram 92628684588 sipariş numaram 58069401788") == [
        ("TR_NATIONAL_ID", "92628684588")
    ]


def test_spaced_tc_kimlik():
    assert found("faturaya TC olarak 811 186 829 82 yazın") == [
        ("TR_NATIONAL_ID", "811 186 829 82")
    ]


# ------------------------------------------------------------------------------------ VKN


def test_vkn_needs_its_checksum_and_a_tax_context_word():
    assert found("Vergi no: 8518635729, vergi dairesi Kadıköy") == [("TR_TAX_ID", "8518635729")]
    assert types("Vergi no 1984604754 yazdım") == set()  # checksum fails
    assert types("8518635729") == set()  # valid, but 1 in 10 numbers is: no context, no VKN


def test_a_bare_mobile_number_that_passes_the_vkn_checksum_is_a_phone():
    assert found("Eşimin numarası 5061234567, ona teslim edilebilir.") == [
        ("PHONE_NUMBER", "5061234567")
    ]
    assert found("vergi numarası 5206176066 olan şirket adına") == [("TR_TAX_ID", "5206176066")]


# ----------------------------------------------------------------------------------- phones


@pytest.mark.parametrize(
    "number",
    [
        "0532 111 22 33",
        "05321112233",
        "+90 532 111 22 33",
        "+905321112233",
        "905321112233",
        "90 532 111 22 33",
        "0 (532) 111 22 33",
        "0(532)1112233",
        "(0532) 111 22 33",
        "0532-111-22-33",
        "0532.111.22.33",
        "+90-532-111-2233",
        "0532 111 2233",
        "532 111 22 33",
        "0090 532 111 22 33",
        "0 212 555 12 34",
        "(0216) 345 67 89",
        "0850 222 33 44",
        "+44 20 7946 0958",
        "+1 (415) 555-0123",
        "+971 50 123 4567",
    ],
)
def test_phone_writings(number):
    assert found(f"Telefonum {number}, akşam arayın.") == [("PHONE_NUMBER", number)]


def test_arabic_indic_digits_are_read_as_digits_and_offsets_are_kept():
    text = "رقمي ٠٥٣٢١١١٢٢٣٣ من فضلك"

    (entity,) = find_pii(text, "ar")

    assert entity.entity_type == "PHONE_NUMBER"
    assert text[entity.start : entity.end] == entity.text == "٠٥٣٢١١١٢٢٣٣"


def test_two_phone_numbers_in_one_message():
    assert found("sabit hattım 0216 555 00 11, cep 0533 555 00 11") == [
        ("PHONE_NUMBER", "0216 555 00 11"),
        ("PHONE_NUMBER", "0533 555 00 11"),
    ]


# ----------------------------------------------------------------------------- look-alikes


@pytest.mark.parametrize(
    "text",
    [
        "Siparişim 14272106232 hâlâ hazırlanıyor.",
        "10654400001 numaralı siparişim ne zaman gelir?",
        "Kargo takip numarası 7330029145197, nerede kaldı?",
        "kargo kodu 2021951232119",  # 13 digits that pass Luhn: still not a card
        "Kargom 4195775029650 takip numarasıyla yolda",  # 13 digits, starts with 4, passes Luhn
        "Telefonun IMEI numarası 356938035643809",  # 15 digits, passes Luhn
        "EAN barkod 8683772071724 olan ürün",
        "Ürün 1.249,90 TL, indirimli fiyatı ne olur?",
        "Sipariş tarihim 12.05.2024, teslim 15.05.2024",
        "2 adet 42 numara ayakkabı, 1 adet 38 beden",
        "Model kodu SM-A546E, 128 GB",
        "Samsung 55AU7000 televizyonun kurulumu ücretli mi?",
        "Kargo ücreti 50 TL 100 TL üzeri ücretsiz mi?",
        "Hediye çeki kodu 1234-5678-9012-3456",
        "19386006438 ve 16494563794 nolu siparişleri birleştirir misiniz",
    ],
)
def test_order_tracking_numbers_prices_and_codes_are_not_pii(text):
    assert find_pii(text) == []


# ------------------------------------------------------------------------------------ IBAN


@pytest.mark.parametrize(
    "iban",
    [
        "TR92 1392 6041 2761 4522 4662 08",
        "TR742634502234665713277145",
        "tr62 8960 2050 1020 9317 2473 92",
        "TR75-0962-1053-1474-0714-8023-31",
        "TR 11 0642 2042 6142 6611 4844 24",
        "DE82 7113 6717 9503 8335 88",
        "GB58NWBK43522192161250",
        "NL70 ABNA 2548 6913 72",
        "SA91 8301 6613 1860 9139 0996",
        "QA07DOHB405729676915380008870",
    ],
)
def test_iban_turkish_and_foreign(iban):
    (entity,) = find_pii(f"İade için IBAN {iban} hesabına")

    assert (entity.entity_type, entity.text) == ("IBAN_CODE", iban)
    assert entity.score >= 0.9


def test_iban_failing_mod_97_is_not_flagged():
    assert found("IBAN: TR92 1392 6041 2761 4522 4662 09") == []
    assert found("My IBAN is DE38 2374 6088 4481 0317 03", "en") == []


def test_iban_followed_by_a_name_is_trimmed_to_the_valid_iban():
    assert found("IBAN TR20 8476 9008 3413 9856 4553 81 Ayşe Demir adına") == [
        ("IBAN_CODE", "TR20 8476 9008 3413 9856 4553 81"),
        ("PERSON", "Ayşe Demir"),
    ]


# ------------------------------------------------------------------------------ cards, mail


@pytest.mark.parametrize(
    "card",
    ["4295 4708 0106 3554", "4280-2451-0447-2414", "5172568004567639", "9792 3424 5345 2640"],
)
def test_luhn_valid_cards(card):
    assert found(f"Kartım {card} ama çekim olmadı") == [("CREDIT_CARD", card)]


def test_luhn_invalid_card_is_not_flagged():
    assert found("kart numaram 4181 5099 3921 8794") == []


def test_email_addresses_without_fetching_the_suffix_list():
    assert found("Faturayı info@demobutik.com.tr'ye atın") == [
        ("EMAIL_ADDRESS", "info@demobutik.com.tr")
    ]
    assert found("owner@demo-shop.test yazdım") == [("EMAIL_ADDRESS", "owner@demo-shop.test")]


# ---------------------------------------------------------------- plates, addresses, names


def test_plates_spaced_dashed_and_compact_with_context():
    assert found("Aracımın plakası 34 ABC 123") == [("TR_LICENSE_PLATE", "34 ABC 123")]
    assert found("16-BR-452 plakalı kurye geldi") == [("TR_LICENSE_PLATE", "16-BR-452")]
    assert found("Plakam 01ADN123, otopark için") == [("TR_LICENSE_PLATE", "01ADN123")]
    assert found("Plaka kodu 99 olan il yok") == []


def test_turkish_address():
    text = "Adresim: Caferağa Mah. Moda Cad. No: 12 Daire 5 Kadıköy/İstanbul, zili çalın"

    (entity,) = find_pii(text)

    assert entity.entity_type == "ADDRESS"
    assert entity.text == "Caferağa Mah. Moda Cad. No: 12 Daire 5 Kadıköy/İstanbul"


def test_a_street_name_or_a_city_alone_is_not_an_address():
    assert find_pii("Bağdat Caddesi'ndeki mağazanız açık mı?") == []
    assert find_pii("İstanbul'dan sipariş veriyorum, Ankara'ya ne zaman gelir?") == []


def test_names_inside_an_address_are_part_of_the_address():
    assert types("Mustafa Kemal Mah. Dumlupınar Bulvarı No:266 Çankaya/Ankara") == {"ADDRESS"}


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Merhaba, ben Ayşe Yılmaz, siparişim gelmedi.", "Ayşe Yılmaz"),
        ("ben emre yıldız, dün yazmıştım", "emre yıldız"),
        ("Eşim Kerem bey teslim alacak", "Kerem"),
        ("Gönderen: Tuğba Kılıç", "Tuğba Kılıç"),
    ],
)
def test_turkish_person_names(text, name):
    assert found(text) == [("PERSON", name)]


@pytest.mark.parametrize(
    "text",
    [
        "Deniz çok dalgalıydı, kargo gemisi mi gecikti?",
        "Umut ediyorum bugün gelir",
        "Aras Kargo ile mi gönderdiniz?",
        "Yasemin kokulu sabun stokta mı?",
    ],
)
def test_names_that_are_ordinary_words_are_not_persons(text):
    assert find_pii(text) == []


def test_english_and_arabic_names():
    assert found("Hi, my name is John Smith", "en") == [("PERSON", "John Smith")]
    assert found("اسمي محمد أحمد وأريد إرجاع الطلب", "ar") == [("PERSON", "محمد أحمد")]
    assert found("اتصل بي على +966 50 123 4567", "ar") == [("PHONE_NUMBER", "+966 50 123 4567")]


# ------------------------------------------------------------------------- API and masking


def test_entities_are_sorted_non_overlapping_frozen_dataclasses():
    text = (
        "Adım Selin Acar, TC 61059069714, tel 0532 101 20 30, IBAN TR92 1392 6041 2761 4522 4662 08"
    )

    entities = find_pii(text)

    assert [e.entity_type for e in entities] == [
        "PERSON",
        "TR_NATIONAL_ID",
        "PHONE_NUMBER",
        "IBAN_CODE",
    ]
    assert all(a.end <= b.start for a, b in zip(entities, entities[1:], strict=False))
    assert all(text[e.start : e.end] == e.text for e in entities)
    with pytest.raises(dataclasses.FrozenInstanceError):
        entities[0].score = 0.0  # type: ignore[misc]


def test_mask_replaces_each_entity_with_its_type():
    text = "Ben Ayşe Yılmaz, numaram 0532 111 22 33, sipariş 10654400001"

    assert mask(text) == "Ben <PERSON>, numaram <PHONE_NUMBER>, sipariş 10654400001"


def test_mask_uses_the_entities_it_is_given():
    text = "numaram 0532 111 22 33"
    given = [PiiEntity("PHONE_NUMBER", 8, 22, 1.0, "0532 111 22 33")]

    assert mask(text, entities=given) == "numaram <PHONE_NUMBER>"
    assert mask(text, entities=[]) == text
    assert mask("kargom nerede") == "kargom nerede"


@pytest.mark.parametrize("language", ["de", "", "xx", "TR", "tr-TR"])
def test_unknown_or_odd_languages_fall_back_to_turkish(language):
    text = "TC kimlik numaram 15783086288"

    assert find_pii(text, language) == find_pii(text, "tr")


def test_empty_text():
    assert find_pii("") == []
    assert find_pii("   ") == []
    assert mask("") == ""


def test_registry_holds_only_our_recognizers_for_three_languages():
    analyzer = pii.get_analyzer()

    names = {r.name for r in analyzer.registry.recognizers}
    assert names == {
        "TcKimlikRecognizer",
        "VknRecognizer",
        "IbanRecognizer",
        "CreditCardRecognizer",
        "PhoneRecognizer",
        "EmailRecognizer",
        "LicensePlateRecognizer",
        "AddressRecognizer",
        "PersonRecognizer",
    }
    assert sorted(analyzer.supported_languages) == ["ar", "en", "tr"]
    assert set(analyzer.get_supported_entities("tr")) == set(pii.ENTITY_TYPES)


def test_the_analyzer_is_built_once_and_shared_across_threads():
    seen, results = [], []

    def work():
        seen.append(pii.get_analyzer())
        results.append(found("Telefonum 0532 111 22 33"))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len({id(a) for a in seen}) == 1
    assert results == [[("PHONE_NUMBER", "0532 111 22 33")]] * 8


def test_no_log_lines_per_message(caplog):
    pii.get_analyzer()
    with caplog.at_level(logging.DEBUG):
        find_pii("TC kimlik numaram 15783086288, tel 0532 111 22 33", "tr")
        find_pii("رقمي ٠٥٣٢١١١٢٢٣٣", "ar")

    assert [r for r in caplog.records if r.levelno >= logging.INFO] == []


# ------------------------------------------------------------------------------- tldextract


def test_tldextract_never_fetches_the_suffix_list(monkeypatch, tmp_path):
    import tldextract
    import tldextract.tldextract
    from tldextract.cache import DiskCache

    from invekto.guardrails import recognizers

    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    pii.get_analyzer()
    # start both extractors cold: no memoised list, an empty disk cache
    monkeypatch.setattr(recognizers._TLD, "_extractor", None)
    default = tldextract.tldextract.TLD_EXTRACTOR
    monkeypatch.setattr(default, "_extractor", None)
    monkeypatch.setattr(default, "_cache", DiskCache(str(tmp_path)))

    assert found("mail: ayse.yilmaz@gmail.com") == [("EMAIL_ADDRESS", "ayse.yilmaz@gmail.com")]
    assert default.suffix_list_urls == ()
    assert tldextract.extract("shop.example.com.tr").suffix == "com.tr"
    assert attempts == []
