"""Login lockout: django-axes per user name and address, plus a limit per user name.

django-axes compares every lockout parameter combination against one limit
(``AXES_FAILURE_LIMIT``). A whole CPAS office may share one public address, so the
combination (user name, address) keeps the low limit; a password guessed from many
addresses is stopped by a second, higher limit on the user name alone
(``AXES_USERNAME_FAILURE_LIMIT``), counted over the same cool-off window.
"""

from __future__ import annotations

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


def echecs_par_nom(request, credentials=None) -> int:
    """Failed logins of this user name from every address within the cool-off window."""
    username = get_client_username(request, credentials)
    if not username:
        return 0
    attempts = AccessAttempt.objects.filter(username=username)
    if settings.AXES_COOLOFF_TIME is not None:
        attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
    return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0


class VerrouillageHandler(AxesDatabaseHandler):
    """axes' database handler; a user name over its own limit counts as locked everywhere.

    ``get_failures`` is what axes compares with ``AXES_FAILURE_LIMIT``, both when a login
    fails (to lock) and before authenticating (to refuse even the right password): once the
    user name's failures from all addresses reach ``AXES_USERNAME_FAILURE_LIMIT``, it reports
    at least the per-address limit, so every address is locked until the cool-off ends.
    """

    def get_failures(self, request, credentials=None) -> int:
        failures = super().get_failures(request, credentials)
        limite = getattr(settings, "AXES_USERNAME_FAILURE_LIMIT", 0)
        if limite and echecs_par_nom(request, credentials) >= limite:
            return max(failures, get_failure_limit(request, credentials))
        return failures
