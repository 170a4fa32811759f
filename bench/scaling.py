"""How training time, latency and memory grow with the number of answers.

In a temporary copy of the project, synthetic answers are added until there are 150 and 400:
each gets an intent with six example questions per language (templates filled with a word pair
of that language's own vocabulary), a rule, and a title and text in every language. A language
without templates here (one added in locales/ only) gets questions made of its two words alone,
and the run says so (on stderr and in its result, `word_only_templates`). The copy is
trained from scratch and served like the real assistant; the questions asked are the real
held-out ones. The project itself is never changed.

    .venv/bin/python -m bench.scaling [--sizes 150,400]
"""
from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
import tempfile
from pathlib import Path

import yaml

from bench import speed
from bench.folds import training_examples
from bot.config import LANGUAGES
from bot.paths import ROOT
from bot.training import train

SIZES = (150, 400)
COPIED = ("config.yml", "domain.yml", "data", "locales")
TEMPLATES = {
    "en": ["what about {a} and {b}", "tell me about {a} {b}", "question on {a} with {b}",
           "i need info about {b} {a}", "how does {a} {b} work", "{a} {b}?"],
    "nl": ["hoe zit het met {a} en {b}", "vertel me over {a} {b}", "vraag over {a} met {b}",
           "ik wil info over {b} {a}", "hoe werkt {a} {b}", "{a} {b}?"],
    "es": ["qué pasa con {a} y {b}", "háblame de {a} {b}", "pregunta sobre {a} con {b}",
           "necesito información de {b} {a}", "cómo funciona {a} {b}", "{a} {b}?"],
    "pl": ["co z {a} i {b}", "powiedz mi o {a} {b}", "pytanie o {a} z {b}",
           "potrzebuję informacji o {b} {a}", "jak działa {a} {b}", "{a} {b}?"],
    "ro": ["ce se întâmplă cu {a} și {b}", "spune-mi despre {a} {b}", "întrebare despre {a} cu {b}",
           "am nevoie de informații despre {b} {a}", "cum funcționează {a} {b}", "{a} {b}?"],
}
#: For a language without TEMPLATES: its two words alone, so every question is still in that language.
WORD_ONLY = ["{a} {b}?", "{b} {a}?", "{a} {b}", "{b} {a}", "{a}, {b}?", "{a} {b} {a}?"]
_WORD = re.compile(r"[^\W\d_]{5,}")


def templates(lang: str) -> list[str]:
    """The question templates of a language; WORD_ONLY (said on stderr) when it has none."""
    if lang in TEMPLATES:
        return TEMPLATES[lang]
    print(f"bench.scaling: no question templates for {lang!r} (TEMPLATES in bench/scaling.py): its synthetic "
          f"questions are its word pairs alone, {WORD_ONLY}", file=sys.stderr)
    return WORD_ONLY


def answer_count(locales: Path) -> int:
    return len(yaml.safe_load((locales / "answers.yml").read_text(encoding="utf-8"))["answers"])


def word_pairs(lang: str, count: int, rng: random.Random) -> list[tuple[str, str]]:
    """`count` distinct pairs of words (5+ letters) from the language's training questions."""
    words = sorted({w.lower() for e in training_examples(langs=(lang,)) for w in _WORD.findall(e.text)})
    if len(words) * (len(words) - 1) < count:
        raise ValueError(f"{lang!r} has {len(words)} different words of 5+ letters in data/nlu/{lang}/: too few "
                         f"for {count} distinct word pairs; add training questions or measure fewer answers")
    pairs: set[tuple[str, str]] = set()
    while len(pairs) < count:
        pairs.add(tuple(rng.sample(words, 2)))  # type: ignore[arg-type]
    return sorted(pairs)


def add_synthetic_answers(project: Path, total: int, seed: int = 11) -> list[str]:
    """Add answers `synthetic_000`, ... to the project copy until it has `total`; return their ids."""
    answers_file = project / "locales" / "answers.yml"
    meta = yaml.safe_load(answers_file.read_text(encoding="utf-8"))
    ids = [f"synthetic_{n:03d}" for n in range(max(0, total - len(meta["answers"])))]
    for answer_id in ids:
        meta["answers"][answer_id] = {"topic": "work", "sources": ["synthetic (benchmark only)"]}
    answers_file.write_text(yaml.safe_dump(meta, allow_unicode=True, sort_keys=False), encoding="utf-8")

    domain_file = project / "domain.yml"
    domain = yaml.safe_load(domain_file.read_text(encoding="utf-8"))
    domain["intents"] += ids
    domain_file.write_text(yaml.safe_dump(domain, allow_unicode=True, sort_keys=False), encoding="utf-8")

    rules = [{"rule": i, "steps": [{"intent": i}, {"action": "action_answer"}]} for i in ids]
    (project / "data" / "rules" / "synthetic.yml").write_text(
        yaml.safe_dump({"version": "3.1", "rules": rules}, sort_keys=False), encoding="utf-8")

    rng = random.Random(seed)
    for lang in LANGUAGES:
        pairs = word_pairs(lang, len(ids), rng)
        nlu = [{"intent": i, "examples": "".join(f"- {t.format(a=a, b=b)}\n" for t in templates(lang))}
               for i, (a, b) in zip(ids, pairs)]
        (project / "data" / "nlu" / lang / "synthetic.yml").write_text(
            yaml.safe_dump({"version": "3.1", "nlu": nlu}, allow_unicode=True, sort_keys=False), encoding="utf-8")
        texts_file = project / "locales" / lang / "answers.yml"
        texts = yaml.safe_load(texts_file.read_text(encoding="utf-8"))
        for answer_id, (a, b) in zip(ids, pairs):
            texts[answer_id] = {"title": a[:20], "text": f"{a} {b}: {answer_id}."}
        texts_file.write_text(yaml.safe_dump(texts, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return ids


def measure_size(total: int, levels: tuple[int, ...] = (1, 8), messages: int = 200) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"bench-scaling-{total}-") as folder:
        project = Path(folder)
        for name in COPIED:
            source = ROOT / name
            (shutil.copytree if source.is_dir() else shutil.copy)(source, project / name)
        add_synthetic_answers(project, total)
        seconds = train(project / "models", "model", project=project, cache=project / ".cache", quiet=True)
        model = project / "models" / "model.tar.gz"
        result = speed.measure(model, levels, total=messages, extra_env={"BOT_LOCALES_DIR": str(project / "locales")})
        word_only = [lang for lang in LANGUAGES if lang not in TEMPLATES]
        return {"answers": answer_count(project / "locales"), "train_seconds": round(seconds),
                "model_mb": round(model.stat().st_size / 1e6), **result,
                **({"word_only_templates": word_only} if word_only else {})}

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    args = parser.parse_args()
    for total in (int(x) for x in args.sizes.split(",")):
        print(json.dumps(measure_size(total)), flush=True)


if __name__ == "__main__":
    main()
