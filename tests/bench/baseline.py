"""Baseline: the burst's request written the usual python-telegram-bot way, for scale.

A ``ConversationHandler`` with one state per question (menu, scope, requester, name, kana,
former name, birth date, phone, member number, method, postal code, address, confirm), plain
text answers kept in ``user_data``, a question sent back with ``reply_text`` each turn (the same
Bot API call madoguchi makes for its answer), and ``PicklePersistence`` holding the states of
``SEEDED`` earlier conversations. It gets the burst's own update dicts, in process (no webhook
request: the baseline is spared that cost), members concurrently, each member's in order.

Measured twice: as shipped (the file is written on ``update_interval``, every 60 s, so a crash
loses up to a minute of answers) and made durable per turn the only way PTB offers, by calling
``application.update_persistence()`` after each update, which rewrites the whole pickle file.
Even then the file is not fsynced, so it survives a crash of the process, not of the machine;
madoguchi's turns are fsynced (SQLite WAL, ``synchronous=FULL``).

Runs in its own process (``python -m tests.bench.baseline``), as madoguchi's server does, so the
fake Bot API in the bench process does not share its interpreter.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    PicklePersistence,
    filters,
)

from tests.bench.burst import DISCLOSURE_STEPS, SCRIPT, update_for
from tests.bench.run import ROOT, Figure
from tests.fakes.telegram_api import FakeBotApi

NAME = "disclosure"
STEPS = ("menu", *DISCLOSURE_STEPS, "confirm")  # one state per line after /start
QUESTIONS = {
    "menu": "ご用件を選んでください。\n1. 質問\n2. 利用目的\n3. 開示\n4. 第三者提供記録\n5. 訂正",
    "scope": "どの情報の開示をご希望ですか。\n1. すべての情報\n2. 一部の情報",
    "requester": "請求する方はどなたですか。\n1. ご本人\n2. 代理人",
    "name": "お名前（氏名）を入力してください。",
    "kana": "フリガナを入力してください。",
    "former_name": "旧姓があれば入力してください（なければ「なし」）。",
    "birth_date": "生年月日を入力してください（例：1975/1/2）。",
    "phone": "ご登録の電話番号を入力してください。",
    "member_number": "組合員番号を入力してください（わからなければ「わからない」）。",
    "method": "開示の方法を選んでください。\n1. 郵送\n2. 電子メール",
    "postal_code": "郵便番号を入力してください。",
    "address": "ご住所を入力してください。",
    "confirm": "以下の内容で送信します。よろしければ「送信する」と入力してください。",
}
RECEIPT = "お申し出を受け付けました。担当者からご連絡します。"
SEEDED = 10_000  # earlier conversations in the pickle file, as at the burst's headline size
WARM_UP = 1  # members played first, not counted


def build(api: str, token: str, path: Path) -> Application[Any, Any, Any, Any, Any, Any]:
    """The application as a PTB bot would be written: defaults, ``persistent=True``."""
    base = api.rstrip("/")
    application = (
        ApplicationBuilder()
        .token(token)
        .base_url(f"{base}/bot")
        .base_file_url(f"{base}/file/bot")
        .persistence(PicklePersistence(path))  # update_interval=60, on_flush=False
        .build()
    )

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        assert update.message is not None and context.user_data is not None
        context.user_data.clear()
        await update.message.reply_text(QUESTIONS[STEPS[0]])
        return 0

    def answer(index: int) -> Any:
        async def handler(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
            assert update.message is not None and context.user_data is not None
            context.user_data[STEPS[index]] = update.message.text
            if index + 1 == len(STEPS):
                await update.message.reply_text(RECEIPT)
                return ConversationHandler.END
            await update.message.reply_text(QUESTIONS[STEPS[index + 1]])
            return index + 1

        return handler

    text = filters.TEXT & ~filters.COMMAND
    application.add_handler(
        ConversationHandler(
            entry_points=[CommandHandler("start", start)],
            states={i: [MessageHandler(text, answer(i))] for i in range(len(STEPS))},
            fallbacks=[],
            name=NAME,
            persistent=True,
        )
    )
    return application


def seed(path: Path, conversations: int) -> None:
    """A pickle file as PicklePersistence writes it, with ``conversations`` members part way
    through the flow (a state and the answers given so far)."""
    states: dict[tuple[int, int], object] = {}
    user_data: dict[int, dict[str, str]] = {}
    for number in range(conversations):
        chat = 5_000_000_000 + number
        step = number % len(STEPS)
        states[(chat, chat)] = step
        user_data[chat] = {
            STEPS[i]: text for i, (_, text) in enumerate(SCRIPT[1 : step + 1], start=0)
        }
    data = {
        "conversations": {NAME: states},
        "user_data": user_data,
        "chat_data": {},
        "bot_data": {},
        "callback_data": None,
    }
    with path.open("wb") as file:
        pickle.dump(data, file, protocol=pickle.HIGHEST_PROTOCOL)


async def drive(
    application: Application[Any, Any, Any, Any, Any, Any],
    chats: list[int],
    at_once: int,
    durable: bool,
) -> int:
    """Members in parallel, each member's updates in order (as Telegram delivers them)."""
    update_ids = itertools.count(900_000_001)
    waiting = list(reversed(chats))
    processed = 0

    async def member() -> None:
        nonlocal processed
        while waiting:
            chat = waiting.pop()
            for line in range(len(SCRIPT)):
                raw = update_for(chat, line, next(update_ids))
                await application.process_update(Update.de_json(raw, application.bot))
                if durable:
                    await application.update_persistence()
                processed += 1

    await asyncio.gather(*(member() for _ in range(at_once)))
    return processed


async def measure(
    api: str, token: str, chats: list[int], at_once: int, durable: bool, seeded: int
) -> dict[str, float]:
    """Updates/s while members write, then how long the next flush takes to write them."""
    with tempfile.TemporaryDirectory(prefix="madoguchi-baseline-") as directory:
        path = Path(directory) / "conversations.pickle"
        seed(path, seeded)
        application = build(api, token, path)
        async with application:  # initialize: loads the pickle file; shutdown: writes it
            await application.start()  # the periodic persistence task, as in production
            await drive(application, chats[:WARM_UP], WARM_UP, durable)
            await application.update_persistence()
            cpu = _cpu_seconds()
            started = time.perf_counter()
            updates = await drive(application, chats[WARM_UP:], at_once, durable)
            seconds = time.perf_counter() - started
            # What the 60 s timer would do next: write everything those updates changed
            # (PicklePersistence rewrites the whole file once per changed member).
            await application.update_persistence()
            flush = time.perf_counter() - started - seconds
            cpu = _cpu_seconds() - cpu
            await application.stop()
        # Every member's answers, to the last, are in the file (an ended conversation's state
        # is dropped from it).
        saved = pickle.loads(path.read_bytes())["user_data"]
        if not all(saved.get(chat, {}).get(STEPS[-1]) for chat in chats):
            raise RuntimeError("the baseline's answers were not all persisted")
    return {"updates": updates, "seconds": seconds, "flush": flush, "cpu_ms": cpu * 1000 / updates}


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass(frozen=True)
class Result:
    updates: int
    seconds: float  # while members wrote
    flush: float  # the flush after them (the next update_interval's work)
    cpu_ms: float  # the baseline process's CPU per update, its flush included

    @property
    def rate(self) -> float:
        """Updates/s between flushes."""
        return self.updates / self.seconds

    @property
    def sustained(self) -> float:
        """Updates/s with the flush of those updates counted: what a longer burst averages."""
        return self.updates / (self.seconds + self.flush)


def run(members: int, at_once: int, *, durable: bool, seeded: int = SEEDED) -> Result:
    """One measurement in a child process against a fresh fake Bot API."""
    chats = list(range(300_000, 300_000 + WARM_UP + members))
    with FakeBotApi() as fake:
        for chat in chats:
            fake.ensure_chat(chat)  # members wrote to the bot before: it may answer them
        command = [
            sys.executable,
            "-m",
            "tests.bench.baseline",
            "--api",
            fake.base_url,
            "--token",
            fake.token,
            "--first-chat",
            str(chats[0]),
            "--members",
            str(len(chats)),
            "--at-once",
            str(at_once),
            "--seeded",
            str(seeded),
            *(["--durable"] if durable else []),
        ]
        done = subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, timeout=900, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"baseline failed:\n{done.stderr[-3000:]}")
        answers = len(fake.calls_to("sendMessage"))
    if answers != len(chats) * len(SCRIPT):
        raise RuntimeError(f"the baseline sent {answers} answers for {len(chats)} members")
    found = json.loads(done.stdout.strip().splitlines()[-1])
    return Result(
        int(found["updates"]),
        float(found["seconds"]),
        float(found["flush"]),
        float(found["cpu_ms"]),
    )


def bench_baseline() -> list[Figure]:
    """PTB's ConversationHandler + PicklePersistence beside madoguchi's burst at 10k stored."""
    from tests.bench import burst

    madoguchi = burst.headline_rate()
    print("  baseline: as shipped", file=sys.stderr, flush=True)
    shipped = run(burst.BASELINE_MEMBERS, burst.AT_ONCE, durable=False)
    print("  baseline: durable", file=sys.stderr, flush=True)
    durable = run(burst.BASELINE_DURABLE_MEMBERS, burst.AT_ONCE, durable=True)
    versus_durable = madoguchi / durable.rate
    versus = madoguchi / shipped.rate
    cost = burst.headline_cpu()
    bound = (
        f"madoguchi answered {madoguchi:,.0f} updates/s at {cost:.2f} ms of server CPU per "
        "update (see burst_updates_per_second for what bounds it)"
    )
    return [
        Figure(
            "baseline_updates_per_second",
            shipped.rate,
            f"updates/s between 60 s flushes ({SEEDED:,} stored conversations)",
        ),
        Figure(
            "baseline_flush",
            shipped.flush,
            f"s to flush {shipped.updates} updates' changes (event loop blocked)",
        ),
        Figure(
            "baseline_sustained_updates_per_second",
            shipped.sustained,
            "updates/s with that flush counted",
        ),
        Figure("baseline_cpu", shipped.cpu_ms, "CPU ms per update, flush included"),
        Figure(
            "baseline_durable_updates_per_second",
            durable.rate,
            "updates/s (update_persistence after each update)",
        ),
        Figure("baseline_durable_cpu", durable.cpu_ms, "CPU ms per update"),
        Figure(
            "madoguchi_vs_baseline",
            versus,
            "× (between the baseline's flushes)",
            f"≥ 2× at {SEEDED // 1000}k conversations",
            versus >= 2,
            ""
            if versus >= 2
            else (
                f"missed: between its flushes the baseline keeps every conversation in memory "
                f"and writes nothing, {shipped.rate:,.0f} updates/s; 2× is "
                f"{2 * shipped.rate:,.0f}/s, and {bound}."
            ),
        ),
        Figure(
            "madoguchi_vs_baseline_sustained",
            madoguchi / shipped.sustained,
            "× (the baseline's flush counted)",
        ),
        Figure(
            "madoguchi_vs_durable_baseline",
            versus_durable,
            "× (both durable per turn)",
            f"≥ 20× at {SEEDED // 1000}k conversations",
            versus_durable >= 20,
            ""
            if versus_durable >= 20
            else (
                f"missed: the durable baseline rewrites its pickle file (every stored "
                f"conversation) after each update, {durable.cpu_ms:.0f} ms of CPU per update and "
                f"{durable.rate:,.1f} updates/s; 20× is {20 * durable.rate:,.0f}/s, and {bound}."
            ),
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--first-chat", type=int, required=True)
    parser.add_argument("--members", type=int, required=True)
    parser.add_argument("--at-once", type=int, required=True)
    parser.add_argument("--seeded", type=int, default=SEEDED)
    parser.add_argument("--durable", action="store_true")
    args = parser.parse_args()
    chats = list(range(args.first_chat, args.first_chat + args.members))
    result = asyncio.run(
        measure(args.api, args.token, chats, args.at_once, args.durable, args.seeded)
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
