"""`python -m bot <command>`: the project's command line for editors and developers."""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from bot.paths import LOCALES, ROOT


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


def cmd_validate(args: argparse.Namespace) -> int:
    from bot import knowledge

    try:
        k = knowledge.load(Path(args.locales))
    except knowledge.KnowledgeError as err:
        for problem in err.problems:
            print(problem)
        print(f"{len(err.problems)} problem(s) in the knowledge files", file=sys.stderr)
        return 1
    print(f"knowledge files OK: {len(k.meta)} answers in {len(k.answers)} languages")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("train", help="train a model if config, domain or data changed")
    p.add_argument("--force", action="store_true", help="train even if the model is current")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("run", help="start the assistant and chat in the terminal")
    p.add_argument("--port", type=int, default=int(os.environ.get("BOT_RASA_PORT", 5005)))
    p.add_argument("--action-port", type=int, default=int(os.environ.get("BOT_ACTION_PORT", 5055)))
    p.add_argument("--no-chat", action="store_true", help="only serve the REST channel")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("ask", help="send one message and show the reply, answer id and language")
    p.add_argument("message")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("validate", help="check the knowledge files (file:line for each problem)")
    p.add_argument("--locales", default=str(LOCALES))
    p.set_defaults(func=cmd_validate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)
