"""How the handoff's parts are put together in each gateway (one place, so both agree).

- The Telegram gateway: its own bot is the staff group's bot. It gets the user side (for its
  private chats) and the staff side (the desk: staff buttons and replies, the sweeper), and
  delivers staff replies to Telegram users with its bot and to WhatsApp users with the Graph API.
- The WhatsApp gateway: the user side only, with a bot client of its own (same token) to post to
  the staff group; it never receives the staff group's updates.
"""
from __future__ import annotations

from typing import Any

from telegram import Bot
from telegram.ext import AIORateLimiter, ExtBot

from bot.channels.meta_graph import API_BASE, GraphAPI
from bot.channels.telegram_replies import ButtonPayloads
from bot.handoff.cases import Cases
from bot.handoff.config import HandoffConfig
from bot.handoff.delivery import Delivery
from bot.handoff.desk import Desk
from bot.handoff.staff_chat import StaffChat
from bot.handoff.user_side import UserSide
from bot.knowledge import KnowledgeStore

MAX_RETRIES = 3   # after a 429 "retry after" from Telegram


def cases_of(config: HandoffConfig) -> Cases:
    return Cases.connect(config.redis_host, config.redis_port, config.redis_password, config.secret,
                         config.retention_s)


def for_telegram(config: HandoffConfig, bot: Bot, content: KnowledgeStore,
                 payloads: ButtonPayloads) -> tuple[UserSide, Desk]:
    cases = cases_of(config)
    staff = StaffChat(bot, config, content)
    graph = (GraphAPI(config.whatsapp_api_base or API_BASE, config.whatsapp_phone_number_id, config.whatsapp_token)
             if config.delivers_whatsapp else None)
    desk = Desk(config, cases, staff, Delivery(bot, payloads, graph, content), content)
    return UserSide(config, cases, staff, content), desk


def for_whatsapp(config: HandoffConfig, content: KnowledgeStore) -> UserSide:
    kwargs: dict[str, Any] = {}
    if config.telegram_api_base:
        root = config.telegram_api_base.rstrip("/")
        kwargs = {"base_url": f"{root}/bot", "base_file_url": f"{root}/file/bot"}
    bot = ExtBot(config.telegram_token, rate_limiter=AIORateLimiter(max_retries=MAX_RETRIES), **kwargs)
    return UserSide(config, cases_of(config), StaffChat(bot, config, content, owns_bot=True), content)
