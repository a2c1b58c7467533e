"""DELTA-ALERT-PUBLISHED #1-#9: the CID publishes an alert naming services and modes, with BIPs and an
end, and the declarants it covers fall back on its strength (PROCEDURES.md §7).
"""

from __future__ import annotations

import re
from datetime import datetime
from itertools import pairwise

from secours.clock import format_sim
from secours.drills.journal import Entry
from secours.drills.oracle.common import at_fault, first_fault, seconds, typed, verdict
from secours.drills.oracle.common import entry_time as _at
from secours.drills.oracle.delta.common import _Alert, _alerts, _covering, _each, _regularised, _self_das, _target
from secours.drills.oracle.index import FaultWindow, JournalIndex
from secours.drills.oracle.registry import Context, Finding, check, evidence, outcome
from secours.drills.reportdata import Evidence

__all__: list[str] = []

ALERT = "DELTA-ALERT-PUBLISHED"
_SERVICE_DOWN = re.compile(r"^delta:DELTA_\w+/(EDI|DTI)$")  # one service, one mode (not the release engine)


def _on_alert(ix: JournalIndex) -> list[Entry]:
    """Fallback declarations relying on an alert (``covering`` an alert id, not a DA)."""
    return [e for e in typed(ix, "fallback.used") if e.data["covering"].startswith("ALR-")]


def _outage(ix: JournalIndex) -> FaultWindow | None:
    """Delta down, whole or for one (service, mode)."""
    return first_fault(
        ix, lambda w: w.kind == "down" and (_target(w) == "delta" or bool(_SERVICE_DOWN.match(_target(w))))
    )


def _alert_gaps(a: _Alert) -> list[str]:
    """What an opening lacks: the sheet has the declarant match service, mode and symptoms against its own."""
    d = a.opened.data
    gaps = [name for name in ("services", "modes") if not d.get(name)]
    gaps += [f"mode {m!r}" for m in d.get("modes", ()) if m not in ("EDI", "DTI")]
    return gaps + ([] if str(d.get("symptoms", "")).strip() else ["symptoms"])


@check(f"{ALERT}#1", ALERT, "Every Delta alert on the météo is published by the CID")
def alert_1(ix: JournalIndex, ctx: Context) -> Finding:
    alerts = _alerts(ix)
    if not alerts:
        return outcome("not_exercised", "no Delta alert was published")
    found = [evidence(m, f"{a.alert_id} {m.data['phase']} published by {m.data['publisher']!r}")
             for a in alerts for m in a.messages() if m.data["publisher"] != "CID"]  # fmt: skip
    return verdict(found, f"all {len(alerts)} Delta alerts published by the CID",
                   "{n} alert messages not published by the CID")  # fmt: skip


@check(f"{ALERT}#2", ALERT, "The opening of the alert names the service(s), the mode(s) and the symptoms")
def alert_2(ix: JournalIndex, ctx: Context) -> Finding:
    alerts, f = _alerts(ix), _outage(ix)
    if not alerts and f is not None:
        message = "Delta is down and the CID published no alert"
        return outcome("fail", message, [at_fault(f, message)])
    if not alerts:
        return outcome("not_exercised", "no Delta alert was published")
    found = [evidence(a.opened, f"{a.alert_id} lacks {', '.join(gaps)}") for a in alerts if (gaps := _alert_gaps(a))]
    return verdict(found, f"all {len(alerts)} Delta alerts name services, modes and symptoms",
                   "{n} alerts not naming services, modes or symptoms")  # fmt: skip


@check(f"{ALERT}#3", ALERT, "BIPs while the alert is open: no gap over t.bip_max_gap between its messages")
def alert_3(ix: JournalIndex, ctx: Context) -> Finding:
    alerts = _alerts(ix)
    if not alerts:
        return outcome("not_exercised", "no Delta alert was published")
    limit = seconds(ctx, "t_bip_max_gap")
    found: list[Evidence] = []
    for a in alerts:
        messages = a.messages()
        found += [evidence(before, f"{a.alert_id}: nothing from {format_sim(_at(before))} to {format_sim(_at(after))}")
                  for before, after in pairwise(messages) if _at(after) - _at(before) > limit]  # fmt: skip
        last = messages[-1]
        # An alert still open when the journal ends: the silence since its last message counts too.
        if a.ended is None and ix.end is not None and ix.end - _at(last) > limit:
            found.append(evidence(last, f"{a.alert_id}: still open, no BIP since {format_sim(_at(last))}"))
    return verdict(found, f"BIPs of all {len(alerts)} Delta alerts within t.bip_max_gap",
                   "{n} gaps over t.bip_max_gap between an alert's messages")  # fmt: skip


def _first_per_use(used: list[Entry]) -> list[Entry]:
    """Each declarant's first fallback declaration per (service, mode)."""
    firsts: dict[tuple[str, str, str], Entry] = {}
    for e in sorted(used, key=_at):
        firsts.setdefault((e.data["by"], e.data["service"], e.data["mode"]), e)
    return list(firsts.values())


@check(f"{ALERT}#4", ALERT, "Each declarant falling back on an alert consulted the météo first, an alert covering "
       "its (service, mode) being open")  # fmt: skip
def alert_4(ix: JournalIndex, ctx: Context) -> Finding:
    used = _first_per_use(_on_alert(ix))
    if not used:
        return outcome("not_exercised", "no declarant fell back on the strength of an alert")
    alerts, consulted = _alerts(ix), typed(ix, "meteo.consulted")

    def judge(e: Entry) -> str | None:
        who, service, mode = e.data["by"], e.data["service"], e.data["mode"]
        looks = [c for c in consulted if c.data["by"] == who and _at(c) <= _at(e)]
        if not looks:
            return f"{who}: fell back on {service}/{mode} without consulting the météo"
        if not any(_covering(alerts, service, mode, _at(c)) for c in looks):
            return f"{who}: no alert covering {service}/{mode} was open when it consulted the météo"
        if _covering(alerts, service, mode, _at(e)) is None:
            return f"{who}: no alert covering {service}/{mode} was open when it fell back"
        return None

    return _each(used, judge, "{n} (declarant, service, mode) fell back after consulting a covering "
                 "alert", "{n} declarants fell back without a covering alert seen first")  # fmt: skip


def _self_triggered(das: list[Entry], who: str, service: str, t: datetime) -> bool:
    """The declarant had filed a self-trigger DA for that service by ``t``."""
    return any(d.data["filer"] == who and d.data["service"] == service and _at(d) <= t for d in das)


@check(f"{ALERT}#5", ALERT, "No declarant falls back on an alert that does not cover its service or mode")
def alert_5(ix: JournalIndex, ctx: Context) -> Finding:
    used = _on_alert(ix)
    if not used:
        return outcome("not_exercised", "no declarant fell back on the strength of an alert")
    by_id, das = {a.alert_id: a for a in _alerts(ix)}, _self_das(ix)

    def judge(e: Entry) -> str | None:
        who, service, mode, cover = e.data["by"], e.data["service"], e.data["mode"], e.data["covering"]
        a = by_id.get(cover)
        if (a is not None and a.covers(service, mode)) or _self_triggered(das, who, service, _at(e)):
            return None  # covered, or the declarant self-triggered for that service (its own DA covers it)
        names = "is no Delta alert" if a is None else f"names {'/'.join(a.opened.data['services'])}"
        return f"{who}: {e.data['fallback_id']} on {service}/{mode} relies on {cover}, which " + (
            names if a is None else f"{names} in {'/'.join(a.opened.data['modes'])}"
        )

    return _each(used, judge, "all {n} fallback declarations on an alert are covered by it",
                 "{n} fallback declarations on an alert that does not cover them")  # fmt: skip


@check(f"{ALERT}#6", ALERT, "(warn) Declarants covered by a matching open alert file no self-trigger DA")
def alert_6(ix: JournalIndex, ctx: Context) -> Finding:
    alerts = _alerts(ix)
    if not alerts:
        return outcome("not_exercised", "no Delta alert was published")

    def judge(da: Entry) -> str | None:
        service, mode = da.data["service"], da.data["mode"]
        a = _covering(alerts, service, mode, _at(da))
        return None if a is None else f"{da.data['filer']}: self-triggered on {service}/{mode} under {a.alert_id}"

    return _each(_self_das(ix), judge, "no declarant self-triggered under a matching alert ({n} DAs filed)",
                 "{n} self-trigger DAs filed while a matching alert was open", warn=True,
                 nothing="no self-trigger DA was filed: nothing to judge")  # fmt: skip


@check(f"{ALERT}#7", ALERT, "End of alert published after F.end, within t.end_alert_max, with instructions")
def alert_7(ix: JournalIndex, ctx: Context) -> Finding:
    f = _outage(ix)
    if f is None or f.start is None or f.end is None:
        return outcome("not_exercised", "no Delta outage that ended in this drill")
    start, end = f.start, f.end
    mine = [a for a in _alerts(ix) if start <= _at(a.opened) <= end]
    if not mine:
        return outcome("not_exercised", "no alert about the outage (#2 reports it)")
    limit = end + seconds(ctx, "t_end_alert_max")

    def judge(opened: Entry) -> str | None:
        a = next(x for x in mine if x.opened is opened)
        if a.ended is None:
            return f"{a.alert_id}: never ended"
        at = _at(a.ended)
        if not end <= at <= limit:
            return f"{a.alert_id}: ended at {format_sim(at)}, window {format_sim(end)} to {format_sim(limit)}"
        return None if str(a.ended.data.get("instructions", "")).strip() else f"{a.alert_id}: end without instructions"

    return _each([a.opened for a in mine], judge, "all {n} alerts ended in time, with instructions",
                 "{n} alerts not ended in time or without instructions")  # fmt: skip


@check(f"{ALERT}#8", ALERT, "No fallback declaration relies on an alert after its end")
def alert_8(ix: JournalIndex, ctx: Context) -> Finding:
    used = _on_alert(ix)
    if not used:
        return outcome("not_exercised", "no declarant fell back on the strength of an alert")
    ends = {a.alert_id: _at(a.ended) for a in _alerts(ix) if a.ended is not None}

    def judge(e: Entry) -> str | None:
        ended = ends.get(e.data["covering"])
        # The end reaches a declarant one hop after the CID publishes it: a declaration made before it
        # could read the end did not rely on an alert it knew had ended.
        if ended is None or _at(e) < ended + ctx.hop:
            return None
        return f"{e.data['by']}: {e.data['fallback_id']} relies on {e.data['covering']}, ended {format_sim(ended)}"

    return _each(used, judge, "all {n} fallback declarations on an alert came before its end",
                 "{n} fallback declarations after the end of their alert")  # fmt: skip


@check(f"{ALERT}#9", ALERT, "Every fallback declaration is regularised within t.regularise_max of the end of alert")
def alert_9(ix: JournalIndex, ctx: Context) -> Finding:
    ends = {a.alert_id: _at(a.ended) for a in _alerts(ix) if a.ended is not None}
    # An alert still open sets no deadline yet: only the fallbacks on an ended alert are judged.
    used = [e for e in _on_alert(ix) if e.data["covering"] in ends]
    if not used:
        return outcome("not_exercised", "no fallback declaration on an alert that ended")
    regs, wait = _regularised(ix), seconds(ctx, "t_regularise_max")

    def judge(e: Entry) -> str | None:
        limit, reg = ends[e.data["covering"]] + wait, regs.get(e.data["fallback_id"])
        if reg is not None and reg <= limit:
            return None
        return f"{e.data['fallback_id']}: regularised {format_sim(reg) if reg else 'never'} (limit {format_sim(limit)})"

    return _each(used, judge, "all {n} fallback declarations regularised in time",
                 "{n} fallback declarations not regularised in time")  # fmt: skip
