"""``secours bench``: the simulated ENS round trip measured beside a bare aiokafka relay chain.

Layout:
    procstat.py   CPU seconds and resident memory of a process, read from /proc
    load.py       the trader's side, shared by both measurements: ENS records, the source, the sink
    chain.py      the bare relay chain (consume, produce, commit; nothing else), run as a child process
    pipeline.py   the simulated services on the round trip, in child processes, in several layouts
    run.py        one benchmark: both measurements on one broker, the targets, the JSON document
    soak.py       a long run (--soak N): memory and lag sampled over time

Both sides are driven by the same source and sink in the bench process, and both run their relays
in child processes, so the ratio compares the relays and nothing else.
"""
