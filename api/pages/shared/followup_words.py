"""The words of a follow-up year's status, shared by the portal's survey page and the console's
outcome checks (one place, so a status reads the same to the company and to the officer)."""

from api.i18n import N_

STATUS_WORDS = {"waiting": N_("조사 전"), "asking": N_("응답 기다리는 중"), "answered": N_("응답함"),
                "answered_late": N_("기한 뒤 응답"), "unanswered": N_("미응답"), "closed": N_("폐업")}
