import datetime

import factory
from factory.django import DjangoModelFactory

from beneficiaires.models import Beneficiaire, DroitAide
from tests.cpas_isp.factories import CpasFactory
from trajets.models import MotifSortie, PassagePhase


class BeneficiaireFactory(DjangoModelFactory):
    class Meta:
        model = Beneficiaire

    cpas = factory.SubFactory(CpasFactory)
    niss = factory.Sequence(lambda n: f"{90010100000 + n:011d}")
    nom = factory.Faker("last_name", locale="fr_BE")
    prenom = factory.Faker("first_name", locale="fr_BE")


class DroitFactory(DjangoModelFactory):
    class Meta:
        model = DroitAide

    beneficiaire = factory.SubFactory(BeneficiaireFactory)
    cpas = factory.SelfAttribute("beneficiaire.cpas")
    type = "RIS"
    categorie = "isole"
    debut = datetime.date(2025, 1, 1)
    fin = None


class PassageFactory(DjangoModelFactory):
    class Meta:
        model = PassagePhase

    beneficiaire = factory.SubFactory(BeneficiaireFactory)
    cpas = factory.SelfAttribute("beneficiaire.cpas")
    phase = "facilitateur"
    debut = datetime.date(2025, 1, 1)
    fin = None


def motif(classe):
    """An exit reason of the given class (the reference list may already hold some)."""
    found = MotifSortie.objects.filter(classe=classe).first()
    if found:
        return found
    return MotifSortie.objects.create(
        code=f"test-{classe}",
        libelle_fr=f"Sortie {classe}",
        libelle_nl=f"Uitstroom {classe}",
        classe=classe,
    )
