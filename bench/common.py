"""What the benchmark drivers share: a logged-in HTTP client and the /proc readings of a server process (Linux)."""

from __future__ import annotations

import http.cookiejar
import json
import os
import urllib.error
import urllib.request
from pathlib import Path


class Client:
    """One session against the real server: cookies kept, CSRF header from the csrftoken cookie."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def cookie(self, name: str) -> str:
        return next(c.value for c in self.jar if c.name == name)

    def login(self, email: str, password: str) -> str:
        """Log in through the API; returns the Cookie header for tools that drive the same session (wrk)."""
        self.opener.open(self.base_url + "/logga-in", timeout=10).read()  # the csrftoken cookie
        request = urllib.request.Request(
            self.base_url + "/api/v1/auth/login",
            data=json.dumps({"email": email, "password": password}).encode(),
            headers={"Content-Type": "application/json", "x-csrftoken": self.cookie("csrftoken")},
            method="POST",
        )
        assert self.opener.open(request, timeout=30).status == 200
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)

    def status(self, path: str) -> int:
        try:
            return self.opener.open(self.base_url + path, timeout=60).status
        except urllib.error.HTTPError as exc:
            return exc.code


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak RSS) of a process, in kB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    return values


def reset_peak(pid: int) -> bool:
    """Reset VmHWM to the current RSS (Linux ≥ 4.0: write 5 to clear_refs); False when not permitted."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def cpu_seconds(*pids: int) -> float:
    """User + system CPU time of the processes (all their threads); a process that is gone counts nothing."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")
