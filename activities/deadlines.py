"""Deadline arithmetic that needs the holiday calendar, done once and recorded in history."""

from datetime import date, datetime

from temporalio import activity

from domain.calendar import business_deadline, holidays_between
from domain.io import BUSINESS_DEADLINE, HOLIDAY_TABLE, BusinessDeadlineInput, HolidayTableInput


class DeadlineActivities:
    def __init__(self, extra_holidays: frozenset[date] = frozenset()) -> None:
        self.extra_holidays = extra_holidays

    @activity.defn(name=BUSINESS_DEADLINE)
    def business_deadline(self, inp: BusinessDeadlineInput) -> datetime:
        return business_deadline(inp.start, inp.business_days, self.extra_holidays)

    @activity.defn(name=HOLIDAY_TABLE)
    def holiday_table(self, inp: HolidayTableInput) -> list[date]:
        return holidays_between(inp.first_year, inp.last_year, self.extra_holidays)
