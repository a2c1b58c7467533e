"""ICS2 common repository (CR): the ENS lifecycle (DOMAIN.md §4).

- a filing whose (filer EORI, LRN) or (filer EORI, transport document) is already registered is
  refused with IE3N01: one consignment, one MRN (invariant G1);
- an accepted filing is REGISTERED at once (so a duplicate arriving meanwhile is caught), and its
  IE3R01 and the distribution to the national component of the office of first entry leave after
  the CR's processing time;
- an arrival (IE3N06) moves each listed ENS to ARRIVED once (IE3R04); an MRN unknown, already
  arrived or invalidated is answered IE3N07, one per MRN;
- national results (IE3N03, IE3Q02, IE3N08) update the flags and go to the filer's queue;
  referral answers (IE3R02) go to the national component that asked;
- an amendment (IE3Axx) is answered IE3N10, an invalidation (IE3Q04) IE3R07 (the ENS becomes
  INVALIDATED and its transport document may be filed again, invariant G1), or IE3N01 when the
  state forbids it. Both wait in the filer's queue behind what it filed before, so the answers of
  one ENS come back in the order its messages were received (PROCEDURES.md ICS2-EU-TAPAS-DOWN #2).
  The CR does not see the national presentation: an amendment is refused once a control was
  notified, an invalidation once the goods have arrived (for sea and air, presentation needs the
  arrival first), the nearest states it knows [A].

A drill may stage a faulty CR (``faulty_cr``): it answers the backlog a queue-and-replay outage left
newest first, or only ``backlog_stall_s`` after its recovery, or holds each IE3R01 until the national
component of first entry has assessed (or referred) the ENS, so that a national outage stops the MRNs.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from secours.effects import Effects, Incoming, Timer
from secours.errors import RejectedInput
from secours.ids import derive_id, make_mrn
from secours.rand import uniform
from secours.recent import Recent
from secours.wire import (
    IE3N01,
    IE3N03,
    IE3N06,
    IE3N07,
    IE3N08,
    IE3N10,
    IE3Q02,
    IE3Q04,
    IE3R01,
    IE3R02,
    IE3R04,
    IE3R07,
    ArrivalDistribution,
    CrFiling,
    EnsAmendment,
    EnsDistribution,
)

__all__ = ["CrLogic", "EnsRecord"]

CR_IN, CR_OUT, DISTRIBUTION, NES_OUT = "ics2.cr.in", "ics2.cr.out", "ics2.cr.distribution", "ics2.nes.fr.out"
SOURCE = "ics2_cr"
# A record older than this when the CR reads it waited in a queue-and-replay outage: part of the backlog.
BACKLOG_AGE = timedelta(minutes=5)


@dataclass(slots=True)
class EnsRecord:
    filing: CrFiling
    state: str = "REGISTERED"  # REGISTERED, REFERRAL_RFI, ARRIVED, INVALIDATED
    assessed: bool = False
    control_notified: bool = False


class CrLogic:
    def __init__(
        self,
        seed: int,
        processing_s: tuple[float, float],
        mrn_country: str = "FR",
        *,
        dedupe_keep_s: float = 172800.0,
        retention_s: float = 259200.0,
        lapses: tuple[str, ...] = (),
        stall_s: float = 0.0,
        registers_duplicates: bool = False,
    ) -> None:
        self.registers_duplicates = registers_duplicates  # staged faulty repository (G1)
        self.seed = seed
        self.processing_s = processing_s
        self.mrn_country = mrn_country
        self.by_mrn: dict[str, EnsRecord] = {}
        self.by_lrn: dict[tuple[str, str], str] = {}
        self.by_document: dict[tuple[str, str], str] = {}
        # Registration order, to archive ENS older than the retention: a long run's memory stays flat.
        self.registered: deque[tuple[datetime, str]] = deque()
        self.retention = timedelta(seconds=retention_s)
        self.seen: Recent[str] = Recent(dedupe_keep_s)
        self.filer_busy_until: dict[str, datetime] = {}
        self.changes: dict[str, EnsAmendment | IE3Q04] = {}  # accepted, answer not sent yet (by message id)
        self.lapses = lapses  # staged faults of the CR itself (faulty_cr); () for the real one
        self.stall = timedelta(seconds=stall_s)
        self.unassessed: dict[str, IE3R01] = {}  # staged mrn_after_assessment: IE3R01 held, by MRN

    def start(self, now: datetime) -> Effects:
        return Effects()

    def handle(self, incoming: Incoming, now: datetime) -> Effects:
        msg = incoming.message
        if incoming.ce_id in self.seen:
            return Effects()  # redelivered record: already acted on
        self.seen.add(incoming.ce_id, now)
        self._archive(now)
        waited = now - incoming.time if incoming.time is not None else timedelta(0)
        if isinstance(msg, CrFiling):
            return self.filing(msg, now, waited)
        if isinstance(msg, IE3N06):
            return self.arrival(msg, now)
        if isinstance(msg, IE3R02):
            return self.referral_answer(msg)
        if isinstance(msg, IE3N03 | IE3Q02 | IE3N08):
            return self.national_result(msg)
        if isinstance(msg, EnsAmendment | IE3Q04):
            return self.change(msg, now, waited)
        raise RejectedInput(f"{msg.ce_type} is not expected on {incoming.topic}")

    def filing(self, f: CrFiling, now: datetime, waited: timedelta = timedelta(0)) -> Effects:
        fx = Effects()
        existing = self.by_lrn.get((f.eori, f.lrn))
        code, reason = "DUPLICATE_LRN", f"LRN {f.lrn} is already registered for filer {f.eori}"
        if existing is None:
            existing = self.by_document.get((f.eori, f.transport_document_reference))
            code = "DUPLICATE_TRANSPORT_DOCUMENT"
            reason = f"transport document {f.transport_document_reference} already has an ENS from {f.eori}"
        if existing is not None and not self.registers_duplicates:
            n01 = IE3N01(
                message_id=derive_id(f.message_id, "IE3N01"),
                ref_message_id=f.ref_message_id,
                eori=f.eori,
                lrn=f.lrn,
                mrn=existing,
                error_code=code,
                reason=reason,
                refused_at=now,
            )
            fx.send(CR_OUT, f.eori, n01.message_id, SOURCE, n01, subject=existing)
            return fx
        self.by_mrn[f.mrn] = EnsRecord(f)
        self.by_lrn[(f.eori, f.lrn)] = f.mrn
        self.by_document[(f.eori, f.transport_document_reference)] = f.mrn
        self.registered.append((now, f.mrn))
        fx.after(self._slot(f.eori, f.mrn, now, waited), "registered", f.mrn)
        return fx

    def _slot(self, eori: str, ref: str, now: datetime, waited: timedelta) -> datetime:
        """When the CR answers a message that ``waited`` before reaching it: in receipt order, unless
        the drill stages a CR that gets its backlog wrong."""
        if waited > BACKLOG_AGE and "backlog_newest_first" in self.lapses:
            # A stack, not a queue: the longer a message waited, the later it is answered (half its
            # wait again, so the whole backlog is still answered within the backlog limit).
            return now + waited / 2
        if waited > BACKLOG_AGE and "backlog_stalled" in self.lapses:
            return self._next_slot(eori, ref, now + self.stall)
        return self._next_slot(eori, ref, now)

    def _archive(self, now: datetime) -> None:
        """Forget the ENS registered more than the retention ago (ICS2 archives them; drills are shorter)."""
        while self.registered and self.registered[0][0] <= now - self.retention:
            _, mrn = self.registered.popleft()
            rec = self.by_mrn.pop(mrn, None)
            if rec is None:
                continue
            f = rec.filing
            for index, key in (
                (self.by_lrn, (f.eori, f.lrn)),
                (self.by_document, (f.eori, f.transport_document_reference)),
            ):
                if index.get(key) == mrn:
                    del index[key]

    def _next_slot(self, eori: str, ref: str, now: datetime) -> datetime:
        """When the CR is done with the next message of ``eori``: each filer's messages are handled in
        the order they were received (one queue per filer), so a backlog replayed after an outage is
        answered in receipt order, not in random-delay order."""
        delay = timedelta(seconds=uniform(self.seed, self.processing_s, "cr", ref))
        busy = self.filer_busy_until.get(eori)
        at = max(now + delay, busy + timedelta(seconds=1)) if busy is not None else now + delay
        self.filer_busy_until[eori] = at
        return at

    def change(self, msg: EnsAmendment | IE3Q04, now: datetime, waited: timedelta = timedelta(0)) -> Effects:
        fx = Effects()
        rec = self.by_mrn.get(msg.mrn)
        amend = isinstance(msg, EnsAmendment)
        refusal: tuple[str, str] | None = None
        if rec is None:
            refusal = ("UNKNOWN_MRN", f"no ENS registered under MRN {msg.mrn}")
        elif rec.filing.eori != msg.eori:
            refusal = ("NOT_DECLARANT", f"only the filer of {msg.mrn} may change it")
        elif rec.state == "INVALIDATED":
            refusal = ("WRONG_STATE", f"ENS {msg.mrn} is invalidated")
        elif amend and msg.ce_type[-2:] != rec.filing.ie[-2:]:
            refusal = ("WRONG_MESSAGE", f"{msg.ce_type} cannot amend an ENS filed as {rec.filing.ie}")
        elif amend and rec.control_notified:
            refusal = ("WRONG_STATE", f"a control was notified for {msg.mrn}: it can no longer be amended")
        elif not amend and rec.state == "ARRIVED":
            refusal = ("WRONG_STATE", f"the goods of {msg.mrn} have arrived: the ENS can no longer be invalidated")
        if refusal is not None:
            n01 = IE3N01(
                message_id=derive_id(msg.message_id, "IE3N01"), ref_message_id=msg.message_id, eori=msg.eori,
                lrn=msg.lrn, mrn=msg.mrn, error_code=refusal[0], reason=refusal[1], refused_at=now,
            )  # fmt: skip
            fx.send(CR_OUT, msg.eori, n01.message_id, SOURCE, n01, subject=msg.mrn)
            return fx
        assert rec is not None
        if not amend:
            # Withdrawn at once, so that nothing else is accepted for it meanwhile; its transport
            # document is free again for a new ENS (G1 counts only ENS not invalidated).
            rec.state = "INVALIDATED"
            self.by_document.pop((rec.filing.eori, rec.filing.transport_document_reference), None)
        self.changes[msg.message_id] = msg
        fx.after(self._slot(msg.eori, msg.message_id, now, waited), "changed", msg.message_id)
        return fx

    def _changed(self, msg: EnsAmendment | IE3Q04, now: datetime) -> Effects:
        fx = Effects()
        answer: IE3N10 | IE3R07
        if isinstance(msg, EnsAmendment):
            answer = IE3N10(
                message_id=derive_id(msg.message_id, "IE3N10"), ref_message_id=msg.message_id, eori=msg.eori,
                lrn=msg.lrn, mrn=msg.mrn, amended_at=now,
            )  # fmt: skip
        else:
            answer = IE3R07(
                message_id=derive_id(msg.message_id, "IE3R07"), ref_message_id=msg.message_id, eori=msg.eori,
                lrn=msg.lrn, mrn=msg.mrn, invalidated_at=now,
            )  # fmt: skip
        fx.send(CR_OUT, msg.eori, answer.message_id, SOURCE, answer, subject=msg.mrn)
        return fx

    def on_timer(self, timer: Timer, now: datetime) -> Effects:
        if timer.kind == "changed":
            return self._changed(self.changes.pop(timer.ref), now)
        fx = Effects()
        f = self.by_mrn[timer.ref].filing
        r01 = IE3R01(
            message_id=derive_id(f.message_id, "IE3R01"),
            ref_message_id=f.ref_message_id,
            eori=f.eori,
            lrn=f.lrn,
            mrn=f.mrn,
            registered_at=now,
        )
        if "mrn_after_assessment" in self.lapses:
            self.unassessed[f.mrn] = r01  # staged: the MRN waits for the national risk analysis
        else:
            # Keyed by filer, like everything on ics2.cr.out: a filer's answers reach its queue in order.
            fx.send(CR_OUT, f.eori, r01.message_id, SOURCE, r01, subject=f.mrn)
        dist = EnsDistribution(
            message_id=derive_id(f.message_id, "distribution"),
            member_state=f.office_of_first_entry[:2],
            eori=f.eori,
            lrn=f.lrn,
            mrn=f.mrn,
            office_of_first_entry=f.office_of_first_entry,
            country_of_unloading=f.country_of_unloading,
            unit_id=f.unit_id,
            hs_codes=f.hs_codes,
            registered_at=now,
        )
        fx.send(DISTRIBUTION, f.lrn, dist.message_id, SOURCE, dist, subject=f.mrn)
        return fx

    def arrival(self, n06: IE3N06, now: datetime) -> Effects:
        fx = Effects()
        arrived: list[str] = []
        for mrn in n06.mrns:
            rec = self.by_mrn.get(mrn)
            if rec is None or rec.state in ("ARRIVED", "INVALIDATED"):
                # DOMAIN.md §4: an ENS in the wrong state at arrival is answered IE3N07, one per MRN,
                # in the carrier's queue beside the IE3R04 of the rest.
                n07 = IE3N07(
                    message_id=derive_id(n06.message_id, f"IE3N07/{mrn}"), ref_message_id=n06.message_id,
                    eori=n06.carrier.eori, lrn=n06.lrn, mrn=mrn,
                    reason="UNKNOWN" if rec is None else "ARRIVED" if rec.state == "ARRIVED" else "INVALIDATED",
                    notified_at=now,
                )  # fmt: skip
                fx.send(CR_OUT, n07.eori, n07.message_id, SOURCE, n07, subject=mrn)
            else:
                rec.state = "ARRIVED"
                arrived.append(mrn)
        arrival_mrn = make_mrn(now.year, self.mrn_country, n06.message_id + "/arrival")
        r04 = IE3R04(
            message_id=derive_id(n06.message_id, "IE3R04"),
            ref_message_id=n06.message_id,
            eori=n06.carrier.eori,
            lrn=n06.lrn,
            arrival_mrn=arrival_mrn,
            mrns_arrived=tuple(arrived),
            registered_at=now,
        )
        fx.send(CR_OUT, r04.eori, r04.message_id, SOURCE, r04, subject=arrival_mrn)
        if arrived:
            dist = ArrivalDistribution(
                message_id=derive_id(n06.message_id, "arrival-distribution"),
                member_state=n06.office_of_first_entry[:2],
                arrival_mrn=arrival_mrn,
                office_of_first_entry=n06.office_of_first_entry,
                actual_arrival=n06.actual_arrival,
                mrns=tuple(arrived),
            )
            fx.send(DISTRIBUTION, n06.lrn, dist.message_id, SOURCE, dist, subject=arrival_mrn)
        return fx

    def referral_answer(self, r02: IE3R02) -> Effects:
        fx = Effects()
        rec = self.by_mrn.get(r02.mrn)
        if rec is None:
            raise RejectedInput(f"referral answer for unknown MRN {r02.mrn}")
        if rec.state == "REFERRAL_RFI":
            rec.state = "REGISTERED"
        fx.send(DISTRIBUTION, r02.lrn, r02.message_id, SOURCE, r02, subject=r02.mrn)
        return fx

    def national_result(self, msg: IE3N03 | IE3Q02 | IE3N08) -> Effects:
        fx = Effects()
        rec = self.by_mrn.get(msg.mrn)
        if rec is not None:
            held = self.unassessed.pop(msg.mrn, None)
            if held is not None:
                # Staged mrn_after_assessment: the MRN goes out with the national component's first
                # word on the ENS, its assessment or its referral (the filer answers that by MRN).
                fx.send(CR_OUT, held.eori, held.message_id, SOURCE, held, subject=msg.mrn)
            if isinstance(msg, IE3N03):
                rec.assessed = True
            elif isinstance(msg, IE3Q02) and rec.state == "REGISTERED":
                rec.state = "REFERRAL_RFI"
            elif isinstance(msg, IE3N08):
                rec.control_notified = True
        fx.send(CR_OUT, msg.eori, msg.message_id, SOURCE, msg, subject=msg.mrn)
        return fx
