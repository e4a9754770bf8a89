"""``madoguchi line setup``: the rich menu (開示・訂正・停止・状況・担当者) made the channel's
default, through the Messaging API, as often as it is run without making a second one.

A rich menu cannot be changed once made, and its image cannot be replaced: the menu's name
carries a digest of its definition and image, so a run with the same ones finds the menu
made before, and a run with a new image (or after the buttons changed) makes a new menu,
makes it the default and deletes madoguchi's older ones.
"""

from __future__ import annotations

import hashlib
import json
import struct
import zlib
from dataclasses import dataclass

from linebot.v3.messaging import (
    PostbackAction,
    RichMenuArea,
    RichMenuBounds,
    RichMenuRequest,
    RichMenuSize,
)
from linebot.v3.messaging.exceptions import ApiException

from bot.channels.line import rich_menu
from bot.channels.line.api import LineApi

NAME_PREFIX = "madoguchi "
# One colour per button, so the areas can be told apart even on the plain image.
_COLOURS = ((0x2E, 0x7D, 0x32), (0x15, 0x65, 0xC0), (0xEF, 0x6C, 0x00), (0x6A, 0x1B, 0x9A))


@dataclass(frozen=True)
class SetUp:
    """What a run did: the default menu's id, and whether it was made now."""

    rich_menu_id: str
    created: bool
    deleted: int  # madoguchi's earlier menus removed


def definition() -> RichMenuRequest:
    """The menu: five areas, each a postback ``menu:<key>`` whose display text is what the
    engine will read (the request's own menu label, or 「状況」)."""
    areas = [
        RichMenuArea(
            bounds=RichMenuBounds(x=x, y=y, width=width, height=height),
            action=PostbackAction(
                label=button.label,
                data=rich_menu.POSTBACK_PREFIX + button.key,
                display_text=button.words or button.label,
            ),
        )
        for button, (x, y, width, height) in rich_menu.areas()
    ]
    return RichMenuRequest(
        size=RichMenuSize(width=rich_menu.WIDTH, height=rich_menu.HEIGHT),
        selected=True,
        name=NAME_PREFIX,  # completed with the digest by ``set_up``
        chat_bar_text=rich_menu.CHAT_BAR_TEXT,
        areas=areas,
    )


def plain_image() -> bytes:
    """A PNG of the menu's size with each area in a colour of its own and no words: for a
    first try only. Members need the labels, so a designed image is given with ``--image``."""
    rows = []
    for top in (True, False):
        buttons = 3 if top else 2
        width = rich_menu.WIDTH // buttons
        pixels = bytearray()
        for x in range(rich_menu.WIDTH):
            index = min(x // width, buttons - 1) + (0 if top else 3)
            pixels += bytes(_COLOURS[index % len(_COLOURS)])
        rows.append(b"\x00" + bytes(pixels))
    half = rich_menu.HEIGHT // 2
    raw = rows[0] * half + rows[1] * (rich_menu.HEIGHT - half)
    header = struct.pack(">IIBBBBB", rich_menu.WIDTH, rich_menu.HEIGHT, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(raw, 6))
        + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def image_type(image: bytes) -> str:
    """``image/png`` or ``image/jpeg`` from the bytes (LINE takes no other)."""
    if image.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if image.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    raise ValueError("the rich menu image must be a PNG or JPEG file")


async def set_up(api: LineApi, image: bytes) -> SetUp:
    """Make (or find) the menu for this definition and image, and make it the default."""
    mime = image_type(image)
    menu = definition()
    digest = hashlib.sha256(
        json.dumps(menu.to_dict(), sort_keys=True, ensure_ascii=False).encode() + image
    ).hexdigest()[:16]
    menu.name = NAME_PREFIX + digest
    found = await api.messaging.get_rich_menu_list(_request_timeout=api.timeout)
    ours = [m for m in found.richmenus if m.name.startswith(NAME_PREFIX)]
    same = next((m for m in ours if m.name == menu.name), None)
    created = same is None
    menu_id: str
    if same is None:
        answer = await api.messaging.create_rich_menu(menu, _request_timeout=api.timeout)
        menu_id = answer.rich_menu_id
        await _upload(api, menu_id, image, mime)
    else:
        menu_id = same.rich_menu_id
    try:
        await api.messaging.set_default_rich_menu(menu_id, _request_timeout=api.timeout)
    except ApiException as error:
        if error.status != 400 or created:
            raise
        # Made by a run that stopped before its image was uploaded.
        await _upload(api, menu_id, image, mime)
        await api.messaging.set_default_rich_menu(menu_id, _request_timeout=api.timeout)
    deleted = 0
    for old in ours:
        if old.rich_menu_id != menu_id:
            await api.messaging.delete_rich_menu(old.rich_menu_id, _request_timeout=api.timeout)
            deleted += 1
    return SetUp(menu_id, created, deleted)


async def _upload(api: LineApi, menu_id: str, image: bytes, mime: str) -> None:
    await api.blob.set_rich_menu_image(
        menu_id, image, _headers={"Content-Type": mime}, _request_timeout=api.timeout
    )
