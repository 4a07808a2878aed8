"""Production readiness: settings pass `check --deploy`, the compose file is valid."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BASE = Path(__file__).resolve().parents[2]


def production_env(**extra):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DEBUG", "CPAS_ISP_TESTING", "SECURE_", "PYTEST", "DJANGO_ALLOW"))
    }
    env.update(
        DEBUG="false",
        CPAS_ISP_TESTING="false",
        SECRET_KEY="k" * 10 + "-production-secret-" + "x7Yq9!zP2#mW5$rT8&uV3*" * 2,
        ALLOWED_HOSTS="isp.cpas.example.be",
        DATABASE_URL=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/x"),
        **extra,
    )
    return env


@pytest.mark.slow
def test_check_deploy_reports_nothing_under_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.slow
def test_production_settings_refuse_to_start_without_secret_key():
    env = production_env()
    del env["SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BASE,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.slow
def test_compose_file_is_valid_and_defines_the_production_services():
    compose = shutil.which("docker-compose")
    assert compose, "docker-compose (Debian package) is installed by `make system-deps`"
    env = dict(os.environ, SECRET_KEY="s", POSTGRES_PASSWORD="p", ALLOWED_HOSTS="isp.example.be")
    result = subprocess.run(
        [compose, "-f", "docker-compose.yml", "config"],
        cwd=BASE,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    import yaml

    config = yaml.safe_load(result.stdout)
    services = config["services"]
    assert set(services) == {"db", "redis", "migrate", "web", "worker", "beat"}
    assert services["db"]["image"] == "postgres:17"
    assert services["redis"]["image"] == "redis:7"
    assert "gunicorn" in services["web"]["command"]
    assert services["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["web"]["environment"]["DEBUG"] == "false"


@pytest.mark.slow
def test_compose_file_demands_the_secrets():
    compose = shutil.which("docker-compose")
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "POSTGRES_PASSWORD"}}
    result = subprocess.run(
        [compose, "-f", "docker-compose.yml", "config", "-q"],
        cwd=BASE,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0


def test_gunicorn_workers_tune_their_garbage_collector_once_loaded():
    """gunicorn accepts the configuration's worker hook (a hook of the wrong shape stops the
    server at start), and the hook freezes what the worker loaded and raises the youngest
    generation's threshold (gunicorn.conf.py says why)."""
    import gc
    import runpy

    from gunicorn.config import Config

    conf = runpy.run_path(str(BASE / "gunicorn.conf.py"))
    config = Config()
    config.set("post_worker_init", conf["post_worker_init"])  # gunicorn checks the hook
    seuils = gc.get_threshold()
    gc.unfreeze()
    try:
        config.post_worker_init(None)
        assert gc.get_threshold() == (10_000, 10, 10)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*seuils)
