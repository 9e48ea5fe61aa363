"""The agreement's amendment section (협약 변경 사항): what an amended version (변경 N) says, so that
its document's SHA-256 — what the startup accepts again — covers every approved change. A pure
function of the state's amendment records; an agreement never amended has no section (and renders
the same bytes as before amendments existed).
"""

from dataclasses import dataclass

from domain.amendments import KIND_NAMES, AmendmentChange, version_label
from domain.brn import format_brn
from domain.state import StartupState
from domain.timeutil import kst_date


@dataclass(frozen=True)
class ChangeTerm:
    label: str  # 변경 N
    kind: str  # in the agreement's words
    approved_on: str  # KST day
    says: str  # the change itself, in words


@dataclass(frozen=True)
class AmendmentTerms:
    label: str  # the version this document is
    changes: tuple[ChangeTerm, ...]
    # The milestones' due days as amended (the first agreement counts days from the signature).
    milestone_dues: tuple[tuple[str, str], ...]
    task_content: str | None
    representative: str | None = None


def _says(change: AmendmentChange, titles: dict[str, str], categories: dict[str, str]) -> str:
    if change.kind == "poc_period" and change.new_end_on is not None:
        return f"사업 종료일을 {change.new_end_on.isoformat()}로 변경"
    if change.kind == "milestone_plan":
        return ", ".join(f"{titles.get(m.milestone, m.milestone)} 기한 {m.due_on.isoformat()}" for m in change.milestones)
    if change.kind == "sme_partner":
        return ", ".join(f"{p.name} ({format_brn(p.brn)}, {p.region}{', 주관' if p.role == 'lead' else ''})"
                         for p in change.partners)
    if change.kind == "representative":
        return f"대표자를 {change.representative_name}(으)로 변경 (국세청 진위확인)"
    if change.kind == "budget" and change.budget_move is not None:
        move = change.budget_move
        return (f"{categories.get(move.from_category, move.from_category)}에서 "
                f"{categories.get(move.to_category, move.to_category)}(으)로 {move.amount:,}원 이동 "
                f"(사업비 계획 {move.plan_version}판)")
    return "과제 내용 변경 (아래)"


def amendment_terms(state: StartupState, categories: dict[str, str] | None = None) -> AmendmentTerms | None:
    """The section, or None for an agreement never amended; `categories` names the budget's 비목."""
    amendments = state.amendments
    if amendments is None or not amendments.versions:
        return None
    requests = {r.number: r for r in amendments.requests}
    titles = {m.key: m.title for m in state.milestones}
    changes = tuple(ChangeTerm(v.label, KIND_NAMES[v.kind], kst_date(v.approved_at).isoformat(),
                               _says(requests[v.request].change, titles, categories or {}))
                    for v in amendments.versions)
    return AmendmentTerms(label=version_label(amendments.versions[-1].version), changes=changes,
                          milestone_dues=tuple((m.title, kst_date(m.due_at).isoformat()) for m in state.milestones),
                          task_content=amendments.task_content, representative=amendments.representative)
