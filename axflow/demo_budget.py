"""Money by 비목 in `make demo`: every company the demo takes to a match submits its 사업비 계획
first (so its agreement carries the table), the settling ones record a few expenses with their
evidence (a card slip uploaded for each), the finance officer accepts them together, and the
settlement is computed from the ledger. `make run` then shows ledgers, the review queue's history
and statements."""

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import httpx

from axflow.config import Settings
from domain.timeutil import kst_date

if TYPE_CHECKING:
    from axflow.demo import Demo

FINANCE = "finance.lee"
# A vendor the tax authority's simulator says opened three weeks ago (set by opened_vendor).
NEW_VENDOR_BRN = "1208800001"
# The 사업비 계획 of every demo company: adds up to the sample program's ₩80,000,000 grant, inside
# the caps (인건비 at most 50%, 기계장치 at most 20%, 창업활동비 at most ₩3,000,000).
PLAN = {"personnel": 30_000_000, "equipment": 10_000_000, "outsourcing": 20_000_000, "materials": 8_000_000,
        "marketing": 5_000_000, "travel": 2_000_000, "founder_activity": 3_000_000, "fees": 2_000_000}
# (category, vendor, vendor's number, what, supply amount): paid by the grant's card, VAT apart.
# The patent office's number opened weeks before (opened_vendor): the review queue flags new_vendor.
EXPENSES = [("materials", "㈜한빛소재", "1058700005", "시제품 부품 (센서 모듈)", 6_840_000),
            ("marketing", "㈜부스메이커", "2118600002", "전시회 부스 설치", 4_150_000),
            ("fees", "㈜특허사무소", NEW_VENDOR_BRN, "특허 출원 수수료", 1_270_000)]


async def opened_vendor(settings: Settings) -> bool:
    """Tell the tax authority's simulator that NEW_VENDOR_BRN opened 21 days ago (for the
    new_vendor flag of the expenses paid to it); False where the simulator is not there."""
    opened = kst_date(datetime.now(UTC)) - timedelta(days=21)
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            answer = await http.put(f"{settings.tax_authority_url}/_businesses/{NEW_VENDOR_BRN}",
                                    json={"opened_on": opened.isoformat(), "company_name": "㈜특허사무소"})
        return answer.status_code == 200
    except httpx.HTTPError:
        return False


async def submit_plan(demo: "Demo", sid: str, brn: str) -> None:
    """The 사업비 계획, before the match: the match's agreement shows it and its hash covers it."""
    if demo.budget_rules:
        await demo.act(brn, sid, "submit-budget-plan",
                       {"lines": [{"category": k, "amount": v} for k, v in PLAN.items()]})


def card_slip(text: str) -> bytes:
    """A small, valid one-page PDF standing for a 카드 매출전표."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


async def record_expenses(demo: "Demo", sid: str, brn: str) -> list[str]:
    """A few expenses, each with its card slip; their entry ids."""
    today = kst_date(datetime.now(UTC)).isoformat()
    ids: list[str] = []
    for i, (category, vendor, vendor_brn, what, supply) in enumerate(EXPENSES):
        uploaded = await demo.upload(brn, sid, card_slip(f"card slip {sid} {i + 1}"), f"카드전표-{i + 1}.pdf", "receipt")
        state = await demo.act(brn, sid, "record-expense", {
            "spent_on": today, "category": category, "vendor_name": vendor, "vendor_brn": vendor_brn,
            "description": what, "supply_amount": supply, "vat": supply // 10, "payment_method": "card",
            "evidence": [{"kind": "card_slip", "document": uploaded["id"]}]})
        ids.append(max(state["budget"]["entries"]))
    return ids


async def settle_from_ledger(demo: "Demo", sid: str, brn: str, entries: list[str]) -> None:
    """The finance officer accepts the expenses together, the company files the statement the
    ledger computes, the finance officer approves it."""
    await demo.call(FINANCE, "POST", f"/startups/{sid}/expenses/accept",
                    {"entries": entries, "reason": "증빙 확인 (demo)"})
    await demo.act(brn, sid, "submit-settlement", {})
    await demo.act(FINANCE, sid, "approve-settlement", {})
