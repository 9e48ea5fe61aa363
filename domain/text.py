"""Text that people type, refused when it holds a control or format character.

A NUL breaks PostgreSQL's writes; a direction override (U+202E) or a zero-width character makes a
name read differently in a list than what it is. Every name and free-text field of the API's
bodies, the pages' forms and uploads' file names goes through one of the types below: a single
line refuses every character of Unicode category Cc (controls) or Cf (format), and the line and
paragraph separators; multi-line text keeps tab, line feed and carriage return.
"""

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from domain.rule_ids import RuleId

MULTILINE_KEPT = frozenset("\t\n\r")
RULE = RuleId.CONTROL_CHARACTER


def hidden_character(text: str, multiline: bool = False) -> str | None:
    """The first control, format or separator character in `text` that is not allowed, or None."""
    for char in text:
        if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp", "Cs") and \
                not (multiline and char in MULTILINE_KEPT):
            return char
    return None


def describe(char: str) -> str:
    """'U+202E RIGHT-TO-LEFT OVERRIDE': how a refusal names a character nobody can see."""
    return f"U+{ord(char):04X}" + (f" {unicodedata.name(char)}" if unicodedata.name(char, "") else "")


def problem(char: str) -> str:
    return (f"제어 문자나 서식 문자({describe(char)})는 쓸 수 없습니다 — control and format characters "
            f"({describe(char)}) are not allowed")


def _refuse(text: str, multiline: bool) -> str:
    char = hidden_character(text, multiline)
    if char is not None:
        raise PydanticCustomError(RULE, problem(char))
    return text


def single_line(text: str) -> str:
    return _refuse(text, multiline=False)


def multi_line(text: str) -> str:
    return _refuse(text, multiline=True)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# The validators as metadata, so that a test can tell which fields carry them.
SINGLE_LINE = AfterValidator(single_line)
MULTI_LINE = AfterValidator(multi_line)
NFC = AfterValidator(nfc)

# One line of text, any length (a length constraint is added where it is used).
Line = Annotated[str, SINGLE_LINE]
# Free text over several lines.
Lines = Annotated[str, MULTI_LINE]
# A person's, company's or thing's name: one line, 1 to 200 characters, NFC.
Name = Annotated[str, Field(min_length=1, max_length=200), SINGLE_LINE, NFC]
# A reason or remark: several lines, up to 2000 characters, NFC.
Text = Annotated[str, Field(max_length=2000), MULTI_LINE, NFC]
