"""A fault a person asks for (``secours fault inject``, the game-day page): validated as a drill file's
faults are, every error one line naming the field at fault."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError as PydanticValidationError

from secours.drills.model import check_targets
from secours.errors import UsageError
from secours.faults.model import Fault, parse_fault

__all__ = ["fault_from_mapping"]


def fault_from_mapping(raw: Any) -> Fault:
    """The fault described by ``raw`` (the fields of a drill file's fault), or a one-line UsageError."""
    try:
        fault = parse_fault(raw)
        check_targets(fault)
    except PydanticValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise UsageError(f"invalid fault: {where}: {err['msg']}") from None
    except ValueError as exc:
        raise UsageError(f"invalid fault: {exc}") from None
    return fault
