"""The answer link's download page on the serve app, over real HTTP on 127.0.0.1: the code
opens the file; a wrong one is counted and the fifth locks; expired and locked links say what
to do; requests without the page's cookie, too big or too many are refused before any work."""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
import uvicorn
from sqlmodel import select

from bot.answer_page import AnswerPage
from bot.server import http_app
from storage.models import AnswerDelivery
from storage.staff import StaffActor
from tests.conftest import Clock, Desk, Member, build_desk
from tests.storage.test_answer_delivery import CODE, LINK, PDF, disclosure


@pytest.fixture
def desk(sqlite_url: str, clock: Clock) -> Iterator[Desk]:
    desk = build_desk(sqlite_url, clock, ANSWER_LINK_BASE_URL="https://desk.example")
    yield desk
    desk.app.db.close()


@contextmanager
def serving(page: AnswerPage) -> Iterator[httpx.Client]:
    """The serve app's routes with the answer page, on a socket bound before uvicorn starts."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    server = uvicorn.Server(
        uvicorn.Config(http_app(page.routes()), log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    port = listener.getsockname()[1]
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()


def sent_link(desk: Desk) -> tuple[str, str]:
    """A chat member's 開示 sent as a link: its path and code, as the chat showed them."""
    number = disclosure(desk, method="チャット")
    desk.app.cases.attach_answer(number, StaffActor.trusted("sato"), "開示書 山田.pdf", PDF)
    desk.app.cases.send_answer(number, StaffActor.trusted("sato"))
    said = Member(desk, "alice").read()
    link, code = LINK.search(said), CODE.search(said)
    assert link and code
    return f"/answer/{link.group(1)}", code.group(1)


def csrf_of(page: httpx.Response) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found
    return found.group(1)


def post(client: httpx.Client, path: str, code: str, csrf: str) -> httpx.Response:
    return client.post(path, data={"code": code, "n": "1", "csrf": csrf})


def wrong_codes(desk: Desk) -> int:
    with desk.app.db.transaction() as session:
        return sum(d.wrong_codes for d in session.exec(select(AnswerDelivery)).all())


def test_the_right_code_downloads_the_file_with_safe_headers(desk: Desk) -> None:
    path, code = sent_link(desk)
    with serving(AnswerPage(desk.app)) as client:
        page = client.get(path)
        assert page.status_code == 200
        assert "確認コード" in page.text and "PDF" in page.text
        assert "山田" not in page.text  # nothing personal before the code
        assert "default-src 'none'" in page.headers["content-security-policy"]
        assert page.headers["cache-control"] == "no-store"
        got = post(client, path, f" {code} ", csrf_of(page))
    assert got.status_code == 200 and got.content == PDF
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["content-disposition"].startswith("attachment;")
    assert "filename*=UTF-8''%E9%96%8B%E7%A4%BA" in got.headers["content-disposition"]
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["cache-control"] == "no-store"
    [entry] = [e for e in desk.app.audit.entries() if e.action == "answer_downloaded"]
    assert entry.detail["sha256"] == __import__("hashlib").sha256(PDF).hexdigest()


def test_wrong_codes_get_a_polite_refusal_and_the_fifth_locks_the_link(desk: Desk) -> None:
    path, code = sent_link(desk)
    wrong = "000000" if code != "000000" else "111111"
    with serving(AnswerPage(desk.app)) as client:
        csrf = csrf_of(client.get(path))
        first = post(client, path, wrong, csrf)
        assert first.status_code == 403
        assert "確認コードが違います。あと4回" in first.text
        for _ in range(3):
            post(client, path, wrong, csrf)
        fifth = post(client, path, wrong, csrf)
        assert fifth.status_code == 410 and "使えなくなりました" in fifth.text
        right = post(client, path, code, csrf)
        assert right.status_code == 410 and right.content != PDF
        assert client.get(path).status_code == 410
    refused = [e for e in desk.app.audit.entries() if e.action == "answer_wrong_code"]
    assert len(refused) == 5


def test_an_expired_link_says_staff_can_send_it_again(desk: Desk) -> None:
    path, code = sent_link(desk)
    with serving(AnswerPage(desk.app)) as client:
        csrf = csrf_of(client.get(path))
        desk.clock.advance(days=8)
        page = client.get(path)
        assert page.status_code == 410 and "有効期限が過ぎました" in page.text
        assert "もう一度お送りします" in page.text
        assert post(client, path, code, csrf).status_code == 410
        assert client.get("/answer/" + "x" * 43).status_code == 404


def test_requests_without_the_pages_cookie_too_big_or_too_many_are_refused_first(
    desk: Desk,
) -> None:
    path, code = sent_link(desk)
    with serving(AnswerPage(desk.app, views_per_minute=3, tries_per_minute=3)) as client:
        bare = httpx.post(f"{client.base_url}{path}", data={"code": code, "n": "1"})
        assert bare.status_code == 403 and bare.content != PDF  # no cookie: no try counted
        csrf = csrf_of(client.get(path))
        huge = client.post(path, data={"code": code, "n": "1", "csrf": csrf, "x": "y" * 5000})
        assert huge.status_code == 413
        assert post(client, path, code, "forged").status_code == 403
        assert wrong_codes(desk) == 0
        assert client.get(path).status_code == 200
        assert client.get(path).status_code == 200
        assert client.get(path).status_code == 429  # the fourth view in a minute
        assert post(client, path, code, csrf).status_code == 429  # the fourth try in a minute
