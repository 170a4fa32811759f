"""Measurements (accuracy, speed). Numbers go to docs/, never into timed unit tests."""

import re
from pathlib import Path


def round_folders(folder: Path) -> list[str]:
    """The blind rounds in `folder` (round1, round2, ...), oldest first: by number, so that round10
    comes after round9 (a plain sort puts it before round2)."""
    if not folder.is_dir():
        return []
    names = [p.name for p in folder.iterdir() if p.is_dir()]
    return sorted(names, key=lambda name: [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)])
