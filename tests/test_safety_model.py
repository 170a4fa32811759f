"""The safety model (bot.nlu.safety_classifier) on a tiny fixture, and the thresholds that turn its
probabilities into helplines (bot.safety.model_categories)."""
from pathlib import Path

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.safety_classifier import SAFETY_SCORES, SafetyClassifier, data_examples
from bot.safety import model_categories
from bot.text import fold

NLU = {
    "emergency": ["help he is hitting me", "he has a knife, come quick", "ratunku on mnie bije"],
    "crisis_suicide": ["i want to die", "ik wil niet meer leven", "vreau sa mor"],
    "check_id": ["do i have to show my id", "moet ik mijn id laten zien", "trebuie sa arat buletinul"],
}
SAFETY_YML = """
language: en
trafficking:
  - "he keeps my passport and all my money"
  - "they took my papers and i owe them for the flight"
  - "my boss keeps my passport"
calm:
  - "this tax form is killing me"
  - "dying to know how much a window costs"
  - "what is the law about trafficking"
ignored: ["not a category: never read"]
"""


def test_data_examples_reads_categories_and_calm_only(tmp_path: Path):
    (tmp_path / "en.yml").write_text(SAFETY_YML, encoding="utf-8")
    pairs = data_examples(tmp_path, ["danger", "trafficking"])
    assert ("he keeps my passport and all my money", "trafficking") in pairs
    assert ("this tax form is killing me", "none") in pairs
    assert all(text != "not a category: never read" for text, _ in pairs) and len(pairs) == 6


def test_train_persist_load_and_score(tmp_path: Path):
    (tmp_path / "safety").mkdir()
    (tmp_path / "safety" / "en.yml").write_text(SAFETY_YML, encoding="utf-8")
    (tmp_path / "model").mkdir()
    storage = LocalModelStorage(tmp_path / "model")
    resource = Resource("safety")
    context = ExecutionContext(graph_schema=None, model_id="test")  # type: ignore[arg-type]
    config = {**SafetyClassifier.get_default_config(), "safety_data": str(tmp_path / "safety")}
    SafetyClassifier.create(config, storage, resource, context).train(TrainingData(
        [Message(data={"text": t, "intent": i}) for i, texts in NLU.items() for t in texts]))

    loaded = SafetyClassifier.load(config, storage, resource, context)
    messages = [Message(data={"text": t}) for t in ("he took my passport and money", "i want to die", "show my id?")]
    loaded.process(messages)
    scores = [m.get(SAFETY_SCORES) for m in messages]
    assert all(set(s) == {"danger", "crisis", "trafficking"} for s in scores)   # no "none", no unseen class
    assert all(0.0 <= p <= 1.0 for s in scores for p in s.values())
    assert max(scores[0], key=scores[0].get) == "trafficking"
    assert max(scores[1], key=scores[1].get) == "crisis"
    assert sum(scores[2].values()) < sum(scores[1].values())
    # the fast path gives scikit-learn's own probabilities
    texts = ["he took my passport and money", "i want to die", "show my id?"]
    assert np.allclose(loaded.model.probabilities(texts), loaded.model.pipeline.predict_proba([fold(t) for t in texts]))


# scores -> categories, with single 0.4, any 0.7, second 0.25
TABLE = [
    ("one clear category", {"crisis": 0.6, "danger": 0.1}, {"crisis"}),
    ("two clear categories", {"danger": 0.45, "sexual_violence": 0.42}, {"danger", "sexual_violence"}),
    ("unclear which, but clearly one: the likely ones", {"danger": 0.28, "trafficking": 0.3, "crisis": 0.15},
     {"danger", "trafficking"}),
    ("nothing likely", {"danger": 0.2, "trafficking": 0.2, "crisis": 0.1}, set()),
    ("no scores", {}, set()),
]


@pytest.mark.parametrize("name,scores,expected", TABLE, ids=[t[0] for t in TABLE])
def test_model_categories_table(name, scores, expected):
    assert model_categories(scores, 0.4, 0.7, 0.25) == expected
