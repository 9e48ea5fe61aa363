"""What the portal's application, my page, upload and agreement pages say when something is
refused, in the page's language and without a server: the acceptance's password check, an
upload's refusal by its rule, why an application was found ineligible, and the API's
two-language messages shown in one language."""

from datetime import date, datetime

from api.errors import ApiError
from api.i18n import ENGLISH, language
from api.pages.portal.agreement import errors_of
from api.pages.portal.apply import problem_words
from api.pages.portal.my import ineligible_words, one_language, refusal_errors
from api.pages.shared.document_words import upload_words
from api.reauth import WRONG
from axflow.config import Settings
from domain.eligibility import ban_problem, brn_problems, founding_problems, status_refusal
from domain.timeutil import KST
from store.portal_tables import BusinessStatusCheck
from tests.i18n_support import korean_left

BRN = "1248100998"


def test_a_wrong_password_is_said_beside_its_field_in_either_language() -> None:
    wrong = ApiError("validation_error", WRONG, [{"field": "password", "rule": "password_mismatch", "message": WRONG}])
    changed = ApiError("conflict", "the agreement changed", {"field": "agreement_sha256", "rule": "agreement_changed"})
    assert errors_of(wrong) == {"password": ["비밀번호가 맞지 않습니다."]}
    with language(ENGLISH):
        assert errors_of(wrong) == {"password": ["The password is not correct."]}
        assert errors_of(changed) == {"": ["The agreement has changed since this page was opened. Read the new "
                                           "agreement and accept it again."]}


def test_an_upload_refusal_is_said_by_its_rule() -> None:
    settings = Settings()
    refused = ApiError("validation_error", "허용되지 않는 파일 형식입니다: exe — file type exe is not accepted",
                       [{"field": "file", "rule": "file_type", "message": "…", "type": "exe"}])
    too_big = ApiError("validation_error", "…", [{"field": "file", "rule": "max_size", "message": "…"}])
    assert upload_words(refused, settings, "proposal").startswith("허용되지 않는 파일 형식입니다: exe.")
    with language(ENGLISH):
        assert upload_words(refused, settings, "proposal").startswith("This file type is not accepted: exe.")
        mb = settings.document_limit("receipt") // (1024 * 1024)
        assert upload_words(too_big, settings, "receipt") == f"The file is too large. Files of up to {mb} MB can be uploaded."
        unknown = ApiError("unavailable", "바이러스 검사를 할 수 없습니다 — the virus scanner is unavailable", None, 503)
        assert upload_words(unknown, settings, "receipt") == "The file could not be received. Try again in a moment."


def test_why_an_application_is_ineligible_in_english() -> None:
    closed = BusinessStatusCheck(startup_id="s", brn=BRN, program_id="p", status="closed")
    reason = status_refusal(BRN, "closed", date(2025, 2, 28))
    assert ineligible_words(reason, closed).startswith("폐업한 사업자입니다")
    ban = "참여제한: 124-81-00998 is banned from participation until 2028-07-01 KST (fraud; from startup:p:1248100998)"
    with language(ENGLISH):
        words = ineligible_words(reason, closed)
        assert words == "The business is closed (status at the tax authority: closed). Closed on 2025-02-28."
        assert ineligible_words(ban, None) == "Banned from participation until 2028-07-01 KST."
        assert korean_left(ineligible_words(status_refusal(BRN, "unregistered"), None)) == []


def test_the_eligibility_rules_problems_in_english() -> None:
    closes = datetime(2025, 7, 10, 15, tzinfo=KST)
    late = founding_problems(date(2001, 1, 1), closes, 10, date(2025, 7, 1))[0]
    future = founding_problems(date(2030, 1, 1), closes, 10, date(2025, 7, 1))[0]
    digit = brn_problems("1248100999")[0]
    with language(ENGLISH):
        assert problem_words(late, 10, date(2015, 7, 10)) == \
            "The company must be founded within 10 years of the closing date: on or after 2015-07-10."
        assert problem_words(future, 10, date(2015, 7, 10)) == "The founding date is in the future."
        assert "check digit" in problem_words(digit, 10, None)
        assert korean_left(problem_words(ban_problem(BRN, closes)[0], 10, None)) == []


def test_api_messages_in_one_language() -> None:
    refused = ApiError("conflict", "…", [{"field": "", "rule": "spent_at_most_paid", "message": "spent too much"},
                                         {"field": "lines.0.amount", "message": "금액이 너무 큽니다 — too large"}])
    with language(ENGLISH):
        assert refusal_errors(refused) == {"": ["The total spent cannot exceed the amount paid."],
                                           "lines.0.amount": ["too large"]}
        assert one_language("빈 파일입니다 — the file is empty") == "the file is empty"
        assert one_language("설립일이 미래입니다 (founded_on is in the future)") == "founded_on is in the future"
    assert refusal_errors(refused)["lines.0.amount"] == ["금액이 너무 큽니다"]
    assert one_language("A plain message — with a dash") == "A plain message — with a dash"

