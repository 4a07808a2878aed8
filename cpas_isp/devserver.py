"""`make run`: migrate, load the demo data once, then run web + Celery worker + beat (honcho).

Runs under ``python -m cpas_isp.embedded exec`` so that DATABASE_URL is set (embedded
PostgreSQL when none is configured). Ctrl-C stops the three processes, then the database.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def manage(*args: str) -> None:
    subprocess.run([sys.executable, str(BASE_DIR / "manage.py"), *args], check=True, cwd=BASE_DIR)


def banner() -> str:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cpas_isp.settings")
    django.setup()
    # after django.setup(): these import models
    from cpas_isp.deux_facteurs import CLE_DEMO_BASE32, COMMANDE_CODE_DEMO
    from cpas_isp.management.commands.demo_data import DEMO_PASSWORD, demo_accounts

    host = os.environ.get("HOST", "127.0.0.1")
    port = os.environ.get("PORT", "8000")
    broker = "Redis" if os.environ.get("REDIS_URL") else "filesystem (var/broker)"
    lines = [
        "",
        "=" * 72,
        f"  CPAS ISP: http://{host}:{port}/",
        f"  Celery broker: {broker}. Stop everything with Ctrl-C.",
        f"  Demo accounts (password: {DEMO_PASSWORD}):",
    ]
    lines += [
        f"    {u:<26} {role.value:<13} {', '.join(codes)}" for u, role, codes in demo_accounts()
    ]
    lines += [
        "  admin.* accounts also need a one-time code (two-factor authentication):",
        f"    add the TOTP key {CLE_DEMO_BASE32} to an authenticator app, or run",
        f"    {COMMANDE_CODE_DEMO}",
    ]
    lines += [
        "  Uploaded documents are scanned by clamd (Debian clamav-daemon; EICAR-only signatures",
        "  unless freshclam filled /var/lib/clamav).",
    ]
    lines += ["=" * 72, ""]
    return "\n".join(lines)


def main() -> int:
    os.chdir(BASE_DIR)
    manage("migrate", "--noinput", "--verbosity", "1")
    manage("demo_data")
    print(banner(), flush=True)
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("PYTHONUNBUFFERED", "1")
    # The malware scanner of uploaded documents: the clamd of the Procfile (documents.clamav),
    # unless CLAMD_SOCKET names another one.
    var = Path(os.environ.get("CPAS_ISP_VAR_DIR", BASE_DIR / "var"))
    env.setdefault("CLAMD_SOCKET", str(var / "clamd" / "clamd.sock"))
    honcho = Path(sys.executable).parent / "honcho"
    port = os.environ.get("PORT", "8000")
    # honcho gives each process type its PORT from this base (web is first: the base itself).
    command = [str(honcho), "start", "-f", str(BASE_DIR / "Procfile"), "--port", port]
    proc = subprocess.Popen(command, env=env)
    # Ctrl-C reaches honcho too, which stops web, worker and beat: wait for it to finish.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    return proc.wait()


if __name__ == "__main__":
    sys.exit(main())
