"""Factories of the activities' tests (and of the route matrix rows)."""

import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from activites import services
from activites.models import Activite, Seance, TypeActivite
from tests.cpas_isp.factories import CpasFactory


def type_activite(code="atelier"):
    return TypeActivite.objects.get(code=code)


class ActiviteFactory(DjangoModelFactory):
    class Meta:
        model = Activite
        skip_postgeneration_save = True

    cpas = factory.SubFactory(CpasFactory)
    titre = factory.Sequence(lambda n: f"Atelier CV {n}")
    type = factory.LazyFunction(type_activite)
    capacite = 12
    debut = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))
    fin = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=60))

    @factory.post_generation
    def cpas_participants(self, create, extracted, **kwargs):
        if create and extracted:
            self.cpas_participants.set(extracted)


class SeanceFactory(DjangoModelFactory):
    class Meta:
        model = Seance

    activite = factory.SubFactory(ActiviteFactory)
    date = factory.LazyFunction(timezone.localdate)
    heure_debut = datetime.time(9, 0)
    heure_fin = datetime.time(12, 0)


def inscrire(activite, beneficiaire, par, **kwargs):
    return services.inscrire(activite, beneficiaire, par, **kwargs)


# --- Rows of the route matrix ------------------------------------------------------------------


def _objets(w, scope):
    """An activity of the scope's CPAS with the scope's person enrolled, one session with a
    mark, and an attestation (made once per scope)."""
    o = w[scope]
    if "activite" not in o:
        b = o["b"]
        agent = o["etape"].auteur
        activite = ActiviteFactory(cpas=b.cpas, partenaire=o["partenaire"], titre="Matrice")
        seance = SeanceFactory(activite=activite)
        inscription = services.inscrire(activite, b, agent)
        services.enregistrer_presences(seance, {inscription: ("present", None)}, agent)
        o["activite"] = activite
        o["seance"] = seance
        o["inscription"] = inscription
        o["attestation"] = services.emettre_attestation(inscription, "presence", agent)
    return o


def matrice_activite(w, scope):
    return {"pk": _objets(w, scope)["activite"].pk}


def matrice_seance(w, scope):
    return {"seance_pk": _objets(w, scope)["seance"].pk}


def matrice_inscription(w, scope):
    return {"inscription_pk": _objets(w, scope)["inscription"].pk}


def matrice_attestation(w, scope):
    return {"pk": _objets(w, scope)["attestation"].pk}


def matrice_code(w, scope):
    return {"code": _objets(w, scope)["attestation"].code}
