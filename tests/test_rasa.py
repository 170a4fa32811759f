"""Rasa's own checks: the training data validates, and the test stories pass in every language."""
import subprocess
import sys

from bot.paths import ROOT
from bot.training import rasa_env


def run_rasa(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rasa", *args], cwd=ROOT, env=rasa_env(),
                          capture_output=True, text=True, timeout=timeout)


def test_training_data_validates_without_warnings():
    result = run_rasa("data", "validate", "--fail-on-warnings")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_conversation_stories_in_every_language(model, tmp_path):
    result = run_rasa("test", "core", "--model", str(model), "--stories", "tests/test_stories.yml",
                      "--out", str(tmp_path), "--fail-on-prediction-errors")
    failed = tmp_path / "failed_test_stories.yml"
    details = failed.read_text() if failed.is_file() else result.stderr[-3000:]
    assert result.returncode == 0, details
