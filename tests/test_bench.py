"""The benchmark suite's code works, on tiny fixtures. Its numbers are in docs/benchmarks.md;
nothing here is timed."""
import asyncio
import collections
import json
import shutil
from pathlib import Path

import pytest
import yaml

from bench import crossval, greeting_bound, neighbours, reply_language, report, scaling, speed
from bench.folds import assign_folds, split, training_examples
from bench.systems import LanguageRouter, rasa_init_config, rasa_system
from bot import knowledge
from bot.config import LANGUAGES
from bot.paths import CONFIG, ROOT

TINY_INTENTS = ("greet", "thanks", "check_id")


@pytest.fixture(scope="module")
def tiny():
    """Five examples each of three answers in Dutch and English, from the real training data."""
    counts = collections.Counter()
    picked = []
    for example in training_examples(langs=("nl", "en")):
        key = (example.lang, example.intent)
        if example.intent in TINY_INTENTS and counts[key] < 5:
            counts[key] += 1
            picked.append(example)
    return picked


def test_folds_are_stratified_and_repeatable():
    examples = training_examples()
    fold_of = assign_folds(examples, 5)
    assert fold_of == assign_folds(examples, 5)
    per_group = collections.defaultdict(collections.Counter)
    for example, fold in zip(examples, fold_of):
        per_group[(example.lang, example.intent)][fold] += 1
    for group, folds in per_group.items():
        sizes = [folds[f] for f in range(5)]
        assert max(sizes) - min(sizes) <= 1, (group, sizes)
    train, test = split(examples, fold_of, 2)
    assert len(train) + len(test) == len(examples) and not set(map(id, train)) & set(map(id, test))


def test_crossval_scores_each_language_and_reuses_cached_folds(tiny, tmp_path):
    summary = crossval.run(["tfidf_nn"], k=5, examples=tiny, cache=tmp_path)
    result = summary["systems"]["tfidf_nn"]
    assert result["folds"] == [0, 1, 2, 3, 4]
    assert {lang: s["n"] for lang, s in result["per_language"].items()} == {"nl": 15, "en": 15}
    for s in result["per_language"].values():
        assert 0 <= s["accuracy"] <= 1 and 0 <= s["macro_f1"] <= 1
        assert s["accuracy"] + s["fallback"] + s["wrong_answer"] == pytest.approx(1)

    cached = sorted(tmp_path.glob("tfidf_nn-fold*.json"))
    assert len(cached) == 5
    marked = json.loads(cached[0].read_text())
    marked["train_seconds"] = 12345
    cached[0].write_text(json.dumps(marked))
    again = crossval.run(["tfidf_nn"], k=5, examples=tiny, cache=tmp_path, limits={"tfidf_nn": 5})
    assert 12345 in again["systems"]["tfidf_nn"]["train_seconds"]   # read back, not recomputed


def test_neighbours_compares_the_old_answers_with_and_without_the_added_ones_on_the_same_folds(tiny, tmp_path):
    result = neighbours.measure(added=("thanks",), k=5, examples=tiny, system="tfidf_nn", cache=tmp_path)
    assert set(result["per_answer"]) == {"greet", "check_id"}          # the added answer is not scored
    assert all(r["n"] == 10 for r in result["per_answer"].values())    # every old question, in both runs
    assert set(result["per_language"]) == {"nl", "en"}
    for r in [*result["per_answer"].values(), *result["per_language"].values()]:
        assert 0 <= r["with"] <= 1 and 0 <= r["without"] <= 1
    full = assign_folds(tiny, 5)
    without = json.loads(next(p for p in tmp_path.glob("tfidf_nn-fold0-*.json")
                              if len(json.loads(p.read_text())["rows"]) < 6).read_text())
    assert {row[1] for row in without["rows"]} <= {"greet", "check_id"}
    kept_in_fold0 = [e for e, f in zip(tiny, full) if f == 0 and e.intent != "thanks"]
    assert len(without["rows"]) == len(kept_in_fold0)                 # the same fold as in the full run


def tiny_safety_data(folder: Path) -> Path:
    """Five messages of each kind from data/safety/en.yml, in a folder of their own."""
    full = yaml.safe_load((ROOT / "data" / "safety" / "en.yml").read_text(encoding="utf-8"))
    folder.mkdir()
    (folder / "en.yml").write_text(yaml.safe_dump({key: messages[:5] for key, messages in full.items()
                                                   if isinstance(messages, list)}), encoding="utf-8")
    return folder


def test_rasa_system_trains_and_predicts_on_a_tiny_fixture(tiny, tmp_path):
    config = yaml.safe_load(CONFIG.read_text())
    for component in config["pipeline"]:
        if component["name"] == "DIETClassifier":
            component["epochs"] = 1
        if component["name"].endswith("SafetyClassifier"):
            # a tiny safety set too: data/safety's tens of thousands of messages cost two minutes
            # here and say nothing about the intents this test predicts
            component["safety_data"] = str(tiny_safety_data(tmp_path / "safety"))
    path = tmp_path / "config.yml"
    path.write_text(yaml.safe_dump(config))
    trained = rasa_system(lambda: path)(tiny, tmp_path / "work")
    texts = ["hello", "bedankt", "moet ik mijn ID laten zien?"]
    # the project's pipeline learns even from five examples per intent and language
    assert trained.predictor.predict(texts) == ["greet", "thanks", "check_id"]
    ranked = trained.predictor.ranked(texts)
    assert [best for _, best, _ in ranked] == ["greet", "thanks", "check_id"]
    assert all(0.0 < confidence <= 1.0 for _, _, confidence in ranked)
    assert trained.seconds > 0


def test_rasa_default_baseline_is_the_config_rasa_init_writes():
    import rasa.cli

    shipped = Path(rasa.cli.__file__).parent / "initial_project" / "config.yml"
    assert rasa_init_config() == shipped and shipped.is_file()
    config = yaml.safe_load(shipped.read_text())
    # `pipeline: null` is what makes Rasa fill in its default pipeline (DIET with transformer layers)
    assert config["recipe"] == "default.v1" and config["pipeline"] is None and config["language"] == "en"
    assert config["assistant_id"] == "placeholder_default"     # as shipped: training never writes into it
    from bench.systems import SYSTEMS, config_text

    assert config_text(SYSTEMS["rasa_default"]) == shipped.read_text()


def test_language_router_sends_each_message_to_its_language_model():
    class Echo:
        def __init__(self, lang):
            self.lang = lang

        def predict(self, texts):
            return [self.lang] * len(texts)

    router = LanguageRouter({lang: Echo(lang) for lang in LANGUAGES})
    texts = ["Moet ik mijn identiteitsbewijs laten zien aan de politie?",
             "Do I have to show my passport to the police officers?",
             "¿Tengo que enseñar mi pasaporte a la policía?"]
    assert router.predict(texts) == ["nl", "en", "es"]


def test_speed_level_and_memory_of_the_running_assistant(assistant):
    result = asyncio.run(speed.level(assistant.webhook, concurrency=4, total=12))
    assert result["messages"] == 12 and result["errors"] == 0
    assert result["p50_ms"] <= result["p95_ms"] <= result["p99_ms"]
    used = speed.memory()
    assert used["rasa_mb"] > 0 and used["actions_mb"] > 0


def test_parts_cost_the_trained_language_classifier_and_the_safety_lists(model):
    cost = speed.parts(model)
    assert cost["messages"] > 1000
    for step in ("language_classifier", "language_detection", "safety_lists"):
        assert 0 < cost[step]["p50_ms"] <= cost[step]["p95_ms"]


def test_reply_language_takes_each_blind_kind_from_its_newest_round():
    # later rounds brought only some kinds (round 3: new-answer questions; rounds 4-5 no general
    # questions): each kind comes from the newest round that has it
    found = reply_language.newest_rounds("en")
    assert found["questions"] == "round2"
    assert set(found) - {reply_language.OWN_GREETINGS} == set(reply_language.BLIND_KINDS)
    # greetings in the writer's language only beside the greetings they come from (when labelled)
    assert found.get(reply_language.OWN_GREETINGS, found["greetings"]) == found["greetings"]
    order = reply_language.rounds()
    assert order.index("round10") == order.index("round9") + 1   # by number, not by spelling
    for kind, newest in found.items():
        assert reply_language.blind_sets("en", newest)[kind]
        assert not any(reply_language.blind_sets("en", later).get(kind)
                       for later in order[order.index(newest) + 1:])
    sets = reply_language.message_sets("en", None)
    assert sets["blind greetings"] == reply_language.blind_sets("en", found["greetings"])["greetings"]


def test_greetings_in_the_writers_language_leave_out_shared_words_and_other_languages():
    labels = reply_language.greeting_languages()
    sets = reply_language.blind_sets("pl", "round35")
    own = sets[reply_language.OWN_GREETINGS]
    assert own and set(own) < set(sets["greetings"])
    assert all(labels[g] == "pl" for g in own)
    left_out = set(sets["greetings"]) - set(own)
    assert {"hi", "hello"} <= left_out and all(labels[g] != "pl" for g in left_out)
    assert reply_language.OWN_GREETINGS not in reply_language.blind_sets("pl", "round30")   # not labelled


def test_reply_language_kinds_add_up(model):
    measured = reply_language.measure(("es",), round_name="round1", model=model)
    assert set(measured["languages"]) == {"blind questions", "blind greetings", "blind named", "blind new_answers",
                                          "held-out questions", "short", "code-mixed"}
    for kind in measured["languages"].values():
        s = kind["es"]
        assert s["n"] > 0
        assert s["new_conversation"] + s["new_conversation_asked"] + s["new_conversation_wrong"] == pytest.approx(1)
    assert "pt" in measured["other"] and 0 <= measured["other"]["pt"]["recognised"] <= 1


def test_reply_language_counts_a_short_request_for_a_language_as_the_assistant_does(model):
    from bot.nlu.language_id import LanguageId

    classifier = LanguageId.from_model(model)
    asked = ["hi, polish ok?"]   # detected as English; names Polish
    with_names = reply_language.score("pl", asked, classifier, knowledge.load().language_words)
    assert with_names["in_conversation"] == 1 and with_names["new_conversation"] == 1
    assert reply_language.score("pl", asked, classifier)["new_conversation"] == 0   # detection alone
    longer = ["hello there, can we please talk in polish"]   # past the short-request words: the NLU decides
    words = knowledge.load().language_words
    assert reply_language.score("pl", longer, classifier, words, asks=[True])["new_conversation"] == 1
    assert reply_language.score("pl", longer, classifier, words, asks=[False])["new_conversation"] == 0


def test_synthetic_answers_pass_the_content_checks(tmp_path):
    for name in scaling.COPIED:
        source = ROOT / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, tmp_path / name)
    ids = scaling.add_synthetic_answers(tmp_path, 60)
    loaded = knowledge.load(tmp_path / "locales")
    assert scaling.answer_count(tmp_path / "locales") == 60
    assert all(set(ids) <= set(loaded.answers[lang]) for lang in LANGUAGES)
    assert set(ids) <= set(yaml.safe_load((tmp_path / "domain.yml").read_text())["intents"])
    for lang in LANGUAGES:
        nlu = yaml.safe_load((tmp_path / "data" / "nlu" / lang / "synthetic.yml").read_text())["nlu"]
        assert [block["intent"] for block in nlu] == ids
        assert all(block["examples"].count("\n- ") == len(scaling.templates(lang)) - 1 for block in nlu)


def test_report_states_missed_targets_and_writes_its_plots(tiny, tmp_path, model):
    cv = crossval.run(["tfidf_nn"], k=5, examples=tiny, cache=tmp_path / "cache")
    partial = crossval.run(["tfidf_nn"], k=5, examples=tiny, cache=tmp_path / "cache", limits={"tfidf_nn": 1})
    cv["systems"]["project"] = partial["systems"]["tfidf_nn"]
    skipped = crossval.run(["tfidf_nn"], k=5, examples=tiny, cache=tmp_path / "cache", limits={"tfidf_nn": 0})
    cv["systems"]["rasa_default"] = skipped["systems"]["tfidf_nn"]
    levels = [{"concurrency": c, "messages": 10, "errors": 0, "seconds": 1, "throughput": 40.0,
               "p50_ms": 30.0 * c, "p95_ms": 50.0 * c, "p99_ms": 60.0 * c} for c in (1, 8, 32)]
    run = {"levels": levels, "rasa_mb": 900, "actions_mb": 200,
           "growth": [{"turns": "1-10", "median_ms": 20.0}, {"turns": "291-300", "median_ms": 40.0}]}
    results = {
        "machine": {"date": "2026-11-23", "cpus": 2, "python": "3.10", "rasa": "3.6.21"},
        "crossval": cv,
        "reply_language": reply_language.measure(("en",), round_name="round1", model=model),
        "safety": {"round": "round9", "assistant": {lang: {c: {"n": 40, "right": 38, "rate": 0.95}
                                                           for c in ("danger", "crisis", "sexual_violence",
                                                                     "trafficking", "calm")}
                                                    for lang in ("en", "pl")}},
        "speed": {"project": {**run, "parts": {"messages": 9, "language_classifier": {"p50_ms": 0.4, "p95_ms": 0.9},
                                                "language_detection": {"p50_ms": 1.2, "p95_ms": 2.0},
                                                "safety_lists": {"p50_ms": 2.5, "p95_ms": 6.0}}},
                  "stock_rasa": run},
        "training": {"seconds": 200, "live_edit": {"edits": 3, "median_s": 0.5, "max_s": 0.9}},
        "scaling": [{"answers": n, "train_seconds": 100, "model_mb": 60, **run} for n in (46, 150)],
    }
    page = report.render(results, tmp_path / "img")
    assert "| p50 latency at concurrency 1, actions included | ≤ 12 ms | 30.0 ms | **no** |" in page
    assert "| full training | ≤ 90 s | 200.0 s | **no** |" in page
    assert "| safety: recall of each category, every language (newest blind round) | ≥ 97 % | 95.0 % | **no** |" in page
    assert "| median at turn 300 / median at turn 10 of one conversation | ≤ 1.5 × | 2.0 × | **no** |" in page
    assert "| language detection per message, every classifier call (p50, in process) | ≤ 1 ms | 1.2 ms | **no** |" in page
    assert "| answer edit to served (max) | ≤ 2 s | 0.9 s | yes |" in page
    assert "| language classifier | 0.40 ms | 0.90 ms |" in page
    assert "| safety phrase lists | 2.50 ms | 6.00 ms |" in page
    assert "folds run | 5 of 5 | 1 of 5 | 0 of 5 |" in page
    assert "Not run in this run: rasa_default" in page
    for link in ("img/bench-accuracy.png", "img/bench-concurrency.png", "img/bench-scaling.png", "img/bench-sweep.png"):
        assert f"]({link})" in page
        assert (tmp_path / link).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_greeting_bound_gives_each_shared_text_one_language():
    # "hi" came from two English writers and one Romanian: one language gets all three copies
    best = greeting_bound.best_rule({"en": ["hi", "hi", "hello there"], "ro": ["hi", "salut"]})
    assert best == {"en": 1.0, "ro": 0.5}
    # whichever language "hallo" goes to, the other writer loses it
    assert min(greeting_bound.best_rule({"nl": ["hallo", "goedemorgen"], "pl": ["hallo", "dzien dobry"]}).values()) == 0.5
