"""Direct input on the STI portal: through UUM&DS; a filer with an EDI provider hands over when it fails."""

from __future__ import annotations

from datetime import timedelta

from secours.wire import EnsFiling
from secours.world import RunConfig, Traffic, World
from services.edi_provider.logic import EdiProviderLogic
from services.ics2_uumds.logic import UumdsLogic
from services.trader.ens import build_ens
from tests.services.helpers import incoming

WORLD = World(RunConfig(seed=5, traffic=Traffic(consignments=200, providers=2, traders=8, portal_filers=2)))


def filing(eori: str) -> EnsFiling:
    c = next(c for c in WORLD.consignments if c.trader == eori)
    return build_ens(WORLD, c, f"m-{c.lrn}", c.ready, break_rule=None)


def test_portal_filings_go_through_uumds_and_a_filer_with_a_provider_hands_over_after_three_failures() -> None:
    with_backup, alone = (t for t in WORLD.traders if WORLD.portal_filer(t.eori))
    assert with_backup.backup and not alone.backup
    logic = EdiProviderLogic(WORLD, WORLD.config.params)
    f = filing(with_backup.eori)
    fx = logic.handle(incoming(f"edi.to_provider.{with_backup.provider}", f), f.issued_at)
    assert [o.topic for o in fx.out] == ["ics2.portal"]
    timer = fx.timers[0]
    for _ in range(WORLD.config.params.detect_no_receipt - 1):
        fx = logic.on_timer(timer, timer.at)
        assert [o.topic for o in fx.out if o.topic.startswith("ics2.")] == ["ics2.portal"]
        timer = next(t for t in fx.timers if t.kind == "retry")
    handed = logic.on_timer(timer, timer.at)
    (out,) = handed.out
    assert out.topic == f"edi.to_provider.{with_backup.backup}" and out.source == f"trader:{with_backup.eori}"
    assert isinstance(out.message, EnsFiling) and out.message.lrn == f.lrn and out.message.message_id != f.message_id
    assert f.message_id not in logic.pending  # the portal attempt stops: one lodging, through the provider


def test_a_portal_filer_without_provider_keeps_trying_past_the_arrival() -> None:
    alone = next(t for t in WORLD.traders if WORLD.portal_filer(t.eori) and not t.backup)
    logic = EdiProviderLogic(WORLD, WORLD.config.params)
    f = filing(alone.eori)
    timer = logic.handle(incoming(f"edi.to_provider.{alone.provider}", f), f.issued_at).timers[0]
    while timer.at < f.estimated_arrival + timedelta(hours=1):
        fx = logic.on_timer(timer, timer.at)
        assert [o.topic for o in fx.out if o.topic.startswith("ics2.")] == ["ics2.portal"]
        timer = next(t for t in fx.timers if t.kind == "retry")


def test_uumds_passes_a_signed_in_submission_on_to_the_sti_unchanged() -> None:
    f = filing(WORLD.traders[-1].eori)
    (out,) = UumdsLogic().handle(incoming("ics2.portal", f), f.issued_at).out
    assert out.topic == "ics2.sti.in" and out.message == f and out.id == f.message_id
