"""A member's whole visit in a real Chromium: a request completed with buttons and with typed
text at either co-op, a staff reply arriving in the open page, reload and resume, the case
number and code from another browser, a resend after a network blip, hostile text."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Route

from tests.bot.served import Served, staff_reply
from tests.browser.chromium import CASE_NUMBER, CHROMIUM, CODE, MISSING, BrowserMember

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=MISSING)

NewMember = Callable[..., BrowserMember]
GREETING = {
    "coopdeli": "コープデリの個人情報の窓口です",
    "seikatsuclub-kyosai": "生活クラブ共済連の個人情報の窓口です",
}


@pytest.mark.parametrize("with_buttons", [True, False], ids=["buttons", "typed"])
@pytest.mark.parametrize("org", ["coopdeli", "seikatsuclub-kyosai"])
def test_a_member_completes_a_disclosure_request_in_the_browser(
    new_member: NewMember, served: Served, org: str, with_buttons: bool
) -> None:
    member = new_member(org)
    member.opens_the_page()
    assert GREETING[org] in member.desk_texts()[0]
    receipt = member.completes("disclosure", with_buttons=with_buttons)
    assert "お申し出を受け付けました" in receipt
    number = CASE_NUMBER.search(receipt)
    assert number and CODE.search(receipt), receipt
    rows = served.query(f"SELECT request_type, channel FROM \"case\" WHERE number = '{number[1]}'")
    assert rows == [("disclosure", "web")]
    if not with_buttons:
        assert "山田 花子" in member.member_texts()  # the member's own words, as typed
    assert member.policy_refusals() == []  # nothing inline the CSP had to stop


def test_a_staff_reply_appears_in_the_open_page_without_a_reload(
    new_member: NewMember, served: Served
) -> None:
    member = new_member()
    member.opens_the_page()
    receipt = member.completes("human", with_buttons=True)
    number = CASE_NUMBER.search(receipt)
    assert number, receipt
    navigations: list[str] = []
    member.page.on("framenavigated", lambda frame: navigations.append(frame.url))
    reply = "担当の佐藤です。明日お電話します。<img src=x onerror=alert(1)>"
    staff_reply(served, number[1], reply)
    member.page.locator("#log li.desk", has_text="担当の佐藤です").wait_for()
    assert navigations == []
    assert reply in member.last_desk_text()  # staff's text too lands as text
    assert member.page.locator("#log img").count() == 0


def test_a_reload_resumes_exactly_where_the_member_was(new_member: NewMember) -> None:
    member = new_member()
    member.opens_the_page()
    member.presses("開示")
    question = member.last_desk_text()
    shown = (member.desk_texts(), member.member_texts())
    live = member.live_choices().all_inner_texts()
    member.page.reload()
    member.waits_for_the_desk()
    assert (member.desk_texts(), member.member_texts()) == shown
    assert member.last_desk_text() == question
    assert member.live_choices().all_inner_texts() == live  # only the open question's buttons
    member.completes_from_here()
    assert any("お申し出を受け付けました" in text for text in member.desk_texts())


def test_a_filed_case_continues_in_a_second_browser_with_its_number_and_code(
    new_member: NewMember,
) -> None:
    member = new_member()
    member.opens_the_page()
    receipt = member.completes("disclosure", with_buttons=True)
    number, code = CASE_NUMBER.search(receipt), CODE.search(receipt)
    assert number and code, receipt
    other = new_member()  # another device: its own cookies
    other.opens_the_page()
    assert not any("お申し出を受け付けました" in text for text in other.desk_texts())
    page = other.page
    page.locator(".resume summary").click()
    page.locator("#case-number").fill(number[1])
    page.locator("#code").fill("0000-0000")
    page.locator("#resume button").click()
    page.locator("#problem", has_text="違います").wait_for()
    page.locator("#code").fill(code[1])
    with page.expect_navigation():
        page.locator("#resume button").click()
    other.waits_for_the_desk()
    assert other.chat_id() == member.chat_id()
    assert any("お申し出を受け付けました" in text for text in other.desk_texts())


def test_a_resend_after_a_network_blip_is_one_turn(new_member: NewMember, served: Served) -> None:
    member = new_member()
    member.opens_the_page()
    sent: list[str] = []
    retried: list[dict[str, object]] = []

    def lose_the_first_answer(route: Route) -> None:
        sent.append(route.request.post_data or "")
        answer = route.fetch()  # the desk takes the turn...
        if len(sent) == 1:
            route.abort("connectionreset")  # ...and the page never hears back
            return
        retried.append(answer.json())
        route.fulfill(response=answer)

    member.page.route("**/send", lose_the_first_answer)
    with member.page.expect_event("requestfinished", lambda r: r.url.endswith("/send")):
        member.types("開示をお願いします")
    assert len(sent) == 2 and sent[0] == sent[1]  # the same message, the same id
    assert retried == [{"ok": True, "duplicate": True}]
    member.waits_for_the_desk()
    assert member.member_texts() == ["開示をお願いします"]
    chat = member.chat_id()
    turns = served.query(f"SELECT count(*) FROM processedupdate WHERE key LIKE 'web:{chat}:%'")
    assert turns == [(2,)]  # the greeting and the one message
    lines = served.query(
        "SELECT count(*) FROM transcriptline t JOIN conversation c ON t.conversation_id = c.id "
        f"WHERE c.chat_id = '{chat}' AND t.text = '開示をお願いします'"
    )
    assert lines == [(1,)]
    assert member.page.locator("#problem").is_hidden()


def test_markup_a_member_types_is_shown_as_text(new_member: NewMember) -> None:
    member = new_member()
    dialogs: list[str] = []
    member.page.on("dialog", lambda dialog: dialogs.append(dialog.message))
    member.opens_the_page()
    hostile = '<script>alert(1)</script><img src=x onerror="alert(2)"><b>太字</b>'
    member.types(hostile)
    assert member.member_texts()[-1] == hostile
    assert member.page.locator("#log script, #log img, #log b").count() == 0
    assert dialogs == []


def test_a_hundred_thousand_characters_get_the_polite_refusal_and_stay_in_the_box(
    new_member: NewMember,
) -> None:
    member = new_member()
    member.opens_the_page()
    before = member.member_texts()
    menu = member.live_choices().all_inner_texts()
    huge = "あ" * 100_000
    member.page.locator("#text").fill(huge)
    member.page.locator("#send").click()
    problem = member.page.locator("#problem", has_text="4,000文字まで")
    problem.wait_for()
    assert member.page.locator("#text").input_value() == huge
    assert member.member_texts() == before  # nothing half-sent shown as said
    assert member.live_choices().all_inner_texts() == menu  # the question is open again
