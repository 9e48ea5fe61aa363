"""Who may be named to a program's review panel while it runs (domain/appeal_panel.py)."""

from domain.appeal_panel import panel_problems


def test_a_panel_of_known_deciding_staff_named_once_has_no_problem() -> None:
    assert panel_problems(["u-1", "u-2"], deciders={"u-1", "u-2"}, known={"u-1", "u-2"}) == []
    assert panel_problems([], deciders=set(), known=set()) == []  # none named: any officer or admin decides


def test_each_rule_broken_is_named_with_its_members() -> None:
    problems = panel_problems(["u-1", "u-1", "ghost", "u-evaluator"], deciders={"u-1"}, known={"u-1", "u-evaluator"})
    assert [(p["field"], p["rule"], p["members"]) for p in problems] == [
        ("panel", "panel_member_once", ["u-1"]), ("panel", "panel_member_known", ["ghost"]),
        ("panel", "panel_member_staff", ["u-evaluator"])]
    assert all("(" in p["message"] for p in problems)  # English (Korean)


def test_more_than_fifty_members_is_refused() -> None:
    many = [f"u-{n}" for n in range(51)]
    problems = panel_problems(many, deciders=set(many), known=set(many))
    assert [(p["rule"], p["largest"]) for p in problems] == [("panel_size", 50)]
    assert panel_problems(many[:50], deciders=set(many), known=set(many)) == []
