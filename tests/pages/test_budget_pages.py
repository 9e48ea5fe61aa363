"""The console's money-by-비목 pieces without a server: a plan's versions and the lines each moved,
the words for a risk flag, the budget chart (well-formed SVG, named and described) and the budget
sheet whose total adds up, in Korean and in English."""

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

from api.i18n import ENGLISH, language
from api.pages.console import charts
from api.pages.console.budget import versions
from api.pages.console.expense_words import flag_text
from api.pages.console.report_export import budget_sheet
from api.services.budget import CategoryTotal, ProgramBudget
from axflow.programs import sample_definitions
from domain.budget import PlanLine
from domain.expense_risk import RiskFlag
from domain.state import PlanVersion

SVG = "{http://www.w3.org/2000/svg}"
PROGRAM = next(d for d in sample_definitions() if d.id == "ai-regional-2025")
AT = datetime(2026, 9, 1, tzinfo=UTC)


def _version(number: int, basis: str, **amounts: int) -> PlanVersion:
    return PlanVersion(version=number, sha256=f"{number:064x}", basis=basis, submitted_by="u", submitted_at=AT,
                       lines=[PlanLine(category=k, amount=v) for k, v in amounts.items()])


def test_each_version_names_the_lines_it_moved_against_the_one_before() -> None:
    found = versions(PROGRAM, [_version(1, "agreement", materials=8_000_000, fees=2_000_000),
                               _version(2, "notice", materials=7_700_000, fees=2_300_000),
                               _version(3, "approval", materials=6_700_000, fees=2_300_000, equipment=1_000_000)])
    assert [v.moves for v in found][0] == []
    assert [(m.category, m.change) for m in found[1].moves] == [("materials", -300_000), ("fees", 300_000)]
    assert [(m.name, m.change) for m in found[2].moves] == [("재료비", -1_000_000), ("기계장치", 1_000_000)]
    assert [v.basis for v in found] == ["협약", "통보 (승인 불필요)", "변경 승인"]
    with language(ENGLISH):
        assert versions(PROGRAM, [_version(2, "notice", fees=1)])[0].basis == "Notice (no approval needed)"


def test_a_flag_reads_with_its_own_figures_in_either_language() -> None:
    split = RiskFlag("E0002", "split_purchase", "…", ("E0001",))
    assert flag_text(split, 4_900_000, "2026-09-05") == "한도 미만 분할 구매 의심: 같은 업체에 E0001와 함께 나누어 결제"
    assert flag_text(RiskFlag("E0003", "round_amount", "…"), 1_000_000, "2026-09-05") == "딱 떨어지는 금액 (₩1,000,000)"
    with language(ENGLISH):
        assert flag_text(RiskFlag("E0003", "non_business_day", "…"), 1, "2026-09-06") == \
            "Paid on a weekend or holiday (2026-09-06)"
        new_vendor = RiskFlag("E0004", "new_vendor", "…", opened_on=date(2026, 8, 20))
        assert flag_text(new_vendor, 1, "2026-09-05") == \
            "A vendor opened just before the payment (opened 2026-08-20, 16 days before)"
    assert flag_text(new_vendor, 1, "2026-09-05") == "결제 직전에 개업한 업체 (개업일 2026-08-20, 결제 16일 전)"


def test_the_budget_chart_and_sheet_hold_the_same_figures() -> None:
    found = ProgramBudget(2, [CategoryTotal("materials", "재료비", 16_000_000, 4_000_000, 0),
                              CategoryTotal("marketing", "광고선전비", 10_000_000, 2_000_000, 500_000)])
    svg = ET.fromstring(str(charts.budget_chart(found.categories)))
    assert svg.attrib["role"] == "img"
    assert svg.find(f"{SVG}title") is not None and "광고선전비: 예산 1,000만 원" in (svg.findtext(f"{SVG}desc") or "")
    sheet = budget_sheet(found)
    assert sheet.rows[-1] == ("total", "합계", 26_000_000, 6_000_000, 500_000, 5_500_000)
    assert sheet.money_columns == (2, 3, 4, 5)
    with language(ENGLISH):
        assert budget_sheet(found).title == "Budget by category"
        assert charts.budget_summary([]) == "No startup has a budget plan yet."
