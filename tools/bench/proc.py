"""What a running server costs, read from /proc: memory and CPU time of its processes.

Benchmark figures, not server control (that is tools/servers.py).
"""
from __future__ import annotations

import os
from pathlib import Path

from tools.servers import worker_pids


def rss_mib(pid: int) -> float:
    """Resident memory of one process in MiB, from /proc/<pid>/status."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def cpu_seconds(master_pid: int) -> float:
    """User + system CPU time of a server's worker processes so far, from /proc.

    CPU per request hardly moves when other jobs compete for the cores, while
    requests per second does: it is the steadier measure on a shared machine.
    Workers that exited (max_requests recycles them) are counted through the master's
    cutime and cstime, so the total never goes backwards when a worker is replaced.
    """
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in [master_pid, *worker_pids(master_pid)]:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
        if pid == master_pid:
            total += int(fields[13]) + int(fields[14])  # cutime, cstime: reaped workers
    return total / ticks
