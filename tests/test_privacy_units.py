"""Pseudonyms and usage counts."""
import json

import pytest

from bot import privacy, usage


def test_pseudonyms_are_stable_keyed_and_channel_specific(monkeypatch):
    monkeypatch.setenv(privacy.SECRET_ENV, "a" * 32)
    privacy._secret.cache_clear()
    first = privacy.pseudonymise("telegram", "123456789")
    assert first == privacy.pseudonymise("telegram", "123456789")
    assert first != privacy.pseudonymise("whatsapp", "123456789")
    assert "123456789" not in first
    monkeypatch.setenv(privacy.SECRET_ENV, "b" * 32)
    privacy._secret.cache_clear()
    assert privacy.pseudonymise("telegram", "123456789") != first
    privacy._secret.cache_clear()


def test_production_without_a_secret_stops_with_a_clear_message(monkeypatch):
    monkeypatch.delenv(privacy.SECRET_ENV, raising=False)
    monkeypatch.setenv("BOT_ENV", "production")
    privacy._secret.cache_clear()
    with pytest.raises(privacy.MissingSecret, match="openssl rand"):
        privacy.pseudonymise("telegram", "1")
    privacy._secret.cache_clear()


def test_usage_counts_hold_only_day_language_answer_and_count(tmp_path):
    path = tmp_path / "usage.json"
    usage.count([("check_id", "pl"), ("check_id", "pl"), ("fallback", "en")], path)
    assert usage.rows(path)[0][1:] == ("en", "fallback", 1)
    data = json.loads(path.read_text())
    [(day, per_lang)] = data.items()
    assert len(day) == 10 and per_lang == {"pl": {"check_id": 2}, "en": {"fallback": 1}}


def test_usage_counting_can_be_switched_off(tmp_path, monkeypatch):
    monkeypatch.setattr(usage, "DEFAULT_FILE", tmp_path / "usage.json")
    monkeypatch.setenv("BOT_USAGE_FILE", "off")
    assert usage.usage_file() is None
    usage.count([("check_id", "pl")])
    assert usage.rows() == [] and list(tmp_path.iterdir()) == []
