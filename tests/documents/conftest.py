"""Fixtures of the documents tests: a real clamd (Debian's clamav-daemon) with a local signature
database holding the EICAR test signature, started once per test session (per pytest-xdist
worker) and given to the application as CLAMD_SOCKET; sample files; uploads through the
service."""

from __future__ import annotations

import pytest
from django.test.utils import override_settings

from cpas_isp.models import Role
from documents import clamav
from tests.beneficiaires.factories import BeneficiaireFactory


@pytest.fixture(scope="session")
def clamd(tmp_path_factory):
    """The socket of a running clamd (local EICAR database), set as CLAMD_SOCKET."""
    if clamav.clamd_disponible() is None:
        pytest.fail("clamd is not installed: run `make system-deps` (Debian clamav-daemon)")
    proc, sock = clamav.demarrer(tmp_path_factory.mktemp("clamd"), systeme=False)
    try:
        with override_settings(CLAMD_SOCKET=sock):
            yield sock
    finally:
        clamav.arreter(proc)


@pytest.fixture
def sans_scanner(settings):
    settings.CLAMD_SOCKET = ""


@pytest.fixture
def agent(make_user, cpas_a):
    return make_user(Role.AGENT, cpas_a, first_name="Anne", last_name="Agent")


@pytest.fixture
def personne(agent, cpas_a):
    return BeneficiaireFactory(cpas=cpas_a, referent=agent, nom="Documentine", prenom="Dora")
