"""France: Delta G/X/H7's declarants, connection providers and declarations, and the parameters of
Delta, the customs offices and the declarants (seed 002)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from secours.world.base import _Strict

if TYPE_CHECKING:
    from secours.world.config import RunConfig


# Steps of the alert sheet a staged careless declarant skips (DeltaParams.delta_careless_declarants).
DeltaLapse = Literal[
    "meteo",
    "provider",
    "words",
    "early",
    "sau_call",
    "end_office",
    "regularise",
    "after_end",
    "no_ack",
    "after_close",
    "jumpy",
    "no_wait",
    "own_da",
    "sweeping",
    "twice",
]

# Relays to their clients a staged careless connection provider leaves out (DeltaParams.delta_careless_providers).
DeltaProviderLapse = Literal["answer", "alert_relay", "bip_relay", "end_relay"]

# What a staged careless CID gets wrong in its Delta alerts (DeltaParams.delta_careless_cid).
DeltaCidLapse = Literal["publisher", "symptoms", "end_instructions", "slow_report"]


class DeltaParams(_Strict):
    """Customs offices' opening hours (every office keeps them), Delta's timings, and the declarants' and
    connection providers' staged breaches."""

    office_hours: tuple[int, int] = Field(
        (8, 18), description="opening hours of customs offices, Monday to Friday, Europe/Paris (start, end hour)"
    )
    sau_on_call_s: tuple[float, float] = Field(
        (600.0, 1800.0),
        description="from an out-of-hours call to the SAU about a self-trigger request to the on-call team's "
        "answer: where its remote checks found the malfunction",
    )
    delta_release_s: tuple[float, float] = Field(
        (120.0, 900.0), description="from validation to release (BAE) or to a state set by the office"
    )
    delta_hold_s: tuple[float, float] = Field(
        (3600.0, 7200.0), description="how long the office keeps a declaration under control, credit or cash payment"
    )
    delta_answer_timeout_s: float = Field(
        600.0, gt=0, description="a declaration still not validated after this cannot be validated (case a)"
    )
    delta_block_after_s: float = Field(
        1800.0, gt=0, description="validated, no BAE and no state from the office for this long: blocked (case b)"
    )
    delta_step_s: tuple[float, float] = Field(
        (60.0, 300.0), description="how long a declarant takes for one step of the alert sheet"
    )
    delta_blind_declarants: bool = Field(
        False, description="non-compliant declarants (staged): any open Delta alert makes them fall back"
    )
    delta_skipping_declarants: bool = Field(
        False, description="non-compliant declarants (staged): they self-trigger without looking in Aubette"
    )
    delta_impatient_declarants: bool = Field(
        False, description="non-compliant declarants (staged): no BAE in Aubette is enough; they ask no office"
    )
    delta_careless_declarants: tuple[DeltaLapse, ...] = Field(
        (),
        description="non-compliant declarants (staged): the steps of the alert sheet they skip: meteo (no look at "
        "the météo), provider (EDI: no call to the provider), words (a DA without « auto-déclenchement de la "
        "procédure de secours »), early (paper declarations as soon as the DA is filed), sau_call (no call to the "
        "SAU for a DA registered out of hours), end_office (the office not told of the end), regularise (nothing "
        "regularised), after_end (those on paper under an alert miss its end: their paper goes on, nothing "
        "regularised), "
        "no_ack (the office told of the start as soon as the DA is filed, without OLGA's acknowledgement), "
        "after_close (paper goes on for an hour under a DA already closed, each one lodged again at once), "
        "jumpy (a declaration validated five minutes without BAE is taken for blocked), no_wait (EDI: told "
        "that the provider's platform is at fault, they self-trigger rather than wait for the CID's alert), "
        "own_da (a matching alert on the météo does not stop them: they go on to a DA of their own), sweeping (a DA "
        "cites every declaration they have on the service, those already released (BAE) included), twice (a second "
        "DA for the same service once the first is registered, handled as the first: the office told, closure "
        "asked)",
    )
    delta_careless_providers: tuple[DeltaProviderLapse, ...] = Field(
        (),
        description="non-compliant connection providers (staged): what they leave out: answer (their clients' "
        "calls go unanswered), alert_relay (the CID's alert itself), bip_relay (the CID's bulletins), end_relay "
        "(the end of the alert)",
    )
    delta_careless_cid: tuple[DeltaCidLapse, ...] = Field(
        (),
        description="non-compliant CID (staged): what it gets wrong in its Delta alerts: publisher (they go out "
        "under the SAU's name), symptoms (the opening names none), end_instructions (the end of the alert says "
        "nothing of what to do), slow_report (a provider's reported outage is published 45 minutes after the "
        "report)",
    )
    delta_partial_report_providers: tuple[str, ...] = Field(
        (), description="non-compliant connection providers (staged): their report to the CID omits one client"
    )


DELTA_SERVICES = ("DELTA_G", "DELTA_X_IMPORT", "DELTA_X_EXPORT", "DELTA_H7")
DELTA_OFFICES = ("FR006900", "FR007600", "FR005900")  # Lyon, Rouen, Lille (an8 office references)


@dataclass(frozen=True, slots=True)
class ConnectionProvider:
    id: str  # C001...
    name: str
    eori: str


@dataclass(frozen=True, slots=True)
class DeltaDeclarant:
    eori: str
    name: str
    address: str
    phone: str
    mode: Literal["EDI", "DTI"]
    provider: str  # its connection provider (EDI), "" for DTI
    services: tuple[str, ...]  # the Delta online services it clears with
    office: str  # the customs office it clears at


@dataclass(frozen=True, slots=True)
class DeltaDeclaration:
    ref: str  # the declarant's own reference; Delta gives the declaration number at validation
    declarant: str
    service: str
    ready: datetime
    outcome: str  # what the office decides: BAE, or SOUS_CONTROLE / CREDIT_EN_ATTENTE / PAIEMENT_COMPTANT first

    @property
    def seq(self) -> int:
        return int(self.ref[-6:])


def draw_delta(
    config: RunConfig, rng: random.Random
) -> tuple[tuple[ConnectionProvider, ...], tuple[DeltaDeclarant, ...], tuple[DeltaDeclaration, ...]]:
    """Delta's declarants (EDI through a connection provider, or DTI on the portal), each on one to
    three online services, and their declarations spread over the run's first nine tenths (or its
    first ``delta_until_hour`` hours: what the office holds or a request opens has time to end)."""
    cfg, t = config, config.traffic
    if not t.delta_declarants:
        return (), (), ()
    providers = tuple(
        ConnectionProvider(f"C{i + 1:03d}", f"Connexion Douane {i + 1}", f"FR{rng.randrange(10**13, 10**14):014d}")
        for i in range(t.delta_connection_providers)
    )
    edi = round(t.delta_declarants * t.delta_edi_share)
    people: list[DeltaDeclarant] = []
    for i in range(t.delta_declarants):
        mode: Literal["EDI", "DTI"] = "EDI" if i < edi else "DTI"
        services = tuple(sorted(rng.sample(DELTA_SERVICES, 2 if i % 2 == 0 else rng.choice((1, 3)))))
        people.append(
            DeltaDeclarant(
                eori=f"FR{rng.randrange(10**13, 10**14):014d}",
                name=f"Transit Déclarant {i + 1:03d} SAS",
                address=f"{rng.randint(1, 120)} quai du Port, {rng.choice(('Lyon', 'Rouen', 'Lille'))}",
                phone=f"+33 {rng.randint(1, 5)} {rng.randrange(10**7, 10**8):08d}",
                mode=mode,
                provider=providers[i % len(providers)].id if mode == "EDI" else "",
                services=services,
                office=DELTA_OFFICES[i % len(DELTA_OFFICES)],
            )
        )
    span = (t.delta_until_hour or cfg.duration_hours * 0.9) * 3600
    held = ("SOUS_CONTROLE", "CREDIT_EN_ATTENTE", "PAIEMENT_COMPTANT")
    decls: list[DeltaDeclaration] = []
    for i in range(t.delta_declarations):
        who = people[i % len(people)]  # every declarant lodges, on each of its services in turn
        decls.append(
            DeltaDeclaration(
                ref=f"DLT{cfg.start:%y%m%d}{i + 1:06d}",
                declarant=who.eori,
                service=who.services[(i // len(people)) % len(who.services)],
                ready=cfg.start + timedelta(seconds=rng.uniform(0, span)),
                outcome=rng.choice(held) if rng.random() < t.delta_non_technical_share else "BAE",
            )
        )
    return providers, tuple(people), tuple(sorted(decls, key=lambda d: d.ready))
