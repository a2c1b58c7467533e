"""DELTA-EDI-PROVIDER-DOWN #1-#9: a connection provider's platform is the origin: it reports to the CID,
the CID alerts and the provider relays the alert, its BIPs and its end to its clients
(PROCEDURES.md §7).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from secours.clock import format_sim
from secours.drills.journal import Entry
from secours.drills.oracle.common import at_fault, down_fault, first, first_fault, seconds, typed, verdict
from secours.drills.oracle.common import entry_time as _at
from secours.drills.oracle.delta.common import _Alert, _alerts, _each, _self_das, _target
from secours.drills.oracle.index import FaultWindow, JournalIndex
from secours.drills.oracle.registry import Context, Finding, check, evidence, outcome
from secours.drills.reportdata import Evidence
from secours.world import DELTA_SERVICES, DeltaDeclarant

__all__: list[str] = []

EDI = "DELTA-EDI-PROVIDER-DOWN"


@dataclass(frozen=True)
class _ProviderCase:
    """A connection provider's platform down, and the Delta declarants who lodge through it."""

    fault: FaultWindow
    start: datetime
    provider: str
    clients: tuple[DeltaDeclarant, ...]

    @property
    def eoris(self) -> set[str]:
        return {c.eori for c in self.clients}

    @property
    def services(self) -> list[str]:
        return sorted({s for c in self.clients for s in c.services})


def _provider_case(ix: JournalIndex, ctx: Context) -> _ProviderCase | None:
    f = first_fault(ix, down_fault("delta_provider:"))
    if f is None or f.start is None:
        return None
    p = _target(f).split(":", 1)[1]
    return _ProviderCase(f, f.start, p, tuple(d for d in ctx.world.delta_declarants if d.provider == p))


def _report(ix: JournalIndex, case: _ProviderCase) -> Entry | None:
    """The provider's first report to the CID since the outage began: an OLGA DA, or a call or e-mail to the SAU."""
    das = [e for e in typed(ix, "olga.da") if e.data["kind"] == "provider_outage" and e.data["filer"] == case.provider]
    calls = [e for e in typed(ix, "sau.contact") if e.data["purpose"] == "report" and e.data["by"] == case.provider]
    return first(e for e in das + calls if _at(e) >= case.start)


def _reported(report: Entry, case: _ProviderCase) -> tuple[set[str], bool, set[str]]:
    """(services, EDI named, client EORIs) a report names. A DA says them in fields (services as a comma
    list); a call or an e-mail to the SAU only in its text."""
    d = report.data
    if report.ce_type == "olga.da":
        services = {s.strip() for s in str(d["service"]).split(",") if s.strip()}
        return services, d["mode"] == "EDI", {c["eori"] for c in d["clients"]}
    text = str(d.get("text", ""))
    return {s for s in DELTA_SERVICES if s in text}, "EDI" in text, {e for e in case.eoris if e in text}


def _report_services(ix: JournalIndex, case: _ProviderCase) -> set[str]:
    """The services the report names (the clients' own when there is no report, or it names none)."""
    report = _report(ix, case)
    named = _reported(report, case)[0] if report is not None else set()
    return named or set(case.services)


def _provider_alert(ix: JournalIndex, case: _ProviderCase) -> _Alert | None:
    """The first Delta alert since the outage began about the provider (its component) or, in EDI mode,
    about a service of its clients."""
    return next((a for a in _alerts(ix) if _at(a.opened) >= case.start and "EDI" in a.opened.data["modes"]
                 and (a.opened.data["component"] == f"delta_provider:{case.provider}"
                      or set(case.services) & set(a.opened.data["services"]))), None)  # fmt: skip


def _relays(ix: JournalIndex, ctx: Context, case: _ProviderCase, kind: str, ref: str, since: Entry) -> list[Evidence]:
    """Clients to whom the provider did not relay ``ref`` (kind ``kind``) within t.client_notice_max."""
    start = _at(since)
    limit = start + seconds(ctx, "t_client_notice_max")
    sent = {e.data["to"] for e in typed(ix, "client.notice") if e.data["provider"] == case.provider
            and e.data["kind"] == kind and e.data["ref"] == ref and start <= _at(e) <= limit}  # fmt: skip
    return [evidence(since, f"{c.eori}: no {kind} of {ref} by {format_sim(limit)}")
            for c in case.clients if c.eori not in sent]  # fmt: skip


def _no_case() -> Finding:
    return outcome("not_exercised", "no connection provider's platform down in this drill")


@check(f"{EDI}#1", EDI, "Clients who asked the provider were answered that its platform is the origin")
def edi_1(ix: JournalIndex, ctx: Context) -> Finding:
    case = _provider_case(ix, ctx)
    if case is None:
        return _no_case()
    end = case.fault.end or ctx.end
    asked = [e for e in typed(ix, "provider.contacted")
             if e.data["provider"] == case.provider and e.data["trader"] in case.eoris
             and e.data["kind"] == "question" and case.start <= _at(e) < end]  # fmt: skip
    if not asked:
        return outcome("not_exercised", "no client asked the provider during its outage")
    answers = typed(ix, "provider.answer")

    def judge(q: Entry) -> str | None:
        said = [a.data["origin_provider"] for a in answers if a.data["contact_id"] == q.data["contact_id"]]
        if True in said:
            return None
        return f"{q.data['trader']}: {'no answer' if not said else 'told the provider is not the origin'}"

    return _each(asked, judge, "all {n} questions answered: the provider is the origin",
                 "{n} questions not answered that the provider is the origin")  # fmt: skip


@check(f"{EDI}#2", EDI, "The provider reports to the CID (DA or SAU) within t.da_max of noticing")
def edi_2(ix: JournalIndex, ctx: Context) -> Finding:
    case = _provider_case(ix, ctx)
    if case is None:
        return _no_case()
    limit = case.start + seconds(ctx, "detect_self") + seconds(ctx, "t_da_max")
    report = _report(ix, case)
    if report is None or _at(report) > limit:
        when = f"only at {format_sim(_at(report))}" if report else "at no time"
        message = f"{case.provider} reported its outage to the CID {when} (limit {format_sim(limit)})"
        return outcome("fail", message, [evidence(report, "late") if report else at_fault(case.fault, message)])
    return outcome("pass", f"{case.provider} reported its outage at {format_sim(_at(report))}")


@check(f"{EDI}#3", EDI, "The report names the services, the EDI mode and all the provider's Delta clients")
def edi_3(ix: JournalIndex, ctx: Context) -> Finding:
    case = _provider_case(ix, ctx)
    if case is None:
        return _no_case()
    report = _report(ix, case)
    if report is None:
        return outcome("not_exercised", f"{case.provider} made no report (#2 reports it)")
    services, edi, named = _reported(report, case)
    gaps = [f"service {s}" for s in case.services if s not in services] + ([] if edi else ["the EDI mode"])
    gaps += [f"client {c.eori}" for c in case.clients if c.eori not in named]
    found = [evidence(report, f"the report leaves out {', '.join(gaps)}")] if gaps else []
    return verdict(found, f"the report names {len(case.services)} services, EDI and "
                   f"{len(case.clients)} clients", "the report is incomplete")  # fmt: skip


@check(f"{EDI}#4", EDI, "A CID alert covering the reported services in EDI is published within t.alert_max of "
       "the report")  # fmt: skip
def edi_4(ix: JournalIndex, ctx: Context) -> Finding:
    case = _provider_case(ix, ctx)
    report = _report(ix, case) if case is not None else None
    if case is None or report is None:
        return outcome("not_exercised", "no report of a provider's outage (#2 reports a missing one)")
    services, limit = _report_services(ix, case), _at(report) + seconds(ctx, "t_alert_max")
    # Published after the outage began: an alert before the report (the CID heard otherwise) is not late.
    alert = next((a for a in _alerts(ix) if case.start <= _at(a.opened) <= limit
                  and all(a.covers(s, "EDI") for s in services)), None)  # fmt: skip
    if alert is None:
        message = f"no alert covering {', '.join(sorted(services))} in EDI by {format_sim(limit)}"
        return outcome("fail", message, [evidence(report, message)])
    return outcome("pass", f"{alert.alert_id} opened at {format_sim(_at(alert.opened))}")


@check(f"{EDI}#5", EDI, "The provider relays the alert to each client within t.client_notice_max")
def edi_5(ix: JournalIndex, ctx: Context) -> Finding:
    case = _provider_case(ix, ctx)
    alert = _provider_alert(ix, case) if case is not None else None
    if case is None or alert is None:
        return outcome("not_exercised", "no alert about a provider's outage")
    found = _relays(ix, ctx, case, "alert_relay", alert.alert_id, alert.opened)
    return verdict(found, f"{alert.alert_id} relayed to all {len(case.clients)} clients in time",
                   "{n} clients not relayed the alert in time")  # fmt: skip


@check(f"{EDI}#6", EDI, "The provider relays each BIP to each client within t.client_notice_max")
def edi_6(ix: JournalIndex, ctx: Context) -> Finding:
    case = _provider_case(ix, ctx)
    alert = _provider_alert(ix, case) if case is not None else None
    if case is None or alert is None or not alert.bips:
        return outcome("not_exercised", "no BIP about a provider's outage")
    relays = (
        _relays(ix, ctx, case, "bip_relay", f"{alert.alert_id}#{bip.data['bip_number']}", bip) for bip in alert.bips
    )
    found = [x for per_bip in relays for x in per_bip]
    return verdict(found, f"{len(alert.bips)} BIPs relayed to all {len(case.clients)} clients in time",
                   "{n} BIP relays missing or late")  # fmt: skip


@check(f"{EDI}#7", EDI, "(warn) No client self-triggers for a reported service while waiting for the provider's "
       "report and the alert")  # fmt: skip
def edi_7(ix: JournalIndex, ctx: Context) -> Finding:
    case = _provider_case(ix, ctx)
    if case is None:
        return _no_case()
    alert, services = _provider_alert(ix, case), _report_services(ix, case)
    until = _at(alert.opened) if alert is not None else case.fault.end or ctx.end
    das = [da for da in _self_das(ix) if da.data["filer"] in case.eoris and case.start <= _at(da) < until]

    def judge(da: Entry) -> str | None:
        service = da.data["service"]
        return f"{da.data['filer']}: self-triggered on {service} before the alert" if service in services else None

    return _each(das, judge, "no client self-triggered while waiting for the alert",
                 "{n} clients self-triggered while waiting for the provider's report", warn=True)  # fmt: skip


@check(f"{EDI}#8", EDI, "The clients' fallback declarations come only after the alert is published")
def edi_8(ix: JournalIndex, ctx: Context) -> Finding:
    case = _provider_case(ix, ctx)
    if case is None:
        return _no_case()
    used = [e for e in typed(ix, "fallback.used") if e.data["by"] in case.eoris and _at(e) >= case.start]
    if not used:
        return outcome("not_exercised", "no client of the provider fell back")
    alert = _provider_alert(ix, case)

    def judge(e: Entry) -> str | None:
        if alert is not None and _at(e) >= _at(alert.opened):
            return None
        return f"{e.data['by']}: {e.data['fallback_id']} at {format_sim(_at(e))}, " + (
            f"before {alert.alert_id}" if alert is not None else "with no alert published"
        )

    return _each(used, judge, "all {n} client fallback declarations after the alert",
                 "{n} client fallback declarations before the alert")  # fmt: skip


@check(f"{EDI}#9", EDI, "The provider relays the end of alert to each client within t.client_notice_max")
def edi_9(ix: JournalIndex, ctx: Context) -> Finding:
    case = _provider_case(ix, ctx)
    alert = _provider_alert(ix, case) if case is not None else None
    if case is None or alert is None or alert.ended is None:
        return outcome("not_exercised", "no end of an alert about a provider's outage")
    found = _relays(ix, ctx, case, "end_relay", alert.alert_id, alert.ended)
    return verdict(found, f"end of {alert.alert_id} relayed to all {len(case.clients)} clients in time",
                   "{n} clients not relayed the end of alert in time")  # fmt: skip
