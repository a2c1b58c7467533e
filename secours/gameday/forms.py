"""What every trainee's form shares: a refusal with a message per field, and how a form's values are read."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

__all__ = ["FormError", "errors_of", "instant", "words"]


class FormError(Exception):
    """A form the wire model refuses: one line, and a message per field."""

    def __init__(self, fields: dict[str, str]) -> None:
        self.fields = fields
        name, text = next(iter(fields.items()))
        super().__init__(f"{name}: {text}" if len(fields) == 1 else f"{name}: {text} (and {len(fields) - 1} more)")


def errors_of(exc: ValidationError) -> FormError:
    """The wire model's refusal, one message per top-level field (that of its first error)."""
    found: dict[str, str] = {}
    for err in exc.errors():
        name = str(err["loc"][0]) if err["loc"] else "form"
        found.setdefault(name, str(err["msg"]).removeprefix("Value error, "))
    return FormError(found)


def words(value: Any) -> list[str]:
    """A list field as a form sends it: a JSON list, or text separated by commas, spaces or lines."""
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [w for w in str(value or "").replace(",", " ").split() if w]


def instant(value: Any) -> Any:
    """A form's date and time: simulated time is UTC, so one written without a zone is read as UTC.
    Anything else goes to the model as given, which says what is wrong with it."""
    if isinstance(value, str):
        text = value.strip().replace(" ", "T")
        if len(text) >= 16 and text[10:11] == "T" and not text.endswith("Z") and "+" not in text[10:]:
            return text + "Z"
        return text
    return value
