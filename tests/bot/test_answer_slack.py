"""A 開示 answered from Slack: staff share the PDF in the case's thread, press 会員へ送付, see
what the member will get in a modal and confirm; it is sent once, and only staff of the
case's queue may do it (the real serve process, slack-bolt and the fake Slack)."""

from __future__ import annotations

from pathlib import Path

from tests.bot.served import Member
from tests.bot.test_slack_end_to_end import (
    CHANNELS,
    OUTSIDER,
    STAFF,
    _block_text,
    desk_running,
)
from tests.fakes.slack_api import FakeSlackApi, radio_buttons
from tests.fakes.telegram_api import FakeBotApi
from tests.storage.test_answer_delivery import PDF
from tests.storage.test_turns import DISCLOSURE_UP_TO_PHONE, REST_OF_DISCLOSURE

ORG = "coopdeli"


def test_staff_share_the_answer_in_the_thread_preview_it_and_send_it_once(
    tmp_path: Path,
) -> None:
    with (
        FakeBotApi() as fake,
        FakeSlackApi() as slack,
        desk_running(fake, slack, tmp_path, ANSWER_LINK_BASE_URL="https://desk.example") as desk,
    ):
        member = Member(fake, desk.served, 9_101)
        member.command("start", ORG)
        for line in DISCLOSURE_UP_TO_PHONE + REST_OF_DISCLOSURE:  # by e-mail
            member.says(line)
        [(number,)] = desk.served.query('SELECT number FROM "case"')
        channel = CHANNELS[ORG]
        card = desk.card(channel, number)
        desk.click(STAFF[ORG], "case_claim", channel, card.ts)
        desk.card_shows(channel, card.ts, f"<@{STAFF[ORG]}>")
        desk.click(STAFF[ORG], "case_verify", channel, card.ts)
        desk.submit(
            STAFF[ORG], "case_verify", {"method": {"value": radio_buttons("phone_callback")}}
        )
        desk.card_shows(channel, card.ts, "登録電話へ折返し")

        program = slack.share_file(OUTSIDER, "開示書.pdf", PDF, "application/pdf")
        desk.sender.file_share(OUTSIDER, channel, program, thread_ts=card.ts)
        slack.wait_for(lambda api: any(e.user == OUTSIDER for e in api.ephemerals()))
        bad = slack.share_file(STAFF[ORG], "開示書.pdf", b"MZ not a pdf", "application/pdf")
        desk.sender.file_share(STAFF[ORG], channel, bad, thread_ts=card.ts)
        slack.wait_for(
            lambda api: any("PDF・CSV・JPEG・PNG" in e.text for e in api.ephemerals(STAFF[ORG]))
        )

        good = slack.share_file(STAFF[ORG], "開示書.pdf", PDF, "application/pdf")
        desk.sender.file_share(STAFF[ORG], channel, good, thread_ts=card.ts)
        desk.wait_thread(channel, card.ts, "回答ファイルを添付しました：開示書.pdf")
        [offer] = [m for m in slack.thread(channel, card.ts) if "回答ファイル" in m.text]
        assert "会員へ送付" in _block_text(offer.blocks)

        desk.click(OUTSIDER, "case_send_answer", channel, offer.ts)
        desk.click(STAFF[ORG], "case_send_answer", channel, offer.ts)
        desk.submit(STAFF[ORG], "case_send_answer", {})
        [view] = [
            v for v in slack.views_opened() if v.view.get("callback_id") == "case_send_answer"
        ]
        shown = _block_text(view.view["blocks"])
        assert "開示書.pdf" in shown and "ダウンロード用のリンクをメールで" in shown
        assert "リンクの期限" in shown
        desk.sender.view_submission(STAFF[ORG], view.view, {})  # a second click on 送付する
        slack.wait_for(lambda api: any("送付しました" in e.text for e in api.ephemerals()))

        sent = desk.served.query("SELECT COUNT(*) FROM caseevent WHERE kind = 'answer_sent'")
        assert sent == [(1,)]
        mails = desk.served.query("SELECT COUNT(*) FROM emailmessage")
        assert mails == [(1,)]
        denied = desk.served.query(
            "SELECT COUNT(*) FROM auditentry WHERE action = 'denied:send_answer'"
        )
        assert denied == [(2,)]  # the outsider's share and click
