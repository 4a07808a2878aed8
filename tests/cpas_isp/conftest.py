"""Fixtures of the admin security tests: a CPAS's functional administrator, a national
superuser and a coordinator who works for two CPAS."""

import pytest
from django.db import connection

from cpas_isp.models import Role, User
from tests.cpas_isp.admin import _permissions_admin_fonctionnel
from tests.cpas_isp.factories import PASSWORD, MembershipFactory, UserFactory


@pytest.fixture
def admin_a(make_user, cpas_a):
    user = make_user(Role.ADMIN, cpas_a, is_staff=True, username="admin.alpha")
    user.user_permissions.set(_permissions_admin_fonctionnel())
    return user


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("national", "national@example.org", PASSWORD)


@pytest.fixture
def multi(cpas_a, cpas_b):
    """A coordinator working for CPAS A and CPAS B (``coordinateur.multi``)."""
    user = UserFactory(username="coordinateur.multi", email="multi@example.org")
    MembershipFactory(user=user, cpas=cpas_a, role=Role.COORDINATEUR)
    MembershipFactory(user=user, cpas=cpas_b, role=Role.COORDINATEUR)
    return user


def preparees_sur_le_serveur() -> set[str]:
    """The names of the statements this project prepared on the test connection."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements WHERE name LIKE 'isp_%%'")
        return {r[0] for r in cursor.fetchall()}


def etat_des_preparees() -> dict:
    """``cpas_isp.preparation``'s record of the connection's prepared statements."""
    return connection.connection.__dict__.get("_isp_prepares", {})


@pytest.fixture
def connexion_neuve(db):
    """A connection with nothing prepared yet (tests share the worker's connection)."""
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    etat_des_preparees().clear()
    yield
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    etat_des_preparees().clear()
