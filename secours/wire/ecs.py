"""ECS exit: ECS-BS, the exit office and the export office (seed 003)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from secours.wire.base import WireModel

# --- ECS exit: ECS-BS, the exit office and the export office (seed 003) ---------------------------


class EcsMovement(WireModel):
    """Delta G/X (the export office) hands a validated export declaration to ECS-BS."""

    schema_name = "secours.sim.EcsMovement"
    ce_type = "ecs.movement"
    mrn: str
    exporter: str
    exit_office: str
    validated_at: datetime


class EcsMsg(WireModel):
    """An ECS message (``ecs.msg``): the AER (IE501), an arrival notification (IE507), an exit
    announcement (EXIT_ANN), exit results (IE518) or the certification of exit (IE599)."""

    schema_name = "secours.sim.EcsMsg"
    ce_type = "ecs.msg"
    msg_id: str
    ie: Literal["IE501", "IE507", "EXIT_ANN", "IE518", "IE599"]
    mrn: str
    by: Literal["operator", "substitute", "service", "auto"]
    channel: Literal["EDI", "DTI", "SYSTEM"]
    reintegration: bool
    event_time: datetime  # when the arrival or exit really happened (a reintegration carries the stamp's)
    office: str
    sent_at: datetime


class EcsState(WireModel):
    """A movement's state in Delta G/X or in ECS-BS (``ecs.state``)."""

    schema_name = "secours.sim.EcsState"
    ce_type = "ecs.state"
    mrn: str
    system: Literal["DELTA", "ECSBS"]
    state: Literal["EN_COURS_DE_SORTIE", "AER_ARRIVE", "ETAT_STOCKE", "SORTIE_CONFIRMEE", "SORTIE_CERTIFIEE"]
    at: datetime


class ExitArrived(WireModel):
    """The goods reach the exit office (physical)."""

    schema_name = "secours.sim.ExitArrived"
    ce_type = "exit.arrived"
    mrn: str
    office: str
    at: datetime


class ExitDeparted(WireModel):
    """The goods leave the customs territory of the Union (physical)."""

    schema_name = "secours.sim.ExitDeparted"
    ce_type = "exit.departed"
    mrn: str
    office: str
    at: datetime


class EadPresented(WireModel):
    """The operator (or the driver) presents the EAD at the exit office's counter, or e-mails it."""

    schema_name = "secours.sim.EadPresented"
    ce_type = "ead.presented"
    timing_mark = "fallback"
    presentation_id: str
    mrn: str
    office: str
    channel: Literal["counter", "email"]
    by: str
    step: Literal["arrival_exit", "arrival", "exit"]  # immediate exit; deferred: at arrival, then at exit
    at: datetime


class BsControl(WireModel):
    schema_name = "secours.sim.BsControl"
    ce_type = "bs.control"
    mrn: str
    office: str
    result: Literal["ok", "not_ok"]
    at: datetime


class EadStamped(WireModel):
    """The exit office stamps the EAD (cachet ND) with the mention of the step."""

    schema_name = "secours.sim.EadStamped"
    ce_type = "ead.stamped"
    mrn: str
    office: str
    stamp: str  # ND
    mention: str  # « sortie autorisée », « présenté le dd/mm/yyyy », « sortie autorisée le dd/mm/yyyy »
    mention_date: str  # the date written in the mention (dd/mm/yyyy), "" for « sortie autorisée »
    at: datetime


class EadReturned(WireModel):
    schema_name = "secours.sim.EadReturned"
    ce_type = "ead.returned"
    mrn: str
    office: str
    at: datetime


class EadCopyKept(WireModel):
    schema_name = "secours.sim.EadCopyKept"
    ce_type = "ead.copy_kept"
    mrn: str
    office: str
    at: datetime


class BsReintegrationNotice(WireModel):
    """The exit office tells the operator it will reintegrate the movement once ECS-BS is back."""

    schema_name = "secours.sim.BsReintegrationNotice"
    ce_type = "bs.reintegration_notice"
    mrn: str
    office: str
    text: str
    at: datetime


class BsRelaxation(WireModel):
    """An exceptionally long outage: the office relaxes the 24-hour reintegration deadline."""

    schema_name = "secours.sim.BsRelaxation"
    ce_type = "bs.relaxation"
    alert_id: str
    office: str
    new_deadline: datetime
    at: datetime
