"""ICS2 at the smart border: the actors' timings and rates, the EDI providers, traders and carriers, the
ferry and shuttle timetable, and the consignments with their ENS."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from secours.ids import make_lrn
from secours.wire import ActiveMeansOfTransport
from secours.world.base import _Strict

if TYPE_CHECKING:
    from secours.world.config import RunConfig, Traffic


# What a staged faulty common repository gets wrong (Ics2Params.faulty_cr).
CrLapse = Literal["backlog_newest_first", "backlog_stalled", "mrn_after_assessment"]
# What a staged faulty national component gets wrong (Ics2Params.faulty_nes).
NesLapse = Literal["backlog_stalled"]
# What a staged careless EDI provider gets wrong under an EU-level outage (Ics2Params.eu_careless_providers).
ProviderLapse = Literal["hold_back", "renumber", "late_replay", "double_replay", "drop_late_trailers", "relay_all"]


class Ics2Params(_Strict):
    """ICS2's timings and rates: the CR's, the national components', the filers' and the smart border's."""

    mrn_country: str = "FR"
    cr_processing_s: tuple[float, float] = (5.0, 60.0)
    assessment_s: tuple[float, float] = (60.0, 600.0)
    referral_rate: float = Field(0.03, ge=0, le=1)
    control_rate: float = Field(0.05, ge=0, le=1)
    referral_answer_s: tuple[float, float] = (300.0, 1200.0)
    control_decision_s: tuple[float, float] = (30.0, 180.0)
    fix_resubmit_s: tuple[float, float] = (300.0, 900.0)
    change_after_s: tuple[float, float] = Field(
        (1200.0, 2400.0), description="from the MRN to the filer's first amendment or invalidation"
    )
    change_gap_s: tuple[float, float] = Field((120.0, 600.0), description="between two changes to one ENS")
    duplicate_after_s: tuple[float, float] = (60.0, 600.0)
    cr_registers_duplicates: bool = Field(
        False,
        description="faulty common repository (staged): it registers an ENS filed again under an LRN or a "
        "transport document it already holds, instead of refusing it (IE3N01)",
    )
    lead_time_h: tuple[float, float] = (2.5, 8.0)
    receipt_timeout_s: float = Field(180.0, gt=0)
    retry_gap_s: float = Field(180.0, gt=0)
    after_arrival_retry_s: float = Field(
        900.0,
        gt=0,
        description="an ENS still without a receipt when its transport arrives (customs down): pushed again at "
        "this slower pace until it is receipted, so that it is lodged once customs is back",
    )
    disembark_delay_min: tuple[float, float] = (10.0, 40.0)
    open_border: bool = Field(
        False,
        description="non-compliant smart border (staged): a unit with no MRN on its ELO goes through the green "
        "lane, its goods presented as if its ENS were lodged",
    )
    faulty_cr: tuple[CrLapse, ...] = Field(
        (),
        description="faulty common repository (staged): backlog_newest_first (the backlog replayed after a "
        "queue-and-replay outage is answered newest first, a stack not a queue), backlog_stalled (that backlog "
        "is answered only after backlog_stall_s), mrn_after_assessment (an IE3R01 is held until the national "
        "component of first entry has assessed or referred the ENS, IE3N03 or IE3Q02)",
    )
    faulty_nes: tuple[NesLapse, ...] = Field(
        (),
        description="faulty French national component (staged): backlog_stalled (presentations buffered by an "
        "outage are processed only after backlog_stall_s)",
    )
    uumds_blocks_s2s: bool = Field(
        False,
        description="faulty shared trader interface (staged): it needs UUM&DS for system-to-system pushes too, so "
        "an UUM&DS outage refuses them as well as the portal's (PROCEDURES.md ICS2-EU-UUMDS-DOWN: it must not)",
    )
    backlog_stall_s: float = Field(
        5400.0,
        gt=0,
        description="how long a staged faulty system (backlog_stalled), a provider (late_replay) or a filer "
        "(late_lodging_traders) sits on what an outage held",
    )
    eu_careless_providers: dict[str, tuple[ProviderLapse, ...]] = Field(
        {},
        description="non-compliant EDI providers (staged), by id, with what each gets wrong: hold_back (an ENS "
        "receipted with no MRN after no_mrn_after_s, it holds its clients' new ENS back until an MRN comes), "
        "renumber (a push with no receipt is retried under a new LRN), late_replay (after its own outage it "
        "replays the held messages only backlog_stall_s later), double_replay (after its own outage it "
        "replays the held messages twice), drop_late_trailers (after its own outage it drops the held ENS "
        "of unaccompanied trailers whose deadline has passed, taking the shipping company's loading list "
        "for their ENS), relay_all (it tells every client of a French outage, those whose goods enter the EU "
        "elsewhere too)",
    )
    late_lodging_traders: tuple[str, ...] = Field(
        (),
        description="non-compliant filers (staged): back from their own system's outage, they lodge the ENS "
        "it held only backlog_stall_s later",
    )
    # Staged breaches of the French smart-border fallback, scenarios 1 and DEADLINE-MISSED (seed 000).
    ics2_fr_s1_careless_clients: tuple[Literal["own_da", "forget_held", "chase"], ...] = Field(
        (),
        description="non-compliant clients of an EDI provider (staged), when their own system is down: own_da, "
        "they also file an assistance request themselves instead of leaving it to their provider; forget_held, "
        "once back, they never send the ENS data that piled up while they were down; and whatever is down: "
        "chase, a filing without any answer for half an hour, they file an assistance request themselves",
    )
    ics2_fr_s1_idle_providers: tuple[str, ...] = Field(
        (),
        description="non-compliant providers (staged): once their own platform is back, they never lodge the ENS "
        "their clients handed over while it was down",
    )
    ics2_fr_careless_office: tuple[Literal["blind_olga", "lenient", "da_listed", "nes_blind"], ...] = Field(
        (),
        description="non-compliant office of first entry (staged): blind_olga, its system check looks at the "
        "météo only, not at the open assistance requests; lenient, a unit it finds without ENS and without "
        "outage is let through unrecorded; da_listed, every unit of a client named in an open request is "
        "recorded as missing its ENS when it disembarks, lodged or not; nes_blind, while an alert on the "
        "national component is open, the office looks for ENS there only, finds none, and records every unit "
        "that disembarks as missing its ENS, MRN on its ELO or not",
    )


@dataclass(frozen=True, slots=True)
class Provider:
    id: str  # also its 4-character LRN prefix
    name: str
    eori: str
    own_connection: bool = False  # a trader's own way in (D001..., W001...), not a service provider
    channel: Literal["EDI", "DTI"] = "EDI"  # system to system, or direct input on the STI portal (W001...)


@dataclass(frozen=True, slots=True)
class Trader:
    eori: str
    name: str
    provider: str
    backup: str = ""  # a portal filer's EDI provider, to lodge through when the portal fails ("" if none)


@dataclass(frozen=True, slots=True)
class Carrier:
    eori: str
    name: str


@dataclass(frozen=True, slots=True)
class Transport:
    id: str
    kind: Literal["FERRY", "SHUTTLE"]
    route: str
    carrier: str  # EORI
    identification: str  # IMO number or train id
    conveyance_reference: str
    departure: datetime
    arrival: datetime
    entry_office: str

    def active_means(self) -> ActiveMeansOfTransport:
        """How ENS and arrival notifications identify it (DOMAIN.md §3: never transport mode 3)."""
        ferry = self.kind == "FERRY"
        return ActiveMeansOfTransport(
            identification=self.identification,
            id_type="10" if ferry else "41",  # CL750: IMO ship number / train number
            mode=1 if ferry else 2,
            nationality="GB" if ferry else "FR",
            conveyance_reference=self.conveyance_reference,
        )


@dataclass(frozen=True, slots=True)
class Consignment:
    lrn: str
    trader: str  # EORI of the filer
    provider: str
    transport_id: str
    unit_id: str
    unit_type: Literal["TRUCK", "TRAILER"]
    elo_id: str
    ready: datetime
    deadline: datetime
    country_of_unloading: str
    goods: tuple[tuple[str, str, float, int], ...]  # description, hs code, gross mass kg, packages
    transport_document: str
    invalid_rule: str | None  # the rule its first filing breaks, if any
    sent_twice: bool
    amendments: int = 0  # how many times its filer amends the ENS after registration
    withdrawn: bool = False  # shut out of its sailing: the filer invalidates the ENS, the unit stays behind


# Routes: (name, kind, crossing minutes, first-entry office, carrier index, sailings a day). DOMAIN.md §6.
_ROUTES = (
    ("DOVER-CALAIS", "FERRY", 90, "FR000001", 0, 19),
    ("PORTSMOUTH-LE HAVRE", "FERRY", 330, "FR000002", 1, 2),
    ("FOLKESTONE-COQUELLES", "SHUTTLE", 35, "FR000001", 2, 37),
)


# The line whose goods enter the EU in another Member State (Traffic.foreign_entry_traders): a
# fictitious Belgian office of first entry, run by the first carrier. Only in worlds that ask for it.
_FOREIGN_ROUTE = ("HULL-ZEEBRUGGE", "FERRY", 600, "BE000001", 0, 4)


_CARRIERS = (("Channel Ferries Ltd", "DOVER"), ("Western Sea Link", "PORTSM"), ("Tunnel Shuttle Services", "SHUTL"))


_GOODS = (
    ("Fresh vegetables", "070990"),
    ("Machine parts", "848790"),
    ("Cotton garments", "620342"),
    ("Frozen fish fillets", "030489"),
    ("Plastic packaging", "392330"),
    ("Car tyres", "401110"),
    ("Paper board", "481092"),
    ("Bottled whisky", "220830"),
    ("Pharmaceuticals", "300490"),
    ("Furniture", "940360"),
    ("Steel tubes", "730630"),
    ("Beer", "220300"),
)


_LETTERS = "ABCDEFGHJKLMNOPRSTUVWXYZ"


_ONWARD = ("BE", "NL", "DE", "LU")  # where goods landed in France travel on to be unloaded


def _imo(rng: random.Random) -> str:
    """A valid IMO ship number: six digits and a check digit (weights 7..2, mod 10)."""
    digits = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(5)]
    check = sum(d * w for d, w in zip(digits, range(7, 1, -1), strict=True)) % 10
    return "".join(map(str, digits)) + str(check)


def draw_parties(
    t: Traffic, rng: random.Random
) -> tuple[tuple[Provider, ...], tuple[Trader, ...], tuple[Carrier, ...]]:
    """The EDI providers, the traders (some with a way in of their own) and the carriers."""
    providers = tuple(
        Provider(f"P{i + 1:03d}", f"EDI Provider {i + 1}", f"FR{rng.randrange(10**13, 10**14):014d}")
        for i in range(t.providers)
    )
    traders = tuple(
        Trader(
            f"FR{rng.randrange(10**13, 10**14):014d}",
            f"Haulier {i + 1:04d} SAS",
            providers[i % t.providers].id,
        )
        for i in range(t.traders)
    )
    if t.direct_filers or t.portal_filers:
        providers, traders = _own_channels(providers, traders, t.direct_filers, t.portal_filers)
    carriers = tuple(Carrier(f"FR{rng.randrange(10**13, 10**14):014d}", name) for name, _ in _CARRIERS)
    return providers, traders, carriers


def _own_channels(
    providers: tuple[Provider, ...], traders: tuple[Trader, ...], direct: int, portal: int
) -> tuple[tuple[Provider, ...], tuple[Trader, ...]]:
    """The last ``direct`` traders file through an STI connection of their own (D001...), the
    ``portal`` before them by direct input on the STI portal (W001...); every other portal
    filer keeps an EDI provider to fall back on. No random draw: a world without them stays as it was."""
    n = direct + portal
    moved: list[Trader] = []
    own: list[Provider] = []
    for i, tr in enumerate(traders[-n:]):
        if i < portal:
            via = Provider(f"W{i + 1:03d}", f"{tr.name} (STI portal)", tr.eori, own_connection=True, channel="DTI")
            backup = tr.provider if i % 2 == 0 else ""
        else:
            via = Provider(f"D{i - portal + 1:03d}", f"{tr.name} (own connection)", tr.eori, own_connection=True)
            backup = ""
        own.append(via)
        moved.append(replace(tr, provider=via.id, backup=backup))
    return (*providers, *own), (*traders[:-n], *moved)


def draw_timetable(config: RunConfig, carriers: tuple[Carrier, ...], rng: random.Random) -> tuple[Transport, ...]:
    """The ferry and shuttle sailings of the run, by arrival."""
    cfg, t = config, config.traffic
    first = cfg.start + timedelta(hours=t.first_arrival_hour)
    span = max(60.0, (t.last_arrival_hour - t.first_arrival_hour) * 3600)
    out: list[Transport] = []
    routes = (*_ROUTES, _FOREIGN_ROUTE) if t.foreign_entry_traders else _ROUTES
    for route, kind, minutes, office, carrier_ix, per_day in routes:
        ship_pool = [_imo(rng) for _ in range(3)]
        for n in range(per_day):
            arrival = first + timedelta(seconds=span * (n + rng.random() * 0.5) / per_day)
            # The foreign line has ids of its own (its carrier also runs Dover-Calais).
            code = "HULLZB" if route == _FOREIGN_ROUTE[0] else _CARRIERS[carrier_ix][1]
            ident = rng.choice(ship_pool) if kind == "FERRY" else f"LS{rng.randint(1000, 9999)}"
            out.append(
                Transport(
                    id=f"{code}-{arrival:%y%m%d}-{n + 1:03d}",
                    kind=kind,  # type: ignore[arg-type]
                    route=route,
                    carrier=carriers[carrier_ix].eori,
                    identification=ident,
                    conveyance_reference=f"{code[:4]}{arrival:%m%d}{n + 1:03d}",
                    departure=arrival - timedelta(minutes=minutes),
                    arrival=arrival,
                    entry_office=office,
                )
            )
    return tuple(sorted(out, key=lambda tr: tr.arrival))


def draw_consignments(
    config: RunConfig, transports: tuple[Transport, ...], traders: tuple[Trader, ...], rng: random.Random
) -> tuple[Consignment, ...]:
    """The consignments on those sailings, each with its ENS filer, by the time its data is ready."""
    cfg, t, p = config, config.traffic, config.params
    ferries = [tr for tr in transports if tr.kind == "FERRY" and tr.entry_office.startswith("FR")]
    shuttles = [tr for tr in transports if tr.kind == "SHUTTLE"]
    # The traders of the foreign line ship on it only, in accompanied units (lorries), unloaded there.
    foreign_line = [tr for tr in transports if not tr.entry_office.startswith("FR")]
    foreign_traders = {tr.eori for tr in traders[: t.foreign_entry_traders]}
    seq: dict[str, int] = {}
    out: list[Consignment] = []
    for i in range(t.consignments):
        on_ferry = not shuttles or (ferries and rng.random() < t.ferry_share)
        transport = rng.choice(ferries if on_ferry else shuttles)
        trailer = transport.kind == "FERRY" and rng.random() < t.trailer_share
        trader = rng.choice(traders)
        abroad = trader.eori in foreign_traders
        if abroad:
            transport, trailer = rng.choice(foreign_line), False
        seq[trader.provider] = seq.get(trader.provider, 0) + 1
        lrn = make_lrn(trader.provider, cfg.start, seq[trader.provider])
        # Data becomes ready a lead time before arrival, never before the day starts: a lead that
        # would reach back before the start is drawn shorter, so the filings do not all pile up at 00:00.
        hours_left = (transport.arrival - cfg.start).total_seconds() / 3600
        lo, hi = p.lead_time_h
        hi = min(hi, hours_left - 0.05)
        if hi >= lo:
            ready = transport.arrival - timedelta(hours=rng.uniform(lo, hi))
        else:
            ready = cfg.start + timedelta(seconds=rng.uniform(0, 600))
        # ENS deadline, DOMAIN.md §5: 2 h before a short-sea ferry arrives, 1 h before the shuttle.
        deadline = transport.arrival - timedelta(hours=2 if transport.kind == "FERRY" else 1)
        goods = tuple(
            (desc, hs, round(rng.uniform(200, 12000), 1), rng.randint(1, 40))
            for desc, hs in rng.sample(_GOODS, rng.randint(1, 3))
        )
        unit = (
            f"C{rng.randint(1_000_000, 9_999_999)}"
            if trailer
            else f"{rng.choice(_LETTERS)}{rng.choice(_LETTERS)}{rng.randint(10, 99)}"
            f"{''.join(rng.choice(_LETTERS) for _ in range(3))}"
        )
        invalid = rng.random() < t.invalid_rate
        # Drawn only when asked for, so that worlds without such traffic stay as they were.
        foreign = t.foreign_unloading_share > 0 and rng.random() < t.foreign_unloading_share
        unloading = transport.entry_office[:2] if abroad else (rng.choice(_ONWARD) if foreign else "FR")
        amended = t.amendment_share > 0 and rng.random() < t.amendment_share
        amendments = (1 + (rng.random() < 0.5)) if amended else 0
        withdrawn = t.invalidation_share > 0 and rng.random() < t.invalidation_share
        out.append(
            Consignment(
                lrn=lrn,
                trader=trader.eori,
                provider=trader.provider,
                transport_id=transport.id,
                unit_id=unit,
                unit_type="TRAILER" if trailer else "TRUCK",
                elo_id=f"ELO{cfg.seed % 1000:03d}{i:08d}",
                ready=ready,
                deadline=deadline,
                country_of_unloading=unloading,
                goods=goods,
                transport_document=f"{'CMR' if not trailer else 'BL'}{rng.randint(10**8, 10**9 - 1)}",
                invalid_rule=rng.choice(("R0201", "R0304", "R0401", "R0402")) if invalid else None,
                sent_twice=rng.random() < t.duplicate_rate,
                amendments=amendments,
                withdrawn=withdrawn,
            )
        )
    return tuple(sorted(out, key=lambda c: c.ready))
