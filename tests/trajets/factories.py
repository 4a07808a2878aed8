import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from beneficiaires.models import Beneficiaire
from tests.cpas_isp.factories import CpasFactory
from trajets.models import ContratArticle60, Etape, PassagePhase, Piis, TypeEtape


def _niss(n):
    """A valid NISS for someone born on 1 January 1980 + n % 9000 days (before 2000)."""
    naissance = datetime.date(1975, 1, 1) + datetime.timedelta(days=n % 9000)
    base = f"{naissance:%y%m%d}{(n % 997) + 1:03d}"
    return base + f"{97 - int(base) % 97:02d}"


class BeneficiaireFactory(DjangoModelFactory):
    class Meta:
        model = Beneficiaire

    cpas = factory.SubFactory(CpasFactory)
    niss = factory.Sequence(_niss)
    nom = factory.Sequence(lambda n: f"Nom{n}")
    prenom = factory.Faker("first_name", locale="fr_BE")
    date_naissance = datetime.date(1990, 6, 15)
    langue = "fr"


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
