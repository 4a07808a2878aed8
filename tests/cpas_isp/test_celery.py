import pytest
from django.conf import settings
from django_celery_beat.models import PeriodicTask

from cpas_isp.tasks import sante
from tests.cpas_isp.factories import CpasFactory


@pytest.mark.slow
def test_task_runs_in_a_real_worker_through_the_configured_broker(celery_worker):
    CpasFactory.create_batch(3)
    result = sante.apply_async(queue=celery_worker)
    answer = result.get(timeout=60)
    assert answer["database"] == "ok"
    assert answer["cpas"] == 3  # the worker read the test database
    expected = "redis" if settings.REDIS_URL else "filesystem"
    assert settings.CELERY_BROKER_URL.startswith(expected)


def test_nightly_session_purge_is_scheduled_in_the_database(db):
    task = PeriodicTask.objects.get(task="cpas_isp.purger_sessions")
    assert task.enabled and task.crontab.hour == "3"


def test_purge_deletes_only_expired_sessions(db):
    import datetime

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from cpas_isp.tasks import purger_sessions

    now = timezone.now()
    Session.objects.create(
        session_key="old", session_data="", expire_date=now - datetime.timedelta(1)
    )
    Session.objects.create(
        session_key="new", session_data="", expire_date=now + datetime.timedelta(1)
    )
    assert purger_sessions() == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == ["new"]
