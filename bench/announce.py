"""Announcing a big term: 200 members, 52 weekly sessions, every message rendered and sent to a
local SMTP server, beside the same messages sent by a bare smtplib loop in the same run.

    python bench/announce.py [--members 200] [--sessions 52]    # about a minute

The group: the repository's sample config (schedules/ml-systems.yaml) with MEMBERS generated
members (each an address at example.org, interests drawn from the sample's topics), SESSIONS
weekly sessions of one paper each (the bundled sample catalog), and announce rules that make
every message due at once: `term: at plan`, `agenda: 400 days before`, `presenter: 400 days
before`, so one `paperclub announce --due` (with --now just before the first session) sends
the term announcement, every session's agenda with its invitation to every member, and each
presenter's note. The server: aiosmtpd on 127.0.0.1 (a free port), counting the messages and
their bytes (keeping none).

Printed, each in a process of its own in a fresh copy of the planned workspace:
- `announce --due`: wall time, the child's CPU, peak memory (the child's ru_maxrss), messages
  and MB the server took, and time per message;
- `announce --due --dry-run --out DIR`: the same messages rendered and written, nothing sent;
- the baseline: the .eml files of the dry run sent again by a bare smtplib loop over one
  connection (no rendering, no send log): what the transport alone costs here.

Target (issue 18): none stated beyond measuring; the figures go in docs/usage.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import shutil
import smtplib
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import yaml
from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "schedules" / "ml-systems.yaml"
TODAY = "2026-11-01"  # the plan's --today
NOW = "2026-12-01T08:00"  # --now: before the first session (2026-12-03)
MB = 1 << 20


class Counter:
    """aiosmtpd's handler: counts what it takes, keeps nothing."""

    def __init__(self) -> None:
        self.messages = 0
        self.bytes = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self.lock:
            self.messages += 1
            self.bytes += len(envelope.original_content or b"")
        return "250 OK"


class _Controller(Controller):
    def _trigger_server(self) -> None:
        self.port = self.server.sockets[0].getsockname()[1]  # port 0: the free one given
        super()._trigger_server()


def group(members: int, sessions: int, port: int) -> dict[str, Any]:
    config = yaml.safe_load(SAMPLE.read_text())
    rng = random.Random(1)
    topics = list(config["topics"])
    config["members"] = [
        {
            "name": f"Member {n:03d}",
            "email": f"member{n:03d}@example.org",
            "interests": rng.sample(topics, 1),
        }
        for n in range(1, members + 1)
    ]
    config["meetings"].update(count=sessions, papers_per_session=1, skip=[])
    config["selection"].pop("pin", None)
    config["selection"].pop("before", None)
    config["outputs"] = ["ics"]
    config["announce"] = {
        "smtp": {"host": "127.0.0.1", "port": port, "security": "none"},
        "term": "at plan",
        "agenda": "400 days before",
        "presenter": "400 days before",
    }
    return config


def paperclub(args: list[str], cwd: Path) -> tuple[float, float, float, str]:
    """(wall s, cpu s, peak MB, stdout) of `paperclub ARGS` in a process of its own."""
    env = {**os.environ, "PAPERCLUB_DISABLE_PLUGIN_AUTOLOAD": "1"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "paperclub", *args], cwd=cwd, env=env, capture_output=True
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): paperclub {' '.join(args)}\n{proc.stderr.decode()}")
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return wall, cpu, after.ru_maxrss / 1024, proc.stdout.decode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--sessions", type=int, default=52)
    args = parser.parse_args()
    counter = Counter()
    controller = _Controller(counter, hostname="127.0.0.1", port=0)
    controller.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            run(Path(tmp), args.members, args.sessions, controller.port, counter)
    finally:
        controller.stop()


def run(root: Path, members: int, sessions: int, port: int, counter: Counter) -> None:
    planned = root / "planned"
    (planned / "schedules").mkdir(parents=True)
    schedule = planned / "schedules" / "big.yaml"
    schedule.write_text(yaml.safe_dump(group(members, sessions, port), sort_keys=False))
    paperclub(["import", "paperclub:sample"], planned)
    wall, _, _, _ = paperclub(["plan", "schedules/big.yaml", "--today", TODAY], planned)
    print(f"{members} members, {sessions} sessions of one paper: planned in {wall:.1f} s")

    def fresh(name: str) -> Path:
        shutil.copytree(planned, root / name)
        return root / name

    # the dry run: every message rendered and written, nothing sent
    there = fresh("dry")
    out = root / "eml"
    wall, cpu, peak, _ = paperclub(
        ["announce", "schedules/big.yaml", "--due", "--now", NOW, "--dry-run", "--out", str(out)],
        there,
    )
    files = sorted(out.glob("*.eml"))
    size = sum(f.stat().st_size for f in files)
    print(
        f"dry run       {len(files):6,} messages  {size / MB:6.1f} MB  total {wall:6.2f} s  "
        f"cpu {cpu:6.2f} s  peak {peak:5.0f} MB  ({1000 * wall / max(1, len(files)):.2f} ms each)"
    )

    # the real thing: rendered, logged and sent
    there = fresh("send")
    wall, cpu, peak, stdout = paperclub(
        ["announce", "schedules/big.yaml", "--due", "--now", NOW], there
    )
    sent = counter.messages
    print(
        f"announce --due {sent:6,} messages  {counter.bytes / MB:6.1f} MB  total {wall:6.2f} s  "
        f"cpu {cpu:6.2f} s  peak {peak:5.0f} MB  ({1000 * wall / max(1, sent):.2f} ms each)"
    )
    if sent != len(files):
        sys.exit(f"the server took {sent} messages, the dry run wrote {len(files)}")
    again, *_ = paperclub(["announce", "schedules/big.yaml", "--due", "--now", NOW], there)
    print(
        f"again         {counter.messages - sent:6,} messages (each went once)  total {again:6.2f} s"
    )

    # the baseline: the same bytes by a bare smtplib loop, one connection
    datas = [f.read_bytes() for f in files]
    before = counter.messages
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for data in datas:
            smtp.sendmail("ada@example.org", ["member001@example.org"], data)
    bare = time.perf_counter() - started
    assert counter.messages - before == len(datas)
    print(
        f"bare smtplib  {len(datas):6,} messages  total {bare:6.2f} s  "
        f"({1000 * bare / max(1, len(datas)):.2f} ms each): announce is "
        f"{wall / bare:.1f}x the transport alone"
    )


if __name__ == "__main__":
    asyncio.set_event_loop_policy(None)
    main()
