"""CR: one MRN per consignment (IE3N01 on duplicates), registration after processing, arrivals."""

from __future__ import annotations

from datetime import timedelta

from secours.effects import Incoming
from secours.ids import make_mrn
from secours.wire import IE3N01, IE3N03, IE3N06, IE3N07, IE3R01, IE3R04, CrFiling
from services.ics2_cr.logic import CrLogic
from tests.samples import MRN, NOW, samples
from tests.services.helpers import incoming, sent

FILING = next(s for s in samples() if isinstance(s, CrFiling))
ARRIVAL = next(s for s in samples() if isinstance(s, IE3N06))


def cr() -> CrLogic:
    return CrLogic(seed=1, processing_s=(5.0, 60.0))


def test_filing_is_registered_then_answered_after_processing_time() -> None:
    logic = cr()
    fx = logic.handle(incoming("ics2.cr.in", FILING), NOW)
    assert not fx.out
    (timer,) = fx.timers
    assert NOW + timedelta(seconds=5) <= timer.at <= NOW + timedelta(seconds=60)
    fx = logic.on_timer(timer, timer.at)
    (r01,) = sent(fx, "IE3R01")
    assert isinstance(r01, IE3R01) and r01.mrn == MRN
    assert [o.topic for o in fx.out] == ["ics2.cr.out", "ics2.cr.distribution"]


def test_duplicate_lrn_gets_ie3n01_with_the_existing_mrn() -> None:
    logic = cr()
    logic.handle(incoming("ics2.cr.in", FILING), NOW)
    dup = FILING.model_copy(update={"message_id": "c2", "mrn": "26FRAAAAAAAAAAAAA0"})
    fx = logic.handle(incoming("ics2.cr.in", dup), NOW)
    (n01,) = sent(fx, "IE3N01")
    assert isinstance(n01, IE3N01)
    assert n01.error_code == "DUPLICATE_LRN" and n01.mrn == MRN
    assert not fx.timers


def test_same_transport_document_under_new_lrn_is_refused() -> None:
    logic = cr()
    logic.handle(incoming("ics2.cr.in", FILING), NOW)
    dup = FILING.model_copy(update={"message_id": "c3", "lrn": "OTHER", "mrn": "26FRAAAAAAAAAAAAA0"})
    (n01,) = sent(logic.handle(incoming("ics2.cr.in", dup), NOW), "IE3N01")
    assert isinstance(n01, IE3N01) and n01.error_code == "DUPLICATE_TRANSPORT_DOCUMENT"


def test_redelivered_record_changes_nothing() -> None:
    logic = cr()
    logic.handle(incoming("ics2.cr.in", FILING), NOW)
    assert logic.handle(incoming("ics2.cr.in", FILING), NOW).out == []


def test_arrival_once_then_ie3n07_for_an_mrn_in_the_wrong_state() -> None:
    logic = cr()
    logic.handle(incoming("ics2.cr.in", FILING), NOW)
    fx = logic.handle(incoming("ics2.cr.in", ARRIVAL), NOW)
    (r04,) = sent(fx, "IE3R04")
    assert isinstance(r04, IE3R04) and r04.mrns_arrived == (MRN,)
    assert not sent(fx, "IE3N07")
    unknown = make_mrn(2026, "FR", "never filed")
    again = ARRIVAL.model_copy(update={"message_id": "m3", "mrns": (MRN, unknown)})
    fx = logic.handle(incoming("ics2.cr.in", again), NOW)
    (r04b,) = sent(fx, "IE3R04")
    assert isinstance(r04b, IE3R04) and not r04b.mrns_arrived
    n07s = sent(fx, "IE3N07")
    assert all(isinstance(n, IE3N07) for n in n07s)
    assert {(n.mrn, n.reason, n.eori) for n in n07s if isinstance(n, IE3N07)} == {
        (MRN, "ARRIVED", ARRIVAL.carrier.eori),
        (unknown, "UNKNOWN", ARRIVAL.carrier.eori),
    }


def test_an_ens_older_than_the_retention_is_archived() -> None:
    """A long run's CR forgets ENS past the retention: its LRN and document are free, its MRN unknown."""
    logic = CrLogic(seed=1, processing_s=(5.0, 60.0), retention_s=3600.0)
    logic.handle(incoming("ics2.cr.in", FILING), NOW)
    dup = FILING.model_copy(update={"message_id": "c2", "mrn": "26FRAAAAAAAAAAAAA0"})
    fx = logic.handle(incoming("ics2.cr.in", dup), NOW + timedelta(minutes=59))
    assert sent(fx, "IE3N01")  # within the retention: still a duplicate
    again = FILING.model_copy(update={"message_id": "c3", "mrn": "26FRBBBBBBBBBBBBB0"})
    fx = logic.handle(incoming("ics2.cr.in", again), NOW + timedelta(hours=2))
    assert not sent(fx, "IE3N01") and fx.timers  # archived: the same LRN and document register anew
    assert MRN not in logic.by_mrn and "26FRBBBBBBBBBBBBB0" in logic.by_mrn


def _backlog(logic: CrLogic, waited_min: list[int]) -> list[tuple[str, object]]:
    """Filings of one filer read at NOW after waiting ``waited_min`` minutes each (oldest first): their
    answers' times, in receipt order."""
    out = []
    for i, minutes in enumerate(waited_min):
        f = FILING.model_copy(
            update={"message_id": f"b{i}", "lrn": f"LRN{i}", "mrn": make_mrn(2026, "FR", f"b{i}"),
                    "transport_document_reference": f"DOC{i}"}
        )  # fmt: skip
        rec = Incoming("ics2.cr.in", f, f.message_id, "test", NOW - timedelta(minutes=minutes))
        (timer,) = logic.handle(rec, NOW).timers
        out.append((f.lrn, timer.at))
    return out


def test_a_backlog_is_answered_in_receipt_order() -> None:
    times = [at for _, at in _backlog(cr(), [50, 40, 30])]
    assert times == sorted(times)


def test_staged_stacking_cr_answers_its_backlog_newest_first_within_half_the_wait() -> None:
    logic = CrLogic(seed=1, processing_s=(5.0, 60.0), lapses=("backlog_newest_first",))
    times = [at for _, at in _backlog(logic, [50, 40, 30])]
    assert times == sorted(times, reverse=True)
    assert max(times) == NOW + timedelta(minutes=25)


def test_staged_stalled_cr_sits_on_its_backlog_but_not_on_fresh_filings() -> None:
    logic = CrLogic(seed=1, processing_s=(5.0, 60.0), lapses=("backlog_stalled",), stall_s=7200.0)
    (_, stalled), (_, fresh) = _backlog(logic, [30, 0])
    assert stalled >= NOW + timedelta(hours=2)
    assert fresh > stalled  # the filer's queue keeps its order
    (_, alone) = _backlog(CrLogic(seed=1, processing_s=(5.0, 60.0), lapses=("backlog_stalled",)), [0])[0]
    assert alone <= NOW + timedelta(seconds=60)


def test_staged_coupled_cr_gives_the_mrn_with_the_national_assessment() -> None:
    logic = CrLogic(seed=1, processing_s=(5.0, 60.0), lapses=("mrn_after_assessment",))
    (timer,) = logic.handle(incoming("ics2.cr.in", FILING), NOW).timers
    fx = logic.on_timer(timer, timer.at)
    assert not sent(fx, "IE3R01") and sent(fx, "cr.distribution")
    n03 = next(s for s in samples() if isinstance(s, IE3N03))
    fx = logic.handle(incoming("ics2.nes.fr.out", n03), timer.at)
    assert [o.message.ce_type for o in fx.out] == ["IE3R01", "IE3N03"]
