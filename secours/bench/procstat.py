"""CPU seconds and memory of a running process, from Linux's /proc (no extra dependency)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ProcSample", "sample"]

_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True, slots=True)
class ProcSample:
    cpu_s: float  # user + system CPU seconds since the process started
    rss_mb: float  # resident set size now
    peak_rss_mb: float  # the highest resident set size so far (VmHWM)


def sample(pid: int) -> ProcSample | None:
    """The process's CPU and memory now, or None once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        status = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
    fields = stat[stat.rindex(")") + 2 :].split()
    cpu_s = (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime (fields 14 and 15 of proc(5))
    kb = {k: v for k, _, v in (line.partition(":") for line in status.splitlines())}
    return ProcSample(cpu_s=cpu_s, rss_mb=_mb(kb.get("VmRSS", "0 kB")), peak_rss_mb=_mb(kb.get("VmHWM", "0 kB")))


def _mb(field: str) -> float:
    return int(field.split(maxsplit=1)[0]) / 1024
