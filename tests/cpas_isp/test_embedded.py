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
