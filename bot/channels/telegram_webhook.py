"""Telegram in webhook mode: our own small aiohttp server (python-telegram-bot's built-in one needs
tornado). Only Telegram knows the secret (set with setWebhook's secret_token), so a request without
it is refused before anything is parsed or relayed."""
from __future__ import annotations

import asyncio
import hmac
import logging
from typing import TYPE_CHECKING

from aiohttp import web
from telegram import Update
from telegram.ext import Application

if TYPE_CHECKING:
    from bot.channels.telegram import TelegramConfig

logger = logging.getLogger("bot.channels.telegram")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_PATH = "/telegram"
#: Only the updates the gateway acts on are fetched: edits are acknowledged without a reply, so
#: they are not asked for; channel posts are, for the one notice a channel gets.
ALLOWED_UPDATES: list[str] = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.CHANNEL_POST]


def webhook_app(application: Application, secret: str) -> web.Application:
    """POST /telegram. Only Telegram knows the secret (set with setWebhook's secret_token), so a
    request without it is refused before anything is parsed or relayed; a body that is not an
    update gets 400 and one log line naming only the kind of problem."""
    expected = secret.encode()

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not expected or not hmac.compare_digest(given, expected):
            logger.warning("webhook: refused a request without the right secret")
            return web.Response(status=403)
        try:
            data = await request.json()
            update = Update.de_json(data, application.bot) if isinstance(data, dict) else None
            problem = "not a JSON object" if update is None else ""
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as err:
            update, problem = None, type(err).__name__
        if update is None:
            logger.warning("webhook: refused a body that is not a Telegram update (%s)", problem)
            return web.Response(status=400)
        await application.update_queue.put(update)
        return web.Response()

    app = web.Application()
    app.router.add_post(WEBHOOK_PATH, receive)
    return app


async def serve_webhook(application: Application, config: TelegramConfig, stopped: asyncio.Event) -> None:
    """Webhook mode with our own aiohttp server (PTB's built-in one needs tornado)."""
    runner = web.AppRunner(webhook_app(application, config.webhook_secret), access_log=None)
    async with application:
        if application.post_init:
            await application.post_init(application)
        await application.start()
        await runner.setup()
        await web.TCPSite(runner, config.listen_host, config.listen_port).start()
        logger.info("webhook: listening on %s:%d%s", config.listen_host, config.listen_port, WEBHOOK_PATH)
        if config.webhook_url:   # after listening, so Telegram's first delivery finds us
            await application.bot.set_webhook(config.webhook_url, secret_token=config.webhook_secret,
                                              allowed_updates=ALLOWED_UPDATES)
        try:
            await stopped.wait()
        finally:
            await runner.cleanup()
            await application.stop()
    if application.post_shutdown:
        await application.post_shutdown(application)
