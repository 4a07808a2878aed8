import datetime
import os
import subprocess
import sys
import time
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.rapports.factories import BeneficiaireFactory, DroitFactory, PassageFactory

D = datetime.date
D2 = D(2025, 12, 31)


@pytest.fixture
def worker_rapports(transactional_db, tmp_path, settings):
    """A real Celery worker process (``celery -A cpas_isp worker``) on the configured broker,
    consuming a queue of its own (also the default queue of this process and of the worker, so
    tasks the worker queues come back to it), using the test database and a media folder of
    its own. Yields (queue, media_root)."""
    from django.db import connection

    from cpas_isp.celery import app

    queue = f"test-rapports-{uuid.uuid4().hex[:10]}"
    media = tmp_path / "media"
    media.mkdir()
    settings.MEDIA_ROOT = media
    parts = urlsplit(os.environ["DATABASE_URL"])
    env = dict(
        os.environ,
        DATABASE_URL=urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"])),
        CPAS_ISP_TESTING="true",
        CELERY_QUEUE=queue,
        MEDIA_ROOT=str(media),
        RAPPORTS_RETRY_BACKOFF="3",
    )
    log = tmp_path / "worker.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "cpas_isp",
                "worker",
                "-Q",
                queue,
                "--pool",
                "solo",
                "--loglevel",
                "INFO",
                "--hostname",
                f"{queue}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while "ready." not in log.read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("Celery worker did not start:\n" + log.read_text())
        time.sleep(0.2)
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        yield queue, media, log
    finally:
        app.conf.task_default_queue = previous
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def historique(cpas_a, cpas_b):
    def personne(cpas=cpas_a):
        return BeneficiaireFactory(cpas=cpas)

    # P1: open RIS; facilitateur ending the day before D1, then emploi starting on D1.
    p1 = personne()
    DroitFactory(beneficiaire=p1, debut=D(2025, 1, 1))
    PassageFactory(beneficiaire=p1, phase="facilitateur", debut=D(2025, 3, 1), fin=D(2025, 6, 29))
    PassageFactory(beneficiaire=p1, phase="emploi", debut=D(2025, 6, 30))
    # P2: RIS up to D1 then ERIS from the next day (one person, counted once); alpha ending on D2.
    p2 = personne()
    DroitFactory(beneficiaire=p2, type="RIS", debut=D(2025, 1, 1), fin=D(2025, 6, 30))
    DroitFactory(beneficiaire=p2, type="ERIS", debut=D(2025, 7, 1))
    PassageFactory(beneficiaire=p2, phase="alpha", debut=D(2025, 5, 1), fin=D(2025, 12, 31))
    # P3: article 60 worker whose RIS ended when the contract started.
    p3 = personne()
    DroitFactory(beneficiaire=p3, debut=D(2025, 1, 1), fin=D(2025, 3, 31))
    PassageFactory(beneficiaire=p3, phase="article60", debut=D(2025, 4, 1))
    # P4: RIS ending the day before D2; études et formations, open.
    p4 = personne()
    DroitFactory(beneficiaire=p4, debut=D(2025, 7, 1), fin=D(2025, 12, 30))
    PassageFactory(beneficiaire=p4, phase="etudes_formations", debut=D(2025, 7, 1))
    # P5: RIS since mid-2024, never in a phase.
    DroitFactory(beneficiaire=personne(), debut=D(2024, 6, 1))
    # P6: right and facilitateur stay both starting on D2.
    p6 = personne()
    DroitFactory(beneficiaire=p6, debut=D2)
    PassageFactory(beneficiaire=p6, phase="facilitateur", debut=D2)
    # P7, P8: RIS without a phase, P8 only from August.
    DroitFactory(beneficiaire=personne(), debut=D(2025, 1, 1))
    DroitFactory(beneficiaire=personne(), debut=D(2025, 8, 1))
    # A person of the other CPAS: RIS and emploi, both open.
    q1 = personne(cpas_b)
    DroitFactory(beneficiaire=q1, debut=D(2025, 1, 1))
    PassageFactory(beneficiaire=q1, phase="emploi", debut=D(2025, 1, 1))
    return cpas_a, cpas_b
