"""``madoguchi staff intake``: a letter, a call or a visit becomes a case like a chat one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from typer.testing import CliRunner

from bot.staff import terminal
from flows import intake
from flows.cases import CaseActionError
from flows.i18n import JST, Translator
from flows.office_calendar import is_open
from flows.register_columns import Entry, notices
from flows.routes import OFFLINE_CHANNEL, STAFF_ENTERED
from storage.staff import NOT_YOUR_QUEUE, StaffActor
from tests.bot.intake_answers import TYPE_OF, fields_for, filed_in_chat
from tests.conftest import Clock, Desk, build_desk

SATO = StaffActor.trusted("sato")

# 2026-12-24 10:00 JST: a letter postmarked before 年末年始 is on the desk.
NOW = datetime(2026, 12, 24, 1, 0, tzinfo=UTC)


@pytest.fixture
def desk(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Desk]:
    desk = build_desk(database_url, Clock(NOW))
    monkeypatch.setitem(terminal._state, "app", desk.app)
    monkeypatch.setenv("MADOGUCHI_STAFF", "sato")
    monkeypatch.delenv("MADOGUCHI_STAFF_LANG", raising=False)
    yield desk
    desk.app.db.close()


def scripted(request: str, route: str = "post", arrived: str = "2026-12-22 10:00") -> list[str]:
    args = ["intake", "--org", "coopdeli", "--type", TYPE_OF[request], "--route", route]
    args += ["--arrived", arrived]
    for key, value in fields_for(request).items():
        args += ["--field", f"{key}={value}"]
    return args


@pytest.mark.parametrize("route", STAFF_ENTERED)
@pytest.mark.parametrize("request_", ["disclosure", "correction", "agent_disclosure"])
def test_staff_who_enter_a_request_from_any_route_get_the_case_the_chat_would_file(
    desk: Desk, route: str, request_: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert terminal.run_staff_command(scripted(request_, route)) == 0, capsys.readouterr().err
    [case] = desk.app.cases.list_unaudited()
    chat = filed_in_chat(request_)
    assert case.fields == chat.fields
    assert [tuple(pair) for pair in case.summary] == chat.summary
    assert (case.requester, case.request_type, case.queue) == (
        chat.requester,
        chat.request_type,
        chat.queue,
    )
    assert case.route == route and case.channel == OFFLINE_CHANNEL
    assert case.received_at == datetime(2026, 12, 22, 10, 0, tzinfo=JST)
    assert f"受付番号 {case.number} で登録しました" in capsys.readouterr().out
    [created] = desk.app.cases.detail_unaudited(case.number).events
    assert (created.kind, created.actor) == ("created", "sato")
    assert created.data["route"] == route
    assert created.data["entered_by"] == "sato"
    assert created.data["arrived_at"] == case.received_at.isoformat()
    assert created.data["entered_at"] == NOW.isoformat()


def test_a_letter_postmarked_before_the_new_year_closure_is_due_on_an_open_day_within_14_days(
    desk: Desk,
) -> None:
    for arrived in ("2026-12-22 10:00", "2026-12-18 10:00"):
        assert terminal.run_staff_command(scripted("disclosure", "post", arrived)) == 0
    late, early = desk.app.cases.list_unaudited()
    for case in (late, early):
        due = case.due_at.astimezone(JST).date()
        office = desk.app.orgs["coopdeli"].office_days
        assert is_open(due, office)
        assert case.received_at < case.due_at <= case.received_at + timedelta(days=14)
    assert late.due_at.astimezone(JST).date() == date(2027, 1, 5)
    # 14 days after 12-18 is 2027-01-01, in 年末年始: the promise moves back to 12-28.
    assert early.due_at.astimezone(JST).date() == date(2026, 12, 28)


def test_staff_enter_a_request_interactively_and_refused_values_are_asked_again(
    desk: Desk,
) -> None:
    typed = [
        "2",  # コープデリ
        "開示",
        "電話",
        "令和８年１２月２２日 １０時",
        "すべて",
        "1",  # ご本人
        "生協",  # no one's name: asked again
        "山田 花子",
        "ヤマダ ハナコ",
        "",  # 旧姓: none
        "昭和50年1月2日",
        "電話です",  # not a number: asked again
        "03-5285-1865",
        "",  # 組合員番号: not known
        "郵送",
        "160-0022",
        "東京都新宿区新宿6-24-20",
        "1",  # 委任状
        "はい",
    ]
    result = CliRunner().invoke(terminal.staff_app, ["intake"], input="\n".join(typed) + "\n")
    assert result.exit_code == 0, result.output
    assert "組織を選んでください" in result.output
    assert "この内容で登録しますか" in result.output
    # Each refused value is explained and its step asked again.
    assert result.output.count("【氏名】") == 2 and result.output.count("【電話番号】") == 2
    [case] = desk.app.cases.list_unaudited()
    assert case.fields == filed_in_chat("disclosure").fields
    assert case.route == "phone"
    [created] = desk.app.cases.detail_unaudited(case.number).events
    assert created.data["documents"] == ["委任者署名捺印の委任状"]


INTAKE_BY_POST = ["intake", "--org", "coopdeli", "--type", "disclosure", "--route", "post"]
INTAKE_BY_POST += ["--arrived", "2026-12-22"]
TYPED_BY_POST = ["すべて", "1", "山田 花子", "ヤマダ ハナコ", "", "1975/1/2", "03-5285-1865", ""]
TYPED_BY_POST += ["郵送", "160-0022", "東京都新宿区", ""]


def test_nothing_is_written_when_staff_stop_at_the_summary(desk: Desk) -> None:
    typed = [*TYPED_BY_POST, "登録", "やめる"]  # a slip is asked again, not taken as no
    result = CliRunner().invoke(terminal.staff_app, INTAKE_BY_POST, input="\n".join(typed) + "\n")
    assert result.output.count("この内容で登録しますか（はい／直す／やめる）") == 2
    assert "登録しませんでした" in result.output
    assert desk.app.cases.list_unaudited() == []


def test_staff_who_answer_no_at_the_summary_put_one_item_right_and_keep_the_rest(
    desk: Desk,
) -> None:
    typed = [*TYPED_BY_POST, "いいえ", "電話番号", "03-1111-2222", "直す", "1", "1"]
    typed += ["はい"]  # the phone put right, then 請求する範囲 chosen again as it was
    result = CliRunner().invoke(terminal.staff_app, INTAKE_BY_POST, input="\n".join(typed) + "\n")
    assert result.exit_code == 0, result.output
    assert "直す項目を選んでください（ほかの項目はそのまま残ります）。" in result.output
    assert "電話番号：03-5285-1865" in result.output  # what is there now, in the list
    # Only the item chosen is asked again.
    assert result.output.count("【氏名】") == 1 and result.output.count("【電話番号】") == 2
    [case] = desk.app.cases.list_unaudited()
    assert case.fields["phone"] == "03-1111-2222"
    assert case.fields["name"] == "山田 花子" and case.fields["address"] == "東京都新宿区"
    assert case.route == "post"


def test_a_changed_requester_asks_the_agents_steps_it_now_needs(desk: Desk) -> None:
    typed = [*TYPED_BY_POST, "直す", "請求する方", "任意代理人"]
    result = CliRunner().invoke(terminal.staff_app, INTAKE_BY_POST, input="\n".join(typed) + "\n")
    # The agent's own steps are asked now; what was typed for the member is kept.
    after = result.output.split("直す項目を選んでください")[-1]
    assert "【代理人のお名前】" in after and "【氏名】" not in after
    assert desk.app.cases.list_unaudited() == []  # cut short: nothing written


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (("--arrived", "2026-12-25 10:00"), "到着日時が未来になっています"),
        (("--arrived", "2005-03-31 10:00"), "個人情報保護法の施行前です"),
        (("--arrived", "2026-11-01 10:00"), "--old-arrival を付けてください"),
        (("--arrived", "きのう"), "到着日時は「2026-12-25 10:00」"),
        (("--org", "coop-x"), "「coop-x」という組織はありません"),
        (("--type", "苦情"), "「苦情」というお申し出の種類はありません"),
        (("--route", "fax"), "「fax」という受付経路はありません"),
        (("--field", "phone=でんわ"), "電話番号"),
        (("--field", "name="), "この項目は必須です"),
        (("--field", "method=chat"), "開示の方法"),
        (("--field", "colour=red"), "「colour」という項目はこのお申し出にはありません"),
    ],
)
def test_bad_intake_input_gets_a_japanese_answer_and_nothing_is_written(
    desk: Desk, change: tuple[str, str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = scripted("disclosure")
    option, value = change
    if option == "--field":
        args += [option, value]
    else:
        args[args.index(option) + 1] = value
    assert terminal.run_staff_command(args) == 1
    error = capsys.readouterr().err
    assert "できません" in error and said in error
    assert desk.app.cases.list_unaudited() == []
    assert desk.app.cases.notice_tasks(SATO) == []


def test_an_old_arrival_is_written_once_staff_confirm_it(desk: Desk) -> None:
    args = scripted("disclosure", arrived="2026-11-01 10:00")
    assert terminal.run_staff_command([*args, "--old-arrival"]) == 0
    [case] = desk.app.cases.list_unaudited()
    assert case.received_at == datetime(2026, 11, 1, 10, 0, tzinfo=JST)


def test_a_member_with_no_chat_gets_every_notice_as_a_task_staff_mark_sent(
    desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    assert terminal.run_staff_command(scripted("disclosure")) == 0
    [case] = desk.app.cases.list_unaudited()
    terminal.run_staff_command(["reply", case.number, "資料をお送りします。"])
    terminal.run_staff_command(["extend", case.number, "--days", "7", "--reason", "資料の確認"])
    capsys.readouterr()
    assert terminal.run_staff_command(["tasks", "--queue", "宅配センター"]) == 0
    listing = capsys.readouterr().out
    # Where each one goes, so whoever posts or phones it need not look the case up.
    assert "宛先：" in listing and "住所：〒" in listing
    receipt, reply, extension = desk.app.cases.notice_tasks(SATO)
    assert f"連絡 {receipt.id}　{case.number}" in listing
    assert "回答の目安：2027年1月5日(火)までにご連絡します。" in receipt.text
    assert "資料をお送りします。" in reply.text and "このチャット" not in reply.text
    assert "資料の確認" in extension.text
    # No member channel sends them: the desk's delivery leaves them for staff.
    desk.deliver()
    assert desk.inbox.messages == []
    assert len(desk.app.cases.notice_tasks(SATO)) == 3

    sent = ["sent", case.number, str(receipt.id), "--method", "簡易書留", "--on", "2026-12-24"]
    assert terminal.run_staff_command(sent) == 0
    assert "簡易書留で送ったと記録しました" in capsys.readouterr().out
    assert [t.id for t in desk.app.cases.notice_tasks(SATO)] == [reply.id, extension.id]
    event = desk.app.cases.detail_unaudited(case.number).events[-1]
    assert event.kind == "notice_sent"
    assert event.data == {"task": receipt.id, "method": "registered_post", "on": "2026-12-24"}
    # Sent once: the same task again, a future date or an unknown method is refused.
    assert terminal.run_staff_command(sent) == 1
    assert "送付待ちの連絡" in capsys.readouterr().err
    future = ["sent", case.number, str(reply.id), "--method", "郵送", "--on", "2026-12-25"]
    assert terminal.run_staff_command(future) == 1
    assert "送付日が未来になっています" in capsys.readouterr().err
    fax = ["sent", case.number, str(reply.id), "--method", "FAX"]
    assert terminal.run_staff_command(fax) == 1
    assert "送付の方法は" in capsys.readouterr().err
    assert len(desk.app.cases.notice_tasks(SATO)) == 2


@pytest.mark.parametrize("typed", ["chat", "チャット", "1"])
def test_a_member_with_no_chat_is_never_offered_the_chat_as_the_answer_method(
    desk: Desk, typed: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = scripted("correction")
    args[args.index("method=郵送")] = f"method={typed}"
    code = terminal.run_staff_command(args)
    if typed == "1":  # the first method offered is 郵送, not the chat's
        assert code == 0, capsys.readouterr().err
        [case] = desk.app.cases.list_unaudited()
        assert case.fields["method"] == "postal"
        return
    assert code == 1
    assert "回答の受け取り方" in capsys.readouterr().err
    assert desk.app.cases.list_unaudited() == []


def test_the_same_intake_submitted_twice_is_one_case(desk: Desk) -> None:
    org = desk.app.orgs["coopdeli"]
    flow = intake.flow_of("disclosure", Translator("ja"))
    walked = intake.walk(
        flow, org, fields_for("disclosure"), NOW, Translator("ja"), desk.app.orgs.values()
    )
    assert walked.ok, walked.errors
    arrived = datetime(2026, 12, 22, 10, 0, tzinfo=JST)
    made = intake.draft(flow, org, walked.answers, "email", arrived, NOW)
    first = desk.app.cases.intake(made, SATO, key="form-1")
    again = desk.app.cases.intake(made, SATO, key="form-1")
    assert first.number == again.number
    assert len(desk.app.cases.list_unaudited()) == 1 and len(desk.app.cases.notice_tasks(SATO)) == 1
    other = desk.app.cases.intake(made, SATO, key="form-2")
    assert other.number != first.number


def test_an_interactive_intake_cut_short_writes_nothing(desk: Desk) -> None:
    typed = [
        "コープデリ",
        "開示",
        "来所",
        "2026-11-01 10:00",
        "いいえ",
        "2026-12-23 15:30",
        "すべて",
    ]
    result = CliRunner().invoke(terminal.staff_app, ["intake"], input="\n".join(typed) + "\n")
    assert "到着日が53日前です" in result.output  # asked, refused, and asked again
    assert "【請求する方】" in result.output
    assert "入力が途中で終わったため、登録しませんでした。" in str(result.exception)
    assert desk.app.cases.list_unaudited() == []


def test_staff_of_another_queue_cannot_enter_a_request_for_this_co_op(desk: Desk) -> None:
    org = desk.app.orgs["coopdeli"]
    flow = intake.flow_of("disclosure", Translator("ja"))
    walked = intake.walk(
        flow, org, fields_for("disclosure"), NOW, Translator("ja"), desk.app.orgs.values()
    )
    made = intake.draft(flow, org, walked.answers, "post", datetime(2026, 12, 22, tzinfo=JST), NOW)
    kyosai = StaffActor.terminal("suzuki", ["kyosai-bu"], supervisor=False)
    with pytest.raises(CaseActionError) as refused:
        desk.app.cases.intake(made, kyosai, key="form-x")
    assert refused.value.ja == NOT_YOUR_QUEUE.ja
    assert desk.app.cases.list_unaudited() == []
    last = desk.app.audit.entries()[-1]
    assert (last.actor, last.action, last.allowed) == ("cli:suzuki", "denied:intake", False)
    assert desk.app.cases.notice_tasks(kyosai) == []


def test_a_member_with_no_chat_gets_no_letter_for_a_claim_or_an_identity_check(
    desk: Desk,
) -> None:
    assert terminal.run_staff_command(scripted("disclosure")) == 0
    [case] = desk.app.cases.list_unaudited()
    terminal.run_staff_command(["claim", case.number])
    terminal.run_staff_command(["verify", case.number, "--method", "document"])
    [receipt] = desk.app.cases.notice_tasks(SATO)  # only the receipt is a letter to send
    assert "受付番号" in receipt.text


def test_a_template_sent_to_a_member_with_no_chat_never_says_this_chat(
    desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    assert terminal.run_staff_command(scripted("disclosure")) == 0
    [case] = desk.app.cases.list_unaudited()
    for template in ("identity_documents", "refusal_harm"):
        args = ["reply", case.number, "--template", template, "--yes"]
        assert terminal.run_staff_command(args) == 0, capsys.readouterr().err
        preview = capsys.readouterr().out
        assert "このチャット" not in preview
    tasks = desk.app.cases.notice_tasks(SATO)[1:]
    assert [("このチャット" in t.text) for t in tasks] == [False, False]
    assert "担当窓口へおたずねください" in tasks[0].text
    assert "次の窓口に" in tasks[1].text


def test_the_register_counts_only_the_letters_and_calls_staff_sent_to_a_member_with_no_chat(
    desk: Desk,
) -> None:
    assert terminal.run_staff_command(scripted("disclosure")) == 0
    [case] = desk.app.cases.list_unaudited()
    terminal.run_staff_command(["reply", case.number, "資料をお送りします。"])
    receipt, _reply = desk.app.cases.notice_tasks(SATO)
    sent = ["sent", case.number, str(receipt.id), "--method", "電話", "--on", "2026-12-24"]
    assert terminal.run_staff_command(sent) == 0
    detail = desk.app.cases.detail_unaudited(case.number)
    entry = Entry(detail.case, detail.events, desk.app.orgs["coopdeli"], "宅配センター", NOW)
    assert notices(entry) == "2026-12-24 郵送・電話などで連絡済み（電話）"


def test_staff_show_an_entered_request_with_its_route_and_arrival_in_japan_time(
    desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    assert terminal.run_staff_command(scripted("disclosure")) == 0
    [case] = desk.app.cases.list_unaudited()
    capsys.readouterr()
    assert terminal.run_staff_command(["show", case.number]) == 0
    shown = capsys.readouterr().out
    assert "route=郵送" in shown
    assert "arrived_at=2026年12月22日(火) 10:00" in shown
    assert "+00:00" not in shown


@pytest.mark.parametrize("typed", ["令和9年1月8日", "2027/1/8", "２０２７－０１－０８"])
def test_staff_extend_to_a_date_typed_as_they_write_it(desk: Desk, typed: str) -> None:
    assert terminal.run_staff_command(scripted("disclosure")) == 0
    [case] = desk.app.cases.list_unaudited()
    args = ["extend", case.number, "--until", typed, "--reason", "資料の確認に時間がかかるため"]
    assert terminal.run_staff_command(args) == 0
    assert desk.app.cases.get(case.number).due_at.astimezone(JST).date() == date(2027, 1, 8)


def test_an_unreadable_extension_date_is_named_in_the_refusal(
    desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    assert terminal.run_staff_command(scripted("disclosure")) == 0
    [case] = desk.app.cases.list_unaudited()
    args = ["extend", case.number, "--until", "来月の中ごろ", "--reason", "確認のため"]
    assert terminal.run_staff_command(args) == 1
    assert "来月の中ごろ" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("typed", "type_id"),
    [("訂正", "correction"), ("利用停止", "suspension"), ("提供記録", "third_party_record")],
)
def test_staff_name_the_request_type_in_their_own_words(typed: str, type_id: str) -> None:
    assert intake.flow_of(typed, Translator("ja")).type_id == type_id


@pytest.mark.parametrize(
    ("typed", "route"), [("ゆうそう", "post"), ("TEL", "phone"), ("窓口", "visit")]
)
def test_staff_name_the_route_in_their_own_words(typed: str, route: str) -> None:
    assert intake.route_of(typed, Translator("ja")) == route


def test_a_word_that_names_two_request_types_is_refused_with_the_list() -> None:
    with pytest.raises(intake.IntakeError) as refused:
        intake.flow_of("停止", Translator("ja"))
    assert "suspension（利用停止・消去）" in str(refused.value)
