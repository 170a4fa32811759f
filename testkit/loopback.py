"""The base of the fake services: an aiohttp app served on a free port of 127.0.0.1.

A fake names its routes in `routes()`; `async with Fake() as fake:` starts it and sets `fake.url`
(`root` + `url_suffix`); leaving the block stops it.
"""
from __future__ import annotations

from typing import Optional, TypeVar

from aiohttp import web

Self = TypeVar("Self", bound="LoopbackServer")


class LoopbackServer:
    url_suffix = ""

    def __init__(self) -> None:
        self._runner: Optional[web.AppRunner] = None
        self.url = ""

    def routes(self, app: web.Application) -> None:
        raise NotImplementedError

    async def __aenter__(self: Self) -> Self:
        app = web.Application()
        self.routes(app)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = "http://{}:{}".format(*self._runner.addresses[0][:2]) + self.url_suffix
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
