"""The chat page as an 80-year-old member meets it, in a real Chromium: keyboard only, a screen
reader's live region, an automated accessibility check, a phone, large type that stays chosen,
a typing line when the desk is slow, one question at a time, Japanese first with English, and
a first load light enough for a slow line. Also makes the README's phone screenshot."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]
from playwright.sync_api import Page, Route

from tests.bot.served import ENGINE, ROOT, Served
from tests.browser.chromium import CHROMIUM, MISSING, BrowserMember
from tests.browser.conftest import PHONE
from tests.flows.answers import GOOD_ANSWERS, pending_step

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=MISSING)

NewMember = Callable[..., BrowserMember]
SCREENSHOT = ROOT / "docs" / "webchat-phone.png"
MAX_FIRST_LOAD = 100 * 1024
SERIOUS = {"serious", "critical"}
KANA = re.compile(r"[ぁ-んァ-ン]")


def _focused(page: Page) -> dict[str, Any]:
    found: dict[str, Any] = page.evaluate(
        """() => {
            const e = document.activeElement;
            return {tag: e.tagName, id: e.id, text: (e.textContent || '').trim(),
                    disabled: !!e.disabled};
        }"""
    )
    return found


def _tab_to(page: Page, wanted: Callable[[dict[str, Any]], bool]) -> None:
    for _ in range(80):
        if wanted(_focused(page)):
            return
        page.keyboard.press("Tab")
    raise AssertionError("Tab never reached it")


class KeyboardMember:
    """Answers with Tab, Enter and Space only (and the letters of what is typed)."""

    def __init__(self, member: BrowserMember) -> None:
        self.member, self.page = member, member.page
        self.presses = 0

    def answers(self, text: str) -> None:
        labels = self.member.live_choices().all_inner_texts()
        label = next((label for label in labels if text in label), None)
        if label is not None:
            _tab_to(self.page, lambda e: e["tag"] == "BUTTON" and e["text"] == label.strip())
            self.presses += 1
            self.page.keyboard.press("Space" if self.presses % 2 else "Enter")
        else:
            _tab_to(self.page, lambda e: e["id"] == "text")
            self.page.keyboard.type(text)
            _tab_to(self.page, lambda e: e["id"] == "send")
            self.page.keyboard.press("Enter")
        self.member.waits_for_the_desk()
        self.focus_is_on_the_next_answer()

    def focus_is_on_the_next_answer(self) -> None:
        """The new question's first button has the focus, or the text box when it has none."""
        self.page.wait_for_function(
            """() => {
                const live = document.querySelectorAll('#log .choices button:enabled');
                const wanted = live.length ? live[0] : document.getElementById('text');
                return document.activeElement === wanted;
            }""",
            timeout=10_000,
        )


def test_a_member_completes_a_request_with_the_keyboard_alone(new_member: NewMember) -> None:
    member = new_member()
    member.opens_the_page()
    keys = KeyboardMember(member)
    keys.answers("開示")
    for _ in range(40):
        state = member.state()
        if state.get("mode") == "summary":
            keys.answers("送信する")
            break
        if state.get("mode") == "reuse":
            keys.answers("使わない")
            continue
        step = pending_step(ENGINE, state)
        assert step is not None, state
        keys.answers(GOOD_ANSWERS[step])
    assert any("お申し出を受け付けました" in text for text in member.desk_texts())


def test_each_question_comes_alone_with_back_and_stop_buttons_and_old_ones_rest(
    new_member: NewMember,
) -> None:
    member = new_member()
    member.opens_the_page()
    menu = member.live_choices().all_inner_texts()
    member.presses("開示")
    live = member.live_choices().all_inner_texts()
    assert "戻る" in live and "やめる" in live
    assert not set(menu) & set(live)  # the menu's buttons rest once answered
    assert member.page.locator("#log .choices").count() == 2
    assert member.page.locator("#log .choices:visible").count() == 1  # the answered one folds
    member.presses("戻る")
    assert member.live_choices().all_inner_texts() == menu  # the menu again, as a new question


def test_a_slow_answer_shows_the_typing_line_and_arrives_in_the_live_region(
    new_member: NewMember,
) -> None:
    member = new_member()
    member.opens_the_page()
    page = member.page
    log = page.locator("#log")
    assert log.get_attribute("aria-live") == "polite"
    held: list[Route] = []
    page.route("**/send", lambda route: held.append(route))  # a slow desk: the answer waits
    page.locator("#text").fill("開示をお願いします")
    page.locator("#send").click()
    page.locator("#typing").wait_for(state="visible")
    assert log.get_attribute("aria-busy") == "true"
    assert page.locator("#typing").get_attribute("role") == "status"
    desk_before = len(member.desk_texts())
    held[0].continue_()
    member.waits_for_the_desk()
    assert page.locator("#typing").is_hidden()
    assert len(member.desk_texts()) > desk_before
    assert page.locator("#log > li.desk").count() == len(member.desk_texts())  # in the region


def test_the_chooser_and_the_chat_have_no_serious_accessibility_violations(
    new_member: NewMember, served: Served
) -> None:
    member = new_member()
    page = member.page
    axe = Axe()
    page.goto(f"http://127.0.0.1:{served.port}/chat")
    found = {"chooser": axe.run(page).response["violations"]}
    member.opens_the_page()
    member.presses("開示")
    found["chat"] = axe.run(page).response["violations"]
    serious = {
        where: [
            (v["id"], v["impact"]) for v in violations if v["impact"] in {"serious", "critical"}
        ]
        for where, violations in found.items()
    }
    assert serious == {"chooser": [], "chat": []}


@pytest.mark.parametrize("larger", [0, 4], ids=["default-size", "largest-size"])
def test_on_a_phone_nothing_scrolls_sideways_and_every_target_is_big_enough(
    new_member: NewMember, larger: int
) -> None:
    member = new_member(viewport=PHONE, is_mobile=True, has_touch=True)
    member.opens_the_page()
    for _ in range(larger):
        member.page.locator("#larger").click()
    member.presses("開示")
    member.page.locator(".resume summary").click()  # the resume form open too
    page = member.page
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1] == PHONE["width"]
    small = page.evaluate(
        """() => Array.from(document.querySelectorAll('button, a, input, textarea, summary'))
            .map(e => [e.id || e.textContent.trim().slice(0, 20), e.getBoundingClientRect()])
            .filter(([_, r]) => r.width > 0 && (r.width < 44 || r.height < 44))
            .map(([name, r]) => [name, Math.round(r.width), Math.round(r.height)])"""
    )
    assert small == []


def test_the_first_load_transfers_under_100_kb(new_member: NewMember) -> None:
    member = new_member()
    member.opens_the_page()
    sizes: list[int] = member.page.evaluate(
        "() => performance.getEntries().filter(e => 'transferSize' in e).map(e => e.transferSize)"
    )
    assert sizes and min(sizes) >= 0 and sum(sizes) > 1000  # measured, not empty
    assert sum(sizes) < MAX_FIRST_LOAD


def test_the_text_size_chosen_stays_chosen_after_a_reload(new_member: NewMember) -> None:
    member = new_member()
    member.opens_the_page()
    page = member.page

    def font_px() -> float:
        return float(page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)"))

    start = font_px()
    assert start >= 20  # large type from the first look
    page.locator("#larger").click()
    page.locator("#larger").click()
    chosen = font_px()
    assert chosen > start
    page.reload()
    member.waits_for_the_desk()
    assert font_px() == chosen
    page.locator("#smaller").click()
    assert font_px() < chosen


def test_the_page_is_japanese_first_with_an_english_switch(new_member: NewMember) -> None:
    member = new_member()
    member.opens_the_page()
    page = member.page
    assert page.locator("html").get_attribute("lang") == "ja"
    assert page.locator("#language").inner_text() == "English"
    with page.expect_navigation():
        page.locator("#language").click()
    member.waits_for_the_desk()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("#language").inner_text() == "日本語"
    assert "personal data" in page.locator("#notice").inner_text()
    assert not KANA.search(member.last_desk_text())  # the desk answers in English too
    reply = member.presses("Disclosure")
    assert "Back" in member.live_choices().all_inner_texts() and not KANA.search(reply), reply


def test_the_english_switch_after_typing_english_keeps_the_desk_in_english(
    new_member: NewMember,
) -> None:
    member = new_member()
    member.opens_the_page()
    member.types("English")  # the desk switches; the page's own words are still Japanese
    assert not KANA.search(member.last_desk_text())
    with member.page.expect_navigation():
        member.page.locator("#language").click()
    member.waits_for_the_desk()
    assert member.page.locator("html").get_attribute("lang") == "en"
    assert not KANA.search(member.last_desk_text())  # not toggled back to Japanese


def test_the_chooser_offers_each_coop_in_japanese_and_in_english(
    new_member: NewMember, served: Served
) -> None:
    member = new_member()
    page = member.page
    page.goto(f"http://127.0.0.1:{served.port}/chat")
    coops = page.locator("a.org").all_inner_texts()
    assert len(coops) == 2 and "生活クラブ" in coops[0] and coops[1] == "コープデリ連合会", coops
    page.locator("a.language").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert not any(KANA.search(name) for name in page.locator("a.org").all_inner_texts())
    page.locator("a.org").last.click()
    member.waits_for_the_desk()
    assert page.locator("html").get_attribute("lang") == "en"
    assert not KANA.search(member.desk_texts()[0])  # greeted in English


def test_a_browser_without_javascript_is_told_what_to_do(new_member: NewMember) -> None:
    member = new_member(java_script_enabled=False)
    member.page.goto(member.url)
    assert "JavaScriptを有効にしてください" in member.page.locator("main").inner_text()


def test_the_phone_screenshot_for_the_readme(new_member: NewMember, tmp_path: Path) -> None:
    """Writes ``docs/webchat-phone.png`` when ``MADOGUCHI_SCREENSHOT=1`` (else into tmp)."""
    member = new_member(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=1)
    member.opens_the_page()
    member.presses("開示")
    shot = tmp_path / "webchat-phone.png"
    member.page.screenshot(path=str(shot), full_page=True)  # header to text box
    assert shot.stat().st_size > 10_000
    if os.environ.get("MADOGUCHI_SCREENSHOT") == "1":
        SCREENSHOT.parent.mkdir(exist_ok=True)
        shutil.copyfile(shot, SCREENSHOT)
