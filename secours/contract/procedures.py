"""``docs/procedures.md``: the fallback procedures and their checks, generated from the oracle's registry.

The checks, their ids and titles come from :data:`secours.drills.oracle.REGISTRY`; which drills judge
each check and which stage its failure come from the drill files in ``drills/``. What the code cannot
say — where each scenario comes from and what it asks of whom — is the small table of data below
(:data:`SEEDS`, :data:`SCENARIO_DOCS`, :data:`PARAMETERS`). A scenario the registry knows and that
table does not describe stops the generation with an error saying what to add, and so does a
procedure parameter with no meaning written down.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from secours.drills.model import Drill, load_drill
from secours.drills.oracle import REGISTRY
from secours.drills.oracle.registry import Check
from secours.drills.procedure import ProcedureParams
from secours.drills.scenarios import SCENARIOS
from secours.errors import SecoursError
from secours.resources import drills_dir

__all__ = [
    "DRILLS_DIR",
    "PARAMETERS",
    "REGENERATE",
    "SCENARIO_DOCS",
    "SEEDS",
    "CheckEntry",
    "ProceduresDocError",
    "ScenarioDoc",
    "Seed",
    "check_entries",
    "procedures_markdown",
]

REGENERATE = "secours procedures --out docs/procedures.md"
DRILLS_DIR = drills_dir()
GLOBAL = "GLOBAL"
_WIDTH = 100


class ProceduresDocError(SecoursError):
    """The registry, the drills or the procedure parameters have something this module does not describe."""


@dataclass(frozen=True)
class Seed:
    file: str  # the procedure sheet's file name among the seed documents
    title: str
    text: str


@dataclass(frozen=True)
class ScenarioDoc:
    seed: str | None  # a key of SEEDS; None: judged on every drill, whatever its scenarios
    text: str


S000 = "000_23d43f5e46c9ba30.txt"
S001 = "001_462c55358b2102ea.txt"
S002 = "002_8ae4764915d5a459.txt"
S003 = "003_c847601b7fb6f7d7.txt"
S004 = "004_d181dec3575efb86.txt"

SEEDS: dict[str, Seed] = {
    S000: Seed(
        S000,
        "French operator sheet n°9: the ICS fallback at the smart border",
        "The French customs' (DGDDI) sheet for operators on what to do when the import control chain "
        "breaks for road freight crossing the Channel through the smart border, on the customs side or on "
        "the trade side. It concerns only goods to be unloaded in France, and it makes the certified EDI "
        "provider customs' only correspondent for its clients: the provider reports trade-side outages in "
        "OLGA, passes customs' notices on to its clients and keeps trying to transmit. Systems: the French "
        "national ICS2 component (the Automate de sûreté), the providers' and the traders' systems, the CID "
        "and its help desk (SAU), OLGA assistance requests, the office of first entry, shipping companies "
        "and the CLD du Havre.",
    ),
    S001: Seed(
        S001,
        "DGDDI note of 13 October 2025: an ICS2 component unavailable",
        "The note names the parts of ICS2 that can fail — the EU connection layer (TAPAS, the AS4 access "
        "point; UUM&DS, the sign-in service of the portal; the shared trader interface, STI), the common "
        "repository (CR), each Member State's national component, the operators' and the EDI providers' "
        "systems — and refers to the Commission's business continuity plan; the French reflex sheet it "
        "announces is for goods whose office of first entry is French. Neither that sheet nor the plan is "
        "among the seed documents, so what each component does here follows published national guidance "
        "and the project's own assumptions; in France the CID relays the Commission's notices on the météo.",
    ),
    S002: Seed(
        S002,
        "DGDDI operator sheet 1 (June 2021): Delta alerts and the self-triggered fallback",
        "For declarants on Delta G (one or two steps), Delta X import and export, and Delta H7. Only the "
        "CID publishes alerts on the météo des services en ligne, followed by periodic bulletins (BIPs) and "
        "an end of alert. A declarant whose trouble an alert describes (same service, same mode, EDI or DTI, "
        "same symptoms) falls back on it; otherwise it looks for the origin (its connection provider, "
        "Aubette, its office) and, when the block is technical and on its side, triggers the fallback "
        "itself, at any hour, by one OLGA assistance request per online service, forwarding the "
        "acknowledgement to its office. What a declarant does during the fallback belongs to other sheets; "
        "the simulator has it hand in paper declarations and regularise them afterwards.",
    ),
    S003: Seed(
        S003,
        "DGDDI operator sheet 9: the export fallback at the exit office (ECS-BS)",
        "When the exit formalities (arrival notification, then exit announcement) cannot be made in ECS-BS, "
        "because ECS-BS or the customs portal is down or because the exporter's own EDI system is, the "
        "exporter presents the export accompanying document (EAD) at the exit office, at the counter or by "
        "e-mail; the office stamps it (stamp ND with a dated mention), hands the original back and keeps a "
        "copy, and once the failure is over it enters the messages in ECS-BS itself (reintegration), so "
        "that ECS-BS sends IE518 to the export office and the export office IE599 to the exporter. The "
        "sheet tells three cases apart by how far the movement had got in ECS-BS, and immediate exits from "
        "deferred ones. The export office's own formalities and Brexit exports are other sheets. Systems: "
        "ECS-BS, Delta G/X, the exit office, OLGA for a failure on the exporter's side.",
    ),
    S004: Seed(
        S004,
        "Luxembourg customs: the fallback of LUCCS, the national import system",
        "Three failures, three procedures: the operator's own B2G (AS4) system, LUCCS's B2G endpoint, or "
        "LUCCS altogether (B2G and the National Trader Portal, NTP). The operators deal with the Servicedesk "
        "eDouane, which opens and closes the fallback; in the exception case it runs it together with the "
        "Bureau de recette Douanes, whose recommendations the operators follow.",
    ),
}

# The table a newcomer extends: every scenario of the registry (and every group of shared checks)
# with the seed it comes from and one paragraph in the project's own words. Order = reading order.
SCENARIO_DOCS: dict[str, ScenarioDoc] = {
    GLOBAL: ScenarioDoc(
        None,
        "Invariants every drill is judged by, whatever its scenarios: no ENS registered twice; nothing "
        "receipted left without a business answer; every OLGA assistance request acknowledged and closed; "
        "every météo alert ended, after the end of its fault; every reference pointing to something sent "
        "earlier; OLGA taking requests at any hour; and no consignment unloaded in France reaching the "
        "smart border without an MRN or a fallback that covers it.",
    ),
    "ICS2-FR-S1-TRADER-DOWN": ScenarioDoc(
        S000,
        "A trader's own system is down, so it cannot hand its ENS data to its EDI provider; the provider and "
        "customs are up. The trader tells its provider, and the provider, not the trader, files an OLGA "
        "assistance request naming that client within `t_da_max` of learning of it (and before the legal "
        "ENS deadlines it can still meet). Once the trader is back the provider lodges its ENS, each "
        "receipted before its unit disembarks at the smart border, and each gets an MRN; the provider "
        "reports the recovery and the request is closed within `t_close_max`. Customs records no missing "
        "ENS for a unit whose ENS came in time.",
    ),
    "ICS2-FR-S1-PROVIDER-DOWN": ScenarioDoc(
        S000,
        "The EDI provider's own platform is down and relays nothing either way (its access to OLGA still "
        "works). Within `t_da_max` of noticing, the provider files an OLGA request about its outage that "
        "lists every one of its clients, with traffic under way or not. Once back it pushes every ENS it "
        "held within `t_backlog_max`, each before its unit disembarks, and each gets an MRN. Its clients "
        "file nothing and call no one themselves; the request is closed within `t_close_max` of the "
        "recovery.",
    ),
    "ICS2-FR-S2-AS-DOWN": ScenarioDoc(
        S000,
        "The French national ICS2 component, the Automate de sûreté, is down (or takes messages and "
        "processes none). Customs speaks first: the CID warns every provider directly, and the other Member "
        "States through the Commission, within `t_alert_max`. Each provider tells each of its clients, with "
        "the fallback arrangements, within `t_client_notice_max`, and keeps pushing every pending ENS, never "
        "more than `t_retry_max_gap` apart, until it is receipted or its transport arrives. When the system "
        "is back the CID tells the providers within `t_end_alert_max`, they tell their clients, and every "
        "pending ENS gets its MRN and then its assessment. A provider already warned files no 'customs "
        "unavailable' request.",
    ),
    "ICS2-FR-NO-ALERT": ScenarioDoc(
        S000,
        "A customs-side ICS2 system fails but the monitoring does not see it, so nothing is published. A "
        "provider that reaches its detection threshold (`detect_no_receipt_pushes` pushes without a receipt "
        "over `detect_no_receipt_span`) looks at the météo, finds no alert, and reports the unavailability "
        "in one OLGA request per fault within `t_da_max`, naming the component, the time of the first "
        "failure and the symptom. Whether to publish an alert is then the CID's decision, and only the CID "
        "publishes.",
    ),
    "ICS2-FR-DEADLINE-MISSED": ScenarioDoc(
        S000,
        "An outage lasts long enough for units to disembark past their legal ENS deadline with no ENS. "
        "Before the office of first entry records an ENS as missing it checks, at most `t_check_window` "
        "before, whether the ICS2 components are down and whether the trader or its provider has an open "
        "assistance request, and records the absence as covered by the outage when so. It records no "
        "absence for a unit whose ENS was receipted within its lodging window, and records every unit that "
        "nothing covers.",
    ),
    "ICS2-FR-UNACCOMPANIED-TRAILERS": ScenarioDoc(
        S000,
        "An outage makes the ENS of unaccompanied trailers (shipped without their tractor and driver) miss "
        "their deadline. For each ferry carrying such trailers the shipping company, not a provider or a "
        "trader, sends the CLD du Havre the loading list of the trailers concerned, naming the ferry (IMO) "
        "and its voyage, before the ferry arrives; the trailers' ENS are lodged afterwards and each gets an "
        "MRN.",
    ),
    "ICS2-FR-SCOPE": ScenarioDoc(
        S000,
        "Goods entering through a French port but to be unloaded in another Member State, during an outage "
        "on either side. The smart-border fallback of seed 000 is for goods unloaded in France only: no "
        "assistance request or covered absence applies to the others, which follow the EU rules of seed 001 "
        "(their filers keep pushing, past the arrival if need be, until ICS2 takes them) and still get an "
        "MRN.",
    ),
    "ICS2-EU": ScenarioDoc(
        S001,
        "Checks shared by the ICS2 component scenarios below; each scenario names the ones it applies. The "
        "Commission announces the unavailability and the CID relays it within `t_alert_max` (for the "
        "national component the CID alone), and both announce its end within `t_end_alert_max`; every ENS "
        "tried during the fault ends with exactly one MRN or an explicit rejection; no goods are presented "
        "without an MRN; nothing receipted during a queue-and-replay fault is pushed again; queued answers "
        "are delivered within `t_backlog_max` of the end; French steps (assistance requests, relays to "
        "clients) concern French first entries only.",
    ),
    "ICS2-EU-TAPAS-DOWN": ScenarioDoc(
        S001,
        "TAPAS, the EU's AS4 access point, takes no push and delivers no answer. The Commission and the CID "
        "announce it. Filers retry under the same LRN (never a new LRN for the same consignment) or hold "
        "their messages and send them after recovery, the messages of one ENS one at a time in the order "
        "they were made; after recovery the held answers arrive, and amendments and invalidations are "
        "answered in the order they were sent.",
    ),
    "ICS2-EU-UUMDS-DOWN": ScenarioDoc(
        S001,
        "UUM&DS, the sign-in service of the STI portal, is down: filers using direct input (DTI) cannot log "
        "in, while system-to-system traffic goes on and keeps getting its MRNs within `mrn_latency`. The "
        "Commission and the CID announce it. A DTI filer whose goods arrive during the fault lodges through "
        "its EDI provider before the arrival if it has one, or else within `t_backlog_max` of the recovery.",
    ),
    "ICS2-EU-STI-DOWN": ScenarioDoc(
        S001,
        "The shared trader interface refuses every push and queues nothing. The Commission and the CID "
        "announce it; filers keep pushing each pending ENS under the same LRN, never more than "
        "`t_retry_max_gap` apart, or lodge it within `t_backlog_max` of the recovery.",
    ),
    "ICS2-EU-CR-DOWN": ScenarioDoc(
        S001,
        "The common repository stops processing: pushes are still receipted, but MRNs and later answers "
        "wait until it is back. The Commission and the CID announce it. Filers go on pushing new ENS during "
        "the fault and push nothing already receipted again; after recovery the held MRNs reach each "
        "filer's queue in the order its messages were receipted, within `t_backlog_max`.",
    ),
    "ICS2-EU-NATIONAL-DOWN": ScenarioDoc(
        S001,
        "The French national component buffers its work: MRNs and arrival answers keep coming from the EU "
        "layer, while assessments, control notifications and presentations wait. The CID alerts (no "
        "Commission notice is needed); after recovery the buffered presentations and control notifications "
        "are processed within `t_backlog_max`, and no missing ENS is recorded for a consignment that has an "
        "MRN.",
    ),
    "ICS2-EU-OPERATOR-DOWN": ScenarioDoc(
        S001,
        "A filer with its own ICS2 connection (no EDI provider) is down. In France it warns customs by an "
        "OLGA request within `t_da_max` of noticing and before its first affected arrival, giving the "
        "reason, the expected duration, the office of entry, the LRNs concerned and the transport details; "
        "once back it lodges what it held within `t_backlog_max`, reports the end, and the request is "
        "closed within `t_close_max`.",
    ),
    "ICS2-EU-PROVIDER-DOWN": ScenarioDoc(
        S001,
        "An EDI provider's platform is down outside the smart-border setting (air, sea). The provider files "
        "an OLGA request with its complete client list within `t_da_max` of noticing, replays what it held "
        "within `t_backlog_max` of the recovery, each message once, and the request is closed within "
        "`t_close_max`.",
    ),
    "DELTA-ALERT-PUBLISHED": ScenarioDoc(
        S002,
        "A Delta service fails for one mode or both and the CID publishes an alert naming the service(s), "
        "the mode(s) and the symptoms, then BIPs at most `t_bip_max_gap` apart, then an end of alert with "
        "instructions within `t_end_alert_max` of the recovery; nobody else publishes. A declarant looks at "
        "the météo and falls back only when an open alert covers its own service and mode, files no "
        "self-trigger request then, relies on the alert no longer once it has ended, and regularises each "
        "fallback declaration within `t_regularise_max` of the end of alert.",
    ),
    "DELTA-SELF-TRIGGER": ScenarioDoc(
        S002,
        "A declarant's own system or chain fails with no matching alert: it cannot validate declarations, "
        "or validated ones get no release (BAE) though the office holds none of them. First it looks at the "
        "météo, asks its connection provider (in EDI), looks its declarations up in Aubette and, in office "
        "hours, asks its office whether they are under control, awaiting credit or awaiting cash payment. "
        "Then it files one OLGA request per online service, worded « auto-déclenchement de la procédure de "
        "secours » and giving its EORI, company name, address, phone, the service, when it went into alert "
        "and why, and forwards the acknowledgement to its office; it falls back only once the request is "
        "registered and the office told, and the office takes the registration time as the start. Out of "
        "office hours it phones the SAU within `t_sau_call_max`. Once its system is fixed it asks the SAU "
        "to close the request and tells its office within `t_close_max`, falls back no more, and "
        "regularises within `t_regularise_max` of the closure.",
    ),
    "DELTA-EDI-PROVIDER-DOWN": ScenarioDoc(
        S002,
        "A connection provider's platform is where the failure lies. The provider tells the clients who ask "
        "that it is the cause, and reports to the CID within `t_da_max`, naming the services, the EDI mode "
        "and all its Delta clients; the CID publishes an alert within `t_alert_max`; the provider relays the "
        "alert, each BIP and the end of alert to each client within `t_client_notice_max`. Its clients wait "
        "for the alert rather than trigger the fallback themselves, and fall back only once it is out.",
    ),
    "DELTA-NOT-TECHNICAL": ScenarioDoc(
        S002,
        "Declarations go unreleased because the office holds them (under control, awaiting credit, awaiting "
        "cash payment), or because the declarant's system lags behind a release: no technical block. A "
        "declarant who looked them up in Aubette and, in office hours, asked its office files no "
        "self-trigger request for them and uses no fallback.",
    ),
    "ECS-BS": ScenarioDoc(
        S003,
        "Checks shared by the exit-office scenarios below; each scenario names the ones it applies. E1-E12 "
        "judge the fallback block: the alert within `t_alert_max`, the EAD presented within `t_realtime` of "
        "the arrival, controls and stamps, originals returned and copies kept, no exit before it is "
        "authorised, reintegration within `t_reintegration` of the end of alert, IE518 then IE599 within "
        "`t_ie599_max`. O1-O5 judge an exporter whose own system is down: the portal first, then a "
        "substitute, then a registered self-trigger request with the office told before any presentation, "
        "and closure within `t_close_max`. K1-K8 are the rules of each case. One outage usually exercises "
        "several of these scenarios at once.",
    ),
    "ECS-BS-CASE1-ECSBS-DOWN-IMMEDIATE": ScenarioDoc(
        S003,
        "Case 1: ECS-BS fails after the export declaration was validated in Delta G/X but before the "
        "movement reached the exit office, so there is no advance export record (AER) and no ECS state, and "
        "it is still down when the goods arrive; they leave at once. The CID alerts within `t_alert_max`; "
        "the exporter presents the EAD at the counter or by e-mail within `t_realtime` of the arrival; "
        "after a satisfactory control, if any, the office stamps it once, ND « sortie autorisée », hands "
        "the original back, keeps a copy and says it will reintegrate. After the end of alert ECS-BS first "
        "loads the movement from Delta by itself, then the office reintegrates the arrival and the exit.",
    ),
    "ECS-BS-CASE1-ECSBS-DOWN-DEFERRED": ScenarioDoc(
        S003,
        "Case 1 with goods that leave some time after arriving. At the arrival the EAD is stamped « présenté "
        "le <date> »; at the exit, if ECS-BS is still down, it is shown again within `t_realtime` before "
        "leaving and stamped « sortie autorisée le <date> »; if ECS-BS is back by then, the office records "
        "the arrival in ECS-BS and handles the exit electronically, with no second stamp. Reintegration as "
        "in the immediate case.",
    ),
    "ECS-BS-CASE2-ECSBS-DOWN-IMMEDIATE": ScenarioDoc(
        S003,
        "Case 2: the AER reached the exit office (Delta « en cours de sortie », ECS-BS « AER arrivé ») but "
        "the arrival notification cannot be made because ECS-BS or the customs portal is down; the goods "
        "leave at once. The same fallback block as in case 1: alert, presentation, one « sortie autorisée » "
        "stamp, original back, copy kept; after the end of alert the office reintegrates the arrival and "
        "the exit.",
    ),
    "ECS-BS-CASE2-ECSBS-DOWN-DEFERRED": ScenarioDoc(
        S003,
        "Case 2 with a deferred exit: « présenté le » at the arrival, then « sortie autorisée le » at the "
        "exit while ECS-BS is still down, or the electronic exit once it is back; the office reintegrates "
        "the arrival and the exit after the end of alert.",
    ),
    "ECS-BS-CASE2-OPERATOR-DOWN-IMMEDIATE": ScenarioDoc(
        S003,
        "Case 2 where the exporter's own EDI system is down while ECS-BS works, so no alert. The exporter "
        "does the formalities on the customs portal if it has a prodouane account; failing that, a "
        "substitute entitled to act for it does them; failing both, it files a self-trigger OLGA request "
        "for ECS-BS, forwards the acknowledgement to the exit office, and only then presents the EAD for "
        "the fallback block, the request's registration being the start of the fallback. Once its system "
        "is back it asks for the closure and tells the office within `t_close_max`; the closure is the end "
        "of alert from which the reintegration deadline runs. The goods leave at once.",
    ),
    "ECS-BS-CASE2-OPERATOR-DOWN-DEFERRED": ScenarioDoc(
        S003,
        "The same failure on the exporter's side in case 2, with a deferred exit: « présenté le » at the "
        "arrival, « sortie autorisée le » at the exit.",
    ),
    "ECS-BS-CASE3-ECSBS-DOWN": ScenarioDoc(
        S003,
        "Case 3: the arrival was notified (ECS-BS « état stocké ») but the exit announcement cannot be made "
        "because ECS-BS or the portal is down. Only the exit is left, so there is no immediate or deferred "
        "variant: one stamp, « sortie autorisée le <date> », original back, copy kept; after the end of "
        "alert the office reintegrates the exit alone.",
    ),
    "ECS-BS-CASE3-OPERATOR-DOWN": ScenarioDoc(
        S003,
        "Case 3 with the exporter's own EDI system down: the portal if it has a prodouane account, otherwise "
        "(the sheet offers no substitute here) a self-trigger request forwarded to the exit office before "
        "the fallback block; one « sortie autorisée le » stamp; closure requested within `t_close_max`, then "
        "reintegration of the exit.",
    ),
    "ECS-BS-LAND-EXIT": ScenarioDoc(
        S003,
        "ECS-BS down at a land exit office where the officers do the ECS formalities from the EAD the "
        "driver shows (the France-Switzerland border; FR000030 in the simulated world): the EAD is shown at "
        "the counter by the driver and only the immediate path applies, with one « sortie autorisée » "
        "stamp.",
    ),
    "ECS-BS-REINTEGRATION": ScenarioDoc(
        S003,
        "The recovery after any exit-office fallback, counted from the end of alert (the end of the ECS-BS "
        "alert, or the closure of the exporter's own request). The office reintegrates exactly the "
        "movements handled with the fallback block, none missing and none extra, within `t_reintegration`; "
        "it may relax that deadline only after an exceptionally long outage, and must record the relaxation "
        "before the deadline passes. The exporter sends no arrival or exit message of its own for those "
        "movements afterwards. IE518 and IE599 follow.",
    ),
    "LUCCS-B2G-EO-DOWN": ScenarioDoc(
        S004,
        "A Luxembourg operator's own B2G (AS4) system is down. It tells the Servicedesk eDouane within "
        "`t_lu_notify_max` of noticing, and only then lodges on the NTP portal; once B2G is restored it "
        "tells the Servicedesk within `t_lu_notify_max` and goes back to B2G. Every declaration due "
        "meanwhile is lodged exactly once.",
    ),
    "LUCCS-B2G-ADA-DOWN": ScenarioDoc(
        S004,
        "LUCCS's B2G endpoint is down while the NTP portal works. The Servicedesk opens the fallback within "
        "`t_lu_open_max`; operators lodge on NTP, which accepts them throughout; each declaration is lodged "
        "once (on NTP during the fault or on B2G after, never both) and none that failed on B2G is lost. "
        "Once B2G is back the Servicedesk tells every registered operator within `t_end_alert_max`, then "
        "closes the fallback.",
    ),
    "LUCCS-FULL-DOWN": ScenarioDoc(
        S004,
        "LUCCS is down altogether, B2G and NTP (the exception case). The Servicedesk opens the fallback "
        "together with the Bureau de recette Douanes within `t_lu_open_max`; each operator contacts the "
        "Bureau before lodging anything and follows its recommendation (paper, in the simulator). When "
        "LUCCS is back the Servicedesk tells every operator within `t_end_alert_max` and closes the "
        "fallback; each paper declaration is then registered in LUCCS once, within `t_regularise_max` of "
        "the closure.",
    ),
}

# One line per field of ProcedureParams: what the duration or count is.
PARAMETERS: dict[str, str] = {
    "detect_no_receipt_pushes": (
        "pushes with no receipt after which a provider concludes that the STI or the national component is down"
    ),
    "detect_no_receipt_span": "the time those failed pushes must span",
    "detect_no_mrn": (
        "time without an MRN after a receipt after which a provider concludes that the CR or the "
        "national component is not processing"
    ),
    "detect_self": "time an actor takes to notice a fault in its own system",
    "t_da_max": "from knowing of an outage to filing the OLGA assistance request",
    "t_alert_max": (
        "from a fault's start (or the report that reveals it) to the alert or notice of the CID or the Commission"
    ),
    "t_client_notice_max": "from a provider learning of an event to its notice or relay to each client",
    "t_bip_max_gap": "longest gap between two messages (BIPs) of an open alert",
    "t_retry_max_gap": "longest gap between a filer's push attempts during a customs outage",
    "t_backlog_max": "after the recovery: to lodge or replay what was held, and for queued answers to be delivered",
    "t_end_alert_max": "from a fault's end to the end-of-alert, recovery and restoration notices",
    "t_sau_call_max": "from a self-trigger request registered out of office hours to the phone call to the SAU",
    "t_close_max": "from a filer's system being back to its closure request and telling its office",
    "t_lu_notify_max": "Luxembourg: for an operator to tell the Servicedesk of its outage, then of its restoration",
    "t_lu_open_max": "Luxembourg: for the Servicedesk to open the fallback",
    "t_check_window": "how long before recording a missing ENS the office checks whether the systems are down",
    "t_regularise_max": (
        "from the end of alert or the request's closure to the electronic regularisation of fallback declarations"
    ),
    "t_reintegration": "ECS-BS: from the end of alert to the reintegration of the movements handled in fallback",
    "t_ie599_max": "from IE518 to the IE599 the exporter receives",
    "t_realtime": "from the goods' arrival at the exit office (or before their exit) to the presentation of the EAD",
    "mrn_latency": "longest normal time from a system-to-system ENS to its MRN (IE3R01); the checks add the "
    "run's own transit (`transit_s`) for the three hops from the receipt to the queue",
}

_INTRODUCTION = """\
## How to read this document

- **Scenario.** One way a system fails, with the fallback the official sheet prescribes for it: who
  must do what, and by when. A drill lists the scenarios it exercises under `scenarios:`; the oracle
  then judges the drill's journal by their checks, besides the global ones (GLOBAL, every drill). One
  fault may exercise several scenarios at once: an ECS-BS outage catches movements in each of the
  three exit cases.
- **Check id.** A scenario's own checks are numbered after it (`ICS2-FR-S2-AS-DOWN#3`). Checks
  several scenarios share keep a short id of their own and are listed under their group: `G1`-`G7`
  (GLOBAL), `EU-C1`-`EU-C7` (ICS2-EU), `E*`, `O*` and `K*` (ECS-BS); each scenario names the shared
  checks it applies. The id is what `summary.json`, `junit.xml`, `report.html` and a drill's
  `expect_fail` use.
- **Status.** A check passes, fails, or warns: a title starting with "(warn)" reports a deviation
  without failing the drill.
- **Premise, "not exercised".** Most checks are about something that may not happen in a given drill:
  an assistance request to close, a missing ENS recorded, a deferred exit. When a drill never produces
  a check's premise, the check reports `not_exercised` ("not exercised" in `report.html`, skipped in
  `junit.xml`) instead of passing: it says nothing either way. Whether the premise occurs in a drill
  is known only by running it.
- **A drill's verdict.** `verdict` is `pass` when no check failed. A drill that stages a
  non-compliant actor names in `expect_fail` exactly the checks that breach must fail: its verdict is
  then `fail` (exit code 1, so a person sees it), and `expectation_met` says whether the failed checks
  were exactly those. Every failed check carries its evidence: the records behind it (id, topic,
  simulated time, a note).
- **The tables.** For each check: "judged in" lists the drills that evaluate it and expect it to pass
  (they list a scenario that applies it, or are any drill for a global check, and do not name it in
  `expect_fail`); "staged to fail in" lists the drills that name it in `expect_fail`. Drill `x` is
  `drills/x.yaml`, run with `secours drill run drills/x.yaml --out DIR`.
- **Durations** in titles (`t.da_max`) are the procedure parameters below (`t_da_max` in a drill
  file)."""


def _wrap(text: str) -> str:
    return textwrap.fill(text, _WIDTH, break_long_words=False, break_on_hyphens=False)


def _natural(check_id: str) -> tuple[str, int]:
    head = check_id.rstrip("0123456789")
    tail = check_id[len(head) :]
    return head, int(tail) if tail else 0


def _registry_scenarios(checks: Iterable[Check]) -> dict[str, str]:
    """Every scenario or group the registry names, with one check that names it (for the error message)."""
    named: dict[str, str] = {}
    for c in checks:
        for scenario in (c.scenario, *sorted(c.applies_to)):
            named.setdefault(scenario, c.id)
    return named


def _validate(checks: Sequence[Check], docs: Mapping[str, ScenarioDoc]) -> None:
    named = _registry_scenarios(checks)
    missing = [s for s in named if s not in docs]
    if missing:
        raise ProceduresDocError(
            f"scenario {missing[0]} (check {named[missing[0]]}) has no description: add it to SCENARIO_DOCS in "
            f"secours/contract/procedures.py (its seed file and one paragraph), then run `{REGENERATE}`"
        )
    stale = [s for s in docs if s not in named and s not in SCENARIOS]
    if stale:
        raise ProceduresDocError(f"SCENARIO_DOCS describes {stale[0]}, which no check and no drill knows")
    unknown_seed = [s for s, d in docs.items() if d.seed is not None and d.seed not in SEEDS]
    if unknown_seed:
        raise ProceduresDocError(f"SCENARIO_DOCS gives {unknown_seed[0]} a seed that is not in SEEDS")


def _validate_parameters() -> None:
    fields = set(ProcedureParams.model_fields)
    missing = sorted(fields - PARAMETERS.keys())
    if missing:
        raise ProceduresDocError(
            f"procedure parameter {missing[0]} has no meaning: add it to PARAMETERS in secours/contract/procedures.py"
        )
    stale = sorted(PARAMETERS.keys() - fields)
    if stale:
        raise ProceduresDocError(f"PARAMETERS explains {stale[0]}, which ProcedureParams does not have")


def _load_drills(directory: Path) -> list[Drill]:
    return sorted((load_drill(path) for path in directory.glob("*.yaml")), key=lambda d: d.drill)


def _names(drills: Iterable[Drill]) -> str:
    return ", ".join(f"`{d.drill}`" for d in drills) or "none"


def _judging(c: Check, drills: Sequence[Drill]) -> list[Drill]:
    """The drills that evaluate the check and expect it to pass (not those where it may fail)."""
    return [d for d in drills if c.applies(d.scenarios) and c.id not in d.expect_fail and c.id not in d.may_fail]


def _staging(c: Check, drills: Sequence[Drill]) -> list[Drill]:
    """The drills that stage the check's failure (name it in ``expect_fail``)."""
    return [d for d in drills if c.id in d.expect_fail]


def _judged_in(c: Check, drills: Sequence[Drill]) -> str:
    judged = _judging(c, drills)
    if c.scenario != GLOBAL:
        return _names(judged)
    others = [d for d in drills if d not in judged]
    return f"every drill but {_names(others)}" if others else "every drill"


def _staged_in(c: Check, drills: Sequence[Drill]) -> str:
    return _names(_staging(c, drills))


@dataclass(frozen=True)
class CheckEntry:
    """One registered check as ``secours checks`` and the coverage table show it."""

    id: str
    scenario: str  # its scenario, GLOBAL, or the group of shared checks it belongs to
    applies_to: tuple[str, ...]  # a shared check: the scenarios that apply it
    title: str
    seed: str | None  # the procedure sheet it comes from; None for the global checks
    judged_in: tuple[str, ...]  # drills that evaluate it and expect it to pass
    staged_in: tuple[str, ...]  # drills that stage its failure

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id, "scenario": self.scenario, "applies_to": list(self.applies_to), "title": self.title,
            "seed": self.seed, "judged_in": list(self.judged_in), "staged_in": list(self.staged_in),
        }  # fmt: skip


def _sorted_checks() -> list[Check]:
    return sorted(REGISTRY.values(), key=lambda c: _natural(c.id))


def check_entries(drills_dir: Path = DRILLS_DIR) -> list[CheckEntry]:
    """Every registered check with its seed and the shipped drills that judge it and stage its failure."""
    drills = _load_drills(drills_dir)
    return [_entry(c, drills) for c in _sorted_checks()]


def _entry(c: Check, drills: Sequence[Drill]) -> CheckEntry:
    doc = SCENARIO_DOCS.get(c.scenario)
    return CheckEntry(
        c.id, c.scenario, tuple(sorted(c.applies_to)), c.title, doc.seed if doc else None,
        tuple(d.drill for d in _judging(c, drills)), tuple(d.drill for d in _staging(c, drills)),
    )  # fmt: skip


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _check_table(checks: Sequence[Check], drills: Sequence[Drill]) -> str:
    rows = ["| check | what it asks | judged in | staged to fail in |", "|---|---|---|---|"]
    rows += [f"| `{c.id}` | {_cell(c.title)} | {_judged_in(c, drills)} | {_staged_in(c, drills)} |" for c in checks]
    return "\n".join(rows)


def _shared_line(scenario: str, checks: Sequence[Check]) -> str:
    shared = [c for c in checks if c.scenario != scenario and scenario in c.applies_to]
    if not shared:
        return ""
    groups = sorted({c.scenario for c in shared})
    ids = ", ".join(f"`{c.id}`" for c in shared)
    return _wrap(f"Shared checks it applies ({', '.join(groups)}): {ids}.")


def _scenario_section(scenario: str, doc: ScenarioDoc, checks: Sequence[Check], drills: Sequence[Drill]) -> str:
    parts = [f"### {scenario}", _wrap(doc.text)]
    if scenario in SCENARIOS:  # not GLOBAL, not a group of shared checks
        parts.append(_wrap(f"Drills: {_names(d for d in drills if scenario in d.scenarios)}."))
    shared = _shared_line(scenario, checks)
    if shared:
        parts.append(shared)
    own = [c for c in checks if c.scenario == scenario]
    parts.append(_check_table(own, drills) if own else "No checks of its own.")
    return "\n\n".join(parts)


def _seed_section(seed: Seed, docs: Mapping[str, ScenarioDoc], checks: Sequence[Check], drills: Sequence[Drill]) -> str:
    number = seed.file[:3]
    parts = [f"## Seed {number} — {seed.title}", f"Source: `{seed.file}`.", _wrap(seed.text)]
    parts += [_scenario_section(s, d, checks, drills) for s, d in docs.items() if d.seed == seed.file]
    return "\n\n".join(parts)


def _ids(checks: Iterable[Check]) -> str:
    return ", ".join(f"`{c.id}`" for c in checks)


def _coverage(checks: Sequence[Check], drills: Sequence[Drill]) -> str:
    """How many checks a shipped drill judges, and how many it proves able to fail."""
    unstaged = [c for c in checks if not _staging(c, drills)]
    unjudged = [c for c in checks if not _judging(c, drills)]
    lines = [
        "## Coverage",
        "",
        _wrap(
            f"{len(checks)} checks. {len(checks) - len(unjudged)} are judged (expected to pass) by at least one "
            f"shipped drill; {len(checks) - len(unstaged)} are proven able to fail: a shipped negative drill "
            "stages a breach of the procedure and fails exactly its declared checks. `secours checks` prints "
            "this table, `secours checks --json` gives it as JSON."
        ),
    ]
    if unstaged:
        lines += ["", _wrap(f"No shipped drill stages the failure of: {_ids(unstaged)}.")]
    if unjudged:
        lines += ["", _wrap(f"No shipped drill judges: {_ids(unjudged)}.")]
    return "\n".join(lines)


def _parameters() -> str:
    rows = [
        "## Procedure parameters",
        "",
        _wrap(
            "The deadlines and thresholds the checks (and the simulated actors) use, with their defaults. A "
            "drill overrides any of them in its `procedure:` block, e.g. `procedure: {t_backlog_max: 90m}`; "
            "durations are written as in drill files (`30m`, `2h`)."
        ),
        "",
        "| parameter | default | meaning |",
        "|---|---|---|",
    ]
    for name, field in ProcedureParams.model_fields.items():
        rows.append(f"| `{name}` | `{field.default}` | {_cell(PARAMETERS[name])} |")
    return "\n".join(rows)


def _contents(docs: Mapping[str, ScenarioDoc]) -> str:
    lines = ["## Contents", "", f"- [{GLOBAL}](#{GLOBAL.lower()}): checks on every drill"]
    for seed in SEEDS.values():
        links = ", ".join(f"[{s}](#{s.lower()})" for s, d in docs.items() if d.seed == seed.file)
        lines.append(f"- Seed {seed.file[:3]}: {links}")
    return "\n".join(lines)


def _header() -> str:
    return "\n\n".join(
        [
            "# Fallback procedures and their checks",
            _wrap(
                "What each official fallback procedure asks of whom, and how the oracle judges a drill against "
                "it. Generated from the oracle's check registry (`secours/drills/oracle/`) and the drill files "
                f"(`drills/`) by `{REGENERATE}`: do not edit by hand; `tests/test_procedures_doc.py` fails when "
                "this file and the code disagree."
            ),
        ]
    )


def procedures_markdown(drills_dir: Path = DRILLS_DIR) -> str:
    """The whole of docs/procedures.md, from the registry, the drills and the descriptions above."""
    checks = _sorted_checks()
    _validate(checks, SCENARIO_DOCS)
    _validate_parameters()
    drills = _load_drills(drills_dir)
    parts = [_header(), _contents(SCENARIO_DOCS), _INTRODUCTION, _coverage(checks, drills), _parameters()]
    parts.append("## Checks on every drill\n\n" + _scenario_section(GLOBAL, SCENARIO_DOCS[GLOBAL], checks, drills))
    parts += [_seed_section(seed, SCENARIO_DOCS, checks, drills) for seed in SEEDS.values()]
    return "\n\n".join(parts) + "\n"
