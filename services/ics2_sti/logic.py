"""ICS2 shared trader interface (STI, behind TAPAS, the AS4 access point: ``services.ics2_tapas``).

- every push taken gets a synchronous AS4 receipt; a retransmitted push (same AS4 message id) gets
  the same receipt again and is not processed twice (AS4 duplicate detection, DOMAIN.md §1.4);
- a push that breaks a rule is answered with IE3N99 naming the rule, and gets no MRN;
- a valid filing gets its MRN here and goes on to the common repository (DOMAIN.md §4);
- amendments (IE3Axx) and invalidations (IE3Q04) with a well-formed MRN go on to the common
  repository, which owns the ENS's state;
- answers from the common repository go out through TAPAS to the pull queue of the addressee's EORI.
"""

from __future__ import annotations

from datetime import datetime

from secours.effects import Effects, Incoming, Reactive
from secours.errors import RejectedInput
from secours.ids import derive_id, make_mrn
from secours.recent import Recent
from secours.wire import IE3N99, As4Receipt, C2TMessage, CrFiling, EnsFiling, Push
from services.ics2_sti.rules import validate

__all__ = ["StiLogic"]

STI_IN, RECEIPT, CR_IN, CR_OUT = "ics2.sti.in", "ics2.receipt", "ics2.cr.in", "ics2.cr.out"
STI_OUT = "ics2.sti.out"  # to TAPAS, which delivers to the EORI's pull queue
SOURCE = "ics2_sti"


class StiLogic(Reactive):
    def __init__(self, registered_eoris: set[str], mrn_country: str = "FR", dedupe_keep_s: float = 172800.0) -> None:
        self.registered = registered_eoris
        self.mrn_country = mrn_country
        self.taken: Recent[str] = Recent(dedupe_keep_s)

    def handle(self, incoming: Incoming, now: datetime) -> Effects:
        msg = incoming.message
        if incoming.topic == CR_OUT and isinstance(msg, C2TMessage):
            fx = Effects()
            # Keyed by addressee: one EORI's answers keep their order to its queue.
            fx.send(STI_OUT, msg.eori, msg.message_id, SOURCE, msg)
            return fx
        if isinstance(msg, Push):
            return self.push(msg, now)
        raise RejectedInput(f"{msg.ce_type} is not expected on {incoming.topic}")

    def push(self, msg: Push, now: datetime) -> Effects:
        fx = Effects()
        eori, lrn, msg_id = msg.sender_eori, msg.lrn, msg.message_id
        if eori not in self.registered:
            # No queue to answer in: refused at the AS4 layer, so no receipt and no business answer.
            raise RejectedInput(f"sender EORI {eori!r} is not registered with ICS2 (no customs-to-trader queue)")
        receipt = As4Receipt(
            receipt_id=derive_id(msg_id, "receipt"),
            ref_message_id=msg_id,
            action=msg.ce_type,
            eori=eori,
            lrn=lrn,
            received_at=now,
        )
        fx.send(RECEIPT, lrn, receipt.receipt_id, SOURCE, receipt)
        if msg_id in self.taken:
            return fx  # retransmission: the receipt again, nothing else
        self.taken.add(msg_id, now)
        errors = validate(msg)
        if errors:
            n99 = IE3N99(
                message_id=derive_id(msg_id, "IE3N99"),
                ref_message_id=msg_id,
                eori=eori,
                lrn=lrn,
                rejected_ie=msg.ce_type,
                errors=tuple(errors),
                rejected_at=now,
            )
            fx.send(STI_OUT, eori, n99.message_id, SOURCE, n99)
        elif isinstance(msg, EnsFiling):
            mrn = make_mrn(now.year, self.mrn_country, msg_id)
            forward = CrFiling(
                message_id=derive_id(msg_id, "cr"),
                ref_message_id=msg_id,
                ie=msg.ce_type,
                eori=eori,
                lrn=lrn,
                mrn=mrn,
                transport_document_reference=msg.transport_document.reference,
                office_of_first_entry=msg.office_of_first_entry,
                country_of_unloading=msg.country_of_unloading,
                conveyance_reference=msg.active_means.conveyance_reference,
                unit_id=msg.equipment.unit_id,
                hs_codes=tuple(g.hs_code for g in msg.goods),
                received_at=now,
            )
            # Keyed by filer: one filer's ENS stay in order on their way to the CR, which answers them
            # in that order (its queue is replayed in receipt order after an outage).
            fx.send(CR_IN, eori, forward.message_id, SOURCE, forward, subject=mrn)
        else:
            fx.send(CR_IN, lrn, msg_id, SOURCE, msg)
        return fx
