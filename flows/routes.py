"""How a request reached the co-op: the law's clock starts when any of them arrives.

A chat request is filed by the member; the others are entered by staff (``madoguchi staff
intake`` or the Slack intake form) with the arrival time the deadline counts from.
"""

from __future__ import annotations

from flows.i18n import N_

CHAT = "chat"
# Each route as the register and staff name it (Japanese source wording).
ROUTES: dict[str, str] = {
    CHAT: N_("チャット"),
    "post": N_("郵送"),
    "phone": N_("電話"),
    "visit": N_("来所"),
    "email": N_("メール"),
}
# Other words staff type for a route (kana, everyday words); an unknown one is refused.
ROUTE_WORDS: dict[str, tuple[str, ...]] = {
    "post": ("ゆうそう", "郵便", "ゆうびん", "手紙", "書面", "letter"),
    "phone": ("でんわ", "TEL", "call"),
    "visit": ("らいしょ", "窓口", "来店", "店舗", "counter", "in person"),
    "email": ("めーる", "Eメール", "e-mail", "電子メール"),
}
# The routes staff enter by hand: every one but the chat the member typed in.
STAFF_ENTERED = tuple(route for route in ROUTES if route != CHAT)


def route_label(route: str) -> str:
    """The route's catalog message (Japanese source); an unknown code is shown as it is."""
    return ROUTES.get(route, route)


OFFLINE_CHANNEL = "offline"
"""The channel of a case staff entered: no member channel serves it, so what the desk would
send such a member stays in its outbox as a task for staff to send by post or phone."""
OFFLINE_TITLE = N_("チャットなし（郵送・電話など）")
