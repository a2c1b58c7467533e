"""After-action scorecards: what each trainee's desk had to do, whether it did, and how long it took.

A trainee playing an EDI provider's desk (``--human edi_provider:P002``) has these procedure steps,
each called for by something in the run's journal (seed 000, scenario 1; PROCEDURES.md §5):

- its platform down (a ``down`` fault on ``edi_provider:P002``): an OLGA assistance request about
  its own outage listing all its clients, within ``detect.self + t.da_max`` of the fault's start;
  once the platform is back, the recovery reported to the help desk so that the request is closed,
  within ``t.close_max``;
- a client's call saying its own system is down: a request naming that client within ``t.da_max``;
  its call saying it is back: the recovery of that request reported within ``t.close_max``;
- customs down with nothing published (an ``alert_suppressed`` fault), its pushes past the
  ``detect.no_receipt`` threshold: a look at the météo, then a request reporting customs
  unavailable within ``t.da_max`` (ICS2-FR-NO-ALERT), unless customs told it first.

Each step is **done** (its record came in time), **late**, **missed** (no record, and the deadline
passed before the end of the exercise) or **not due** (the exercise ended first). Beside each step
are the oracle's own checks of it, as judged on the whole run like any other actor's work; and
below the steps, every other check whose outcome rests on the desk's records (found as for an
outside system's checks: :mod:`secours.drills.attribution`), so that a request filed when none was
called for, or one naming the wrong clients, shows too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from secours.clock import format_sim
from secours.drills.attribution import attribute
from secours.drills.journal import Entry
from secours.drills.oracle import Context, JournalIndex
from secours.drills.oracle.common import seconds, typed
from secours.drills.oracle.ics2_fr_no_alert import detections, told_of_outage, unannounced_fault
from secours.drills.reportdata import CheckOutcome
from secours.gameday.desk import DESK_TOPICS

__all__ = ["Scorecard", "scorecards"]

StepStatus = Literal["done", "late", "missed", "not due"]


@dataclass(frozen=True, slots=True)
class Step:
    step: str  # what the procedure asks, in words
    trigger: str  # what called for it
    called_at: datetime
    due: datetime
    done_at: datetime | None
    status: StepStatus
    record: str  # the desk's record that did it (a request or contact id), or ""
    checks: tuple[CheckOutcome, ...]

    def row(self) -> dict[str, Any]:
        took = (self.done_at - self.called_at).total_seconds() if self.done_at else None
        return {
            "step": self.step, "trigger": self.trigger, "status": self.status,
            "called_at": format_sim(self.called_at), "due": format_sim(self.due),
            "done_at": format_sim(self.done_at) if self.done_at else "",
            "took_s": round(took) if took is not None else None,
            "allowed_s": round((self.due - self.called_at).total_seconds()),
            "record": self.record,
            "checks": [_check_row(c) for c in self.checks],
        }  # fmt: skip


@dataclass
class Scorecard:
    actor: str
    steps: list[Step] = field(default_factory=list)
    other_checks: list[CheckOutcome] = field(default_factory=list)
    records: int = 0  # records the desk wrote

    def summary(self) -> dict[str, Any]:
        count = {s: sum(1 for st in self.steps if st.status == s) for s in ("done", "late", "missed", "not due")}
        return {
            "actor": self.actor, "records": self.records, **count,
            "steps": [s.row() for s in self.steps],
            "other_checks": [_check_row(c) for c in self.other_checks],
        }  # fmt: skip

    def lines(self) -> list[str]:
        s = self.summary()
        head = (f"scorecard of {self.actor}: {len(self.steps)} steps, {s['done']} done, {s['late']} late, "
                f"{s['missed']} missed, {s['not due']} not due; {self.records} records written")  # fmt: skip
        out = [head]
        for st in self.steps:
            took = f"took {_span(st.done_at - st.called_at)}" if st.done_at else "not done"
            out.append(f"  {st.status:7} {st.step} ({st.trigger}): {took}, "
                       f"allowed {_span(st.due - st.called_at)}")  # fmt: skip
            out.extend(f"          {c.id} {c.status}: {c.message}" for c in st.checks)
        out.extend(f"  check   {c.id} {c.status}: {c.message}" for c in self.other_checks)
        return out


def _check_row(c: CheckOutcome) -> dict[str, Any]:
    return {
        "id": c.id, "title": c.title, "status": c.status, "message": c.message,
        "evidence": [{"ce_id": e.ce_id, "topic": e.topic, "time": format_sim(e.time) if e.time else "",
                      "note": e.note} for e in c.evidence[:5]],
    }  # fmt: skip


def _span(d: timedelta) -> str:
    s = max(0, round(d.total_seconds()))
    return f"{s // 3600}h{s % 3600 // 60:02d}m{s % 60:02d}s" if s >= 3600 else f"{s // 60}m{s % 60:02d}s"


def scorecards(
    actors: Sequence[str], entries: Sequence[Entry], checks: Sequence[CheckOutcome], ctx: Context
) -> list[Scorecard]:
    """One scorecard per actor a trainee played, judged on the run's journal."""
    ix = JournalIndex.build(entries)
    by_id = {c.id: c for c in checks}
    cards = []
    for actor in actors:
        card = Scorecard(actor, _provider_steps(actor, ix, ctx, by_id))
        desk = frozenset(DESK_TOPICS[actor.split(":", 1)[0]])
        card.records = sum(1 for e in entries if e.source == actor and e.topic in desk)
        share = attribute([actor], entries, checks, ctx, desk_topics=desk)
        in_steps = {c.id for st in card.steps for c in st.checks}
        # The global checks judge the whole run (the report has them), not one desk's work.
        card.other_checks = [c for c in checks if c.id in share.checks and c.id not in in_steps
                             and c.status != "not_exercised" and c.scenario != "GLOBAL"]  # fmt: skip
        cards.append(card)
    return cards


def _step(
    step: str, trigger: str, called: datetime, allowed: timedelta, done: Entry | None, end: datetime,
    checks: tuple[CheckOutcome, ...], record: str = "",
) -> Step:  # fmt: skip
    due = called + allowed
    at = done.time if done is not None else None
    if at is not None:
        status: StepStatus = "done" if at <= due else "late"
    else:
        status = "missed" if due <= end else "not due"
    return Step(step, trigger, called, due, at, status, record if at is not None else "", checks)


def _customs_unavailable(
    actor: str, ix: JournalIndex, ctx: Context, das: list[Entry], checks: Callable[..., tuple[CheckOutcome, ...]]
) -> list[Step]:
    """Customs down and nothing published (ICS2-FR-NO-ALERT): once the provider's pushes reach the
    detection threshold, a look at the météo and a request reporting customs unavailable, unless
    customs told it first."""
    pid = actor.split(":", 1)[1]
    f = unannounced_fault(ix)
    if f is None or f.start is None:
        return []
    found = detections(ix, ctx, f).get(pid)
    if found is None:
        return []
    allowed = seconds(ctx, "t_da_max")
    da = next((e for e in das if e.data["kind"] == "customs_unavailable" and e.time is not None
               and e.time >= found), None)  # fmt: skip
    told = told_of_outage(ix, pid, f.start)
    if da is None and told is not None and told <= found + allowed:
        return []  # customs told it before its report was due: nothing to report
    return [_step(
        "OLGA request reporting customs unavailable, after a look at the météo",
        f"pushes without receipt since {format_sim(found)[11:16]}, no alert", found, allowed, da, ctx.end,
        checks("ICS2-FR-NO-ALERT#1", "ICS2-FR-NO-ALERT#4", "ICS2-FR-NO-ALERT#5", "ICS2-FR-NO-ALERT#6"),
        da.data["da_id"] if da else "",
    )]  # fmt: skip


def _provider_steps(actor: str, ix: JournalIndex, ctx: Context, by_id: dict[str, CheckOutcome]) -> list[Step]:
    pid = actor.split(":", 1)[1]
    das = sorted((e for e in typed(ix, "olga.da") if e.data["filer"] == pid), key=lambda e: e.time or ctx.end)
    contacts = [e for e in typed(ix, "sau.contact") if e.data["by"] == actor
                and e.data["purpose"] in ("report", "close_request")]  # fmt: skip

    def checks(*ids: str) -> tuple[CheckOutcome, ...]:
        return tuple(by_id[i] for i in ids if i in by_id and by_id[i].status != "not_exercised")

    def request(kind: str, since: datetime, naming: str = "") -> Entry | None:
        return next((e for e in das if e.data["kind"] == kind and e.time is not None and e.time >= since
                     and (not naming or naming in {c["eori"] for c in e.data["clients"]})), None)  # fmt: skip

    def report(da: Entry | None, since: datetime) -> Entry | None:
        if da is None:
            return None
        return next((e for e in contacts if e.data["da_id"] == da.data["da_id"] and e.time is not None
                     and e.time >= since), None)  # fmt: skip

    steps: list[Step] = []
    da_allowed = seconds(ctx, "t_da_max")
    close_allowed = seconds(ctx, "t_close_max")
    own = sorted((w for w in ix.faults.values() if w.component == actor and w.kind == "down" and w.start),
                 key=lambda w: w.start or ctx.end)  # fmt: skip
    for w in own:
        assert w.start is not None
        da = request("provider_outage", w.start)
        steps.append(_step(
            "OLGA request about your platform's outage, listing all your clients", f"{w.fault_id} from "
            f"{format_sim(w.start)[11:16]}", w.start, seconds(ctx, "detect_self") + da_allowed, da, ctx.end,
            checks("ICS2-FR-S1-PROVIDER-DOWN#1", "ICS2-FR-S1-PROVIDER-DOWN#2"),
            da.data["da_id"] if da else "",
        ))  # fmt: skip
        if w.end is not None:
            told = report(da, w.end)
            steps.append(_step(
                "recovery reported to the help desk, so that the request is closed",
                f"platform back at {format_sim(w.end)[11:16]}", w.end, close_allowed, told, ctx.end,
                checks("ICS2-FR-S1-PROVIDER-DOWN#7"), told.data["contact_id"] if told else "",
            ))  # fmt: skip
    steps.extend(_customs_unavailable(actor, ix, ctx, das, checks))
    calls = sorted((e for e in typed(ix, "provider.contacted") if e.data["provider"] == pid),
                   key=lambda e: e.time or ctx.end)  # fmt: skip
    for call in calls:
        assert call.time is not None
        eori, kind = call.data["trader"], call.data["kind"]
        if kind == "outage":
            da = request("client_outage", call.time, eori)
            steps.append(_step(
                f"OLGA request naming client {eori}", f"its call at {format_sim(call.time)[11:16]}: system down",
                call.time, da_allowed, da, ctx.end,
                checks("ICS2-FR-S1-TRADER-DOWN#1", "ICS2-FR-S1-TRADER-DOWN#5"), da.data["da_id"] if da else "",
            ))  # fmt: skip
        elif kind == "recovery":
            opened = [e for e in das if e.data["kind"] == "client_outage" and e.time is not None
                      and e.time <= call.time and eori in {c["eori"] for c in e.data["clients"]}]  # fmt: skip
            told = report(opened[-1] if opened else None, call.time)
            steps.append(_step(
                f"recovery of client {eori} reported to the help desk",
                f"its call at {format_sim(call.time)[11:16]}: system back", call.time, close_allowed, told, ctx.end,
                checks("ICS2-FR-S1-TRADER-DOWN#6"), told.data["contact_id"] if told else "",
            ))  # fmt: skip
    return steps
