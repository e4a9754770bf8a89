"""Unauthenticated requests cost nothing: against a real ``madoguchi serve`` with Slack over
HTTP, oversized, unsigned, forged, stale and malformed requests are refused at the edge (413,
401, 400) without a traceback, and members keep chatting while it happens."""

from __future__ import annotations

import socket
import statistics
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.bot.served import Member, Served, serving
from tests.bot.test_slack_end_to_end import Desk, desk_running
from tests.fakes.slack_api import FakeSlackApi, Outgoing
from tests.fakes.telegram_api import FakeBotApi

MB = 1 << 20
# What a client can push before the refusal reaches it: the kernel's buffers on loopback grow
# to tens of MB under load (tcp_rmem), without costing the server's memory (checked apart), so
# the bound is only that the upload never went through whole.
SENT_AT_MOST = 48 * MB
BIG = 64 * MB
UPLOADERS = 3


def _rss(served: Served) -> int:
    """The serve process's resident memory, in bytes."""
    for line in Path(f"/proc/{served.process.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


@dataclass
class Upload:
    """What became of one big unsigned POST."""

    status: int | None = None  # the HTTP status, if an answer could be read
    sent: int = 0  # body bytes the server let us send
    chunked: bool = False

    @property
    def cut_short(self) -> bool:
        return self.sent < BIG


def _big_post(
    port: int, *, chunked: bool, path: str = "/slack/events", headers: str = ""
) -> Upload:
    """POST 64 MB of junk to ``path`` (unsigned unless ``headers`` say otherwise), sending only
    while the server reads; stop as soon as it answers or closes the connection.

    With ``Expect: 100-continue`` the body goes only once the server asks for it (uvicorn does
    when the app starts reading), so a refusal from the headers alone always arrives as 413; a
    refusal part-way through may reach us only as a closed connection.
    """
    upload = Upload(chunked=chunked)
    piece = b"x" * MB
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        + headers
        + ("Transfer-Encoding: chunked\r\n" if chunked else f"Content-Length: {BIG}\r\n")
        + "\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(head)
        answer = b""
        try:
            answer = sock.recv(65536)  # 100 Continue, or the final answer
            if answer.startswith(b"HTTP/1.1 100"):
                answer = answer.partition(b"\r\n\r\n")[2]
                while not answer and upload.sent < BIG:
                    sock.settimeout(0)  # an answer already there ends the upload
                    with suppress(BlockingIOError):
                        answer = sock.recv(65536)
                    sock.settimeout(60)
                    if not answer:
                        frame = b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece
                        sock.sendall(frame)
                        upload.sent += len(piece)
                if chunked and upload.sent >= BIG:
                    sock.sendall(b"0\r\n\r\n")
                answer = answer or sock.recv(65536)
        except OSError:  # the server closed on us mid-upload
            pass
        if answer.startswith(b"HTTP/1.1 "):
            upload.status = int(answer.split()[1])
    return upload


@dataclass
class Attack:
    """Threads that send big unsigned POSTs one after another until stopped."""

    port: int
    uploads: list[Upload] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    first_refused: threading.Event = field(default_factory=threading.Event)

    def _run(self, index: int) -> None:
        chunked = bool(index % 2)
        while not self.stop.is_set():
            upload = _big_post(self.port, chunked=chunked)
            self.uploads.append(upload)
            self.first_refused.set()
            chunked = not chunked


@contextmanager
def attacking(port: int) -> Iterator[Attack]:
    attack = Attack(port)
    threads = [
        threading.Thread(target=attack._run, args=(i,), daemon=True) for i in range(UPLOADERS)
    ]
    for thread in threads:
        thread.start()
    try:
        assert attack.first_refused.wait(120)
        yield attack
    finally:
        attack.stop.set()
        for thread in threads:
            thread.join(timeout=300)


def _timed_turns(fake: FakeBotApi, served: Served, chats: range) -> list[float]:
    """Seconds for each member's first turn (each a new chat: a chat's own answers are paced
    at one a second) together with a /healthz call."""
    times = []
    for chat_id in chats:
        started = time.perf_counter()
        assert Member(fake, served, chat_id).command("start", "coopdeli")
        with urllib.request.urlopen(f"http://127.0.0.1:{served.port}/healthz", timeout=60) as ok:
            assert ok.status == 200
        times.append(time.perf_counter() - started)
    return times


def test_big_unsigned_slack_posts_are_refused_at_once_while_members_keep_chatting(
    fake: FakeBotApi, slack: FakeSlackApi, tmp_path: Path
) -> None:
    log = tmp_path / "serve.log"
    with desk_running(fake, slack, tmp_path, log_file=log) as desk:
        served = desk.served
        _timed_turns(fake, served, range(500, 502))  # warm up
        baseline = statistics.median(_timed_turns(fake, served, range(510, 515)))
        rss_before = _rss(served)
        peak = rss_before
        with attacking(served.port) as attack:
            during: list[float] = []
            for start in range(520, 530, 2):
                during += _timed_turns(fake, served, range(start, start + 2))
                peak = max(peak, _rss(served))
            uploads_during_chat = len(attack.uploads)
        assert uploads_during_chat >= UPLOADERS
        # Each upload was refused long before its end: the body was never read, let alone parsed.
        assert all(upload.cut_short for upload in attack.uploads), attack.uploads
        assert {u.status for u in attack.uploads if not u.chunked} == {401}
        assert {u.status for u in attack.uploads if u.chunked} <= {401, None}
        assert max(during) < max(20 * baseline, 2.0), (baseline, during)
        assert peak - rss_before < 50 * MB, (rss_before, peak)
    logged = log.read_text(encoding="utf-8")
    assert "Traceback" not in logged
    assert logged.count('"slack.request_refused"') >= len(attack.uploads)  # one line each


# ---------------------------------------------------------------- signatures and bad bodies
# One serve process per module answers every bad request of a kind (a serve takes seconds to
# start): each test reads only the log lines its own requests wrote, the desk must still
# answer the real thing after each, and the whole log is checked once more at the end.


@dataclass
class SharedLog:
    """A shared serve process's log, read from where the current test began."""

    path: Path
    start: int = 0

    def begin(self) -> None:
        self.start = self.path.stat().st_size if self.path.exists() else 0

    def since_begin(self) -> str:
        return self.path.read_bytes()[self.start :].decode("utf-8", "replace")


@pytest.fixture(scope="module")
def slack_desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Desk, SharedLog]]:
    """A desk with Slack over signed HTTP, shared by the tests of bad Slack requests."""
    tmp_path = tmp_path_factory.mktemp("slack-desk")
    log = SharedLog(tmp_path / "serve.log")
    with (
        FakeBotApi() as fake,
        FakeSlackApi() as slack,
        desk_running(fake, slack, tmp_path, log_file=log.path) as desk,
    ):
        yield desk, log
    assert "Traceback" not in log.path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def telegram_webhook(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[FakeBotApi, Served, SharedLog]]:
    """A serve process taking Telegram's webhook, shared by the tests of bad updates."""
    tmp_path = tmp_path_factory.mktemp("telegram-webhook")
    log = SharedLog(tmp_path / "serve.log")
    with (
        FakeBotApi() as fake,
        serving(fake, tmp_path / "db.sqlite3", webhook=True, log_file=log.path) as served,
    ):
        yield fake, served, log
    assert "Traceback" not in log.path.read_text(encoding="utf-8")


def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def _event(desk: Desk) -> Outgoing:
    return desk.sender.build_event({"type": "app_home_opened", "user": "UKYO", "tab": "home"})


@pytest.mark.parametrize(
    "how",
    [
        {"signed": False},
        {"secret": "someone-elses-secret"},
        {"age": 6 * 60},
        {"age": -6 * 60},
    ],
    ids=["unsigned", "forged", "stale", "from-the-future"],
)
def test_an_unsigned_forged_or_stale_slack_request_gets_401_without_a_traceback(
    slack_desk: tuple[Desk, SharedLog], how: dict[str, object]
) -> None:
    desk, log = slack_desk
    log.begin()
    options = dict(how)
    age = options.pop("age", None)  # seconds before now, taken when the request is sent
    if isinstance(age, int):
        options["timestamp"] = int(time.time()) - age
    reply = desk.sender.send(_event(desk), **options)  # type: ignore[arg-type]
    assert reply.status == 401
    assert desk.sender.send(_event(desk)).status == 200  # the real thing still works
    logged = log.since_begin()
    assert "Traceback" not in logged
    assert "slack.request_refused" in logged


@pytest.mark.parametrize(
    ("body", "content_type", "timestamp"),
    [
        (b"payload=%7Bnot+json", "application/x-www-form-urlencoded", None),
        (b"{not json", "application/json", None),
        (b"[1, 2, 3]", "application/json", None),
        (b'{"type": "event_callback", "event": 7}', "application/json", None),
        (b"payload=%FF%FE", "application/x-www-form-urlencoded", None),
        (b"\xff\xfe\x00garbage", "application/json", None),
        (b"payload=%5B%5D", "application/x-www-form-urlencoded", None),
        (b"{}", "application/json", "12abc"),
        (b"{}", "application/json", "\u00b2"),  # a digit to str.isdigit, not to int()
        (b"[" * 100_000, "application/json", None),
    ],
)
def test_a_malformed_slack_body_gets_a_clear_answer_not_a_traceback(
    slack_desk: tuple[Desk, SharedLog],
    body: bytes,
    content_type: str,
    timestamp: str | None,
) -> None:
    desk, log = slack_desk
    log.begin()
    now = str(int(time.time()))
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": timestamp or now,
        "X-Slack-Signature": desk.sender.signature(int(now), body),
    }
    status = _post(desk.sender.url, body, headers)
    assert status in (400, 401, 404), status
    assert desk.sender.send(_event(desk)).status == 200
    assert "Traceback" not in log.since_begin()


def test_a_slack_body_over_the_limit_is_refused_with_413_from_its_length_alone(
    fake: FakeBotApi, slack: FakeSlackApi, tmp_path: Path
) -> None:
    with desk_running(fake, slack, tmp_path) as desk:
        signed = (  # well-formed and current, so only the length can refuse it
            f"X-Slack-Request-Timestamp: {int(time.time())}\r\nX-Slack-Signature: v0={'0' * 64}\r\n"
        )
        upload = _big_post(desk.served.port, chunked=False, headers=signed)
        assert upload.status == 413
        assert upload.sent < SENT_AT_MOST, upload


# ---------------------------------------------------------------- Telegram's webhook


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[]",
        b"null",
        b'"text"',
        b"\xff\xfe",
        b'{"update_id": "x", "message": 5}',
        b"[" * 100_000,
        b'{"update_id": 1, "message": {"message_id": 1, "date": 1e300, "chat": {"id": 1, '
        b'"type": "private"}}}',
    ],
)
def test_a_malformed_telegram_update_gets_400_without_a_traceback(
    telegram_webhook: tuple[FakeBotApi, Served, SharedLog], body: bytes
) -> None:
    fake, served, log = telegram_webhook
    log.begin()
    assert fake.webhook is not None
    status = fake.post_raw_webhook(body, secret=fake.webhook.secret_token)
    assert status == 400
    assert served.query("SELECT count(*) FROM conversation") == [(0,)]
    assert served.process.poll() is None  # still serving
    assert "Traceback" not in log.since_begin()


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_an_oversized_telegram_update_gets_413_before_it_is_read(
    fake: FakeBotApi, tmp_path: Path, chunked: bool
) -> None:
    with serving(fake, tmp_path / "db.sqlite3", webhook=True) as served:
        assert fake.webhook is not None
        secret = f"X-Telegram-Bot-Api-Secret-Token: {fake.webhook.secret_token}\r\n"
        upload = _big_post(served.port, chunked=chunked, path="/telegram/webhook", headers=secret)
        if not chunked:
            assert upload.status == 413  # refused from its Content-Length alone
        assert upload.status in (413, None), upload  # None: closed on us while still sending
        assert upload.sent < SENT_AT_MOST, upload
        assert served.query("SELECT count(*) FROM conversation") == [(0,)]
