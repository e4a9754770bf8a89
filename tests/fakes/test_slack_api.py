"""The fake Slack Web API against the real slack_sdk and slack_bolt: if the SDK accepts the fake's
answers, raises the right errors for its faults and Bolt accepts the sender's signed payloads,
end-to-end tests built on it mean something."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from slack_bolt import Ack, App, BoltRequest, Respond, Say
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.slack_api import (
    FakeSlackApi,
    SlackSender,
    datepicker,
    plain_text,
    static_select,
)

TOKEN = "xoxb-test"
SECRET = "signing-secret-for-tests"
CHANNEL = "C0STAFF"

MODAL: dict[str, Any] = {
    "type": "modal",
    "callback_id": "close_case",
    "private_metadata": "KY-2026-00001",
    "title": {"type": "plain_text", "text": "案件を閉じる"},
    "submit": {"type": "plain_text", "text": "閉じる"},
    "blocks": [
        {
            "type": "input",
            "block_id": "reason",
            "label": {"type": "plain_text", "text": "理由"},
            "element": {"type": "plain_text_input", "action_id": "text"},
        },
        {
            "type": "input",
            "block_id": "due",
            "label": {"type": "plain_text", "text": "期限"},
            "element": {"type": "datepicker", "action_id": "date"},
        },
    ],
}

CARD: list[dict[str, Any]] = [
    {"type": "section", "block_id": "summary", "text": {"type": "mrkdwn", "text": "開示請求"}},
    {
        "type": "actions",
        "block_id": "case_actions",
        "elements": [
            {
                "type": "button",
                "action_id": "close",
                "value": "KY-2026-00001",
                "text": {"type": "plain_text", "text": "閉じる"},
            }
        ],
    },
]


@pytest.fixture
def fake() -> Iterator[FakeSlackApi]:
    with FakeSlackApi(TOKEN) as api:
        yield api


@pytest.fixture
def client(fake: FakeSlackApi) -> WebClient:
    return WebClient(token=TOKEN, base_url=fake.api_url)


def api_error(call: Callable[[], Any]) -> SlackApiError:
    with pytest.raises(SlackApiError) as caught:
        call()
    return caught.value


# ---------------------------------------------------------------------- Web API


def test_auth_test_answers_for_the_bot_token_only(fake: FakeSlackApi, client: WebClient) -> None:
    answer = client.auth_test()
    assert (answer["user_id"], answer["bot_id"], answer["team_id"]) == ("UBOT", "BBOT", "T0001")

    wrong = WebClient(token="xoxb-wrong", base_url=fake.api_url)
    assert api_error(wrong.auth_test).response["error"] == "invalid_auth"
    anonymous = WebClient(base_url=fake.api_url)
    assert api_error(anonymous.auth_test).response["error"] == "not_authed"
    assert [call.ok for call in fake.calls_to("auth.test")] == [True, False, False]


def test_update_changes_the_stored_message_and_keeps_its_history(
    fake: FakeSlackApi, client: WebClient
) -> None:
    posted = client.chat_postMessage(channel=CHANNEL, text="受付", blocks=CARD)
    client.chat_update(channel=CHANNEL, ts=posted["ts"], text="対応中")

    [message] = fake.messages(CHANNEL)
    assert (message.ts, message.text) == (posted["ts"], "対応中")
    assert message.blocks == CARD  # omitted blocks are kept, as on Slack
    assert [edit.text for edit in message.edits] == ["受付"]

    client.chat_update(channel=CHANNEL, ts=posted["ts"], text="完了", blocks=[])
    assert fake.messages(CHANNEL)[0].blocks == []
    assert [edit.text for edit in fake.messages(CHANNEL)[0].edits] == ["受付", "対応中"]
    missing = api_error(lambda: client.chat_update(channel=CHANNEL, ts="1.000001", text="x"))
    assert missing.response["error"] == "message_not_found"


def test_blocks_sent_as_a_form_string_are_decoded_and_checked(
    fake: FakeSlackApi, client: WebClient
) -> None:
    client.api_call(
        "chat.postMessage", params={"channel": CHANNEL, "text": "t", "blocks": json.dumps(CARD)}
    )
    assert fake.calls_to("chat.postMessage")[0].params["blocks"] == CARD
    too_long = [{"type": "header", "text": {"type": "plain_text", "text": "長" * 151}}]
    error = api_error(lambda: client.chat_postMessage(channel=CHANNEL, text="t", blocks=too_long))
    assert error.response["error"] == "invalid_blocks"
    assert len(fake.messages(CHANNEL)) == 1


def test_thread_lists_replies_in_order(fake: FakeSlackApi, client: WebClient) -> None:
    parent = client.chat_postMessage(channel=CHANNEL, text="案件 KY-2026-00001")["ts"]
    other = client.chat_postMessage(channel=CHANNEL, text="別件")["ts"]
    client.chat_postMessage(channel=CHANNEL, text="返信1", thread_ts=parent)
    client.chat_postMessage(channel=CHANNEL, text="別件の返信", thread_ts=other)
    client.chat_postMessage(channel=CHANNEL, text="返信2", thread_ts=parent)

    assert [m.text for m in fake.thread(CHANNEL, parent)] == ["返信1", "返信2"]
    timestamps = [m.ts for m in fake.messages(CHANNEL)]
    assert timestamps == sorted(timestamps, key=float) and len(set(timestamps)) == 5


def test_views_open_needs_a_fresh_trigger_id(fake: FakeSlackApi, client: WebClient) -> None:
    missing = api_error(lambda: client.views_open(trigger_id="", view=MODAL))
    assert missing.response["error"] == "invalid_trigger_id"

    trigger = fake.new_trigger_id("U0STAFF")
    opened = client.views_open(trigger_id=trigger, view=MODAL)["view"]
    [record] = fake.views_opened()
    assert (record.user, record.view_id) == ("U0STAFF", opened["id"])
    assert record.view["private_metadata"] == "KY-2026-00001"
    assert fake.open_modals("U0STAFF")[0]["callback_id"] == "close_case"

    reused = api_error(lambda: client.views_open(trigger_id=trigger, view=MODAL))
    assert reused.response["error"] == "exchanged_trigger_id"
    long_title = {**MODAL, "title": {"type": "plain_text", "text": "長" * 25}}
    error = api_error(
        lambda: client.views_open(trigger_id=fake.new_trigger_id("U1"), view=long_title)
    )
    assert error.response["error"] == "invalid_arguments"


def test_a_trigger_id_expires_after_three_seconds_of_the_fakes_clock(
    fake: FakeSlackApi, client: WebClient
) -> None:
    fresh = fake.new_trigger_id("U0STAFF")
    fake.age_trigger_ids(2.5)
    client.views_open(trigger_id=fresh, view=MODAL)  # 2.5 s old: still good

    stale = fake.new_trigger_id("U0STAFF")
    fake.age_trigger_ids(3.5)
    expired = api_error(lambda: client.views_open(trigger_id=stale, view=MODAL))
    assert expired.response["error"] == "expired_trigger_id"

    slow = fake.new_trigger_id("U0STAFF")
    fake.add_usergroup("S0STAFF", ["U0STAFF"])
    fake.slow_next("usergroups.users.list", 4.0)
    client.usergroups_users_list(usergroup="S0STAFF")  # answered at once, "took" 4 s
    late = api_error(lambda: client.views_open(trigger_id=slow, view=MODAL))
    assert late.response["error"] == "expired_trigger_id"


def test_files_upload_v2_keeps_the_bytes(fake: FakeSlackApi, client: WebClient) -> None:
    parent = client.chat_postMessage(channel=CHANNEL, text="案件")["ts"]
    data = "開示データ\n".encode() + bytes(range(256))
    client.files_upload_v2(
        channel=CHANNEL,
        thread_ts=parent,
        content=data,
        filename="transcript.txt",
        title="記録",
        initial_comment="記録です",
    )
    client.files_upload_v2(channel=CHANNEL, file=b"%PDF-1.4", filename="a.pdf")

    first, second = fake.uploaded_files()
    assert (first.data, first.filename, first.title) == (data, "transcript.txt", "記録")
    assert (first.channel, first.thread_ts, first.initial_comment) == (CHANNEL, parent, "記録です")
    assert (second.data, second.title, second.thread_ts) == (b"%PDF-1.4", "a.pdf", None)
    [share] = fake.thread(CHANNEL, parent)
    assert (share.files, share.text) == ([first.file_id], "記録です")


def test_multipart_bodies_are_parsed_byte_exact(fake: FakeSlackApi, client: WebClient) -> None:
    client.api_call(
        "chat.postMessage", data={"channel": CHANNEL, "text": "多部"}, files={"f": b"x\r\n"}
    )
    assert fake.messages(CHANNEL)[0].text == "多部"
    assert fake.calls_to("chat.postMessage")[0].params["f"].data == b"x\r\n"

    upload = client.files_getUploadURLExternal(filename="scan.png", length=4)
    sent = httpx.post(upload["upload_url"], files={"file": ("scan.png", b"\x89P\r\n")})
    assert sent.status_code == 200
    client.files_completeUploadExternal(files=[{"id": upload["file_id"]}], channel_id=CHANNEL)
    assert fake.uploaded_files()[0].data == b"\x89P\r\n"


def test_async_client_and_query_string_methods(fake: FakeSlackApi) -> None:
    fake.add_user("U0STAFF", "tanaka", real_name="田中 花子", display_name="田中")
    fake.add_usergroup("S0DESK", ["U0STAFF", "U0OTHER"])

    async def scenario() -> None:
        client = AsyncWebClient(token=TOKEN, base_url=fake.api_url)
        assert (await client.auth_test())["user_id"] == "UBOT"
        user = (await client.users_info(user="U0STAFF"))["user"]
        assert (user["real_name"], user["profile"]["display_name"]) == ("田中 花子", "田中")
        group = await client.usergroups_users_list(usergroup="S0DESK")
        assert group["users"] == ["U0STAFF", "U0OTHER"]
        with pytest.raises(SlackApiError) as caught:
            await client.users_info(user="U0NOBODY")
        assert caught.value.response["error"] == "user_not_found"
        posted = await client.chat_postMessage(channel=CHANNEL, text="非同期", blocks=CARD)
        await client.files_upload_v2(
            channel=CHANNEL, thread_ts=posted["ts"], content=b"\x00abc", filename="x.bin"
        )
        assert (await client.conversations_info(channel=CHANNEL))["channel"]["id"] == CHANNEL

    asyncio.run(scenario())
    assert fake.messages(CHANNEL)[0].blocks == CARD
    assert fake.uploaded_files()[0].data == b"\x00abc"


def test_ephemeral_home_and_unknown_methods(fake: FakeSlackApi, client: WebClient) -> None:
    client.chat_postEphemeral(channel=CHANNEL, user="U0STAFF", text="あなただけに")
    client.views_publish(user_id="U0STAFF", view={"type": "home", "blocks": CARD})
    assert [e.text for e in fake.ephemerals("U0STAFF")] == ["あなただけに"]
    assert fake.ephemerals("U0OTHER") == []
    home = fake.published_home("U0STAFF")
    assert home is not None and home["blocks"] == CARD
    assert api_error(lambda: client.api_call("chat.meMessage")).response["error"] == (
        "unknown_method"
    )


def test_response_url_posts_act_like_slack(fake: FakeSlackApi, client: WebClient) -> None:
    ts = client.chat_postMessage(channel=CHANNEL, text="受付", blocks=CARD)["ts"]
    url = fake.response_url(channel=CHANNEL, user="U0STAFF", message_ts=ts)
    httpx.post(url, json={"text": "確認中です"})
    httpx.post(url, json={"text": "担当: 田中", "replace_original": True})
    httpx.post(url, json={"text": "全員へ", "response_type": "in_channel"})

    assert [e.text for e in fake.ephemerals("U0STAFF")] == ["確認中です"]
    original, shared = fake.messages(CHANNEL)
    assert (original.text, original.blocks, shared.text) == ("担当: 田中", [], "全員へ")
    assert [c.params.get("replace_original") for c in fake.calls_to("response_url")] == [
        None,
        True,
        None,
    ]
    httpx.post(url, json={"delete_original": True})
    assert [m.text for m in fake.messages(CHANNEL)] == ["全員へ"]


def test_strict_channels_reject_unknown_ids() -> None:
    with FakeSlackApi(TOKEN, strict_channels=True) as fake:
        fake.add_channel(CHANNEL, "madoguchi-staff")
        client = WebClient(token=TOKEN, base_url=fake.api_url)
        client.chat_postMessage(channel="#madoguchi-staff", text="名前でも")
        error = api_error(lambda: client.chat_postMessage(channel="C0NOPE", text="x"))
        assert error.response["error"] == "channel_not_found"
        assert [m.channel for m in fake.messages()] == [CHANNEL]


# ---------------------------------------------------------------------- faults


def test_rate_limit_raises_with_retry_after(fake: FakeSlackApi, client: WebClient) -> None:
    fake.fail_next("chat.postMessage", retry_after=7)
    error = api_error(lambda: client.chat_postMessage(channel=CHANNEL, text="x"))
    assert error.response.status_code == 429
    assert error.response.headers["Retry-After"] == "7"
    assert error.response["error"] == "ratelimited"
    assert fake.messages() == []
    client.chat_postMessage(channel=CHANNEL, text="x")
    assert [call.status for call in fake.calls_to("chat.postMessage")] == [429, 200]


def test_rate_limit_retry_handler_succeeds_after_waiting(fake: FakeSlackApi) -> None:
    client = WebClient(
        token=TOKEN,
        base_url=fake.api_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    fake.fail_next("chat.postMessage", retry_after=0)
    assert client.chat_postMessage(channel=CHANNEL, text="再送")["ok"]
    assert [call.status for call in fake.calls_to("chat.postMessage")] == [429, 200]
    assert [m.text for m in fake.messages(CHANNEL)] == ["再送"]


def test_error_and_server_faults(fake: FakeSlackApi, client: WebClient) -> None:
    ts = client.chat_postMessage(channel=CHANNEL, text="元")["ts"]
    fake.fail_next("chat.update", error="cant_update_message")
    fake.fail_next("chat.postMessage", status=503, channel="C0OTHER")
    error = api_error(lambda: client.chat_update(channel=CHANNEL, ts=ts, text="新"))
    assert (error.response.status_code, error.response["error"]) == (200, "cant_update_message")
    assert fake.messages(CHANNEL)[0].text == "元"
    client.chat_postMessage(channel=CHANNEL, text="別チャンネルの障害は無関係")
    outage = api_error(lambda: client.chat_postMessage(channel="C0OTHER", text="x"))
    assert outage.response.status_code == 503
    fake.fail_next("file_upload", status=500)
    with pytest.raises(Exception, match="500"):
        client.files_upload_v2(channel=CHANNEL, content=b"x", filename="x")
    assert fake.uploaded_files() == []


def test_delayed_answer_times_the_client_out_but_still_posts(fake: FakeSlackApi) -> None:
    client = WebClient(token=TOKEN, base_url=fake.api_url, timeout=0.3)  # type: ignore[arg-type]
    fake.delay_next("chat.postMessage", 0.8)
    with pytest.raises(TimeoutError):
        client.chat_postMessage(channel=CHANNEL, text="遅延")
    fake.wait_for(lambda f: len(f.messages(CHANNEL)) == 1, timeout=5)


def test_post_times_and_max_rate(fake: FakeSlackApi, client: WebClient) -> None:
    for text in ("1", "2", "3"):
        client.chat_postMessage(channel=CHANNEL, text=text)
    client.chat_postMessage(channel="C0OTHER", text="x")
    times = fake.post_times(CHANNEL)
    assert len(times) == 3 and times == sorted(times)
    assert fake.max_rate(CHANNEL) == 3
    assert fake.max_rate(CHANNEL, window=1e-9) == 1
    assert fake.max_rate("C0NONE") == 0


def test_wait_for_call_wakes_on_a_call_from_another_thread(
    fake: FakeSlackApi, client: WebClient
) -> None:
    worker = threading.Timer(0.05, lambda: client.chat_postMessage(channel=CHANNEL, text="後で"))
    worker.start()
    call = fake.wait_for_call("chat.postMessage", lambda c: c.params["text"] == "後で", timeout=5)
    worker.join()
    assert call.ok and call.response["channel"] == CHANNEL
    with pytest.raises(AssertionError, match="condition not met"):
        fake.wait_for_call("views.open", timeout=0.05)


# ---------------------------------------------------------------------- inbound side


class _Capture(BaseHTTPRequestHandler):
    """Plays our app: verifies with slack_sdk's own SignatureVerifier, answers 200 or 401."""

    received: list[tuple[dict[str, str], bytes]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        headers = dict(self.headers.items())
        self.received.append((headers, body))
        valid = SignatureVerifier(SECRET).is_valid_request(body, headers)
        self.send_response(200 if valid else 401)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def capture() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    received: list[tuple[dict[str, str], bytes]] = []
    handler = type("Handler", (_Capture,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/slack/events", received
    server.shutdown()
    server.server_close()


def test_signatures_are_accepted_by_slack_sdk_and_forgeries_rejected(
    fake: FakeSlackApi, capture: tuple[str, list[tuple[dict[str, str], bytes]]]
) -> None:
    url, received = capture
    sender = fake.sender(url, SECRET)
    event = {"type": "message", "channel": CHANNEL, "user": "U0STAFF", "text": "こんにちは"}
    assert sender.event(event, event_id="Ev1").status == 200
    assert sender.event(event, secret="not-the-secret").status == 401
    assert sender.event(event, timestamp=int(time.time()) - 600).status == 401
    assert sender.event(event, signed=False).status == 401
    assert sender.last is not None
    assert sender.send(sender.last, retry_num=1).status == 200

    payload = json.loads(received[0][1])
    assert (payload["type"], payload["event_id"], payload["event"]["text"]) == (
        "event_callback",
        "Ev1",
        "こんにちは",
    )
    assert "X-Slack-Signature" not in received[3][0]
    assert (received[4][0]["X-Slack-Retry-Num"], received[4][0]["X-Slack-Retry-Reason"]) == (
        "1",
        "http_timeout",
    )
    assert received[4][1] == received[3][1]  # a retry resends the very same body


def test_block_action_carries_the_stored_message_and_usable_ids(
    fake: FakeSlackApi, client: WebClient
) -> None:
    sender = SlackSender(fake, "http://127.0.0.1:9/unused", SECRET)
    ts = client.chat_postMessage(channel=CHANNEL, text="受付", blocks=CARD)["ts"]
    payload = sender.build_block_action("U0STAFF", "close", channel=CHANNEL, message_ts=ts).payload
    [action] = payload["actions"]
    assert (action["block_id"], action["value"], action["type"]) == (
        "case_actions",
        "KY-2026-00001",
        "button",
    )
    assert payload["message"]["blocks"] == CARD and payload["container"]["message_ts"] == ts
    assert client.views_open(trigger_id=payload["trigger_id"], view=MODAL)["ok"]
    with pytest.raises(AssertionError, match="no element 'reopen'"):
        sender.build_block_action("U0STAFF", "reopen", channel=CHANNEL, message_ts=ts)


# ---------------------------------------------------------------------- with slack_bolt


@pytest.fixture
def bolt_app(fake: FakeSlackApi) -> Iterator[tuple[App, str]]:
    """A Bolt app on a tiny HTTP server, as production would run behind its web framework."""
    app = App(
        signing_secret=SECRET,
        client=WebClient(token=TOKEN, base_url=fake.api_url),
        process_before_response=True,
    )

    class Forward(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            headers: dict[str, str | Sequence[str]] = dict(self.headers.items())
            answer = app.dispatch(BoltRequest(body=body, headers=headers))
            payload = answer.body.encode()
            self.send_response(answer.status)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Forward)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_address[1]}/slack/events"
    server.shutdown()
    server.server_close()


def test_bolt_round_trip(fake: FakeSlackApi, bolt_app: tuple[App, str]) -> None:
    app, url = bolt_app
    sender = fake.sender(url, SECRET)
    client = WebClient(token=TOKEN, base_url=fake.api_url)

    @app.action("close")
    def on_close(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        modal = {**MODAL, "private_metadata": body["actions"][0]["value"]}
        client.views_open(trigger_id=body["trigger_id"], view=modal)

    @app.view("close_case")
    def on_submit(ack: Ack, view: dict[str, Any], say: Say) -> None:
        values = view["state"]["values"]
        ack()
        say(
            channel=CHANNEL,
            text=f"{view['private_metadata']}: {values['reason']['text']['value']} "
            f"{values['due']['date']['selected_date']}",
        )

    @app.command("/madoguchi")
    def on_command(ack: Ack, command: dict[str, str], respond: Respond) -> None:
        ack()
        respond(text=f"transcript for {command['text'].split()[-1]}")

    @app.event("message")
    def on_message(event: dict[str, Any], say: Say) -> None:
        say(text="受け付けました", thread_ts=event["ts"])

    ts = client.chat_postMessage(channel=CHANNEL, text="受付", blocks=CARD)["ts"]
    assert sender.block_action("U0STAFF", "close", channel=CHANNEL, message_ts=ts).status == 200
    [opened] = fake.views_opened()
    assert opened.view["private_metadata"] == "KY-2026-00001"

    values = {
        "reason": {"text": plain_text("本人確認済み")},
        "due": {"date": datepicker("2026-12-01")},
    }
    assert sender.view_submission("U0STAFF", opened.view, values).status == 200
    assert fake.messages(CHANNEL)[-1].text == "KY-2026-00001: 本人確認済み 2026-12-01"
    assert fake.open_modals("U0STAFF") == []  # an empty ack closes the modal
    with pytest.raises(AssertionError, match="no input"):
        sender.build_view_submission("U0STAFF", opened.view, {"kind": {"x": static_select("a")}})

    reply = sender.slash_command("U0STAFF", text="transcript KY-2026-00001", channel=CHANNEL)
    assert reply.status == 200
    [ephemeral] = fake.ephemerals("U0STAFF")
    assert (ephemeral.text, ephemeral.via) == ("transcript for KY-2026-00001", "response_url")

    message = sender.message("U0MEMBER", CHANNEL, "相談です")
    assert message.status == 200
    reply_call = fake.wait_for_call("chat.postMessage", lambda c: "thread_ts" in c.params)
    assert reply_call.params["text"] == "受け付けました"
    assert sender.url_verification("abc").json() == {"challenge": "abc"}
    assert sender.slash_command("U0STAFF", secret="forged").status == 401


def test_history_of_a_channel_the_bot_is_not_in_is_refused_as_slack_refuses_a_bot(
    fake: FakeSlackApi, client: WebClient
) -> None:
    fake.add_channel("C0PUBLIC", "desk")
    fake.add_channel("G0PRIVATE", "secret", is_private=True, is_member=False)
    posted = client.chat_postMessage(channel="C0PUBLIC", text="one")["ts"]
    answer = client.conversations_history(channel="C0PUBLIC", limit=1)
    assert [m["ts"] for m in answer["messages"]] == [posted]
    assert client.conversations_history(channel="C0PUBLIC", oldest=posted)["messages"] == []
    fake.remove_bot_from("C0PUBLIC")
    for channel, error in (("C0PUBLIC", "not_in_channel"), ("G0PRIVATE", "channel_not_found")):
        with pytest.raises(SlackApiError) as refused:
            client.conversations_history(channel=channel, limit=1)
        assert refused.value.response["error"] == error
