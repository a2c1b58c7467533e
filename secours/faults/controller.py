"""Which faults are active, and what they do to one record: the decisions behind the middleware.

One controller per process, shared by the services running in it. It learns faults from the
control topic (``secours.faults``: the drill's timeline, or a person in game-day mode), keeps each
one's window in simulated time, and answers the middleware's questions: should this incoming
record be processed, dropped or answered with an error; should this component's input wait;
when may this outgoing record leave, and in what form.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from secours.effects import Incoming, Outgoing
from secours.faults.model import ConsumeAction, Fault, PublishEffect, Scope
from secours.rand import draw
from secours.topics import TopicCatalog

__all__ = ["ActiveFault", "FaultController", "Verdict"]

logger = logging.getLogger(__name__)

# How long an open-ended fault (no end, no duration) holds a component before looking again.
_OPEN_ENDED = timedelta(days=3650)


@dataclass(slots=True)
class ActiveFault:
    fault: Fault
    start: datetime
    end: datetime | None
    matched: int = 0
    cleared_at: datetime | None = None

    @property
    def until(self) -> datetime | None:
        if self.cleared_at is not None and (self.end is None or self.cleared_at < self.end):
            return self.cleared_at
        return self.end

    def live(self, now: datetime) -> bool:
        until = self.until
        return self.start <= now and (until is None or now < until)

    def triggered(self) -> bool:
        """The n-th-message trigger: count this match and say whether the fault now applies."""
        self.matched += 1
        n = self.fault.after_messages
        return n is None or self.matched >= n


@dataclass(frozen=True, slots=True)
class Verdict:
    action: str  # "process", or the consume action of a fault: "drop", "error", "hold"
    fault_id: str = ""


ActorsOf = Callable[[str, Incoming], set[str]]
# The systems behind a service that must take a record for that service to take it (see
# :meth:`FaultController.refused_behind`): by service name.
SystemsBehind = Callable[[str, Incoming], set[str]]


@dataclass
class FaultController:
    origin: datetime
    catalog: TopicCatalog
    actors_of: ActorsOf = field(default=lambda service, incoming: set())
    systems_behind: SystemsBehind = field(default=lambda service, incoming: set())
    faults: dict[str, ActiveFault] = field(default_factory=dict)
    # Told of every fault added or cleared (the runtime schedules what actors notice of their own outages).
    listeners: list[Callable[[ActiveFault], None]] = field(default_factory=list)

    # --- learning faults -----------------------------------------------------------------------

    def add(self, fault: Fault) -> ActiveFault:
        start, end = fault.span(self.origin)
        active = ActiveFault(fault, start, end)
        self.faults[fault.id] = active
        logger.info("fault %s (%s on %s) from %s to %s", fault.id, fault.kind, fault.target, start, end)
        for listener in self.listeners:
            listener(active)
        return active

    def clear(self, fault_id: str, at: datetime) -> bool:
        active = self.faults.get(fault_id)
        if active is None:
            return False
        active.cleared_at = at
        for listener in self.listeners:
            listener(active)
        return True

    def live(self, now: datetime, where: Callable[[Fault], bool] | None = None) -> list[ActiveFault]:
        """The faults active at ``now``; with ``where``, those of the kinds it accepts."""
        return [a for a in self.faults.values() if a.live(now) and (where is None or where(a.fault))]

    # --- scope matching ------------------------------------------------------------------------

    def _topic_matches(self, scope: Scope, topic: str) -> bool:
        return scope.topic is None or scope.topic == topic or self.catalog.spec_for(topic).name == scope.topic

    def matches_incoming(self, scope: Scope, service: str, incoming: Incoming) -> bool:
        if scope.link is not None:
            return False  # links are cut where records leave, not where they arrive
        if scope.component is not None and scope.component != service:
            return False
        if not self._topic_matches(scope, incoming.topic):
            return False
        if scope.message is not None and incoming.message.ce_type != scope.message:
            return False
        actors = self.actors_of(service, incoming) if (scope.actor or scope.eori) else set()
        if scope.actor is not None and scope.actor not in actors:
            return False
        return scope.eori is None or any(a.endswith(f":{scope.eori}") for a in actors)

    def matches_outgoing(self, scope: Scope, service: str, out: Outgoing) -> bool:
        if scope.link is not None:
            src, dst = scope.link
            return src == service and dst in self.catalog.spec_for(out.topic).consumers
        if scope.component is not None and scope.component != service:
            return False
        if not self._topic_matches(scope, out.topic):
            return False
        if scope.message is not None and out.message.ce_type != scope.message:
            return False
        if scope.actor is not None and out.source != scope.actor:
            return False
        return scope.eori is None or out.source.endswith(f":{scope.eori}")

    @staticmethod
    def own_outage(service: str, active: ActiveFault) -> str | None:
        """The actor hosted by ``service`` whose own IT system ``active`` takes down, if any.

        That actor's staff notice their own system's outage (PROCEDURES.md ``detect.self``): the one
        thing about a fault an actor may learn, because the system is its own.
        """
        f = active.fault
        actor = f.scope.actor
        if not f.system_down or actor is None or f.scope.topic is not None or f.scope.message is not None:
            return None
        return actor if actor.startswith(f"{service}:") else None

    # --- consume side --------------------------------------------------------------------------

    def paused_until(self, service: str, now: datetime) -> datetime | None:
        """A whole component down or queuing: its input and timers wait until this instant."""
        ends = [
            a.until or now + _OPEN_ENDED
            for a in self.live(now, lambda f: f.holds_input)
            if a.fault.scope.component == service
            and not (a.fault.scope.actor or a.fault.scope.eori or a.fault.scope.topic)
        ]
        return max(ends) if ends else None

    def timers_paused_until(self, service: str, now: datetime) -> datetime | None:
        """A whole component down or queuing runs no timers (and sends no heartbeat) until then."""
        ends = [
            a.until or now + _OPEN_ENDED for a in self.live(now, lambda f: f.pauses_timers) if self._pauses(a, service)
        ]
        return max(ends) if ends else None

    def timers_resume(self, service: str, due: datetime) -> datetime:
        """The instant a timer due at ``due`` runs: then, or when the pauses of the component's timers
        that held it ended (a system down acts once it is back, not while it was down). Taken from
        the faults' windows, not from when the timer loop got round to it: the same on a restored
        instance as on the one before it."""
        at, moved = due, True
        while moved:
            moved = False
            for a in self.faults.values():
                until = a.until
                held = a.fault.pauses_timers and self._pauses(a, service)
                if held and until is not None and a.start <= at < until:
                    at, moved = until, True
        return at

    @staticmethod
    def _pauses(a: ActiveFault, service: str) -> bool:
        scope = a.fault.scope
        return scope.component == service and not (scope.actor or scope.eori or scope.topic)

    def _spares(self, fault: Fault, topic: str, *, receiving: bool = False) -> bool:
        """A system down leaves its people's channels (phone, e-mail, web forms) working; a web portal
        (``out_of_band: sender``) works for its users whose own system is down, not when it is down."""
        band = self.catalog.spec_for(topic).out_of_band
        if receiving and band == "sender":
            return False
        return fault.system_down and fault.scope.topic is None and bool(band)

    def monitoring_blind(self, service: str, now: datetime) -> bool:
        """The component is down or queuing, but its heartbeats go on: no monitoring will see it."""
        whole = [a for a in self.live(now, lambda f: f.pauses_timers) if a.fault.scope.component == service]
        pausing = [a for a in whole if not (a.fault.scope.actor or a.fault.scope.eori or a.fault.scope.topic)]
        return bool(pausing) and all(getattr(a.fault, "alert_suppressed", False) for a in pausing)

    def on_incoming(self, service: str, incoming: Incoming, now: datetime) -> Verdict:
        for a in self.live(now, lambda f: f.consumes):
            if self._spares(a.fault, incoming.topic, receiving=True):
                continue
            actor = a.fault.scope.actor
            if a.fault.system_down and actor is not None and not actor.startswith(f"{service}:"):
                continue  # one actor's system is down: only the service hosting it stops reading for it
            if self.matches_incoming(a.fault.scope, service, incoming) and a.triggered():
                # drop: refused (e.g. an AS4 push: no receipt, the sender retries); error: answered
                # with a technical error; hold: kept, and processed once the component is back
                action: ConsumeAction = a.fault.on_consume(self.catalog.spec_for(incoming.topic).when_down)
                return Verdict(action, a.fault.id)
            if self.refused_behind(a, service, incoming):
                return Verdict("drop", a.fault.id)
        return Verdict("process")

    def refused_behind(self, a: ActiveFault, service: str, incoming: Incoming) -> bool:
        """A request refused because a system behind ``service`` that must take it is down.

        Seed 000 scenario 2: the providers transmit the ENS of goods entering France to the
        Automate de sûreté; when it is down they cannot, and keep trying until the transport
        arrives. The STI fronts it: such a push is refused at the AS4 layer (no receipt), as the
        system's own refusal would be. A queuing system (``queue_replay``) takes them: only a kind
        that refuses synchronous requests (``on_consume`` -> drop) refuses them behind the front.
        """
        scope = a.fault.scope
        whole = scope.component is not None and not (scope.actor or scope.eori or scope.topic or scope.message)
        if not (a.fault.system_down and whole and scope.link is None):
            return False
        if scope.component not in self.systems_behind(service, incoming):
            return False
        return a.fault.on_consume(self.catalog.spec_for(incoming.topic).when_down) == "drop" and a.triggered()

    # --- publish side ----------------------------------------------------------------------------

    def on_outgoing(self, service: str, out: Outgoing, now: datetime) -> list[tuple[datetime, str, str]]:
        """What happens to one outgoing record: a list of (release time, form, fault id).

        form is "as_is" or "corrupt"; an empty list means dropped. Several faults compose: a
        held record is released when the last of them ends, a duplicated one is sent twice.
        """
        effect = PublishEffect(release=now)
        fault_ids: list[str] = []
        for a in self.live(now, lambda f: f.publishes):
            f = a.fault
            if self._spares(f, out.topic) or not self.matches_outgoing(f.scope, service, out):
                continue
            if not a.triggered():
                continue
            p = getattr(f, "probability", 1.0)
            if p < 1.0 and draw(f.seed, f.id, out.id) >= p:
                continue
            fault_ids.append(f.id)
            f.on_publish(effect, a.until or now + _OPEN_ENDED, now, out.id)
            if effect.dropped:
                return []
        tag = ",".join(fault_ids)
        return [(effect.release, effect.form, tag)] * effect.copies

    def reorder_window(self, service: str, out: Outgoing, now: datetime) -> tuple[str, int, int] | None:
        """(fault id, window, seed) when a reorder fault applies to this record."""
        for a in self.live(now):
            window = a.fault.reorder_window()
            if window is not None and self.matches_outgoing(a.fault.scope, service, out):
                return a.fault.id, window, a.fault.seed
        return None
