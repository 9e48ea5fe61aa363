"""The one Jinja environment every page renders with (api/templates/): the console, the portal,
sign-in and one's account. Every filter and global a template may use is registered here and
nowhere else, so a template's vocabulary is this file.

Pages render through `templates` (`api.pages.shared.common.render`, `api.routes.signin.page`);
`PAGE_CSP` is the security policy their responses carry. The agreement document is not a page:
`axflow/agreement.py` renders it in the worker with its own strict environment (a missing term
fails instead of printing blank, amounts always in Korean won) so its bytes and hash do not depend
on who reads it or on the web layer."""

from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context

from api import i18n
from api.i18n import NP_, pgettext
from api.pages.portal.script_words import portal_words
from api.pages.shared import formatting, labels
from api.pages.shared.document_words import KIND_WORDS
from domain.brn import format_brn
from store.db import as_utc

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
templates = Jinja2Templates(directory=str(TEMPLATES_DIR))

# Pages load their own stylesheet and scripts and nothing else (scripts may ask this site only);
# forms post only here.
PAGE_CSP = ("default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; connect-src 'self'; "
            "form-action 'self'; "
            "frame-ancestors 'none'; base-uri 'none'")

ROLE_LABELS = {"admin": NP_("role", "관리자"), "program_officer": NP_("role", "사업 담당자"),
               "finance_officer": NP_("role", "회계 담당자"), "evaluator": NP_("role", "평가위원"),
               "auditor": NP_("role", "감사인"), "startup": NP_("role", "스타트업")}


def role_label(role: str) -> str:
    """A role as people name it, in the page's language (the role's key when it has no name)."""
    return pgettext("role", ROLE_LABELS[role]) if role in ROLE_LABELS else role


_app_for_links: Any = None


def link_with(app: Any) -> None:
    """The app whose routes `url_for` names when a template has no request at hand: a macro imported
    without context, or a test rendering a template directly. `create_app` calls it."""
    global _app_for_links
    _app_for_links = app


def _router(context: Context) -> Any:
    """The app that answers the request being rendered, else the app `link_with` named (for a test
    that renders a template with no app of its own, one built just for its route table)."""
    app = getattr(context.get("request"), "app", None)
    if app is not None:
        return app
    if _app_for_links is None:
        from api.main import create_app  # the app imports this module: only now, and only once
        from axflow.config import Settings
        create_app(Settings())  # which calls link_with
    return _app_for_links


_path_formats: dict[tuple[int, str, tuple[str, ...]], str] = {}


def _path_format(router: Any, name: str, keys: tuple[str, ...]) -> str:
    """The named route's path with a marker where each parameter goes, asked of the router once:
    its own lookup walks every route on each call (1-4 ms measured), and a list page has a hundred links."""
    key = (id(router), name, keys)
    if key not in _path_formats:
        _path_formats[key] = str(router.url_path_for(name, **{param: f"\x00{param}\x00" for param in keys}))
    return _path_formats[key]


def path_for(app: Any, name: str, /, **path_params: Any) -> str:
    """The path of `app`'s route named `name`, its parameters filled in: what `url_for` gives a
    template, for page code that redirects (api/pages/shared/redirects.py)."""
    path = _path_format(app, name, tuple(sorted(path_params)))
    for param, value in path_params.items():
        path = path.replace(f"\x00{param}\x00", str(value))
    return path


@pass_context
def url_for(context: Context, name: str, /, **path_params: Any) -> str:
    """The path of the named route (`url_for('startup_page', startup_id=s.id)` → '/console/startups/…'):
    a path, not an absolute URL, so links stay on the host the person reached us by."""
    return path_for(_router(context), name, **path_params)


def _install(env: Any) -> None:
    env.add_extension("jinja2.ext.i18n")
    # `_()` in templates: the page's language is the request's (api/i18n.py), so one environment serves both.
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True, pgettext=i18n.pgettext,
                                  npgettext=i18n.npgettext)
    env.globals.update(
        url_for=url_for,
        current_language=i18n.current_language,
        role_label=role_label,
        brn=format_brn,
        kst=formatting.kst_datetime,
        days_left=formatting.days_left,
        task_title=labels.task_title,
        # SQLite hands back stored instants without their zone; templates show them through this.
        as_utc=as_utc,
        # What portal.js says, rendered as JSON data by the portal's layout (the CSP runs no inline script).
        portal_words=portal_words,
        # The document kinds in the pages' words, for the submitted documents list.
        document_kind_words={kind.value: words for kind, words in KIND_WORDS.items()},
    )
    env.filters.update(role_label=role_label, won=formatting.won, man_won=formatting.man_won,
                       kst=formatting.kst_datetime, kst_date=formatting.kst_date,
                       days_label=formatting.days_left_label)
    for name, table in (("phase_label", labels.PHASES), ("stage_label", labels.STAGES),
                        ("sector_label", labels.SECTORS), ("action_label", labels.ACTIONS),
                        ("work_label", labels.WORK_KINDS), ("tranche_status", labels.TRANCHE_STATUS),
                        ("milestone_status", labels.MILESTONE_STATUS),
                        ("collection_status", labels.COLLECTION_STATUS), ("deadline_label", labels.DEADLINES),
                        ("event_label", labels.EVENTS), ("notice_kind", labels.NOTICE_KINDS),
                        ("system_actor", labels.SYSTEM_ACTORS)):
        env.filters[name] = lambda value, table=table: labels.label(table, value)


_install(templates.env)
