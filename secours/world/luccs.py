"""Luxembourg: LUCCS's economic operators and their import declarations, and the parameters of LUCCS,
its Servicedesk eDouane and the Bureau de recette (seed 004)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from secours.world.base import _Strict

if TYPE_CHECKING:
    from secours.world.config import RunConfig


# What a staged careless LU operator gets wrong (LuccsParams.lu_careless_operators).
LuOperatorLapse = Literal["abandon_failed", "replay_own", "stay_on_ntp", "unquoted_paper"]
# What a staged careless Servicedesk eDouane gets wrong (LuccsParams.lu_careless_servicedesk).
LuDeskLapse = Literal["late_notice", "close_first"]
# How a staged faulty LUCCS misbehaves (LuccsParams.luccs_faulty).
LuccsFault = Literal["ntp_unanswered"]


class LuccsParams(_Strict):
    """LUCCS's and the Bureau de recette's timings, and the operators' staged breaches."""

    lu_ack_timeout_s: float = Field(
        180.0, gt=0, description="a LUCCS lodging not registered after this is lodged again"
    )
    lu_as4_timeout_s: float = Field(
        10.0,
        gt=0,
        description="an operator's B2G (AS4) system waits this long for the endpoint's receipt, sends the same "
        "message again once, and after as long again takes the lodging as failed (DOMAIN.md as4_retry)",
    )
    lu_bureau_answer_s: tuple[float, float] = Field(
        (300.0, 900.0), description="the Bureau de recette's delay to answer an operator's contact"
    )
    lu_silent_operators: bool = Field(
        False, description="non-compliant LU operators (staged): they use NTP without telling the Servicedesk"
    )
    lu_replaying_operators: bool = Field(
        False, description="non-compliant LU operators (staged): B2G back, they replay what failed, lodged or not"
    )
    lu_unadvised_operators: bool = Field(
        False, description="non-compliant LU operators (staged): LUCCS down, they lodge on paper unadvised"
    )
    lu_careless_operators: tuple[LuOperatorLapse, ...] = Field(
        (),
        description="non-compliant LU operators (staged): what they get wrong: abandon_failed (LUCCS's B2G "
        "endpoint down, a B2G lodging that failed is given up, never lodged again), replay_own (their own B2G "
        "back, they send through it again what they lodged on NTP meanwhile), stay_on_ntp (their own B2G back, "
        "they keep lodging on NTP), unquoted_paper (LUCCS back, a paper declaration is registered as a new "
        "one, without quoting its paper registration)",
    )
    lu_careless_servicedesk: tuple[LuDeskLapse, ...] = Field(
        (),
        description="non-compliant Servicedesk eDouane (staged): what it gets wrong once LUCCS or its B2G "
        "endpoint is back: late_notice (operators told only 75 minutes later), close_first (the fallback "
        "closed at once, before the operators are told)",
    )
    luccs_faulty: tuple[LuccsFault, ...] = Field(
        (),
        description="faulty LUCCS (staged): ntp_unanswered (its NTP portal takes lodgings but LUCCS never "
        "registers nor answers them)",
    )


@dataclass(frozen=True, slots=True)
class LuOperator:
    eori: str  # LU + 8 digits
    name: str


@dataclass(frozen=True, slots=True)
class LuDeclaration:
    decl_id: str
    eo: str
    decl_type: str  # H1..H7
    ready: datetime


def draw_luccs(config: RunConfig, rng: random.Random) -> tuple[tuple[LuOperator, ...], tuple[LuDeclaration, ...]]:
    """Economic operators registered with LUCCS and the import declarations they lodge, spread
    over the run's first nine tenths."""
    cfg, t = config, config.traffic
    eos = tuple(
        LuOperator(f"LU{rng.randrange(10**7, 10**8):08d}", f"Luxembourg Import {i + 1:03d} SARL")
        for i in range(t.lu_operators)
    )
    span = cfg.duration_hours * 3600 * 0.9
    decls = [
        LuDeclaration(
            decl_id=f"LUDEC{cfg.start:%y%m%d}{i + 1:06d}",
            eo=rng.choice(eos).eori,
            decl_type=rng.choice(("H1", "H1", "H1", "H2", "H6", "H7")),
            ready=cfg.start + timedelta(seconds=rng.uniform(0, span)),
        )
        for i in range(t.lu_declarations)
    ]
    return eos, tuple(sorted(decls, key=lambda d: d.ready))
