"""A sixth language is data, not code: German added to a temporary copy of the project.

The test writes only data files in the copy (`locales/de/*.yml`, `language_words` in every
`ui.yml`, `data/nlu/de/*.yml`), never a Python file; the copy then validates, trains (the project's
own pipeline: the linear classifier trains in seconds) and answers a German question through the
REST channel in German. German is one of lingua's decoys for the real project: here it is a
language the assistant speaks, so it is no decoy and no "other" sentence either.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import yaml

from bot.paths import ROOT
from tests.conftest import answer_ids, languages_of

COPIED = ("config.yml", "domain.yml", "data", "locales")
LANGUAGE_FILES = ("answers.yml", "system.yml", "ui.yml", "safety.yml", "handoff.yml", "commands.yml")

LANGUAGE_YML = """\
# German (a test language). Schema: docs/content-schema.md, language.yml.
english_name: German
lingua: de
spacy: de
lemmas: [lemma_lookup]
order: 6
hedges: [normalerweise, meistens, in der regel, in den meisten fällen, grundsätzlich, kommt darauf an, nicht immer]
"""
# How each interface language writes "German" (ui.yml language_words), and German's own words.
GERMAN_IN = {"nl": ["duits", "in het duits", "deutsch"], "en": ["german", "deutsch"],
             "es": ["alemán", "aleman", "deutsch"], "pl": ["niemiecki", "po niemiecku", "deutsch"],
             "ro": ["germană", "germana", "în germană", "deutsch"]}
LANGUAGE_WORDS_DE = {"nl": ["niederländisch", "niederlaendisch", "holländisch", "nederlands"],
                     "en": ["englisch", "english"], "es": ["spanisch", "español", "espanol"],
                     "pl": ["polnisch", "polski"], "ro": ["rumänisch", "rumaenisch", "română", "romana"],
                     "de": ["deutsch", "auf deutsch"]}
ANSWERS_DE = {
    "check_id": {
        "title": "Ausweis zeigen?",
        "text": "Ja, der Polizei. Ab 14 Jahren muss jeder in den Niederlanden einen gültigen Ausweis zeigen "
                "können, wenn die Polizei danach fragt. Zum Beispiel einen Reisepass oder einen Personalausweis.\n"
                "Auch Kontrolleure der Gemeinde (boa's, toezichthouders) dürfen nach deinem Ausweis fragen, "
                "aber nur, wenn sie ihn für ihre Aufgabe brauchen.\n"
                "Wenn du keinen Ausweis zeigst, kannst du eine Geldstrafe bekommen.",
        "more": "Tipp: Nimm deinen Ausweis mit, wenn du arbeitest.\n"
                "Du darfst fragen, warum sie deinen Ausweis brauchen.\n"
                "War eine Kontrolle nicht fair? Dann kannst du dich danach beschweren. PROUD berät dich: "
                "{proud.url}",
    },
    "emergency": {
        "title": "Notfall",
        "text": "Ruf jetzt {emergency_112.phone} an. Das ist kostenlos und rund um die Uhr erreichbar, für "
                "Polizei und Krankenwagen.\nNach sexueller Gewalt: Centrum Seksueel Geweld "
                "{centrum_seksueel_geweld.phone} (rund um die Uhr).",
    },
}
SYSTEM_DE = {
    "greet": "Hallo! Ich informiere über deine Rechte als Sexarbeiterin in den Niederlanden. Du musst deinen "
             "Namen nicht nennen.\nWähle ein Thema oder schreib deine Frage.\nIn Gefahr? Ruf "
             "{emergency_112.phone} an.",
    "choose_language": "Wähle deine Sprache",
    "language_changed": "OK, ich antworte ab jetzt auf Deutsch.",
    "menu": "Was möchtest du wissen? Wähle ein Thema:",
    "fallback": "Das habe ich leider nicht verstanden. Kannst du es anders sagen? Du kannst auch ein Thema "
                "wählen oder mit einem Menschen sprechen.",
    "not_your_language": "Nicht deine Sprache? Wähle deine.",
    "goodbye": "Tschüss. Pass auf dich auf! Du kannst jederzeit wiederkommen.",
    "thanks": "Gern geschehen. Hast du noch eine Frage?",
}
OTHER_LANGUAGE = {   # every language now names German too
    "de": "Diese Sprache spreche ich leider nicht. Ich spreche Deutsch, Niederländisch (Nederlands), "
          "Englisch (English), Spanisch (Español), Polnisch (Polski) und Rumänisch (Română).",
    "en": "Sorry, I do not speak this language. I speak English, Dutch (Nederlands), Spanish (Español), "
          "Polish (Polski), Romanian (Română) and German (Deutsch).",
}
UI_DE = {"language_name": "Deutsch",
         "topics": {"police_checks": "Polizeikontrollen", "reporting": "Anzeige erstatten",
                    "health": "Krankenversicherung", "exit": "Ausstieg", "work": "Arbeit und Geld",
                    "help": "Hilfe finden"},
         "buttons": {"more": "Mehr dazu", "menu": "Menü", "language": "Sprache", "help": "Mit Menschen reden",
                     "yes": "Ja, löschen", "no": "Nein"}}
# Training questions (data/nlu/de/): a few, enough for the classifiers to learn German.
CHECK_ID = ["muss ich der polizei meinen ausweis zeigen?", "muss ich bei einer kontrolle meinen pass zeigen",
            "brauche ich immer einen ausweis dabei", "darf die polizei meinen ausweis sehen wollen?",
            "was passiert wenn ich keinen ausweis zeigen kann", "muss ich mich bei einer kontrolle ausweisen",
            "gilt die ausweispflicht auch für sexarbeiterinnen?",
            "die polizei will meinen personalausweis sehen, muss ich den zeigen?",
            "muss ich den kontrolleuren der gemeinde meinen ausweis geben", "bekomme ich eine strafe ohne ausweis",
            "reisepass oder personalausweis zeigen bei der kontrolle?",
            "ich habe meinen ausweis nicht dabei, ist das schlimm?"]
GREET = ["hallo", "guten tag", "guten morgen", "hallo, ich habe eine frage", "servus", "grüß gott", "moin",
         "guten abend"]
QUESTION = "Muss ich bei einer Polizeikontrolle immer meinen Ausweis zeigen?"   # not a training question


class Copy:
    """The project copy; every write goes through :meth:`write`, which allows data files only."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.written: list[Path] = []

    def write(self, relative: str, content: object) -> None:
        path = (self.root / relative).resolve()
        assert path.is_relative_to(self.root.resolve()) and path.suffix == ".yml", path
        text = content if isinstance(content, str) else yaml.safe_dump(content, allow_unicode=True, sort_keys=False,
                                                                          width=120)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.written.append(path)

    def read(self, relative: str) -> dict:
        return yaml.safe_load((self.root / relative).read_text(encoding="utf-8"))


def add_german(copy: Copy) -> None:
    """Everything a content editor does to add German (docs/editing-content.md, "Add a language")."""
    # 1. locales/de/: the language files, from English, with German texts where we have them
    copy.write("locales/de/language.yml", LANGUAGE_YML)
    for name in LANGUAGE_FILES:
        copy.write(f"locales/de/{name}", (copy.root / "locales" / "en" / name).read_text(encoding="utf-8"))
    answers = copy.read("locales/de/answers.yml")
    for answer_id, entry in ANSWERS_DE.items():
        answers[answer_id] = entry
    copy.write("locales/de/answers.yml", answers)
    system = {**copy.read("locales/de/system.yml"), **SYSTEM_DE, "other_language": OTHER_LANGUAGE["de"]}
    copy.write("locales/de/system.yml", system)
    copy.write("locales/de/ui.yml", {**copy.read("locales/de/ui.yml"), **UI_DE, "language_words": LANGUAGE_WORDS_DE})
    # 2. every language's ui.yml names German; its "I speak these languages" text too (English here)
    for lang, words in GERMAN_IN.items():
        ui = copy.read(f"locales/{lang}/ui.yml")
        ui["language_words"]["de"] = words
        copy.write(f"locales/{lang}/ui.yml", ui)
    copy.write("locales/en/system.yml", {**copy.read("locales/en/system.yml"), "other_language": OTHER_LANGUAGE["en"]})
    # 3. training questions
    copy.write("data/nlu/de/police_checks.yml",
               {"version": "3.1", "nlu": [{"intent": "check_id", "examples": "".join(f"- {q}\n" for q in CHECK_ID)}]})
    copy.write("data/nlu/de/conversation.yml",
               {"version": "3.1", "nlu": [{"intent": "greet", "examples": "".join(f"- {q}\n" for q in GREET)}]})


def copy_with_german(root: Path) -> Copy:
    """A copy of the project in `root`, with German added."""
    for name in COPIED:
        source = ROOT / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, root / name)
    copy = Copy(root)
    add_german(copy)
    return copy


class Training:
    """The copy's training, a few minutes of mostly one core. conftest starts it as soon as the
    tests are collected (`start_early`), so it runs on the second core while the other tests run,
    and the test only waits for what is left."""

    def __init__(self, copy: Copy) -> None:
        from bot.training import start_training

        self.copy = copy
        self.log = copy.root / "training.log"
        self.started = time.monotonic()
        with self.log.open("w") as output:
            self.process = start_training(copy.root / "models", "model", project=copy.root,
                                          cache=copy.root / ".cache", output=output)

    def wait(self) -> Path:
        """The trained model; the end of Rasa's output when training failed."""
        from bot.training import finish

        if finish(self.process):   # the test's timeout stops the training too
            raise AssertionError("training the six-language copy failed:\n" + self.log.read_text()[-3000:])
        return self.copy.root / "models" / "model.tar.gz"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


EARLY: list[Training] = []   # the training conftest started, if it did


def start_early(root: Path) -> None:
    EARLY.append(Training(copy_with_german(root)))


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Copy:
    return EARLY[0].copy if EARLY else copy_with_german(tmp_path_factory.mktemp("six-languages"))


def test_only_data_files_were_written(project):
    assert project.written and all(p.suffix == ".yml" for p in project.written)
    assert not list(project.root.rglob("*.py"))


def test_the_copy_speaks_six_languages_and_validates(project):
    from bot import languages

    assert languages.codes(project.root / "locales") == ("nl", "en", "es", "pl", "ro", "de")
    result = subprocess.run([sys.executable, "-m", "bot", "validate", "--locales", str(project.root / "locales")],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "50 answers in 6 languages" in result.stdout


def test_a_german_question_is_answered_in_german(project, tmp_path_factory):
    from bot import services

    training = EARLY[0] if EARLY else Training(project)
    model = training.wait()
    trained = time.monotonic() - training.started
    env = {"BOT_LOCALES_DIR": str(project.root / "locales"),
           "BOT_USAGE_FILE": str(tmp_path_factory.mktemp("usage") / "usage.json")}
    with services.running(model, log_dir=tmp_path_factory.mktemp("logs"),
                          extra_env=env) as assistant:
        sender = uuid.uuid4().hex
        replies = assistant.send(sender, QUESTION)
        assert (answer_ids(replies)[0], languages_of(replies)[0]) == ("check_id", "de"), replies
        assert replies[0]["text"].startswith("Ja, der Polizei.")
        # the language menu of a message without any language signal offers German, in German
        [choice] = assistant.send(uuid.uuid4().hex, "ok")
        assert "Wähle deine Sprache" in choice["text"]
        assert [b["title"] for b in choice["buttons"]][-1] == "Deutsch"
        # a German sentence is German now, not "a language I do not speak"
        replies = assistant.send(uuid.uuid4().hex, "Hallo, ich habe eine Frage zu meinem Ausweis")
        assert "other_language" not in answer_ids(replies) and languages_of(replies)[0] == "de", replies
    print(f"six-language model trained in {trained:.0f} s (started {'early' if EARLY else 'here'})")
