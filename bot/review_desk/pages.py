"""The review desk's pages, as plain HTML rendered on the server (no templates, no inline scripts
or styles: the Content-Security-Policy allows only this server's own files).

Every page works with the keyboard alone (links, native buttons and form fields), has one `h1`,
marks each text with its language (`lang`), and never relies on colour alone: every status is
also written out."""
from __future__ import annotations

from collections import Counter
from html import escape
from typing import Iterable, Optional

from bot import review
from bot.config import LANGUAGES
from bot.knowledge import Knowledge, Problem
from bot.languages import english_name
from bot.review_desk.model import CAREFUL_CHOICES, Cell, Desk, Row

STATUS_CLASS = {review.APPROVED: "approved", review.CHANGED: "changed", review.REJECTED: "rejected",
                review.UNREVIEWED: "unreviewed"}
PART_LABELS = {"title": "Title (on buttons)", "text": "First message", "more": "More (second message)"}
DONE = {"approved": "approved", "rejected": "rejected"}


def e(value: object) -> str:
    return escape(str(value), quote=True)


def layout(title: str, body: str, *, page_class: str = "") -> str:
    return f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{e(title)} – review desk</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="/shared/palette.css">
  <link rel="stylesheet" href="/static/desk.css">
  <script src="/static/desk.js" defer></script>
</head>
<body class="{e(page_class)}">
  <a class="skip" href="#main">Skip to content</a>
  <header class="top">
    <nav aria-label="Desk" class="nav">
      <a href="/">Answers</a>
      <a href="/safety">Safety phrases</a>
    </nav>
    <div class="who">
      <form id="name-form" class="name-form">
        <label for="reviewer-name">Your name, for the review records (asked once; kept only in this browser tab)</label>
        <span class="inline">
          <input id="reviewer-name" name="reviewer-name" type="text" autocomplete="name" maxlength="80" required>
          <button type="submit" id="name-save">Save name</button>
        </span>
        <span id="name-needed" class="needed" role="alert" hidden>Type your name first: every review record carries it.</span>
      </form>
      <p id="name-shown" class="name-shown" hidden>Reviewing as <strong id="name-value"></strong>
        <button type="button" id="name-change">Change name</button></p>
    </div>
  </header>
  <main id="main">
{body}
  </main>
  <footer class="foot">This desk runs on this computer only (127.0.0.1). Never make it reachable from a network.</footer>
</body>
</html>
"""


def badge(status: str) -> str:
    return f'<span class="badge {STATUS_CLASS[status]}">{e(status)}</span>'


def english(lang: str) -> str:
    """The desk speaks English: a language's `english_name` (locales/<lang>/language.yml); each
    language is also named in its own words (:func:`lang_name`)."""
    return english_name(lang)


def lang_name(k: Knowledge, lang: str) -> str:
    own = k.language_name(lang)
    if own == english(lang):
        return f"{e(own)} ({lang})"
    return f'{e(english(lang))} – <span lang="{lang}">{e(own)}</span> ({lang})'


def record_line(record: Optional[review.Record], edited: bool) -> str:
    if record is None:
        return "Nobody has reviewed this yet."
    verb = "Approved" if record.status == review.APPROVED else "Rejected"
    line = f"{verb} by <strong>{e(record.reviewer)}</strong> on {e(record.date)}"
    if record.note:
        line += f': <q class="note">{e(record.note)}</q>'
    if edited:
        line += ". The wording has changed since"
    return line + "."


def problems_page(problems: Iterable[Problem]) -> str:
    items = "".join(f"<li><code>{e(p)}</code></li>" for p in problems)
    return layout("Fix the files first", f"""
    <h1>The knowledge files have a problem</h1>
    <p>Nothing can be reviewed until the editor fixes these (<code>python -m bot validate</code> shows the same).
      Reload this page afterwards.</p>
    <ul class="problems">{items}</ul>""")


def message_page(title: str, text: str, back: str) -> str:
    return layout(title, f"""
    <h1>{e(title)}</h1>
    <p>{e(text)}</p>
    <p><a href="{e(back)}">Back to the page</a></p>""")


# ---------------------------------------------------------------------------- overview
def _select(name: str, label: str, options: list[tuple[str, str]], chosen: str) -> str:
    opts = "".join(f'<option value="{e(v)}"{" selected" if v == chosen else ""}>{e(t)}</option>' for v, t in options)
    return f'<p class="field"><label for="f-{name}">{e(label)}</label><select id="f-{name}" name="{name}">{opts}</select></p>'


def _counts(counter: Counter, total_label: str, key: str) -> str:
    total = sum(counter.values())
    parts = "".join(f'<li><span class="badge {STATUS_CLASS[s]}">{e(s)}</span> '
                    f'<span data-count="{key}-{STATUS_CLASS[s]}">{counter.get(s, 0)}</span></li>'
                    for s in review.STATUSES)
    return f'<p>{e(total_label)}: <span data-count="{key}-total">{total}</span></p><ul class="counts">{parts}</ul>'


def _progress(k: Knowledge, counts: dict[str, Counter], kind: str) -> str:
    rows = []
    for lang in LANGUAGES:
        c = counts.get(f"{kind}:{lang}", Counter())
        total, done = sum(c.values()), c.get(review.APPROVED, 0)
        rows.append(f'<li><span class="lang">{lang_name(k, lang)}</span> '
                    f'<progress max="{total}" value="{done}" aria-label="{english(lang)}: {done} of {total} approved">'
                    f'</progress> {done} of {total} approved</li>')
    return f'<ul class="progress">{"".join(rows)}</ul>'


def _chips(k: Knowledge, statuses: dict[str, str]) -> str:
    return "".join(f'<li class="chip {STATUS_CLASS[s]}" data-lang="{lang}">{lang}: {e(s)}</li>'
                   for lang, s in statuses.items())


def overview(desk: Desk, k: Knowledge, rows: list[Row], status: str, lang: str, careful: str) -> str:
    counts = desk.counts(k)
    form = (
        '<form method="get" action="/" class="filters" aria-labelledby="filters-h">'
        '<h2 id="filters-h">Show</h2>'
        + _select("status", "Review status", [("", "any status")] + [(s, s) for s in review.STATUSES], status)
        + _select("lang", "In the language", [("", "any language")] + [(c, f"{english(c)} ({c})") for c in LANGUAGES], lang)
        + _select("careful", "Answers marked careful",
                  list(zip(CAREFUL_CHOICES, ("in topic order", "careful answers first", "only careful answers"))), careful)
        + '<p class="field"><button type="submit" id="filter">Show these answers</button></p></form>')
    groups: list[tuple[str, str, list[Row]]] = []
    critical = [r for r in rows if r.critical]
    if critical:
        groups.append(("critical", "Critical: safety answers (always shown to users in full)", critical))
    for row in rows:
        if row.critical:
            continue
        if not groups or groups[-1][0] != row.topic:
            groups.append((row.topic, desk.topic_name(row.topic), []))
        groups[-1][2].append(row)
    sections = []
    for key, label, items in groups:
        per_lang = " · ".join(f"{c} {sum(r.statuses[c] == review.APPROVED for r in items)}/{len(items)}"
                              for c in LANGUAGES)
        lis = "".join(
            f'<li class="answer" data-answer="{e(r.id)}">'
            f'<a href="/answer/{e(r.id)}">{e(r.question)}</a> <code>{e(r.id)}</code>'
            + (' <span class="flag critical">critical</span>' if r.critical else "")
            + (' <span class="flag careful">careful</span>' if r.careful else "")
            + f'<ul class="chips" aria-label="review status per language">{_chips(k, r.statuses)}</ul></li>'
            for r in items)
        sections.append(f'<section aria-labelledby="t-{e(key)}"><h3 id="t-{e(key)}">{e(label)}</h3>'
                        f'<p class="topic-progress">approved per language: {per_lang}</p><ul class="answers">{lis}</ul></section>')
    shown = f'<p id="shown" role="status">{len(rows)} answer(s) shown.</p>'
    body = f"""
    <h1>Review desk</h1>
    <p class="lead">Read each answer in five languages next to what it must say, then approve or reject it per language.</p>
    <section aria-labelledby="progress-h" class="summary">
      <h2 id="progress-h">Progress</h2>
      <div class="two">
        <div>{_counts(counts.get("answers", Counter()), "Answer texts", "answers")}{_progress(k, counts, "answers")}</div>
        <div>{_counts(counts.get("safety", Counter()), "Safety phrase lists", "safety")}
          <p><a href="/safety">Review the safety phrase lists</a></p></div>
      </div>
    </section>
    {form}
    <h2>Answers</h2>
    {shown}
    {"".join(sections) or "<p>No answer matches. Choose other filters.</p>"}"""
    return layout("Answers", body)


# ---------------------------------------------------------------------------- one answer
def _brief(desk: Desk, k: Knowledge, answer_id: str) -> str:
    entry = desk.catalog().get(answer_id)
    meta = k.meta[answer_id]
    if entry is None:
        facts = (f"<p>This answer is not in the catalog ({e(desk.catalog_path)}); "
                 "there is no list of facts it must say.</p>")
    else:
        facts = "<ul>" + "".join(f"<li>{e(f)}</li>" for f in entry.get("must_say") or []) + "</ul>"
    parts = [f'<h2 id="brief-h">What it must say (the catalog)</h2>{facts}']
    careful = (entry or {}).get("careful")
    if careful or meta.careful:
        parts.append(f'<h3>Careful</h3><p class="careful-note">{e(careful or "Marked careful: word it cautiously.")}</p>')
    if entry and entry.get("note"):
        parts.append(f'<h3>Note</h3><p>{e(entry["note"])}</p>')
    sources = (entry or {}).get("sources") or meta.sources
    parts.append("<h3>Sources</h3><ul>" + "".join(f"<li>{e(s)}</li>" for s in sources) + "</ul>")
    if meta.last_checked:
        parts.append(f"<p>Facts last checked: {e(meta.last_checked.isoformat())}.</p>")
    return f'<section class="brief" aria-labelledby="brief-h">{"".join(parts)}</section>'


def _shorten(text: str, first: bool, last: bool, keep: int = 8) -> str:
    """An unchanged stretch between changes, cut to `keep` words on each side that touches one."""
    words = text.split(" ")
    if len(words) <= 2 * keep + 2:
        return text
    head = [] if first else words[:keep]
    tail = [] if last else words[-keep:]
    return " ".join(head) + " … " + " ".join(tail)


def _diff(ops: list[tuple[str, str]]) -> str:
    out = []
    for i, (op, text) in enumerate(ops):
        if op == "same":
            out.append(e(_shorten(text, i == 0, i == len(ops) - 1)))
        elif op == "del":
            out.append(f'<del><span class="sr">[removed: </span>{e(text)}<span class="sr">]</span></del>')
        else:
            out.append(f'<ins><span class="sr">[added: </span>{e(text)}<span class="sr">]</span></ins>')
    return "".join(out)


def _changes(cell: Cell, lang: str) -> str:
    if not cell.edited_since:
        return ""
    if cell.record is not None and cell.record.reviewed is None:
        return ('<div class="diff"><h4>Changed since review</h4><p>This older record kept only a fingerprint of the '
                'reviewed wording, so the changes cannot be shown. Read the whole text again.</p></div>')
    parts = "".join(f'<h5>{e(PART_LABELS[part])}</h5><p class="msg" lang="{lang}">{_diff(ops)}</p>'
                    for part, ops in cell.changes.items())
    return (f'<div class="diff" id="diff-{lang}"><h4>What changed since the review</h4>'
            f'<p class="hint">Removed words are struck through, added words underlined; long unchanged parts are '
            f'cut (…). Contact details show as placeholders here, e.g. {{proud.url}}.</p>{parts}</div>')


def review_forms(key: str, lang: str, hash_: str, language: str, back: str) -> str:
    hidden = (f'<input type="hidden" name="key" value="{e(key)}"><input type="hidden" name="lang" value="{lang}">'
              f'<input type="hidden" name="hash" value="{e(hash_)}"><input type="hidden" name="reviewer" value="">'
              f'<input type="hidden" name="back" value="{e(back)}">')
    return f"""<div class="actions">
      <form method="post" action="/review" class="review">{hidden}
        <button type="submit" name="action" value="approve" class="approve" id="approve-{lang}">Approve {e(language)}</button>
      </form>
      <form method="post" action="/review" class="review reject">{hidden}
        <label for="note-{lang}">Why reject {e(language)}? (needed to reject)</label>
        <textarea id="note-{lang}" name="note" rows="3" maxlength="2000" required></textarea>
        <button type="submit" name="action" value="reject" class="reject-button" id="reject-{lang}">Reject {e(language)}</button>
      </form>
    </div>"""


def _cell(k: Knowledge, answer_id: str, cell: Cell, print_only: bool) -> str:
    lang = cell.lang
    texts = f'<h4>{PART_LABELS["title"]}</h4><p class="title" lang="{lang}">{e(cell.title)}</p>'
    texts += f'<h4>{PART_LABELS["text"]}</h4><p class="msg" lang="{lang}">{e(cell.text)}</p>'
    if cell.more:
        texts += f'<h4>{PART_LABELS["more"]}</h4><p class="msg" lang="{lang}">{e(cell.more)}</p>'
    warnings = ""
    if cell.warnings:
        warnings = ('<div class="warnings"><h4>Content check</h4><ul>'
                    + "".join(f"<li>{e(w)}</li>" for w in cell.warnings) + "</ul></div>")
    status = (f'<p class="status" id="status-{lang}">{badge(cell.status)} '
              f'{record_line(cell.record, cell.edited_since)}</p>')
    if print_only:
        actions = ('<p class="signoff">Decision: ☐ approve ☐ reject — reviewer: ____________________<br>'
                   'Comment: ____________________________________________</p>')
    else:
        actions = review_forms(answer_id, lang, cell.hash, english(lang), f"/answer/{answer_id}")
    return (f'<article class="cell {STATUS_CLASS[cell.status]}" id="lang-{lang}" data-lang="{lang}" '
            f'data-status="{e(cell.status)}" aria-labelledby="h-{lang}">'
            f'<h3 id="h-{lang}">{lang_name(k, lang)}</h3>{status}{_changes(cell, lang)}{texts}{warnings}{actions}</article>')


def _flags(k: Knowledge, answer_id: str) -> str:
    meta = k.meta[answer_id]
    return (f'<p class="tags">Answer <code>{e(answer_id)}</code> · topic {e(meta.topic.replace("_", " "))}'
            + (' · <span class="flag critical">critical: always shown to users in full</span>' if meta.critical else "")
            + (' · <span class="flag careful">careful</span>' if meta.careful else "") + "</p>")


def answer(desk: Desk, k: Knowledge, answer_id: str, done: str = "") -> str:
    ids = list(k.meta)
    following = ids[(ids.index(answer_id) + 1) % len(ids)]
    cells = desk.cells(k, answer_id)
    flash = ""
    if done:
        lang, _, what = done.partition("-")
        if lang in LANGUAGES and what in DONE:
            flash = f'<p class="flash" role="status" id="flash">Recorded: {english(lang)} {DONE[what]}.</p>'
    body = f"""
    <p class="crumbs"><a href="/">All answers</a> · <a href="/answer/{e(following)}">Next answer</a> ·
      <a href="/answer/{e(answer_id)}/print">Printable page for a review meeting</a></p>
    {flash}
    <h1>{e(desk.question(answer_id))}</h1>
    {_flags(k, answer_id)}
    {_brief(desk, k, answer_id)}
    <h2>The answer in five languages, as users see it</h2>
    <div class="langs">{"".join(_cell(k, answer_id, c, False) for c in cells)}</div>"""
    return layout(desk.question(answer_id), body)


def answer_print(desk: Desk, k: Knowledge, answer_id: str) -> str:
    cells = desk.cells(k, answer_id)
    body = f"""
    <p class="crumbs screen-only"><a href="/answer/{e(answer_id)}">Back to the answer</a>
      <button type="button" data-print>Print or save as PDF</button></p>
    <h1>{e(desk.question(answer_id))}</h1>
    {_flags(k, answer_id)}
    {_brief(desk, k, answer_id)}
    <h2>The answer in five languages</h2>
    <div class="stack">{"".join(_cell(k, answer_id, c, True) for c in cells)}</div>"""
    return layout(f"Print: {answer_id}", body, page_class="printable")
