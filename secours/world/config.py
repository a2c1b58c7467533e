"""A run's configuration: its traffic (:class:`Traffic`), its actors' timings, rates and staged breaches
(:class:`Params`), and the run itself (:class:`RunConfig`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pydantic import Field, model_validator

from secours.world.base import ServiceParams, _Strict
from secours.world.delta import DeltaParams
from secours.world.ecs import EcsParams
from secours.world.fallback import FallbackParams
from secours.world.ics2 import Ics2Params
from secours.world.luccs import LuccsParams


class Traffic(_Strict):
    """How much traffic, and of which kind (DOMAIN.md §6)."""

    consignments: int = Field(1000, ge=1, le=2_000_000, description="ICS2 consignments (ENS) of the day")
    providers: int = Field(3, ge=1, le=50, description="EDI providers filing ENS for traders (P001...)")
    traders: int = Field(30, ge=1, le=5000, description="traders (EORI) whose goods enter, each with a provider")
    ferry_share: float = Field(
        0.7, ge=0, le=1, description="share of units crossing by ferry (else by the tunnel shuttle)"
    )
    trailer_share: float = Field(0.25, ge=0, le=1, description="share of ferry units that are unaccompanied trailers")
    invalid_rate: float = Field(0.01, ge=0, le=1, description="first filing breaks a rule (IE3N99), then fixed")
    duplicate_rate: float = Field(0.005, ge=0, le=1, description="ENS accidentally sent twice (IE3N01)")
    first_arrival_hour: float = Field(4.0, ge=0, description="first arrival, in hours after the start")
    last_arrival_hour: float = Field(22.0, ge=0, description="last arrival, in hours after the start")
    direct_filers: int = Field(
        0, ge=0, le=1000, description="traders with their own STI connection, filing with no EDI provider"
    )
    portal_filers: int = Field(
        0, ge=0, le=1000, description="traders lodging by direct input on the ICS2 STI portal (DTI)"
    )
    foreign_unloading_share: float = Field(
        0.0,
        ge=0,
        le=1,
        description="share of consignments entering via France, unloaded in another Member State",
    )
    foreign_entry_traders: int = Field(
        0,
        ge=0,
        le=1000,
        description="traders (the first ones) whose goods all enter the EU at a Belgian office (Hull-Zeebrugge "
        "ferries, office BE000001), not through France: the French fallback is not theirs (EU-C7)",
    )
    lu_operators: int = Field(0, ge=0, le=500, description="economic operators registered with LUCCS (Luxembourg)")
    lu_declarations: int = Field(0, ge=0, le=100_000, description="import declarations they lodge with LUCCS")
    delta_declarants: int = Field(0, ge=0, le=500, description="French declarants clearing goods in Delta G/X/H7")
    delta_declarations: int = Field(0, ge=0, le=100_000, description="declarations they lodge in Delta")
    delta_edi_share: float = Field(
        0.5, ge=0, le=1, description="share of declarants lodging by EDI through a connection provider (else DTI)"
    )
    delta_connection_providers: int = Field(2, ge=1, le=20, description="Delta EDI connection providers")
    delta_until_hour: float | None = Field(
        None, gt=0, description="declarations become ready up to this hour of the run (default: its first nine tenths)"
    )
    delta_non_technical_share: float = Field(
        0.0, ge=0, le=1, description="share of declarations the office holds (under control, credit, cash payment)"
    )
    exporters: int = Field(
        0, ge=0, le=200, description="exporters whose goods leave the EU through a French exit office"
    )
    exports: int = Field(0, ge=0, le=100_000, description="export movements (MRN/EAD) that reach an exit office")
    exporter_edi_share: float = Field(
        0.5, ge=0, le=1, description="share of exporters doing exit formalities by EDI (else DTI on the portal)"
    )
    prodouane_share: float = Field(1.0, ge=0, le=1, description="share of EDI exporters with a prodouane account")
    substitute_share: float = Field(
        0.0, ge=0, le=1, description="share of exporters with a substitute (UCC art. 267(2)) able to do the formalities"
    )
    land_exit_share: float = Field(0.0, ge=0, le=1, description="share of movements leaving by the land exit FR000030")
    deferred_share: float = Field(
        0.5, ge=0, le=1, description="share of movements whose goods leave hours after reaching the exit office"
    )
    exports_until_hour: float | None = Field(
        None, gt=0, description="goods reach the exit office up to this hour of the run (default: its first 0.6)"
    )
    amendment_share: float = Field(
        0.0, ge=0, le=1, description="share of ENS their filer amends (IE3Axx) once or twice after registration"
    )
    invalidation_share: float = Field(
        0.0,
        ge=0,
        le=1,
        description="share of units shut out of their sailing: the filer withdraws the ENS (IE3Q04)",
    )

    @model_validator(mode="after")
    def _luccs_needs_operators(self) -> Traffic:
        if self.lu_declarations and not self.lu_operators:
            raise ValueError("lu_declarations needs lu_operators (the operators who lodge them)")
        return self

    @model_validator(mode="after")
    def _some_traders_use_providers(self) -> Traffic:
        if self.direct_filers + self.portal_filers >= self.traders:
            raise ValueError(
                f"direct_filers + portal_filers ({self.direct_filers + self.portal_filers}) must be fewer than "
                f"traders ({self.traders})"
            )
        # The first traders run the foreign line, the last ones file themselves: one at least is neither.
        apart = self.foreign_entry_traders + self.direct_filers + self.portal_filers
        if self.foreign_entry_traders and apart >= self.traders:
            raise ValueError(
                f"foreign_entry_traders + direct_filers + portal_filers ({apart}) must be fewer than traders "
                f"({self.traders})"
            )
        return self

    @model_validator(mode="after")
    def _exports_need_exporters(self) -> Traffic:
        if self.exports and not self.exporters:
            raise ValueError("exports needs exporters (whose goods leave)")
        return self

    @model_validator(mode="after")
    def _delta_needs_declarants(self) -> Traffic:
        if self.delta_declarations and not self.delta_declarants:
            raise ValueError("delta_declarations needs delta_declarants (the declarants who lodge them)")
        return self


class Params(EcsParams, DeltaParams, LuccsParams, FallbackParams, ServiceParams, Ics2Params):
    """Timings and rates of the simulated actors, in simulated seconds (all [A] in DOMAIN.md)."""

    # The fields are the bases', one part per customs system, in the reverse of the order above
    # (pydantic's): ICS2's, the services', the fallback's, LUCCS's, Delta's, ECS's; then this one, the
    # office of first entry's staged breach, last as it has always been, so that a run's configuration
    # is written in the same order. A new field goes in the part of its system.
    unchecking_office: bool = Field(
        False, description="non-compliant office (staged): it records missing ENS without checking the system"
    )


class RunConfig(_Strict):
    seed: int = 1
    speed: float = Field(1200.0, gt=0)
    # Simulated time a record takes from its writer to its readers on a stepped clock (a wall clock's
    # is the broker's latency times the speed): the networks between the parties.
    transit_s: float = Field(5.0, gt=0, le=600)
    start: datetime = datetime(2026, 3, 2, tzinfo=UTC)
    duration_hours: float = Field(24.0, gt=0)
    traffic: Traffic = Traffic()
    params: Params = Params()

    @property
    def end(self) -> datetime:
        return self.start + timedelta(hours=self.duration_hours)
