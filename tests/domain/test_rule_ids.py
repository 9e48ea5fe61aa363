"""The rule ids a refusal names: one registry (`domain.rule_ids.RuleId`), every rule with words a
person can read in Korean and in English, and the lifecycle's and the program call's rules raised
by their registered id, never a bare string a search for the rule would miss; the web layer's
refusals (uploads, the agreement's password, the company check, pydantic's error types) too, and
no page keeps its own table of words for a rule."""

import ast
import re
from pathlib import Path

from api import i18n
from domain.rule_ids import RuleId
from domain.rule_words import FIGURE_WORDS, RULE_WORDS, rule_words

ROOT = Path(__file__).resolve().parents[2]
HANGUL = re.compile(r"[\uac00-\ud7a3]")
# Where the lifecycle's, the program call's, the follow-up's, the budget's and the eligibility rules are raised.
RAISED_IN = ["domain/rules.py", "domain/action_rules.py", "domain/conflicts.py", "domain/commands.py", "domain/followup.py",
             "workflows/program_call.py", "workflows/followup.py", "domain/eligibility.py", "domain/budget.py",
             "domain/budget_actions.py", "domain/ledger.py", "domain/expense_review.py", "domain/settlement_statement.py",
             "domain/settlement_ledger.py", "api/routes/expense_review.py",
             *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "workflows/lifecycle").glob("*.py"))]
# Where the web layer raises an upload's, the password's and the company check's refusals, and the
# pages that say them (their words are RULE_WORDS', never a table of their own).
WEB_LAYER = ["api/uploads.py", "api/services/documents.py", "store/zip_limits.py", "api/reauth.py",
             "api/pages/portal/agreement.py", "api/pages/portal/company.py", "api/pages/portal/common.py",
             "api/pages/portal/documents.py", "api/pages/portal/my.py", "api/pages/console/company_requests.py",
             "api/pages/shared/document_words.py", "api/pages/shared/rule_text.py", "api/pages/shared/form_errors.py",
             "api/errors.py", "api/pages/console/audit_views.py",
             "api/pages/console/definition_errors.py"]
# A rule id written as a string where a refusal is raised: a refusal's details, the `rule=` keyword,
# a pydantic error type, the domain's `_refuse(field, rule, …)`/`_invalid(…)`, an eligibility Problem.
BARE_RULE = re.compile(r'"rule":\s*"|\brule="|PydanticCustomError\(\s*"'
                       r'|\b_(?:refuse|invalid)\([^,]+,\s*"[a-z_]+"\s*,|Problem\("[^"]+",\s*"'
                       # an upload's invalid(field, rule, …), an archive's ZipRefused(rule, …), the password's _problem(rule, …)
                       r'|\binvalid\([^,]+,\s*"|ZipRefused\(\s*"|\b_problem\(\s*"')


def test_every_rule_has_korean_and_english_words() -> None:
    wordless = [rule.value for rule in RuleId if not HANGUL.search(RULE_WORDS.get(rule, ""))]
    assert not wordless, f"rules without Korean words in domain/rule_words.py's RULE_WORDS: {wordless}"
    with i18n.language(i18n.ENGLISH):
        untranslated = [rule.value for rule in RuleId if i18n.gettext(RULE_WORDS[rule]) == RULE_WORDS[rule]]
        untranslated += [f"{rule.value} (with its figure)" for rule, words in FIGURE_WORDS.items()
                         if i18n.gettext(words) == words]
    assert not untranslated, f"rules without English in api/locale/en (python -m api.i18n missing): {untranslated}"


def test_a_rule_id_is_the_string_the_api_and_histories_carry() -> None:
    assert RuleId.FOUR_EYES == "four_eyes" and f"{RuleId.ACCEPT_ONCE}" == "accept_once"
    assert all(rule.value == rule.name.lower() for rule in RuleId)


def test_rules_are_raised_by_their_registered_id() -> None:
    caught = ['raise invalid("file", "zip_bomb", message)', 'ZipRefused("zip_members", korean, english)',
              '_problem("password_mismatch", WRONG)', 'record(db, "refused", rule="identity_failed")',
              '{"field": "password", "rule": "reauthentication_throttled"}']
    assert all(BARE_RULE.search(line) for line in caught)
    bare = [f"{path}:{number}" for path in RAISED_IN + WEB_LAYER
            for number, line in enumerate((ROOT / path).read_text(encoding="utf-8").splitlines(), 1)
            if BARE_RULE.search(line)]
    assert not bare, f"a rule raised as a bare string, not a RuleId member: {bare}"


def _words_keyed_by_rule(source: str) -> list[int]:
    """Lines of a dict literal of words (`N_("…")`) keyed mostly by rule ids, `{"zip_bomb": N_("…"), …}`: a
    table of words for rules. A table of a form's fields, one of them named like a rule, is none."""
    ids = {rule.value for rule in RuleId}
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Dict):
            continue
        worded = [key for key, value in zip(node.keys, node.values, strict=True)
                  if isinstance(key, ast.Constant) and isinstance(value, ast.Call)
                  and isinstance(value.func, ast.Name) and value.func.id in ("N_", "_")]
        by_rule = [key for key in worded if key.value in ids]
        if by_rule and 2 * len(by_rule) >= len(worded):
            found += [key.lineno for key in by_rule]
    return found


def test_no_page_keeps_its_own_words_for_a_rule() -> None:
    assert _words_keyed_by_rule('UPLOAD_WORDS = {"kind": N_("종류"), "zip_bomb": N_("너무 큽니다.")}') == [1]
    assert _words_keyed_by_rule('FIELDS = {"name": N_("이름"), "slots": N_("규모"), "founded_within_years": N_("업력")}') == []
    tables = [f"{path}:{line}" for path in WEB_LAYER
              for line in _words_keyed_by_rule((ROOT / path).read_text(encoding="utf-8"))]
    assert not tables, f"words for a rule outside domain/rule_words.py's RULE_WORDS: {tables}"


def test_pages_show_a_rules_words_unless_its_message_says_more() -> None:
    assert rule_words("four_eyes") == RULE_WORDS[RuleId.FOUR_EYES]  # as the API's answer carries it
    assert rule_words(RuleId.CATEGORY_CAP) is None  # "인건비 한도(₩24,000,000)를 넘습니다" names the cap
    assert rule_words("no_such_rule") is None and rule_words(None) is None
    # An upload's refusal names the figure its words hold; pydantic's error types are rules too.
    assert "%(type)s" in (rule_words("file_type") or "") and rule_words("string_too_long") == "너무 깁니다."
