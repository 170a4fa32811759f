"""Shared support for tests/ and bench/: fakes of external APIs on 127.0.0.1 (the Telegram Bot API,
Meta's Graph API, an instant Rasa), seeded bad inputs, /proc helpers, a real Redis starter,
gateway harnesses and the held-out question reader.

tests/ and bench/ import only from here, never from each other (tests/test_bench.py, a test of
bench itself, is the one exception)."""
