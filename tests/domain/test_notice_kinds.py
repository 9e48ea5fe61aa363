"""Notice kinds: one registry (`domain.notifications.NoticeKind`), each kind with its template, its
settings label in Korean and English, and sent by its member — never a name built from parts, so a
search for a kind finds every place that sends it."""

import ast
from pathlib import Path

from api import i18n
from axflow.notices import has_template
from domain.notifications import COLLECTION_NOTICES, KINDS, NOTICE_LABELS, NoticeKind

ROOT = Path(__file__).resolve().parents[2]
LIFECYCLE = sorted((ROOT / "workflows/lifecycle").glob("*.py"))
# Where each sender takes the kind: notify(ctx, to, kind, ...), escalate(ctx, clock, kind, ...),
# emit(ctx, kind, ...), clocks._remind(ctx, clock, due_at, sent, now, kind, ...).
KIND_ARGUMENT = {"notify": 2, "escalate": 2, "emit": 1, "_remind": 5}


def test_every_kind_has_its_template_and_its_words_in_both_languages() -> None:
    assert KINDS == tuple(NoticeKind) and set(NOTICE_LABELS) == set(NoticeKind)
    assert [kind for kind in NoticeKind if not has_template(kind)] == []
    with i18n.language(i18n.ENGLISH):
        untranslated = [kind.value for kind, korean in NOTICE_LABELS.items() if i18n.pgettext("notice", korean) == korean]
    assert not untranslated, f"notice kinds without an English label: {untranslated}"


def test_a_kind_is_the_string_events_and_preferences_carry() -> None:
    assert NoticeKind.MILESTONE_REVISE == "milestone_revise"
    assert COLLECTION_NOTICES["clawback"].overdue == "clawback_overdue"
    assert all(kind.value == kind.name.lower() for kind in NoticeKind)


def test_no_kind_is_built_from_parts() -> None:
    built = []
    for path in LIFECYCLE:
        for call in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in KIND_ARGUMENT):
                continue
            at = KIND_ARGUMENT[call.func.id]
            kind = call.args[at] if len(call.args) > at else None
            if isinstance(kind, ast.JoinedStr | ast.Constant | ast.BinOp):
                built.append(f"{path.relative_to(ROOT)}:{call.lineno}")
    assert not built, f"a notice kind written as a string, not a NoticeKind member: {built}"
