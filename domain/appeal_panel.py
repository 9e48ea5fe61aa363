"""The review panel (심의위원회) set while a program runs: who may be named.

A program names its panel in its definition (`appeals.panel`); an admin or a program officer may
name it again while the program runs (`PUT /programs/{id}/appeals/panel`). Each member is a known,
active staff member who may decide an appeal (a program officer or an admin), named once, at most
fifty. Pure: the directory's facts in, every problem out (field and rule), so that a refusal names
them all and nothing is changed.
"""

from typing import Any

from domain.phases import Role
from domain.rule_ids import RuleId

PANEL_LARGEST = 50
# The roles that decide an appeal (domain/rules.py's decide-appeal).
DECIDING_ROLES = frozenset({Role.PROGRAM_OFFICER.value, Role.ADMIN.value})


def panel_problems(panel: list[str], deciders: set[str], known: set[str]) -> list[dict[str, Any]]:
    """The problems of a panel: `known` are the ids of the directory's users among them, `deciders`
    those of active staff holding a deciding role. An empty panel is allowed: any program officer
    or admin then decides (as for a program that never named one)."""
    problems: list[dict[str, Any]] = []
    if len(panel) > PANEL_LARGEST:
        problems.append({"field": "panel", "rule": RuleId.PANEL_SIZE, "largest": PANEL_LARGEST,
                         "message": f"at most {PANEL_LARGEST} members (심의위원은 {PANEL_LARGEST}명까지 지정합니다)"})
    twice = sorted({member for member in panel if panel.count(member) > 1})
    if twice:
        problems.append({"field": "panel", "rule": RuleId.PANEL_MEMBER_ONCE, "members": twice,
                         "message": "a member is named once (같은 심의위원을 두 번 지정할 수 없습니다): " + ", ".join(twice)})
    unknown = [member for member in dict.fromkeys(panel) if member not in known]
    if unknown:
        problems.append({"field": "panel", "rule": RuleId.PANEL_MEMBER_KNOWN, "members": unknown,
                         "message": "no user has this id (등록된 사용자 ID가 아닙니다): " + ", ".join(unknown)})
    not_staff = [member for member in dict.fromkeys(panel) if member in known and member not in deciders]
    if not_staff:
        problems.append({"field": "panel", "rule": RuleId.PANEL_MEMBER_STAFF, "members": not_staff,
                         "message": "a member is active staff who decides appeals, a program officer or an admin "
                                    "(심의위원은 사업 담당자 또는 관리자인 직원이어야 합니다): " + ", ".join(not_staff)})
    return problems
