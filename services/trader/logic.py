"""Traders (ENS filers): hand their ENS data to their EDI provider and act on the answers.

One instance simulates every trader of the run; each acts under its own EORI
(``trader:FR...``). For each consignment of the world:
- at the time its data is ready, file the ENS through the provider;
- IE3N99: correct the data and file again under the same LRN (no MRN was given);
- IE3R01: pair the unit's ELO with the MRN at the smart border; a consignment drawn as
  "sent twice" then files the same ENS again by mistake, which the CR refuses with IE3N01;
- IE3Q02: answer the referral with IE3R02 through the provider;
- some ENS are amended once or twice after registration (IE3Axx), and the ENS of a unit shut out of
  its sailing is withdrawn (IE3Q04); the filer sends its changes one after the other without
  waiting for the answers (IE3N10, IE3R07), as a filer's software does;
- its own system down (noticed ``detect_self_s`` after it fails) and back: call its provider, its
  single correspondent with customs (seed 000, scenario 1), which files the assistance request.
  Its filings wait in the system meanwhile and leave when it is back. A direct filer (its own STI
  connection, no provider) files the request and reports the recovery itself
  (:mod:`services.trader.direct`).
  A drill may stage a filer as lodging what its outage held only ``backlog_stall_s`` after it is
  back (``late_lodging_traders``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from secours.effects import Effects, Incoming, Timer
from secours.errors import RejectedInput
from secours.ids import derive_id
from secours.rand import uniform
from secours.wire import (
    IE3A10,
    IE3A51,
    IE3N01,
    IE3N03,
    IE3N08,
    IE3N10,
    IE3N99,
    IE3Q02,
    IE3Q04,
    IE3R01,
    IE3R02,
    IE3R07,
    ClientNotice,
    EloPairing,
    ProviderContact,
)
from secours.world import Consignment, Trader, World
from services.trader.direct import DirectFilerDesk
from services.trader.ens import build_ens

__all__ = ["TraderLogic"]

ELO = "sb.elo"
CONTACTS = "provider.contacts"
_CHASE_AFTER = timedelta(minutes=30)  # staged (chase): silence after which a client files a request itself


def to_provider(provider: str) -> str:
    return f"edi.to_provider.{provider}"


@dataclass(slots=True)
class Filing:
    consignment: Consignment
    filings: int = 0
    corrected: bool = False
    mrn: str | None = None
    resent: bool = False
    answered: set[str] = field(default_factory=set)
    heard: bool = False  # any answer from customs came back for it


class TraderLogic:
    def __init__(self, world: World) -> None:
        self.world = world
        self.params = world.config.params
        self.seed = world.config.seed
        self.files = {c.lrn: Filing(c) for c in world.consignments}
        self.down_since: dict[str, datetime] = {}
        self.direct = DirectFilerDesk(world, self.params)
        self.waiting: dict[str, list[str]] = {}  # staged late_lodging_traders: LRNs their outage held
        self.chasing: set[str] = set()  # staged (chase): clients with a request of their own open
        self.chased: set[str] = set()  # ... and every client that ever filed one

    @staticmethod
    def source(eori: str) -> str:
        return f"trader:{eori}"

    def start(self, now: datetime) -> Effects:
        fx = Effects()
        for f in self.files.values():
            fx.after(f.consignment.ready, "ready", f.consignment.lrn)
        return fx

    def on_timer(self, timer: Timer, now: datetime) -> Effects:
        if timer.kind in ("own_outage", "own_recovery"):
            return self._own_system(timer.ref.removeprefix("trader:"), timer.kind == "own_outage", now)
        if timer.kind == "chase":
            return self._chase(timer.ref, now)
        if timer.kind in ("direct_da", "direct_report"):
            pending = [f.consignment for f in self.files.values() if f.consignment.trader == timer.ref and not f.mrn]
            return self.direct.on_timer(timer.kind, timer.ref, pending, now)
        f = self.files[timer.ref]
        c = f.consignment
        if timer.kind == "ready" and c.trader in self.down_since and c.trader in self.params.late_lodging_traders:
            self.waiting.setdefault(c.trader, []).append(c.lrn)  # staged: lodged well after the recovery
            return Effects()
        if timer.kind in ("ready", "late_ready"):
            if timer.kind == "ready" and self._forgets(c):
                return Effects()
            return self._file(f, now, break_rule=c.invalid_rule)
        if timer.kind == "correct":
            return self._file(f, now, break_rule=None)
        if timer.kind == "resend":
            return self._file(f, now, break_rule=None, tag="resent")
        if timer.kind.startswith("answer:"):
            return self._answer(f, timer.kind.removeprefix("answer:"), now)
        if timer.kind.startswith("change:"):
            return self._change(f, int(timer.kind.removeprefix("change:")), now)
        raise RuntimeError(f"unknown timer {timer.kind}")  # a defect, not input

    def _own_system(self, eori: str, down: bool, now: datetime) -> Effects:
        """Call the provider: our system is down (since when), or back."""
        fx = Effects()
        trader = self.world.trader_by_eori.get(eori)
        if trader is None or down == (eori in self.down_since):
            return fx  # not ours, or already said
        if down:
            self.down_since[eori] = since = now - timedelta(seconds=self.params.detect_self_s)
        else:
            since = self.down_since.pop(eori)
        if not down:
            fx.extend(self._lodge_late(eori, now))
        if self.world.self_filer(eori):  # no provider to call: it deals with customs itself
            fx.extend(self.direct.outage(trader, since, now) if down else self.direct.recovery(trader, now))
            return fx
        fx.extend(self._own_request(trader, since, down, now))
        kind = "outage" if down else "recovery"
        contact = ProviderContact(
            contact_id=derive_id(eori, f"{kind}/{since.isoformat()}"), trader=eori, provider=trader.provider,
            kind=kind, channel="phone", since=since if down else now, sent_at=now,
        )  # fmt: skip
        fx.send(CONTACTS, trader.provider, contact.contact_id, self.source(eori), contact)
        return fx

    def _lodge_late(self, eori: str, now: datetime) -> Effects:
        """Staged (late_lodging_traders): back from its outage, the filer leaves the ENS that waited
        alone for ``backlog_stall_s`` before lodging them."""
        fx = Effects()
        for lrn in self.waiting.pop(eori, []):
            fx.after(now + timedelta(seconds=self.params.backlog_stall_s), "late_ready", lrn)
        return fx

    def _own_request(self, trader: Trader, since: datetime, down: bool, now: datetime) -> Effects:
        """Staged (``ics2_fr_s1_careless_clients: own_da``): a client that does not leave customs to its
        provider, its single correspondent (SC3): it files its own request, and reports its recovery,
        as a direct filer would - on top of calling its provider."""
        if "own_da" not in self.params.ics2_fr_s1_careless_clients:
            return Effects()
        return self.direct.outage(trader, since, now) if down else self.direct.recovery(trader, now)

    def _forgets(self, c: Consignment) -> bool:
        """Staged (``ics2_fr_s1_careless_clients: forget_held``): data that became ready while the
        client knew its own system was down is never sent once it is back: its ENS is not lodged,
        before the unit disembarks or after."""
        return "forget_held" in self.params.ics2_fr_s1_careless_clients and c.trader in self.down_since

    def _file(self, f: Filing, now: datetime, *, break_rule: str | None, tag: str = "") -> Effects:
        fx = Effects()
        c = f.consignment
        f.filings += 1
        msg_id = derive_id(c.lrn, f"filing/{f.filings}{tag}")
        ens = build_ens(self.world, c, msg_id, now, break_rule=break_rule)
        fx.send(to_provider(c.provider), c.lrn, msg_id, self.source(c.trader), ens)
        if "chase" in self.params.ics2_fr_s1_careless_clients and not self.world.self_filer(c.trader):
            fx.after(now + _CHASE_AFTER, "chase", c.lrn)
        return fx

    def _chase(self, lrn: str, now: datetime) -> Effects:
        """Staged (``chase``): no answer at all to a filing for half an hour, the client does not ask
        its provider, its single correspondent (SC3): it files an assistance request with customs
        itself, as a direct filer would, and reports when answers come again."""
        f = self.files[lrn]
        if f.heard or f.consignment.trader in self.chased:
            return Effects()  # answered, or this client already filed its request (one is enough)
        trader = self.world.trader_by_eori[f.consignment.trader]
        self.chasing.add(trader.eori)
        self.chased.add(trader.eori)
        return self.direct.outage(trader, now - _CHASE_AFTER, now)

    def _heard(self, f: Filing, now: datetime) -> Effects:
        """An answer to a filing: a client chasing customs (staged) reports that things work again."""
        f.heard = True
        eori = f.consignment.trader
        if eori not in self.chasing:
            return Effects()
        self.chasing.discard(eori)
        return self.direct.recovery(self.world.trader_by_eori[eori], now)

    def handle(self, incoming: Incoming, now: datetime) -> Effects:
        msg = incoming.message
        fx = Effects()
        if isinstance(msg, ClientNotice):
            return fx  # the provider deals with customs for its clients; nothing to do but take note
        f = self.files.get(getattr(msg, "lrn", ""))
        if f is None:
            raise RejectedInput(f"{msg.ce_type} for an LRN this trader never filed")
        c = f.consignment
        fx.extend(self._heard(f, now))
        if isinstance(msg, IE3N99):
            if not f.corrected and f.mrn is None:
                f.corrected = True
                fx.after(
                    now + timedelta(seconds=uniform(self.seed, self.params.fix_resubmit_s, "fix", c.lrn)),
                    "correct",
                    c.lrn,
                )
        elif isinstance(msg, IE3R01):
            if f.mrn is None:
                f.mrn = msg.mrn
                pairing = EloPairing(
                    elo_id=c.elo_id,
                    unit_id=c.unit_id,
                    transport_id=c.transport_id,
                    eori=c.trader,
                    lrn=c.lrn,
                    mrn=msg.mrn,
                    paired_at=now,
                )
                fx.send(ELO, c.unit_id, derive_id(c.elo_id, msg.mrn), self.source(c.trader), pairing, subject=msg.mrn)
                fx.extend(self._plan_changes(c, now))
                if c.sent_twice and not f.resent:
                    f.resent = True
                    delay = uniform(self.seed, self.params.duplicate_after_s, "dup", c.lrn)
                    fx.after(now + timedelta(seconds=delay), "resend", c.lrn)
        elif isinstance(msg, IE3Q02):
            if msg.referral_reference not in f.answered:
                f.answered.add(msg.referral_reference)
                delay = uniform(self.seed, self.params.referral_answer_s, "rfi", c.lrn)
                fx.after(now + timedelta(seconds=delay), f"answer:{msg.referral_reference}", c.lrn)
        elif not isinstance(msg, IE3N01 | IE3N03 | IE3N08 | IE3N10 | IE3R07):
            raise RejectedInput(f"{msg.ce_type} is not expected by a trader")
        return fx

    def _answer(self, f: Filing, reference: str, now: datetime) -> Effects:
        fx = Effects()
        c = f.consignment
        if f.mrn is None:
            return fx
        r02 = IE3R02(
            message_id=derive_id(c.lrn, f"IE3R02/{reference}"),
            eori=c.trader,
            lrn=c.lrn,
            mrn=f.mrn,
            referral_reference=reference,
            answer="Consignor: Northern Supplies Ltd, 12 Dock Road, Dover CT16 1JA; goods as per invoice 2026-114",
            answered_at=now,
        )
        fx.send(to_provider(c.provider), c.lrn, r02.message_id, self.source(c.trader), r02, subject=f.mrn)
        return fx

    def _plan_changes(self, c: Consignment, now: datetime) -> Effects:
        """The amendments, then the withdrawal, this filer will send for a registered ENS."""
        fx = Effects()
        at = now + timedelta(seconds=uniform(self.seed, self.params.change_after_s, "change", c.lrn))
        for n in range(1, c.amendments + int(c.withdrawn) + 1):
            fx.after(at, f"change:{n}", c.lrn)
            at += timedelta(seconds=uniform(self.seed, self.params.change_gap_s, "change-gap", c.lrn, str(n)))
        return fx

    def _change(self, f: Filing, n: int, now: datetime) -> Effects:
        fx = Effects()
        c = f.consignment
        if f.mrn is None:
            return fx
        msg_id = derive_id(c.lrn, f"change/{n}")
        msg: IE3A10 | IE3A51 | IE3Q04
        if n > c.amendments:
            msg = IE3Q04(
                message_id=msg_id, lrn=c.lrn, eori=c.trader, mrn=f.mrn, sequence=n,
                reason=f"unit {c.unit_id} shut out of sailing {c.transport_id}", requested_at=now,
            )  # fmt: skip
        else:
            model = IE3A10 if self.world.transport_by_id[c.transport_id].kind == "FERRY" else IE3A51
            description, _hs, mass, packages = c.goods[0]
            change = f"{description}: {round(mass * (1 + n / 20), 1)} kg in {packages + n} packages (weighbridge)"
            msg = model(
                message_id=msg_id, lrn=c.lrn, eori=c.trader, mrn=f.mrn, sequence=n, change=change, amended_at=now
            )
        fx.send(to_provider(c.provider), c.lrn, msg_id, self.source(c.trader), msg, subject=f.mrn)
        return fx
