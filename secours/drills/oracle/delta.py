"""DELTA-*: the Delta G/X/H7 alert sheet and the self-triggered fallback (PROCEDURES.md §7, seed 002).

Four scenarios. The CID publishes an alert naming services and modes, and the declarants it covers fall
back on its strength (ALERT-PUBLISHED). A declarant whose own chain fails with no matching alert looks at
the météo, asks its provider, looks its declarations up in Aubette and asks its office, then files one
OLGA DA per service and tells its office before falling back (SELF-TRIGGER). A connection provider's
platform is the origin: it reports, the CID alerts and the provider relays to its clients
(EDI-PROVIDER-DOWN). Declarations the office holds are no technical block and justify no fallback
(NOT-TECHNICAL).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise, takewhile

from secours.clock import format_sim, parse_sim
from secours.drills.journal import Entry
from secours.drills.oracle.common import at_fault, down_fault, first, first_fault, seconds, typed, verdict
from secours.drills.oracle.common import entry_time as _at
from secours.drills.oracle.common import record_time as _when
from secours.drills.oracle.index import FaultWindow, JournalIndex
from secours.drills.oracle.registry import Context, Finding, check, evidence, outcome
from secours.drills.reportdata import Evidence
from secours.world import DELTA_SERVICES, DeltaDeclarant, office_open

__all__: list[str] = []

ALERT, SELF = "DELTA-ALERT-PUBLISHED", "DELTA-SELF-TRIGGER"
EDI, HELD = "DELTA-EDI-PROVIDER-DOWN", "DELTA-NOT-TECHNICAL"
NON_TECHNICAL = frozenset({"SOUS_CONTROLE", "CREDIT_EN_ATTENTE", "PAIEMENT_COMPTANT"})  # only the office says so
SELF_WORDS = "auto-déclenchement de la procédure de secours"  # the words the sheet requires in the DA
_EORI = re.compile(r"^[A-Z]{2}[0-9A-Z]{1,15}$")  # an..17: country code, then up to 15 characters
_SERVICE_DOWN = re.compile(r"^delta:DELTA_\w+/(EDI|DTI)$")  # one service, one mode (not the release engine)


def _is_datetime(value: object) -> bool:
    if isinstance(value, datetime):
        return True
    try:
        parse_sim(str(value))
    except ValueError:
        return False
    return True


def _target(w: FaultWindow) -> str:
    """The actor (or component) a fault hits: its scope's label, before any filter (``eori ...``)."""
    return w.component.split(" ", 1)[0]


def _open_hours(ctx: Context, t: datetime) -> bool:
    return office_open(t, ctx.world.config.params.office_hours)


def _each(
    items: list[Entry], judge: Callable[[Entry], str | None], ok: str, bad: str, *, warn: bool = False
) -> Finding:
    """Judge every item: ``judge`` returns what is wrong with one (a finding on it), or None."""
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


def _on_alert(ix: JournalIndex) -> list[Entry]:
    """Fallback declarations relying on an alert (``covering`` an alert id, not a DA)."""
    return [e for e in typed(ix, "fallback.used") if e.data["covering"].startswith("ALR-")]


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


def _blocked(ctx: Context, history: dict[str, list[Entry]], decl_no: str, t: datetime) -> bool:
    """BLOCKED_TECHNICAL (DOMAIN §8): validated, and nothing else since, for at least delta_block_after."""
    still = list(takewhile(lambda e: e.data["state"] == "VALIDATED", reversed(_states_until(history, decl_no, t))))
    return bool(still) and t - _at(still[-1]) >= timedelta(seconds=ctx.world.config.params.delta_block_after_s)


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


# --- DELTA-ALERT-PUBLISHED --------------------------------------------------------------------------


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

    return _each(_self_das(ix), judge, "no declarant self-triggered under a matching alert",
                 "{n} self-trigger DAs filed while a matching alert was open", warn=True)  # fmt: skip


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
        if ended is None or _at(e) < ended:
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


# --- DELTA-SELF-TRIGGER -----------------------------------------------------------------------------


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


def _case_a(ctx: Context, validated: dict[str, datetime], da: Entry) -> list[str]:
    """Cited refs of that service that Delta had not validated by the DA, though lodged long enough
    before it to have been (case a: the declaration cannot be validated)."""
    t, wait = _at(da), timedelta(seconds=ctx.world.config.params.delta_answer_timeout_s)
    ready = {d.ref: d for d in ctx.world.delta_declarations}
    return [r for r in _cited(da)[1] if (r not in validated or validated[r] > t) and r in ready
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
        if _case_a(ctx, validated, da) or _case_b(ctx, history, da):
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


# --- DELTA-EDI-PROVIDER-DOWN ------------------------------------------------------------------------


@dataclass(frozen=True)
class _ProviderCase:
    """A connection provider's platform down, and the Delta declarants who lodge through it."""

    fault: FaultWindow
    start: datetime
    provider: str
    clients: tuple[DeltaDeclarant, ...]

    @property
    def eoris(self) -> set[str]:
        return {c.eori for c in self.clients}

    @property
    def services(self) -> list[str]:
        return sorted({s for c in self.clients for s in c.services})


def _provider_case(ix: JournalIndex, ctx: Context) -> _ProviderCase | None:
    f = first_fault(ix, down_fault("delta_provider:"))
    if f is None or f.start is None:
        return None
    p = _target(f).split(":", 1)[1]
    return _ProviderCase(f, f.start, p, tuple(d for d in ctx.world.delta_declarants if d.provider == p))


def _report(ix: JournalIndex, case: _ProviderCase) -> Entry | None:
    """The provider's first report to the CID since the outage began: an OLGA DA, or a call or e-mail to the SAU."""
    das = [e for e in typed(ix, "olga.da") if e.data["kind"] == "provider_outage" and e.data["filer"] == case.provider]
    calls = [e for e in typed(ix, "sau.contact") if e.data["purpose"] == "report" and e.data["by"] == case.provider]
    return first(e for e in das + calls if _at(e) >= case.start)


def _reported(report: Entry, case: _ProviderCase) -> tuple[set[str], bool, set[str]]:
    """(services, EDI named, client EORIs) a report names. A DA says them in fields (services as a comma
    list); a call or an e-mail to the SAU only in its text."""
    d = report.data
    if report.ce_type == "olga.da":
        services = {s.strip() for s in str(d["service"]).split(",") if s.strip()}
        return services, d["mode"] == "EDI", {c["eori"] for c in d["clients"]}
    text = str(d.get("text", ""))
    return {s for s in DELTA_SERVICES if s in text}, "EDI" in text, {e for e in case.eoris if e in text}


def _report_services(ix: JournalIndex, case: _ProviderCase) -> set[str]:
    """The services the report names (the clients' own when there is no report, or it names none)."""
    report = _report(ix, case)
    named = _reported(report, case)[0] if report is not None else set()
    return named or set(case.services)


def _provider_alert(ix: JournalIndex, case: _ProviderCase) -> _Alert | None:
    """The first Delta alert since the outage began about the provider (its component) or, in EDI mode,
    about a service of its clients."""
    return next((a for a in _alerts(ix) if _at(a.opened) >= case.start and "EDI" in a.opened.data["modes"]
                 and (a.opened.data["component"] == f"delta_provider:{case.provider}"
                      or set(case.services) & set(a.opened.data["services"]))), None)  # fmt: skip


def _relays(ix: JournalIndex, ctx: Context, case: _ProviderCase, kind: str, ref: str, since: Entry) -> list[Evidence]:
    """Clients to whom the provider did not relay ``ref`` (kind ``kind``) within t.client_notice_max."""
    start = _at(since)
    limit = start + seconds(ctx, "t_client_notice_max")
    sent = {e.data["to"] for e in typed(ix, "client.notice") if e.data["provider"] == case.provider
            and e.data["kind"] == kind and e.data["ref"] == ref and start <= _at(e) <= limit}  # fmt: skip
    return [evidence(since, f"{c.eori}: no {kind} of {ref} by {format_sim(limit)}")
            for c in case.clients if c.eori not in sent]  # fmt: skip


def _no_case() -> Finding:
    return outcome("not_exercised", "no connection provider's platform down in this drill")


@check(f"{EDI}#1", EDI, "Clients who asked the provider were answered that its platform is the origin")
def edi_1(ix: JournalIndex, ctx: Context) -> Finding:
    case = _provider_case(ix, ctx)
    if case is None:
        return _no_case()
    end = case.fault.end or ctx.end
    asked = [e for e in typed(ix, "provider.contacted")
             if e.data["provider"] == case.provider and e.data["trader"] in case.eoris
             and e.data["kind"] == "question" and case.start <= _at(e) < end]  # fmt: skip
    if not asked:
        return outcome("not_exercised", "no client asked the provider during its outage")
    answers = typed(ix, "provider.answer")

    def judge(q: Entry) -> str | None:
        said = [a.data["origin_provider"] for a in answers if a.data["contact_id"] == q.data["contact_id"]]
        if True in said:
            return None
        return f"{q.data['trader']}: {'no answer' if not said else 'told the provider is not the origin'}"

    return _each(asked, judge, "all {n} questions answered: the provider is the origin",
                 "{n} questions not answered that the provider is the origin")  # fmt: skip


@check(f"{EDI}#2", EDI, "The provider reports to the CID (DA or SAU) within t.da_max of noticing")
def edi_2(ix: JournalIndex, ctx: Context) -> Finding:
    case = _provider_case(ix, ctx)
    if case is None:
        return _no_case()
    limit = case.start + seconds(ctx, "detect_self") + seconds(ctx, "t_da_max")
    report = _report(ix, case)
    if report is None or _at(report) > limit:
        when = f"only at {format_sim(_at(report))}" if report else "at no time"
        message = f"{case.provider} reported its outage to the CID {when} (limit {format_sim(limit)})"
        return outcome("fail", message, [evidence(report, "late") if report else at_fault(case.fault, message)])
    return outcome("pass", f"{case.provider} reported its outage at {format_sim(_at(report))}")


@check(f"{EDI}#3", EDI, "The report names the services, the EDI mode and all the provider's Delta clients")
def edi_3(ix: JournalIndex, ctx: Context) -> Finding:
    case = _provider_case(ix, ctx)
    if case is None:
        return _no_case()
    report = _report(ix, case)
    if report is None:
        return outcome("not_exercised", f"{case.provider} made no report (#2 reports it)")
    services, edi, named = _reported(report, case)
    gaps = [f"service {s}" for s in case.services if s not in services] + ([] if edi else ["the EDI mode"])
    gaps += [f"client {c.eori}" for c in case.clients if c.eori not in named]
    found = [evidence(report, f"the report leaves out {', '.join(gaps)}")] if gaps else []
    return verdict(found, f"the report names {len(case.services)} services, EDI and "
                   f"{len(case.clients)} clients", "the report is incomplete")  # fmt: skip


@check(f"{EDI}#4", EDI, "A CID alert covering the reported services in EDI is published within t.alert_max of "
       "the report")  # fmt: skip
def edi_4(ix: JournalIndex, ctx: Context) -> Finding:
    case = _provider_case(ix, ctx)
    report = _report(ix, case) if case is not None else None
    if case is None or report is None:
        return outcome("not_exercised", "no report of a provider's outage (#2 reports a missing one)")
    services, limit = _report_services(ix, case), _at(report) + seconds(ctx, "t_alert_max")
    # Published after the outage began: an alert before the report (the CID heard otherwise) is not late.
    alert = next((a for a in _alerts(ix) if case.start <= _at(a.opened) <= limit
                  and all(a.covers(s, "EDI") for s in services)), None)  # fmt: skip
    if alert is None:
        message = f"no alert covering {', '.join(sorted(services))} in EDI by {format_sim(limit)}"
        return outcome("fail", message, [evidence(report, message)])
    return outcome("pass", f"{alert.alert_id} opened at {format_sim(_at(alert.opened))}")


@check(f"{EDI}#5", EDI, "The provider relays the alert to each client within t.client_notice_max")
def edi_5(ix: JournalIndex, ctx: Context) -> Finding:
    case = _provider_case(ix, ctx)
    alert = _provider_alert(ix, case) if case is not None else None
    if case is None or alert is None:
        return outcome("not_exercised", "no alert about a provider's outage")
    found = _relays(ix, ctx, case, "alert_relay", alert.alert_id, alert.opened)
    return verdict(found, f"{alert.alert_id} relayed to all {len(case.clients)} clients in time",
                   "{n} clients not relayed the alert in time")  # fmt: skip


@check(f"{EDI}#6", EDI, "The provider relays each BIP to each client within t.client_notice_max")
def edi_6(ix: JournalIndex, ctx: Context) -> Finding:
    case = _provider_case(ix, ctx)
    alert = _provider_alert(ix, case) if case is not None else None
    if case is None or alert is None or not alert.bips:
        return outcome("not_exercised", "no BIP about a provider's outage")
    relays = (
        _relays(ix, ctx, case, "bip_relay", f"{alert.alert_id}#{bip.data['bip_number']}", bip) for bip in alert.bips
    )
    found = [x for per_bip in relays for x in per_bip]
    return verdict(found, f"{len(alert.bips)} BIPs relayed to all {len(case.clients)} clients in time",
                   "{n} BIP relays missing or late")  # fmt: skip


@check(f"{EDI}#7", EDI, "(warn) No client self-triggers for a reported service while waiting for the provider's "
       "report and the alert")  # fmt: skip
def edi_7(ix: JournalIndex, ctx: Context) -> Finding:
    case = _provider_case(ix, ctx)
    if case is None:
        return _no_case()
    alert, services = _provider_alert(ix, case), _report_services(ix, case)
    until = _at(alert.opened) if alert is not None else case.fault.end or ctx.end
    das = [da for da in _self_das(ix) if da.data["filer"] in case.eoris and case.start <= _at(da) < until]

    def judge(da: Entry) -> str | None:
        service = da.data["service"]
        return f"{da.data['filer']}: self-triggered on {service} before the alert" if service in services else None

    return _each(das, judge, "no client self-triggered while waiting for the alert",
                 "{n} clients self-triggered while waiting for the provider's report", warn=True)  # fmt: skip


@check(f"{EDI}#8", EDI, "The clients' fallback declarations come only after the alert is published")
def edi_8(ix: JournalIndex, ctx: Context) -> Finding:
    case = _provider_case(ix, ctx)
    if case is None:
        return _no_case()
    used = [e for e in typed(ix, "fallback.used") if e.data["by"] in case.eoris and _at(e) >= case.start]
    if not used:
        return outcome("not_exercised", "no client of the provider fell back")
    alert = _provider_alert(ix, case)

    def judge(e: Entry) -> str | None:
        if alert is not None and _at(e) >= _at(alert.opened):
            return None
        return f"{e.data['by']}: {e.data['fallback_id']} at {format_sim(_at(e))}, " + (
            f"before {alert.alert_id}" if alert is not None else "with no alert published"
        )

    return _each(used, judge, "all {n} client fallback declarations after the alert",
                 "{n} client fallback declarations before the alert")  # fmt: skip


@check(f"{EDI}#9", EDI, "The provider relays the end of alert to each client within t.client_notice_max")
def edi_9(ix: JournalIndex, ctx: Context) -> Finding:
    case = _provider_case(ix, ctx)
    alert = _provider_alert(ix, case) if case is not None else None
    if case is None or alert is None or alert.ended is None:
        return outcome("not_exercised", "no end of an alert about a provider's outage")
    found = _relays(ix, ctx, case, "end_relay", alert.alert_id, alert.ended)
    return verdict(found, f"end of {alert.alert_id} relayed to all {len(case.clients)} clients in time",
                   "{n} clients not relayed the end of alert in time")  # fmt: skip


# --- DELTA-NOT-TECHNICAL ----------------------------------------------------------------------------


def _held(ix: JournalIndex) -> tuple[dict[str, list[Entry]], set[str]]:
    """(histories, the declarations the office held at some point: under control, credit or cash payment)."""
    history = _history(ix)
    return history, {d for d, recs in history.items() if any(r.data["state"] in NON_TECHNICAL for r in recs)}


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
                 "{n} DAs citing released declarations")  # fmt: skip


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
                 "{n} DAs over declarations the office held, no technical block")  # fmt: skip


@check(f"{HELD}#3", HELD, "Every DA decision follows an Aubette look-up and, in office hours, a question to the "
       "office")  # fmt: skip
def held_3(ix: JournalIndex, ctx: Context) -> Finding:
    held = _held(ix)[1]
    das = _self_das(ix)
    if not held or not das:
        return outcome("not_exercised", "no declaration held, or no DA decision to judge")

    def judge(da: Entry) -> str | None:
        gaps = [f"not looked up in Aubette: {d}" for d in _unlooked(ix, da)]
        if _open_hours(ctx, _at(da)):
            gaps += [f"office not asked about {d}" for d in _unasked(ix, da)]
        return f"DA {da.data['da_id']}: {'; '.join(gaps)}" if gaps else None

    return _each(das, judge, "all {n} DAs follow the look-ups the sheet asks for",
                 "{n} DAs filed without the look-ups first")  # fmt: skip


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
                 "declarations", "{n} fallback declarations for held declarations")  # fmt: skip
