"""Understanding, measured on held-out questions (tests/nlu/<lang>.yml, never trained on).

The floor is deliberately below the measured accuracy (reported in docs/nlu-evaluation.md) so the
test catches regressions, not noise. Reply language is checked on the same messages.
"""
import pytest

from bot.config import LANGUAGES
from tests.conftest import TESTS, load_examples, parse_all

INTENT_FLOOR = 0.85
LANGUAGE_FLOOR = 0.97


@pytest.fixture(scope="module")
def results(agent):
    found = {}
    for lang in LANGUAGES:
        examples = load_examples(TESTS / "nlu" / f"{lang}.yml")
        pairs = [(intent, text) for intent, texts in examples.items() for text in texts]
        parsed = parse_all(agent, [text for _, text in pairs])
        found[lang] = [(intent, text, p) for (intent, text), p in zip(pairs, parsed)]
    return found


@pytest.mark.parametrize("lang", LANGUAGES)
def test_held_out_intent_accuracy(results, lang):
    rows = results[lang]
    assert len(rows) >= 200
    wrong = [(intent, p["intent"]["name"], text) for intent, text, p in rows if p["intent"]["name"] != intent]
    accuracy = 1 - len(wrong) / len(rows)
    assert accuracy >= INTENT_FLOOR, f"{lang}: {accuracy:.1%}; first misses: {wrong[:10]}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_held_out_language_detection_never_picks_another_language(results, lang):
    """A detected language, when there is one, must be the right one (unclear is allowed)."""
    rows = results[lang]
    detected = [p["detected_language"]["language"] for _, _, p in rows]
    wrong = [(d, text) for d, (_, text, _) in zip(detected, rows) if d not in (None, lang)]
    assert 1 - len(wrong) / len(rows) >= LANGUAGE_FLOOR, f"{lang}: {wrong[:10]}"
