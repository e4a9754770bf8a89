"""Random conversations through the engine alone, every turn's whole result printed.

Not a test: a tool to show that a refactoring of the dialogue changes no behaviour. Run it
with two checkouts (same seed, same fixed clock) and diff the outputs:

    PYTHONPATH=/path/a /path/a/.venv/bin/python tests/flows/equivalence_walk.py 1000 16 > a.txt
    PYTHONPATH=/path/b /path/b/.venv/bin/python tests/flows/equivalence_walk.py 1000 16 > b.txt
    diff a.txt b.txt

Each conversation mixes menu numbers, pressed buttons, values that fit the question asked
(names, kana, 和暦 dates, phones…), members' sentences and questions, the words that act at
every step, yes/no, commands, org switches, files and edited messages; the clock jumps now and
then (a day later: the resume prompt; months later: closed cases), and the member's cases
grow from what they send, with staff statuses, replies and overdue dates drawn at random.
"""

from __future__ import annotations

import random
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from flows.engine import Engine
from flows.i18n import Translator
from flows.messages import CaseView, Inbound, ReceivedFile, Reply, StaffMessage, TurnResult
from flows.profiles import load_profiles
from flows.registry import FLOWS
from flows.steps import Context

PROFILES = load_profiles()
BOTH = Engine(PROFILES)
ONE = {org: Engine({org: PROFILES[org]}) for org in PROFILES}
START = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)

GLOBAL = ["戻る", "やめる", "やり直し", "キャンセル", "メニュー", "状況", "ヘルプ", "最初から"]
YES_NO = ["はい", "いいえ", "はい。", "いいえ、けっこうです", "続ける", "やり直す", "OK", "no"]
SENTENCES = [
    "私の情報を見せてほしい",
    "DMを止めてください",
    "広告をやめる",
    "住所が変わったので直してほしいです",
    "何のために使っているの？",
    "誰と共有しているのですか",
    "代理人でもいいですか",
    "母の代わりに申し込みたい",
    "母の代わりです",
    "夫が亡くなりました。夫の情報を消してほしい",
    "いつ連絡をもらえますか",
    "まだ返事が来ません。遅すぎます",
    "なぜですか",
    "申請を取り下げたい",
    "担当者と話したい",
    "わかりません",
    "手数料はかかりますか",
    "代表者はどなたですか",
    "申請方法を教えてください",
    "配達が遅れています",
    "こんにちは",
    "共済のことで相談です",
    "生活クラブ生協の組合員です",
    "コープデリのDMを止めたい",
    "開示をお願いしましたが、できませんでしたというお返事でした",
    "I want to see my data please",
    "English",
    "日本語",
    "紙でおくってほしいです",
    "メールと電話",
    "生年月日を直したい",
    "修正したいです",
    "今日中に終わりますか",
    "住所を直してもらえますか",
    "第三者に提供しないでください",
    "苦情です。配達員の対応について",
    "ありがとうございました",
    "D2026-0001の件です",
]
NAMES = ["山田花子", "佐藤 一郎", "鈴木よし子", "田中", "不明デス", "山田 太郎です"]
KANA = ["ヤマダハナコ", "サトウ イチロウ", "すずきよしこ", "ﾔﾏﾀﾞ"]
DATES = [
    "昭和20年5月3日",
    "昭和１９年１２月１日",
    "S25.4.1",
    "1948/3/15",
    "平成元年1月8日",
    "令和5年",
]
PHONES = ["03-1234-5678", "090-1111-2222", "０９０１２３４５６７８", "電話は03-9999-0000です", "12"]
OTHER_VALUES = [
    "123-4567",
    "東京都新宿区1-2-3",
    "taro@example.jp",
    "12345678",
    "長女",
    "夫",
    "チラシの送付",
    "2026年5月1日",
    "入力しない",
    "1,3",
    "1、2",
    "なし",
]
COMMANDS = [
    ("start", "coopdeli"),
    ("start", "seikatsuclub-kyosai"),
    ("start", None),
    ("help", None),
    ("status", None),
    ("cancel", None),
    ("lang", "en"),
    ("lang", "ja"),
    ("menu", None),
]
STATUSES = ["received", "awaiting_identity", "in_progress", "answered", "refused", "withdrawn"]


BY_KIND = {
    "name": NAMES[:3],
    "kana": KANA[:2],
    "birth_date": DATES[:5],
    "phone": PHONES[:3],
    "member_number": ["12345678", "1234567"],
    "email": ["taro@example.jp"],
    "postal_code": ["123-4567", "1234567"],
    "address": ["東京都新宿区西新宿1-2-3", "埼玉県さいたま市浦和区1-1"],
    "date": ["2026年5月1日", "令和8年5月1日"],
    "text": ["チラシが多すぎます", "住所の番地がちがっています", "家族の名前"],
}


def step_kind(state: dict[str, Any] | None, now: datetime) -> str | None:
    """The kind of the question the form asks next: enough to type a value that fits."""
    if not state or state.get("mode") != "flow" or not state.get("flow") or not state.get("org"):
        return None
    answers = state.get("answers") or {}
    ctx = Context(org=PROFILES[state["org"]], answers=answers, now=now, t=Translator("ja"))
    steps = FLOWS[state["flow"]].steps
    step = next((s for s in steps if s.id not in answers and s.applies(ctx)), None)
    return step.kind if step else None


def value_for(prompt: str, rng: random.Random) -> str:
    """A value that fits the question asked, most of the time."""
    pools = [
        (("フリガナ", "カナ", "kana"), KANA),
        (("生年月日", "birth"), DATES),
        (("お名前", "氏名", "name"), NAMES),
        (("電話", "phone"), PHONES),
    ]
    for words, pool in pools:
        if any(word in prompt for word in words):
            return rng.choice(pool)
    return rng.choice(OTHER_VALUES + NAMES)


class Walk:
    """One conversation: its engine, state, clock and cases."""

    def __init__(self, index: int, rng: random.Random) -> None:
        self.rng = rng
        self.index = index
        self.engine = BOTH if rng.random() < 0.6 else ONE[rng.choice(sorted(ONE))]
        self.state: dict[str, Any] | None = None
        self.now = START + timedelta(minutes=rng.randrange(0, 100000))
        self.cases: list[CaseView] = []
        self.last: list[Reply] = []
        self.sent = 0
        # How often the member answers the question asked with a fitting value.
        self.determined = rng.choice([0.0, 0.5, 0.8, 0.95, 1.0])
        for _ in range(rng.choice([0, 0, 1, 2, 3])):
            self.add_case(rng.choice(["disclosure", "suspension", "human", "correction"]), {})

    def add_case(self, request_type: str, fields: dict[str, Any], org: str = "") -> None:
        rng = self.rng
        status = rng.choice(STATUSES)
        received = self.now - timedelta(days=rng.choice([0, 3, 20, 40, 200]))
        due = received + timedelta(days=rng.choice([14, 30]))
        closed = status in ("answered", "refused", "withdrawn")
        staff = "お電話でご連絡します。お返事は、このチャットにそのまま入力してください。"
        self.cases.append(
            CaseView(
                number=f"D2026-{len(self.cases) + 1:04d}",
                request_type=request_type,
                status=status,
                received_at=received,
                due_at=due,
                last_staff_reply=staff if rng.random() < 0.3 else None,
                relay_open=rng.random() < 0.3,
                org_id=org or rng.choice(sorted(PROFILES)),
                fields=fields,
                staff_messages=(StaffMessage(received + timedelta(days=1), staff),)
                if rng.random() < 0.3
                else (),
                closed_at=received + timedelta(days=rng.choice([2, 10])) if closed else None,
                identity_verified=rng.random() < 0.5,
            )
        )

    def inbound(self) -> tuple[str, Inbound]:
        rng = self.rng
        self.sent += 1
        key = f"k{self.sent}"
        shown = [choice for reply in self.last for choice in reply.choices]
        prompt = self.last[-1].text if self.last else ""
        kind = step_kind(self.state, self.now)
        if kind is not None and rng.random() < self.determined:
            real = [c for c in shown if not c.id.startswith("_")]
            if kind in BY_KIND:
                text = rng.choice(BY_KIND[kind])
                return f"value {text!r}", Inbound("t", "c", key, text=text)
            if real:
                choice = rng.choice(real)
                return f"press {choice.id}", Inbound("t", "c", key, choice=choice.id)
        if self.state and self.state.get("mode") == "summary" and rng.random() < self.determined:
            choice_id = rng.choice(["_submit", "_submit", "_edit"])
            return f"press {choice_id}", Inbound("t", "c", key, choice=choice_id)
        roll = rng.random()
        if roll < 0.35 and shown:
            choice = rng.choice(shown)
            return f"press {choice.id}", Inbound("t", "c", key, choice=choice.id)
        if roll < 0.55:
            text = value_for(prompt, rng)
        elif roll < 0.65:
            text = str(rng.randrange(1, 14))
        elif roll < 0.75:
            text = rng.choice(SENTENCES)
        elif roll < 0.82:
            text = rng.choice(GLOBAL)
        elif roll < 0.9:
            text = rng.choice(YES_NO)
        elif roll < 0.95:
            command, argument = rng.choice(COMMANDS)
            lang = rng.choice([None, None, "en", "ja"]) if command == "start" else None
            inbound = Inbound("t", "c", key, command=command, argument=argument, lang=lang)
            return f"/{command} {argument} {lang}", inbound
        elif roll < 0.97:
            kind = rng.choice(["photo", "document", "other"])
            data = b"\xff\xd8\xff\xe0" + b"0" * 64 if kind == "photo" else b"%PDF-1.4 x"
            file = ReceivedFile(kind=kind, name="a.pdf", size=len(data), data=data)
            return f"file {kind}", Inbound("t", "c", key, attachment=file)
        elif roll < 0.98:
            return "edited", Inbound("t", "c", key, text=rng.choice(NAMES), edited=True)
        else:
            text = rng.choice(["", "　", "x" * 5000, "1.", "２"])
        return f"text {text!r}", Inbound("t", "c", key, text=text)

    def turn(self) -> str:
        rng = self.rng
        jump = rng.random()
        if jump < 0.05:
            self.now += timedelta(hours=13)
        elif jump < 0.07:
            self.now += timedelta(days=100)
        else:
            self.now += timedelta(seconds=rng.randrange(5, 600))
        said, inbound = self.inbound()
        result: TurnResult = self.engine.turn(self.state, inbound, self.now, tuple(self.cases))
        self.state = result.state
        self.last = list(result.replies)
        if result.new_case is not None:
            draft = result.new_case
            self.add_case(draft.request_type, dict(draft.fields), draft.org_id)
        for gone in result.withdrawals:
            self.cases = [
                replace(c, status="withdrawn", closed_at=self.now)
                if c.number == gone.case_number
                else c
                for c in self.cases
            ]
        return f"> {said}\n{result!r}"


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 16)
    for index in range(count):
        walk = Walk(index, rng)
        print(f"=== conversation {index}")
        start = Inbound("t", "c", "k0", command="start", argument=rng.choice([None, "coopdeli"]))
        first = walk.engine.turn(None, start, walk.now, tuple(walk.cases))
        walk.state, walk.last = first.state, list(first.replies)
        print(repr(first))
        # A determined member goes on long enough to reach the summary and send.
        for _ in range(rng.randrange(20, 80) if walk.determined >= 0.8 else rng.randrange(5, 40)):
            print(walk.turn())


if __name__ == "__main__":
    main()
