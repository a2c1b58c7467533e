"""How an EDI provider finds out that customs is unavailable when nobody has said so (ICS2-FR-NO-ALERT).

Pushes of one ENS keep failing: ``detect_no_receipt`` attempts spanning ``detect_no_receipt_span_s``
(PROCEDURES.md ``detect.no_receipt``). The provider's staff then look at the météo; if no alert
covers it and customs has not told them, they file an OLGA assistance request reporting the
unavailability [S000]. When receipts come back they report the recovery, and the request is closed.
A provider already told by customs (an alert or a direct notice) files nothing: it knows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from secours.components import REPORTED_NAMES
from secours.effects import Effects
from secours.ids import derive_id
from secours.wire import CustomsNotice, MeteoAlert, MeteoConsulted
from secours.world import Params
from services.edi_provider.fallback import ProviderDesk

__all__ = ["CustomsWatch"]

CONSULTATIONS = "meteo.consultations"
_AGAIN = timedelta(minutes=20)  # staged reporting lapse "again": when the second report comes


@dataclass
class CustomsWatch:
    params: Params
    desk: ProviderDesk
    open_alerts: set[str] = field(default_factory=set)  # the météo's open alerts, as last read
    told: set[str] = field(default_factory=set)  # providers customs has told of an outage still on
    detected: dict[str, datetime] = field(default_factory=dict)  # provider -> first failed push
    last_receipt: dict[str, datetime] = field(default_factory=dict)  # provider -> when it last got one
    again: set[str] = field(default_factory=set)  # staged "again": providers that reported twice

    def meteo(self, alert: MeteoAlert) -> None:
        if "ICS2" not in alert.services:
            return  # an alert about another system (Delta, ECS-BS): not what ENS lodging depends on
        if alert.phase == "end":
            self.open_alerts.discard(alert.alert_id)
        else:
            self.open_alerts.add(alert.alert_id)

    def customs_notice(self, notice: CustomsNotice) -> None:
        if notice.kind == "outage":
            self.told.add(notice.to)
        else:
            self.told.discard(notice.to)

    def failed_push(self, provider: str, pushed_at: list[datetime], now: datetime) -> Effects:
        """Another push of one ENS without a receipt: has the detection threshold been reached?

        Only pushes since the provider's last receipt (of any ENS) count: one late receipt is not an outage.
        """
        fx = Effects()
        last = self.last_receipt.get(provider)
        failed = [t for t in pushed_at if last is None or t > last]
        span = timedelta(seconds=self.params.detect_no_receipt_span_s)
        needed = self.params.detect_no_receipt
        if "premature" in self.params.reporting_lapses:  # staged: the second unanswered push will do
            needed, span = min(needed, 2), timedelta(0)
        if provider in self.detected:
            return self._again(provider, now)
        if len(failed) < needed or now - failed[0] < span:
            return fx
        first_at = failed[0]
        if self.desk.is_down(provider, "self"):
            return fx  # its own platform is down (the pushes never left): nothing to learn about customs
        self.detected[provider] = first_at
        if provider in self.told:
            return fx  # customs said so already
        if provider in self.params.hasty_reporting_providers:  # staged: no look at the météo, a report at once
            return self.desk.customs_unavailable(provider, first_at, now)
        if provider in self.desk.people:  # a trainee's desk looks at the météo and reports, or does not
            return self.desk.customs_unavailable(provider, first_at, now)
        consulted = MeteoConsulted(
            consultation_id=derive_id(provider, f"meteo/{now.isoformat()}"), by=self.desk.source(provider),
            channel="web", alert_ids=tuple(sorted(self.open_alerts)), consulted_at=now,
        )  # fmt: skip
        fx.send(CONSULTATIONS, provider, consulted.consultation_id, self.desk.source(provider), consulted)
        if not self.open_alerts:
            fx.extend(self.desk.customs_unavailable(provider, first_at, now))
        return fx

    def redundant(self, notice: CustomsNotice, now: datetime) -> Effects:
        """Staged (reporting lapse "redundant"): customs' outage notice reported back to customs in
        a request of its own; its recovery notice reported as the recovery."""
        if notice.kind == "outage":
            named = next((name for name, c in REPORTED_NAMES.items() if c == notice.component), "")
            return self.desk.customs_unavailable(notice.to, now, now, subject="customs/redundant", component=named)
        return self.desk.customs_back(notice.to, now)

    def _again(self, provider: str, now: datetime) -> Effects:
        """Staged (reporting lapse "again"): still no receipt twenty minutes after it found customs
        unavailable, the provider reports it once more, though the météo shows the alert."""
        fx = Effects()
        found = self.detected[provider]
        if "again" not in self.params.reporting_lapses or provider in self.again or now - found < _AGAIN:
            return fx
        self.again.add(provider)
        consulted = MeteoConsulted(
            consultation_id=derive_id(provider, f"meteo/{now.isoformat()}"), by=self.desk.source(provider),
            channel="web", alert_ids=tuple(sorted(self.open_alerts)), consulted_at=now,
        )  # fmt: skip
        fx.send(CONSULTATIONS, provider, consulted.consultation_id, self.desk.source(provider), consulted)
        fx.extend(self.desk.customs_unavailable(provider, found, now, subject="customs/again"))
        return fx

    def receipt(self, provider: str, now: datetime) -> Effects:
        """A receipt again: if customs had been found unavailable, it is back."""
        self.last_receipt[provider] = now
        if self.detected.pop(provider, None) is None:
            return Effects()
        self.again.discard(provider)
        return self.desk.customs_back(provider, now)
