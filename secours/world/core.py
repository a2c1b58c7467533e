"""The world itself: everything a run's configuration and seed make, drawn by the modules of each
customs system, and the views the services look things up in."""

from __future__ import annotations

import random
from functools import cached_property

from secours.world.config import RunConfig
from secours.world.delta import draw_delta
from secours.world.ecs import draw_ecs
from secours.world.ics2 import (
    Carrier,
    Consignment,
    Provider,
    Trader,
    Transport,
    draw_consignments,
    draw_parties,
    draw_timetable,
)
from secours.world.luccs import draw_luccs


class World:
    def __init__(self, config: RunConfig) -> None:
        self.config = config
        rng = random.Random(config.seed)
        self.providers, self.traders, self.carriers = draw_parties(config.traffic, rng)
        self.transports = draw_timetable(config, self.carriers, rng)
        self.consignments = draw_consignments(config, self.transports, self.traders, rng)
        # Luxembourg's traffic has its own random stream: a world without it is drawn as before.
        self.lu_operators, self.lu_declarations = draw_luccs(config, random.Random(f"luccs/{config.seed}"))
        self.connection_providers, self.delta_declarants, self.delta_declarations = draw_delta(
            config, random.Random(f"delta/{config.seed}")
        )
        self.exporters, self.exports = draw_ecs(config, random.Random(f"ecs/{config.seed}"))

    @cached_property
    def delta_streams(self) -> tuple[str, ...]:
        """Delta's intakes the run uses, ``delta:<SERVICE>/<MODE>``: each has its own heartbeat,
        watched by the CID, so that an alert can name the service and mode that stopped."""
        used = {(s, d.mode) for d in self.delta_declarants for s in d.services}
        return tuple(sorted(f"delta:{s}/{m}" for s, m in used))

    def self_filer(self, eori: str) -> bool:
        """The trader lodges its ENS itself (own connection or STI portal), not through an EDI provider."""
        tr = self.trader_by_eori.get(eori)
        return tr is not None and self.provider_by_id[tr.provider].own_connection

    def direct_filer(self, eori: str) -> bool:
        """The trader files through its own STI connection, system to system (no EDI provider)."""
        return self.self_filer(eori) and not self.portal_filer(eori)

    def ics2_path(self, eori: str) -> frozenset[str]:
        """The ICS2 components this filer's ENS go through: TAPAS (AS4) for system-to-system filing,
        UUM&DS (portal sign-in) for direct input, and TAPAS too for a portal filer with an EDI
        provider to hand over to; then the STI, the CR and the national component for everyone. An
        outage elsewhere does not stop this filer: it covers none of its consignments."""
        tr = self.trader_by_eori.get(eori)
        if not self.portal_filer(eori):
            way_in = {"ics2_tapas"}
        else:
            way_in = {"ics2_uumds", "ics2_tapas"} if tr is not None and tr.backup else {"ics2_uumds"}
        return frozenset({*way_in, "ics2_sti", "ics2_cr", "ics2_nes_fr"})

    def portal_filer(self, eori: str) -> bool:
        """The trader lodges by direct input on the STI portal (DTI)."""
        tr = self.trader_by_eori.get(eori)
        return tr is not None and self.provider_by_id[tr.provider].channel == "DTI"

    # --- derived views -----------------------------------------------------------------------

    @cached_property
    def transport_by_id(self) -> dict[str, Transport]:
        return {tr.id: tr for tr in self.transports}

    @cached_property
    def provider_by_id(self) -> dict[str, Provider]:
        return {p.id: p for p in self.providers}

    @cached_property
    def trader_by_eori(self) -> dict[str, Trader]:
        return {tr.eori: tr for tr in self.traders}

    @cached_property
    def consignment_by_lrn(self) -> dict[str, Consignment]:
        return {c.lrn: c for c in self.consignments}

    @cached_property
    def carrier_by_eori(self) -> dict[str, Carrier]:
        return {c.eori: c for c in self.carriers}

    def clients_of(self, provider: str) -> tuple[Trader, ...]:
        return tuple(tr for tr in self.traders if tr.provider == provider)

    def enters_through_france(self, c: Consignment) -> bool:
        """Its office of first entry is French: the French fallback may concern it (seed 001)."""
        return self.transport_by_id[c.transport_id].entry_office.startswith("FR")

    @cached_property
    def _french_entry_traders(self) -> frozenset[str]:
        return frozenset(c.trader for c in self.consignments if self.enters_through_france(c))

    def concerned_clients_of(self, provider: str) -> tuple[Trader, ...]:
        """The clients of ``provider`` with goods entering through France: those a French outage
        concerns, whom the provider tells of it (EU-C7: French-specific actions concern them only)."""
        return tuple(tr for tr in self.clients_of(provider) if tr.eori in self._french_entry_traders)

    def units_on(self, transport_id: str) -> tuple[Consignment, ...]:
        """The units that travel on ``transport_id`` (not those shut out, whose ENS is withdrawn)."""
        return self._by_transport.get(transport_id, ())

    @cached_property
    def _by_transport(self) -> dict[str, tuple[Consignment, ...]]:
        grouped: dict[str, list[Consignment]] = {}
        for c in self.consignments:
            if not c.withdrawn:
                grouped.setdefault(c.transport_id, []).append(c)
        return {k: tuple(v) for k, v in grouped.items()}

    def queue_eoris(self) -> list[str]:
        """Every EORI that has a customs-to-trader queue: traders and carriers."""
        return [tr.eori for tr in self.traders] + [c.eori for c in self.carriers]
