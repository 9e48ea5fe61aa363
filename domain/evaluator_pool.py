"""The evaluator pool's pure parts: the pledge (서약서) and its fingerprint, spreading evaluators
evenly over a program's startups, and how far each evaluator's scores sit from their panels'
(calibration). No I/O: the service (api/services/evaluator_pool.py) reads and writes the tables."""

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# The pledge as the evaluator reads it, in either language; the signature records the SHA-256 of
# the text they read, so a later change of wording asks every evaluator to sign again.
PLEDGE_TEXT: dict[str, str] = {
    "ko": (
        "평가위원 서약서\n\n"
        "1. (비밀유지) 평가 과정에서 알게 된 신청 기업의 사업계획, 기술, 재무 정보와 평가 결과를 "
        "평가 목적 외에 쓰거나 누구에게도 알리지 않겠습니다.\n"
        "2. (접촉 금지) 평가가 끝날 때까지 신청 기업이나 그 관계자와 평가에 관하여 만나거나 연락하지 "
        "않으며, 청탁을 받으면 즉시 사업 담당자에게 알리겠습니다.\n"
        "3. (이해충돌 신고) 신청 기업이나 그 협력 중소기업과 재직, 자문, 투자, 친족, 공동연구 등 이해관계가 "
        "있으면 평가 전에 신고하고, 해당 기업의 평가를 회피하겠습니다.\n"
        "4. (공정 평가) 평가 기준에 따라 독립적이고 공정하게 평가하겠습니다.\n\n"
        "위 사항을 어기면 평가위원 위촉 해제와 관계 법령에 따른 책임을 질 것을 서약합니다."
    ),
    "en": (
        "Evaluator's pledge\n\n"
        "1. (Confidentiality) I will not use the applicants' plans, technology, finances or the "
        "evaluation results for anything but this evaluation, nor disclose them to anyone.\n"
        "2. (No contact) Until the evaluation ends I will not meet or contact an applicant or its people "
        "about it, and I will report any solicitation to the program officer at once.\n"
        "3. (Conflicts of interest) I will declare, before evaluating, any tie with an applicant or its "
        "SME partner (employment, advice, investment, family, joint research) and recuse myself from it.\n"
        "4. (Fairness) I will evaluate independently and fairly, by the published criteria.\n\n"
        "I accept dismissal from the pool and liability under the law if I break this pledge."
    ),
}


def pledge_sha256(language: str) -> str:
    """The SHA-256 (hex) of the pledge's text in `language` ("ko" or "en"), UTF-8."""
    return hashlib.sha256(PLEDGE_TEXT[language].encode()).hexdigest()


def spread(evaluators: Sequence[str], startups: Sequence[str], per_startup: int,
           barred: Mapping[str, Iterable[str]] | None = None,
           load: Mapping[str, int] | None = None) -> dict[str, list[str]]:
    """Assign `per_startup` evaluators to each startup, never one `barred` from it (a conflict,
    회피, 제척: startup id → evaluator ids), always the least loaded (counting `load` they already
    carry; ties by their order in `evaluators`). The most constrained startups are served first, so
    that, unless the bars leave no other choice, the loads differ by at most one. A startup with
    fewer eligible evaluators than `per_startup` gets all it can have."""
    barred_from = {s: set(barred.get(s, ())) if barred else set() for s in startups}
    carried = {e: (load or {}).get(e, 0) for e in evaluators}
    order = {e: i for i, e in enumerate(evaluators)}
    eligible = {s: [e for e in evaluators if e not in barred_from[s]] for s in startups}
    # Fewest choices first; the input's order among equals, so the result is reproducible.
    queue = sorted(startups, key=lambda s: (len(eligible[s]), startups.index(s)))
    chosen: dict[str, list[str]] = {}
    for startup in queue:
        picks = sorted(eligible[startup], key=lambda e: (carried[e], order[e]))[:per_startup]
        for evaluator in picks:
            carried[evaluator] += 1
        chosen[startup] = sorted(picks, key=order.__getitem__)
    return {s: chosen[s] for s in startups}


@dataclass(frozen=True)
class Calibration:
    """One evaluator's scores against their panels': how many scores, and the mean of (their
    score − the panel's mean) over the panels (one startup, one round) where someone else scored
    too. `offset` is None when no panel had a second score."""

    evaluator_id: str
    scores: int
    compared: int
    offset: float | None


def calibration(scores: Iterable[tuple[str, str, str, int]]) -> dict[str, Calibration]:
    """Per evaluator, from (evaluator id, startup id, round, score) rows: see `Calibration`."""
    panels: dict[tuple[str, str], list[tuple[str, int]]] = defaultdict(list)
    for evaluator, startup, round_, score in scores:
        panels[(startup, round_)].append((evaluator, score))
    counted: dict[str, int] = defaultdict(int)
    gaps: dict[str, list[float]] = defaultdict(list)
    for panel in panels.values():
        mean = sum(score for _, score in panel) / len(panel)
        for evaluator, score in panel:
            counted[evaluator] += 1
            if len(panel) > 1:
                gaps[evaluator].append(score - mean)
    return {e: Calibration(e, counted[e], len(gaps[e]),
                           round(sum(gaps[e]) / len(gaps[e]), 2) if gaps[e] else None)
            for e in sorted(counted)}


def related_companies(brn: str, states: Iterable[Mapping[str, Any]]) -> set[str]:
    """The companies an evaluator's employer may not be, to score the company `brn`: the company
    itself, and every SME partner on record in its lifecycles' projected `states` (any program, any
    stage): the partners each names now and every partner an approved amendment (협약 변경) named,
    so a partner replaced since still counts (a known relation, `known_relation`)."""
    related = {brn}
    for state in states:
        related |= {str(p["brn"]) for p in state.get("partners") or [] if isinstance(p, dict) and p.get("brn")}
        for request in (state.get("amendments") or {}).get("requests") or []:
            if request.get("status") in ("approved", "effective"):
                related |= {str(p["brn"]) for p in (request.get("change") or {}).get("partners") or []
                            if isinstance(p, dict) and p.get("brn")}
    return related
