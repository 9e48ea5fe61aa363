"""The one exception a rule raises: the API turns it into its error answer as it stands."""

from dataclasses import dataclass, field
from typing import Any


@dataclass
class RuleViolation(Exception):
    """A refused action. `code` is the API error code: forbidden, invalid_transition, conflict,
    validation_error. `details` names the rule (and the field, where one is at fault)."""

    code: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message
