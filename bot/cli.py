"""`python -m bot <command>`: the project's command line for editors and developers."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.config import LANGUAGES, ConfigError, Env
from bot.languages import LanguageError
from bot.paths import LOCALES, ROOT

ENV = Env()


def cmd_train(args: argparse.Namespace) -> int:
    from bot.training import ensure_model

    path = ensure_model(force=args.force)
    print(f"model: {path.relative_to(ROOT)}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """Action server + Rasa (REST, in-memory) + a chat in this terminal."""
    from bot import chat, services
    from bot.training import ensure_model

    model = ensure_model()
    log_dir = ROOT / ".rasa" / "logs"
    if args.no_chat:
        _stop_on_signals()
    print("starting the assistant (about 30 s)...", flush=True)
    with services.running(model, rasa_port=args.port, action_port=args.action_port, log_dir=log_dir) as bot:
        print(f"REST channel: {bot.webhook}   (server logs: {log_dir.relative_to(ROOT)}/)")
        if args.no_chat:
            print("running; Ctrl-C stops it")
            try:
                for process in bot.processes:
                    process.wait()
            except KeyboardInterrupt:
                pass
        else:
            chat.chat(bot.send)
    return 0


def _stop_on_signals() -> None:
    """Make SIGTERM and SIGINT stop the servers cleanly, also in the background (`make telegram`):
    there the shell ignores Ctrl-C for us, and SIGTERM would kill us before Rasa is stopped."""
    import signal

    def interrupt(signum: int, frame: object) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):   # a second signal must not cut the clean-up
            signal.signal(sig, signal.SIG_IGN)
        raise KeyboardInterrupt

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, interrupt)


def cmd_demo(args: argparse.Namespace) -> int:
    """The fieldworker demo: the assistant plus an offline web chat on 127.0.0.1."""
    from bot.demo.run import run
    from bot.training import ensure_model

    run(ensure_model(), args.port, open_browser=not args.no_browser)
    return 0


def cmd_telegram(args: argparse.Namespace) -> int:
    """The Telegram gateway (configured from the environment, see docs/telegram.md)."""
    from bot.channels.telegram import TelegramConfig, run

    run(TelegramConfig.from_env())
    return 0


def cmd_whatsapp(args: argparse.Namespace) -> int:
    """The WhatsApp Cloud API webhook (configured from the environment, see docs/whatsapp.md)."""
    from bot.channels.whatsapp import WhatsAppConfig, run

    run(WhatsAppConfig.from_env())
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    """One message through the trained assistant: reply, answer id, language, confidence."""
    import asyncio

    from bot import services
    from bot.training import ensure_model

    model = ensure_model()
    with services.action_server() as action_url:
        parse, messages = asyncio.run(services.ask_in_process(model, action_url, args.message))
    intent = parse.get("intent") or {}
    if args.json:
        print(json.dumps({"message": args.message, "intent": intent,
                          "detected_language": parse.get("detected_language"),
                          "replies": messages}, ensure_ascii=False, indent=2))
        return 0
    print(f"intent: {intent.get('name')} (confidence {intent.get('confidence') or 0:.2f}), "
          f"detected language: {(parse.get('detected_language') or {}).get('language')}")
    for message in messages:
        custom = message.get("custom") or {}
        print(f"\n[{custom.get('answer_id')} / {custom.get('language')}]\n{message.get('text')}")
        for button in message.get("buttons") or []:
            print(f"  ({button['title']})")
    return 0


def _knowledge(locales: str):
    from bot import knowledge

    try:
        return knowledge.load(Path(locales)), []
    except knowledge.KnowledgeError as err:
        return None, err.problems


def _training_data(locales: Path) -> list:
    """Training questions for every language (data/nlu/<lang>/ next to the locales folder), and
    none for a language the assistant does not speak."""
    from bot.knowledge import Problem
    from bot.languages import training_data_issues

    nlu = locales.parent / "data" / "nlu"
    if not nlu.is_dir():
        print(f"(no {nlu}: training questions not checked)")
        return []
    return [Problem(str(Path(i.path).relative_to(locales.parent)) if Path(i.path).is_relative_to(locales.parent)
                    else i.path, i.line, i.message) for i in training_data_issues(locales, nlu)]


def cmd_validate(args: argparse.Namespace) -> int:
    """Exit 1 on any problem; with --strict also on any answer or safety list not approved in its
    current wording."""
    from bot.review import APPROVED, subjects

    k, problems = _knowledge(args.locales)
    if k is not None and args.strict:
        from bot.knowledge import Problem

        problems = [Problem(path, line, f"{key}: {status}")
                    for lang, key, path, line, status in subjects(k) if status != APPROVED]
    problems = problems + _training_data(Path(args.locales).resolve())
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) in the knowledge files", file=sys.stderr)
        return 1
    from bot.lint import lint

    warnings = lint(k, Path(args.locales))
    for warning in warnings:
        print(warning)
    print(f"knowledge files OK: {len(k.meta)} answers in {len(k.answers)} languages"
          + (", all approved" if args.strict else "") + (f"; {len(warnings)} warning(s)" if warnings else ""))
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    from bot import review

    k, problems = _knowledge(args.locales)
    if k is None:
        print("fix these first (python -m bot validate):", *problems, sep="\n", file=sys.stderr)
        return 1
    langs = [args.lang] if args.lang else list(k.answers)
    if args.action == "list":
        for lang in langs:
            for answer_id in k.answers[lang]:
                status = k.review_status(answer_id, lang)
                if args.status in (None, status):
                    record = k.reviews.get(lang, {}).get(answer_id)
                    who = f"  ({record.reviewer}, {record.date})" if record else ""
                    print(f"{lang}  {answer_id:32} {status}{who}")
        return 0
    if not args.answer_id or not args.lang or not args.reviewer:
        print("approve/reject need: ANSWER_ID --lang LANG --reviewer NAME", file=sys.stderr)
        return 2
    if args.answer_id not in k.answers.get(args.lang, {}):
        print(f"no answer {args.answer_id!r} in {args.lang!r}", file=sys.stderr)
        return 2
    status = review.APPROVED if args.action == "approve" else review.REJECTED
    try:
        record = review.record(Path(args.locales), args.lang, args.answer_id,
                               k.answers[args.lang][args.answer_id], status, args.reviewer, args.note or "")
    except ValueError as err:
        print(err, file=sys.stderr)
        return 2
    print(f"{args.lang} {args.answer_id}: {status} by {record.reviewer} on {record.date} (text {record.hash})")
    return 0


def cmd_review_desk(args: argparse.Namespace) -> int:
    """The review desk: SWAD reviewers read, compare and approve answers in a browser (127.0.0.1)."""
    from bot.review_desk.run import run

    run(Path(args.locales), Path(args.catalog), args.port, open_browser=not args.no_browser)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from bot import report

    k, problems = _knowledge(args.locales)
    if k is None:
        print(*problems, sep="\n", file=sys.stderr)
        return 1
    from bot import usage

    page, md = report.write(k, Path(args.out), usage.rows())
    print(f"wrote {page} and {md}")
    return 0


def cmd_usage(args: argparse.Namespace) -> int:
    from bot import usage

    rows = usage.rows()
    if not rows:
        print(f"no usage counted yet ({usage.usage_file() or 'counting is off'})")
    for day, lang, answer_id, n in rows:
        print(f"{day}  {lang}  {answer_id:32} {n}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("train", help="train a model if config, domain or data changed")
    p.add_argument("--force", action="store_true", help="train even if the model is current")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("run", help="start the assistant and chat in the terminal")
    p.add_argument("--port", type=int, default=ENV.whole("BOT_RASA_PORT", 5005, minimum=1))
    p.add_argument("--action-port", type=int, default=ENV.whole("BOT_ACTION_PORT", 5055, minimum=1))
    p.add_argument("--no-chat", action="store_true", help="only serve the REST channel")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("demo", help="the fieldworker demo: a web chat on http://127.0.0.1:8000 (docs/demo.md)")
    p.add_argument("--port", type=int, default=ENV.whole("BOT_DEMO_PORT", 8000, minimum=1))
    p.add_argument("--no-browser", action="store_true", help="do not open a browser, only print the address")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("telegram", help="the Telegram gateway to a running assistant (docs/telegram.md)")
    p.set_defaults(func=cmd_telegram)

    p = sub.add_parser("whatsapp", help="the WhatsApp webhook gateway to a running assistant (docs/whatsapp.md)")
    p.set_defaults(func=cmd_whatsapp)

    p = sub.add_parser("ask", help="send one message and show the reply, answer id and language")
    p.add_argument("message")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("validate", help="check the knowledge files (file:line for each problem)")
    p.add_argument("--locales", default=str(LOCALES))
    p.add_argument("--strict", action="store_true", help="also fail on answers not approved (releases)")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("review", help="list, approve or reject answers (SWAD review)")
    p.add_argument("action", choices=["list", "approve", "reject"])
    p.add_argument("answer_id", nargs="?")
    p.add_argument("--lang", choices=LANGUAGES)
    p.add_argument("--reviewer", help="name of the reviewer (approve/reject)")
    p.add_argument("--note", help="why it was rejected")
    p.add_argument("--status", help="list only answers with this status, e.g. 'changed since review'")
    p.add_argument("--locales", default=str(LOCALES))
    p.set_defaults(func=cmd_review)

    p = sub.add_parser("review-desk", help="review answers in a browser on http://127.0.0.1:8001 "
                                          "(docs/editing-content.md); never expose it beyond this machine")
    p.add_argument("--port", type=int, default=ENV.whole("BOT_REVIEW_PORT", 8001, minimum=1))
    p.add_argument("--no-browser", action="store_true", help="do not open a browser, only print the address")
    p.add_argument("--locales", default=ENV.text("BOT_LOCALES_DIR") or str(LOCALES))
    p.add_argument("--catalog", default=ENV.text("BOT_CATALOG") or str(ROOT.parent / "shared" / "catalog.yml"),
                   help="the answer catalog (question, must_say, sources, careful)")
    p.set_defaults(func=cmd_review_desk)

    p = sub.add_parser("usage", help="answers given per day and language (no ids, no texts)")
    p.set_defaults(func=cmd_usage)

    p = sub.add_parser("report", help="write the content report (HTML and Markdown)")
    p.add_argument("--out", default=str(ROOT / "reports"))
    p.add_argument("--locales", default=str(LOCALES))
    p.set_defaults(func=cmd_report)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return args.func(args)
    except (ConfigError, LanguageError) as err:   # a wrong setting: say which and how to fix it, no traceback
        print(f"configuration error: {err}", file=sys.stderr)
        return 2
