"""The notification gateway's simulator (SMS and 알림톡): takes messages (once per key) and keeps
them. A person's SMS carries the channel and the user it went to, `to` being the phone number;
lifecycles started before notifications went to people still send one per desk or "startup"."""

import random
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Response
from pydantic import BaseModel

from simulators.faults import Faults, add_control_routes, apply_faults
from simulators.store import Journal


class NotificationIn(BaseModel):
    key: str
    startup_id: str
    to: str
    kind: str
    subject: str
    body: str = ""
    channel: str | None = None
    user_id: str | None = None


def create_notification_app(journal_path: str) -> FastAPI:
    app = FastAPI(title="Notification system simulator")
    journal = Journal(journal_path)
    state: dict[str, Any] = {"faults": Faults(), "rng": random.Random(11)}

    @app.post("/notifications", status_code=201)
    async def notify(note: NotificationIn, response: Response) -> dict[str, Any]:
        await apply_faults(state["faults"], state["rng"])
        if journal.get(note.key) is not None:
            response.status_code = 200
            return {"key": note.key, "duplicate": True}
        journal.put(note.key, note.model_dump() | {"received_at": datetime.now(UTC).isoformat()})
        return {"key": note.key}

    @app.get("/notifications")
    async def list_notifications(startup_id: str | None = None, kind: str | None = None,
                                 to: str | None = None) -> list[dict[str, Any]]:
        return [n for n in journal.all()
                if (startup_id is None or n["startup_id"] == startup_id) and (kind is None or n["kind"] == kind)
                and (to is None or n["to"] == to)]

    add_control_routes(app, state)
    return app
