"""The simulated actors. Every folder is one service and has the same shape.

Layout:
    trader/         ENS filers (hauliers): file through their EDI provider, answer referrals, pair ELOs
    edi_provider/   certified EDI providers: push to the STI, retry, relay the answers of the EORI queues
    ics2_tapas/     ICS2 TAPAS, the AS4 access point: AS4 pushes in to the STI, answers out to the EORI queues
    ics2_sti/       ICS2 shared trader interface: receipts, validation (IE3N99), MRN, per-EORI queues
    ics2_cr/        ICS2 common repository: lifecycle (IE3N01), registration (IE3R01), distribution
    ics2_uumds/     ICS2 UUM&DS: sign-in to the STI portal; passes direct-input (DTI) filings to the STI
    ics2_nes_fr/    French national component (Automate de sûreté): IE3N03, IE3Q02, IE3N08
    smart_border/   ferries and shuttles arrive (IE3N06 -> IE3R04), units disembark, green/orange lane
    customs_desk_fr/ CID and its SAU: monitoring, météo alerts and bulletins, direct notices to providers
    eu_commission/  the Commission (DG TAXUD): unavailability notices to the Member States
    olga/           OLGA: registers and acknowledges assistance requests (DA) at any hour
    customs_office_fr/ the office of first entry: checks the system before recording a missing ENS
    shipping_company/ ferry companies: loading lists of unaccompanied trailers whose ENS is late
    luccs_b2g/      LUCCS's B2G (AS4) endpoint: passes operators' system-to-system declarations to LUCCS
    luccs/          LUCCS, Luxembourg's national import system: registers declarations (B2G or NTP portal)
    lu_servicedesk/ the Servicedesk eDouane: watches LUCCS, opens and closes its fallback, notifies operators
    lu_bureau/      the Bureau de recette Douanes: recommendations and paper declarations when LUCCS is down
    lu_operator/    Luxembourg economic operators: lodge declarations, and fall back as seed 004 says
    delta/          Delta G/X/H7: validation, release (BAE) or the office's hold, and Aubette
    delta_provider/ Delta EDI connection providers: relay declarations and answers, report their own outage
    delta_office/   the customs offices of Delta's declarants: state queries, fallback records
    declarant/      French declarants clearing in Delta, and the steps of the alert sheet (seed 002)
    ecs_export/     the export office (Delta G/X export): movements to ECS-BS, certification of exit (IE599)
    ecs_exit/       ECS-BS: movements and AER, arrival notifications, exit announcements, exit results (IE518)
    douane_portal/  the customs portal douane.gouv.fr: passes DTI exit formalities on to ECS-BS
    exit_office/    the exit office's staff: land-exit formalities, EAD stamping in fallback, reintegration
    exporter/       exporters at the exit office: notifications, and the ECS-BS fallback (seed 003)

In each folder ``logic.py`` is pure (state + event + now -> new state + messages and timers) and
``service.py`` declares the topics it consumes and publishes and runs the logic on the bus.
A service never imports another service: they talk only through topics.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import ModuleType

from secours.runtime import ServiceContext
from secours.world import RunConfig
from services.customs_desk_fr import service as customs_desk_fr
from services.customs_office_fr import service as customs_office_fr
from services.declarant import service as declarant
from services.delta import service as delta
from services.delta_office import service as delta_office
from services.delta_provider import service as delta_provider
from services.douane_portal import service as douane_portal
from services.ecs_exit import service as ecs_exit
from services.ecs_export import service as ecs_export
from services.edi_provider import service as edi_provider
from services.eu_commission import service as eu_commission
from services.exit_office import service as exit_office
from services.exporter import service as exporter
from services.ics2_cr import service as ics2_cr
from services.ics2_nes_fr import service as ics2_nes_fr
from services.ics2_sti import service as ics2_sti
from services.ics2_tapas import service as ics2_tapas
from services.ics2_uumds import service as ics2_uumds
from services.lu_bureau import service as lu_bureau
from services.lu_operator import service as lu_operator
from services.lu_servicedesk import service as lu_servicedesk
from services.luccs import service as luccs
from services.luccs_b2g import service as luccs_b2g
from services.olga import service as olga
from services.shipping_company import service as shipping_company
from services.smart_border import service as smart_border
from services.trader import service as trader

__all__ = ["REGISTRY", "ServiceDef"]


@dataclass(frozen=True, slots=True)
class ServiceDef:
    name: str
    run: Callable[[ServiceContext], Awaitable[None]]
    consumes: tuple[str, ...]
    publishes: tuple[str, ...]
    summary: str
    monitored: bool  # its liveness is watched (heartbeats on ops.health), like customs' own systems
    needed: Callable[[RunConfig], bool]  # whether a drill's traffic gives it anything to do


def _define(name: str, module: ModuleType) -> ServiceDef:
    monitored = bool(getattr(module, "MONITORED", False))
    publishes = (*module.PUBLISHES, "ops.health") if monitored else module.PUBLISHES
    needed = getattr(module, "needed", lambda config: True)
    return ServiceDef(name, module.run, module.CONSUMES, publishes, (module.__doc__ or "").strip(), monitored, needed)


REGISTRY: dict[str, ServiceDef] = {
    d.name: d
    for d in (
        _define("trader", trader),
        _define("edi_provider", edi_provider),
        _define("ics2_tapas", ics2_tapas),
        _define("ics2_sti", ics2_sti),
        _define("ics2_cr", ics2_cr),
        _define("ics2_uumds", ics2_uumds),
        _define("ics2_nes_fr", ics2_nes_fr),
        _define("smart_border", smart_border),
        _define("customs_desk_fr", customs_desk_fr),
        _define("eu_commission", eu_commission),
        _define("olga", olga),
        _define("customs_office_fr", customs_office_fr),
        _define("shipping_company", shipping_company),
        _define("lu_operator", lu_operator),
        _define("luccs_b2g", luccs_b2g),
        _define("luccs", luccs),
        _define("lu_servicedesk", lu_servicedesk),
        _define("lu_bureau", lu_bureau),
        _define("declarant", declarant),
        _define("delta_provider", delta_provider),
        _define("delta", delta),
        _define("delta_office", delta_office),
        _define("exporter", exporter),
        _define("exit_office", exit_office),
        _define("ecs_export", ecs_export),
        _define("ecs_exit", ecs_exit),
        _define("douane_portal", douane_portal),
    )
}
"""Every service, by name: what ``secours run --only/--without`` accepts."""
