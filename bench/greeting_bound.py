"""The best that any rule reading only the text could score on a round's blind greetings.

Many greetings are the same words in several writers' sets ("hi", "hello", "hallo"). A rule that
reads only the text gives every copy of such a greeting the same language, so at most one of
those writers gets their own language. This bound is generous: it gives each distinct text the
language that is best for the round, even a text only one writer used. If the bound's lowest
language is under the 90% target, no decision rule can meet that target on the round without a
signal from outside the text (the phone's language, for example).

    .venv/bin/python -m bench.greeting_bound round33 round34 ...
"""
from __future__ import annotations

import argparse
import collections
import itertools
from typing import Mapping

from bench.reply_language import blind_sets, rounds
from bot.config import LANGUAGES


def best_rule(greetings: Mapping[str, list[str]]) -> dict[str, float]:
    """Share right per writer's language, for the text-to-language assignment whose lowest share
    is the highest. Only the texts that writers of several languages sent need a choice."""
    writers: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for lang, texts in greetings.items():
        for text in texts:
            writers[text][lang] += 1
    settled: collections.Counter = collections.Counter()
    shared = []
    for counts in writers.values():
        if len(counts) == 1:
            settled.update(counts)
        else:
            shared.append(counts)
    best: dict[str, float] = {}
    for choice in itertools.product(*[sorted(counts) for counts in shared]):
        right = settled.copy()
        for counts, lang in zip(shared, choice):
            right[lang] += counts[lang]
        shares = {lang: right[lang] / len(texts) for lang, texts in greetings.items() if texts}
        if not best or min(shares.values()) > min(best.values()):
            best = shares
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rounds", nargs="*", help="default: every round with greetings in all five languages")
    args = parser.parse_args()
    for name in args.rounds or rounds():
        greetings = {lang: blind_sets(lang, name).get("greetings") or [] for lang in LANGUAGES}
        if not all(greetings.values()):
            continue
        best = best_rule(greetings)
        print(f"{name}: lowest {100 * min(best.values()):.1f}% |",
              " ".join(f"{lang} {100 * share:.1f}%" for lang, share in best.items()))


if __name__ == "__main__":
    main()
