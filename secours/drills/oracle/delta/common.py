"""What the Delta scenarios share (PROCEDURES.md §7, seed 002): the alerts on the météo, the
declarations' states and what the declarant could see of them, the self-trigger DAs, and ``_each``
to judge a list of records one by one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from secours.drills.journal import Entry
from secours.drills.oracle.common import entry_time as _at
from secours.drills.oracle.common import typed, verdict
from secours.drills.oracle.index import FaultWindow, JournalIndex
from secours.drills.oracle.registry import Context, Finding, evidence, outcome
from secours.world import DELTA_SERVICES, office_open

NON_TECHNICAL = frozenset({"SOUS_CONTROLE", "CREDIT_EN_ATTENTE", "PAIEMENT_COMPTANT"})  # only the office says so


def _target(w: FaultWindow) -> str:
    """The actor (or component) a fault hits: its scope's label, before any filter (``eori ...``)."""
    return w.component.split(" ", 1)[0]


def _open_hours(ctx: Context, t: datetime) -> bool:
    return office_open(t, ctx.world.config.params.office_hours)


def _each(
    items: list[Entry],
    judge: Callable[[Entry], str | None],
    ok: str,
    bad: str,
    *,
    warn: bool = False,
    nothing: str | None = None,
) -> Finding:
    """Judge every item: ``judge`` returns what is wrong with one (a finding on it), or None. With no
    item and ``nothing`` said, the check is not exercised (a pass must have judged something)."""
    if not items and nothing is not None:
        return outcome("not_exercised", nothing)
    found = [evidence(x, note) for x in items if (note := judge(x)) is not None]
    return verdict(found, ok.format(n=len(items)), bad, warn=warn)


# --- alerts on the météo des services en ligne ------------------------------------------------------


@dataclass(frozen=True)
class _Alert:
    """A Delta alert's life on the météo: its opening, its BIPs, its end."""

    alert_id: str
    opened: Entry
    bips: tuple[Entry, ...]
    ended: Entry | None

    def covers(self, service: str, mode: str) -> bool:
        return service in self.opened.data["services"] and mode in self.opened.data["modes"]

    def open_at(self, t: datetime) -> bool:
        return _at(self.opened) <= t and (self.ended is None or t < _at(self.ended))

    def messages(self) -> list[Entry]:
        """Its opening, BIPs and end, in time order."""
        return [self.opened, *self.bips, *([self.ended] if self.ended else [])]


def _is_delta_alert(e: Entry) -> bool:
    """A Delta alert names a Delta service; an alert without services is known by its component."""
    component = e.data.get("component", "")
    return any(s in DELTA_SERVICES for s in e.data.get("services", ())) or (
        component == "delta" or component.startswith("delta_provider:")
    )


def _alerts(ix: JournalIndex) -> list[_Alert]:
    """The Delta alerts (naming a Delta service; ICS2 alerts share the météo), in opening order."""
    entries = typed(ix, "meteo.alert")
    delta = {e.data["alert_id"] for e in entries if _is_delta_alert(e)}
    phases: dict[str, list[Entry]] = defaultdict(list)
    for e in sorted(entries, key=_at):
        if e.data["alert_id"] in delta:
            phases[e.data["alert_id"]].append(e)
    out: list[_Alert] = []
    for alert_id, seen in phases.items():
        opened = next((x for x in seen if x.data["phase"] == "open"), None)
        if opened is None:
            continue  # a BIP or an end of an alert never opened: G5 reports it
        ended = next((x for x in seen if x.data["phase"] == "end"), None)
        out.append(_Alert(alert_id, opened, tuple(x for x in seen if x.data["phase"] == "bip"), ended))
    return sorted(out, key=lambda a: _at(a.opened))


def _covering(alerts: Iterable[_Alert], service: str, mode: str, t: datetime) -> _Alert | None:
    """An alert open at ``t`` that names that service and that mode."""
    return next((a for a in alerts if a.open_at(t) and a.covers(service, mode)), None)


def _regularised(ix: JournalIndex) -> dict[str, datetime]:
    """When each fallback declaration was first put in Delta electronically, by fallback id."""
    out: dict[str, datetime] = {}
    for e in typed(ix, "regularised"):
        out[e.data["fallback_id"]] = min(out.get(e.data["fallback_id"], _at(e)), _at(e))
    return out


# --- declarations and what the declarant could see of them -------------------------------------------


def _history(ix: JournalIndex) -> dict[str, list[Entry]]:
    """Delta's own records of each declaration's states, in time order. Only topic ``delta.decl`` is
    ground truth: the providers relay the same records later on ``delta.edi.answers``."""
    out: dict[str, list[Entry]] = defaultdict(list)
    for e in sorted(typed(ix, "delta.decl"), key=_at):
        if e.topic == "delta.decl":
            out[e.data["decl_no"]].append(e)
    return dict(out)


def _states_until(history: dict[str, list[Entry]], decl_no: str, t: datetime) -> list[Entry]:
    return [e for e in history.get(decl_no, []) if _at(e) <= t]


def _state(history: dict[str, list[Entry]], decl_no: str, t: datetime) -> str | None:
    """The state of a declaration at ``t``: that of its latest record then (None: not validated yet)."""
    states = _states_until(history, decl_no, t)
    return states[-1].data["state"] if states else None


def _cited(da: Entry) -> tuple[list[str], list[str]]:
    """(declaration numbers, declarant's refs) a DA cites: a number (``FR006900-26-...``) for a validated
    declaration, the declarant's own ref for one that never was."""
    cited = list(da.data["declarations"])
    return [d for d in cited if "-" in d], [d for d in cited if "-" not in d]


def _lookups(ix: JournalIndex, ce_type: str, who: str, decl_no: str, until: datetime) -> list[Entry]:
    """Aubette look-ups (``delta.aubette``) or office questions (``office.query``) by ``who`` about one
    declaration, up to ``until``."""
    return [e for e in typed(ix, ce_type) if e.data["by"] == who and e.data["decl_no"] == decl_no and _at(e) <= until]


def _shown_bae(ix: JournalIndex, who: str, decl_no: str, t: datetime) -> bool:
    """The declarant's latest Aubette look-up before ``t`` showed the declaration released."""
    seen = _lookups(ix, "delta.aubette", who, decl_no, t)
    return bool(seen) and max(seen, key=_at).data["result"] == "BAE"


def _unlooked(ix: JournalIndex, da: Entry) -> list[str]:
    """Cited declarations the filer did not look up in Aubette before its DA."""
    who, t = da.data["filer"], _at(da)
    return [d for d in _cited(da)[0] if not _lookups(ix, "delta.aubette", who, d, t)]


def _unasked(ix: JournalIndex, da: Entry) -> list[str]:
    """Cited declarations Aubette did not show released that the filer did not ask its office about
    before its DA (only the office knows the three non-technical states)."""
    who, t = da.data["filer"], _at(da)
    return [d for d in _cited(da)[0]
            if not _shown_bae(ix, who, d, t) and not _lookups(ix, "office.query", who, d, t)]  # fmt: skip


# --- assistance requests ----------------------------------------------------------------------------


def _self_das(ix: JournalIndex) -> list[Entry]:
    """Self-trigger DAs filed by declarants, in filing order, each once: a DA read twice with one id
    is one request delivered twice (a declarant restarted from a checkpoint sends it again)."""
    first: dict[str, Entry] = {}
    for e in sorted(typed(ix, "olga.da"), key=_at):
        if e.data["kind"] == "self_trigger" and e.data["filer_role"] == "trader":
            first.setdefault(e.data["da_id"], e)
    return list(first.values())
