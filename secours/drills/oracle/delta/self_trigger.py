"""DELTA-SELF-TRIGGER #1-#15: a declarant whose own chain fails with no matching alert looks at the
météo, asks its provider, looks its declarations up in Aubette and asks its office, then files one
OLGA DA per service and tells its office before falling back (PROCEDURES.md §7).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from itertools import takewhile

from secours.clock import format_sim, parse_sim
from secours.drills.journal import Entry
from secours.drills.oracle.common import entry_time as _at
from secours.drills.oracle.common import first, first_fault, seconds, typed, verdict
from secours.drills.oracle.common import record_time as _when
from secours.drills.oracle.delta.common import (
    NON_TECHNICAL,
    _alerts,
    _cited,
    _covering,
    _each,
    _history,
    _open_hours,
    _regularised,
    _self_das,
    _shown_bae,
    _state,
    _states_until,
    _target,
    _unasked,
    _unlooked,
)
from secours.drills.oracle.index import JournalIndex
from secours.drills.oracle.registry import Context, Finding, check, evidence, outcome
from secours.world import DELTA_SERVICES, DeltaDeclarant

__all__: list[str] = []

SELF = "DELTA-SELF-TRIGGER"
SELF_WORDS = "auto-déclenchement de la procédure de secours"  # the words the sheet requires in the DA
_EORI = re.compile(r"^[A-Z]{2}[0-9A-Z]{1,15}$")  # an..17: country code, then up to 15 characters


def _is_datetime(value: object) -> bool:
    if isinstance(value, datetime):
        return True
    try:
        parse_sim(str(value))
    except ValueError:
        return False
    return True


def _blocked(ctx: Context, history: dict[str, list[Entry]], decl_no: str, t: datetime) -> bool:
    """BLOCKED_TECHNICAL (DOMAIN §8): validated, and nothing else since, for at least delta_block_after."""
    still = list(takewhile(lambda e: e.data["state"] == "VALIDATED", reversed(_states_until(history, decl_no, t))))
    return bool(still) and t - _at(still[-1]) >= timedelta(seconds=ctx.world.config.params.delta_block_after_s)


def _by_da(ix: JournalIndex, ce_type: str, **fields: str) -> dict[str, Entry]:
    """The first record of a type per DA id (acks, closures, office information)."""
    out: dict[str, Entry] = {}
    for e in sorted(typed(ix, ce_type), key=_at):
        if all(e.data[k] == v for k, v in fields.items()):
            out.setdefault(e.data["da_id"], e)
    return out


def _declarants(ctx: Context) -> dict[str, DeltaDeclarant]:
    return {d.eori: d for d in ctx.world.delta_declarants}


def _not_exercised() -> Finding:
    return outcome("not_exercised", "no declarant filed a self-trigger DA in this drill")


def _mode(ctx: Context, da: Entry) -> str:
    """The declarant's transmission mode (the world knows it; the DA says it otherwise)."""
    who = _declarants(ctx).get(da.data["filer"])
    return who.mode if who is not None else str(da.data["mode"])


def _told_not_origin(ix: JournalIndex, ctx: Context, da: Entry) -> str | None:
    """An EDI declarant asked its provider before its DA and heard back that the provider's platform is
    not the origin (else DELTA-EDI-PROVIDER-DOWN applies)."""
    who, t = da.data["filer"], _at(da)
    known = _declarants(ctx).get(who)
    asked = {e.data["contact_id"] for e in typed(ix, "provider.contacted") if e.data["trader"] == who
             and _at(e) <= t and (known is None or e.data["provider"] == known.provider)}  # fmt: skip
    if not asked:
        return f"{who}: DA {da.data['da_id']} with no question to its provider before it"
    said = [e.data["origin_provider"] for e in typed(ix, "provider.answer") if e.data["contact_id"] in asked
            and _at(e) <= t]  # fmt: skip
    if False not in said:
        return f"{who}: its provider had not said its platform is not the origin when it filed {da.data['da_id']}"
    return None


@check(f"{SELF}#1", SELF, "Before the DA the declarant consulted the météo, and no open alert matched its "
       "(service, mode)")  # fmt: skip
def self_1(ix: JournalIndex, ctx: Context) -> Finding:
    das = _self_das(ix)
    if not das:
        return _not_exercised()
    alerts, consulted = _alerts(ix), typed(ix, "meteo.consulted")

    def judge(da: Entry) -> str | None:
        who, service, mode = da.data["filer"], da.data["service"], da.data["mode"]
        if not any(c.data["by"] == who and _at(c) <= _at(da) for c in consulted):
            return f"{who}: DA {da.data['da_id']} with no météo consultation before it"
        a = _covering(alerts, service, mode, _at(da))
        return None if a is None else f"{who}: {a.alert_id} covered {service}/{mode} when it filed"

    return _each(das, judge, "all {n} self-trigger DAs follow a météo consultation with no matching "
                 "alert", "{n} DAs without a consultation or despite a matching alert")  # fmt: skip


@check(f"{SELF}#2", SELF, "EDI declarant: asked its provider before the DA, told the provider is not the origin")
def self_2(ix: JournalIndex, ctx: Context) -> Finding:
    das = [da for da in _self_das(ix) if _mode(ctx, da) == "EDI"]
    if not das:
        return outcome("not_exercised", "no EDI declarant filed a self-trigger DA")
    return _each(das, lambda da: _told_not_origin(ix, ctx, da), "all {n} EDI declarants ruled their "
                 "provider out first", "{n} EDI DAs filed without ruling the provider out")  # fmt: skip


@check(f"{SELF}#3", SELF, "Case (b): each cited declaration looked up in Aubette before the DA, none shown BAE")
def self_3(ix: JournalIndex, ctx: Context) -> Finding:
    das = [da for da in _self_das(ix) if _cited(da)[0]]
    if not das:
        return outcome("not_exercised", "no self-trigger DA cites a validated declaration (case b)")

    def judge(da: Entry) -> str | None:
        who = da.data["filer"]
        unlooked = _unlooked(ix, da)
        released = [d for d in _cited(da)[0] if _shown_bae(ix, who, d, _at(da))]
        notes = ([f"not looked up in Aubette: {', '.join(unlooked)}"] if unlooked else []) + (
            [f"shown BAE in Aubette: {', '.join(released)}"] if released else []
        )
        return f"{who}: DA {da.data['da_id']} cites " + "; ".join(notes) if notes else None

    return _each(das, judge, "all {n} case (b) DAs follow Aubette look-ups showing no BAE",
                 "{n} DAs citing declarations not looked up, or shown BAE")  # fmt: skip


@check(f"{SELF}#4", SELF, "Case (b) in office hours: the office asked about each declaration not shown BAE")
def self_4(ix: JournalIndex, ctx: Context) -> Finding:
    das = [da for da in _self_das(ix) if _cited(da)[0] and _open_hours(ctx, _at(da))]
    if not das:
        return outcome("not_exercised", "no case (b) DA filed within office hours")

    def judge(da: Entry) -> str | None:
        unasked = _unasked(ix, da)
        return f"{da.data['filer']}: office not asked about {', '.join(unasked)}" if unasked else None

    return _each(das, judge, "all {n} case (b) DAs in office hours follow a question to the office",
                 "{n} DAs filed in office hours without asking the office")  # fmt: skip


def _validated(history: dict[str, list[Entry]]) -> dict[str, datetime]:
    """When Delta first validated each declaration, by the declarant's ref."""
    out: dict[str, datetime] = {}
    for records in history.values():
        for e in records:
            if e.data["state"] == "VALIDATED":
                out.setdefault(e.data["ref"], _at(e))
    return out


def _case_a(ix: JournalIndex, ctx: Context, validated: dict[str, datetime], da: Entry) -> list[str]:
    """Cited refs of that service whose validation had not reached the declarant by the DA, though
    lodged long enough before it to have been (case a: the declaration cannot be validated).

    Delta's answer reaches the declarant one hop after the validation; one that comes while the
    declarant's own system is down waits until it is back: a declaration validated seconds before its
    system failed is, for the declarant, one that cannot be validated."""
    t, wait = _at(da), timedelta(seconds=ctx.world.config.params.delta_answer_timeout_s)
    ready = {d.ref: d for d in ctx.world.delta_declarations}
    own = first_fault(ix, lambda w: w.kind == "down" and _target(w) == f"declarant:{da.data['filer_eori']}")

    def known(ref: str) -> datetime | None:
        at = validated.get(ref)
        if at is None or own is None or own.start is None:
            return at
        back = own.end or ctx.end
        return back if own.start <= at + ctx.hop < back else at

    return [r for r in _cited(da)[1] if ((k := known(r)) is None or k > t) and r in ready
            and ready[r].service == da.data["service"] and ready[r].ready <= t - wait]  # fmt: skip


def _case_b(ctx: Context, history: dict[str, list[Entry]], da: Entry) -> bool:
    """A cited declaration blocked technically, none released nor held by the office (case b)."""
    nos, t = _cited(da)[0], _at(da)
    states = [_state(history, d, t) for d in nos]
    return any(_blocked(ctx, history, d, t) for d in nos) and not any(s == "BAE" or s in NON_TECHNICAL for s in states)


@check(f"{SELF}#5", SELF, "Ground truth at DA time: case (a) validation failing, or case (b) a cited declaration "
       "BLOCKED_TECHNICAL and none released or held")  # fmt: skip
def self_5(ix: JournalIndex, ctx: Context) -> Finding:
    das = _self_das(ix)
    if not das:
        return _not_exercised()
    history = _history(ix)
    validated = _validated(history)

    def judge(da: Entry) -> str | None:
        if _case_a(ix, ctx, validated, da) or _case_b(ctx, history, da):
            return None
        states = {d: _state(history, d, _at(da)) for d in _cited(da)[0]}
        return (
            f"DA {da.data['da_id']}: neither case (a) nor (b); cited {list(da.data['declarations'])}, states {states}"
        )

    return _each(das, judge, "all {n} self-trigger DAs match case (a) or (b) at filing",
                 "{n} self-trigger DAs with no technical block behind them")  # fmt: skip


def _content_gaps(da: Entry) -> list[str]:
    """What a self-trigger DA lacks of the sheet's required content."""
    d = da.data
    gaps = [] if SELF_WORDS.casefold() in str(d["text"]).casefold() else [f"text without « {SELF_WORDS} »"]
    gaps += [] if _EORI.match(str(d["filer_eori"])) else [f"eori {d['filer_eori']!r}"]
    gaps += [name for name in ("company", "address", "phone", "reasons") if not str(d.get(name, "")).strip()]
    gaps += [] if d["service"] in DELTA_SERVICES else [f"service {d['service']!r}"]
    return gaps + ([] if _is_datetime(d.get("since")) else ["alert_at"])


@check(f"{SELF}#6", SELF, "The DA says « auto-déclenchement de la procédure de secours » and gives eori, company, "
       "address, phone, service, alert_at and reasons")  # fmt: skip
def self_6(ix: JournalIndex, ctx: Context) -> Finding:
    das = _self_das(ix)
    if not das:
        return _not_exercised()

    def judge(da: Entry) -> str | None:
        gaps = _content_gaps(da)
        return f"DA {da.data['da_id']}: {', '.join(gaps)}" if gaps else None

    return _each(das, judge, "all {n} self-trigger DAs carry the required content",
                 "{n} self-trigger DAs lacking required content")  # fmt: skip


def _on_self_das(ix: JournalIndex) -> list[tuple[Entry, Entry]]:
    """(fallback declaration, the self-trigger DA it relies on)."""
    das = {da.data["da_id"]: da for da in _self_das(ix)}
    return [(e, das[e.data["covering"]]) for e in typed(ix, "fallback.used") if e.data["covering"] in das]


@check(f"{SELF}#7", SELF, "One DA per online service: each service fallen back on has exactly one DA, naming "
       "one service")  # fmt: skip
def self_7(ix: JournalIndex, ctx: Context) -> Finding:
    das = _self_das(ix)
    if not das:
        return _not_exercised()
    found = [evidence(da, f"DA {da.data['da_id']} names {da.data['service']!r}, not one online service")
             for da in das if da.data["service"] not in DELTA_SERVICES]  # fmt: skip
    used = _on_self_das(ix)
    found += [evidence(e, f"{e.data['fallback_id']} on {e.data['service']} relies on DA {da.data['da_id']} "
                          f"for {da.data['service']}")
              for e, da in used if e.data["service"] != da.data["service"]]  # fmt: skip
    firsts = {(e.data["by"], e.data["service"]): e for e, _ in sorted(used, key=lambda p: _at(p[0]), reverse=True)}
    for (who, service), e in sorted(firsts.items()):
        n = sum(da.data["filer"] == who and da.data["service"] == service for da in das)
        if n != 1:
            found.append(evidence(e, f"{who}: {n} self-trigger DAs for {service}, on which it fell back"))
    return verdict(found, f"one DA per service fallen back on ({len(das)} DAs)",
                   "{n} services without exactly one DA, or DAs not naming one service")  # fmt: skip


@check(f"{SELF}#8", SELF, "No second DA for the same (declarant, service) while the first is open")
def self_8(ix: JournalIndex, ctx: Context) -> Finding:
    das = _self_das(ix)
    if not das:
        return _not_exercised()
    closes = _by_da(ix, "olga.closed")

    def judge(da: Entry) -> str | None:
        key = (da.data["filer"], da.data["service"])
        earlier = [p for p in das if (p.data["filer"], p.data["service"]) == key and _at(p) < _at(da)]
        still = [p.data["da_id"] for p in earlier
                 if (c := closes.get(p.data["da_id"])) is None or _at(da) < _at(c)]  # fmt: skip
        return f"{key[0]}: DA {da.data['da_id']} on {key[1]} while {', '.join(still)} still open" if still else None

    return _each(das, judge, "no second DA while one is open ({n} DAs)",
                 "{n} DAs filed while another for the same service was open")  # fmt: skip


def _started(ix: JournalIndex, da_id: str) -> Entry | None:
    """The declarant's first ``office.informed{start}`` about a DA."""
    return first(e for e in typed(ix, "office.informed") if e.data["kind"] == "start" and e.data["da_id"] == da_id)


@check(f"{SELF}#9", SELF, "The office is informed of the start with the DA's acknowledgement, after OLGA's ack")
def self_9(ix: JournalIndex, ctx: Context) -> Finding:
    das = _self_das(ix)
    if not das:
        return _not_exercised()
    acks = _by_da(ix, "olga.ack")

    def judge(da: Entry) -> str | None:
        da_id, ack, told = da.data["da_id"], acks.get(da.data["da_id"]), _started(ix, da.data["da_id"])
        if ack is None or told is None:
            return f"DA {da_id}: {'never acknowledged' if ack is None else 'office never informed of the start'}"
        if told.data["attached_ack"] != da_id:
            return f"DA {da_id}: the office got the ack of {told.data['attached_ack'] or 'no DA'}"
        registered = _when(ack, "registered_at")
        return (
            f"DA {da_id}: office informed before the ack ({format_sim(registered)})" if _at(told) < registered else None
        )

    return _each(das, judge, "the office got each of the {n} DAs' acks after registration",
                 "{n} DAs whose ack did not reach the office")  # fmt: skip


@check(f"{SELF}#10", SELF, "No fallback declaration before the DA is registered and the office informed")
def self_10(ix: JournalIndex, ctx: Context) -> Finding:
    used = _on_self_das(ix)
    if not used:
        return outcome("not_exercised", "no declaration handled under a self-trigger DA")
    acks = _by_da(ix, "olga.ack")

    def judge(e: Entry) -> str | None:
        da_id = e.data["covering"]
        ack, told = acks.get(da_id), _started(ix, da_id)
        if ack is None or told is None:
            return f"{e.data['fallback_id']}: DA {da_id} {'not registered' if ack is None else 'office not informed'}"
        gate = max(_when(ack, "registered_at"), _at(told))
        return f"{e.data['fallback_id']}: at {format_sim(_at(e))}, before {format_sim(gate)}" if _at(e) < gate else None

    return _each([e for e, _ in used], judge, "all {n} fallback declarations after registration and "
                 "the office's information", "{n} fallback declarations too early")  # fmt: skip


@check(f"{SELF}#11", SELF, "The office records the DA's registration time as the start of the fallback")
def self_11(ix: JournalIndex, ctx: Context) -> Finding:
    das = _self_das(ix)
    if not das:
        return _not_exercised()
    acks, records = _by_da(ix, "olga.ack"), _by_da(ix, "office.fallback_record")

    def judge(da: Entry) -> str | None:
        da_id = da.data["da_id"]
        ack, rec = acks.get(da_id), records.get(da_id)
        if ack is None or rec is None:
            return f"DA {da_id}: {'never acknowledged' if ack is None else 'no fallback start recorded by the office'}"
        start, registered = _when(rec, "start"), _when(ack, "registered_at")
        return (
            None
            if start == registered
            else f"DA {da_id}: recorded {format_sim(start)}, registered " + format_sim(registered)
        )

    return _each(das, judge, "the office recorded each of the {n} DAs' registration as the start",
                 "{n} fallback starts not recorded as the DA's registration")  # fmt: skip


@check(f"{SELF}#12", SELF, "DA registered out of office hours: a phone call to the SAU within t.sau_call_max")
def self_12(ix: JournalIndex, ctx: Context) -> Finding:
    acks = _by_da(ix, "olga.ack")

    def registered(da: Entry) -> datetime:
        ack = acks.get(da.data["da_id"])
        return _when(ack, "registered_at") if ack is not None else _at(da)

    das = [da for da in _self_das(ix) if not _open_hours(ctx, registered(da))]
    if not das:
        return outcome("not_exercised", "no self-trigger DA registered out of office hours")
    wait = seconds(ctx, "t_sau_call_max")
    calls = [
        e for e in typed(ix, "sau.contact") if e.data["channel"] == "phone" and e.data["purpose"] == "on_call_check"
    ]

    def judge(da: Entry) -> str | None:
        at = registered(da)
        if any(c.data["da_id"] == da.data["da_id"] and at <= _at(c) <= at + wait for c in calls):
            return None
        return f"DA {da.data['da_id']} registered {format_sim(at)}: no call to the SAU by {format_sim(at + wait)}"

    return _each(das, judge, "the SAU was called in time for all {n} out-of-hours DAs",
                 "{n} out-of-hours DAs without a timely call to the SAU")  # fmt: skip


def _back(ix: JournalIndex, eori: str) -> datetime | None:
    """When the declarant's system was back: the end of its own fault, else of the drill's first outage."""
    own = first_fault(ix, lambda w: w.kind == "down" and _target(w) == f"declarant:{eori}")
    f = own or first_fault(ix, lambda w: w.kind == "down")
    return f.end if f is not None else None


def _close_gaps(ix: JournalIndex, ctx: Context, da: Entry, back: datetime, closes: dict[str, Entry]) -> list[str]:
    """What is missing or late of the close request, the end information and the closure."""
    da_id, limit = da.data["da_id"], back + seconds(ctx, "t_close_max")
    asked = first(
        e for e in typed(ix, "sau.contact") if e.data["purpose"] == "close_request" and e.data["da_id"] == da_id
    )
    told = first(e for e in typed(ix, "office.informed") if e.data["kind"] == "end" and e.data["da_id"] == da_id)
    closed = closes.get(da_id)
    gaps = [f"{what} {'never' if e is None else 'at ' + format_sim(_at(e))}"
            for what, e in (("close request", asked), ("office told of the end", told))
            if e is None or not back <= _at(e) <= limit]  # fmt: skip
    if closed is None:
        gaps.append("never closed")
    elif asked is not None and _at(closed) < _at(asked):
        gaps.append("closed before the close request")
    return gaps


@check(f"{SELF}#13", SELF, "System back: close request to the SAU and office told of the end within t.close_max, "
       "then the DA is closed")  # fmt: skip
def self_13(ix: JournalIndex, ctx: Context) -> Finding:
    das = [(da, back) for da in _self_das(ix) if (back := _back(ix, da.data["filer"])) is not None]
    if not das:
        return outcome("not_exercised", "no self-trigger DA whose declarant's system came back")
    backs, closes = {da.data["da_id"]: back for da, back in das}, _by_da(ix, "olga.closed")

    def judge(da: Entry) -> str | None:
        back = backs[da.data["da_id"]]
        gaps = _close_gaps(ix, ctx, da, back, closes)
        return f"DA {da.data['da_id']} (system back {format_sim(back)}): {', '.join(gaps)}" if gaps else None

    return _each([da for da, _ in das], judge, "all {n} DAs closed on request, the office told, in time",
                 "{n} DAs not closed properly after the system came back")  # fmt: skip


@check(f"{SELF}#14", SELF, "No fallback declaration after the DA is closed")
def self_14(ix: JournalIndex, ctx: Context) -> Finding:
    used = _on_self_das(ix)
    if not used:
        return outcome("not_exercised", "no declaration handled under a self-trigger DA")
    closes = _by_da(ix, "olga.closed")

    def judge(e: Entry) -> str | None:
        closed = closes.get(e.data["covering"])
        if closed is None or _at(e) <= _at(closed):
            return None
        return f"{e.data['fallback_id']}: at {format_sim(_at(e))}, DA {e.data['covering']} closed " + format_sim(
            _at(closed)
        )

    return _each([e for e, _ in used], judge, "all {n} fallback declarations before the DA's closure",
                 "{n} fallback declarations after their DA was closed")  # fmt: skip


@check(f"{SELF}#15", SELF, "Every declaration handled under the fallback is regularised within t.regularise_max "
       "of the DA's closure")  # fmt: skip
def self_15(ix: JournalIndex, ctx: Context) -> Finding:
    used = _on_self_das(ix)
    if not used:
        return outcome("not_exercised", "no declaration handled under a self-trigger DA")
    closes, regs, wait = _by_da(ix, "olga.closed"), _regularised(ix), seconds(ctx, "t_regularise_max")

    def judge(e: Entry) -> str | None:
        closed, reg = closes.get(e.data["covering"]), regs.get(e.data["fallback_id"])
        if closed is None:
            return f"{e.data['fallback_id']}: DA {e.data['covering']} never closed"
        limit = _at(closed) + wait
        if reg is not None and reg <= limit:
            return None
        return f"{e.data['fallback_id']}: regularised {format_sim(reg) if reg else 'never'} (limit {format_sim(limit)})"

    return _each([e for e, _ in used], judge, "all {n} fallback declarations regularised in time",
                 "{n} fallback declarations not regularised in time")  # fmt: skip
