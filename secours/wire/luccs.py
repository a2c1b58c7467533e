"""Luxembourg: LUCCS, its Servicedesk eDouane and the Bureau de recette (seed 004)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from secours.wire.base import WireModel

# --- Luxembourg: LUCCS, its Servicedesk eDouane and the Bureau de recette (seed 004) ---------------


class LuImportDeclaration(WireModel):
    """An import declaration an economic operator lodges: B2G (AS4), on the NTP portal, or on paper."""

    schema_name = "lu.luccs.ImportDeclaration"
    ce_type = "lu.declaration"
    message_id: str
    decl_id: str
    eo: str
    decl_type: str  # H1..H7
    channel: Literal["B2G", "NTP", "PAPER"]
    ref: str  # what it follows up: the recommendation (paper), the paper registration (regularisation), or ""
    lodged_at: datetime


class LuAs4Receipt(WireModel):
    """The ADA's B2G endpoint took a declaration lodged over AS4: a synchronous, signed receipt (not
    LUCCS's registration). The same message lodged again gets the same receipt again."""

    schema_name = "lu.luccs.As4Receipt"
    ce_type = "lu.as4.receipt"
    receipt_id: str
    ref_message_id: str
    eo: str
    decl_id: str
    received_at: datetime


class LuDecl(WireModel):
    """LUCCS registered a declaration (or saw it lodged twice); the Bureau took a paper one."""

    schema_name = "secours.sim.LuDecl"
    ce_type = "lu.decl"
    timing_mark = "fallback"
    record_id: str
    message_id: str  # the lodging it answers
    decl_id: str
    eo: str
    channel: Literal["B2G", "NTP", "PAPER"]
    status: Literal["REGISTERED", "DUPLICATE", "PAPER_ACCEPTED"]
    ref: str
    registered_at: datetime


class LuServicedesk(WireModel):
    """A notice to or from the Servicedesk eDouane (e-mail or phone)."""

    schema_name = "secours.sim.LuServicedesk"
    ce_type = "lu.servicedesk"
    timing_mark = "detection"
    notice_id: str
    action: Literal["eo_outage", "eo_restored", "fallback_open", "fallback_close", "eo_notice"]
    eo: str  # the operator concerned ("" for the fallback itself)
    scope: Literal["B2G_EO", "B2G_ADA", "FULL"]
    joint_with: str  # "BUREAU_RECETTE" when the Bureau de recette runs the fallback with the Servicedesk
    notice: str  # eo_notice: "opened" or "restored"
    text: str
    sent_at: datetime


class LuBureau(WireModel):
    """An operator contacting the Bureau de recette Douanes, or its recommendation."""

    schema_name = "secours.sim.LuBureau"
    ce_type = "lu.bureau"
    message_id: str
    action: Literal["contact", "recommendation"]
    eo: str
    office: str
    channel: str  # recommendation: the channel to lodge through (PAPER by default)
    recommendation: str
    ref: str  # recommendation: the contact it answers
    sent_at: datetime
