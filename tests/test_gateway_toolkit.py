"""The parts every gateway shares (bot/channels/gateway.py): configuration errors, host:port,
bounded de-duplication, per-user order, running until a signal."""
from __future__ import annotations

import asyncio
import os
import signal

import pytest

from bot.channels import gateway
from bot.channels.gateway import InOrder, Seen, until_stopped
from bot.config import ConfigError, Env, listen_address


def test_require_names_every_missing_variable_with_its_hint():
    hints = {"A_TOKEN": "where A is found", "B_SECRET": "where B is found", "C_ID": "where C is found"}
    with pytest.raises(ConfigError) as error:
        Env({"A_TOKEN": "x", "B_SECRET": "  "}).require(hints, "See docs/x.md.")
    lines = str(error.value).splitlines()
    assert lines == ["B_SECRET is not set: where B is found.", "C_ID is not set: where C is found.", "See docs/x.md."]
    values = Env({"A_TOKEN": " a ", "B_SECRET": "b", "C_ID": "c"}).require(hints, "")
    assert values == {"A_TOKEN": "a", "B_SECRET": "b", "C_ID": "c"}


@pytest.mark.parametrize("value,expected", [("127.0.0.1:8080", ("127.0.0.1", 8080)), ("[::1]:9000", ("::1", 9000)),
                                            (" 0.0.0.0:443 ", ("0.0.0.0", 443))])
def test_listen_address_reads_host_and_port(value, expected):
    assert listen_address("X_LISTEN", value) == expected


@pytest.mark.parametrize("value", ["8080", "localhost", ":8080", "host:http", "host:0", "host:70000"])
def test_listen_address_errors_name_the_variable_and_an_example(value):
    with pytest.raises(ConfigError, match=r"X_LISTEN must be host:port, e.g. 127.0.0.1:8443"):
        listen_address("X_LISTEN", value, "127.0.0.1:8443")


def test_seen_forgets_beyond_capacity_and_time_and_keeps_no_raw_id():
    now = [0.0]
    seen = Seen(capacity=2, ttl_s=10, clock=lambda: now[0])
    assert seen.first_time("wamid.31612345678") and not seen.first_time("wamid.31612345678")
    assert "31612345678" not in repr(vars(seen)), "only keyed hashes are kept"
    assert seen.first_time("b") and seen.first_time("c") and len(seen) == 2
    assert seen.first_time("wamid.31612345678"), "the oldest is forgotten beyond the capacity"
    now[0] = 11
    assert seen.first_time("c") and len(seen) == 1, "and everything after the time to live"
    assert Seen().first_time("x") and Seen().first_time("x"), "each process has its own key and memory"


def test_in_order_serialises_one_user_and_frees_its_lock():
    order, log = InOrder(), []

    async def turn(user: str, label: str, pause: float) -> None:
        async with order.turn(user):
            log.append(f"{label} start")
            await asyncio.sleep(pause)
            log.append(f"{label} end")

    async def scenario() -> None:
        await asyncio.gather(turn("u", "a1", 0.1), turn("u", "a2", 0), turn("v", "b1", 0))
        assert len(order) == 0, "no lock is kept for users with nothing waiting"

    asyncio.run(scenario())
    assert log.index("a1 end") < log.index("a2 start") and log.index("b1 end") < log.index("a1 end")


def test_until_stopped_lets_the_work_finish_after_sigterm():
    finished = []

    async def serve(stopped: asyncio.Event) -> None:
        asyncio.get_running_loop().call_later(0.05, os.kill, os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(stopped.wait(), 5)
        finished.append("cleaned up")

    asyncio.run(until_stopped(serve))
    assert finished == ["cleaned up"]


def test_http_clients_are_made_on_first_use_and_closed():
    client = gateway.HttpClient(timeout_s=1.5, headers={"Authorization": "Bearer x"})

    async def scenario() -> None:
        first = client.http()
        assert client.http() is first and first.timeout.connect == 1.5
        await client.aclose()
        assert first.is_closed and client.http() is not first
        await client.aclose()

    asyncio.run(scenario())
