"""The SAU's on-call technical team (seed 002, self-triggered fallback out of office hours).

A declarant who self-triggers the fallback out of office hours calls the SAU after filing its request
« afin que l'équipe technique d'astreinte puisse effectuer à distance les vérifications nécessaires
pour identifier l'origine du dysfonctionnement ». The team calls back ``sau_on_call_s`` later with
what its remote checks found, from what customs' own systems show:

- the intake of the caller's online service and mode has fallen silent (the CID's monitoring) ->
  customs' side: the service takes no declaration;
- a declaration of the caller's on that service was validated long ago (past the longest release
  time) and has neither its release (BAE) nor a state set by the office -> customs' side: the
  service's release is stalled;
- otherwise the service takes and processes declarations -> the caller's side (its own system, or
  its connection provider).

It does not publish anything itself: the météo stays the monitoring's (a silent intake is already
alerted) and the CID's decision.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from secours.effects import Effects
from secours.ids import derive_id
from secours.rand import uniform
from secours.wire import DeltaDecl, OlgaDa, SauContact, SauDiagnosis
from secours.world import World

__all__ = ["OnCall"]

ANSWERS = "sau.answers"
_HELD = ("SOUS_CONTROLE", "CREDIT_EN_ATTENTE", "PAIEMENT_COMPTANT")  # the office's states: not a technical block


class OnCall:
    def __init__(self, world: World) -> None:
        p = world.config.params
        self.seed = world.config.seed
        self.delay_s = p.sau_on_call_s
        self.release_max = timedelta(seconds=p.delta_release_s[1])
        self.requests: dict[str, OlgaDa] = {}  # self-trigger requests, by id
        self.validated: dict[tuple[str, str], dict[str, datetime]] = {}  # (declarant, service) -> decl -> when
        self.settled: set[str] = set()  # declarations released or held by the office

    def request(self, da: OlgaDa) -> None:
        if da.kind == "self_trigger":
            self.requests[da.da_id] = da

    def decl(self, d: DeltaDecl) -> None:
        """What Delta's back office shows of a declaration (the team can look it up)."""
        if d.state == "VALIDATED":
            self.validated.setdefault((d.declarant, d.service), {}).setdefault(d.decl_no, d.at)
        elif d.state == "BAE" or d.state in _HELD:
            self.settled.add(d.decl_no)

    def called(self, call: SauContact, now: datetime) -> Effects:
        """An on-call check asked for: the team calls back once it has looked."""
        fx = Effects()
        if call.purpose == "on_call_check" and call.da_id in self.requests:
            delay = uniform(self.seed, self.delay_s, "on-call", call.contact_id)
            fx.after(now + timedelta(seconds=delay), "on_call", call.da_id)
        return fx

    def diagnose(self, da_id: str, silent: set[str], now: datetime, source: str) -> Effects:
        fx = Effects()
        da = self.requests.get(da_id)
        if da is None:
            return fx
        stalled = sorted(no for no, at in self.validated.get((da.filer_eori, da.service), {}).items()
                         if no not in self.settled and now - at > self.release_max)  # fmt: skip
        if f"delta:{da.service}/{da.mode}" in silent:
            origin, finding = "customs", f"{da.service} ({da.mode}) takes no declaration: the online service is down"
        elif stalled:
            origin = "customs"
            finding = (f"{da.service} validated {len(stalled)} of your declarations ({stalled[0]}...) long ago "
                       "without BAE: its release is stalled")  # fmt: skip
        else:
            origin = "declarant"
            finding = (f"{da.service} ({da.mode}) takes and processes declarations: the malfunction is on your side "
                       "(your system, or your connection provider)")  # fmt: skip
        answer = SauDiagnosis(
            diagnosis_id=derive_id(da_id, "on-call"), da_id=da_id, to=da.filer_eori, service=da.service,
            origin=origin, finding=finding, at=now,
        )  # fmt: skip
        fx.send(ANSWERS, da_id, answer.diagnosis_id, source, answer, subject=da_id)
        return fx
