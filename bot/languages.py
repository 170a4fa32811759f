"""Which languages the assistant speaks: one `locales/<lang>/language.yml` per language, data only.

A folder of `locales/` with a `language.yml` is a language the assistant speaks; its fields say
how the NLU handles it (docs/content-schema.md, `language.yml`):

    english_name: German        # the desk and the docs name it so (its own name: ui.yml language_name)
    lingua: de                  # the ISO 639-1 code lingua knows it by (language detection)
    spacy: de                   # the spacy.blank() code of its tokenizer ("xx": language-neutral)
    lemmas: [lemma_lookup]      # optional: spacy-lookups-data tables, in priority order
    order: 6                    # place on the language menu (smallest first)
    hedges: [normalerweise]     # editors' tool: cautious words (bot.lint)
    phone_codes: ["49", "43"]   # countries whose numbers suggest it (a WhatsApp sender's number)

:func:`codes` (the language set, in menu order) never fails: `bot.config.LANGUAGES` is read from
it when the first module is imported, before anything could report a problem. :func:`read`
checks every field and says `file:line`, what is wrong and how to fix it; `python -m bot validate`
(through bot.knowledge.loader) and training report those problems, and :func:`settings` (the
NLU's view, read once per process) refuses to work with them.
"""
from __future__ import annotations

import functools
import importlib.util
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Optional

import yaml

from bot import yamlfile
from bot.problems import Problem

FILE = "language.yml"
HOW_TO = "docs/editing-content.md, \"Add a language\""
#: field -> what it is (said when it is missing or wrong)
FIELDS: dict[str, str] = {
    "english_name": "the language's name in English, e.g. `english_name: German`",
    "lingua": "the ISO 639-1 code the lingua language detector knows it by, e.g. `lingua: de`",
    "spacy": "the spaCy language code of its tokenizer (spacy.blank), e.g. `spacy: de`; `xx` is spaCy's "
             "language-neutral one",
    "lemmas": "optional: spacy-lookups-data lemma tables in priority order, e.g. `lemmas: [lemma_lookup]`",
    "order": "its place on the language menu, a whole number (smallest first), e.g. `order: 6`",
    "hedges": "optional: words that word a legal point cautiously, e.g. `hedges: [normally, usually]`",
    "phone_codes": "optional: country calling codes (digits, no +) whose phone numbers suggest this language, "
                   "e.g. `phone_codes: [\"48\"]`; a WhatsApp sender's number then gives a best guess",
}
REQUIRED = ("english_name", "lingua", "spacy", "order")
NEUTRAL_SPACY = "xx"
_CODE = re.compile(r"[a-z]{2,3}")
_PHONE_CODE = re.compile(r"[1-9][0-9]{0,3}")


@dataclass(frozen=True)
class Language:
    """The settings of one language the assistant speaks."""

    code: str
    english_name: str
    lingua: str
    spacy: str
    lemmas: tuple[str, ...] = ()
    order: int = 0
    hedges: tuple[str, ...] = ()
    phone_codes: tuple[str, ...] = ()


Issue = Problem   # something wrong with the languages, at `path:line` (absolute path)


class LanguageError(ValueError):
    """The language settings have problems; the message lists each with `file:line`."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        super().__init__("\n".join([*map(str, issues), "fix these in locales/<lang>/language.yml "
                                    f"(`python -m bot validate` lists them; {HOW_TO})"]))


def locales_dir() -> Path:
    """The configured locales folder: `BOT_LOCALES_DIR`, else the project's `locales/`."""
    from bot.config import locales_dir as configured  # bot.config imports this module

    return configured()


def folders(locales: Path) -> list[Path]:
    """The language folders of `locales/`: every folder in it (not hidden)."""
    if not locales.is_dir():
        return []
    return sorted(p for p in locales.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def _raw(path: Path) -> Optional[dict]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    return data if isinstance(data, dict) else None


def codes(locales: Path) -> tuple[str, ...]:
    """The languages of `locales/`, in menu order: each folder with a `language.yml`. Never fails:
    a language whose `order` cannot be read comes last (and :func:`read` reports it)."""
    found = []
    for folder in folders(locales):
        path = folder / FILE
        if path.is_file():
            order = (_raw(path) or {}).get("order")
            known = isinstance(order, int) and not isinstance(order, bool)
            found.append((not known, order if known else 0, folder.name))
    return tuple(code for *_, code in sorted(found))


def _package_folder(package: str) -> Optional[Path]:
    """Where an installed package lives, without importing it (spaCy takes seconds to import)."""
    spec = importlib.util.find_spec(package)
    locations = list(spec.submodule_search_locations or []) if spec else []
    return Path(locations[0]) if locations else None


def _spacy_languages() -> set[str]:
    folder = _package_folder("spacy")
    return {p.name for p in (folder / "lang").iterdir() if p.is_dir() and not p.name.startswith("_")} if folder else set()


def lookups_folder() -> Optional[Path]:
    """spacy-lookups-data's tables (`<spacy code>_<table>.json.gz`)."""
    folder = _package_folder("spacy_lookups_data")
    return folder / "data" if folder else None


def lemma_tables(spacy: str) -> list[str]:
    """The lemma tables spacy-lookups-data has for a spaCy language code."""
    folder = lookups_folder()
    if folder is None:
        return []
    prefix = f"{spacy}_"
    return sorted(p.name[len(prefix):-len(".json.gz")] for p in folder.glob(f"{spacy}_lemma*.json.gz"))


def _lingua_codes() -> set[str]:
    from lingua import IsoCode639_1

    return {name.lower() for name in dir(IsoCode639_1) if len(name) == 2 and name.isupper()}


class _Reader:
    def __init__(self) -> None:
        self.issues: list[Issue] = []

    def issue(self, path: Path, line: int, message: str) -> None:
        self.issues.append(Issue(str(path), line, message))

    def language(self, folder: Path) -> Optional[Language]:
        code, path = folder.name, folder / FILE
        before = len(self.issues)
        if not path.is_file():
            self.issue(path, 1, f"file is missing: every language folder needs one (it makes {code!r} a language "
                                "the assistant speaks); copy locales/en/language.yml and set its fields "
                                f"({', '.join(FIELDS)}; {HOW_TO})")
            return None
        if not _CODE.fullmatch(code):
            self.issue(path, 1, f"the folder name {code!r} is not a language code: name the folder by the "
                                "language's ISO 639-1 code in lowercase, e.g. locales/de/")
        try:
            data: Any = yamlfile.load(path)
        except yamlfile.YamlError as err:
            self.issue(path, err.line, err.message)
            return None
        if not isinstance(data, dict):
            self.issue(path, 1, f"expected the fields {', '.join(REQUIRED)} (and optionally lemmas, hedges); "
                                f"see locales/en/language.yml")
            return None
        for key in data:
            if key not in FIELDS:
                self.issue(path, yamlfile.line_of(data, key),
                           f"unknown field {key!r}; the fields are: {', '.join(FIELDS)}")
        for key in REQUIRED:
            if key not in data or data[key] in (None, ""):
                self.issue(path, yamlfile.line_of(data, key), f"{key} is missing: add {FIELDS[key]}")

        def text(key: str) -> str:
            value = data.get(key)
            if key in data and value not in (None, "") and not isinstance(value, str):
                self.issue(path, yamlfile.line_of(data, key), f"{key} must be text: {FIELDS[key]}")
            return value.strip() if isinstance(value, str) else ""

        def names(key: str) -> tuple[str, ...]:
            value = data.get(key)
            if value is None:
                return ()
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                self.issue(path, yamlfile.line_of(data, key), f"{key} must be a list of words: {FIELDS[key]}")
                return ()
            return tuple(v.strip() for v in value)

        english_name, lingua, spacy = text("english_name"), text("lingua").lower(), text("spacy").lower()
        if lingua and lingua not in _lingua_codes():
            self.issue(path, yamlfile.line_of(data, "lingua"),
                       f"lingua: {lingua!r} is not a language lingua knows; use its ISO 639-1 code, one of "
                       f"{', '.join(sorted(_lingua_codes()))}")
        if spacy and spacy not in _spacy_languages():
            self.issue(path, yamlfile.line_of(data, "spacy"),
                       f"spacy: spaCy has no language {spacy!r}; use one of {', '.join(sorted(_spacy_languages()))} "
                       f"({NEUTRAL_SPACY!r}: language-neutral)")
        lemmas = names("lemmas")
        for name in lemmas:
            if spacy and name not in lemma_tables(spacy):
                available = ", ".join(lemma_tables(spacy)) or "none, so leave `lemmas` out"
                self.issue(path, yamlfile.line_of(data, "lemmas"),
                           f"lemmas: spacy-lookups-data has no table {name!r} for spacy {spacy!r} "
                           f"(file {spacy}_{name}.json.gz); its tables for {spacy!r}: {available}")
        order = data.get("order")
        if "order" in data and (not isinstance(order, int) or isinstance(order, bool) or order < 0):
            self.issue(path, yamlfile.line_of(data, "order"), f"order must be a whole number: {FIELDS['order']}")
            order = None
        hedges = names("hedges")
        phone_codes = names("phone_codes")
        for bad in (c for c in phone_codes if not _PHONE_CODE.fullmatch(c)):
            self.issue(path, yamlfile.line_of(data, "phone_codes"),
                       f"phone_codes: {bad!r} is not a country calling code: write its digits in quotes, without "
                       f"+ or 00 (1-4 digits), e.g. \"48\"")
        if len(self.issues) > before or not isinstance(order, int):
            return None
        return Language(code, english_name, lingua, spacy, lemmas, order, hedges, phone_codes)


def read(locales: Path) -> tuple[dict[str, Language], list[Issue]]:
    """Every language's checked settings (menu order) and every problem found in them."""
    reader = _Reader()
    found = {folder.name: reader.language(folder) for folder in folders(locales)}
    if not found:
        reader.issue(locales / "en" / FILE, 1, f"no languages in {locales}: each language is a folder "
                                               f"locales/<code>/ with a {FILE} ({HOW_TO})")
    languages = {code: language for code in codes(locales) if (language := found.get(code)) is not None}
    seen_codes: dict[str, str] = {}
    for code, language in languages.items():
        for number in language.phone_codes:
            if number in seen_codes and seen_codes[number] != code:
                path = locales / code / FILE
                reader.issue(path, yamlfile.line_of(yamlfile.load(path), "phone_codes"),
                             f"phone_codes: {number!r} is also a code of {seen_codes[number]!r} "
                             f"(locales/{seen_codes[number]}/{FILE}); a number can suggest one language only")
            seen_codes.setdefault(number, code)
    for field, what in (("order", "menu place"), ("lingua", "lingua code")):
        seen: dict[Any, str] = {}
        for code, language in languages.items():
            value = getattr(language, field)
            if value in seen:
                path = locales / code / FILE
                reader.issue(path, yamlfile.line_of(yamlfile.load(path), field),
                             f"{field} {value!r} is also the {what} of {seen[value]!r} "
                             f"(locales/{seen[value]}/{FILE}); give every language its own")
            seen.setdefault(value, code)
    return languages, reader.issues


@functools.cache
def _checked(locales: Path) -> dict[str, Language]:
    found, issues = read(locales)
    if issues:
        raise LanguageError(issues)
    return found


def settings(locales: Optional[Path] = None) -> dict[str, Language]:
    """The checked settings of every language of `locales` (default: the configured folder), read
    once per process; :class:`LanguageError` if any `language.yml` has a problem."""
    return _checked(locales or locales_dir())


def phone_language(number: str, languages: Mapping[str, Language]) -> Optional[str]:
    """The language a phone number's country suggests (its longest matching `phone_codes`), or
    None. A number is where the SIM card was bought, not what its owner reads: so it is only ever
    a best guess, and the Netherlands' own code (+31) is in no language's list."""
    digits = number.lstrip("+")
    digits = digits[2:] if digits.startswith("00") else digits
    best: tuple[int, Optional[str]] = (0, None)
    for code, language in languages.items():
        for prefix in language.phone_codes:
            if digits.startswith(prefix) and len(prefix) > best[0]:
                best = (len(prefix), code)
    return best[1]


def english_name(code: str, locales: Optional[Path] = None) -> str:
    """A language's name in English (the code itself if its language.yml cannot say)."""
    raw = _raw((locales or locales_dir()) / code / FILE) or {}
    name = raw.get("english_name")
    return name.strip() if isinstance(name, str) and name.strip() else code


def training_key(locales: Path) -> str:
    """What of the languages a trained model depends on (which languages, their lingua, spaCy and
    lemma settings): part of the model's fingerprint, so editing `hedges` or `order` never retrains."""
    key = {}
    for code in codes(locales):
        raw = _raw(locales / code / FILE)
        key[code] = {k: raw.get(k) for k in ("lingua", "spacy", "lemmas")} if raw is not None else \
            (locales / code / FILE).read_bytes().hex()
    return json.dumps(key, sort_keys=True, default=str)


def training_data_issues(locales: Path, nlu: Path) -> list[Issue]:
    """Training questions for every language, and no training folder for a language we do not speak:
    the language classifier learns one class per folder of `data/nlu/`."""
    from bot.nlu.language_id import examples

    issues = []
    spoken = codes(locales)
    for code in spoken:
        if not (nlu / code).is_dir() or not examples(nlu, [code]):
            issues.append(Issue(str(locales / code / FILE), 1,
                                f"no training questions for {code!r}: add data/nlu/{code}/*.yml with questions "
                                f"under the intents (the format of data/nlu/en/), then train ({HOW_TO})"))
    for folder in sorted(p for p in nlu.iterdir() if p.is_dir()) if nlu.is_dir() else []:
        if folder.name not in spoken:
            first = min(folder.glob("*.yml"), default=folder)
            issues.append(Issue(str(first), 1, f"training questions for {folder.name!r}, which is no language of "
                                          f"{locales.name}/ (no locales/{folder.name}/{FILE}): add that language "
                                          f"or remove data/nlu/{folder.name}/"))
    return issues
