"""Files in the browser, where the co-op takes them (``[attachments]``): the page offers a
file button naming the types and the size, the desk checks the bytes and answers in the chat;
where files are off, the page has no file button at all."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.bot.served import Served
from tests.bot.web_served import serving_web
from tests.browser.chromium import CHROMIUM, MISSING, BrowserMember

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=MISSING)

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("filesdesk")
    deployment = folder / "madoguchi.toml"
    deployment.write_text(
        'orgs = ["seikatsuclub-kyosai", "coopdeli"]\n'
        "[attachments.coopdeli]\nallowed = true\nmax_mb = 1\n",
        encoding="utf-8",
    )
    with serving_web(folder / "desk.sqlite3", deployment=deployment) as server:
        yield server


def test_a_member_sends_a_pdf_where_the_co_op_takes_files_and_the_desk_answers(
    served: Served, chromium: Browser, tmp_path: Path
) -> None:
    member = BrowserMember(served, chromium.new_context(locale="ja-JP").new_page())
    member.opens_the_page()
    member.types("9")
    assert "PDF" in member.page.locator("#attach label").inner_text()
    document = tmp_path / "委任状.pdf"
    document.write_bytes(PDF)
    member.page.set_input_files("#file", str(document))
    member.page.locator("#attach button").click()
    member.waits_for_the_desk()
    assert any("「委任状.pdf」（1 KB）を受け取りました" in text for text in member.desk_texts())
    assert served.query("SELECT name, mime FROM attachment") == [("委任状.pdf", "application/pdf")]


def test_where_files_are_off_the_page_has_no_file_button(served: Served, chromium: Browser) -> None:
    member = BrowserMember(
        served, chromium.new_context(locale="ja-JP").new_page(), "seikatsuclub-kyosai"
    )
    member.opens_the_page()
    assert member.page.locator("#attach").count() == 0
