"""The real knowledge files: complete in every language, contacts only from the contacts file."""
import re

import pytest
import yaml

from bot.config import LANGUAGES
from bot.knowledge import SYSTEM_KEYS
from bot.paths import LOCALES, ROOT

SLICE = ["check_id", "check_home", "report_anonymous", "report_how", "health_insurance_must",
         "health_insurance_opting_in", "exit_what", "exit_where", "emergency"]
CATALOG = ROOT.parent / "shared" / "catalog.yml"
# A Dutch phone number (0..., +31...), as the shared catalog tool finds them; "35715" (a
# parliamentary paper) is no number to call.
PHONE = re.compile(r"(?<![\d-])(?:\+31[\s-]?|0)\d{2,3}[\s-]?\d{2,4}[\s-]?\d{2,4}(?:[\s-]?\d{2})?(?![\d-])")


def test_every_answer_exists_in_every_language(knowledge):
    for lang in LANGUAGES:
        assert set(knowledge.answers[lang]) == set(knowledge.meta), lang


@pytest.mark.parametrize("answer_id", SLICE)
def test_slice_answers_are_rendered_in_every_language(knowledge, answer_id):
    texts = {lang: knowledge.answer_text(answer_id, lang) for lang in LANGUAGES}
    assert len(set(texts.values())) == len(LANGUAGES)   # really translated, not copied
    for text in texts.values():
        assert "{" not in text and len(text) > 40   # placeholders filled


@pytest.mark.skipif(not CATALOG.is_file(), reason="shared/ catalog not next to the repository")
def test_catalog_ids_are_all_present():
    catalog = yaml.safe_load(CATALOG.read_text(encoding="utf-8"))
    meta = yaml.safe_load((LOCALES / "answers.yml").read_text(encoding="utf-8"))["answers"]
    assert {a["id"] for a in catalog["answers"]} <= set(meta)


def test_emergency_answer_says_112_first_in_every_language(knowledge):
    for lang in LANGUAGES:
        text = knowledge.answer_text("emergency", lang)
        assert "112" in text.split("\n")[0], lang


def test_no_phone_number_is_written_outside_the_contacts_file():
    for path in LOCALES.glob("*/*.yml"):
        for number in PHONE.findall(path.read_text(encoding="utf-8")):
            pytest.fail(f"{path}: phone-like {number!r}; use a {{contact.phone}} placeholder")


def test_system_texts_and_retention_come_from_configuration(knowledge):
    for lang in LANGUAGES:
        assert set(SYSTEM_KEYS) <= set(knowledge.system[lang])
    other = type(knowledge)(**{**knowledge.__dict__, "values": {"retention_hours": "7"}})
    assert all("7" in other.answer_text("privacy", lang) for lang in LANGUAGES)
    assert all("24" in knowledge.answer_text("privacy", lang) for lang in LANGUAGES)
