"""The project's intent classifier (bot.nlu.linear_classifier) on a tiny fixture: train, persist,
load, predict, confidences in [0, 1]; the language classifier's "other" class likewise."""
from pathlib import Path

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.language_id import OTHER, LanguageId
from bot.nlu.linear_classifier import LinearIntentClassifier, capped
from bot.nlu.tokenizer import DETECTED_LANGUAGE

EXAMPLES = {
    "check_id": ["do i have to show my id", "must i show my passport to the police", "id card check police",
                 "moet ik mijn id laten zien", "czy muszę pokazać dowód", "trebuie sa arat buletinul"],
    "health_sti_test": ["where can i get an sti test", "free hiv test", "soa test ggd gratis",
                        "gdzie zrobić test na choroby", "unde fac test hiv", "prueba de its gratis"],
    "greet": ["hello", "hi there", "hoi", "hola", "cześć", "buna ziua"],
}


def training_data() -> TrainingData:
    return TrainingData([Message(data={"text": text, "intent": intent})
                         for intent, texts in EXAMPLES.items() for text in texts])


def test_train_persist_load_and_predict_with_confidences(tmp_path: Path):
    storage = LocalModelStorage(tmp_path)
    resource = Resource("linear")
    context = ExecutionContext(graph_schema=None, model_id="test")  # type: ignore[arg-type]
    config = LinearIntentClassifier.get_default_config()
    trained = LinearIntentClassifier.create(config, storage, resource, context)
    trained.train(training_data())

    loaded = LinearIntentClassifier.load(config, storage, resource, context)
    messages = [Message(data={"text": t}) for t in ("do I need to show ID to the police?", "hiv test free where")]
    loaded.process(messages)
    for message, expected in zip(messages, ("check_id", "health_sti_test")):
        intent, ranking = message.get("intent"), message.get("intent_ranking")
        assert intent["name"] == expected
        confidences = [r["confidence"] for r in ranking]
        assert all(0.0 <= c <= 1.0 for c in confidences) and abs(sum(confidences) - 1.0) < 1e-6
        assert confidences == sorted(confidences, reverse=True) and intent == ranking[0]


def test_capped_keeps_at_most_the_limit_per_answer_and_language_in_order():
    def example(intent: str, lang: str, i: int) -> Message:
        return Message(data={"text": f"{intent} {lang} {i}", "intent": intent, DETECTED_LANGUAGE: {"language": lang}})

    examples = ([example("big", "nl", i) for i in range(10)] + [example("big", "en", i) for i in range(3)]
                + [example("small", "nl", i) for i in range(2)])
    kept = capped(examples, 4, seed=42)
    def count(intent: str, lang: str) -> int:
        return sum(m.get("intent") == intent and m.get(DETECTED_LANGUAGE)["language"] == lang for m in kept)

    assert (count("big", "nl"), count("big", "en"), count("small", "nl")) == (4, 3, 2)
    assert [examples.index(m) for m in kept] == sorted(examples.index(m) for m in kept)   # original order
    assert [m.get("text") for m in capped(examples, 4, seed=42)] == [m.get("text") for m in kept]   # seeded


def test_an_untrained_classifier_leaves_messages_alone(tmp_path: Path):
    storage = LocalModelStorage(tmp_path)
    loaded = LinearIntentClassifier.load(LinearIntentClassifier.get_default_config(), storage, Resource("none"),
                                         ExecutionContext(graph_schema=None, model_id="test"))  # type: ignore[arg-type]
    message = Message(data={"text": "hello"})
    loaded.process([message])
    assert message.get("intent") is None


def test_language_classifier_knows_the_five_and_other(tmp_path: Path):
    pairs = [("do i have to show my id to the police", "en"), ("where is a free std test", "en"),
             ("moet ik mijn paspoort laten zien", "nl"), ("waar kan ik een soa test doen", "nl"),
             ("preciso mostrar meu documento a policia", OTHER), ("onde posso fazer um teste gratis", OTHER)] * 3
    model = LanguageId.train(pairs)
    model.save(tmp_path)
    loaded = LanguageId.load(tmp_path)
    probabilities = loaded.probabilities("moet ik een test doen")
    assert max(probabilities, key=probabilities.get) == "nl"
    assert set(probabilities) == {"en", "nl", OTHER} and np.isclose(sum(probabilities.values()), 1.0)
    assert max(loaded.probabilities("preciso de um teste"), key=lambda k: loaded.probabilities("preciso de um teste")[k]) == OTHER


def test_texts_several_languages_claim_teach_no_language():
    from bot.nlu.language_id import own_language

    kept = own_language([("hola", "es"), ("hola", "nl"), ("zorgverzekering", "pl"), ("qué tal", "es")])
    assert kept == [("qué tal", "es")]


def test_a_text_one_language_shares_with_other_languages_belongs_to_that_language():
    from bot.nlu.language_id import OTHER, own_language

    kept = own_language([("Servus", OTHER), ("servus", "ro"), ("Olá", OTHER), ("hallo", "nl"), ("hallo", "en"),
                         ("Hallo", OTHER)])
    assert kept == [("servus", "ro"), ("Olá", OTHER)]


@pytest.mark.parametrize("text", ["", "   "])
def test_empty_text_has_no_language_probabilities(text):
    model = LanguageId.train([("hello there", "en"), ("hoi daar", "nl")] * 3)
    assert model.probabilities(text) == {}
