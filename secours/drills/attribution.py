"""Which checks judge the outside system of a run (``--external``), and what it got wrong on the wire.

A check is the outside actor's when its evidence is that actor's records: it names one of them
or one of the consignments the actor was handed (the LRN of an order on its ``edi.to_provider``
topic: a consignment it never lodged is judged at the border, on a record of the smart border),
or its outcome rests on them — judged again on the journal without the actor's records and
without the trail of the consignments it was handed (every record keyed by or about their LRNs:
what customs did with them follows from what the actor did), the check comes out differently, in
its status or its message (a check of MRNs counts fewer consignments; an alert check does not
move). A check that judges only other actors therefore stays theirs, whatever the outside system
did, and a check of the outside system's work is its own whether it passes or fails.

The records the run's services dead-lettered count against the actor when it wrote them (its
``ce_source``), or when they carry no source and it is one of the topic's writers.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from secours.drills.journal import Entry
from secours.drills.oracle import Context, JournalIndex, evaluate
from secours.drills.reportdata import CheckOutcome, Evidence
from secours.errors import ContractError
from secours.external import ExternalActor
from secours.topics import TopicCatalog

__all__ = ["ExternalShare", "attribute"]

logger = logging.getLogger(__name__)

_WORD = re.compile(r"[A-Za-z0-9]+")  # the words of an evidence note, to find the LRNs it names
_SHOWN_REASONS = 10  # dead letters listed in the summary; the journal has them all


@dataclass
class ExternalShare:
    actors: tuple[str, ...]
    records: int  # records the outside system wrote
    checks: frozenset[str]  # ids of the checks that judge it
    dead_letters: list[dict[str, Any]] = field(default_factory=list)

    def summary(self, checks: Sequence[CheckOutcome]) -> dict[str, Any]:
        own = [c for c in checks if c.id in self.checks]
        by_status = {s: [c.id for c in own if c.status == s] for s in ("pass", "fail", "warn", "not_exercised")}
        return {
            "actors": list(self.actors),
            "records": self.records,
            "checks": len(own),
            "passed": len(by_status["pass"]),
            "failed": by_status["fail"],
            "warned": by_status["warn"],
            "not_exercised": by_status["not_exercised"],
            "dead_letters": len(self.dead_letters),
            "dead_letter_examples": self.dead_letters[:_SHOWN_REASONS],
        }

    def line(self, checks: Sequence[CheckOutcome]) -> str:
        s = self.summary(checks)
        failed = f", {len(s['failed'])} fail ({', '.join(s['failed'])})" if s["failed"] else ""
        idle = f", {len(s['not_exercised'])} not exercised" if s["not_exercised"] else ""
        return (
            f"your {' and '.join(self.actors)}: {s['checks']} checks, {s['passed']} pass{failed}{idle}; "
            f"{s['records']} records written, {s['dead_letters']} dead-lettered"
        )


def attribute(
    names: Sequence[str],
    entries: Sequence[Entry],
    checks: Sequence[CheckOutcome],
    ctx: Context,
    *,
    desk_topics: frozenset[str] | None = None,
) -> ExternalShare:
    """``desk_topics``: the actors are people at a desk (a game day's trainees), not whole systems:
    only their records on these topics are theirs, and what their clients handed their system is not."""
    actors = [_actor(n) for n in names]

    def owned(e: Entry) -> bool:
        return any(a.owns(e.source) for a in actors) and (desk_topics is None or e.topic in desk_topics)

    own = [e for e in entries if owned(e)]
    handed = _handed(actors, entries) if desk_topics is None else set()
    names_theirs = {e.ce_id for e in own if e.ce_id} | handed

    def named(ev: Evidence) -> bool:
        return ev.ce_id in names_theirs or not names_theirs.isdisjoint(_WORD.findall(ev.note))

    trail = [e for e in entries if not (owned(e) or e.key in handed or e.subject in handed)]
    moved = _moved(checks, JournalIndex.build(trail), ctx)
    theirs = {c.id for c in checks if c.id in moved or any(named(ev) for ev in c.evidence)}
    records = len(own)
    return ExternalShare(tuple(names), records, frozenset(theirs), _dead_letters(actors, entries))


def _handed(actors: Sequence[ExternalActor], entries: Sequence[Entry]) -> set[str]:
    """The LRNs of what clients handed the actor to lodge (the keys of its orders)."""
    prefixes = tuple(f"edi.to_provider.{a.instance}" if a.instance else "edi.to_provider." for a in actors)
    wanted = [a for a in actors if a.service == "edi_provider"]
    return {e.key for e in entries if wanted and e.topic.startswith(prefixes) and e.key}


def _actor(name: str) -> ExternalActor:
    service, _, instance = name.partition(":")
    return ExternalActor(service, instance or None)


def _moved(checks: Sequence[CheckOutcome], without: JournalIndex, ctx: Context) -> set[str]:
    """The checks whose outcome changes when the outside actor's records and trail are taken away."""
    ids = {c.id for c in checks}
    try:
        again = {c.id: (c.status, c.message) for c in evaluate(without, ctx) if c.id in ids}
    except Exception:  # a check that cannot even run without those records rests on them all
        logger.debug("the oracle could not run without the outside actor's records", exc_info=True)
        return ids
    return {c.id for c in checks if again.get(c.id) != (c.status, c.message)}


def _dead_letters(actors: Sequence[ExternalActor], entries: Sequence[Entry]) -> list[dict[str, Any]]:
    catalog = TopicCatalog.load()
    by_position: dict[tuple[object, object, object], Entry] = {(e.topic, e.partition, e.offset): e for e in entries}
    found: list[dict[str, Any]] = []
    for e in entries:
        if e.topic != "secours.dlq" or e.ce_type == "undecodable":
            continue
        d = e.data
        original = by_position.get((d.get("topic"), d.get("partition"), d.get("offset")))
        source = original.source if original is not None else ""
        if source:
            theirs = any(a.owns(source) for a in actors)
        else:
            writers = _writers(catalog, str(d.get("topic", "")))
            theirs = any(a.service in writers for a in actors)
        if theirs:
            found.append({"service": d.get("service"), "topic": d.get("topic"), "reason": d.get("reason")})
    return found


def _writers(catalog: TopicCatalog, topic: str) -> tuple[str, ...]:
    try:
        return catalog.spec_for(topic).producers
    except ContractError:  # a topic outside the catalogue: nobody we know wrote it
        return ()
