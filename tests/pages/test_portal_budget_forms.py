"""The portal's budget and ledger forms without a server: a domain refusal ("English (한국어)", the
Korean holding parentheses of its own) said in the page's language with the rule's words in front,
a field typed wrong said by its words alone, the record form's amounts read as typed, and the API's
fields placed beside the form's."""

from api.i18n import language
from api.pages.portal.budget_common import in_page_language, refusal_message, won_field
from api.pages.portal.ledger import ExpenseForm, form_field
from api.pages.shared.rule_text import RuleRefusal

CAP = "인건비 ₩45,000,000 is over its cap ₩40,000,000 (인건비 한도(₩40,000,000)를 넘습니다)"
EVIDENCE = "재료비 paid by account_transfer needs evidence: 이체확인증 (증빙이 부족합니다: 이체확인증)"


def test_a_refusal_names_the_line_and_the_rule_in_the_page_language() -> None:
    assert in_page_language(CAP) == "인건비 한도(₩40,000,000)를 넘습니다"
    said = refusal_message("category_cap", CAP)
    assert isinstance(said, RuleRefusal)
    assert said == "비목의 한도를 넘습니다 — 인건비 한도(₩40,000,000)를 넘습니다"
    # The rule's words said once when the case starts with them.
    assert refusal_message("evidence_required", EVIDENCE) == "증빙이 부족합니다: 이체확인증"
    with language("en"):
        assert in_page_language(CAP) == "인건비 ₩45,000,000 is over its cap ₩40,000,000"
        assert refusal_message("category_cap", CAP).endswith("인건비 ₩45,000,000 is over its cap ₩40,000,000")
    # A message of one language, or an unknown rule, is shown as it came.
    assert refusal_message("no_such_rule", "plain words") == "plain words"


def test_the_record_form_reads_amounts_as_typed_and_places_the_api_fields() -> None:
    assert (won_field("3,000,000"), won_field(" 300000 "), won_field("3.5"), won_field("")) == \
        (3_000_000, 300_000, None, None)
    body, errors = ExpenseForm(spent_on="2026-03-02", category="materials", supply_amount="2,500,000", vat="abc",
                               evidence={"d1": "tax_invoice"}, cancels="E0001").body()
    assert list(errors) == ["vat"] and body["supply_amount"] == 2_500_000
    assert body["evidence"] == [{"kind": "tax_invoice", "document": "d1"}] and body["cancels"] == "E0001"
    assert [form_field(f) for f in ("evidence[1].document", "spent_on", "vendor_brn", "entry", "")] == \
        ["evidence", "spent_on", "vendor_brn", "", ""]
