"""The benchmark page's plots (PNG in docs/img/), drawn with matplotlib from the results JSON."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.config import LANGUAGES


def level(speed: dict, concurrency: int):
    return next((row for row in speed.get("levels", []) if row["concurrency"] == concurrency), None)


def _figure(size: tuple[float, float] = (7, 3.2)):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt, plt.subplots(1, 1, figsize=size)


def plot_accuracy(systems: dict, images: Path) -> str:
    plt, (figure, axes) = _figure()
    width = 0.8 / max(1, len(systems))
    for n, s in enumerate(systems.values()):
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


def plot_sweep(systems: dict, images: Path) -> str:
    """Wrong answers against fallbacks as the threshold rises, per system (all languages)."""
    plt, (figure, axes) = _figure()
    for s in systems.values():
        sweep = s.get("sweep") or {}
        if not sweep:
            continue
        rows = list(zip(*[sweep[lang] for lang in sweep]))   # per threshold, one row per language
        fallback = [100 * sum(r["fallback"] for r in row) / len(row) for row in rows]
        wrong = [100 * sum(r["wrong"] for r in row) / len(row) for row in rows]
        axes.plot(fallback, wrong, "-o", markersize=3, label=s["label"])
    axes.set_xlabel("fallback: please rephrase (%)")
    axes.set_ylabel("wrong answer (%)")
    axes.legend(fontsize=7)
    axes.grid(alpha=0.3)
    return _save(plt, figure, images / "bench-sweep.png")
