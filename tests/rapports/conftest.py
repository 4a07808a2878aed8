import datetime

import pytest

from tests.beneficiaires.factories import BeneficiaireFactory, DroitFactory
from tests.conftest import worker_celery
from tests.trajets.factories import PassageFactory

D = datetime.date
D2 = D(2025, 12, 31)


@pytest.fixture
def worker_rapports(transactional_db, tmp_path, settings):
    """A real Celery worker process (``celery -A cpas_isp worker``) on the configured broker,
    with a queue and a media folder of its own and a short retry backoff.
    Yields (queue, media_root, log)."""
    media = tmp_path / "media"
    media.mkdir()
    settings.MEDIA_ROOT = media
    with worker_celery(
        tmp_path, prefix="test-rapports", MEDIA_ROOT=str(media), RAPPORTS_RETRY_BACKOFF="3"
    ) as (queue, log):
        yield queue, media, log


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
