"""A document's kind and an upload's refusal in the page's words: the portal's documents and
application pages and the console's startup page, score sheet and upload say them alike. An
upload's refusals are rules like any other (domain/rule_ids.py: `RuleId.FILE_TYPE`, `ZIP_BOMB`, …)."""

from api.errors import ApiError
from api.i18n import N_, _
from api.pages.shared.rule_text import rule_text
from axflow.config import Settings
from domain.documents import DocumentKind
from domain.rule_ids import RuleId

MiB = 1024 * 1024
KIND_WORDS = {DocumentKind.PROPOSAL: N_("사업계획서"), DocumentKind.AGREEMENT: N_("협약서"),
              DocumentKind.DELIVERABLE: N_("산출물"), DocumentKind.RECEIPT: N_("증빙"),
              DocumentKind.OTHER: N_("기타")}


def upload_words(err: ApiError, settings: Settings, kind: str | None) -> str:
    """Why an upload was refused, in the page's language: the words of the rule the API names,
    with the type the bytes turned out to be and the kind's size limit where they belong."""
    details = err.details if isinstance(err.details, list) else [err.details] if isinstance(err.details, dict) else []
    detail = next((d for d in details if isinstance(d, dict)), {})
    limit = settings.document_limit(kind) if kind is not None and kind in DocumentKind._value2member_map_ else \
        settings.largest_document_limit()
    # Whatever is wrong with a file's name (a control character in it too), the person renames the file.
    rule = RuleId.FILENAME if detail.get("field") == "filename" else str(detail.get("rule") or "")
    words = rule_text(rule, {"type": detail.get("type") or "?", "mb": limit // MiB})
    if words is None:
        return _("파일을 받지 못했습니다. 잠시 후 다시 시도하십시오.") if err.status >= 500 else \
            _("파일을 받지 못했습니다. 파일을 확인하고 다시 올리세요.")
    return words
