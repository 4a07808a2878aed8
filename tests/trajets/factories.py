import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from tests.beneficiaires.factories import BeneficiaireFactory
from trajets.models import ContratArticle60, Etape, MotifSortie, PassagePhase, Piis, TypeEtape


class PassageFactory(DjangoModelFactory):
    class Meta:
        model = PassagePhase

    beneficiaire = factory.SubFactory(BeneficiaireFactory)
    cpas = factory.SelfAttribute("beneficiaire.cpas")
    phase = "facilitateur"
    debut = datetime.date(2025, 1, 6)


class EtapeFactory(DjangoModelFactory):
    class Meta:
        model = Etape

    beneficiaire = factory.SubFactory(BeneficiaireFactory)
    cpas = factory.SelfAttribute("beneficiaire.cpas")
    date = factory.LazyFunction(timezone.localdate)
    type = factory.LazyFunction(lambda: TypeEtape.objects.get(code="entretien_individuel"))
    mode = "presentiel"


class PiisFactory(DjangoModelFactory):
    class Meta:
        model = Piis

    beneficiaire = factory.SubFactory(BeneficiaireFactory)
    cpas = factory.SelfAttribute("beneficiaire.cpas")
    type = "emploi"
    date_decision_ris = datetime.date(2025, 1, 15)


class ContratFactory(DjangoModelFactory):
    class Meta:
        model = ContratArticle60

    beneficiaire = factory.SubFactory(BeneficiaireFactory)
    cpas = factory.SelfAttribute("beneficiaire.cpas")
    service_interne = "Maison de repos"
    fonction = "Aide-cuisinier"
    debut = datetime.date(2025, 1, 1)
    fin_prevue = datetime.date(2025, 12, 31)


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
