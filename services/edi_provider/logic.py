"""EDI providers (prestataires certifiés): relay their clients' messages to ICS2 and back.

One instance simulates every provider of the run; each acts under its own id
(``edi_provider:P001``). For each message a client hands over:
- push it to the STI and wait for the AS4 receipt;
- no receipt within ``receipt_timeout_s``: push it again (same AS4 message id, so the STI's
  duplicate detection keeps it one message), every ``retry_gap_s``, until the means of transport
  arrives (seed 000, scenario 2, step 4) — for goods unloaded in France; the others are not under
  the smart-border procedure (scope rule SC1) and are sent again until ICS2 takes them (seed 001);
- the messages of one ENS (its filing, a referral answer, amendments, an invalidation) leave one
  at a time, in the order the client sent them: the next is pushed once the previous one has its
  receipt, so that customs answers them in that order even after an outage (PROCEDURES.md
  ICS2-EU-TAPAS-DOWN #2) — unless the drill stages this provider as one that does not
  (``unordered_providers``: when a push fails, it tries the newest message of the ENS first);
- pull each client's customs-to-trader queue and relay every answer to that client;
- when customs' SAU notifies an outage (or the recovery), tell each client at once, with the
  fallback arrangements (seed 000, scenario 2) — unless the drill stages this provider as one
  that does not (``silent_providers``);
- when a client's system or its own platform is down, file an OLGA assistance request and report
  the recovery (seed 000, scenario 1: :mod:`services.edi_provider.fallback`) — unless a trainee
  plays that provider's desk on the game-day page (``secours run --human edi_provider:P002``).

A drill may stage a provider as careless under EU-level outages (``eu_careless_providers``): it holds
its clients' new ENS back while a receipted one waits for its MRN (``hold_back``), retries a push
with no receipt under a new LRN (``renumber``), or, after its own outage, replays what it held only
``backlog_stall_s`` later (``late_replay``) or twice (``double_replay``), or tells every client of a
French outage, those whose goods enter the EU elsewhere too (``relay_all``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from secours.effects import Effects, Incoming, Timer
from secours.errors import RejectedInput
from secours.ids import derive_id
from secours.rand import uniform
from secours.recent import Recent
from secours.wire import (
    IE3Q04,
    IE3R02,
    As4Receipt,
    C2TMessage,
    ClientNotice,
    CustomsNotice,
    EnsAmendment,
    EnsFiling,
    MeteoAlert,
    ProviderContact,
)
from secours.world import Params, World
from services.edi_provider.detection import CustomsWatch
from services.edi_provider.fallback import ProviderDesk

__all__ = ["EdiProviderLogic", "Pending"]

T2C, RECEIPT, PORTAL = "ics2.t2c", "ics2.receipt", "ics2.portal"
C2T_PREFIX = "ics2.c2t."
# An order older than this when read waited through the provider's own outage: part of what it held.
HELD_AGE = timedelta(minutes=5)
# Customs' business answers to a filing: its MRN (IE3R01), or its rejection (IE3N99, IE3N01). Staged
# providers that wait for an MRN stop waiting at any of them: a rejected ENS gets no MRN.
_ANSWERS = frozenset({"IE3R01", "IE3N99", "IE3N01"})


def to_trader(provider: str) -> str:
    return f"edi.to_trader.{provider}"


def to_provider(provider: str) -> str:
    return f"edi.to_provider.{provider}"


_PROCEDURE_INFO = (
    "Customs' ICS system is unavailable. Fallback (smart border, fiche n°9): we keep transmitting your ENS "
    "until your ferry or shuttle arrives in France; goods unloaded in France only; no action needed from you "
    "unless your data changes. We will tell you when the system is back."
)


Order = EnsFiling | IE3R02 | EnsAmendment | IE3Q04
"""What a client hands its provider to lodge: everything it may push but an arrival."""


@dataclass(slots=True)
class Pending:
    provider: str
    message: Order
    give_up_at: datetime
    seq: int = 0  # the order the client handed it over in
    # Goods for the smart border: pushed every few minutes until their transport arrives, then at
    # the slower after-arrival pace (None: EU rules, the same pace throughout).
    arrives: datetime | None = None
    attempts: int = 0
    pushed_at: list[datetime] = field(default_factory=list)
    replayed: bool = False  # held through the provider's own outage, pushed once it was back
    renumbered_from: str = ""  # staged renumber: the ENS's own LRN, the message now bearing another


class EdiProviderLogic:
    def __init__(
        self, world: World, params: Params, outside: frozenset[str] = frozenset(), people: frozenset[str] = frozenset()
    ) -> None:
        self.world = world
        self.params = params
        self.outside = outside  # providers an outside system plays: what concerns them is not ours
        self.pending: dict[str, Pending] = {}  # pushed, no receipt yet (by message id)
        self.in_flight: dict[str, str] = {}  # LRN -> the message of that ENS being pushed
        self.queued: dict[str, list[Pending]] = {}  # LRN -> its next messages, in the client's order
        self.received = 0
        self.receipted: Recent[str] = Recent(params.dedupe_keep_s)
        self.relayed: Recent[str] = Recent(params.dedupe_keep_s)
        self.provider_of = {tr.eori: tr.provider for tr in world.traders}
        self.seed = world.config.seed
        self.notified: set[str] = set()
        self.desk = ProviderDesk(world, params, people=people)
        self.awaiting_mrn: dict[str, Pending] = {}  # by LRN, for staged resending providers only
        self.watch = CustomsWatch(params, self.desk)
        # Staged careless providers (eu_careless_providers) only: who holds new ENS back, what it holds,
        # and what a late replay waits to push (by message id).
        self.holding_back: set[str] = set()
        self.held_back: dict[str, list[EnsFiling]] = {}
        self.deferred: dict[str, tuple[str, Order]] = {}

    def source(self, provider: str) -> str:
        return f"edi_provider:{provider}"

    def start(self, now: datetime) -> Effects:
        return Effects()

    def handle(self, incoming: Incoming, now: datetime) -> Effects:
        msg = incoming.message
        if incoming.topic.startswith("edi.to_provider.") and isinstance(msg, Order):
            provider = incoming.topic.rsplit(".", 1)[1]
            held = incoming.time is not None and now - incoming.time > HELD_AGE
            if held and provider in self.params.ics2_fr_s1_idle_providers:
                return Effects()  # staged idle provider: what waited for its platform is never lodged
            return self.order(provider, msg, now, held=held)
        if isinstance(msg, As4Receipt):
            return self.receipt(msg, now)
        if incoming.topic.startswith(C2T_PREFIX) and isinstance(msg, C2TMessage):
            return self.relay(incoming.topic.removeprefix(C2T_PREFIX), msg, now)
        if isinstance(msg, CustomsNotice | ProviderContact) and self._outside(msg):
            return Effects()
        if isinstance(msg, CustomsNotice):
            self.watch.customs_notice(msg)
            if msg.kind == "outage":
                self.desk.cancel(msg.to, "customs")
            fx = self.customs_notice(msg, now)
            if "redundant" in self.params.reporting_lapses and msg.to in self.world.provider_by_id:
                fx.extend(self.watch.redundant(msg, now))  # staged: customs' notice reported back to customs
            return fx
        if isinstance(msg, MeteoAlert):
            self.watch.meteo(msg)
            return Effects()
        if isinstance(msg, ProviderContact):
            return self.desk.client_contact(msg, now)
        raise RejectedInput(f"{msg.ce_type} is not expected on {incoming.topic}")

    def _outside(self, msg: CustomsNotice | ProviderContact) -> bool:
        return (msg.to if isinstance(msg, CustomsNotice) else msg.provider) in self.outside

    def _careless(self, provider: str, lapse: str) -> bool:
        return lapse in self.params.eu_careless_providers.get(provider, ())

    def order(self, provider: str, msg: Order, now: datetime, *, held: bool = False) -> Effects:
        """A client hands over a message to lodge; ``held``: it waited through the provider's own outage."""
        if msg.message_id in self.pending or msg.message_id in self.receipted or self._is_queued(msg):
            return Effects()  # redelivered order
        if msg.message_id in self.deferred:
            return Effects()
        if isinstance(msg, EnsFiling) and provider in self.holding_back:
            self.held_back.setdefault(provider, []).append(msg)  # staged hold_back: kept until an MRN comes
            return Effects()
        if held and self._careless(provider, "drop_late_trailers") and self._late_trailer(msg, now):
            return Effects()  # staged: the loading list taken for the ENS
        if held and self._careless(provider, "late_replay"):
            # Staged: back from its outage, the provider leaves what it held alone for a while.
            fx = Effects()
            self.deferred[msg.message_id] = (provider, msg)
            fx.after(now + timedelta(seconds=self.params.backlog_stall_s), "replay", msg.message_id)
            return fx
        # Seed 000 S2: the provider tries to transmit the ENS until the transport arrives at the point
        # of entry, and when the AS works again "les ENS sont transmises"; seed 001: what could not be
        # sent is lodged once ICS2 is back. So an ENS never receipted is not dropped at the arrival:
        # after it, the provider stops pushing every few minutes and tries at a slower pace until
        # customs takes it, for a day at most.
        arrives = None
        give_up = now + timedelta(hours=24)
        if isinstance(msg, EnsFiling) and self._smart_border(provider, msg) and not self._portal(provider):
            arrives = msg.estimated_arrival
            if msg.country_of_unloading != "FR":
                # Staged (scope_blind_providers): goods unloaded elsewhere taken for the smart border's,
                # whose office records the missing ENS: given up at the arrival, never lodged afterwards.
                give_up = msg.estimated_arrival
        self.received += 1
        p = Pending(provider, msg, give_up, self.received, arrives=arrives, replayed=held)
        if msg.lrn in self.in_flight:
            self.queued.setdefault(msg.lrn, []).append(p)  # after the one being pushed
            return Effects()
        return self._start(p, now)

    def _late_trailer(self, msg: Order, now: datetime) -> bool:
        """An unaccompanied trailer's ENS whose deadline has passed."""
        c = self.world.consignment_by_lrn.get(msg.lrn)
        return isinstance(msg, EnsFiling) and c is not None and c.unit_type == "TRAILER" and c.deadline < now

    def _is_queued(self, msg: Order) -> bool:
        return any(q.message.message_id == msg.message_id for q in self.queued.get(msg.lrn, ()))

    def _start(self, p: Pending, now: datetime) -> Effects:
        msg_id = p.message.message_id
        self.pending[msg_id] = p
        self.in_flight[p.message.lrn] = msg_id
        return self._push(msg_id, now)

    def _finish(self, msg_id: str, now: datetime) -> tuple[Pending | None, Effects]:
        """``msg_id`` is done with (receipted, given up or handed over): the ENS's next message leaves."""
        p = self.pending.pop(msg_id, None)
        if p is None:
            return None, Effects()
        lrn = p.renumbered_from or p.message.lrn
        if self.in_flight.get(lrn) == msg_id:
            del self.in_flight[lrn]
        waiting = self.queued.get(lrn)
        if not waiting:
            return p, Effects()
        nxt = waiting.pop(0)
        if not waiting:
            del self.queued[lrn]
        return p, self._start(nxt, now)

    def _push(self, msg_id: str, now: datetime) -> Effects:
        fx = Effects()
        p = self.pending[msg_id]
        p.attempts += 1
        p.pushed_at.append(now)
        msg = p.message
        fx.send(PORTAL if self._portal(p.provider) else T2C, msg.lrn, msg_id, self.source(p.provider), msg)
        # The first wait is the AS4 receipt timeout; later attempts are spaced by the retry gap (the
        # slower after-arrival pace once the transport has arrived).
        wait = self.params.receipt_timeout_s if p.attempts == 1 else self.params.retry_gap_s
        if p.arrives is not None and now >= p.arrives:
            wait = max(wait, self.params.after_arrival_retry_s)
        fx.after(now + timedelta(seconds=wait), "retry", msg_id)
        return fx

    def receipt(self, r: As4Receipt, now: datetime) -> Effects:
        p, fx = self._finish(r.ref_message_id, now)
        if p is not None:
            self.receipted.add(r.ref_message_id, now)
            fx.extend(self.watch.receipt(p.provider, now))
            waits = p.provider in self.params.resending_providers or self._careless(p.provider, "hold_back")
            if waits and isinstance(p.message, EnsFiling):
                # Staged breaches: not trusting the queue, it sends the ENS again if no MRN comes, or
                # holds its clients' next ENS back.
                self.awaiting_mrn[p.message.lrn] = p
                fx.after(now + timedelta(seconds=self.params.no_mrn_after_s), "no_mrn", p.message.lrn)
            if p.replayed and self._careless(p.provider, "double_replay") and isinstance(p.message, EnsFiling):
                # Staged: its replay of what it held runs twice; the second copy is a new message.
                again = p.message.model_copy(update={"message_id": derive_id(p.message.message_id, "replayed")})
                fx.send(T2C, again.lrn, again.message_id, self.source(p.provider), again)
        return fx

    def _resend(self, lrn: str, now: datetime) -> Effects:
        fx = Effects()
        p = self.awaiting_mrn.pop(lrn, None)
        if p is None:
            return fx  # the MRN came
        if self._careless(p.provider, "hold_back"):
            self.holding_back.add(p.provider)  # staged: no new ENS until an MRN comes back
            return fx
        again = p.message.model_copy(update={"message_id": derive_id(p.message.message_id, "resent")})
        fx.send(T2C, lrn, again.message_id, self.source(p.provider), again)
        return fx

    def customs_notice(self, notice: CustomsNotice, now: datetime) -> Effects:
        """Customs is unavailable (or back): every client hears it from its provider, its single correspondent."""
        fx = Effects()
        provider = notice.to
        if provider not in self.world.provider_by_id or notice.notice_id in self.notified:
            return fx
        self.notified.add(notice.notice_id)
        if provider in self.params.silent_providers:
            return fx
        # Only the clients whose goods enter through France: the French outage is not the others'
        # (EU-C7), unless the drill stages this provider as telling everyone (relay_all).
        told = self.world.clients_of if self._careless(provider, "relay_all") else self.world.concerned_clients_of
        for client in told(provider):
            delay = uniform(
                self.seed, self.params.client_notice_delay_s, "client-notice", notice.notice_id, client.eori
            )
            fx.after(
                now + timedelta(seconds=delay), f"notify:{notice.kind}:{notice.notice_id}", f"{provider}|{client.eori}"
            )
        return fx

    def _notify(self, timer: Timer, now: datetime) -> Effects:
        fx = Effects()
        _, kind, ref = timer.kind.split(":", 2)
        provider, eori = timer.ref.split("|")
        terse = provider in self.params.terse_providers  # staged: the outage and nothing about what to do
        info = _PROCEDURE_INFO if kind == "outage" and not terse else ""
        notice = ClientNotice(
            notice_id=derive_id(ref, eori), provider=provider, to=eori, kind=kind,
            procedure_info=info, ref=ref, sent_at=now,
        )  # fmt: skip
        fx.send(to_trader(provider), eori, notice.notice_id, self.source(provider), notice)
        return fx

    def holding(self, provider: str) -> dict[str, list[str]]:
        """LRNs not yet receipted that the French fallback covers, per client of ``provider``: an
        assistance request lists only goods unloaded in France (scope rule SC1), whatever the message
        held: a filing, or an answer to a referral, an amendment or an invalidation of an ENS."""
        held: dict[str, list[str]] = {}
        for p in self.pending.values():
            msg = p.message
            if p.provider == provider and self._smart_border(provider, msg):
                held.setdefault(self._filer(msg), []).append(msg.lrn)
        return held

    def _smart_border(self, provider: str, msg: Order) -> bool:
        """Under the smart-border fallback (SC1): goods unloaded in France. Staged
        ``scope_blind_providers`` apply it to every consignment."""
        if provider in self.params.scope_blind_providers:
            return True
        if isinstance(msg, EnsFiling):
            return msg.country_of_unloading == "FR"
        c = self.world.consignment_by_lrn.get(msg.lrn)  # a message about an ENS: its goods' country
        return c is None or c.country_of_unloading == "FR"

    @staticmethod
    def _filer(msg: Order) -> str:
        return msg.declarant.eori if isinstance(msg, EnsFiling) else msg.eori

    def on_timer(self, timer: Timer, now: datetime) -> Effects:
        if timer.kind.startswith("notify:"):
            return self._notify(timer, now)
        if timer.kind == "own_outage":
            return self.desk.own_outage(timer.ref.removeprefix("edi_provider:"), now)
        if timer.kind == "own_recovery":
            return self.desk.own_recovery(timer.ref.removeprefix("edi_provider:"), now)
        if timer.kind in ("da", "report"):
            return self.desk.on_timer(timer, now, self.holding(timer.ref.split("|")[0]))
        if timer.kind == "no_mrn":
            return self._resend(timer.ref, now)
        if timer.kind == "replay":
            deferred = self.deferred.pop(timer.ref, None)
            return self.order(*deferred, now) if deferred is not None else Effects()
        if timer.ref not in self.pending:
            return Effects()  # receipted meanwhile
        p = self.pending[timer.ref]
        if now >= p.give_up_at or (p.provider in self.params.quitting_providers and p.attempts >= 2):
            return self._finish(timer.ref, now)[1]  # the means of transport has arrived (or, staged, it gives up)
        if self._portal(p.provider) and p.attempts >= self.params.detect_no_receipt:
            handed = self._hand_over(timer.ref, p, now)
            if handed is not None:
                return handed
        fx = self.watch.failed_push(p.provider, p.pushed_at, now)
        waiting = self.queued.get(p.message.lrn, [])
        if p.provider in self.params.unordered_providers and any(q.seq > p.seq for q in waiting):
            fx.extend(self._newest_first(p, now))
            return fx
        if self._careless(p.provider, "renumber") and isinstance(p.message, EnsFiling):
            self._renumber(p)
        fx.extend(self._push(timer.ref, now))
        return fx

    @staticmethod
    def _renumber(p: Pending) -> None:
        """Staged breach: the push got no receipt, so the provider's system files the ENS again
        under a new LRN (the attempt's number after the consignment's own). The MRN then comes
        back under an LRN its client does not know: the consignment never gets one of its own."""
        own = p.renumbered_from or p.message.lrn
        p.renumbered_from = own
        p.message = p.message.model_copy(update={"lrn": f"{own}R{p.attempts + 1}"})

    def _newest_first(self, p: Pending, now: datetime) -> Effects:
        """Staged breach: the push failed, so the provider tries the newest message of the ENS
        instead, and puts this one back in line (its answers then come back out of order)."""
        lrn = p.message.lrn
        waiting = self.queued[lrn]
        newest = max(waiting, key=lambda q: q.seq)
        waiting.remove(newest)
        del self.pending[p.message.message_id]
        waiting.insert(0, p)
        return self._start(newest, now)

    def _release(self, provider: str, now: datetime) -> Effects:
        """Staged hold_back: an answer came back, so the ENS held back leave, in the order handed over."""
        fx = Effects()
        if provider in self.holding_back:
            self.holding_back.discard(provider)
            for msg in self.held_back.pop(provider, []):
                fx.extend(self.order(provider, msg, now))
        return fx

    def _portal(self, provider: str) -> bool:
        return self.world.provider_by_id[provider].channel == "DTI"

    def _hand_over(self, msg_id: str, p: Pending, now: datetime) -> Effects | None:
        """The portal keeps failing: a direct-input filer that also has an EDI provider gives it the ENS
        to lodge system to system (PROCEDURES.md ICS2-EU-UUMDS-DOWN). None when it has no provider."""
        msg = p.message
        trader = self.world.trader_by_eori.get(self._filer(msg))
        if trader is None or not trader.backup or not isinstance(msg, EnsFiling):
            return None
        fx = self._finish(msg_id, now)[1]
        again = msg.model_copy(update={"message_id": derive_id(msg_id, "via-provider")})
        fx.send(to_provider(trader.backup), msg.lrn, again.message_id, f"trader:{trader.eori}", again)
        return fx

    def relay(self, eori: str, msg: C2TMessage, now: datetime) -> Effects:
        fx = Effects()
        provider = self.provider_of.get(eori)
        if provider is None or msg.message_id in self.relayed:
            return fx
        self.relayed.add(msg.message_id, now)
        if msg.ce_type in _ANSWERS:  # an ENS answered (an MRN, or a rejection: no MRN will come for it)
            self.awaiting_mrn.pop(msg.lrn, None)
            fx.extend(self._release(provider, now))
        fx.send(to_trader(provider), msg.lrn, derive_id(msg.message_id, "relay"), self.source(provider), msg)
        return fx
