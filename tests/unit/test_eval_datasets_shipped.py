"""The shipped eval datasets: well-formed, broad, and apart from the NLU training data."""

from __future__ import annotations

from collections import Counter
from importlib import resources
from pathlib import Path

import pytest

from invekto.evals.dataset import DEFAULT_AT, load
from invekto.evals.overlap import near_copies
from invekto.nlu.taxonomy import INTENTS

DATASETS = Path(str(resources.files("invekto.evals").joinpath("datasets")))


@pytest.fixture(scope="module")
def cases():
    return load(DATASETS)


def _expected(cases, field):
    return Counter(
        getattr(turn.expect, field)
        for case in cases
        for turn in case.turns
        if getattr(turn.expect, field) is not None
    )


def test_at_least_200_cases_in_every_language(cases):
    languages = Counter(case.language for case in cases)

    assert len(cases) >= 200
    assert languages["tr"] >= 120 and languages["en"] >= 40 and languages["ar"] >= 10


def test_every_intent_and_built_agent_is_expected_somewhere(cases):
    intents, agents = _expected(cases, "intent"), _expected(cases, "agent")

    assert set(INTENTS) <= set(intents), set(INTENTS) - set(intents)
    assert {"support", "returns", "b2b", "clinic", "none"} <= set(agents)
    assert _expected(cases, "outcome").keys() == {"auto_reply", "suggestion", "handoff"}


def test_the_slices_the_release_depends_on_are_there(cases):
    tenants = Counter(case.tenant for case in cases)
    tags = Counter(tag for case in cases for tag in case.tags)

    assert sum(len(case.turns) > 1 for case in cases) >= 50
    assert tenants["demo-clinic"] >= 10 and tenants["demo-copilot"] >= 5
    assert sum(case.at != DEFAULT_AT for case in cases) >= 4  # outside business hours
    assert sum(case.customer_phone is None for case in cases) >= 20
    assert tags["adversarial"] >= 15


def test_no_case_quotes_or_paraphrases_the_nlu_examples(cases):
    copies = near_copies(cases)

    assert not copies, "\n".join(
        f"{c.case}: {c.text!r} ~ {c.intent} example {c.example!r} ({c.similarity})" for c in copies
    )
