"""Meta's Graph API (WhatsApp Cloud API), the part the WhatsApp gateway uses: sending messages.

Who a message goes to: a user known by phone number is addressed with `to`; a user whose number
Meta withholds (a WhatsApp username) is addressed with `recipient`, the business-scoped user id
(BSUID) from the webhook. Meta's business-scoped user id page documents both fields (`to` wins
when both are given, so only one is ever sent here).
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
from dataclasses import dataclass

import httpx

from bot.channels.gateway import HttpClient

logger = logging.getLogger(__name__)

API_BASE = "https://graph.facebook.com/v21.0"
RETRY_DELAYS_S: tuple[float, ...] = (0.5, 1.0, 2.0)   # after a 429, a 5xx or a network error


@dataclass(frozen=True)
class Recipient:
    """How the Cloud API reaches one user: `field` is "to" (phone number / wa_id) or "recipient"
    (business-scoped user id). The id itself is personal data: never logged, never in repr."""

    field: str
    id: str = dataclasses.field(repr=False)   # `field` here would name the attribute above

    def as_params(self) -> dict[str, str]:
        return {self.field: self.id}


class GraphAPI(HttpClient):
    """Sends messages with the Cloud API. Retries what may pass later (429, 5xx, network errors)
    with growing pauses; anything else is logged by HTTP status and Graph error code only (the
    error text can quote the recipient's number). Never raises."""

    def __init__(self, api_base: str, phone_number_id: str, access_token: str,
                 retry_delays_s: tuple[float, ...] = RETRY_DELAYS_S, timeout_s: float = 10.0) -> None:
        super().__init__(timeout_s, headers={"Authorization": f"Bearer {access_token}"})
        self.url = f"{api_base.rstrip('/')}/{phone_number_id}/messages"
        self.retry_delays_s = retry_delays_s

    async def send(self, to: Recipient, content: dict) -> bool:
        body = {"messaging_product": "whatsapp", "recipient_type": "individual", **to.as_params(), **content}
        problem = ""
        for attempt in range(len(self.retry_delays_s) + 1):
            try:
                response = await self.http().post(self.url, json=body)
            except httpx.HTTPError as err:
                problem = type(err).__name__
            else:
                if response.is_success:
                    return True
                problem = f"HTTP {response.status_code}{graph_error_code(response)}"
                if response.status_code != 429 and response.status_code < 500:
                    logger.error("whatsapp: sending a message failed (%s)", problem)
                    return False
            if attempt < len(self.retry_delays_s):
                logger.warning("whatsapp: sending a message failed (%s); retrying in %.1f s",
                               problem, self.retry_delays_s[attempt])
                await asyncio.sleep(self.retry_delays_s[attempt])
        logger.error("whatsapp: sending a message failed (%s) after %d retries", problem, len(self.retry_delays_s))
        return False


def graph_error_code(response: httpx.Response) -> str:
    """", Graph error 131047" from an error body: a number, never the message text."""
    try:
        code = response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return ""
    return f", Graph error {code}" if isinstance(code, int) else ""
