"""Live handoff: a person from the organisation's staff takes over a conversation.

Off by default; an organisation switches it on with a staff group on Telegram
(`BOT_HANDOFF_CHAT`, docs/handoff.md). The parts, one concept each:

- `texts`: the keys of `locales/<lang>/handoff.yml` (checked by the knowledge loader);
- `turns`: the dialogue's side (consent, relay, stop), plain Python, run by the action server;
- `config`: the settings from the environment (staff chat, hours, claim time);
- `cases`: the case store in Redis (shared by every gateway process and replica), with the
  delivery address encrypted;
- `staff_chat`: the staff group through the Telegram Bot API (one forum topic per case);
- `user_side`: what a user gateway (Telegram, WhatsApp) does around each message;
- `delivery`: sending to a user on their own channel (staff replies, notices);
- `desk`: the staff side (claim, reply, suggestion, close), hosted by the Telegram gateway.
"""
