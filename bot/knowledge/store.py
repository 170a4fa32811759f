"""The newest valid knowledge for a running server: edits are picked up without restart."""
from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Optional

from bot.config import Settings
from bot.knowledge.loader import fingerprint, load
from bot.knowledge.model import Knowledge, KnowledgeError
from bot.paths import LOCALES

logger = logging.getLogger(__name__)


class KnowledgeStore:
    """Serves the newest *valid* knowledge; picks up edits without restart or retraining.

    At most every `check_interval` seconds it looks whether a file changed; a changed set that
    fails the checks is logged (file:line, never user data) and the last good version stays.
    """

    def __init__(self, root: Path = LOCALES, values: Optional[dict[str, str]] = None,
                 serve_unreviewed: bool = True, check_interval: float = 1.0):
        self.root = root
        self.values = values
        self.serve_unreviewed = serve_unreviewed
        self.check_interval = check_interval
        self._lock = threading.Lock()
        self._current = load(root, values, serve_unreviewed)
        self._seen = self._current.version
        self._checked_at = time.monotonic()

    @classmethod
    def from_settings(cls, config: Settings) -> "KnowledgeStore":
        """The store every server process uses: the configured folder, retention and review policy."""
        return cls(config.locales, values={"retention_hours": config.retention_text},
                   serve_unreviewed=config.serve_unreviewed)

    def get(self) -> Knowledge:
        now = time.monotonic()
        if now - self._checked_at < self.check_interval:
            return self._current
        with self._lock:
            self._checked_at = now
            version = fingerprint(self.root)
            if version != self._seen:
                self._seen = version
                try:
                    self._current = load(self.root, self.values, self.serve_unreviewed)
                    logger.info("knowledge files reloaded")
                except KnowledgeError as err:
                    for problem in err.problems:
                        logger.error("knowledge edit rejected, keeping the last good version: %s", problem)
        return self._current
