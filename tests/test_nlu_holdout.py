"""Understanding, measured on held-out questions (tests/nlu/<lang>.yml, never trained on).

The floor is deliberately below the measured accuracy (reported in docs/nlu-evaluation.md) so the
test catches regressions, not noise. Reply language is checked on the same messages.
"""
import pytest

from bot.config import LANGUAGES
from bot.language import Detection, conversation_language
from bench.holdout import examples
from tests.conftest import parse_all

INTENT_FLOOR = 0.85
LANGUAGE_FLOOR = 0.97


@pytest.fixture(scope="module")
def results(agent):
    found = {}
    for lang in LANGUAGES:
        pairs = examples(lang)
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
def test_reply_language_stays_right_on_held_out_questions(results, lang):
    """In a conversation in `lang`, each question keeps the answer in `lang`.

    Requests for another language are left out: switching is what they should do.
    """
    rows = [(text, p) for intent, text, p in results[lang] if intent != "language"]
    wrong = [text for text, p in rows
             if conversation_language(lang, Detection.from_dict(p["detected_language"])) != lang]
    assert 1 - len(wrong) / len(rows) >= LANGUAGE_FLOOR, f"{lang}: {wrong[:10]}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_first_message_never_gets_the_wrong_language(results, lang):
    """As a first message, a question is answered in `lang` or the language choice is offered."""
    rows = [(text, p) for intent, text, p in results[lang] if intent != "language"]
    wrong = [text for text, p in rows
             if conversation_language(None, Detection.from_dict(p["detected_language"])) not in (lang, None)]
    assert 1 - len(wrong) / len(rows) >= LANGUAGE_FLOOR, f"{lang}: {wrong[:10]}"
