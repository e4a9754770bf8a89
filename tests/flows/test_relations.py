"""Reading who the asker is to the other person from their own words, both ways round."""

from __future__ import annotations

import pytest

from flows.relations import acts_for_minor, read_answer, read_relation


@pytest.mark.parametrize(
    ("words", "relation"),
    [
        ("母の代わりに", "child"),  # the mother is the other person: the writer is her child
        ("母の代わりに娘の私が入力しています", "child"),
        ("長男です", "child"),
        ("母", "parent"),  # typed at the question: the writer is the mother
        ("妻です", "spouse"),
        ("亡くなった主人宛てにまだカタログが届きます", "spouse"),
        ("祖母が亡くなって", "grandchild"),
        ("15歳の娘の代わりに", "parent"),
        ("施設に入っている叔母の代わりに", "other_relative"),
        ("山田花子の代わりに", None),  # 子 in a name is no child
        ("親切にしてほしい", None),
        ("on behalf of my mother", "child"),
        ("wife", "spouse"),
    ],
)
def test_the_askers_relationship_is_read_from_their_side(words: str, relation: str | None) -> None:
    assert read_relation(words) == relation


@pytest.mark.parametrize(
    ("words", "minor"),
    [
        ("15歳の娘の代わりに", True),
        ("中学生の息子の情報を", True),
        ("未成年の子どもの代わりに", True),
        ("20歳の娘の代わりに", False),  # 成年 at 18
        ("中学生の孫の代わりに", False),  # a grandparent is not 親権者
        ("私は15歳の娘です", False),  # the minor writes for herself
        ("80歳の母の代わりに", False),
    ],
)
def test_a_parent_acts_for_a_minor_only_for_their_own_child_under_18(
    words: str, minor: bool
) -> None:
    assert acts_for_minor(words) is minor


@pytest.mark.parametrize(
    ("typed", "relation"),
    [
        ("妻です", "spouse"),
        ("長女でございます", "child"),
        ("息子", "child"),
        ("こどもです", "child"),
        ("つま", "spouse"),
        ("ちょうなんです", "child"),
        ("ハハ", "parent"),
        ("わたしは妻です", "spouse"),
        ("娘の私です", "child"),
        ("母の代わりです", "child"),
        ("父の代わりに来ました", "child"),
        ("亡くなった主人の妻です", "spouse"),
        ("親族以外", "not_relative"),
        ("その他の親族", "other_relative"),
        ("my mother", "child"),
        ("wife", "spouse"),
        # Not a relationship: a name (even one ending in 子), or a sentence.
        ("山本ふみ子", None),
        ("やまもとふみこ", None),
        ("ヤマモト フミコ", None),
        ("山本ふみ子です", None),
        ("主人が亡くなりましたので私が手続きをしております", None),
    ],
)
def test_the_answer_at_the_relationship_step_is_read_only_from_relationship_words(
    typed: str, relation: str | None
) -> None:
    assert read_answer(typed) == relation


@pytest.mark.parametrize("words", ["山本ふみ子の代わりに", "ハナ子の代わりに", "ふみ子さんの件"])
def test_a_name_ending_in_a_relationship_kanji_after_kana_is_no_relationship(words: str) -> None:
    assert read_relation(words) is None
