"""Fixtures of the documents tests: a real clamd (Debian's clamav-daemon) with a local signature
database holding the EICAR test signature, started once per test session (per pytest-xdist
worker) and given to the application as CLAMD_SOCKET; sample files; uploads through the
service."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.utils import override_settings
from PIL import Image

from cpas_isp.models import Role
from documents import clamav, services
from documents.models import CategorieDocument
from tests.beneficiaires.factories import BeneficiaireFactory

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


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


def categorie(code="diplome"):
    return CategorieDocument.objects.get(code=code)


def fichier(contenu=PDF, nom="diplome.pdf", type_="application/pdf"):
    return SimpleUploadedFile(nom, contenu, content_type=type_)


def image(format_="PNG", taille=(40, 30), **save):
    sortie = io.BytesIO()
    Image.new("RGB", taille, (200, 30, 30)).save(sortie, format_, **save)
    return sortie.getvalue()


def deposer(b, user, contenu=PDF, nom="diplome.pdf", code="diplome", **kwargs):
    return services.deposer(
        beneficiaire=b,
        fichier=fichier(contenu, nom),
        categorie=categorie(code),
        user=user,
        **kwargs,
    )


@pytest.fixture
def agent(make_user, cpas_a):
    return make_user(Role.AGENT, cpas_a, first_name="Anne", last_name="Agent")


@pytest.fixture
def personne(agent, cpas_a):
    return BeneficiaireFactory(cpas=cpas_a, referent=agent, nom="Documentine", prenom="Dora")
