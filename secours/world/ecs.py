"""ECS exit: the exporters and their export movements to a French exit office, and the parameters of
ECS-BS, the exit office and the exporters (seed 003)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from secours.ids import make_mrn
from secours.world.base import _Strict

if TYPE_CHECKING:
    from secours.world.config import RunConfig


# What a staged careless exit office gets wrong (EcsParams.ecs_careless_office).
EcsOfficeLapse = Literal["stamp", "notice", "event_time", "relax", "control_after", "stamp_after_recovery", "restamp"]
# What staged careless exporters get wrong (EcsParams.ecs_careless_exporters).
EcsExporterLapse = Literal["early_exit", "late_presentation", "dawdling", "land_email", "fallback_first", "late_close"]


class EcsParams(_Strict):
    """ECS exit's timings and rates, and the exit office's and exporters' staged breaches."""

    ecs_lead_s: tuple[float, float] = Field(
        (1800.0, 14400.0), description="from the export declaration's validation (MRN/EAD) to the exit office"
    )
    ecs_deferred_exit_s: tuple[float, float] = Field(
        (3600.0, 10800.0), description="deferred exit: from arrival at the exit office to the physical exit"
    )
    ecs_answer_timeout_s: float = Field(
        300.0, gt=0, description="an arrival notification or exit announcement unanswered this long has failed"
    )
    ecs_control_rate: float = Field(0.1, ge=0, le=1, description="share of fallback presentations the office controls")
    ecs_handling_s: tuple[float, float] = Field(
        (60.0, 600.0), description="the exit office's time to control, stamp or record a presentation"
    )
    ecs_reintegration_s: tuple[float, float] = Field(
        (1800.0, 14400.0), description="from the end of the alert to the office reintegrating a fallback movement"
    )
    ecs_exceptional_outage_s: float = Field(
        43200.0, gt=0, description="an ECS-BS outage this long lets the office relax the 24-hour deadline"
    )
    ecs_late_office: bool = Field(
        False, description="non-compliant exit office (staged): it reintegrates 30 hours after the end of the alert"
    )
    ecs_unreturning_office: bool = Field(
        False, description="non-compliant exit office (staged): it keeps the original EAD instead of handing it back"
    )
    ecs_careless_office: tuple[EcsOfficeLapse, ...] = Field(
        (),
        description="non-compliant exit office (staged): what its officers get wrong: stamp (an ordinary office "
        "stamp, not ND), notice (the operator never told the movement will be reintegrated), event_time "
        "(reintegrated messages dated when they are sent, not by their stamp), relax (the 24-hour deadline "
        "relaxed after any outage), control_after (the EAD stamped first, the control's result written after), "
        "stamp_after_recovery (a deferred exit shown again once ECS-BS is back stamped « sortie autorisée le » "
        "instead of recorded in ECS-BS), restamp (a stamp that authorises the exit on its own struck a second "
        "time a minute later)",
    )
    ecs_hasty_exporters: bool = Field(
        False,
        description="non-compliant exporters (staged): own system down, they present the EAD before telling the office",
    )
    ecs_misaddressing_exporters: bool = Field(
        False, description="non-compliant exporters (staged): they present their EADs to the export office"
    )
    ecs_replaying_exporters: bool = Field(
        False, description="non-compliant exporters (staged): once back, they send their own notifications again"
    )
    ecs_careless_exporters: tuple[EcsExporterLapse, ...] = Field(
        (),
        description="non-compliant exporters (staged): what they get wrong: early_exit (goods of an immediate "
        "exit leave as soon as the EAD is handed in, before the stamp), late_presentation (the EAD presented "
        "at arrival half an hour after the fallback could be used), dawdling (a deferred exit's goods leave "
        "half an hour after the « sortie autorisée le » stamp), land_email (a land exit's EAD e-mailed instead "
        "of shown at the counter), fallback_first (own system down, straight to the fallback block: neither "
        "the portal nor a substitute), late_close (closure asked and the exit office told three hours after "
        "the system is back)",
    )
    ecs_losing_backlog: bool = Field(
        False,
        description="wrong ECS-BS (staged): the movements Delta G/X sent while it was down are lost, never loaded "
        "once it is back",
    )
    ecs_blind_delta: bool = Field(
        False,
        description="wrong Delta G/X (staged): it never hears of the AER, so it never shows a movement « en cours de "
        "sortie »",
    )
    ecs_slow_cid: bool = Field(
        False,
        description="non-compliant CID (staged): it publishes the ECS-BS alert 45 minutes after ECS-BS falls silent",
    )


EXIT_OFFICES = {"PORT": "FR000020", "LAND": "FR000030"}  # port exit office; land exit (France-Switzerland)
EXPORT_OFFICE = "FR000010"


@dataclass(frozen=True, slots=True)
class Exporter:
    eori: str
    name: str
    address: str
    phone: str
    mode: Literal["EDI", "DTI"]  # how it does the exit formalities
    has_prodouane: bool  # may switch to DTI on the portal when its own system fails
    substitute: str  # EORI of a person of UCC art. 267(2) who can do them instead ("" if none)


@dataclass(frozen=True, slots=True)
class ExportMovement:
    mrn: str  # export MRN, printed on the EAD
    exporter: str
    exit_office: str
    validated: datetime  # Delta G/X validated the export declaration: MRN/EAD issued, AER due
    arrival: datetime  # goods reach the exit office
    exit: datetime  # goods physically leave (immediate: at arrival; deferred: hours later)
    deferred: bool
    land: bool  # officers do the formalities from the driver's EAD (land exit)


def _every_kind(people: list[Exporter], edi: int, prodouane: float, substitute: float, rng: random.Random) -> None:
    """Make sure a world whose shares ask for both kinds of exporter has both: EDI exporters with
    and without a prodouane account, and in each group (with an account, without, on the portal)
    some with a substitute and some without. A drill that names "the first EDI exporter with no
    account but a substitute" then finds one on any seed. Drawn worlds that have every kind already
    are left as they are; otherwise one exporter of the group is changed (from its own random
    stream, so the movements drawn after are the same)."""

    def both(group: list[int], share: float, has: Callable[[Exporter], bool],
             give: Callable[[Exporter, bool], Exporter]) -> None:  # fmt: skip
        """Both kinds in ``group`` (a lone exporter gets the property when the share is half or more)."""
        flags = [has(people[i]) for i in group]
        if share <= 0 or not group:
            return
        if not any(flags) and (len(group) > 1 or share >= 0.5):
            people[group[-1]] = give(people[group[-1]], True)
        elif all(flags) and len(group) > 1 and share < 1:
            people[group[-1]] = give(people[group[-1]], False)

    both(list(range(edi)), prodouane, lambda x: x.has_prodouane, lambda x, on: replace(x, has_prodouane=on))
    for group in ([i for i in range(edi) if people[i].has_prodouane],
                  [i for i in range(edi) if not people[i].has_prodouane], list(range(edi, len(people)))):  # fmt: skip
        both(
            group,
            substitute,
            lambda x: bool(x.substitute),
            lambda x, on: replace(x, substitute=f"FR{rng.randrange(10**13, 10**14):014d}" if on else ""),
        )


def draw_ecs(config: RunConfig, rng: random.Random) -> tuple[tuple[Exporter, ...], tuple[ExportMovement, ...]]:
    """Exporters and their export movements: validated in Delta G/X (MRN/EAD) some hours before
    the goods reach a French exit office, where they leave at once or, deferred, hours later."""
    cfg, t, p = config, config.traffic, config.params
    if not t.exporters:
        return (), ()
    edi = round(t.exporters * t.exporter_edi_share)
    people = [
        Exporter(
            eori=f"FR{rng.randrange(10**13, 10**14):014d}",
            name=f"Exportateur {i + 1:03d} SA",
            address=f"{rng.randint(1, 200)} avenue de l'Export, Marseille",
            phone=f"+33 4 {rng.randrange(10**7, 10**8):08d}",
            mode="EDI" if i < edi else "DTI",
            has_prodouane=i >= edi or rng.random() < t.prodouane_share,
            substitute=f"FR{rng.randrange(10**13, 10**14):014d}" if rng.random() < t.substitute_share else "",
        )
        for i in range(t.exporters)
    ]
    _every_kind(people, edi, t.prodouane_share, t.substitute_share, random.Random(f"ecs-kinds/{cfg.seed}"))
    span = (t.exports_until_hour or cfg.duration_hours * 0.6) * 3600
    moves = []
    for i in range(t.exports):
        arrival = cfg.start + timedelta(seconds=rng.uniform(0, span))
        lead = timedelta(seconds=rng.uniform(*p.ecs_lead_s))
        land = rng.random() < t.land_exit_share
        deferred = not land and rng.random() < t.deferred_share  # a land exit is always immediate
        stay = timedelta(seconds=rng.uniform(*p.ecs_deferred_exit_s)) if deferred else timedelta(0)
        moves.append(
            ExportMovement(
                mrn=make_mrn(cfg.start.year, "FR", f"export/{cfg.seed}/{i}"),
                exporter=people[i % len(people)].eori,
                exit_office=EXIT_OFFICES["LAND" if land else "PORT"],
                validated=arrival - lead,
                arrival=arrival,
                exit=arrival + stay,
                deferred=deferred,
                land=land,
            )
        )
    return tuple(people), tuple(sorted(moves, key=lambda m: m.validated))
