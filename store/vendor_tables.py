"""What the tax authority said of the vendors startups pay: each vendor's opening date (개업일자),
asked once when an expense to it is first recorded (api/services/vendors.py), for the finance
officer's `new_vendor` risk flag. A fact about the vendor, not about an expense: the ledger's
entries and the workflow's history do not carry it (a flag is a reason for a closer look, never a
decision, so nothing pins it)."""

from datetime import date, datetime

from sqlalchemy import Column, DateTime
from sqlmodel import Field, SQLModel


class VendorOpening(SQLModel, table=True):
    __tablename__ = "vendor_opening"

    brn: str = Field(primary_key=True, max_length=10)
    opened_on: date
    checked_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
