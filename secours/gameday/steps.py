"""The procedure steps a trainee's desk had to carry out in a run, each judged done, late, missed or
not due, with the oracle's checks of it (:mod:`secours.gameday.scorecard` puts them together).

An EDI provider's desk (``--human edi_provider:P002``; seed 000, scenario 1; PROCEDURES.md §5):

- its platform down (a ``down`` fault on ``edi_provider:P002``): an OLGA assistance request about
  its own outage listing all its clients, within ``detect.self + t.da_max`` of the fault's start;
  once the platform is back, the recovery reported to the help desk so that the request is closed,
  within ``t.close_max``;
- a client's call saying its own system is down: a request naming that client within ``t.da_max``;
  its call saying it is back: the recovery of that request reported within ``t.close_max``;
- customs down with nothing published (an ``alert_suppressed`` fault), its pushes past the
  ``detect.no_receipt`` threshold: a look at the météo, then a request reporting customs
  unavailable within ``t.da_max`` (ICS2-FR-NO-ALERT), unless customs told it first.

The CID's desk (``--human customs_desk_fr:CID``; seed 000, scenario 2: the Automate de sûreté down,
``ics2_nes_fr``), each from the outage's start (from the request that reveals it, when monitoring
could not see it) or its end:

- the alert opened on the météo, the outage notice to every EDI provider, and the Commission told
  (for the other Member States), each within ``t.alert_max``;
- the end of the alert, and the recovery notice to every provider, within ``t.end_alert_max``.

A step is **done** when its record came in time, **late** when it came after, **missed** when none
came and the deadline passed before the end of the run, **not due** when the run ended first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from secours.clock import format_sim
from secours.drills.journal import Entry
from secours.drills.oracle import Context, JournalIndex
from secours.drills.oracle.common import seconds, typed
from secours.drills.oracle.ics2_fr_no_alert import detections, suppressed, told_of_outage, unannounced_fault
from secours.drills.reportdata import CheckOutcome

__all__ = ["Step", "check_row", "steps_of"]

StepStatus = Literal["done", "late", "missed", "not due"]
Checks = Callable[..., tuple[CheckOutcome, ...]]


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
            "checks": [check_row(c) for c in self.checks],
        }  # fmt: skip


def check_row(c: CheckOutcome) -> dict[str, Any]:
    return {
        "id": c.id, "title": c.title, "status": c.status, "message": c.message,
        "evidence": [{"ce_id": e.ce_id, "topic": e.topic, "time": format_sim(e.time) if e.time else "",
                      "note": e.note} for e in c.evidence[:5]],
    }  # fmt: skip


def steps_of(actor: str, ix: JournalIndex, ctx: Context, checks: list[CheckOutcome]) -> list[Step]:
    """The steps ``actor``'s desk had to carry out, in the order they were called for."""
    by_id = {c.id: c for c in checks}

    def judged(*ids: str) -> tuple[CheckOutcome, ...]:
        return tuple(by_id[i] for i in ids if i in by_id and by_id[i].status != "not_exercised")

    if actor.startswith("customs_desk_fr:"):
        return _cid_steps(ix, ctx, judged)
    return _provider_steps(actor, ix, ctx, judged)


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


def _customs_unavailable(actor: str, ix: JournalIndex, ctx: Context, das: list[Entry], checks: Checks) -> list[Step]:
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


def _provider_steps(actor: str, ix: JournalIndex, ctx: Context, checks: Checks) -> list[Step]:
    pid = actor.split(":", 1)[1]
    das = sorted((e for e in typed(ix, "olga.da") if e.data["filer"] == pid), key=lambda e: e.time or ctx.end)
    contacts = [e for e in typed(ix, "sau.contact") if e.data["by"] == actor
                and e.data["purpose"] in ("report", "close_request")]  # fmt: skip

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


def _cid_steps(ix: JournalIndex, ctx: Context, checks: Checks) -> list[Step]:
    """The Automate de sûreté down (ICS2-FR-S2-AS-DOWN): what the CID publishes, and when."""
    outages = sorted((w for w in ix.faults.values() if w.component == "ics2_nes_fr" and w.start is not None),
                     key=lambda w: w.start or ctx.end)  # fmt: skip
    if not outages:
        return []
    f = outages[0]  # the oracle's checks judge the first; so do the steps
    assert f.start is not None
    mine = [e for e in ix.entries if e.source == "customs_desk_fr" and e.time is not None]
    called, why = f.start, f"{f.fault_id} from {format_sim(f.start)[11:16]}"
    if suppressed(f):  # monitoring could not see it: from the first request that reported it
        report = next((e for e in sorted(typed(ix, "olga.da"), key=lambda e: e.time or ctx.end)
                       if e.data["kind"] == "customs_unavailable" and e.time and e.time >= f.start), None)  # fmt: skip
        if report is None or report.time is None:
            return []
        called, why = report.time, f"{report.data['da_id']} reporting it at {format_sim(report.time)[11:16]}"
    alert_max, end_max = seconds(ctx, "t_alert_max"), seconds(ctx, "t_end_alert_max")

    def alert(phase: str, since: datetime) -> Entry | None:
        return next((e for e in mine if e.ce_type == "meteo.alert" and e.data["phase"] == phase
                     and e.data["component"] == "ics2_nes_fr" and e.time and e.time >= since), None)  # fmt: skip

    def everyone(kind: str, since: datetime) -> Entry | None:
        """The notice that completed the round of every provider (None: one never got it)."""
        last: Entry | None = None
        for p in ctx.world.providers:
            got = next((e for e in mine if e.ce_type == "customs.notice" and e.data["to"] == p.id
                        and e.data["kind"] == kind and e.time and e.time >= since), None)  # fmt: skip
            if got is None:
                return None
            last = got if last is None or (got.time and last.time and got.time > last.time) else last
        return last

    opened = alert("open", called)
    commission = next((e for e in mine if e.ce_type == "customs.notice" and e.data["to"] == "EU_COMMISSION"
                       and e.data["kind"] == "outage" and e.time and e.time >= called), None)  # fmt: skip
    told = everyone("outage", called)
    steps = [
        _step("météo alert opened on the Automate de sûreté", why, called, alert_max, opened, ctx.end, checks("G4"),
              opened.data["alert_id"] if opened else ""),
        _step("outage notice to every EDI provider", why, called, alert_max, told, ctx.end,
              checks("ICS2-FR-S2-AS-DOWN#1"), told.data["alert_id"] if told else ""),
        _step("the Commission told, for the other Member States", why, called, alert_max, commission, ctx.end,
              checks("ICS2-FR-S2-AS-DOWN#2"), commission.data["notice_id"] if commission else ""),
    ]  # fmt: skip
    if f.end is not None:
        back = f"back at {format_sim(f.end)[11:16]}"
        ended, recovered = alert("end", f.end), everyone("recovery", f.end)
        steps += [
            _step("end of the alert on the météo", back, f.end, end_max, ended, ctx.end, checks("G4"),
                  ended.data["alert_id"] if ended else ""),
            _step("recovery notice to every EDI provider", back, f.end, end_max, recovered, ctx.end,
                  checks("ICS2-FR-S2-AS-DOWN#8"), recovered.data["alert_id"] if recovered else ""),
        ]  # fmt: skip
    return steps
