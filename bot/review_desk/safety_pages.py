"""The review desk's pages for the safety phrase lists (`locales/<lang>/safety.yml`): per language
and list, the phrases, their review status and the blind-set figure beside them. Same rules as
:mod:`bot.review_desk.pages`, whose building blocks they use."""
from __future__ import annotations

from collections import Counter
from typing import Optional

from bot import review
from bot.config import LANGUAGES
from bot.knowledge import Knowledge
from bot.review_desk.model import SAFETY_LISTS, Desk, SafetyCell
from bot.review_desk.pages import DONE, _counts, badge, e, english, lang_name, layout, record_line, review_forms


def _recall_text(figure: Optional[dict], k: Knowledge, lang: str, name: str) -> str:
    if not figure:
        return "No blind-set figure for this list."
    where = f"messages in {english(lang)}, blind set {e(figure['round'])}, all lists together"
    if figure["calm"]:
        alarms = figure["n"] - figure["right"]
        return (f'False alarms on calm messages: <strong>{100 * figure["rate"]:.0f}%</strong> '
                f'({alarms} of {figure["n"]}; {where}; lower is better)')
    return (f'Caught: <strong>{100 * figure["rate"]:.0f}%</strong> ({figure["right"]} of {figure["n"]} '
            f'{e(name.replace("_", " "))} {where})')


def safety_overview(desk: Desk, k: Knowledge, results: dict) -> str:
    sections = []
    for lang in LANGUAGES:
        items = []
        for name in desk.safety_names(k, lang):
            cell = desk.safety_cell(k, lang, name)
            items.append(f'<li class="answer" data-list="{lang}-{name}"><a href="/safety/{lang}/{name}">'
                         f'{e(name.replace("_", " "))}</a> – {len(cell.phrases)} phrases {badge(cell.status)}'
                         f'<br><span class="recall">{_recall_text(desk.recall_of(results, lang, name), k, lang, name)}</span></li>')
        sections.append(f'<section aria-labelledby="s-{lang}"><h2 id="s-{lang}">{lang_name(k, lang)}</h2>'
                        f'<ul class="answers">{"".join(items)}</ul></section>')
    body = f"""
    <h1>Safety phrase lists</h1>
    <p class="lead">A message with one of these phrases gets the matching help answer first, in every language.
      Review each list per language. The figures beside them come from a blind set of messages written by people who
      never saw the lists (phrase lists alone, no language model).</p>
    {_counts(desk.counts(k).get("safety", Counter()), "Safety phrase lists", "safety")}
    {"".join(sections)}"""
    return layout("Safety phrase lists", body)


def safety_list(desk: Desk, k: Knowledge, cell: SafetyCell, results: dict, done: str = "") -> str:
    lang, name = cell.lang, cell.name
    flash = ""
    if done in DONE:
        flash = f'<p class="flash" role="status" id="flash">Recorded: {DONE[done]}.</p>'
    changes = ""
    if cell.edited_since:
        if cell.record is not None and cell.record.reviewed is None:
            changes = "<p>This older record kept only a fingerprint of the reviewed list; read the whole list again.</p>"
        else:
            changes = (f'<h3>Added since the review ({len(cell.added)})</h3><ul lang="{lang}" class="phrases">'
                       + "".join(f"<li><ins>{e(p)}</ins></li>" for p in cell.added) + "</ul>"
                       f'<h3>Removed since the review ({len(cell.removed)})</h3><ul lang="{lang}" class="phrases">'
                       + "".join(f"<li><del>{e(p)}</del></li>" for p in cell.removed) + "</ul>")
            if not cell.added and not cell.removed:
                changes += "<p>Only the order of the phrases changed.</p>"
        changes = f'<div class="diff" id="diff">{changes}</div>'
    body = f"""
    <p class="crumbs"><a href="/safety">All safety lists</a></p>
    {flash}
    <h1>{english(lang)} ({lang}) safety phrases: {e(name.replace("_", " "))}</h1>
    <p>What this list catches: {e(SAFETY_LISTS.get(name, name))}.</p>
    <p class="status" id="status">{badge(cell.status)} {record_line(cell.record, cell.edited_since)}</p>
    <p class="recall">{_recall_text(desk.recall_of(results, lang, name), k, lang, name)}</p>
    {changes}
    {review_forms(review.safety_key(name), lang, cell.hash, "this list", f"/safety/{lang}/{name}")}
    <h2>The {len(cell.phrases)} phrases</h2>
    <p class="hint">Matching ignores case, accents and repeated letters; <code>word*</code> matches any ending, a lone
      <code>*</code> one word, <code>..</code> up to three words (docs/content-schema.md).</p>
    <ol class="phrases" lang="{lang}">{"".join(f"<li>{e(p)}</li>" for p in cell.phrases)}</ol>"""
    return layout(f"{lang} {name}", body)
