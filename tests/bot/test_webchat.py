"""Members on the co-op's website, through the real ``madoguchi serve`` and the page's own
HTTP calls (the browser tests in ``tests/browser`` drive the same page in Chromium): requests
end as cases, a resend is one turn, the session cookie and CSRF token guard every POST, floods
and huge bodies are refused cheaply with a polite sentence, and a filed case can be continued
in another browser with its number and one-time code."""

from __future__ import annotations

import http.cookiejar
import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.bot.served import Served, eventually, staff_reply
from tests.bot.web_served import WebMember, serving_web
from tests.flows.answers import MENU_NUMBER


@pytest.fixture
def served(database_url: str, tmp_path: Path) -> Iterator[Served]:
    with serving_web(database_url) as server:
        yield server


def test_the_page_greets_a_new_browser_and_sets_a_private_cookie(served: Served) -> None:
    member = WebMember(served)
    page = member.opens_the_page()
    assert page.status == 200
    assert "コープデリ連合会 個人情報の窓口" in page.body["html"]
    assert (
        "個人情報についてのお申し出・お問い合わせに対応するためにだけ使います" in page.body["html"]
    )
    cookie = page.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/chat/coopdeli" in cookie
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    shown = member.reads()
    assert "コープデリの個人情報の窓口です" in shown[0]["text"]
    assert any(choices for choices in (m["choices"] for m in shown))
    assert not [m for m in member.history() if m["author"] == "member"]  # no "/start" shown


def test_every_request_flow_ends_as_a_web_case_with_buttons_and_with_free_text(
    served: Served,
) -> None:
    for request_type in MENU_NUMBER:
        for with_buttons in (True, False):
            member = WebMember(served)
            member.opens_the_page()
            member.reads()
            receipt = member.completes(request_type, with_buttons=with_buttons)
            assert "お申し出を受け付けました" in receipt, (request_type, receipt)
            assert "確認コード" in receipt  # the way back from another browser
    cases = served.query('SELECT request_type, channel FROM "case"')
    assert sorted(t for t, _ in cases) == sorted(list(MENU_NUMBER) * 2)
    assert {c for _, c in cases} == {"web"}


def test_a_resent_message_id_is_one_turn(served: Served) -> None:
    member = WebMember(served)
    member.opens_the_page()
    member.reads()
    first = member.sends("resend-00001", text="開示をお願いします")
    again = member.sends("resend-00001", text="開示をお願いします")
    assert (first.body["duplicate"], again.body["duplicate"]) == (False, True)
    member.reads()
    lines = served.query(
        "SELECT count(*) FROM transcriptline WHERE direction = 'member' "
        "AND text = '開示をお願いします'"
    )
    assert lines == [(1,)]


def test_posts_without_the_pages_token_or_from_another_site_are_refused(served: Served) -> None:
    member = WebMember(served)
    member.opens_the_page()
    assert member.sends(text="こんにちは").status == 200
    assert member.post("/send", {"id": "abcdefgh", "text": "x"}, csrf="").status == 403
    assert member.post("/send", {"id": "abcdefgh", "text": "x"}, csrf="forged").status == 403
    foreign = member.post(
        "/send", {"id": "abcdefgh", "text": "x"}, headers={"Origin": "https://evil.example"}
    )
    assert foreign.status == 403
    stranger = WebMember(served)  # no cookie at all
    refused = stranger.post("/send", {"id": "abcdefgh", "text": "x"}, csrf=member.csrf)
    assert refused.status == 401 and "読み込み直して" in refused.body["error"]


def test_a_forged_cookie_opens_a_new_empty_chat_never_anothers(served: Served) -> None:
    owner = WebMember(served)
    owner.opens_the_page()
    owner.says("開示をお願いします")
    intruder = WebMember(served)
    intruder.jar.set_cookie(_cookie("madoguchi_chat", "A" * 43, "/chat/coopdeli"))
    intruder.opens_the_page()
    assert [m for m in intruder.history() if "開示" in m["text"] and m["author"] == "member"] == []
    assert intruder.chat_id() != owner.chat_id()


def test_a_huge_or_garbled_body_gets_a_polite_refusal_and_nothing_is_stored(
    served: Served,
) -> None:
    member = WebMember(served)
    member.opens_the_page()
    huge = member.sends(text="あ" * 100_000)
    assert huge.status == 413 and "4,000文字まで" in huge.body["error"]
    assert member.post("/send", b"\xff\xfe not json").status == 400
    assert member.post("/send", {"id": "short", "text": "x"}).status == 400
    assert member.post("/send", ["a", "list"]).status == 400
    turns = served.query("SELECT count(*) FROM processedupdate WHERE key LIKE 'web:%'")
    assert turns == [(1,)]  # the greeting only


def test_hostile_markup_is_kept_as_text_and_never_enters_the_page(served: Served) -> None:
    member = WebMember(served)
    member.opens_the_page()
    member.reads()
    member.says("<script>alert(1)</script>")
    page = member.opens_the_page()
    assert "<script>alert" not in page.body["html"]
    mine = [m for m in member.history() if m["author"] == "member"]
    assert mine[-1]["text"] == "<script>alert(1)</script>"  # shown by textContent, as typed


def test_a_flood_of_new_sessions_from_one_address_is_refused(served: Served) -> None:
    answers = [WebMember(served).opens_the_page().status for _ in range(32)]
    assert answers[:30] == [200] * 30
    assert answers[30:] == [429, 429]


def test_a_filed_case_continues_in_another_browser_with_its_number_and_code_once(
    served: Served,
) -> None:
    member = WebMember(served)
    member.opens_the_page()
    member.reads()
    receipt = member.completes("disclosure", with_buttons=True)
    number = re.search(r"受付番号 ([A-Z]+-\d{4}-\d{5})", receipt)
    code = re.search(r"確認コード (\d{4}-\d{4})", receipt)
    assert number and code, receipt
    other = WebMember(served)
    other.opens_the_page()
    wrong = other.post("/resume", {"case_number": number[1], "code": "0000-0000"})
    assert wrong.status == 403 and "違います" in wrong.body["error"]
    assert other.post("/resume", {"case_number": number[1], "code": code[1]}).status == 200
    assert other.chat_id() == member.chat_id()
    assert any("お申し出を受け付けました" in m["text"] for m in other.history())
    third = WebMember(served)
    third.opens_the_page()
    assert third.post("/resume", {"case_number": number[1], "code": code[1]}).status == 403


def test_a_staff_reply_reaches_the_open_pages_event_stream(served: Served) -> None:
    member = WebMember(served)
    member.opens_the_page()
    member.reads()
    member.completes("human", with_buttons=True)
    [(number,)] = served.query('SELECT number FROM "case"')
    request = urllib.request.Request(
        f"{member.base}/events?after={member.cursor}", headers={"Accept": "text/event-stream"}
    )
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(member.jar))
    with opener.open(request, timeout=20) as stream:
        assert stream.readline().startswith(b"retry:")
        staff_reply(served, str(number), "担当の佐藤です。明日お電話します。")
        data = b""
        while b"data:" not in data:
            data = stream.readline()
    message = json.loads(data.decode().removeprefix("data: "))
    assert "担当の佐藤です" in message["text"]
    eventually(member.nothing_pending)


def test_embedding_is_allowed_only_for_the_configured_origins(
    database_url: str, tmp_path: Path
) -> None:
    with serving_web(database_url, WEBCHAT_ALLOWED_ORIGINS="https://www.coopdeli.example") as s:
        page = WebMember(s).opens_the_page()
    assert "frame-ancestors https://www.coopdeli.example" in page.headers["content-security-policy"]
    cookie = page.headers["set-cookie"]
    assert "SameSite=none" in cookie and "Secure" in cookie


def _cookie(name: str, value: str, path: str) -> http.cookiejar.Cookie:
    return http.cookiejar.Cookie(
        0,
        name,
        value,
        None,
        False,
        "127.0.0.1",
        False,
        False,
        path,
        True,
        False,
        None,
        True,
        None,
        None,
        {},
    )


def test_serve_prints_the_address_a_newcomer_opens(served: Served) -> None:
    assert served.process.stdout is not None
    line = served.process.stdout.readline()
    assert line.strip() == f"madoguchi: open http://127.0.0.1:{served.port}/chat in a browser"


def test_the_makefiles_run_serves_the_web_chat_on_this_machine_only() -> None:
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    run = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "WEBCHAT_ENABLED=1" in run and "serve --host 127.0.0.1" in run


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def test_where_files_are_off_an_upload_is_explained_and_never_read(served: Served) -> None:
    member = WebMember(served)
    member.opens_the_page()
    member.reads()
    assert member.uploads("委任状.pdf", PDF).status == 200
    shown = "\n".join(m["text"] for m in member.reads())
    assert "ファイルはお受けしていません" in shown
    assert served.query("SELECT count(*) FROM attachment") == [(0,)]


def test_where_files_are_on_they_are_checked_by_their_bytes_and_size_like_any_channel(
    database_url: str, tmp_path: Path
) -> None:
    deployment = tmp_path / "madoguchi.toml"
    deployment.write_text(
        'orgs = ["seikatsuclub-kyosai", "coopdeli"]\n'
        "[attachments.coopdeli]\nallowed = true\nmax_mb = 1\n",
        encoding="utf-8",
    )
    with serving_web(database_url, deployment=deployment) as served:
        member = WebMember(served)
        member.opens_the_page()
        member.reads()
        member.says("9")
        assert member.uploads("委任状.pdf", PDF).status == 200
        assert "「委任状.pdf」（1 KB）を受け取りました" in "\n".join(
            m["text"] for m in member.reads()
        )
        assert member.uploads("偽物.pdf", b"MZ\x90\x00 not a pdf").status == 200
        assert "PDF" in "\n".join(m["text"] for m in member.reads())
        big = member.uploads("big.pdf", PDF + bytes(1024 * 1024))
        assert big.status == 200
        assert "1MBまでのファイルを送ってください" in "\n".join(m["text"] for m in member.reads())
        stored = served.query("SELECT name, mime, size FROM attachment")
    assert stored == [("委任状.pdf", "application/pdf", len(PDF))]


def test_the_deployment_file_turns_the_web_chat_on_for_the_orgs_it_names(
    database_url: str, tmp_path: Path
) -> None:
    deployment = tmp_path / "madoguchi.toml"
    deployment.write_text(
        'orgs = ["seikatsuclub-kyosai", "coopdeli"]\n'
        '[webchat]\nenabled = true\norgs = ["coopdeli"]\n',
        encoding="utf-8",
    )
    with serving_web(database_url, deployment=deployment, WEBCHAT_ENABLED="0") as served:
        assert served.process.stdout is not None
        assert served.process.stdout.readline().strip().endswith("/chat/coopdeli in a browser")
        chooser = urllib.request.urlopen(f"http://127.0.0.1:{served.port}/chat", timeout=10)
        assert chooser.geturl().endswith("/chat/coopdeli")  # one org: straight to its page
        assert WebMember(served).opens_the_page().status == 200
        other = WebMember(served, org="seikatsuclub-kyosai").opens_the_page()
        assert other.status == 404


def test_a_browser_whose_chat_was_forgotten_is_greeted_again_not_shown_an_empty_page(
    served: Served,
) -> None:
    member = WebMember(served)
    member.opens_the_page()
    chat = member.chat_id()
    engine = sa.create_engine(served.db_url, poolclass=sa.NullPool)
    with engine.begin() as connection:  # what the idle-chat retention removes
        ids = f"(SELECT id FROM conversation WHERE chat_id = '{chat}')"
        connection.exec_driver_sql(f"DELETE FROM outboxmessage WHERE conversation_id IN {ids}")
        connection.exec_driver_sql(f"DELETE FROM transcriptline WHERE conversation_id IN {ids}")
        connection.exec_driver_sql(f"DELETE FROM conversation WHERE chat_id = '{chat}'")
    engine.dispose()
    member.opens_the_page()
    eventually(member.nothing_pending)
    assert any("ご用件を選んでください" in m["text"] for m in member.history())
