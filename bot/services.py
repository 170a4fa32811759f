"""Start the action server and the Rasa server as child processes, and stop them cleanly.

Used by `python -m bot run`, `python -m bot ask` and the tests, so all three run the same thing:
a trained model behind the REST channel, with the real action server.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional

import yaml

from bot.config import settings
from bot.paths import CREDENTIALS, ENDPOINTS, ROOT
from bot.training import rasa_env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited with code {process.returncode}; see {log}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s; see {log}")


@dataclass
class Assistant:
    """Handles to a running assistant; `url` is the Rasa server's base URL."""

    url: str
    action_url: str
    processes: list[subprocess.Popen]
    log_dir: Path
    api_token: Optional[str] = None

    @property
    def webhook(self) -> str:
        return f"{self.url}/webhooks/rest/webhook"

    def send(self, sender: str, message: str, metadata: Optional[dict] = None, timeout: float = 30) -> list[dict]:
        """Send one message through the REST channel and return the bot's messages."""
        body: dict[str, Any] = {"sender": sender, "message": message}
        if metadata is not None:
            body["metadata"] = metadata
        request = urllib.request.Request(self.webhook, data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return json.loads(answer.read())


    def tracker(self, conversation_id: str) -> dict:
        """The stored conversation, via Rasa's HTTP API (only when started with an api_token)."""
        url = f"{self.url}/conversations/{conversation_id}/tracker?token={self.api_token}"
        with urllib.request.urlopen(url, timeout=30) as answer:
            return json.loads(answer.read())


def _spawn(args: list[str], log: Path, env: dict) -> subprocess.Popen:
    with open(log, "ab") as handle:   # the child keeps its own copy of the descriptor
        return subprocess.Popen(args, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)


def stop(process: subprocess.Popen, grace: float = 10) -> None:
    """Stop a child and everything it started (its own process group)."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


@contextmanager
def action_server(port: Optional[int] = None, log_dir: Optional[Path] = None,
                  extra_env: Optional[dict] = None, timeout: float = 120) -> Iterator[str]:
    """Run the action server alone; yields its webhook URL."""
    port = port or free_port()
    log_dir = log_dir or Path(tempfile.mkdtemp(prefix="assistant-logs-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    # rasa_sdk listens on SANIC_HOST (its default: every interface); ours is 127.0.0.1 (BOT_HOST)
    env = {**rasa_env(), "SANIC_HOST": settings().host, **(extra_env or {})}
    process = _spawn([sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)],
                     log_dir / "actions.log", env)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/health", process, timeout, log_dir / "actions.log")
        yield f"http://127.0.0.1:{port}/webhook"
    finally:
        stop(process)


def quiet_rasa_logging() -> None:
    """Rasa configures its structured logger only in its own CLI; loaded in-process it would print
    debug lines that contain message texts. Same level as the servers: INFO and up."""
    import logging

    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.INFO)


async def ask_in_process(model: Path, action_url: str, text: str) -> tuple[dict, list[dict]]:
    """Parse and answer one message with the model loaded in this process (for `bot ask`)."""
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import UserMessage
    from rasa.utils.endpoints import EndpointConfig

    from bot import rasa_process
    from bot.channels.rest import TogetherOutputChannel

    quiet_rasa_logging()
    rasa_process.apply()

    agent = Agent.load(str(model), action_endpoint=EndpointConfig(action_url))
    parse = await agent.parse_message(text)
    collector = TogetherOutputChannel()
    await agent.handle_message(UserMessage(text, collector, uuid.uuid4().hex, input_channel="rest"))
    return parse, collector.messages


@contextmanager
def rasa_server(model: Path, action_url: str, rasa_port: Optional[int] = None, log_dir: Optional[Path] = None,
                extra_env: Optional[dict] = None, timeout: float = 180, endpoints_file: Optional[Path] = None,
                api_token: Optional[str] = None, name: str = "rasa",
                rasa_module: str = "bot.rasa_process") -> Iterator[Assistant]:
    """Run one Rasa server (REST channel) against an action server that is already running.

    Endpoints come from `endpoints_file` (default: `BOT_ENDPOINTS`, else the project's embedded
    endpoints.yml with its in-memory tracker store) with `action_url` filled in. Several servers
    with a Redis endpoints file are the replicas of a production set-up. Rasa's HTTP API stays off
    unless `api_token` is given (tests use it to inspect the tracker store). `rasa_module`
    "rasa" runs stock Rasa, without the fix in bot.rasa_process (for benchmarks).
    """
    rasa_port = rasa_port or free_port()
    log_dir = log_dir or Path(tempfile.mkdtemp(prefix="assistant-logs-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    env = {**rasa_env(), **(extra_env or {})}
    source = endpoints_file or ROOT / (settings().endpoints or ENDPOINTS)
    config = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    config["action_endpoint"] = {**(config.get("action_endpoint") or {}), "url": action_url}
    endpoints = log_dir / f"{name}-endpoints.yml"
    endpoints.write_text(yaml.safe_dump(config), encoding="utf-8")
    log = log_dir / f"{name}.log"
    rasa = _spawn([sys.executable, "-m", rasa_module, "run", "--model", str(model),
                   "--interface", settings().host, "--port", str(rasa_port),
                   "--credentials", str(CREDENTIALS), "--endpoints", str(endpoints)]
                  + (["--enable-api", "--auth-token", api_token] if api_token else []), log, env)
    try:
        wait_until_up(f"http://127.0.0.1:{rasa_port}/webhooks/rest/", rasa, timeout, log)
        yield Assistant(f"http://127.0.0.1:{rasa_port}", action_url, [rasa], log_dir, api_token)
    finally:
        stop(rasa)


@contextmanager
def running(model: Path, rasa_port: Optional[int] = None, action_port: Optional[int] = None,
            log_dir: Optional[Path] = None, extra_env: Optional[dict] = None,
            timeout: float = 180, endpoints_file: Optional[Path] = None,
            api_token: Optional[str] = None) -> Iterator[Assistant]:
    """Run the action server and one Rasa server (REST channel) until the block ends; see
    :func:`rasa_server` for the endpoints."""
    log_dir = log_dir or Path(tempfile.mkdtemp(prefix="assistant-logs-"))
    with action_server(action_port, log_dir, extra_env, timeout) as action_url:
        with rasa_server(model, action_url, rasa_port, log_dir, extra_env, timeout, endpoints_file,
                         api_token) as assistant:
            yield assistant
