"""The simulated world of a run: parties, the ferry and shuttle timetable, and the consignments.

Everything is derived from the run configuration and its seed, so every service of a run (in one
process or many) computes the same world without exchanging it: the trader knows what to file
and when, the smart border knows which sailing arrives when and what it carries. Defaults are
those of DOMAIN.md (crossing times, ENS deadlines, office codes).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, model_validator

from secours.ids import make_lrn, make_mrn
from secours.wire import ActiveMeansOfTransport

__all__ = ["Carrier", "Consignment", "Params", "Provider", "RunConfig", "Trader", "Traffic", "Transport", "World"]


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Traffic(_Strict):
    """How much traffic, and of which kind (DOMAIN.md §6)."""

    consignments: int = Field(1000, ge=1, le=2_000_000)
    providers: int = Field(3, ge=1, le=50)
    traders: int = Field(30, ge=1, le=5000)
    ferry_share: float = Field(0.7, ge=0, le=1)
    trailer_share: float = Field(0.25, ge=0, le=1, description="share of ferry units that are unaccompanied trailers")
    invalid_rate: float = Field(0.01, ge=0, le=1, description="first filing breaks a rule (IE3N99), then fixed")
    duplicate_rate: float = Field(0.005, ge=0, le=1, description="ENS accidentally sent twice (IE3N01)")
    first_arrival_hour: float = Field(4.0, ge=0)
    last_arrival_hour: float = Field(22.0, ge=0)
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


class Params(_Strict):
    """Timings and rates of the simulated actors, in simulated seconds (all [A] in DOMAIN.md)."""

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
    lead_time_h: tuple[float, float] = (2.5, 8.0)
    receipt_timeout_s: float = Field(180.0, gt=0)
    retry_gap_s: float = Field(180.0, gt=0)
    disembark_delay_min: tuple[float, float] = (10.0, 40.0)
    heartbeat_s: float = Field(60.0, gt=0, description="how often monitored systems say they are alive")
    dedupe_keep_s: float = Field(
        172800.0, gt=0, description="how long services remember the message ids they acted on (redeliveries)"
    )
    ens_retention_s: float = Field(
        259200.0, gt=0, description="how long after its registration the CR keeps an ENS (then archived, forgotten)"
    )
    detect_self_s: float = Field(300.0, gt=0, description="silence after which the CID sees an outage (detect.self)")
    bip_every_s: float = Field(3600.0, gt=0, description="periodic bulletins while an alert is open")
    client_notice_delay_s: tuple[float, float] = (60.0, 600.0)
    da_delay_s: tuple[float, float] = Field(
        (120.0, 900.0), description="from knowing of an outage to filing the OLGA assistance request"
    )
    report_delay_s: tuple[float, float] = Field(
        (300.0, 1800.0), description="from a system being back to reporting it to customs' help desk"
    )
    close_delay_s: tuple[float, float] = Field(
        (120.0, 1800.0), description="from a recovery report to the help desk closing the DA"
    )
    silent_providers: tuple[str, ...] = Field(
        (), description="non-compliant providers (staged): they do not tell their clients of customs outages"
    )
    no_da_providers: tuple[str, ...] = Field(
        (), description="non-compliant providers (staged): they file no assistance request for an outage"
    )
    partial_da_providers: tuple[str, ...] = Field(
        (), description="non-compliant providers (staged): their DA for their own outage leaves out one client"
    )
    quitting_providers: tuple[str, ...] = Field(
        (), description="non-compliant providers (staged): they give up an ENS after two pushes without a receipt"
    )
    resending_providers: tuple[str, ...] = Field(
        (), description="non-compliant providers (staged): they send a receipted ENS again when no MRN comes"
    )
    scope_blind_providers: tuple[str, ...] = Field(
        (),
        description="non-compliant providers (staged): they apply the French smart-border fallback to goods "
        "unloaded in another Member State (listed in DAs, given up when the ferry arrives)",
    )
    unordered_providers: tuple[str, ...] = Field(
        (),
        description="non-compliant providers (staged): with several messages of one ENS waiting, they push "
        "the newest first",
    )
    detect_no_receipt: int = Field(3, ge=1, description="failed pushes of one ENS before a provider sees customs down")
    # 30 simulated minutes by default, not the procedure's 10: at 600x or more a wall stall of a second
    # on a busy broker is 10 simulated minutes, and a fault-free drill must not read it as an outage.
    # Drills about detection (ICS2-FR-NO-ALERT) set the procedure's 600 s.
    detect_no_receipt_span_s: float = Field(1800.0, ge=0, description="... spanning at least this long")
    no_mrn_after_s: float = Field(900.0, gt=0, description="wait for an MRN after a receipt (detect.no_mrn)")
    own_outage_estimate: str = Field(
        "about 2 hours", description="how long a direct filer expects its own system to be down (its request says so)"
    )
    vague_da_traders: tuple[str, ...] = Field(
        (), description="non-compliant direct filers (staged): their request gives no duration and no transport"
    )
    loading_list_after_s: float = Field(
        600.0, ge=0, description="from a ferry's ENS deadline to the shipping company checking its trailers' pairings"
    )
    late_loading_lists: bool = Field(
        False, description="non-compliant shipping company (staged): it sends loading lists after the ferry arrived"
    )
    partial_loading_lists: bool = Field(
        False, description="non-compliant shipping company (staged): its loading lists leave out one trailer"
    )
    silent_cid: bool = Field(False, description="non-compliant CID (staged): it publishes no alert and no notice")
    lu_ack_timeout_s: float = Field(
        180.0, gt=0, description="a LUCCS lodging not registered after this is lodged again"
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
    office_hours: tuple[int, int] = Field(
        (8, 18), description="opening hours of customs offices, Monday to Friday, Europe/Paris (start, end hour)"
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
    delta_partial_report_providers: tuple[str, ...] = Field(
        (), description="non-compliant connection providers (staged): their report to the CID omits one client"
    )
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
    ecs_hasty_exporters: bool = Field(
        False,
        description="non-compliant exporters (staged): own system down, they present the EAD before telling the office",
    )
    ecs_replaying_exporters: bool = Field(
        False, description="non-compliant exporters (staged): once back, they send their own notifications again"
    )
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


_PARIS = ZoneInfo("Europe/Paris")


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
class LuOperator:
    eori: str  # LU + 8 digits
    name: str


@dataclass(frozen=True, slots=True)
class LuDeclaration:
    decl_id: str
    eo: str
    decl_type: str  # H1..H7
    ready: datetime


def office_open(when: datetime, hours: tuple[int, int]) -> bool:
    """Customs offices' opening hours (DOMAIN.md §8): Monday to Friday, ``hours`` in Paris time."""
    local = when.astimezone(_PARIS)
    return local.weekday() < 5 and hours[0] <= local.hour < hours[1]


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


class World:
    def __init__(self, config: RunConfig) -> None:
        self.config = config
        rng = random.Random(config.seed)
        t = config.traffic
        self.providers = tuple(
            Provider(f"P{i + 1:03d}", f"EDI Provider {i + 1}", f"FR{rng.randrange(10**13, 10**14):014d}")
            for i in range(t.providers)
        )
        self.traders = tuple(
            Trader(
                f"FR{rng.randrange(10**13, 10**14):014d}",
                f"Haulier {i + 1:04d} SAS",
                self.providers[i % t.providers].id,
            )
            for i in range(t.traders)
        )
        if t.direct_filers or t.portal_filers:
            self._own_channels(t.direct_filers, t.portal_filers)
        self.carriers = tuple(Carrier(f"FR{rng.randrange(10**13, 10**14):014d}", name) for name, _ in _CARRIERS)
        self.transports = self._timetable(rng)
        self.consignments = self._consignments(rng)
        # Luxembourg's traffic has its own random stream: a world without it is drawn as before.
        self.lu_operators, self.lu_declarations = self._luccs(random.Random(f"luccs/{config.seed}"))
        self.connection_providers, self.delta_declarants, self.delta_declarations = self._delta(
            random.Random(f"delta/{config.seed}")
        )
        self.exporters, self.exports = self._ecs(random.Random(f"ecs/{config.seed}"))

    def _own_channels(self, direct: int, portal: int) -> None:
        """The last ``direct`` traders file through an STI connection of their own (D001...), the
        ``portal`` before them by direct input on the STI portal (W001...); every other portal
        filer keeps an EDI provider to fall back on. No random draw: a world without them stays as it was."""
        n = direct + portal
        moved: list[Trader] = []
        own: list[Provider] = []
        for i, tr in enumerate(self.traders[-n:]):
            if i < portal:
                via = Provider(f"W{i + 1:03d}", f"{tr.name} (STI portal)", tr.eori, own_connection=True, channel="DTI")
                backup = tr.provider if i % 2 == 0 else ""
            else:
                via = Provider(f"D{i - portal + 1:03d}", f"{tr.name} (own connection)", tr.eori, own_connection=True)
                backup = ""
            own.append(via)
            moved.append(replace(tr, provider=via.id, backup=backup))
        self.providers = (*self.providers, *own)
        self.traders = (*self.traders[:-n], *moved)

    def _luccs(self, rng: random.Random) -> tuple[tuple[LuOperator, ...], tuple[LuDeclaration, ...]]:
        """Economic operators registered with LUCCS and the import declarations they lodge, spread
        over the run's first nine tenths."""
        cfg, t = self.config, self.config.traffic
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

    def _delta(
        self, rng: random.Random
    ) -> tuple[tuple[ConnectionProvider, ...], tuple[DeltaDeclarant, ...], tuple[DeltaDeclaration, ...]]:
        """Delta's declarants (EDI through a connection provider, or DTI on the portal), each on one to
        three online services, and their declarations spread over the run's first nine tenths (or its
        first ``delta_until_hour`` hours: what the office holds or a request opens has time to end)."""
        cfg, t = self.config, self.config.traffic
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

    def _ecs(self, rng: random.Random) -> tuple[tuple[Exporter, ...], tuple[ExportMovement, ...]]:
        """Exporters and their export movements: validated in Delta G/X (MRN/EAD) some hours before
        the goods reach a French exit office, where they leave at once or, deferred, hours later."""
        cfg, t, p = self.config, self.config.traffic, self.config.params
        if not t.exporters:
            return (), ()
        edi = round(t.exporters * t.exporter_edi_share)
        people = tuple(
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
        )
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
        return people, tuple(sorted(moves, key=lambda m: m.validated))

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
    def carrier_by_eori(self) -> dict[str, Carrier]:
        return {c.eori: c for c in self.carriers}

    def clients_of(self, provider: str) -> tuple[Trader, ...]:
        return tuple(tr for tr in self.traders if tr.provider == provider)

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

    # --- generation ----------------------------------------------------------------------------

    def _timetable(self, rng: random.Random) -> tuple[Transport, ...]:
        cfg, t = self.config, self.config.traffic
        first = cfg.start + timedelta(hours=t.first_arrival_hour)
        span = max(60.0, (t.last_arrival_hour - t.first_arrival_hour) * 3600)
        out: list[Transport] = []
        for route, kind, minutes, office, carrier_ix, per_day in _ROUTES:
            ship_pool = [_imo(rng) for _ in range(3)]
            for n in range(per_day):
                arrival = first + timedelta(seconds=span * (n + rng.random() * 0.5) / per_day)
                code = _CARRIERS[carrier_ix][1]
                ident = rng.choice(ship_pool) if kind == "FERRY" else f"LS{rng.randint(1000, 9999)}"
                out.append(
                    Transport(
                        id=f"{code}-{arrival:%y%m%d}-{n + 1:03d}",
                        kind=kind,  # type: ignore[arg-type]
                        route=route,
                        carrier=self.carriers[carrier_ix].eori,
                        identification=ident,
                        conveyance_reference=f"{code[:4]}{arrival:%m%d}{n + 1:03d}",
                        departure=arrival - timedelta(minutes=minutes),
                        arrival=arrival,
                        entry_office=office,
                    )
                )
        return tuple(sorted(out, key=lambda tr: tr.arrival))

    def _consignments(self, rng: random.Random) -> tuple[Consignment, ...]:
        cfg, t, p = self.config, self.config.traffic, self.config.params
        ferries = [tr for tr in self.transports if tr.kind == "FERRY"]
        shuttles = [tr for tr in self.transports if tr.kind == "SHUTTLE"]
        seq: dict[str, int] = {}
        out: list[Consignment] = []
        for i in range(t.consignments):
            on_ferry = not shuttles or (ferries and rng.random() < t.ferry_share)
            transport = rng.choice(ferries if on_ferry else shuttles)
            trailer = transport.kind == "FERRY" and rng.random() < t.trailer_share
            trader = rng.choice(self.traders)
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
                    country_of_unloading=rng.choice(_ONWARD) if foreign else "FR",
                    goods=goods,
                    transport_document=f"{'CMR' if not trailer else 'BL'}{rng.randint(10**8, 10**9 - 1)}",
                    invalid_rule=rng.choice(("R0201", "R0304", "R0401", "R0402")) if invalid else None,
                    sent_twice=rng.random() < t.duplicate_rate,
                    amendments=amendments,
                    withdrawn=withdrawn,
                )
            )
        return tuple(sorted(out, key=lambda c: c.ready))
