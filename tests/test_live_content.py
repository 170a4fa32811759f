"""Content edits reach the running assistant without restart or training; reports work offline."""
import time

from bot import knowledge, report


def test_live_edit_reaches_the_running_assistant_and_a_broken_edit_keeps_the_last_good(
        assistant, test_locales, sender):
    path = test_locales / "en" / "answers.yml"
    original = path.read_text(encoding="utf-8")
    first_line = knowledge.load(test_locales).answers["en"]["check_id"]["text"].splitlines()[0]
    assistant.send(sender, '/language{"language": "en"}')
    try:
        path.write_text(original.replace(first_line, "LIVE EDIT " + first_line, 1), encoding="utf-8")
        edited_at = time.monotonic()
        # a deadline, not a speed check: how fast it is, is measured by bench/live_edit.py
        while not assistant.send(sender, "/check_id")[0]["text"].startswith("LIVE EDIT"):
            assert time.monotonic() - edited_at < 15, "the edit was not served without a restart"
            time.sleep(0.05)
        path.write_text("check_id: [broken\n", encoding="utf-8")
        time.sleep(1.5)
        [reply] = assistant.send(sender, "/check_id")
        assert reply["text"].startswith("LIVE EDIT"), "a broken edit must keep the last good version"
    finally:
        path.write_text(original, encoding="utf-8")
    log = (assistant.log_dir / "actions.log").read_text(errors="replace")
    assert "locales/en/answers.yml:" in log and "keeping the last good version" in log


def test_content_report_lists_every_answer_and_language_offline(knowledge, tmp_path):
    page, md = report.write(knowledge, tmp_path, usage=[("2026-11-23", "pl", "check_id", 3)])
    html = page.read_text(encoding="utf-8")
    for answer_id in knowledge.meta:
        assert answer_id in html
    assert "http://" not in html and "https://" not in html and "<script" not in html   # works offline
    text = md.read_text(encoding="utf-8")
    assert f"| nl | {len(knowledge.meta)} | 100% |" in text and "Contacts in use" in text and "| 2026-11-23 | pl | check_id | 3 |" in text
