"""DELTA-NOT-TECHNICAL #1-#4: declarations the office holds (under control, credit or cash payment) are
no technical block and justify no fallback (PROCEDURES.md §7).
"""

from __future__ import annotations

from secours.drills.journal import Entry
from secours.drills.oracle.common import entry_time as _at
from secours.drills.oracle.common import typed
from secours.drills.oracle.delta.common import (
    NON_TECHNICAL,
    _cited,
    _each,
    _history,
    _lookups,
    _open_hours,
    _self_das,
    _state,
    _unasked,
    _unlooked,
)
from secours.drills.oracle.index import JournalIndex
from secours.drills.oracle.registry import Context, Finding, check, outcome

__all__: list[str] = []

HELD = "DELTA-NOT-TECHNICAL"


def _held(ix: JournalIndex) -> tuple[dict[str, list[Entry]], set[str]]:
    """(histories, the declarations the office held at some point: under control, credit or cash payment)."""
    history = _history(ix)
    return history, {d for d, recs in history.items() if any(r.data["state"] in NON_TECHNICAL for r in recs)}


_NO_DA = "no self-trigger DA was filed: nothing to judge"


def _none_held() -> Finding:
    return outcome("not_exercised", "the office held no declaration in this drill")


@check(f"{HELD}#1", HELD, "No self-trigger DA cites a declaration that was BAE when it was filed")
def held_1(ix: JournalIndex, ctx: Context) -> Finding:
    history, held = _held(ix)
    if not held:
        return _none_held()

    def judge(da: Entry) -> str | None:
        released = [d for d in _cited(da)[0] if _state(history, d, _at(da)) == "BAE"]
        return f"DA {da.data['da_id']} cites {', '.join(released)}, released (BAE)" if released else None

    return _each(_self_das(ix), judge, "no self-trigger DA ({n} filed) cites a released declaration",
                 "{n} DAs citing released declarations", nothing=_NO_DA)  # fmt: skip


@check(f"{HELD}#2", HELD, "No self-trigger DA when every declaration not released is held by the office")
def held_2(ix: JournalIndex, ctx: Context) -> Finding:
    history, held = _held(ix)
    if not held:
        return _none_held()

    def judge(da: Entry) -> str | None:
        nos, refs = _cited(da)
        states = {d: _state(history, d, _at(da)) for d in nos}
        pending = {d: s for d, s in states.items() if s != "BAE"}
        # A ref never validated is case (a): the office's holds say nothing about it.
        if refs or not pending or not all(s in NON_TECHNICAL for s in pending.values()):
            return None
        return f"DA {da.data['da_id']}: every declaration not released is held ({pending})"

    return _each(_self_das(ix), judge, "no self-trigger DA ({n} filed) over held declarations only",
                 "{n} DAs over declarations the office held, no technical block", nothing=_NO_DA)  # fmt: skip


@check(f"{HELD}#3", HELD, "Every DA decision follows an Aubette look-up and, in office hours, a question to the "
       "office")  # fmt: skip
def held_3(ix: JournalIndex, ctx: Context) -> Finding:
    held = _held(ix)[1]
    if not held:
        return _none_held()
    # A decision is made either way: a DA filed, or a question to the office about a held
    # declaration, whose answer (held, not a technical block) ends the search without a DA. The
    # sheet puts the Aubette look-up before both.
    decisions = [*_self_das(ix), *(q for q in typed(ix, "office.query") if q.data["decl_no"] in held)]

    def judge(e: Entry) -> str | None:
        if e.ce_type == "office.query":
            d, who = e.data["decl_no"], e.data["by"]
            if _lookups(ix, "delta.aubette", who, d, _at(e)):
                return None
            return f"{who} asked the office about {d} without looking it up in Aubette first"
        gaps = [f"not looked up in Aubette: {d}" for d in _unlooked(ix, e)]
        if _open_hours(ctx, _at(e)):
            gaps += [f"office not asked about {d}" for d in _unasked(ix, e)]
        return f"DA {e.data['da_id']}: {'; '.join(gaps)}" if gaps else None

    return _each(decisions, judge, "all {n} decisions (DAs, questions to the office) follow the look-ups the "
                 "sheet asks for", "{n} decisions without the look-ups first",
                 nothing="no declarant looked into a held declaration: no decision to judge")  # fmt: skip


@check(f"{HELD}#4", HELD, "No fallback declaration for a declaration while the office holds it")
def held_4(ix: JournalIndex, ctx: Context) -> Finding:
    history, held = _held(ix)
    if not held:
        return _none_held()
    used = typed(ix, "fallback.used")

    def judge(e: Entry) -> str | None:
        no = e.data["decl_no"]
        state = _state(history, no, _at(e)) if no in held else None
        return f"{e.data['fallback_id']}: {no} is {state}, held by the office" if state in NON_TECHNICAL else None

    return _each(used, judge, f"no fallback declaration ({len(used)}) for the {len(held)} held "
                 "declarations", "{n} fallback declarations for held declarations",
                 nothing="no fallback declaration was made: nothing to judge")  # fmt: skip
