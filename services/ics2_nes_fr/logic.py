"""French national ICS2 component, the "Automate de sûreté" (AS) of seed 000.

Risk analysis with seeded, configurable rates: each ENS distributed to France is either assessed
(IE3N03) or first referred for information (IE3Q02, answered by the filer with IE3R02, then
IE3N03). At arrival, a share of the arrived ENS is selected for control (IE3N08), which also
sends the unit to the orange lane at the smart border. Draws are keyed by MRN, so the same ENS
gets the same outcome whatever the order records arrive in.

A drill may stage a faulty component (``faulty_nes``): ``backlog_stalled``, the presentations an
outage buffered are processed only ``backlog_stall_s`` after they reach it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from secours.effects import Effects, Incoming, Timer
from secours.errors import RejectedInput
from secours.ids import derive_id
from secours.rand import draw, uniform
from secours.wire import IE3N03, IE3N08, IE3Q02, IE3R02, ArrivalDistribution, EnsDistribution, GoodsPresented
from secours.world import Params

__all__ = ["NesFrLogic"]

DISTRIBUTION, NES_OUT, PRESENTATIONS = "ics2.cr.distribution", "ics2.nes.fr.out", "ics2.nes.fr.presentations"
SOURCE = "ics2_nes_fr"
MEMBER_STATE = "FR"
# A presentation older than this when read waited in a queue-and-replay outage: part of the backlog.
BACKLOG_AGE = timedelta(minutes=5)


class NesFrLogic:
    def __init__(self, seed: int, params: Params) -> None:
        self.seed = seed
        self.params = params
        self.ens: dict[str, EnsDistribution] = {}
        self.control_office: dict[str, str] = {}
        self.referred: set[str] = set()
        self.done: set[str] = set()
        self.stalled: dict[str, ArrivalDistribution] = {}  # staged backlog_stalled: by record id

    def start(self, now: datetime) -> Effects:
        return Effects()

    def handle(self, incoming: Incoming, now: datetime) -> Effects:
        msg = incoming.message
        fx = Effects()
        if isinstance(msg, EnsDistribution):
            if msg.member_state != MEMBER_STATE or msg.mrn in self.ens:
                return fx
            self.ens[msg.mrn] = msg
            refer = draw(self.seed, "referral", msg.mrn) < self.params.referral_rate
            delay = uniform(self.seed, self.params.assessment_s, "assessment", msg.mrn)
            fx.after(now + timedelta(seconds=delay), "referral" if refer else "assess", msg.mrn)
        elif isinstance(msg, IE3R02):
            if msg.mrn in self.referred and msg.mrn not in self.done:
                delay = uniform(self.seed, self.params.assessment_s, "reassessment", msg.mrn) / 4
                fx.after(now + timedelta(seconds=delay), "assess", msg.mrn)
        elif isinstance(msg, ArrivalDistribution):
            if msg.member_state != MEMBER_STATE:
                return fx
            waited = now - incoming.time if incoming.time is not None else timedelta(0)
            if waited > BACKLOG_AGE and "backlog_stalled" in self.params.faulty_nes:
                self.stalled[incoming.ce_id] = msg  # staged: the backlog sits untouched for a while
                fx.after(now + timedelta(seconds=self.params.backlog_stall_s), "present", incoming.ce_id)
                return fx
            return self.present(msg, incoming.ce_id, now)
        else:
            raise RejectedInput(f"{msg.ce_type} is not expected on {incoming.topic}")
        return fx

    def present(self, msg: ArrivalDistribution, ce_id: str, now: datetime) -> Effects:
        """The goods of an arrival are presented: some selected for control (IE3N08 a moment later)."""
        fx = Effects()
        controlled = []
        for mrn in msg.mrns:
            if mrn in self.ens and draw(self.seed, "control", mrn) < self.params.control_rate:
                controlled.append(mrn)
                self.control_office[mrn] = msg.office_of_first_entry
                delay = uniform(self.seed, self.params.control_decision_s, "control", mrn)
                fx.after(now + timedelta(seconds=delay), "control", mrn)
        presented = GoodsPresented(
            presentation_id=derive_id(ce_id, "presented"), office=msg.office_of_first_entry,
            mrns=msg.mrns, controlled=tuple(controlled), processed_at=now,
        )  # fmt: skip
        fx.send(PRESENTATIONS, msg.office_of_first_entry, presented.presentation_id, SOURCE, presented)
        return fx

    def on_timer(self, timer: Timer, now: datetime) -> Effects:
        if timer.kind == "present":
            stalled = self.stalled.pop(timer.ref, None)
            return self.present(stalled, timer.ref, now) if stalled is not None else Effects()
        fx = Effects()
        ens = self.ens[timer.ref]
        if timer.kind == "referral":
            self.referred.add(ens.mrn)
            q02 = IE3Q02(
                message_id=derive_id(ens.message_id, "IE3Q02"),
                eori=ens.eori,
                lrn=ens.lrn,
                mrn=ens.mrn,
                referral_reference=f"RFI{ens.mrn[-12:]}",
                referral_type="RFI",
                question="Provide the full name and address of the consignor and a precise goods description",
                issued_at=now,
            )
            fx.send(NES_OUT, ens.lrn, q02.message_id, SOURCE, q02, subject=ens.mrn)
        elif timer.kind == "assess" and ens.mrn not in self.done:
            self.done.add(ens.mrn)
            n03 = IE3N03(
                message_id=derive_id(ens.message_id, "IE3N03"),
                eori=ens.eori,
                lrn=ens.lrn,
                mrn=ens.mrn,
                member_state=MEMBER_STATE,
                assessed_at=now,
            )
            fx.send(NES_OUT, ens.lrn, n03.message_id, SOURCE, n03, subject=ens.mrn)
        elif timer.kind == "control":
            n08 = IE3N08(
                message_id=derive_id(ens.message_id, "IE3N08"),
                eori=ens.eori,
                lrn=ens.lrn,
                mrn=ens.mrn,
                office=self.control_office[ens.mrn],
                control_type="PHYSICAL" if draw(self.seed, "physical", ens.mrn) < 0.3 else "DOCUMENTARY",
                notified_at=now,
            )
            fx.send(NES_OUT, ens.lrn, n08.message_id, SOURCE, n08, subject=ens.mrn)
        return fx
