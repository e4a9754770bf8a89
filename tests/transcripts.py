"""Playing a dialogue written as a Japanese transcript, whatever the member talks through
(the terminal, Telegram, LINE): one reading of 会員:/窓口: lines for every test desk."""

from __future__ import annotations

import textwrap
from collections.abc import Callable


def play(
    script: str,
    says: Callable[[str], str],
    presses: Callable[[str], str] | None = None,
    answer: str = "",
) -> str:
    """Play 会員: (types), 会員が押す: (presses the button with that label, where the channel
    has buttons) lines; each 窓口: line must be in the answer to the member's latest message,
    each 窓口にない: line must not. ``answer`` is the desk's answer before the script starts;
    the last answer is returned."""
    for raw in textwrap.dedent(script).strip().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        speaker, _, text = line.partition(":")
        text = text.strip()
        if speaker == "会員":
            answer = says(text)
        elif speaker == "会員が押す" and presses is not None:
            answer = presses(text)
        elif speaker == "窓口":
            assert text in answer, f"expected {text!r} in the desk's answer:\n{answer}"
        elif speaker == "窓口にない":
            assert text not in answer, f"did not expect {text!r} in:\n{answer}"
        else:
            raise ValueError(f"a transcript line starts with 会員: or 窓口: — {line!r}")
    return answer
