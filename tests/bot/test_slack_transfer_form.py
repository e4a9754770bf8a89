"""The 転送 form on a card: a choice of the other queues, or a notice when there is none."""

from __future__ import annotations

from bot.slack import blocks
from tests.bot.test_hostile_input import a_case
from tests.fakes.slack_api import slack_would_refuse


def test_with_no_other_queue_the_transfer_button_opens_a_notice_slack_accepts() -> None:
    # A card posted before the deployment dropped to one queue still carries the button.
    view = blocks.transfer_modal(a_case("x"), "C1", {"kyosai-bu": "共済部"})
    assert slack_would_refuse(view=view) is None
    assert "submit" not in view
    assert blocks.NO_OTHER_QUEUE in str(view["blocks"])


def test_with_another_queue_the_transfer_form_offers_it() -> None:
    view = blocks.transfer_modal(
        a_case("x"), "C1", {"kyosai-bu": "共済部", "takuhai": "宅配センター"}
    )
    assert slack_would_refuse(view=view) is None
    assert view["callback_id"] == "case_transfer" and "宅配センター" in str(view["blocks"])
