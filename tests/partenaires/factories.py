import datetime
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from partenaires.models import (
    ComptePartenaire,
    Convention,
    Orientation,
    Partenaire,
    Participation,
    PartieCpas,
    Programme,
    ServicePartenaire,
    Thematique,
    TypePartenaire,
)
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.cpas_isp.factories import CpasFactory, UserFactory


def ref(model, code):
    """A reference row seeded by migration 0002 (re-created when a transactional test flushed
    the tables)."""
    obj, _created = model.objects.get_or_create(
        code=code, defaults={"libelle_fr": code, "libelle_nl": code}
    )
    return obj


class PartenaireFactory(DjangoModelFactory):
    class Meta:
        model = Partenaire

    nom = factory.Sequence(lambda n: f"Partenaire {n}")
    type = factory.LazyFunction(lambda: ref(TypePartenaire, "eft_cisp"))
    commune = "Namur"


class ServiceFactory(DjangoModelFactory):
    class Meta:
        model = ServicePartenaire

    partenaire = factory.SubFactory(PartenaireFactory)
    nom = factory.Sequence(lambda n: f"Formation {n}")
    thematique = factory.LazyFunction(lambda: ref(Thematique, "formation_qualifiante"))
    places_disponibles = 12


class OrientationFactory(DjangoModelFactory):
    class Meta:
        model = Orientation

    beneficiaire = factory.SubFactory(BeneficiaireFactory)
    cpas = factory.LazyAttribute(lambda o: o.beneficiaire.cpas)
    service = factory.SubFactory(ServiceFactory)
    agent = factory.SubFactory(UserFactory)
    date_orientation = factory.LazyFunction(timezone.localdate)
    motif = "Projet de formation en horeca"


class ComptePartenaireFactory(DjangoModelFactory):
    class Meta:
        model = ComptePartenaire

    user = factory.SubFactory(UserFactory)
    partenaire = factory.SubFactory(PartenaireFactory)


class ConventionFactory(DjangoModelFactory):
    class Meta:
        model = Convention

    cpas = factory.SubFactory(CpasFactory)
    titre = factory.Sequence(lambda n: f"Convention {n}")
    debut = datetime.date(2026, 1, 1)
    fin = datetime.date(2026, 12, 31)
    budget_total = Decimal("47775.00")


class PartieCpasFactory(DjangoModelFactory):
    class Meta:
        model = PartieCpas

    convention = factory.SubFactory(ConventionFactory)
    cpas = factory.SubFactory(CpasFactory)
    habitants = factory.LazyAttribute(lambda o: o.cpas.habitants)


class ProgrammeFactory(DjangoModelFactory):
    class Meta:
        model = Programme

    cpas = factory.SubFactory(CpasFactory)
    titre = factory.Sequence(lambda n: f"Programme {n}")
    thematique = factory.LazyFunction(lambda: ref(Thematique, "autocreation"))
    debut = datetime.date(2026, 1, 1)
    objectif_participants = 20
    duree_max_mois = 12


class ParticipationFactory(DjangoModelFactory):
    class Meta:
        model = Participation

    programme = factory.SubFactory(ProgrammeFactory)
    beneficiaire = factory.SubFactory(
        BeneficiaireFactory, cpas=factory.SelfAttribute("..programme.cpas")
    )
    cpas = factory.LazyAttribute(lambda o: o.beneficiaire.cpas)
    date_inscription = datetime.date(2026, 1, 5)
