"""ECS-BS-*: the ECS-BS fallback at the exit office (PROCEDURES.md §8, seed 003).

An ECS fault is a ``down`` fault on ECS-BS (``ecs_exit``: every movement), on the customs portal in
front of it (``douane_portal``: the movements of its DTI users, cases 2 and 3 « panne du portail de
la douane », read like an ECS-BS outage but when the goods arrive, since ECS-BS goes on) or on one
exporter's own EDI system (``exporter:<EORI>``: only its movements); neither of the last two at a
land exit, where the officers do the formalities. Each movement is read against the first ECS
fault that catches it (§0 ``F``):

- case 1: no AER (ECS-BS state *AER arrivé*) yet, and the goods arrive during the fault;
- case 2: AER, no *Etat stocké*, and the goods arrive during the fault;
- case 3: *Etat stocké* at the fault's start, and the exit falls during the fault.

ECS-BS down changes no state while it lasts, so its cases are read at ``F.start``; with an
operator's system down ECS-BS goes on working and an AER may still come, so the case of an arrival
is read when the goods arrive. Immediate or deferred exit, port or land exit come from the world.
Each (case, fault side, timing, exit office) is one scenario of the matrix; ``fb(m)``: the movement
was handled with the fallback block (its EAD was presented: ``ead.presented``).

How shared checks are attached. As EU-C1..EU-C7 (ics2_eu.py), E1-E12, O1-O5 and K1-K8 are
registered once each, under the group ``ECS-BS`` and ``applies_to`` the scenarios whose row of the
matrix names them (so the §10 count per scenario is that of the registry), and the drill runs each
once. One outage exercises several scenarios at once (cases 1, 2 and 3, immediate and deferred), so
a shared check judges the movements of the scenarios it applies to *that the drill lists*: K3
(immediate exit) judges the immediate movements of the listed immediate scenarios, E2 the
movements of every listed scenario. Listing ECS-BS-REINTEGRATION (the recovery run after any ECS-BS
scenario) brings every movement caught by a fault into the recovery checks (E9, E10, E12, K2, K6).
A check run outside a drill (no scenario of it listed) judges the movements of all its scenarios.
ECS-BS-CASE1-OPERATOR-DOWN-* are n/a (an operator fault leaves the AER in place): not registered.

A notification is in ECS-BS when ECS-BS was up as it read it, one hop (the run's transit) after it
was sent: one that reaches it down is refused, though the journal keeps it, so each movement's trail
sets it apart (``lost``) and no check counts it as recorded - e.g. a land exit the officers record
live before the alert tells them ECS-BS is down. (Reading ECS-BS's resulting state instead would
miss a message it rightly ignores: a second arrival changes nothing.)

The reintegration clock (E9, ECS-BS-REINTEGRATION#2) starts at the end of alert: the ECS-BS (or the
portal's) alert's ``end`` for an ECS-BS (portal) outage, the closure of the exporter's assistance
request for its own outage (PROCEDURES §2 ``end_of_alert(DA)``); a ``bs.relaxation`` for that alert
and office moves the deadline. While that deadline has not passed by the end of the drill, a
reintegration not yet done (and what follows from it: IE518, IE599) is not judged.

Layout:
    movements.py       the scenario matrix; each movement's records, case and scenario (``_Exit``), the
                       movements a check judges (``_judged``), verdicts over movements (``_over``)
    alerts.py          the ECS-BS alerts, the exporter's DA, the end of alert, the reintegration deadline
    fallback_block.py  E1-E12: the fallback block and the reintegration
    operator_down.py   O1-O5: the exporter's own system down, ECS-BS up
    cases.py           K1-K8: the rules of each case
    reintegration.py   ECS-BS-REINTEGRATION #1-#3

The oracle's package imports every module of this folder (``pkgutil.walk_packages``), which
registers their checks.
"""

from __future__ import annotations

__all__: list[str] = []
