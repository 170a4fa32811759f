"""Where things live in the repository, so no module guesses relative paths."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
DATA = ROOT / "data"
MODELS = ROOT / "models"
CONFIG = ROOT / "config.yml"
DOMAIN = ROOT / "domain.yml"
ENDPOINTS = ROOT / "endpoints.yml"
CREDENTIALS = ROOT / "credentials.yml"
WEB_STATIC = ROOT / "bot" / "web_static"     # what the demo and the review desk pages share
