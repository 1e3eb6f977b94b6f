"""PII on customer input: find it with Presidio, mask it with presidio-anonymizer.

Entity types: ``TR_NATIONAL_ID`` (TC kimlik no), ``TR_TAX_ID`` (VKN), ``IBAN_CODE``,
``CREDIT_CARD``, ``PHONE_NUMBER``, ``EMAIL_ADDRESS``, ``ADDRESS``, ``PERSON``,
``TR_LICENSE_PLATE``.

No spaCy model is installed (and none may be downloaded), so the analyzer runs on blank spaCy
pipelines for tr / en / ar (tokens only) with the pattern, checksum, gazetteer and context
recognizers of :mod:`invekto.guardrails.recognizers`. The registry is built explicitly: none of
Presidio's default recognizers are loaded (its US ones flag Turkish order numbers). The analyzer is
built once per process, on first use, under a lock; Presidio and spaCy are imported then, not when
this module is imported.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from dataclasses import dataclass

LANGUAGES = ("tr", "en", "ar")
ENTITY_TYPES = (
    "TR_NATIONAL_ID",
    "TR_TAX_ID",
    "IBAN_CODE",
    "CREDIT_CARD",
    "PHONE_NUMBER",
    "EMAIL_ADDRESS",
    "ADDRESS",
    "PERSON",
    "TR_LICENSE_PLATE",
)


@dataclass(frozen=True, slots=True)
class PiiEntity:
    entity_type: str
    start: int
    end: int
    score: float
    text: str


_lock = threading.Lock()
_analyzer = None
_anonymizer = None


def _language(language: str | None) -> str:
    code = (language or "").strip().lower()[:2]
    return code if code in LANGUAGES else "tr"


def _quiet_presidio() -> None:
    # Presidio logs at INFO on every analyze() call ("Fetching all recognizers ...").
    logging.getLogger("presidio-analyzer").setLevel(logging.WARNING)
    logging.getLogger("presidio-anonymizer").setLevel(logging.WARNING)


def _no_fetch_tldextract() -> None:
    """tldextract's module-level extractor (used by Presidio's own e-mail/URL recognizers) would
    fetch the public suffix list over HTTP on first use: make it use its bundled snapshot."""
    import tldextract.tldextract

    tldextract.tldextract.TLD_EXTRACTOR.suffix_list_urls = ()


def _build_analyzer():
    _quiet_presidio()
    _no_fetch_tldextract()
    import spacy
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import SpacyNlpEngine

    from invekto.guardrails.recognizers import RECOGNIZERS, NearestContextEnhancer, gazetteers

    class BlankSpacyNlpEngine(SpacyNlpEngine):
        """SpacyNlpEngine on ``spacy.blank(lang)`` pipelines: tokenizer only, no model, no
        download, no NER (so no entity-mapping warnings)."""

        def load(self) -> None:
            self.nlp = {
                model["lang_code"]: spacy.blank(model["lang_code"]) for model in self.models
            }

    engine = BlankSpacyNlpEngine(
        models=[{"lang_code": lang, "model_name": f"blank:{lang}"} for lang in LANGUAGES]
    )
    engine.load()
    registry = RecognizerRegistry(supported_languages=list(LANGUAGES))
    for language in LANGUAGES:
        for recognizer in RECOGNIZERS:
            registry.add_recognizer(recognizer(supported_language=language))
    gazetteers()
    return AnalyzerEngine(
        registry=registry,
        nlp_engine=engine,
        supported_languages=list(LANGUAGES),
        context_aware_enhancer=NearestContextEnhancer(),
    )


def get_analyzer():
    """The process-wide Presidio AnalyzerEngine (built on first call, thread-safe)."""
    global _analyzer
    if _analyzer is None:
        with _lock:
            if _analyzer is None:
                _analyzer = _build_analyzer()
    return _analyzer


def _get_anonymizer():
    global _anonymizer
    if _anonymizer is None:
        with _lock:
            if _anonymizer is None:
                _quiet_presidio()
                from presidio_anonymizer import AnonymizerEngine

                _anonymizer = AnonymizerEngine()
    return _anonymizer


_MAYBE_PII = re.compile(r"\d{5,}|@|\d[\d ()\-]{8,}\d|[A-ZÇĞİÖŞÜ][a-zçğıöşü]+ [A-ZÇĞİÖŞÜ]")


def might_hold_pii(text: str) -> bool:
    """A cheap pre-check for bulk text (log records, trace payloads): False when ``text`` has no
    long number, no e-mail sign and no capitalised pair of words, so it need not be analysed."""
    return bool(_MAYBE_PII.search(text))


def find_pii(text: str, language: str = "tr") -> list[PiiEntity]:
    """Entities sorted by start, overlaps resolved (highest score, then longest).

    language tr|en|ar; anything else → tr. The analyzer is built once per process (thread-safe
    lazy init) and reused. Arabic-Indic digits are read as ASCII digits (offsets unchanged).
    The same text is analysed once: a conversation's earlier messages are checked again on
    every turn (the output guard, entity extraction), so results are kept in an LRU cache.
    """
    if not text or not text.strip():
        return []
    return list(_find_pii(text, _language(language)))


@functools.lru_cache(maxsize=8192)
def _find_pii(text: str, language: str) -> tuple[PiiEntity, ...]:
    from invekto.guardrails.recognizers import ARABIC_DIGITS, MIN_SCORE

    analyzed = text.translate(ARABIC_DIGITS)
    results = get_analyzer().analyze(text=analyzed, language=language, score_threshold=MIN_SCORE)
    ranked = sorted(results, key=lambda r: (-r.score, -(r.end - r.start), r.start))
    kept = []
    for result in ranked:
        if all(result.end <= k.start or result.start >= k.end for k in kept):
            kept.append(result)
    kept.sort(key=lambda r: (r.start, r.end))
    return tuple(
        PiiEntity(r.entity_type, r.start, r.end, round(float(r.score), 4), text[r.start : r.end])
        for r in kept
    )


def mask(text: str, language: str = "tr", entities: list[PiiEntity] | None = None) -> str:
    """Each entity replaced by <ENTITY_TYPE> using presidio-anonymizer."""
    if entities is None:
        entities = find_pii(text, language)
    if not entities:
        return text
    from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

    results = [RecognizerResult(e.entity_type, e.start, e.end, e.score) for e in entities]
    masked = _get_anonymizer().anonymize(
        text=text, analyzer_results=results, operators={"DEFAULT": OperatorConfig("replace")}
    )
    return masked.text
