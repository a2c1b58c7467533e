"""The oracle: did every party do what the procedures require? Computed from a journal alone.

Layout:
    index.py          JournalIndex: one pass over the journal, indexed for the checks
    registry.py       REGISTRY and the @check decorator: every check lives there under its PROCEDURES.md id
    global_checks.py  G1-G7, run on every drill
    common.py         questions several scenarios ask (affected consignments, receipts, verdicts)
    ics2_fr_s1.py     ICS2-FR-S1-TRADER-DOWN and -PROVIDER-DOWN #1-#7 (seed 000, a trade-side system down)
    ics2_fr_s2.py     ICS2-FR-S2-AS-DOWN #1-#9 (seed 000, the customs system down)
    ics2_fr_no_alert.py ICS2-FR-NO-ALERT #1-#7 (seed 000, customs down and nothing published)
    ics2_fr_deadline.py ICS2-FR-DEADLINE-MISSED #1-#5 (seed 000, the office checks before recording)
    ics2_fr_trailers.py ICS2-FR-UNACCOMPANIED-TRAILERS #1-#6 (seed 000, loading lists of late trailers)
    ics2_fr_scope.py  ICS2-FR-SCOPE #1-#2 (seeds 000/001, goods unloaded in another Member State)
    ics2_eu.py        EU-C1-EU-C7 and ICS2-EU-STI/CR/NATIONAL-DOWN (seed 001, an ICS2 component down)
    ics2_eu_tapas.py  ICS2-EU-TAPAS-DOWN #1-#2 (seed 001, the AS4 access point down)
    ics2_eu_uumds.py  ICS2-EU-UUMDS-DOWN #1-#2 (seed 001, sign-in to the STI portal down)
    ics2_eu_operator.py ICS2-EU-OPERATOR-DOWN #1-#4 (seed 001, a direct filer's own system down)
    luccs.py          LUCCS-B2G-EO-DOWN, -B2G-ADA-DOWN, -FULL-DOWN (seed 004, Luxembourg's import system)
    delta/            DELTA-ALERT-PUBLISHED, -SELF-TRIGGER, -EDI-PROVIDER-DOWN, -NOT-TECHNICAL (seed 002, Delta G/X/H7):
                      one module per scenario, and common.py for what they share
    ecs/              E1-E12, O1-O5, K1-K8 and ECS-BS-REINTEGRATION (seed 003, the ECS-BS fallback at the exit office):
                      one module per family of checks, and movements.py, alerts.py for what they share
    timings.py        time to detect, fall back, recover, reconcile; backlog drained

Importing this package registers every check module: every module of this folder and of its
packages is imported, so a new scenario's checks are found by being here (a module someone forgot
to import cannot silently drop its checks).
"""

from __future__ import annotations

import importlib
import pkgutil

from secours.drills.oracle.index import JournalIndex
from secours.drills.oracle.registry import REGISTRY, Context
from secours.drills.reportdata import CheckOutcome

__all__ = ["REGISTRY", "Context", "JournalIndex", "evaluate"]

# Every module of the folder and of its packages (delta/, ecs/): walk_packages imports each package
# to look inside it, and importing a module registers its checks.
for _module in pkgutil.walk_packages(__path__, prefix=f"{__name__}."):
    importlib.import_module(_module.name)


def _natural(check_id: str) -> tuple[str, int]:
    """G2 before G10, #2 before #10."""
    head = check_id.rstrip("0123456789")
    tail = check_id[len(head) :]
    return head, int(tail) if tail else 0


def evaluate(ix: JournalIndex, ctx: Context, expect_fail: frozenset[str] = frozenset()) -> list[CheckOutcome]:
    """Run the global checks and those of the drill's scenarios, in registry order."""
    chosen = [c for c in REGISTRY.values() if c.applies(ctx.scenarios)]
    chosen.sort(key=lambda c: (c.scenario != "GLOBAL", c.scenario, _natural(c.id)))
    return [c.run(ix, ctx, expected=c.id in expect_fail) for c in chosen]
