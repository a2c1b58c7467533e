"""LUCCS-*: Luxembourg's national import system and its fallback (PROCEDURES.md §9, seed 004).

Three faults: an operator's own B2G system down (it tells the Servicedesk eDouane and lodges on the
NTP portal), LUCCS's B2G endpoint down (the Servicedesk opens the fallback, operators use NTP), and
LUCCS down altogether (the fallback is run with the Bureau de recette Douanes: operators contact
it, follow its recommendation - paper - and register the paper declarations once LUCCS is back).
Every scenario also asks that each declaration be lodged exactly once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime

from secours.clock import format_sim
from secours.drills.journal import Entry
from secours.drills.oracle.common import at_fault, down_fault, first, first_fault, seconds, subject, typed, verdict
from secours.drills.oracle.common import entry_time as _at
from secours.drills.oracle.index import FaultWindow, JournalIndex
from secours.drills.oracle.registry import Context, Finding, check, evidence, outcome
from secours.drills.reportdata import Evidence

__all__: list[str] = []

EO, ADA, FULL = "LUCCS-B2G-EO-DOWN", "LUCCS-B2G-ADA-DOWN", "LUCCS-FULL-DOWN"
_TOPIC = {"B2G": "lu.b2g", "NTP": "lu.ntp", "PAPER": "lu.bureau"}


def _desk(ix: JournalIndex, action: str, **fields: str) -> list[Entry]:
    return [e for e in typed(ix, "lu.servicedesk")
            if e.data["action"] == action and all(e.data[k] == v for k, v in fields.items())]  # fmt: skip


def _lodgings(ix: JournalIndex, channel: str, eo: str | None = None) -> list[Entry]:
    """Declarations lodged through ``channel`` (B2G, NTP, PAPER), as the operator sent them."""
    return [
        e for e in typed(ix, "lu.declaration")
        if e.topic == _TOPIC[channel] and e.data["channel"] == channel and (eo is None or e.data["eo"] == eo)
    ]  # fmt: skip


def _registrations(ix: JournalIndex) -> dict[str, list[Entry]]:
    """LUCCS's answers (REGISTERED, DUPLICATE) by declaration, one per answer record."""
    out: dict[str, dict[str, Entry]] = defaultdict(dict)
    for e in typed(ix, "lu.decl"):
        if e.data["status"] != "PAPER_ACCEPTED":
            out[e.data["decl_id"]].setdefault(e.data["record_id"], e)
    return {d: list(v.values()) for d, v in out.items()}


def _lodged_once(ix: JournalIndex, decl_ids: set[str]) -> tuple[int, list[Evidence]]:
    """(declarations judged, findings): each registered once, none lodged again after (DUPLICATE)."""
    regs = _registrations(ix)
    found: list[Evidence] = []
    for d in sorted(decl_ids):
        answers = regs.get(d, [])
        registered = [a for a in answers if a.data["status"] == "REGISTERED"]
        again = [a for a in answers if a.data["status"] == "DUPLICATE"]
        if not answers:
            found.append(Evidence(d, "lu.decl", None, f"{d}: never registered"))
        elif len(registered) != 1 or again:
            where = ", ".join(f"{a.data['status']} via {a.data['channel']}" for a in answers)
            found.append(evidence((again or registered)[0], f"{d}: {where}"))
    return len(decl_ids), found


def _notified_all(ix: JournalIndex, ctx: Context, f: FaultWindow) -> Finding:
    """``eo_notice{restored}`` to every registered operator within t.end_alert_max of the end."""
    assert f.end is not None
    limit = f.end + seconds(ctx, "t_end_alert_max")
    told = {e.data["eo"]: _at(e) for e in _desk(ix, "eo_notice", notice="restored") if _at(e) >= f.end}
    found = [Evidence(eo.eori, "lu.servicedesk", f.end, f"{eo.eori}: told {format_sim(told[eo.eori])}"
                      if eo.eori in told else f"{eo.eori}: never told LUCCS is back")
             for eo in ctx.world.lu_operators if told.get(eo.eori, limit + limit.resolution) > limit]  # fmt: skip
    return verdict(found, f"all {len(ctx.world.lu_operators)} operators told LUCCS is back by "
                   f"{format_sim(limit)}", "{n} operators not told in time that LUCCS is back")  # fmt: skip


def _opened(ix: JournalIndex, ctx: Context, f: FaultWindow, scope: str) -> Finding:
    assert f.start is not None
    limit = f.start + seconds(ctx, "t_lu_open_max")
    opened = [e for e in _desk(ix, "fallback_open", scope=scope) if _at(e) >= f.start]
    first_open = first(opened)
    if first_open is None:
        message = f"the Servicedesk never opened the {scope} fallback"
        return outcome("fail", message, [at_fault(f, message)])
    if scope == "FULL" and first_open.data["joint_with"] != "BUREAU_RECETTE":
        return outcome("fail", "the FULL fallback was not opened with the Bureau de recette",
                       [evidence(first_open, "joint_with is empty")])  # fmt: skip
    if _at(first_open) > limit:
        return outcome("fail", f"fallback opened at {format_sim(_at(first_open))}, limit "
                       f"{format_sim(limit)}", [evidence(first_open, "late")])  # fmt: skip
    return outcome("pass", f"the Servicedesk opened the {scope} fallback at {format_sim(_at(first_open))}")


def _closed_after(ix: JournalIndex, f: FaultWindow, scope: str) -> Finding:
    assert f.end is not None
    closes = [e for e in _desk(ix, "fallback_close", scope=scope) if f.start and _at(e) >= f.start]
    close = first(closes)
    if close is None:
        message = f"the {scope} fallback was never closed"
        return outcome("fail", message, [at_fault(f, message)])
    notices = [_at(e) for e in _desk(ix, "eo_notice", notice="restored") if _at(e) >= f.end]
    if _at(close) < f.end or (notices and _at(close) < max(notices)):
        return outcome("fail", f"closed at {format_sim(_at(close))}, before the end or before the "
                       "operators were told", [evidence(close, "too early")])  # fmt: skip
    return outcome("pass", f"closed at {format_sim(_at(close))}, after the end and the notices")


# --- LUCCS-B2G-EO-DOWN ------------------------------------------------------------------------------


def _eo_fault(ix: JournalIndex) -> FaultWindow | None:
    return first_fault(ix, down_fault("lu_operator:"))


def _aware(ctx: Context, f: FaultWindow) -> datetime:
    assert f.start is not None
    return f.start + seconds(ctx, "detect_self")


def _eo_notice(ix: JournalIndex, f: FaultWindow, action: str, since: datetime, limit: datetime) -> Finding:
    """The operator's ``action`` notice to the Servicedesk, sent after ``since`` and by ``limit``."""
    eo = subject(f)
    notice = first(e for e in _desk(ix, action, eo=eo) if _at(e) >= since)
    if notice is None or _at(notice) > limit:
        when = f"only at {format_sim(_at(notice))}" if notice else "never"
        message = f"{eo}: {action} told the Servicedesk {when} (limit {format_sim(limit)})"
        return outcome("fail", message, [evidence(notice, "late") if notice else at_fault(f, message)])
    return outcome("pass", f"{eo}: {action} told the Servicedesk at {format_sim(_at(notice))}")


@check(f"{EO}#1", EO, "The operator tells the Servicedesk of its B2G outage within t.lu_notify_max of noticing")
def eo_1(ix: JournalIndex, ctx: Context) -> Finding:
    f = _eo_fault(ix)
    if f is None or f.start is None:
        return outcome("not_exercised", "no operator's B2G system down in this drill")
    limit = _aware(ctx, f) + seconds(ctx, "t_lu_notify_max")
    return _eo_notice(ix, f, "eo_outage", f.start, limit)


@check(f"{EO}#2", EO, "Every NTP lodging of that operator during the outage comes after its notice")
def eo_2(ix: JournalIndex, ctx: Context) -> Finding:
    f = _eo_fault(ix)
    if f is None or f.start is None:
        return outcome("not_exercised", "no operator's B2G system down in this drill")
    eo, end = subject(f), f.end or ctx.end
    ntp = [e for e in _lodgings(ix, "NTP", eo) if f.start <= _at(e) < end]
    if not ntp:
        return outcome("not_exercised", f"{eo} lodged nothing on NTP during the outage")
    notice = first(e for e in _desk(ix, "eo_outage", eo=eo) if _at(e) >= f.start)
    found = [evidence(e, f"{e.data['decl_id']} lodged on NTP at {format_sim(_at(e))}, "
                         f"{'before the notice' if notice else 'with no notice'}")
             for e in ntp if notice is None or _at(e) < _at(notice)]  # fmt: skip
    return verdict(found, f"all {len(ntp)} NTP lodgings came after the notice",
                   "{n} NTP lodgings before the Servicedesk was told")  # fmt: skip


@check(f"{EO}#3", EO, "The operator tells the Servicedesk its B2G is restored within t.lu_notify_max of the end")
def eo_3(ix: JournalIndex, ctx: Context) -> Finding:
    f = _eo_fault(ix)
    if f is None or f.end is None:
        return outcome("not_exercised", "no operator's B2G outage that ended in this drill")
    return _eo_notice(ix, f, "eo_restored", f.end, f.end + seconds(ctx, "t_lu_notify_max"))


@check(f"{EO}#4", EO, "Every declaration due during the outage is lodged exactly once")
def eo_4(ix: JournalIndex, ctx: Context) -> Finding:
    f = _eo_fault(ix)
    if f is None or f.start is None:
        return outcome("not_exercised", "no operator's B2G system down in this drill")
    eo, end = subject(f), f.end or ctx.end
    due = {d.decl_id for d in ctx.world.lu_declarations if d.eo == eo and f.start <= d.ready < end}
    if not due:
        return outcome("not_exercised", f"no declaration of {eo} came due during the outage")
    judged, found = _lodged_once(ix, due)
    return verdict(found, f"all {judged} declarations due during the outage registered exactly once",
                   "{n} declarations lodged twice or never")  # fmt: skip


@check(f"{EO}#5", EO, "(warn) After its restoration notice the operator lodges through B2G again")
def eo_5(ix: JournalIndex, ctx: Context) -> Finding:
    f = _eo_fault(ix)
    if f is None or f.end is None:
        return outcome("not_exercised", "no operator's B2G outage that ended in this drill")
    eo = subject(f)
    notice = first(e for e in _desk(ix, "eo_restored", eo=eo) if _at(e) >= f.end)
    since = _at(notice) if notice else f.end
    after = [e for e in _lodgings(ix, "B2G", eo) + _lodgings(ix, "NTP", eo) if _at(e) > since]
    if not after:
        return outcome("not_exercised", f"{eo} lodged nothing after its restoration")
    ntp = [evidence(e, f"{e.data['decl_id']} still on NTP") for e in after if e.data["channel"] == "NTP"]
    return verdict(ntp, f"all {len(after)} lodgings after the restoration went through B2G",
                   "{n} lodgings still on NTP after the restoration", warn=True)  # fmt: skip


# --- LUCCS-B2G-ADA-DOWN -----------------------------------------------------------------------------


def _ada_fault(ix: JournalIndex) -> FaultWindow | None:
    return first_fault(ix, lambda w: w.component == "luccs_b2g" and w.kind == "down")


@check(f"{ADA}#1", ADA, "The Servicedesk opens the fallback within t.lu_open_max of the B2G endpoint failing")
def ada_1(ix: JournalIndex, ctx: Context) -> Finding:
    f = _ada_fault(ix)
    if f is None or f.start is None:
        return outcome("not_exercised", "LUCCS's B2G endpoint is not down in this drill")
    return _opened(ix, ctx, f, "B2G_ADA")


@check(f"{ADA}#2", ADA, "NTP lodgings are accepted throughout the fault")
def ada_2(ix: JournalIndex, ctx: Context) -> Finding:
    f = _ada_fault(ix)
    if f is None or f.start is None:
        return outcome("not_exercised", "LUCCS's B2G endpoint is not down in this drill")
    end = f.end or ctx.end
    ntp = [e for e in _lodgings(ix, "NTP") if f.start <= _at(e) < end]
    if not ntp:
        return outcome("not_exercised", "nothing was lodged on NTP during the fault")
    answered = {e.data["message_id"] for e in typed(ix, "lu.decl")}
    found = [evidence(e, f"{e.data['decl_id']} lodged on NTP at {format_sim(_at(e))}: no answer")
             for e in ntp if e.data["message_id"] not in answered]  # fmt: skip
    return verdict(found, f"all {len(ntp)} NTP lodgings during the fault were answered",
                   "{n} NTP lodgings unanswered")  # fmt: skip


def _tried_during(ix: JournalIndex, f: FaultWindow, end: datetime) -> set[str]:
    assert f.start is not None
    return {e.data["decl_id"] for ch in ("B2G", "NTP") for e in _lodgings(ix, ch) if f.start <= _at(e) < end}


@check(f"{ADA}#3", ADA, "Each declaration is lodged once: on NTP during the fault or B2G after, never both")
def ada_3(ix: JournalIndex, ctx: Context) -> Finding:
    f = _ada_fault(ix)
    if f is None or f.start is None:
        return outcome("not_exercised", "LUCCS's B2G endpoint is not down in this drill")
    tried = _tried_during(ix, f, f.end or ctx.end)
    if not tried:
        return outcome("not_exercised", "nothing was lodged during the fault")
    judged, found = _lodged_once(ix, tried)
    return verdict(found, f"all {judged} declarations lodged during the fault registered exactly once",
                   "{n} declarations lodged twice or never")  # fmt: skip


@check(f"{ADA}#6", ADA, "No B2G lodging that failed during the fault is lost: each ends registered")
def ada_6(ix: JournalIndex, ctx: Context) -> Finding:
    f = _ada_fault(ix)
    if f is None or f.start is None:
        return outcome("not_exercised", "LUCCS's B2G endpoint is not down in this drill")
    end = f.end or ctx.end
    # Failed: the endpoint gave no AS4 receipt for it (it never took it), retry included.
    receipted = {e.data["ref_message_id"] for e in typed(ix, "lu.as4.receipt")}
    failed = {e.data["decl_id"] for e in _lodgings(ix, "B2G") if f.start <= _at(e) < end
              and e.data["message_id"] not in receipted}  # fmt: skip
    if not failed:
        return outcome("not_exercised", "no B2G lodging failed during the fault")
    regs = _registrations(ix)
    found = [Evidence(d, "lu.b2g", f.start, f"{d}: failed on B2G, never registered")
             for d in sorted(failed) if not any(a.data["status"] == "REGISTERED" for a in regs.get(d, []))]  # fmt: skip
    return verdict(found, f"all {len(failed)} declarations whose B2G lodging failed were registered",
                   "{n} failed B2G lodgings lost")  # fmt: skip


# --- LUCCS-FULL-DOWN --------------------------------------------------------------------------------


def _full_fault(ix: JournalIndex) -> FaultWindow | None:
    return first_fault(ix, lambda w: w.component == "luccs" and w.kind == "down")


@check(f"{FULL}#1", FULL, "The Servicedesk opens the fallback with the Bureau de recette within t.lu_open_max")
def full_1(ix: JournalIndex, ctx: Context) -> Finding:
    f = _full_fault(ix)
    if f is None or f.start is None:
        return outcome("not_exercised", "LUCCS is not down in this drill")
    return _opened(ix, ctx, f, "FULL")


def _papers(ix: JournalIndex, f: FaultWindow, end: datetime) -> list[Entry]:
    assert f.start is not None
    return [e for e in _lodgings(ix, "PAPER") if f.start <= _at(e) < end]


@check(f"{FULL}#2", FULL, "Each operator lodging during the fault contacted the Bureau before its first fallback one")
def full_2(ix: JournalIndex, ctx: Context) -> Finding:
    f = _full_fault(ix)
    if f is None or f.start is None:
        return outcome("not_exercised", "LUCCS is not down in this drill")
    papers = _papers(ix, f, f.end or ctx.end)
    if not papers:
        return outcome("not_exercised", "no fallback declaration during the fault")
    found: list[Evidence] = []
    eos = sorted({e.data["eo"] for e in papers})
    for eo in eos:
        first_paper = first(e for e in papers if e.data["eo"] == eo)
        contact = first(e for e in typed(ix, "lu.bureau") if e.data["action"] == "contact" and e.data["eo"] == eo
                        and _at(e) >= f.start)  # fmt: skip
        assert first_paper is not None
        if contact is None or _at(contact) > _at(first_paper):
            found.append(evidence(first_paper, f"{eo}: first paper declaration at {format_sim(_at(first_paper))}, "
                                               "no contact with the Bureau before"))  # fmt: skip
    return verdict(found, f"all {len(eos)} operators contacted the Bureau first",
                   "{n} operators lodged on paper without contacting the Bureau")  # fmt: skip


@check(f"{FULL}#3", FULL, "Each fallback declaration follows an earlier recommendation to its operator, by its channel")
def full_3(ix: JournalIndex, ctx: Context) -> Finding:
    f = _full_fault(ix)
    if f is None or f.start is None:
        return outcome("not_exercised", "LUCCS is not down in this drill")
    papers = _papers(ix, f, f.end or ctx.end)
    if not papers:
        return outcome("not_exercised", "no fallback declaration during the fault")
    recs = {e.data["message_id"]: e for e in typed(ix, "lu.bureau") if e.data["action"] == "recommendation"}
    found: list[Evidence] = []
    for p in papers:
        rec = recs.get(p.data["ref"])
        if rec is None or rec.data["eo"] != p.data["eo"] or _at(rec) > _at(p):
            found.append(evidence(p, f"{p.data['decl_id']}: quotes no earlier recommendation to {p.data['eo']}"))
        elif rec.data["channel"] != p.data["channel"]:
            found.append(evidence(p, f"{p.data['decl_id']}: lodged {p.data['channel']}, "
                                     f"recommended {rec.data['channel']}"))  # fmt: skip
    return verdict(found, f"all {len(papers)} fallback declarations follow a recommendation",
                   "{n} fallback declarations not following a recommendation")  # fmt: skip


@check(f"{FULL}#6", FULL, "Each fallback declaration is registered in LUCCS once, within t.regularise_max of closure")
def full_6(ix: JournalIndex, ctx: Context) -> Finding:
    f = _full_fault(ix)
    if f is None or f.start is None or f.end is None:
        return outcome("not_exercised", "no LUCCS outage that ended in this drill")
    accepted = {e.data["decl_id"]: e for e in typed(ix, "lu.decl") if e.data["status"] == "PAPER_ACCEPTED"}
    if not accepted:
        return outcome("not_exercised", "no paper declaration was taken")
    close = first(e for e in _desk(ix, "fallback_close", scope="FULL") if _at(e) >= f.end)
    limit = (_at(close) if close else f.end) + seconds(ctx, "t_regularise_max")
    regs = _registrations(ix)
    found: list[Evidence] = []
    for d, paper in sorted(accepted.items()):
        registered = [a for a in regs.get(d, []) if a.data["status"] == "REGISTERED"]
        duplicates = [a for a in regs.get(d, []) if a.data["status"] == "DUPLICATE"]
        if len(registered) != 1 or duplicates:
            found.append(evidence(paper, f"{d}: registered {len(registered)} times, {len(duplicates)} more refused"))
        elif registered[0].data["ref"] != paper.data["record_id"] or _at(registered[0]) > limit:
            reg = registered[0]
            note = f"{d}: registered at {format_sim(_at(reg))} (limit {format_sim(limit)}), ref {reg.data['ref']!r}"
            found.append(evidence(reg, note))
    return verdict(found, f"all {len(accepted)} paper declarations registered in LUCCS once, in time",
                   "{n} paper declarations not registered once in time")  # fmt: skip


def _end_checks(scenario: str, fault: Callable[[JournalIndex], FaultWindow | None], scope: str, what: str) -> None:
    """#4 and #5 of LUCCS-B2G-ADA-DOWN and LUCCS-FULL-DOWN, the same words in both: every operator
    told the system is back, then the fallback closed."""

    @check(f"{scenario}#4", scenario, f"Every registered operator is told {what} is back within t.end_alert_max")
    def told(ix: JournalIndex, ctx: Context) -> Finding:
        f = fault(ix)
        if f is None or f.end is None:
            return outcome("not_exercised", f"no outage of {what} that ended in this drill")
        return _notified_all(ix, ctx, f)

    @check(f"{scenario}#5", scenario, "The fallback is closed after the end and after the operators were told")
    def closed(ix: JournalIndex, ctx: Context) -> Finding:
        f = fault(ix)
        if f is None or f.end is None:
            return outcome("not_exercised", f"no outage of {what} that ended in this drill")
        return _closed_after(ix, f, scope)


_end_checks(ADA, _ada_fault, "B2G_ADA", "LUCCS's B2G endpoint")
_end_checks(FULL, _full_fault, "FULL", "LUCCS")
