"""The demo companies as the tax simulator's register knows them: their opening date (개업일자)
and representative (대표자), so that 진위확인 can pass for them under `make run` and in tests.

`make run`'s portal company (ceo.demo's 데모AI, 124-81-00998), one nobody holds yet (for a demo
of binding), and the companies `make demo` applies with (axflow/demo.py): the same numbers, names
and founding dates those use."""

from datetime import date
from typing import Any

from axflow.demo import make_brn

# ceo.demo's company (axflow/demo_users.py): its representative as the identity simulator's
# demo person names them. It is bound already (the seed's staff approval): its representative
# proving it again makes a request an officer decides.
DEMO_COMPANY = {"b_no": "1248100998", "representative": "홍길동", "opened_on": "2021-03-02",
                "company_name": "데모AI"}
# A company nobody holds: a person signing up on the demo portal binds it by 진위확인 + 본인확인
# as the identity simulator's second demo person (김다른, 1990-05-05).
FREE_COMPANY = {"b_no": "2208162517", "representative": "김다른", "opened_on": "2022-07-01",
                "company_name": "새싹로보틱스"}
# How many companies `make demo` applies with at most (one per task of the sample program).
DEMO_APPLICANTS = 12


def demo_register(today: date | None = None) -> dict[str, dict[str, Any]]:
    """b_no → the register's record (status active) of every demo company."""
    year = (today or date.today()).year
    register = {c["b_no"]: {"status": "active", "since": None, **c} for c in (DEMO_COMPANY, FREE_COMPANY)}
    for i in range(DEMO_APPLICANTS):
        b_no = make_brn(i)
        register[b_no] = {"b_no": b_no, "status": "active", "since": None, "representative": f"대표 {i + 1:02d}",
                          "opened_on": date(year - 1 - i % 8, 3, 2).isoformat(),
                          "company_name": f"데모AI {i + 1:02d}"}
    return register
