"""The WhatsApp gateway as `python -m bot whatsapp` builds it, serving on a free port against a
fresh fake Graph API (testkit/fake_graph.py): the harness of tests/test_whatsapp.py,
tests/test_fuzz.py and bench/fuzz.py."""
from __future__ import annotations

import functools
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, AsyncIterator, Optional

import aiohttp
from aiohttp.test_utils import TestServer

from bot.channels.meta_graph import GraphAPI
from bot.channels.relay import RasaRelay
from bot.channels.whatsapp import SIGNATURE_HEADER, WEBHOOK_PATH, WhatsAppConfig, WhatsAppGateway
from bot.knowledge import KnowledgeStore
from testkit import fake_graph as fake
from testkit.fake_graph import ACCESS_TOKEN, APP_SECRET, PHONE_NUMBER_ID, VERIFY_TOKEN, FakeGraph


@dataclass
class Harness:
    gateway: WhatsAppGateway
    graph: FakeGraph
    http: aiohttp.ClientSession
    server: TestServer

    async def post(self, body: Any = None, raw: Optional[bytes] = None, signature: Optional[str] = None,
                   signed: bool = True) -> int:
        raw = fake.encode(body) if raw is None else raw
        headers = {"Content-Type": "application/json"}
        if signed:
            headers[SIGNATURE_HEADER] = fake.sign(raw) if signature is None else signature
        async with self.http.post(self.server.make_url(WEBHOOK_PATH), data=raw, headers=headers) as answer:
            return answer.status

    async def get(self, params: dict[str, str]) -> tuple[int, str]:
        async with self.http.get(self.server.make_url(WEBHOOK_PATH), params=params) as answer:
            return answer.status, await answer.text()

    async def deliver(self, *messages: dict, body: Optional[dict] = None) -> None:
        """Post a signed notification, as Meta does, and wait until it has been answered."""
        assert await self.post(body or fake.notification(*messages)) == 200
        await self.gateway.drain()


@functools.lru_cache(maxsize=1)
def content() -> KnowledgeStore:
    """One loaded copy of the knowledge files for all gateways of this harness (loading takes seconds)."""
    return KnowledgeStore()


@asynccontextmanager
async def whatsapp(rasa_url: str, retry_delays_s: Optional[tuple[float, ...]] = None) -> AsyncIterator[Harness]:
    """The gateway as `python -m bot whatsapp` builds it, serving on a free port, with a fresh fake Graph API."""
    async with FakeGraph() as graph:
        config = WhatsAppConfig(verify_token=VERIFY_TOKEN, app_secret=APP_SECRET, access_token=ACCESS_TOKEN,
                                phone_number_id=PHONE_NUMBER_ID, api_base=graph.url, rasa_url=rasa_url)
        api = GraphAPI(graph.url, PHONE_NUMBER_ID, ACCESS_TOKEN, retry_delays_s) if retry_delays_s else None
        relay = RasaRelay(rasa_url, config.rasa_timeout_s, knowledge=content())
        gateway = WhatsAppGateway(config, content=content(), relay=relay, graph=api)
        try:
            async with TestServer(gateway.web_app()) as server, aiohttp.ClientSession() as http:
                yield Harness(gateway, graph, http, server)
        finally:
            await gateway.aclose()
