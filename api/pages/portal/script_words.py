"""What portal.js says (the countdown, the upload and business number checks), in the page's
language; the portal's layout renders it as JSON data, since the CSP runs no inline script."""

from api.i18n import _


def portal_words() -> dict[str, str]:
    """What portal.js says, in the page's language; `%(name)s` is filled in by the script. The
    countdown's words are the ones `api.pages.portal.common.remaining` uses, so the ticking text
    reads as the served one."""
    return {
        "leftDays": _("%(days)s일 %(hours)s시간 %(minutes)s분 남음"),
        "leftHours": _("%(hours)s시간 %(minutes)s분 남음"),
        "leftMinutes": _("%(minutes)s분 남음"),
        "underMinute": _("1분 미만 남음"),
        "closed": _("마감되었습니다"),
        "fileTooBig": _("파일이 %(mb)s MB를 넘습니다"),
        "fileType": _("허용되지 않는 파일 형식입니다: %(types)s"),
        "fileEmpty": _("빈 파일입니다"),
        "brnOk": _("올바른 사업자등록번호 형식입니다"),
        "brnBad": _("사업자등록번호가 올바르지 않습니다: 10자리와 검증 숫자를 확인하세요"),
        "foundedEarly": _("창업 %(years)s년 이내가 아닙니다: %(earliest)s 이후 설립이어야 합니다"),
        "foundedFuture": _("설립일이 미래입니다"),
        "foundedOk": _("업력 요건을 충족합니다"),
    }
