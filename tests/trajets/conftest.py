import importlib

import pytest
from django.apps import apps


@pytest.fixture(autouse=True)
def listes_de_reference(db):
    """The reference lists seeded by a data migration. Tests on the live server
    (transactional) flush the database afterwards, taking them away for the tests that follow:
    put them back when missing."""
    from trajets.models import MotifSortie, RegleDureeArticle60, TypeEtape

    if (
        MotifSortie.objects.exists()
        and TypeEtape.objects.exists()
        and RegleDureeArticle60.objects.exists()
    ):
        return
    migration = importlib.import_module("trajets.migrations.0003_listes_de_reference")
    migration.charger(apps, None)


@pytest.fixture(autouse=True)
def en_francais():
    """Messages are asserted in French: do not inherit a language another test activated."""
    from django.utils import translation

    with translation.override("fr"):
        yield
