"""What the game-day page shows, gathered from every record of the run.

The page's server reads every topic of the run and tells the board of each record
(:meth:`Board.note`); the board keeps only what the room needs to see: the ENS flow per simulated
minute, the météo's alerts, the OLGA requests, the people's contacts and notices, the units heading
for disembarkation without an MRN. A record read twice (after a restart) is counted once, by its
topic and CloudEvents id. :meth:`Board.snapshot` adds what only the run knows (the simulated time,
the faults and the real state of each component) and returns the JSON the page and ``/api/state``
serve.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from secours.clock import format_sim
from secours.faults.controller import ActiveFault
from secours.faults.model import Fault
from secours.wire import (
    IE3F10,
    IE3F51,
    IE3N99,
    IE3R01,
    As4Receipt,
    ClientNotice,
    CustomsNotice,
    EnsAbsence,
    LoadingList,
    MeteoAlert,
    OlgaAck,
    OlgaClosed,
    OlgaDa,
    SauContact,
    SauDiagnosis,
    UnitDisembarked,
    WireModel,
)
from secours.world import World

__all__ = ["Board", "component_state"]

FLOW_MINUTES = 60  # the ENS flow shown: the last hour of simulated time, minute by minute
FEED_SIZE = 60  # the latest events of the people's channels kept for the page
SOON = timedelta(hours=3)  # units arriving within this long without an MRN are listed
LISTED_UNITS = 25
# Where traders' and providers' systems hand an ENS to customs (ics2.sti.in is the same ENS again).
_ENTRY_TOPICS = frozenset({"ics2.t2c", "ics2.portal"})


def component_state(faults: Iterable[Fault]) -> tuple[str, bool]:
    """A component's real state from the faults hitting it whole, and whether monitoring still hears
    it (a fault with ``alert_suppressed``: it "looks alive but is not")."""
    hitting = list(faults)
    looks_alive = any(getattr(f, "alert_suppressed", False) for f in hitting)
    if not hitting:
        return "up", False
    if any(f.crashes for f in hitting) or any(f.system_down for f in hitting):
        return "down", looks_alive
    if any(f.holds_input for f in hitting):
        return "queuing", looks_alive
    if any(f.kind == "error" for f in hitting):
        return "refusing", looks_alive
    return "degraded", looks_alive


@dataclass
class _Alert:
    alert_id: str
    component: str
    services: tuple[str, ...]
    opened: datetime | None
    phase: str = "open"
    bulletins: int = 0
    symptoms: str = ""
    instructions: str = ""
    ended: datetime | None = None


@dataclass
class _Request:
    da_id: str
    filer: str
    kind: str
    company: str
    filed: datetime | None
    acked: datetime | None = None
    closed: datetime | None = None
    clients: int = 0


@dataclass
class Board:
    world: World
    clock: Callable[[], datetime]  # simulated now, to date what carries no time of its own (a filing)
    seen: set[str] = field(default_factory=set)  # "topic|CloudEvents id" of the records already counted
    filed: dict[str, datetime] = field(default_factory=dict)  # LRN -> first push to customs
    receipted: set[str] = field(default_factory=set)  # LRNs with an AS4 receipt
    mrn_of: dict[str, str] = field(default_factory=dict)  # LRN -> MRN
    rejected: int = 0
    flow: dict[datetime, Counter[str]] = field(default_factory=dict)  # minute -> counts
    alerts: dict[str, _Alert] = field(default_factory=dict)
    requests: dict[str, _Request] = field(default_factory=dict)
    disembarked: set[str] = field(default_factory=set)  # unit ids
    counts: Counter[str] = field(default_factory=Counter)
    feed: deque[dict[str, str]] = field(default_factory=lambda: deque(maxlen=FEED_SIZE))

    def note(self, topic: str, key: str, ce_id: str, message: WireModel) -> None:
        """The metrics' observer signature: every record read or published, possibly several times."""
        # A record read again (a restart) counts once; the same message on its next hop (TAPAS hands
        # the STI the ENS with its CloudEvents id) is another record, on another topic.
        mark = f"{topic}|{ce_id}"
        if mark in self.seen:
            return
        self.seen.add(mark)
        handler = _HANDLERS.get(type(message))
        if handler is not None:
            handler(self, topic, message)

    # --- records ---------------------------------------------------------------------------------

    def _minute(self, at: datetime, what: str) -> None:
        minute = at.replace(second=0, microsecond=0)
        self.flow.setdefault(minute, Counter())[what] += 1

    def _filing(self, topic: str, msg: WireModel) -> None:
        assert isinstance(msg, IE3F10 | IE3F51)
        if topic in _ENTRY_TOPICS and msg.lrn not in self.filed:
            self.filed[msg.lrn] = at = self.clock()
            self._minute(at, "filed")

    def _receipt(self, topic: str, msg: WireModel) -> None:
        assert isinstance(msg, As4Receipt)
        if msg.lrn not in self.receipted:
            self.receipted.add(msg.lrn)
            self._minute(msg.received_at, "receipted")

    def _registered(self, topic: str, msg: WireModel) -> None:
        assert isinstance(msg, IE3R01)
        if msg.lrn not in self.mrn_of:
            self.mrn_of[msg.lrn] = msg.mrn
            self._minute(msg.registered_at, "registered")

    def _rejected(self, topic: str, msg: WireModel) -> None:
        assert isinstance(msg, IE3N99)
        if topic == "ics2.sti.out":  # the STI's answer, not its copies on the way to the filer
            self.rejected += 1
            self._minute(msg.rejected_at, "rejected")

    def _alert(self, topic: str, msg: WireModel) -> None:
        assert isinstance(msg, MeteoAlert)
        alert = self.alerts.setdefault(
            msg.alert_id, _Alert(msg.alert_id, msg.component, tuple(msg.services), msg.published_at)
        )
        alert.phase = msg.phase
        alert.symptoms, alert.instructions = msg.symptoms, msg.instructions
        if msg.phase == "bip":
            alert.bulletins = max(alert.bulletins, msg.bip_number)
        elif msg.phase == "end":
            alert.ended = msg.published_at
        self._event(msg.published_at, "météo", f"{msg.alert_id} {msg.phase}: {', '.join(msg.services)} "
                    f"({msg.component})")  # fmt: skip

    def _request(self, topic: str, msg: WireModel) -> None:
        if isinstance(msg, OlgaDa):
            self.requests.setdefault(
                msg.da_id,
                _Request(msg.da_id, msg.filer, msg.kind, msg.company, msg.filed_at, clients=len(msg.clients)),
            )
            self._event(msg.filed_at, "OLGA", f"{msg.da_id} filed by {msg.filer} ({msg.kind})")
        elif isinstance(msg, OlgaAck):
            if msg.da_id in self.requests:
                self.requests[msg.da_id].acked = msg.registered_at
            self._event(msg.registered_at, "OLGA", f"{msg.da_id} registered")
        elif isinstance(msg, OlgaClosed):
            if msg.da_id in self.requests:
                self.requests[msg.da_id].closed = msg.closed_at
            self._event(msg.closed_at, "OLGA", f"{msg.da_id} closed by {msg.closed_by}")

    def _people(self, topic: str, msg: WireModel) -> None:
        if isinstance(msg, SauContact):
            self.counts["contacts"] += 1
            self._event(msg.sent_at, "help desk", f"{msg.by} by {msg.channel}: {msg.purpose.replace('_', ' ')}")
        elif isinstance(msg, SauDiagnosis):
            side = "customs' side" if msg.origin == "customs" else "the caller's side"
            self._event(msg.at, "help desk", f"on-call team to {msg.to} ({msg.da_id}): {side} - {msg.finding}")
        elif isinstance(msg, CustomsNotice):
            self.counts["customs_notices"] += 1
            self._event(msg.sent_at, "notice", f"CID to {msg.to}: {msg.kind} of {msg.component}")
        elif isinstance(msg, ClientNotice):
            self.counts["client_notices"] += 1
            self._event(msg.sent_at, "notice", f"{msg.provider} to {msg.to}: {msg.kind.replace('_', ' ')}")
        elif isinstance(msg, LoadingList):
            self.counts["loading_lists"] += 1
            self._event(msg.sent_at, "loading list", f"{msg.company}: {msg.transport_id}, "
                        f"{len(msg.trailers)} trailers")  # fmt: skip
        elif isinstance(msg, EnsAbsence):
            self.counts["ens_absences"] += 1
            self._event(msg.recorded_at, "office", f"{msg.unit_id}: ENS missing"
                        + (" (outage)" if msg.covered_by_outage else ""))  # fmt: skip

    def _disembarked(self, topic: str, msg: WireModel) -> None:
        assert isinstance(msg, UnitDisembarked)
        self.disembarked.add(msg.unit_id)
        self.counts[f"lanes_{msg.lane.lower()}"] += 1
        if msg.reason == "ens_missing":
            self.counts["without_mrn_at_border"] += 1
            self._event(msg.disembarked_at, "smart border", f"{msg.unit_id} disembarked without an MRN")

    def _event(self, at: datetime, kind: str, text: str) -> None:
        self.feed.append({"at": format_sim(at), "kind": kind, "text": text})

    # --- the page's state ---------------------------------------------------------------------------

    def snapshot(
        self,
        now: datetime,
        components: Iterable[str],
        faults: Mapping[str, ActiveFault],
        clock: Mapping[str, Any],
    ) -> dict[str, Any]:
        live = [a.fault for a in faults.values() if a.live(now)]
        open_alerts = [a for a in self.alerts.values() if a.phase != "end"]
        rows = []
        for name in sorted(components):
            hitting = [f for f in live if f.hits_component and f.scope.component == name and not f.scope.actor]
            state, looks_alive = component_state(hitting)
            alerts = [a.alert_id for a in open_alerts if a.component == name]
            rows.append({
                "name": name, "state": state, "looks_alive": looks_alive,
                "published": "alert" if alerts else "normal", "alerts": alerts,
            })  # fmt: skip
        return {
            "sim_time": format_sim(now),
            "clock": dict(clock),
            "components": rows,
            "alerts": [_alert_row(a) for a in sorted(self.alerts.values(), key=lambda a: a.alert_id)],
            "requests": [_request_row(r) for r in sorted(self.requests.values(), key=lambda r: r.da_id)],
            "counts": {
                "filed": len(self.filed),
                "receipted": len(self.receipted),
                "registered": len(self.mrn_of),
                "rejected": self.rejected,
                "alerts_open": len(open_alerts),
                "requests_open": sum(1 for r in self.requests.values() if r.closed is None),
                **dict(sorted(self.counts.items())),
            },
            "flow": self._flow(now),
            "without_mrn": self._without_mrn(now),
            "feed": list(self.feed)[::-1],
            "faults": [_fault_row(a, now) for a in sorted(faults.values(), key=lambda a: a.start)],
        }

    def _flow(self, now: datetime) -> list[dict[str, Any]]:
        last = now.replace(second=0, microsecond=0)
        out = []
        for i in range(FLOW_MINUTES - 1, -1, -1):
            minute = last - timedelta(minutes=i)
            c = self.flow.get(minute, Counter())
            out.append({"minute": format_sim(minute), **{k: c[k] for k in ("filed", "receipted", "registered",
                                                                            "rejected")}})  # fmt: skip
        return out

    def _without_mrn(self, now: datetime) -> dict[str, Any]:
        """Units not yet disembarked, due within :data:`SOON`, whose ENS has no MRN yet."""
        waiting = []
        for c in self.world.consignments:
            if c.unit_id in self.disembarked or c.lrn in self.mrn_of:
                continue
            arrival = self.world.transport_by_id[c.transport_id].arrival
            if arrival - now <= SOON:
                waiting.append((arrival, c))
        waiting.sort(key=lambda x: x[0])
        units = [{
            "unit": c.unit_id, "lrn": c.lrn, "transport": c.transport_id, "arrival": format_sim(arrival),
            "left_s": round((arrival - now).total_seconds()), "filed": c.lrn in self.filed,
        } for arrival, c in waiting[:LISTED_UNITS]]  # fmt: skip
        return {"count": len(waiting), "within_s": SOON.total_seconds(), "units": units}


def _alert_row(a: _Alert) -> dict[str, Any]:
    return {
        "id": a.alert_id, "component": a.component, "services": list(a.services), "phase": a.phase,
        "opened": format_sim(a.opened) if a.opened else "", "ended": format_sim(a.ended) if a.ended else "",
        "bulletins": a.bulletins, "symptoms": a.symptoms, "instructions": a.instructions,
    }  # fmt: skip


def _request_row(r: _Request) -> dict[str, Any]:
    return {
        "id": r.da_id, "filer": r.filer, "kind": r.kind, "company": r.company, "clients": r.clients,
        "filed": format_sim(r.filed) if r.filed else "", "acked": format_sim(r.acked) if r.acked else "",
        "closed": format_sim(r.closed) if r.closed else "",
    }  # fmt: skip


def _fault_row(a: ActiveFault, now: datetime) -> dict[str, Any]:
    until = a.until
    return {
        "id": a.fault.id, "kind": a.fault.kind, "target": a.fault.target, "start": format_sim(a.start),
        "until": format_sim(until) if until else "", "active": a.live(now), "cleared": a.cleared_at is not None,
    }  # fmt: skip


_HANDLERS = {
    IE3F10: Board._filing,
    IE3F51: Board._filing,
    As4Receipt: Board._receipt,
    IE3R01: Board._registered,
    IE3N99: Board._rejected,
    MeteoAlert: Board._alert,
    OlgaDa: Board._request,
    OlgaAck: Board._request,
    OlgaClosed: Board._request,
    SauContact: Board._people,
    SauDiagnosis: Board._people,
    CustomsNotice: Board._people,
    ClientNotice: Board._people,
    LoadingList: Board._people,
    EnsAbsence: Board._people,
    UnitDisembarked: Board._disembarked,
}
