"""`python -m bot validate` catches each class of content error, always in a temporary copy."""
import re
import shutil
import subprocess
import sys
import time

import pytest

from bot import knowledge, review
from bot.paths import LOCALES, ROOT


@pytest.fixture()
def copy(tmp_path):
    target = tmp_path / "locales"
    shutil.copytree(LOCALES, target)
    return target


def edit(path, old, new, count=1):
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def problems(root) -> list[str]:
    with pytest.raises(knowledge.KnowledgeError) as err:
        knowledge.load(root)
    return [str(p) for p in err.value.problems]


def first_answer_block(path) -> tuple[str, str]:
    """(id, the text line) of the first answer in an answers.yml."""
    lines = path.read_text(encoding="utf-8").splitlines()
    first = next(line for line in lines if line and not line.startswith((" ", "#")))
    return first.rstrip(":"), first


def test_real_files_are_clean():
    result = subprocess.run([sys.executable, "-m", "bot", "validate"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_missing_translation(copy):
    path = copy / "pl" / "answers.yml"
    answer_id, _ = first_answer_block(path)
    edit(path, f"\n{answer_id}:", f"\nrenamed_{answer_id}:")
    found = problems(copy)
    assert any("locales/pl/answers.yml:1: missing translation" in p and answer_id in p for p in found)
    assert any("is not in locales/answers.yml" in p for p in found)


def test_unknown_contact_key_and_field(copy):
    edit(copy / "en" / "answers.yml", "{emergency_112.phone}", "{emergency_113.phone}")
    edit(copy / "nl" / "answers.yml", "{proud.url}", "{proud.phone}")
    found = problems(copy)
    assert any(p.startswith("locales/en/answers.yml:") and "unknown contact key 'emergency_113'" in p for p in found)
    assert any(p.startswith("locales/nl/answers.yml:") and "no confirmed 'phone'" in p for p in found)


def test_placeholders_that_differ_between_languages(copy):
    edit(copy / "es" / "answers.yml", "{emergency_112.phone}", "112")
    assert any("locales/es/answers.yml" in p and "differ from English" in p for p in problems(copy))


def test_text_over_channel_limits(copy):
    path = copy / "ro" / "answers.yml"
    answer_id, _ = first_answer_block(path)
    edit(path, "  title:", "  title: A title that is far too long for a button\n  old_title:")
    edit(path, "  text: ", "  text: " + "x" * 700 + " ", 1)
    found = problems(copy)
    assert any("button title limit of 20" in p for p in found)
    assert any(f"text of {answer_id!r} is" in p and "limit of 600" in p for p in found)


def test_content_lint_warns_about_long_sentences_and_missing_hedges(copy):
    from bot import knowledge, lint

    path = copy / "en" / "answers.yml"
    long_sentence = " ".join(["word"] * 30) + "."
    edit(path, "    Your home has special protection in the law.", "    " + long_sentence)
    edit(path, "Normally, officials may only come in", "Officials may only come in")
    # only "normally" counts as a hedge here, so the test does not depend on the rest of the wording
    path = copy / "en" / "language.yml"
    path.write_text(re.sub(r"(?m)^hedges: .*$", "hedges: [normally]", path.read_text(encoding="utf-8")), encoding="utf-8")
    warnings = [str(w) for w in lint.lint(knowledge.load(copy), copy)]
    assert any("check_home: a sentence of 30 words" in w for w in warnings)
    assert any("check_home is marked careful" in w and "no hedging word" in w for w in warnings)
    assert not any("check_id" in w for w in warnings)


def test_unknown_related_id_duplicate_id_and_no_sources(copy):
    path = copy / "answers.yml"
    edit(path, "related: [check_rights, check_id, check_home]", "related: [check_rights, check_nothing]")
    edit(path, "  check_id:\n", "  check_id:\n    topic: police_checks\n  check_id:\n")
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "  no_sources_here:\n    topic: help\n    related: []\n    sources: []\n", encoding="utf-8")
    found = problems(copy)
    assert any("unknown related id 'check_nothing'" in p for p in found)
    assert any("duplicate id 'check_id'" in p and p.startswith("locales/answers.yml:") for p in found)
    assert any("'no_sources_here' has no sources" in p for p in found)


def test_yaml_syntax_error_names_file_and_line(copy):
    path = copy / "nl" / "system.yml"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(3, "broken: [unclosed")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    found = problems(copy)
    assert any(p.startswith("locales/nl/system.yml:") and "YAML syntax error" in p for p in found)


def test_cli_exits_non_zero_and_prints_file_line(copy):
    edit(copy / "en" / "answers.yml", "{emergency_112.phone}", "{nobody.phone}")
    result = subprocess.run([sys.executable, "-m", "bot", "validate", "--locales", str(copy)],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 1
    assert "locales/en/answers.yml:" in result.stdout and "nobody" in result.stdout


def test_approve_edit_changed_since_review_cycle(copy):
    k = knowledge.load(copy)
    assert k.review_status("check_id", "pl") == review.UNREVIEWED
    review.record(copy, "pl", "check_id", k.answers["pl"]["check_id"], review.APPROVED, "SWAD reviewer")
    k = knowledge.load(copy)
    assert k.review_status("check_id", "pl") == review.APPROVED
    assert k.reviews["pl"]["check_id"].reviewer == "SWAD reviewer"
    edit(copy / "pl" / "answers.yml", k.answers["pl"]["check_id"]["text"][:30],
         "Uwaga: " + k.answers["pl"]["check_id"]["text"][:30])
    k = knowledge.load(copy)
    assert k.review_status("check_id", "pl") == review.CHANGED
    strict = subprocess.run([sys.executable, "-m", "bot", "validate", "--strict", "--locales", str(copy)],
                            cwd=ROOT, capture_output=True, text=True)
    assert strict.returncode == 1 and "check_id: changed since review" in strict.stdout


def test_unreviewed_answer_becomes_a_referral_when_not_served(copy):
    from bot import replies

    served = replies.answer(knowledge.load(copy), "check_home", "en")
    assert "not yet been checked" in served.text
    k = knowledge.load(copy, serve_unreviewed=False)
    referral = replies.answer(k, "check_home", "en")
    assert referral.text == k.system_text("unreviewed", "en") and "112" in referral.text
    assert referral.buttons   # never a dead end
    review.record(copy, "en", "check_home", k.answers["en"]["check_home"], review.APPROVED, "SWAD")
    approved = replies.answer(knowledge.load(copy, serve_unreviewed=False), "check_home", "en")
    assert approved.text == k.answer_text("check_home", "en")


def test_live_edit_is_picked_up_and_a_broken_edit_keeps_the_last_good(copy, caplog):
    store = knowledge.KnowledgeStore(copy, check_interval=0.2)
    before = store.get().answers["en"]["check_id"]["text"]
    edit(copy / "en" / "answers.yml", before[:25], "EDITED " + before[:25])
    started = time.monotonic()
    while "EDITED" not in store.get().answers["en"]["check_id"]["text"]:
        assert time.monotonic() - started < 2, "edit not picked up within 2 s"
        time.sleep(0.05)
    good = store.get()
    (copy / "en" / "system.yml").write_text("greet: [broken\n", encoding="utf-8")
    time.sleep(0.3)
    assert store.get() is good
    assert any("locales/en/system.yml:" in r.getMessage() and "keeping the last good" in r.getMessage()
               for r in caplog.records)


# ---------------------------------------------------------------- languages (locales/<lang>/language.yml)

def test_a_language_folder_without_language_yml_is_named_with_the_fix(copy):
    shutil.copytree(copy / "en", copy / "de")
    (copy / "de" / "language.yml").unlink()
    found = problems(copy)
    assert any(p.startswith("locales/de/language.yml:1: file is missing") and "copy locales/en/language.yml" in p
               for p in found), found


@pytest.mark.parametrize("old,new,expected", [
    ("english_name: English\n", "", "locales/en/language.yml:4: english_name is missing"),
    ("lingua: en ", "lingua: english ", "locales/en/language.yml:5: lingua: 'english' is not a language lingua knows"),
    ("spacy: en ", "spacy: eng ", "locales/en/language.yml:6: spacy: spaCy has no language 'eng'"),
    ("lemmas: [lemma_lookup]", "lemmas: [lemma_lookup_noun]",
     "locales/en/language.yml:7: lemmas: spacy-lookups-data has no table 'lemma_lookup_noun'"),
    ("order: 2 ", "order: second ", "locales/en/language.yml:8: order must be a whole number"),
    ("order: 2 ", "order: 1 ", "locales/nl/language.yml:8: order 1 is also the menu place of 'en'"),
    ("order: 2 ", "order: 2\nlemma: [lemma_lookup]\n#", "locales/en/language.yml:9: unknown field 'lemma'"),
    ('phone_codes: ["1", ', 'phone_codes: ["+1", ', "locales/en/language.yml:16: phone_codes: '+1' is not a country calling code"),
    ('phone_codes: ["1", ', 'phone_codes: ["48", "1", ', "locales/pl/language.yml:19: phone_codes: '48' is also a code of 'en'"),
])
def test_a_bad_or_missing_language_field_is_named_at_its_line(copy, old, new, expected):
    edit(copy / "en" / "language.yml", old, new)
    found = problems(copy)
    assert any(p.startswith(expected) for p in found), found


def test_language_words_must_name_every_language_and_only_those(copy):
    edit(copy / "es" / "ui.yml", "  ro: [rumano, română, romana]\n", "")
    edit(copy / "pl" / "ui.yml", "language_words:\n", "language_words:\n  de: [niemiecki]\n")
    found = problems(copy)
    assert any(p.startswith("locales/es/ui.yml:") and "language_words has no names for 'ro'" in p
               and "Romanian" in p for p in found), found
    assert any(p.startswith("locales/pl/ui.yml:") and "language_words names 'de'" in p for p in found), found


def test_a_language_without_training_questions_fails_validation(tmp_path):
    """The language set is data: a language folder with every file but no data/nlu/<lang>/ is
    refused by `bot validate` and by training; so is a training folder of no language."""
    from bot import languages, training

    shutil.copytree(LOCALES, tmp_path / "locales")
    shutil.copytree(ROOT / "data", tmp_path / "data")
    shutil.rmtree(tmp_path / "data" / "nlu" / "ro")
    shutil.copytree(ROOT / "data" / "nlu" / "es", tmp_path / "data" / "nlu" / "xx")
    result = subprocess.run([sys.executable, "-m", "bot", "validate", "--locales", str(tmp_path / "locales")],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 1
    assert "locales/ro/language.yml:1: no training questions for 'ro': add data/nlu/ro/" in result.stdout
    assert "data/nlu/xx/" in result.stdout and "which is no language of locales/" in result.stdout
    with pytest.raises(languages.LanguageError, match="no training questions for 'ro'"):
        training.train(tmp_path / "models", "model", project=tmp_path)
    assert not (tmp_path / "models").exists()


def test_a_safety_file_without_pleas_is_named_with_the_fix(copy):
    # without `pleas`, "help me" would alarm in every long message ("can you help me with my taxes")
    edit(copy / "ro" / "safety.yml", "\npleas:", "\nrugaminti:")
    found = problems(copy)
    assert any(p.startswith("locales/ro/safety.yml:") and "'pleas' is missing" in p and "call for help" in p
               for p in found)
    assert any("unknown safety list 'rugaminti'" in p for p in found)
