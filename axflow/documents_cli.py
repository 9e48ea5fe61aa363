"""`axflow documents ...`: check every stored document against its row and history, and delete
uploads that no action used once they are old enough."""

from typing import Annotated

import typer

from axflow.config import get_settings

documents_app = typer.Typer(help="Documents: verify stored files, clean up unused uploads.", no_args_is_help=True)


@documents_app.command("verify")
def verify() -> None:
    """Re-hash every stored file against its row and the hashes in history; name each mismatch
    (exit 1 if there is one)."""
    from store.db import make_engine, session_scope
    from store.document_checks import verify_documents
    from store.storage import make_blob_store

    settings = get_settings()
    store = make_blob_store(settings)
    with session_scope(make_engine(settings.database_url)) as session:
        checked, mismatches = verify_documents(session, store)
    for mismatch in mismatches:
        typer.echo(f"MISMATCH {mismatch}")
    typer.echo(f"{checked} document(s) checked in {store.name} storage, {len(mismatches)} mismatch(es) "
               f"— 문서 {checked}건 확인, 불일치 {len(mismatches)}건")
    raise typer.Exit(1 if mismatches else 0)


@documents_app.command("cleanup")
def cleanup(days: Annotated[int | None, typer.Option(
        help="delete unused uploads older than this (default: AXFLOW_DOCUMENT_UNREFERENCED_DAYS)")] = None) -> None:
    """Delete uploads that no action used, older than the configured number of days. A document
    an action relied on is never deleted."""
    from store.db import make_engine, session_scope
    from store.document_checks import cleanup_unreferenced
    from store.storage import make_blob_store

    settings = get_settings()
    keep_days = settings.document_unreferenced_days if days is None else days
    with session_scope(make_engine(settings.database_url)) as session:
        deleted = cleanup_unreferenced(session, make_blob_store(settings), keep_days)
    for document_id in deleted:
        typer.echo(f"deleted {document_id}")
    typer.echo(f"{len(deleted)} unused upload(s) older than {keep_days} days deleted "
               f"— {keep_days}일 넘게 쓰이지 않은 업로드 {len(deleted)}건 삭제")
