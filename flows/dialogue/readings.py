"""How the key words of choices are typed by members who type kana: 「ほんにん」 for 本人,
「そうしん」 for 送信, 「しょうきょ」 for 消去.

Members on phones often leave the IME's kanji conversion out, and older members type a word the
way they say it. Choices are matched on their labels and aliases (``choosing.resolve``); this
table gives those words' readings, so the hiragana (or katakana, folded to hiragana) of a key
word selects its choice too. It is data, kept by hand beside the option definitions: every
kanji in an option's alias must have a reading here (a test checks), so a new alias without
one fails at once. A dictionary library was not brought in for a hundred words.
"""

from __future__ import annotations

import itertools
from functools import cache

from flows.parsing import normalise_for_matching

# Kanji words (with their okurigana stem where they conjugate: 消 for 消す・消して) → readings.
# Longest words are replaced first, so 代理人 and 利用停止 read as wholes.
READINGS: dict[str, tuple[str, ...]] = {
    "一部": ("いちぶ",),
    "不正": ("ふせい",),
    "不満": ("ふまん",),
    "不要": ("ふよう",),
    "不適正": ("ふてきせい",),
    "両方": ("りょうほう",),
    "中止": ("ちゅうし",),
    "亡": ("な",),
    "人": ("ひと",),
    "人間": ("にんげん",),
    "代理": ("だいり",),
    "代理人": ("だいりにん",),
    "代表": ("だいひょう",),
    "代表者": ("だいひょうしゃ",),
    "他": ("ほか", "た"),
    "任意": ("にんい",),
    "何": ("なに", "なん"),
    "使": ("つか",),
    "住所": ("じゅうしょ",),
    "内容": ("ないよう",),
    "保険": ("ほけん",),
    "修正": ("しゅうせい",),
    "停止": ("ていし",),
    "全部": ("ぜんぶ",),
    "共同利用": ("きょうどうりよう",),
    "共済": ("きょうさい",),
    "切り替": ("きりか",),
    "利用": ("りよう",),
    "利益": ("りえき",),
    "削除": ("さくじょ",),
    "勧誘": ("かんゆう",),
    "取": ("と",),
    "取り下げ": ("とりさげ",),
    "受け取": ("うけと",),
    "口座": ("こうざ",),
    "同": ("おな",),
    "同意": ("どうい",),
    "名前": ("なまえ",),
    "問": ("と",),
    "問題": ("もんだい",),
    "問合": ("といあわ",),
    "合": ("あ",),
    "大丈夫": ("だいじょうぶ",),
    "安全": ("あんぜん",),
    "害": ("がい",),
    "広告": ("こうこく",),
    "店舗": ("てんぽ",),
    "後見人": ("こうけんにん",),
    "必要": ("ひつよう",),
    "意見": ("いけん",),
    "手数料": ("てすうりょう",),
    "手紙": ("てがみ",),
    "手続": ("てつづ",),
    "担当者": ("たんとうしゃ",),
    "指定": ("してい",),
    "提供": ("ていきょう",),
    "振替": ("ふりかえ",),
    "提携": ("ていけい",),
    "撤回": ("てっかい",),
    "携帯": ("けいたい",),
    "故人": ("こじん",),
    "教": ("おし",),
    "料金": ("りょうきん",),
    "方法": ("ほうほう",),
    "時間": ("じかん",),
    "書面": ("しょめん",),
    "最初": ("さいしょ",),
    "本人": ("ほんにん",),
    "来所": ("らいしょ",),
    "案内": ("あんない",),
    "権利": ("けんり",),
    "死亡": ("しぼう",),
    "氏名": ("しめい",),
    "法定": ("ほうてい",),
    "流出": ("りゅうしゅつ",),
    "消": ("け",),
    "消去": ("しょうきょ",),
    "渡": ("わた",),
    "漏": ("ろう",),
    "漏洩": ("ろうえい",),
    "生年月日": ("せいねんがっぴ",),
    "申": ("もう",),
    "出": ("で",),
    "相談": ("そうだん",),
    "目的": ("もくてき",),
    "目的外": ("もくてきがい",),
    "直": ("なお",),
    "知": ("し",),
    "私": ("わたし", "わたくし"),
    "種類": ("しゅるい",),
    "窓口": ("まどぐち",),
    "第三者": ("だいさんしゃ",),
    "紙": ("かみ",),
    "終": ("お",),
    "結構": ("けっこう",),
    "続": ("つづ",),
    "脱退": ("だったい",),
    "自分": ("じぶん",),
    "苦情": ("くじょう",),
    "要": ("い",),
    "見": ("み",),
    "親": ("おや",),
    "親権者": ("しんけんしゃ",),
    "訂正": ("ていせい",),
    "記録": ("きろく",),
    "話": ("はな",),
    "誕生日": ("たんじょうび",),
    "誤": ("あやま",),
    "誰": ("だれ",),
    "質問": ("しつもん",),
    "費用": ("ひよう",),
    "追加": ("ついか",),
    "退会": ("たいかい",),
    "送信": ("そうしん",),
    "連絡先": ("れんらくさき",),
    "郵便": ("ゆうびん",),
    "郵送": ("ゆうそう",),
    "銀行": ("ぎんこう",),
    "開示": ("かいじ",),
    "願": ("ねが",),
    "間違": ("まちが",),
    "閲覧履歴": ("えつらんりれき",),
    "電子": ("でんし",),
    "電話": ("でんわ",),
    "頼": ("たの",),
    "状況": ("じょうきょう",),
    "受付": ("うけつけ",),
    "何時": ("なんじ",),
}
_BY_LENGTH = sorted(READINGS, key=len, reverse=True)


def readings_of(word: str) -> frozenset[str]:
    """Every way ``word`` reads with its known kanji words in kana (the word itself included);
    kanji the table does not know stay as they are."""
    pieces: list[tuple[str, ...]] = []
    index = 0
    while index < len(word):
        known = next((w for w in _BY_LENGTH if word.startswith(w, index)), None)
        if known is None:
            pieces.append((word[index],))
            index += 1
        else:
            pieces.append(READINGS[known])
            index += len(known)
    return frozenset({word} | {"".join(parts) for parts in itertools.product(*pieces)})


def te_form(word: str) -> str | None:
    """The て-form a request is made in (「消していただけますか」「やめてください」): 消す →
    消して, 送信する → 送信して, やめる → やめて, 使う → 使って; ``None`` for other words.

    A word ending in る is taken as an ichidan verb (やめる, 続ける, 見る), as the choices'
    verbs are; a godan one (戻る) gets a form nobody types, which matches nothing."""
    if word.endswith("する"):
        return word[:-2] + "して"
    if len(word) > 1 and word[-1] in "するう":
        return word[:-1] + {"す": "して", "る": "て", "う": "って"}[word[-1]]
    return None


@cache
def spellings(word: str) -> frozenset[str]:
    """``word`` as a member may type it, folded for matching (``normalise_for_matching``): as
    written, in kana, and in its て-form."""
    forms: set[str] = set()
    for reading in readings_of(word):
        forms.add(reading)
        if (te := te_form(reading)) is not None:
            forms.add(te)
    return frozenset(normalise_for_matching(form) for form in forms)
