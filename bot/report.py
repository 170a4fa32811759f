"""The content report for editors and SWAD: which answer exists in which language, its review
state and length, per-language completeness, and the contacts in use. Static HTML (works
offline, no scripts, no external assets) plus the same tables in Markdown."""
from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from bot.config import LANGUAGES
from bot.knowledge import PLACEHOLDER, Knowledge
from bot.review import APPROVED, STATUSES


@dataclass(frozen=True)
class Cell:
    present: bool
    status: str
    length: int
    reviewed_on: str


def cells(k: Knowledge) -> dict[str, dict[str, Cell]]:
    table: dict[str, dict[str, Cell]] = {}
    for answer_id in k.meta:
        row = {}
        for lang in LANGUAGES:
            if answer_id not in k.answers.get(lang, {}):
                row[lang] = Cell(False, "missing", 0, "")
                continue
            record = k.reviews.get(lang, {}).get(answer_id)
            row[lang] = Cell(True, k.review_status(answer_id, lang), len(k.answer_text(answer_id, lang)),
                             record.date if record else "")
        table[answer_id] = row
    return table


def summary(k: Knowledge, table: dict[str, dict[str, Cell]]) -> dict[str, dict[str, float]]:
    total = len(table) or 1
    result = {}
    for lang in LANGUAGES:
        present = sum(row[lang].present for row in table.values())
        approved = sum(row[lang].status == APPROVED for row in table.values())
        result[lang] = {"present": present, "complete": present / total, "approved": approved,
                        "reviewed": approved / total}
    return result


def contacts_in_use(k: Knowledge) -> dict[str, list[str]]:
    """Contact key -> the answer ids whose text uses it (any language)."""
    used: dict[str, set] = {}
    for answers in k.answers.values():
        for answer_id, entry in answers.items():
            for part in entry.values():
                for match in PLACEHOLDER.finditer(part):
                    if match.group(1) in k.contacts:
                        used.setdefault(match.group(1), set()).add(answer_id)
    return {key: sorted(ids) for key, ids in sorted(used.items())}


@dataclass(frozen=True)
class Section:
    title: str
    header: tuple[str, ...]
    rows: list[tuple[str, ...]]
    classes: Sequence[tuple[str, ...]] = ()   # CSS class per cell (HTML only)


def sections(k: Knowledge, usage: Sequence[tuple] = ()) -> list[Section]:
    """The report's tables, once; Markdown and HTML only render them."""
    table = cells(k)
    result = [Section("Per language", ("language", "answers", "complete", "approved", "reviewed"),
                      [(lang, str(s["present"]), f"{s['complete']:.0%}", str(s["approved"]), f"{s['reviewed']:.0%}")
                       for lang, s in summary(k, table).items()])]
    result.append(Section(
        "Answers", ("answer",) + LANGUAGES,
        [(answer_id,) + tuple(f"{c.status}, {c.length} ch" + (f", reviewed {c.reviewed_on}" if c.reviewed_on else "")
                              for c in row.values()) for answer_id, row in table.items()],
        [("",) + tuple(c.status.split()[0] for c in row.values()) for row in table.values()]))
    result.append(Section("Contacts in use", ("contact", "shown as", "used in"), [
        (k.contacts[key]["name"], ", ".join(v for f, v in k.contacts[key].items() if f != "name"), ", ".join(ids))
        for key, ids in contacts_in_use(k).items()]))
    if usage:
        result.append(Section("Usage per day (no ids, no texts)", ("day", "language", "answer", "count"),
                              [tuple(str(v) for v in row) for row in usage]))
    return result


def markdown(k: Knowledge, usage: Sequence[tuple] = ()) -> str:
    lines = ["# Content report", ""]
    for section in sections(k, usage):
        lines += [f"## {section.title}", "", "| " + " | ".join(section.header) + " |",
                  "|" + "---|" * len(section.header)]
        lines += ["| " + " | ".join(row) + " |" for row in section.rows] + [""]
    return "\n".join(lines)


_STYLE = """body{font:16px/1.4 system-ui,sans-serif;margin:2rem;color:#111}table{border-collapse:collapse;
margin-bottom:2rem}td,th{border:1px solid #999;padding:.3rem .5rem;text-align:left}
.approved{background:#d8f5d0}.unreviewed{background:#fff3c4}.rejected,.missing{background:#f9c9c9}
.changed{background:#ffd9a8}"""


def html_page(k: Knowledge, usage: Sequence[tuple] = ()) -> str:
    esc = html.escape
    out = ["<!doctype html><html lang='en'><meta charset='utf-8'><title>Content report</title>",
           f"<style>{_STYLE}</style><h1>Content report</h1>",
           "<p>Legend: " + ", ".join(f"<span class='{st.split()[0]}'>{esc(st)}</span>" for st in STATUSES) + "</p>"]
    for section in sections(k, usage):
        out.append(f"<h2>{esc(section.title)}</h2><table><tr>" + "".join(f"<th>{esc(h)}" for h in section.header))
        for i, row in enumerate(section.rows):
            classes = section.classes[i] if section.classes else ("",) * len(row)
            out.append("<tr>" + "".join(f"<td class='{c}'>{esc(v)}" if c else f"<td>{esc(v)}"
                                        for v, c in zip(row, classes)))
        out.append("</table>")
    return "\n".join(out) + "\n</html>\n"


def write(k: Knowledge, folder: Path, usage: Sequence[tuple] = ()) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    page, md = folder / "content-report.html", folder / "content-report.md"
    page.write_text(html_page(k, usage), encoding="utf-8")
    md.write_text(markdown(k, usage), encoding="utf-8")
    return page, md
