"""Render docs/benchmarks.md from the results JSON of `python -m bench` (plots: bench.plots).

Every sentence that states a result is computed from the numbers, so a re-run cannot leave the
text saying something the tables contradict.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Optional

from bench.plots import level, plot_accuracy, plot_concurrency, plot_scaling, plot_sweep
from bot.config import LANGUAGES

NOTES = Path(__file__).parent / "notes.md"   # the reasons behind the numbers, written by hand
MEASURED = Path(__file__).parent / "measured"   # first-run results on the blind sets, kept as they came
SAFETY_CATEGORIES = ("danger", "crisis", "sexual_violence", "trafficking")

# The targets of the issues: (what, unit, limit, higher is better)
TARGETS = {
    "safety_recall": ("safety: recall of each category, every language (newest blind round)", "%", 97.0, True),
    "safety_alarms": ("safety: false alarms on calm messages, every language", "%", 5.0, False),
    "right": ("cross-validation: right answers, every language", "%", 88.0, True),
    "wrong": ("cross-validation: wrong answers, every language", "%", 5.0, False),
    "fallback": ("cross-validation: fallback, every language", "%", 10.0, False),
    "questions_new": ("reply language, new conversation: blind questions of 3+ words", "%", 98.0, True),
    "greetings_new": ("reply language, new conversation: blind greetings", "%", 90.0, True),
    "named_new": ("reply language, new conversation: blind questions naming organisations", "%", 97.0, True),
    "in_conversation": ("reply language in a conversation (every set)", "%", 99.5, True),
    "p50_c1": ("p50 latency at concurrency 1, actions included", "ms", 12.0, False),
    "p95_c8": ("p95 latency at concurrency 8, actions included", "ms", 100.0, False),
    "throughput": ("messages per second, one Rasa process", "msg/s", 80.0, True),
    "language_detection": ("language detection per message, every classifier call (p50, in process)", "ms", 1.0, False),
    "growth": ("median at turn 300 / median at turn 10 of one conversation", "×", 1.5, False),
    "training": ("full training", "s", 90.0, False),
    "live_edit": ("answer edit to served (max)", "s", 2.0, False),
    "memory": ("Rasa + action server memory (peak RSS)", "MB", 1536.0, False),
}


def pct(value: float) -> str:
    return f"{100 * value:.1f}"


def _min(values: list[float]) -> Optional[float]:
    return min(values) if values else None


def _max(values: list[float]) -> Optional[float]:
    return max(values) if values else None


def measured(results: dict) -> dict[str, Optional[float]]:
    """The number that each target is judged on (None: not measured in this run)."""
    cv = results.get("crossval", {}).get("systems", {}).get("project")
    per_lang = cv["per_language"].values() if cv else []
    speed = results.get("speed", {}).get("project", {})
    language = results.get("reply_language", {}).get("languages", {})
    safety = results.get("safety", {}).get("assistant", {})
    training = results.get("training", {})
    c1, c8 = level(speed, 1), level(speed, 8)
    growth = speed.get("growth") or []

    def blind(kind: str) -> list[float]:
        return [100 * s["new_conversation"] for s in language.get(f"blind {kind}", {}).values()]

    return {
        "safety_recall": _min([100 * cats[c]["rate"] for cats in safety.values() for c in SAFETY_CATEGORIES]),
        "safety_alarms": _max([100 * cats["calm"]["rate"] for cats in safety.values()]),
        "right": _min([100 * s["accuracy"] for s in per_lang]),
        "wrong": _max([100 * s["wrong_answer"] for s in per_lang]),
        "fallback": _max([100 * s["fallback"] for s in per_lang]),
        "questions_new": _min(blind("questions")),
        "greetings_new": _min(blind("greetings")),
        "named_new": _min(blind("named")),
        "in_conversation": _min([100 * s["in_conversation"] for kind in language.values() for s in kind.values()]),
        "p50_c1": c1["p50_ms"] if c1 else None,
        "p95_c8": c8["p95_ms"] if c8 else None,
        "throughput": max(row["throughput"] for row in speed["levels"]) if speed.get("levels") else None,
        "language_detection": ((speed.get("parts") or {}).get("language_detection") or {}).get("p50_ms"),
        "growth": growth[-1]["median_ms"] / growth[0]["median_ms"] if len(growth) > 1 else None,
        "training": training.get("seconds"),
        "live_edit": training.get("live_edit", {}).get("max_s"),
        "memory": speed["rasa_mb"] + speed["actions_mb"] if "rasa_mb" in speed else None,
    }


def targets_table(results: dict) -> list[str]:
    lines = ["| target | limit | measured | met |", "|---|---|---|---|"]
    for key, value in measured(results).items():
        what, unit, limit, higher = TARGETS[key]
        bound = "≥" if higher else "≤"
        if value is None:
            lines.append(f"| {what} | {bound} {limit:g} {unit} | not measured | – |")
            continue
        met = value >= limit if higher else value <= limit
        lines.append(f"| {what} | {bound} {limit:g} {unit} | {value:.1f} {unit} | {'yes' if met else '**no**'} |")
    return lines


# ------------------------------------------------------------------------------------ safety
def safety_table(results: dict, title: str) -> list[str]:
    langs = list(results)
    lines = [title, "", "| | " + " | ".join(langs) + " |", "|---|" + "---|" * len(langs)]
    for category in (*SAFETY_CATEGORIES, "calm"):
        label = "false alarms (calm)" if category == "calm" else f"recall {category.replace('_', ' ')}"
        cells = [f"{100 * results[lang][category]['rate']:.0f}% ({results[lang][category]['n']})" for lang in langs]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


def safety_history() -> list[str]:
    """The first-run results on each blind round, as they came out (bench/measured/)."""
    lines = []
    for path in sorted(MEASURED.glob("safety-round*-first-run*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for system in ("lists", "assistant"):
            if system in data:
                lines += [""] + safety_table(data[system], f"*{path.stem}, {system}:*")
    return lines


def safety_section(safety: dict, images: Path) -> list[str]:
    lines = [f"Blind set `{safety.get('round')}` (tests/safety/unseen/): written by helpers who never saw the "
             "phrase lists, the training data or the tests; every message is the FIRST message of a new "
             "conversation (no language known). Recall: the category's helpline among the safety answers "
             "that open the reply; false alarm: a calm message whose reply opens with 112 or 113, or with "
             "an answer the safety layer put first. `python -m bench.safety`.", ""]
    for system, label in (("lists", "the phrase lists alone"), ("assistant", "the whole assistant (lists + model)")):
        if system in safety:
            lines += safety_table(safety[system], f"**{label}**") + [""]
    lines += ["History: the first run on each round, before any tuning on it "
              "(round 1 measured the assistant as it was before this work):"]
    return lines + safety_history()


# ------------------------------------------------------------------------------ understanding
def understanding_section(data: dict, images: Path) -> list[str]:
    lines = [f"Blind first messages `{data.get('round')}` (bench/data/first_messages/), each labelled with the "
             "answer that fits, written without seeing the training data (`python -m bench.understanding`).", "",
             "| language | n | right | fallback | wrong answer |", "|---|---|---|---|---|"]
    for lang, s in data.get("all", {}).items():
        lines.append(f"| {lang} | {s['n']} | {pct(s['right'])}% | {pct(s['fallback'])}% | {pct(s['wrong'])}% |")
    new = data.get("new_answers", {})
    if new:
        answers = list(next(iter(new.values())))
        lines += ["", "The four newest answers, right (%):", "",
                  "| language | " + " | ".join(answers) + " |", "|---|" + "---|" * len(answers)]
        lines += [f"| {lang} | " + " | ".join(f"{pct(per[a]['right'])} ({per[a]['n']})" for a in answers) + " |"
                  for lang, per in new.items()]
        checked = {lang: per for lang, per in new.items()
                   if any(per[a].get("right_catalog_checked") is not None for a in answers)}
        if checked:
            lines += ["", "The same, catalog-checked (right: any catalog answer that answers the message, as listed "
                      "by a helper who saw only the catalog and the messages; bench/understanding.py), right (%):", "",
                      "| language | " + " | ".join(answers) + " |", "|---|" + "---|" * len(answers)]
            lines += [f"| {lang} | " + " | ".join(
                "–" if per[a].get("right_catalog_checked") is None else pct(per[a]["right_catalog_checked"])
                for a in answers) + " |" for lang, per in checked.items()]
    return lines


# ------------------------------------------------------------------------------- classifiers
def accuracy_section(cv: dict, images: Path) -> list[str]:
    systems = cv["systems"]
    lines = [f"{cv['n_examples']} training examples (data/nlu), {cv['k']} stratified folds (by language and "
             "answer, seed 42), the same folds for every system. Each cell: right / fallback / wrong (%), "
             "at the fallback threshold the system ships with.", ""]
    header = "| language | " + " | ".join(s["label"] for s in systems.values()) + " |"
    lines += [header, "|---" * (len(systems) + 1) + "|"]
    for lang in LANGUAGES:
        cells = [f"{pct(s['per_language'][lang]['accuracy'])} / {pct(s['per_language'][lang]['fallback'])} / "
                 f"{pct(s['per_language'][lang]['wrong_answer'])}" if lang in s["per_language"] else "–"
                 for s in systems.values()]
        lines.append(f"| {lang} | " + " | ".join(cells) + " |")
    lines.append("| folds run | " + " | ".join(f"{len(s['folds'])} of {s['of_folds']}" for s in systems.values()) + " |")
    seconds = [f"{sum(s['train_seconds']) / len(s['train_seconds']):.0f} s" if s["train_seconds"] else "–"
               for s in systems.values()]
    lines.append("| training per fold (wall clock) | " + " | ".join(seconds) + " |")
    not_run = [name for name, s in systems.items() if not s["folds"]]
    if not_run:
        lines += ["", f"Not run in this run: {', '.join(not_run)} (see the notes below)."]
    lines += ["", verdict(systems), "", f"![right answers per language and system]({plot_accuracy(systems, images)})",
              "", "Threshold sweep (best intent and its confidence before the fallback; every language "
              "together): the fewer wrong answers a system gives for a given share of \"please rephrase\", "
              "the better.", "", f"![wrong answers against fallbacks]({plot_sweep(systems, images)})", ""]
    project = systems.get("project")
    if project and project.get("sweep"):
        lines += ["The project's sweep, per language (right / fallback / wrong, %):", "",
                  "| threshold | " + " | ".join(project["sweep"]) + " |", "|---|" + "---|" * len(project["sweep"])]
        rows = zip(*project["sweep"].values())
        for row in rows:
            lines.append(f"| {row[0]['threshold']:g} | " + " | ".join(
                f"{pct(r['right'])} / {pct(r['fallback'])} / {pct(r['wrong'])}" for r in row) + " |")
        lines.append("")
    if project:
        lines += ["Most confused answers of the project pipeline (true → predicted, all folds):", "",
                  "| true | predicted | times |", "|---|---|---|"]
        lines += [f"| {t} | {p} | {n} |" for t, p, n in project["confusions"][:10]]
    return lines


def verdict(systems: dict) -> str:
    """Whether the shipped pipeline is ahead of every other system, on right and on wrong answers."""
    project = systems.get("project")
    if not project or not project["per_language"]:
        return "The project pipeline was not run."
    behind = []
    for name, s in systems.items():
        for lang, mine in project["per_language"].items():
            other = s["per_language"].get(lang)
            if name == "project" or not other:
                continue
            if other["accuracy"] > mine["accuracy"]:
                behind.append(f"{lang}: fewer right answers than {s['label']}")
            if other["wrong_answer"] < mine["wrong_answer"]:
                behind.append(f"{lang}: more wrong answers than {s['label']}")
    if not behind:
        return ("The shipped pipeline (linear SVM) is ahead of every other system run here, on right answers "
                "and on wrong answers, in every language.")
    return "The shipped pipeline is not ahead everywhere: " + "; ".join(behind) + "."


# ---------------------------------------------------------------------------------- language
def reply_language_section(data: dict, images: Path) -> list[str]:
    lines = [f"Detection and the decision rule (`bot.language.decide`), with the classifier stored in the "
             f"model. Blind sets: `{data.get('round')}`. 'in conversation': the conversation is already in "
             "that language. 'new conversation': first message; 'right' includes a best guess answered at "
             "once with the language buttons under it, 'asked' is the five-language choice alone. 'with the "
             "phone's language': a new conversation on Telegram, whose messages carry the language of the "
             "user's app (here: the writer's language); WhatsApp sends no app language, only a foreign number's "
             "country as a weaker guess (`phone_codes`), which this bench cannot measure.", "",
             "| messages | language | n | in conversation: right | new conversation: right | asked | wrong "
             "| new, with the phone's language: right |",
             "|---|---|---|---|---|---|---|---|"]
    for kind, per_lang in data.get("languages", {}).items():
        for lang, s in per_lang.items():
            lines.append(f"| {kind} | {lang} | {s['n']} | {pct(s['in_conversation'])}% | "
                         f"{pct(s['new_conversation'])}% | {pct(s['new_conversation_asked'])}% | "
                         f"{pct(s['new_conversation_wrong'])}% | "
                         f"{pct(s['new_conversation_phone_hint']) + '%' if 'new_conversation_phone_hint' in s else '–'} |")
    other = data.get("other", {})
    if other:
        lines += ["", "Languages the assistant does not speak (recognised: answered with \"I speak these five\"), "
                  "and first messages with no language at all (recognised: the five-language choice):", "",
                  "| | " + " | ".join(other) + " |", "|---|" + "---|" * len(other),
                  "| recognised | " + " | ".join(f"{pct(s['recognised'])}% ({s['n']})" for s in other.values()) + " |"]
    return lines


# ------------------------------------------------------------------------------------- speed
def speed_section(speed: dict, images: Path) -> list[str]:
    lines = ["Through the REST channel with the action server, on this machine (2 cores); one Rasa "
             "process, in-memory tracker store. Milliseconds.", "",
             "| Rasa | concurrency | messages | errors | p50 | p95 | p99 | messages/s | Rasa RSS | actions RSS |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for name, label in (("project", "with bot.rasa_process"), ("stock_rasa", "stock `rasa run`")):
        run = speed.get(name)
        for row in (run or {}).get("levels", []):
            lines.append(f"| {label} | {row['concurrency']} | {row['messages']} | {row['errors']} | "
                         f"{row['p50_ms']:.0f} | {row['p95_ms']:.0f} | {row['p99_ms']:.0f} | "
                         f"{row['throughput']:.0f} | {run['rasa_mb']} MB | {run['actions_mb']} MB |")
    growth = speed.get("project", {}).get("growth") or []
    if growth:
        lines += ["", "One conversation of 300 messages (median per window of turns):", "",
                  "| turns | " + " | ".join(g["turns"] for g in growth) + " |", "|---|" + "---|" * len(growth),
                  "| median | " + " | ".join(f"{g['median_ms']:.0f} ms" for g in growth) + " |"]
    parts = speed.get("project", {}).get("parts") or {}
    steps = [(label, parts.get(key)) for key, label in (("language_classifier", "language classifier"),
                                                        ("language_detection", "language detection (classifier on the message and its clauses, terms)"),
                                                        ("safety_model", "safety model"),
                                                        ("safety_lists", "safety phrase lists"))]
    if any(cost for _, cost in steps):
        lines += ["", f"The project's own steps, in process, per message ({parts['messages']} held-out questions):", "",
                  "| step | p50 | p95 |", "|---|---|---|"]
        lines += [f"| {label} | {cost['p50_ms']:.2f} ms | {cost['p95_ms']:.2f} ms |" for label, cost in steps if cost]
    if speed.get("project", {}).get("levels"):
        lines += ["", f"![latency by concurrency]({plot_concurrency(speed, images)})"]
    return lines


def scaling_section(scaling: list[dict], images: Path) -> list[str]:
    lines = ["Synthetic answers added in a temporary copy (six questions per language each), trained "
             "from scratch and served like the real assistant; the real held-out questions asked.", "",
             "| answers | training | model file | p50 (c=1) | p95 (c=8) | messages/s (c=8) | Rasa RSS | actions RSS |",
             "|---|---|---|---|---|---|---|---|"]
    for row in scaling:
        c1, c8 = level(row, 1), level(row, 8)
        lines.append(f"| {row['answers']} | {row['train_seconds']} s | {row['model_mb']} MB | "
                     f"{c1['p50_ms']:.0f} ms | {c8['p95_ms']:.0f} ms | {c8['throughput']:.0f} | "
                     f"{row['rasa_mb']} MB | {row['actions_mb']} MB |")
    lines += ["", f"![latency and memory by number of answers]({plot_scaling(scaling, images)})"]
    return lines


def render(results: dict, images: Path) -> str:
    """The whole page; plots are written to `images` and linked relative to docs/."""
    images.mkdir(parents=True, exist_ok=True)
    machine = results.get("machine", {})
    out = ["# Benchmarks", "",
           f"Written by `python -m bench` on {machine.get('date', '?')} ({machine.get('cpus', '?')} CPU cores, "
           f"Python {machine.get('python', '?')}, Rasa {machine.get('rasa', '?')}); the numbers are in "
           "[benchmarks.json](benchmarks.json). Re-run: `make bench` (see [How to re-run](#how-to-re-run)). "
           "Fuzzing, load on the production set-up and the gateways' overhead: [robustness.md](robustness.md).",
           "", "## Targets", ""]
    out += targets_table(results)
    sections: list[tuple[str, str, Callable[[Any, Path], list[str]]]] = [
        ("Safety on unseen messages", "safety", safety_section),
        ("Understanding unseen questions", "understanding", understanding_section),
        ("Intent classifiers: cross-validation and baselines", "crossval", accuracy_section),
        ("Reply language", "reply_language", reply_language_section),
        ("Speed and memory", "speed", speed_section),
        ("Scaling with the number of answers", "scaling", scaling_section),
    ]
    for title, key, section in sections:
        out += ["", f"## {title}", ""]
        out += section(results[key], images) if key in results else ["Not measured in this run."]
    training = results.get("training", {})
    out += ["", "## Training and content edits", ""]
    if training:
        edit = training.get("live_edit", {})
        out += [f"- Full training from scratch (`rasa train`, own empty cache): **{training['seconds']:.0f} s**.",
                f"- Answer edit to the first reply that shows it ({edit.get('edits')} edits, `bench.live_edit`): "
                f"median {edit.get('median_s')} s, max {edit.get('max_s')} s."]
    else:
        out.append("Not measured in this run.")
    out += ["", "## Why, and what is missed", "", NOTES.read_text(encoding="utf-8").strip(),
            "", "## How to re-run", "", HOW_TO, ""]
    return "\n".join(out)


HOW_TO = """\
`make bench` (= `.venv/bin/python -m bench`) runs every section and rewrites this page,
`docs/benchmarks.json` and the plots in `docs/img/`. Cross-validation results are kept per
system and fold in `results/bench/`, so an interrupted run continues where it stopped.
`python -m bench --only speed,safety` re-runs some sections and keeps the others;
`--limit rasa_default=1` runs only the first fold of a slow system; `--render` only rewrites
the page from the JSON. Close other programs first: speed figures on 2 cores are sensitive.
The blind sets are measured on their newest round; the first run on each round is kept as it came
out in `bench/measured/` (never overwritten by a re-run)."""
