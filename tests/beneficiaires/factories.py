import datetime
import itertools

import factory
from factory.django import DjangoModelFactory

from beneficiaires.models import (
    Beneficiaire,
    BilanSocioProfessionnel,
    DroitAide,
    Frein,
    FreinBeneficiaire,
)
from beneficiaires.niss import niss_avec_controle
from tests.cpas_isp.factories import CpasFactory, UserFactory

_sequence = itertools.count(1)


def nouveau_niss(naissance=datetime.date(1985, 7, 30), genre="M", bis=0):
    """A valid, unique NISS for this birth date and gender (``bis``: 20 or 40 added to month)."""
    while True:
        seq = next(_sequence) % 997 + 1
        if (seq % 2 == 1) == (genre == "M"):
            break
    base = f"{naissance.year % 100:02d}{naissance.month + bis:02d}{naissance.day:02d}{seq:03d}"
    return niss_avec_controle(base, naissance.year)


class BeneficiaireFactory(DjangoModelFactory):
    class Meta:
        model = Beneficiaire

    cpas = factory.SubFactory(CpasFactory)
    date_naissance = factory.Sequence(
        lambda n: datetime.date(1970, 1, 1) + datetime.timedelta(days=(n * 37) % 15000)
    )
    genre = factory.Iterator(["M", "F"])
    niss = factory.LazyAttribute(lambda o: nouveau_niss(o.date_naissance, o.genre))
    nom = factory.Faker("last_name", locale="fr_BE")
    prenom = factory.Faker("first_name", locale="fr_BE")
    commune = "Bruxelles"


class DroitFactory(DjangoModelFactory):
    class Meta:
        model = DroitAide

    beneficiaire = factory.SubFactory(BeneficiaireFactory)
    cpas = factory.LazyAttribute(lambda o: o.beneficiaire.cpas)
    type = "RIS"
    categorie = "isole"
    debut = datetime.date(2024, 1, 1)
    fin = None


class FreinBeneficiaireFactory(DjangoModelFactory):
    class Meta:
        model = FreinBeneficiaire

    beneficiaire = factory.SubFactory(BeneficiaireFactory)
    cpas = factory.LazyAttribute(lambda o: o.beneficiaire.cpas)
    frein = factory.LazyFunction(lambda: Frein.objects.get(code="mobilite"))
    debut = datetime.date(2025, 1, 1)
    note_par = factory.SubFactory(UserFactory)


class BilanFactory(DjangoModelFactory):
    class Meta:
        model = BilanSocioProfessionnel

    beneficiaire = factory.SubFactory(BeneficiaireFactory)
    cpas = factory.LazyAttribute(lambda o: o.beneficiaire.cpas)
    version = 1
    projet = "Aide-soignante"
    auteur = factory.SubFactory(UserFactory)
