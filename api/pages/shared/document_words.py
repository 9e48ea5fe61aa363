"""A document's kind and an upload's refusal in the page's words: the portal's documents and
application pages and the console's startup page, score sheet and upload say them alike."""

from api.errors import ApiError
from api.i18n import N_, _
from axflow.config import Settings
from domain.documents import DocumentKind

KIND_WORDS = {DocumentKind.PROPOSAL: N_("사업계획서"), DocumentKind.AGREEMENT: N_("협약서"),
              DocumentKind.DELIVERABLE: N_("산출물"), DocumentKind.RECEIPT: N_("증빙"),
              DocumentKind.OTHER: N_("기타")}
# An upload's refusals (api/services/documents.py, api/uploads.py) by rule, as the portal says them;
# `%(type)s` is the type the bytes turned out to be, `%(mb)s` the size limit.
UPLOAD_WORDS = {
    "empty": N_("빈 파일입니다."),
    "file_type": N_("허용되지 않는 파일 형식입니다: %(type)s. PDF, HWP/HWPX, DOCX, XLSX, PPTX, PNG, JPEG, ZIP 파일을 올리세요."),
    "extension_mismatch": N_("파일 내용(%(type)s)이 확장자와 다릅니다."),
    # store/zip_limits.py: an archive that would inflate too far, or hold too many or too deep files.
    "zip_bomb": N_("압축을 풀면 너무 커지는 파일입니다. 압축하지 않은 파일이나 더 작은 파일로 올리세요."),
    "zip_members": N_("압축 파일 안에 파일이 너무 많습니다. 나누어 올리세요."),
    "zip_nesting": N_("압축 파일 안에 압축 파일이 너무 깊게 들어 있습니다. 풀어서 다시 올리세요."),
    "max_size": N_("파일이 너무 큽니다. 최대 %(mb)s MB까지 올릴 수 있습니다."),
    "virus": N_("악성 코드가 발견되어 파일을 받지 않았습니다."),
    "filename": N_("이 파일 이름은 쓸 수 없습니다. 이름을 바꿔 다시 올리세요."),
    "filename_encoding": N_("이 파일 이름은 쓸 수 없습니다. 이름을 바꿔 다시 올리세요."),
    "control_character": N_("이 파일 이름은 쓸 수 없습니다. 이름을 바꿔 다시 올리세요."),
    "missing": N_("올릴 파일을 고르세요."),
    "one_file": N_("파일은 한 번에 하나만 올릴 수 있습니다."),
    "kind": N_("이 신청에 올릴 수 없는 종류의 서류입니다."),
    "enum": N_("이 신청에 올릴 수 없는 종류의 서류입니다."),
    "milestone_key": N_("산출물은 마일스톤 화면에서 올리세요."),
    "deliverables_only": N_("마일스톤은 산출물에만 붙일 수 있습니다."),
}


def upload_words(err: ApiError, settings: Settings, kind: str | None) -> str:
    """Why an upload was refused, in the page's language: by the rule the API names."""
    details = err.details if isinstance(err.details, list) else [err.details] if isinstance(err.details, dict) else []
    detail = next((d for d in details if isinstance(d, dict)), {})
    words = UPLOAD_WORDS.get(str(detail.get("rule") or ""))
    if words is None:
        return _("파일을 받지 못했습니다. 잠시 후 다시 시도하십시오.") if err.status >= 500 else \
            _("파일을 받지 못했습니다. 파일을 확인하고 다시 올리세요.")
    limit = settings.document_limit(kind) if kind is not None and kind in DocumentKind._value2member_map_ else \
        settings.largest_document_limit()
    return _(words) % {"type": detail.get("type") or "?", "mb": limit // (1024 * 1024)}
