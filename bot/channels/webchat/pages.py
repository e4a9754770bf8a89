"""The web chat's HTML: the org chooser and the chat page, every text escaped.

The page is static markup plus ``chat.js`` and ``chat.css`` served by madoguchi (no inline
script or style, nothing from another site); the conversation itself arrives as JSON. The
notice of what the desk uses the member's words for is shown before the first question.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from flows import attachments
from flows.i18n import N_, Translator
from flows.profiles import OrgProfile

STATIC_PATH = "/chat/static"


NO_SCRIPT = N_("このページを使うには、ブラウザの設定でJavaScriptを有効にしてください。")
OFFLINE = N_("送信できませんでした。通信の状態をお確かめのうえ、もう一度送ってください。")


def _page(t: Translator, title: str, body: str, *, csrf: str = "", org_id: str = "") -> str:
    lang = "en" if t.lang == "en" else "ja"
    meta = f'<meta name="csrf-token" content="{escape(csrf)}">' if csrf else ""
    # The page's own sentences for chat.js (a lost connection), read from data attributes.
    offline = f' data-offline="{escape(t(OFFLINE))}"' if org_id else ""
    return (
        "<!doctype html>\n"
        f'<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n{meta}\n"
        f'<link rel="stylesheet" href="{STATIC_PATH}/chat.css">\n'
        f'<script src="{STATIC_PATH}/chat.js" defer></script>\n'
        f'</head>\n<body data-org="{escape(org_id)}" data-lang="{lang}"{offline}>\n'
        f"{body}\n</body>\n</html>\n"
    )


def chooser(orgs: Sequence[OrgProfile], t: Translator) -> str:
    """``/chat``: one large link per co-op, in the chosen language, and the language switch."""
    english = t.lang == "en"
    query = "?lang=en" if english else ""
    links = "\n".join(
        f'<li><a class="org" href="/chat/{escape(org.id)}{query}">'
        f"{escape(org.name.get(t.lang))}</a></li>"
        for org in orgs
    )
    switch = (
        f'<a class="language" href="/chat{"" if english else "?lang=en"}" '
        f'lang="{"ja" if english else "en"}">{escape(t(N_("English")))}</a>'
    )
    body = (
        '<main class="chooser">\n'
        f'<p class="switch">{switch}</p>\n'
        f"<h1>{escape(t(N_('個人情報の窓口')))}</h1>\n"
        f"<p>{escape(t(N_('お申し出先の生協を選んでください。')))}</p>\n"
        f'<ul class="orgs">\n{links}\n</ul>\n</main>'
    )
    return _page(t, t(N_("個人情報の窓口")), body)


def chat_page(org: OrgProfile, t: Translator, csrf: str) -> str:
    """``/chat/<org>``: the notice, the conversation (an ARIA live region), the input."""
    name = org.name.get(t.lang)
    title = t(N_("{org} 個人情報の窓口"), org=name)
    notice = t(
        N_(
            "この窓口でご入力いただいた内容は、{org}が個人情報についてのお申し出・"
            "お問い合わせに対応するためにだけ使います。{org}のプライバシーポリシーに"
            "沿って取り扱います。"
        ),
        org=name,
    )
    smaller, larger = escape(t(N_("文字を小さくする"))), escape(t(N_("文字を大きくする")))
    other = "ja" if t.lang == "en" else "en"  # the switch is labelled in the other language
    body = f"""<header class="top">
<h1>{escape(title)}</h1>
<div class="tools">
<button type="button" id="smaller" aria-label="{smaller}">{escape(t(N_("文字 小")))}</button>
<button type="button" id="larger" aria-label="{larger}">{escape(t(N_("文字 大")))}</button>
<button type="button" id="language" lang="{other}">{escape(t(N_("English")))}</button>
</div>
</header>
<main id="chat">
<noscript><p class="problem">{escape(t(NO_SCRIPT))}</p></noscript>
<p class="notice" id="notice">{escape(notice)}</p>
<ol id="log" aria-live="polite" aria-relevant="additions" aria-label="{escape(t(N_("会話")))}"></ol>
<p id="typing" class="typing" role="status" hidden>{escape(t(N_("お返事を準備しています…")))}</p>
<p id="problem" class="problem" role="alert" hidden></p>
<form id="compose" autocomplete="off">
<label for="text">{escape(t(N_("メッセージ")))}</label>
<textarea id="text" name="text" rows="3"></textarea>
<button type="submit" id="send">{escape(t(N_("送信")))}</button>
</form>
{_attach_form(org, t)}
<details class="resume">
<summary>{escape(t(N_("別の端末で始めたお申し出の続き")))}</summary>
<form id="resume" autocomplete="off">
<label for="case-number">{escape(t(N_("受付番号")))}</label>
<input id="case-number" name="case_number" inputmode="latin">
<label for="code">{escape(t(N_("確認コード")))}</label>
<input id="code" name="code" inputmode="numeric">
<button type="submit">{escape(t(N_("続ける")))}</button>
</form>
</details>
</main>"""
    return _page(t, title, body, csrf=csrf, org_id=org.id)


def _attach_form(org: OrgProfile, t: Translator) -> str:
    """A file button only where the org takes files (its types and size said beside it)."""
    rule = org.attachments
    if not rule.allowed:
        return ""
    label = t(
        N_("書類や写真を送る（{types}、{size}MBまで）"),
        types=attachments.accepted_types(rule, t),
        size=rule.max_mb,
    )
    accept = ",".join(rule.types)
    return (
        '<form id="attach" autocomplete="off">\n'
        f'<label for="file">{escape(label)}</label>\n'
        f'<input type="file" id="file" name="file" accept="{escape(accept)}">\n'
        f'<button type="submit">{escape(t(N_("ファイルを送る")))}</button>\n'
        "</form>"
    )
