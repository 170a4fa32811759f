"""Language: detection of one message, and the decision which language to answer in, as a table."""
import pytest

from bot.language import Decision, Detection, decide, detect, detect_all

SENTENCES = {
    "nl": "mag de politie zomaar mijn huis binnenkomen?",
    "en": "do I have to show my passport to the police?",
    "es": "tengo que tener un seguro médico en holanda?",
    "pl": "czy muszę pokazać dowód podczas kontroli?",
    "ro": "trebuie să am asigurare medicală în olanda?",
}
# Written without diacritics, full of Dutch terms and names: lingua alone got these wrong.
HARD = {
    "ro": ["unde pot face un test", "nu am acte", "esti robot?", "ce este CoMensha"],
    "nl": ["wat is PROUD"],
    "es": ["qué es PROUD"],
    "pl": ["co to jest CoMensha", "czy potrzebuje zorgverzekering jak pracuje w NL?"],
}
WORDS = {"en": {"nl": ["dutch"], "en": ["english"], "pl": ["polish"]},
         "pl": {"pl": ["polski", "polsku"], "en": ["angielski", "angielsku"]}}


@pytest.fixture(scope="module")
def classifier(model):
    from bot.nlu.language_id import LanguageId

    found = LanguageId.from_model(model)
    assert found is not None, "the trained model stores the language classifier"
    return found


@pytest.mark.parametrize("lang,text", SENTENCES.items())
def test_sentences_are_detected(classifier, lang, text):
    assert detect(text, classifier).language == lang


@pytest.mark.parametrize("lang,text", [(lang, t) for lang, texts in HARD.items() for t in texts])
def test_short_diacritic_free_and_named_messages_get_the_right_guess(classifier, lang, text):
    assert detect(text, classifier).guess == lang


@pytest.mark.parametrize("text", ["ok", "okkk", "112", "👍", "", "   ", "?!"])
def test_messages_without_a_language_signal_have_no_guess(classifier, text):
    found = detect(text, classifier)
    assert found.language is None and found.guess is None


@pytest.mark.parametrize("text,code", [
    ("Ich brauche Hilfe mit meiner Krankenversicherung in den Niederlanden", "de"),
    ("olá, preciso de ajuda com o seguro de saúde aqui na holanda", "pt"),
    ("potřebuju pomoc, policie mi vzala pas a nevím co dělat", "cs"),
    ("мне нужна помощь с медицинской страховкой", "ru"),
])
def test_a_clear_other_language_is_unsupported(classifier, text, code):
    found = detect(text, classifier)
    assert found.language is None and found.unsupported == code


@pytest.mark.parametrize("text", ["hi", "Hallo!", "hey hey", "helo", "heyyy", "Hiii!", "halloooo"])
def test_a_greeting_every_language_uses_is_a_guess_never_sure(classifier, text):
    found = detect(text, classifier)
    assert found.language is None and found.guess is not None
    assert decide(found, channel_hint="pl") == Decision("pl")              # the phone's language wins
    assert decide(found) == Decision(found.guess, sure=False)              # else a guess, with buttons


@pytest.mark.parametrize("text,parts", [
    ("i got an eviction letter because of my work, ce fac acum?", ("en", "ro")),
    ("i dont want to be alive anymore, ik kan niet meer", ("en", "nl")),
    ("mam 19 lat, po nowej ustawie nie bede mogla pracowac?", ("pl",)),     # "mam 19 lat" is not sure
    ("do I have to show my passport to the police?", ()),                    # one clause: not split
])
def test_mixed_messages_name_the_languages_of_their_clauses(classifier, text, parts):
    found = detect(text, classifier)
    assert found.parts == parts
    assert Detection.from_dict(found.as_dict()).parts == parts            # travels in the parse data


def test_training_detects_in_one_batch_exactly_as_one_by_one(classifier):
    """Training detects every training question with detect_all (one batched classifier call); the
    tokens and lemmas it picks depend on it, so it must say what detect says of each message."""
    texts = [t for group in HARD.values() for t in group] + list(SENTENCES.values()) + [
        "i got an eviction letter because of my work, ce fac acum?", "hi", "ok", "", "wat is PROUD",
        "olá, preciso de ajuda com o seguro de saúde aqui na holanda", "мне нужна помощь", "wat is PROUD"]
    assert detect_all(texts, classifier) == [detect(text, classifier) for text in texts]


def test_detection_from_malformed_parse_data_is_unknown():
    assert Detection.from_dict({"language": "xx", "confidence": "high"}).language is None
    assert Detection.from_dict(None).language is None


SURE_PL = Detection("pl", 0.95, 5, guess="pl")
SURE_RO = Detection("ro", 0.95, 5, guess="ro")
SHORT = Detection(None, 0.3, 1, guess="en")            # "ok"-like: a weak guess at most
GUESS_RO = Detection(None, 0.5, 3, guess="ro")         # a question, unsure
NOTHING = Detection(None, 0.0, 0)
GERMAN = Detection(None, 0.0, 9, unsupported="de")

# (current language, detection, text, button/entity, hint) -> decision
TABLE = [
    ("explicit button wins", "pl", SURE_PL, "/language", "en", None, Decision("en", requested="en")),
    ("typed request wins", "en", SURE_PL, "po polsku", None, None, Decision("pl", requested="pl")),
    ("sure sentence switches", "pl", SURE_RO, "...", None, None, Decision("ro")),
    ("a sure but not confident sentence keeps", "pl", Detection("ro", 0.75, 3, guess="ro"), "...", None, None,
     Decision("pl")),
    ("short message keeps", "pl", SHORT, "ok", None, None, Decision("pl")),
    ("a clause in the conversation's language keeps it", "ro", Detection("en", 0.95, 11, guess="en", parts=("en", "ro")),
     "...", None, None, Decision("ro")),
    ("a clause in a third language does not keep", "pl", Detection("en", 0.95, 11, guess="en", parts=("en", "ro")),
     "...", None, None, Decision("en")),
    ("a clause in the conversation's language, naming the other", "en",
     Detection("pl", 0.95, 9, guess="pl", parts=("en", "pl")),
     "what is the new law, explain it po polsku prosze", None, None, Decision("pl")),
    ("unsure message keeps", "pl", GUESS_RO, "...", None, None, Decision("pl")),
    ("other language, in conversation", "pl", GERMAN, "...", None, None, Decision("pl", unsupported="de")),
    ("other language, new", None, GERMAN, "...", None, None, Decision(None, unsupported="de")),
    ("new: sure detection", None, SURE_RO, "...", None, None, Decision("ro")),
    ("new: hint when unsure", None, GUESS_RO, "...", None, "es", Decision("es")),
    ("new: sure detection beats the hint", None, SURE_RO, "...", None, "es", Decision("ro")),
    ("new: best guess, with buttons", None, GUESS_RO, "...", None, None, Decision("ro", sure=False)),
    ("new: no signal asks", None, NOTHING, "👍", None, None, Decision(None, sure=False)),
]


# the country of a WhatsApp sender's number: (current, detection, text, hint, guess) -> decision
GUESSES = [
    ("new: the number's language beats an unsure guess, with buttons", None, SHORT, "hi", None, "pl",
     Decision("pl", sure=False)),
    ("new: a sure detection beats the number", None, SURE_RO, "...", None, "pl", Decision("ro")),
    ("new: the phone's app language beats the number", None, SHORT, "hi", "es", "pl", Decision("es")),
    ("new: a message with no words still asks", None, NOTHING, "👍", None, "pl", Decision(None, sure=False)),
    ("in conversation the number changes nothing", "en", SHORT, "ok", None, "pl", Decision("en")),
    ("a typed request beats the number", None, SHORT, "english", None, "pl", Decision("en", requested="en")),
]


@pytest.mark.parametrize("name,current,detection,text,hint,guess,expected", GUESSES, ids=[t[0] for t in GUESSES])
def test_decision_with_the_numbers_language(name, current, detection, text, hint, guess, expected):
    assert decide(detection, current=current, text=text, language_words=WORDS, channel_hint=hint,
                  channel_guess=guess) == expected


@pytest.mark.parametrize("name,current,detection,text,entity,hint,expected", TABLE, ids=[t[0] for t in TABLE])
def test_decision_table(name, current, detection, text, entity, hint, expected):
    assert decide(detection, current=current, text=text, language_words=WORDS, entity=entity,
                  is_payload=text.startswith("/"), channel_hint=hint) == expected
