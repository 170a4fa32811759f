"""A command in a child process whose printed lines a test waits for (the demo, the review desk)."""
from __future__ import annotations

import queue
import re
import signal
import subprocess
import threading
from pathlib import Path
from typing import Mapping, Sequence


class Console:
    """Start `args` in `cwd`; :meth:`wait_for` returns the first printed line matching a pattern."""

    def __init__(self, args: Sequence[str], cwd: Path, env: Mapping[str, str], name: str, timeout_s: float) -> None:
        self.name, self.timeout_s = name, timeout_s
        self.process = subprocess.Popen(list(args), cwd=cwd, env=dict(env), stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)
            self.lines.put(line)

    def wait_for(self, pattern: str) -> re.Match:
        while True:
            try:
                line = self.lines.get(timeout=self.timeout_s)
            except queue.Empty:
                raise AssertionError(f"the {self.name} did not print {pattern!r}: {''.join(self.output)}") from None
            match = re.search(pattern, line)
            if match:
                return match

    def stop(self, grace_s: float = 30) -> int:
        """Ctrl-C, as a person would; a kill only if it does not stop in time."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(grace_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
        return self.process.wait()
