"""Questions several scenarios' checks ask of a journal (PROCEDURES.md §0 notation)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from secours.clock import format_sim, parse_sim
from secours.drills.journal import Entry
from secours.drills.oracle.index import ENS_FILINGS, FaultWindow, JournalIndex
from secours.drills.oracle.registry import Context, Finding, evidence, outcome
from secours.drills.reportdata import Evidence, Status
from secours.world import Consignment, World

__all__ = [
    "ICS2_PATH",
    "affected",
    "alert_on_path",
    "answer_latency",
    "at_fault",
    "closed_in_time",
    "covered",
    "das_of",
    "down_fault",
    "ens_messages",
    "entry_time",
    "fault_on_path",
    "first",
    "first_fault",
    "held_pushed_in_time",
    "lodgeable_before",
    "longest_gap",
    "misnamed",
    "outage_da_in_time",
    "outage_das",
    "pending_ens",
    "pending_spans",
    "provider_case",
    "receipts_by_lrn",
    "record_time",
    "seconds",
    "subject",
    "typed",
    "verdict",
]


def entry_time(e: Entry) -> datetime:
    """The journal time of an entry the caller picked among timed ones (``typed`` keeps only those)."""
    assert e.time is not None
    return e.time


def record_time(e: Entry, name: str) -> datetime:
    """A date-time field of a record (an ISO string once journalled), or the entry's own time: the time
    the actor wrote, not the journal's, which is taken a few wall milliseconds later at publication."""
    value = e.data.get(name)
    if isinstance(value, datetime):
        return value
    return parse_sim(value) if isinstance(value, str) and value else entry_time(e)


def typed(ix: JournalIndex, ce_type: str) -> list[Entry]:
    """Entries of one CloudEvents type that carry a time (``ix.of(Model)`` gives them validated)."""
    return [e for e in ix.by_type.get(ce_type, ()) if e.time is not None]


def first(entries: Iterable[Entry]) -> Entry | None:
    timed = [e for e in entries if e.time is not None]
    return min(timed, key=lambda e: e.time.timestamp() if e.time else 0.0) if timed else None


def seconds(ctx: Context, name: str) -> timedelta:
    """A procedure parameter (§2) as a duration."""
    return timedelta(seconds=ctx.params.seconds(name))


def first_fault(ix: JournalIndex, matches: Callable[[FaultWindow], bool]) -> FaultWindow | None:
    """The earliest fault that started and that ``matches``."""
    found = [w for w in ix.faults.values() if w.start is not None and matches(w)]
    return min(found, key=lambda w: w.start.timestamp() if w.start else 0.0) if found else None


def at_fault(f: FaultWindow, note: str) -> Evidence:
    """Evidence pointing at a fault's start, for a check that fails because something never happened."""
    if f.start_entry is not None:
        return evidence(f.start_entry, note)
    return Evidence(f.fault_id, "secours.faults", f.start, note)


ICS2_PATH = ("ics2_sti", "ics2_cr", "ics2_nes_fr")  # the customs systems every smart-border ENS goes through


def _on_path(w: FaultWindow, c: Consignment) -> bool:
    """The fault hits a system on the consignment's path: customs' (STI, CR, AS), its trader's or its provider's."""
    return w.component.split(".")[0] in ICS2_PATH or w.component in (f"trader:{c.trader}", f"edi_provider:{c.provider}")


def fault_on_path(ix: JournalIndex, c: Consignment, t: datetime) -> FaultWindow | None:
    """A fault active at ``t`` on the consignment's path, if any."""
    for w in ix.faults.values():
        if w.start is not None and w.start <= t and (w.end is None or t < w.end) and _on_path(w, c):
            return w
    return None


def _open_at(opened: dict[str, datetime], ended: dict[str, datetime], t: datetime) -> list[str]:
    return [k for k, o in opened.items() if o <= t and not ((x := ended.get(k)) is not None and x <= t)]


def _path_alerts(ix: JournalIndex, world: World, c: Consignment) -> tuple[dict[str, datetime], dict[str, datetime]]:
    """The météo alerts about an ICS2 component on the consignment's path: when each opened, and
    when those that ended did."""
    path = world.ics2_path(c.trader)
    alerts = typed(ix, "meteo.alert")
    opened = {e.data["alert_id"]: e.time for e in alerts
              if e.time and e.data["phase"] == "open" and e.data["component"] in path}  # fmt: skip
    ended = {e.data["alert_id"]: e.time for e in alerts if e.time and e.data["phase"] == "end"}
    return opened, {k: t for k, t in ended.items() if k in opened}


def alert_on_path(ix: JournalIndex, world: World, c: Consignment, t: datetime) -> bool:
    """At ``t`` the météo shows an alert open about an ICS2 component on the consignment's path."""
    return bool(_open_at(*_path_alerts(ix, world, c), t))


def _held_by_ended_alert(ix: JournalIndex, world: World, c: Consignment, t: datetime) -> bool:
    """An alert on the path ended within the lodging window before ``t``, the ENS without its MRN when
    it ended. Its MRN, not its receipt: an ENS receipted in the last seconds of the outage, or queued
    by a component that took it but processed nothing, gets its MRN only after the recovery."""
    window = timedelta(seconds=world.config.params.lodging_window_s)
    ends = [end for end in _path_alerts(ix, world, c)[1].values() if end <= t <= end + window]
    if not ends:
        return False
    r01 = ix.first_r01((c.trader, c.lrn))
    got = r01.time if r01 is not None else None
    return any(got is None or got > end for end in ends)


def covered(ix: JournalIndex, world: World, c: Consignment, t: datetime) -> bool:
    """covered(c, t), PROCEDURES.md §0: at ``t`` an alert or a customs outage notice about an ICS2
    component on the consignment's path (``World.ics2_path``: TAPAS for system-to-system filers,
    UUM&DS for portal filers, and the STI, the CR and the national component for all) is open, or an
    assistance request covering the consignment (naming its filer, or filed by its provider or filer)
    is registered and open, for goods unloaded in France (scope rule SC1).

    And, once such an alert has ended, for the lodging window that follows (recovery + backlog,
    the world's ``lodging_window_s``, which the office of first entry applies too): a consignment
    whose ENS the outage held (no MRN yet when the alert ended) is still covered. A unit arriving a
    minute after the recovery cannot have its MRN yet; the procedure does not make it an offence."""
    path = world.ics2_path(c.trader)
    if alert_on_path(ix, world, c, t) or _held_by_ended_alert(ix, world, c, t):
        return True
    notices = sorted((e for e in typed(ix, "customs.notice") if e.data["to"] == c.provider and e.time and e.time <= t),
                     key=lambda e: e.time.timestamp() if e.time else 0.0)  # fmt: skip
    if notices and notices[-1].data["kind"] == "outage" and notices[-1].data["component"] in path:
        return True
    if c.country_of_unloading != "FR":
        return False  # an assistance request is the smart-border fallback: goods unloaded in France (SC1)
    registered = {e.data["da_id"]: e.time for e in typed(ix, "olga.ack") if e.time}
    closed = {e.data["da_id"]: e.time for e in typed(ix, "olga.closed") if e.time}
    for da in typed(ix, "olga.da"):
        d = da.data
        mine = (d["kind"] == "client_outage" and c.trader in {x["eori"] for x in d["clients"]}) or (
            d["kind"] in ("provider_outage", "customs_unavailable", "self_trigger")
            and d["filer"] in (c.provider, c.trader)
        )
        if mine and d["da_id"] in _open_at(registered, closed, t):
            return True
    return False


def misnamed(world: World, clients: Iterable[dict[str, str]]) -> list[str]:
    """The clients an assistance request names wrongly: a request identifies each client by its EORI
    and its name (seed 000), so that the help desk can tell who is meant when one of the two is
    mistyped. Names are compared without regard to case or spacing."""

    def norm(name: str) -> str:
        return " ".join(name.split()).casefold()

    wrong = []
    for client in clients:
        trader = world.trader_by_eori.get(client["eori"])
        if trader is not None and norm(client.get("name", "")) != norm(trader.name):
            wrong.append(f"{client['eori']} named {client.get('name', '')!r}, not {trader.name!r}")
    return wrong


def answer_latency(ctx: Context) -> timedelta:
    """How long after its receipt an ENS filing may wait for its answer: mrn_latency (the domain's
    normal time from the STI to the IE3R01), plus the run's own transit over the three hops from the
    receipt to the answer in the filer's queue (STI -> CR -> STI -> TAPAS)."""
    return seconds(ctx, "mrn_latency") + 3 * ctx.hop


def verdict(found: list[Evidence], ok: str, bad: str, *, warn: bool = False) -> Finding:
    """Pass with ``ok``, or fail (warn) with ``bad`` formatted with the number of findings ``{n}``."""
    status: Status = ("warn" if warn else "fail") if found else "pass"
    return outcome(status, bad.format(n=len(found)) if found else ok, found)


Span = tuple[datetime, datetime]
Message = tuple[datetime, datetime | None, list[datetime]]  # first push, first receipt (or None), every push


def ens_messages(ix: JournalIndex) -> dict[str, list[Message]]:
    """Each ENS filing message (IE3F10/IE3F51) by LRN, in the order first pushed: its first push, its
    first receipt (None: never receipted) and every push of it."""
    out: dict[str, list[Message]] = {}
    for msg_id, entries in ix.pushes.items():
        times = sorted(e.time for e in entries if e.ce_type in ENS_FILINGS and e.time is not None)
        if not times:
            continue
        receipts = [e.time for e in ix.receipts.get(msg_id, []) if e.time is not None]
        out.setdefault(entries[0].data["lrn"], []).append((times[0], min(receipts, default=None), times))
    return {lrn: sorted(v, key=lambda m: m[0]) for lrn, v in out.items()}


def pending_spans(messages: list[Message], begin: datetime, until: datetime) -> list[Span]:
    """When an ENS due from ``begin`` was pending up to ``until``: not yet lodged, or pushed and not yet
    receipted. Once a message is receipted the ENS is not pending, even if it is then rejected
    (IE3N99): its filer has to correct it first, and nobody retries a rejected message. The corrected
    filing, a new message, is pending from its first push to its receipt."""
    cuts = sorted({begin, until, *(t for first, got, _ in messages for t in (first, got) if t is not None)})
    cuts = [t for t in cuts if begin <= t <= until]

    def pending_at(t: datetime) -> bool:
        latest = [(first, got) for first, got, _ in messages if first <= t]
        return not latest or latest[-1][1] is None or latest[-1][1] > t

    spans: list[Span] = []
    for a, b in itertools.pairwise(cuts):
        if not pending_at(a):
            continue
        if spans and spans[-1][1] == a:
            spans[-1] = (spans[-1][0], b)
        else:
            spans.append((a, b))
    return spans


def pending_ens(
    ix: JournalIndex, ctx: Context, f: FaultWindow, until: Callable[[Consignment], datetime]
) -> list[tuple[Consignment, list[Span], list[datetime]]]:
    """The consignments whose ENS was pending during fault ``f`` (followed from the later of the
    fault's start and its readiness, up to ``until(c)``): each with its pending spans that began
    during the fault, and every push of it, in time order."""
    assert f.start is not None
    assert f.end is not None
    messages = ens_messages(ix)
    found = []
    for c in ctx.world.consignments:
        mine = messages.get(c.lrn, [])
        spans = [s for s in pending_spans(mine, max(f.start, c.ready), until(c)) if s[0] < f.end]
        if spans:
            found.append((c, spans, sorted(t for _, _, pushed in mine for t in pushed)))
    return found


def longest_gap(span: Span, pushes: Iterable[datetime]) -> timedelta:
    """The longest time without a push within ``span``, its ends included."""
    a, b = span
    marks = [a, *sorted(t for t in pushes if a <= t <= b), b]
    return max((y - x for x, y in itertools.pairwise(marks)), default=timedelta(0))


def receipts_by_lrn(ix: JournalIndex) -> dict[str, datetime]:
    """rcpt(c): the first AS4 receipt of an ENS filing (IE3F10/IE3F51), by LRN."""
    out: dict[str, datetime] = {}
    for entries in ix.receipts.values():
        for e in entries:
            if e.data.get("action") in ENS_FILINGS and e.time is not None:
                lrn = e.data["lrn"]
                out[lrn] = min(out.get(lrn, e.time), e.time)
    return out


def affected(
    ix: JournalIndex, ctx: Context, f: FaultWindow, concerned: Callable[[Consignment], bool]
) -> list[Consignment]:
    """affected(c, F): no receipt at F.start, and its deadline or arrival in [F.start, F.end + t.backlog_max]."""
    if f.start is None:
        return []
    until = (f.end or ctx.end) + seconds(ctx, "t_backlog_max")
    receipts = receipts_by_lrn(ix)
    found = []
    for c in ctx.world.consignments:
        if not concerned(c):
            continue
        got = receipts.get(c.lrn)
        if got is not None and got <= f.start:
            continue
        arrival = ix.arrivals.get(c.transport_id)
        arr = arrival.time if arrival is not None else None
        if f.start <= c.deadline <= until or (arr is not None and f.start <= arr <= until):
            found.append(c)
    return found


# --- a trade-side system down (seed 000 scenario 1, seed 001 operator and provider) ---------------


def down_fault(prefix: str) -> Callable[[FaultWindow], bool]:
    return lambda w: w.kind == "down" and w.component.startswith(prefix)


def subject(f: FaultWindow) -> str:
    """The EORI or provider id the fault takes down (``trader:FR...`` -> ``FR...``)."""
    return f.component.split(":", 1)[1]


def das_of(ix: JournalIndex, kind: str, filer: str, since: datetime) -> list[Entry]:
    return [
        e for e in typed(ix, "olga.da")
        if e.data["kind"] == kind and e.data["filer"] == filer and e.time is not None and e.time >= since
    ]  # fmt: skip


def closed_in_time(ix: JournalIndex, ctx: Context, f: FaultWindow, das: list[Entry]) -> Finding:
    if not das:
        return outcome("not_exercised", "no assistance request to close (the DA check reports it)")
    if f.end is None:
        return outcome("not_exercised", "the fault had not ended by drill end")
    limit = f.end + seconds(ctx, "t_close_max")
    closed = {e.data["da_id"]: e for e in typed(ix, "olga.closed")}
    if limit > ctx.end and not any(da.data["da_id"] in closed for da in das):
        # The run ended before the closure was due (a game day the trainer ended early): nothing is late yet.
        return outcome("not_exercised", f"the closure was due by {format_sim(limit)}, after the end of the run")
    found = []
    for da in das:
        c = closed.get(da.data["da_id"])
        if c is None and limit > ctx.end:
            continue  # still open, and not due yet
        if c is None or c.time is None or c.time > limit:
            when = f"only at {format_sim(c.time)}" if c is not None and c.time else "never"
            found.append(evidence(da, f"DA {da.data['da_id']} closed {when} (limit {format_sim(limit)})"))
    return verdict(found, f"{len(das)} assistance request(s) closed within t.close_max of the recovery",
                   "{n} assistance requests not closed in time")  # fmt: skip


def provider_case(ix: JournalIndex, ctx: Context) -> tuple[FaultWindow, str] | None:
    f = first_fault(ix, down_fault("edi_provider:"))
    if f is None or subject(f) not in ctx.world.provider_by_id:
        return None
    return f, subject(f)


def outage_das(ix: JournalIndex, f: FaultWindow, provider: str) -> list[Entry]:
    """The DAs a provider filed about its own outage, since it began."""
    assert f.start is not None
    return das_of(ix, "provider_outage", provider, f.start)


def outage_da_in_time(
    ix: JournalIndex, ctx: Context, f: FaultWindow, provider: str
) -> tuple[Entry | None, Finding | None]:
    """The provider's DA about its own outage, and the failure if it is missing or later than
    detect.self + t.da_max after the outage began (None when it came in time)."""
    assert f.start is not None
    limit = f.start + seconds(ctx, "detect_self") + seconds(ctx, "t_da_max")
    da = first(outage_das(ix, f, provider))
    if da is None and limit > ctx.end:  # the run ended before it was due (a game day ended early)
        return None, outcome("not_exercised", f"{provider}'s outage DA was due by {format_sim(limit)}, "
                             "after the end of the run")  # fmt: skip
    if da is None or da.time is None or da.time > limit:
        when = f"only at {format_sim(da.time)}" if da is not None and da.time else "never"
        note = f"{provider} filed its outage DA {when} (limit {format_sim(limit)})"
        return da, outcome("fail", note, [evidence(da, note) if da is not None else at_fault(f, note)])
    return da, None


def lodgeable_before(dis: datetime, f: FaultWindow, ctx: Context) -> bool:
    """A unit disembarking at ``dis`` could have had its ENS receipted first despite a trade-side outage
    ending at ``f.end``: seed 000 lets the ENS be lodged "jusqu'au débarquement", once the system is back.
    One disembarking during the outage, or before the data can travel client -> provider -> STI -> receipt
    (three hops) after it, could not: the assistance request covers it instead."""
    return f.end is None or dis >= f.end + 3 * ctx.hop


def held_pushed_in_time(
    ix: JournalIndex, ctx: Context, f: FaultWindow, provider: str, *, before_disembarking: bool
) -> Finding:
    """Every ENS a provider held through its outage is pushed within t.backlog_max of its end (and, at the
    smart border, before its unit disembarks)."""
    if f.start is None or f.end is None:
        return outcome("not_exercised", "the outage had not ended by drill end")
    receipts = receipts_by_lrn(ix)
    pushes: dict[str, list[datetime]] = {}
    for entries in ix.pushes.values():
        for e in entries:
            if e.ce_type in ENS_FILINGS and e.time is not None:
                pushes.setdefault(e.data["lrn"], []).append(e.time)
    limit = f.end + seconds(ctx, "t_backlog_max")
    held = [c for c in ctx.world.consignments if c.provider == provider and c.ready < f.end
            and not (receipts.get(c.lrn) and receipts[c.lrn] <= f.start)]  # fmt: skip
    found: list[Evidence] = []
    for c in held:
        after = [t for t in pushes.get(c.lrn, []) if t >= f.end]
        if not after and receipts.get(c.lrn) is not None and receipts[c.lrn] < f.end:
            continue  # receipted before the outage took hold: nothing held
        dis = ix.disembarked.get(c.unit_id) if before_disembarking else None
        if dis is not None and dis.time is not None and not lodgeable_before(dis.time, f, ctx):
            dis = None  # disembarked while it could not be lodged: only the backlog limit applies
        pushed = min(after) if after else None
        if pushed is None or pushed > limit or (dis is not None and dis.time is not None and pushed >= dis.time):
            when = f"at {format_sim(pushed)}" if pushed else "never"
            found.append(Evidence(c.lrn, "ics2.t2c", f.end, f"{c.lrn}: pushed again {when}"))
    if not held:
        return outcome("not_exercised", "the provider held no ENS during its outage")
    return verdict(found, f"all {len(held)} held ENS pushed within t.backlog_max of the recovery",
                   "{n} held ENS pushed late or never")  # fmt: skip


def retries_under_own_lrn(ix: JournalIndex, ctx: Context) -> tuple[int, list[Evidence]]:
    """(ENS pushes retried, findings): a retry that changed the LRN, or an ENS pushed under an LRN
    no consignment has (a filer that renumbers when a push fails files the consignment twice)."""
    known = {c.lrn for c in ctx.world.consignments}
    found: list[Evidence] = []
    retried = 0
    for msg_id, entries in ix.pushes.items():
        ens = [e for e in entries if e.ce_type in ENS_FILINGS]
        if len(ens) > 1:
            retried += 1
            lrns = {e.data["lrn"] for e in ens}
            if len(lrns) > 1:
                found.append(evidence(ens[0], f"message {msg_id} retried under {len(lrns)} LRNs"))
        found += [evidence(e, f"{e.data['lrn']}: an LRN no consignment has") for e in ens if e.data["lrn"] not in known]
    return retried, found
