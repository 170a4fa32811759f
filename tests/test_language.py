"""Language detection and the stickiness rules of the conversation language."""
import pytest

from bot.language import Detection, conversation_language, detect

SENTENCES = {
    "nl": "mag de politie zomaar mijn huis binnenkomen?",
    "en": "do I have to show my passport to the police?",
    "es": "tengo que tener un seguro médico en holanda?",
    "pl": "czy muszę pokazać dowód podczas kontroli?",
    "ro": "trebuie să am asigurare medicală în olanda?",
}


@pytest.mark.parametrize("lang,text", SENTENCES.items())
def test_sentences_are_detected(lang, text):
    assert detect(text).language == lang


@pytest.mark.parametrize("text", ["ok", "hi", "112", "👍", "", "   ", "?!"])
def test_short_or_symbol_messages_are_ambiguous(text):
    assert detect(text).language is None


def test_dutch_term_inside_polish_sentence_stays_polish():
    assert detect("czy potrzebuję zorgverzekering jak pracuję w NL?").language == "pl"


def test_language_outside_the_five_is_recognised_as_unsupported():
    found = detect("Ich brauche Hilfe mit meiner Krankenversicherung in den Niederlanden")
    assert found.language is None and found.unsupported == "de"


def test_short_message_keeps_the_conversation_language():
    for text in ["ok", "hi", "112", "zorgverzekering?"]:
        assert conversation_language("pl", detect(text)) == "pl"


def test_clear_sentence_switches_the_conversation_language():
    assert conversation_language("pl", detect(SENTENCES["ro"])) == "ro"


def test_explicit_request_always_wins():
    assert conversation_language("pl", detect(SENTENCES["pl"]), requested="en") == "en"


def test_new_conversation_uses_channel_hint_only_when_message_is_unclear():
    assert conversation_language(None, detect("ok"), channel_hint="es") == "es"
    assert conversation_language(None, detect(SENTENCES["nl"]), channel_hint="es") == "nl"
    assert conversation_language(None, detect("ok")) is None


def test_detection_from_malformed_parse_data_is_unknown():
    assert Detection.from_dict({"language": "xx", "confidence": "high"}).language is None
    assert Detection.from_dict(None).language is None
