"""Render docs/benchmarks.md and its plots from the results JSON of `python -m bench`.

Every sentence that states a result is computed from the numbers, so a re-run cannot leave the
text saying something the tables contradict.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from bot.config import LANGUAGES

NOTES = Path(__file__).parent / "notes.md"   # the reasons behind the numbers, written by hand

# The targets of the benchmark issue: (what, unit, limit, higher is better)
TARGETS = {
    "accuracy": ("cross-validated accuracy, every language", "%", 95.0, True),
    "macro_f1": ("cross-validated macro F1, every language", "%", 92.0, True),
    "reply_language": ("reply language right (conversation in that language)", "%", 99.0, True),
    "p50_c1": ("p50 latency at concurrency 1, actions included", "ms", 20.0, False),
    "p95_c8": ("p95 latency at concurrency 8, actions included", "ms", 100.0, False),
    "throughput": ("messages per second, one Rasa process", "msg/s", 80.0, True),
    "training": ("full training", "s", 180.0, False),
    "live_edit": ("answer edit to served (max)", "s", 2.0, False),
    "memory": ("Rasa + action server memory (peak RSS)", "MB", 1536.0, False),
}


def pct(value: float) -> str:
    return f"{100 * value:.1f}"


def level(speed: dict, concurrency: int) -> Optional[dict]:
    return next((row for row in speed.get("levels", []) if row["concurrency"] == concurrency), None)


def measured(results: dict) -> dict[str, Optional[float]]:
    """The number that each target is judged on (None: not measured in this run)."""
    cv = results.get("crossval", {}).get("systems", {}).get("project")
    speed = results.get("speed", {}).get("project", {})
    language = results.get("reply_language", {})
    training = results.get("training", {})
    c1, c8 = level(speed, 1), level(speed, 8)
    in_conversation = [s["in_conversation"] for kind in language.values() for s in kind.values()]
    return {
        "accuracy": min(100 * s["accuracy"] for s in cv["per_language"].values()) if cv else None,
        "macro_f1": min(100 * s["macro_f1"] for s in cv["per_language"].values()) if cv else None,
        "reply_language": 100 * min(in_conversation) if in_conversation else None,
        "p50_c1": c1["p50_ms"] if c1 else None,
        "p95_c8": c8["p95_ms"] if c8 else None,
        "throughput": max(row["throughput"] for row in speed["levels"]) if speed.get("levels") else None,
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


def accuracy_section(cv: dict, images: Path) -> list[str]:
    systems = cv["systems"]
    lines = [f"{cv['n_examples']} training examples (data/nlu), {cv['k']} stratified folds (by language and "
             "answer, seed 42), the same folds for every system. Each cell: accuracy / macro F1 (%), "
             "over every example of that language in the folds the system ran.", ""]
    header = "| language | " + " | ".join(s["label"] for s in systems.values()) + " |"
    lines += [header, "|---" * (len(systems) + 1) + "|"]
    for lang in LANGUAGES:
        cells = [f"{pct(s['per_language'][lang]['accuracy'])} / {pct(s['per_language'][lang]['macro_f1'])}"
                 if lang in s["per_language"] else "–" for s in systems.values()]
        lines.append(f"| {lang} | " + " | ".join(cells) + " |")
    folds = [f"{len(s['folds'])} of {s['of_folds']}" for s in systems.values()]
    lines.append("| folds run | " + " | ".join(folds) + " |")
    seconds = [f"{sum(s['train_seconds']) / len(s['train_seconds']):.0f} s" if s["train_seconds"] else "–"
               for s in systems.values()]
    lines.append("| training per fold (wall clock in this run) | " + " | ".join(seconds) + " |")
    partial = [name for name, s in systems.items() if len(s["folds"]) < s["of_folds"]]
    not_run = [name for name, s in systems.items() if not s["folds"]]
    if not_run:
        lines += ["", f"Not run in this run: {', '.join(not_run)} (see the notes below)."]
    ran = [s for s in systems.values() if s["folds"]]
    shared = sorted(set.intersection(*(set(s["folds"]) for s in ran))) if ran else []
    if len(partial) > len(not_run) and shared:
        lines += ["", f"Not every system ran every fold ({', '.join(partial)}: see the row 'folds run'). "
                  f"On the fold{'s' if len(shared) > 1 else ''} that every system run here ran "
                  f"({', '.join(str(f + 1) for f in shared)}), accuracy in %:", ""]
        lines += [header, "|---" * (len(systems) + 1) + "|"]
        for lang in LANGUAGES:
            cells = []
            for s in systems.values():
                rows = [s["per_fold"][str(f)][lang] for f in shared if lang in s["per_fold"].get(str(f), {})]
                n = sum(r["n"] for r in rows)
                cells.append(pct(sum(r["accuracy"] * r["n"] for r in rows) / n) if n else "–")
            lines.append(f"| {lang} | " + " | ".join(cells) + " |")
    lines += ["", verdict(systems), "", f"![accuracy per language and system]({plot_accuracy(systems, images)})", ""]
    project = systems.get("project")
    if project and project["per_language"]:
        lines += ["Where the project pipeline's misses go: a fallback asks the user to rephrase or pick a "
                  "topic (buttons); a wrong answer is another answer's text.", "",
                  "| language | right | fallback | wrong answer |", "|---|---|---|---|"]
        lines += [f"| {lang} | {pct(s['accuracy'])}% | {pct(s.get('fallback', 0))}% | {pct(s.get('wrong_answer', 0))}% |"
                  for lang, s in project["per_language"].items()]
        lines.append("")
    if project:
        lines += ["Most confused answers of the project pipeline (true → predicted, all folds):", "",
                  "| true | predicted | times |", "|---|---|---|"]
        lines += [f"| {t} | {p} | {n} |" for t, p, n in project["confusions"][:10]]
    return lines


def verdict(systems: dict) -> str:
    """Which design the project keeps, and whether the numbers support it."""
    project = systems.get("project")
    if not project:
        return "The project pipeline was not run."
    others = {name: s for name, s in systems.items() if name != "project"}
    behind = [f"{lang} ({name})" for lang in LANGUAGES for name, s in others.items()
              if lang in s["per_language"] and lang in project["per_language"]
              and s["per_language"][lang]["accuracy"] > project["per_language"][lang]["accuracy"]]
    lead = ("The project pipeline is ahead of every baseline in every language."
            if not behind else "The project pipeline is behind in: " + ", ".join(behind) + ".")
    return (lead + " The project keeps one shared model with its language-aware tokenizer: one model "
            "to train, load and serve, and a message that mixes languages or is too short to detect "
            "still gets an answer, where a router must first pick a language model.")


def reply_language_section(language: dict) -> list[str]:
    lines = ["Language detection plus the conversation rule (`bot.language.conversation_language`). "
             "'in conversation': the conversation is already in that language, as after the first "
             "message or a language button. 'new conversation': first message; when the language is "
             "unclear the assistant asks (a language choice with buttons) instead of guessing.", "",
             "| messages | language | n | in conversation: right | new conversation: right | asked | wrong |",
             "|---|---|---|---|---|---|---|"]
    for kind, per_lang in language.items():
        for lang, s in per_lang.items():
            lines.append(f"| {kind} | {lang} | {s['n']} | {pct(s['in_conversation'])}% | "
                         f"{pct(s['new_conversation'])}% | {pct(s['new_conversation_asked'])}% | "
                         f"{pct(s['new_conversation_wrong'])}% |")
    return lines


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
    sections: list[tuple[str, Any, Any]] = [
        ("Understanding: cross-validation and baselines", "crossval", accuracy_section),
        ("Reply language", "reply_language", lambda data, _: reply_language_section(data)),
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
`python -m bench --only speed,scaling` re-runs some sections and keeps the others;
`--limit rasa_default=1` runs only the first fold of a slow system; `--render` only rewrites
the page from the JSON. Close other programs first: speed figures on 2 cores are sensitive."""


def _figure(size: tuple[float, float] = (7, 3.2)):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt, plt.subplots(1, 1, figsize=size)


def plot_accuracy(systems: dict, images: Path) -> str:
    plt, (figure, axes) = _figure()
    width = 0.8 / max(1, len(systems))
    for n, (name, s) in enumerate(systems.items()):
        xs = [i + n * width for i, lang in enumerate(LANGUAGES) if lang in s["per_language"]]
        ys = [100 * s["per_language"][lang]["accuracy"] for lang in LANGUAGES if lang in s["per_language"]]
        axes.bar(xs, ys, width, label=s["label"])
    axes.set_xticks([i + 0.4 - width / 2 for i in range(len(LANGUAGES))], LANGUAGES)
    axes.set_ylabel("accuracy (%)")
    axes.set_ylim(50, 100)
    axes.legend(fontsize=7, loc="lower right")
    return _save(plt, figure, images / "bench-accuracy.png")


def plot_concurrency(speed: dict, images: Path) -> str:
    plt, (figure, axes) = _figure()
    for name, style in (("project", "-o"), ("stock_rasa", "--s")):
        rows = speed.get(name, {}).get("levels", [])
        if rows:
            xs = [r["concurrency"] for r in rows]
            axes.plot(xs, [r["p50_ms"] for r in rows], style, label=f"{name} p50")
            axes.plot(xs, [r["p95_ms"] for r in rows], style, alpha=0.5, label=f"{name} p95")
    axes.set_xscale("log", base=2)
    axes.set_yscale("log")
    axes.set_xlabel("concurrent users")
    axes.set_ylabel("latency (ms)")
    axes.legend(fontsize=7)
    return _save(plt, figure, images / "bench-concurrency.png")


def plot_scaling(scaling: list[dict], images: Path) -> str:
    plt, (figure, axes) = _figure()
    xs = [row["answers"] for row in scaling]
    axes.plot(xs, [level(row, 1)["p50_ms"] for row in scaling], "-o", label="p50 latency, c=1 (ms)")
    axes.plot(xs, [level(row, 8)["p95_ms"] for row in scaling], "-s", label="p95 latency, c=8 (ms)")
    axes.set_xlabel("answers")
    axes.set_ylabel("ms")
    memory = axes.twinx()
    memory.plot(xs, [row["rasa_mb"] + row["actions_mb"] for row in scaling], ":^", color="grey",
                label="Rasa + actions RSS (MB)")
    memory.set_ylabel("MB")
    lines = axes.get_legend_handles_labels()
    extra = memory.get_legend_handles_labels()
    axes.legend(lines[0] + extra[0], lines[1] + extra[1], fontsize=7, loc="upper left")
    return _save(plt, figure, images / "bench-scaling.png")


def _save(plt: Any, figure: Any, path: Path) -> str:
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return f"img/{path.name}"
