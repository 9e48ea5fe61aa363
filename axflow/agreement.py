"""The agreement (협약서) a startup accepts and the program officer countersigns, generated from the
program and the match as printable HTML in Korean.

`render_agreement(program, state, plan)` is a pure function: it reads only what is fixed once a
startup is matched (the program's money, tranches, milestones and rules; the company, its task and
its SME partners; the budget plan by 비목 where the lifecycle has one), never a clock or a
deadline that may still move, so the same inputs always give the same bytes. Those bytes' SHA-256
is what the startup accepts and the officer countersigns; the document is stored like any other
(store/documents.py) so it can be downloaded and verified.

The text changes only with the template (api/templates/agreement/agreement.html) and its print
stylesheet (api/static/agreement.css, inlined so the file stands alone); a change there makes a
new agreement for every startup matched after it, and an acceptance of the old text must be given
again before the officer can countersign (the lifecycle compares hashes).
"""

from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from axflow.agreement_amendment import AmendmentTerms, amendment_terms
from axflow.agreement_budget import BudgetTerms, budget_terms
from domain.brn import format_brn
from domain.budget import BudgetPlan
from domain.formatting import won_korean
from domain.money import split_exact
from domain.phases import Stage
from domain.program import ProgramDefinition
from domain.regions import OFFICIAL
from domain.state import StartupState

API = Path(__file__).resolve().parent.parent / "api"
TEMPLATE = "agreement/agreement.html"
STYLESHEET = API / "static" / "agreement.css"
# Shown in the document: which wording a startup accepted, for anyone reading it years later.
TEMPLATE_VERSION = "2025-2"
MEDIA_TYPE = "text/html; charset=utf-8"
# Between these markers is the agreement itself, which the portal shows inline.
BODY_START, BODY_END = "<!-- agreement:start -->", "<!-- agreement:end -->"

STAGE_NAMES = {Stage.MICRO: "Micro 초격차", Stage.CHOGYEOKCHA: "초격차", Stage.BEYOND: "Beyond 초격차"}
# A legal Korean document names the sector and region in Korean, never by their keys.
SECTOR_NAMES = {"bio_health": "바이오·헬스", "future_mobility": "미래 모빌리티", "smart_factory": "스마트팩토리",
                "eco_energy": "친환경·에너지", "chemicals": "화학"}
TERMINATION_CAUSES = ("부정행위", "사업비 목적 외 사용", "사업 포기", "수행 불량")


@dataclass(frozen=True)
class PartnerTerm:
    name: str
    brn: str
    region: str
    lead: bool
    share_percent: int | None


@dataclass(frozen=True)
class TrancheTerm:
    label: str
    share_percent: int
    amount: int
    when: str
    # How the tranche divides between consortium members by share: (partner name, won).
    splits: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class MilestoneTerm:
    title: str
    days: int
    unit: str


@dataclass(frozen=True)
class AgreementTerms:
    """Everything the agreement says, in the words and numbers it says them."""

    template_version: str
    program_id: str
    program_name: str
    stage: str
    startup_id: str
    company_name: str
    brn: str
    founded_on: str
    task_id: str | None
    task_title: str | None
    sector: str | None
    region: str | None
    partners: tuple[PartnerTerm, ...]
    consortium: bool
    grant_amount: int
    tranches: tuple[TrancheTerm, ...]
    milestones: tuple[MilestoneTerm, ...]
    poc_days: int
    poc_unit: str
    revision_days: int
    suspension_grace_days: int | None
    settlement_report_days: int
    refund_days: int
    promotion_grades: tuple[str, ...]
    termination_causes: tuple[str, ...]
    # The budget table (제3조); None where the program or the lifecycle has no budget plan.
    budget: BudgetTerms | None = None
    # The amendment section (협약 변경 사항, 변경 N); None until an amendment is approved.
    amendment: AmendmentTerms | None = None


def _unit(name: str) -> str:
    return "영업일" if name == "business" else "일"


def agreement_terms(program: ProgramDefinition, state: StartupState, plan: BudgetPlan | None = None) -> AgreementTerms:
    """What the agreement says for this startup in this program (a pure function)."""
    policy = program.policy
    milestone_clock = policy.clock("milestone")
    titles = {m.key: m.title for m in program.milestones}
    amounts = program.tranche_amounts()
    members = [p for p in state.partners if p.share_percent]
    tranches = []
    for rule in program.tranches:
        amount = amounts[rule.key]
        when = "협약 체결 후" if rule.trigger == "agreement" else f"'{titles[rule.trigger]}' 산출물 승인 후"
        splits: tuple[tuple[str, int], ...] = ()
        if state.consortium and members:
            parts = split_exact(amount, [p.share_percent or 0 for p in members])
            splits = tuple((p.name, part) for p, part in zip(members, parts, strict=True))
        tranches.append(TrancheTerm(rule.label, rule.share_percent, amount, when, splits))
    task = program.task(state.task_id) if state.task_id else None
    last = max(program.milestones, key=lambda m: m.days_after_agreement)
    grace = milestone_clock.grace_days if milestone_clock.consequence == "suspend" else None
    return AgreementTerms(
        template_version=TEMPLATE_VERSION,
        program_id=program.id,
        program_name=program.name,
        stage=STAGE_NAMES[program.stage],
        startup_id=state.startup_id,
        company_name=state.company_name,
        brn=format_brn(state.brn),
        founded_on=state.founded_on.isoformat(),
        task_id=state.task_id,
        task_title=task.title if task else None,
        sector=SECTOR_NAMES.get(state.sector, state.sector) if state.sector else None,
        region=OFFICIAL[state.region][0] if state.region in OFFICIAL else state.region,
        partners=tuple(PartnerTerm(p.name, format_brn(p.brn), OFFICIAL.get(p.region, (p.region,))[0],
                                   p.role == "lead", p.share_percent)
                       for p in state.partners),
        consortium=state.consortium,
        grant_amount=program.grant_amount,
        tranches=tuple(tranches),
        milestones=tuple(MilestoneTerm(m.title, m.days_after_agreement, _unit(milestone_clock.unit))
                         for m in program.milestones),
        poc_days=last.days_after_agreement,
        poc_unit=_unit(milestone_clock.unit),
        revision_days=policy.clock("revision").days or policy.revision_days,
        suspension_grace_days=grace,
        settlement_report_days=policy.clock("settlement_report").days or policy.settlement_report_days,
        refund_days=policy.clock("refund").days or policy.refund_days,
        promotion_grades=tuple(program.promotion_grades),
        termination_causes=TERMINATION_CAUSES,
        budget=budget_terms(program, plan),
        amendment=amendment_terms(state, {c.key: c.name for c in program.budget_rules.categories}
                                  if program.budget_rules else {}),
    )


def _environment() -> Environment:
    # Not the pages' environment (api/templating.py): the worker renders this document, and its bytes
    # (hashed, signed) must not depend on a reader's language or on the web layer's filters.
    env = Environment(loader=FileSystemLoader(API / "templates"), autoescape=select_autoescape(["html"]),
                      undefined=StrictUndefined, keep_trailing_newline=True)
    env.filters["won"] = won_korean
    return env


_env = _environment()


def render_agreement(program: ProgramDefinition, state: StartupState, plan: BudgetPlan | None = None) -> bytes:
    """The agreement as one self-contained, printable HTML file (UTF-8)."""
    html = _env.get_template(TEMPLATE).render(terms=agreement_terms(program, state, plan),
                                              stylesheet=STYLESHEET.read_text(encoding="utf-8"))
    return html.encode("utf-8")


def agreement_filename(state: StartupState) -> str:
    return f"협약서-{state.program_id}-{state.brn}.html"


def agreement_body(document: bytes) -> str:
    """The agreement itself out of a generated document, to show inside a page. The document was
    rendered by `render_agreement` with every value escaped, so its markup is ours."""
    html = document.decode("utf-8")
    start, end = html.find(BODY_START), html.find(BODY_END)
    if start < 0 or end < start:
        raise ValueError("not a document generated by axflow/agreement.py")
    return html[start + len(BODY_START):end]
