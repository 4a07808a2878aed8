"""Factories of the activities' tests (and of the route matrix rows)."""

import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from activites import fse, services
from activites.models import Activite, Seance, SuiviFse, TypeActivite
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

PROJET_MATRICE = "FSE+ MATRICE"


def _objets(w, scope):
    """An activity of the scope's CPAS with the scope's person enrolled, one session with a
    mark, and an attestation (made once per scope)."""
    o = w[scope]
    if "activite" not in o:
        b = o["b"]
        agent = o["etape"].auteur
        activite = ActiviteFactory(
            cpas=b.cpas,
            partenaire=o["partenaire"],
            titre="Matrice",
            numero_projet_fse=PROJET_MATRICE,
        )
        seance = SeanceFactory(activite=activite)
        inscription = services.inscrire(activite, b, agent)
        services.enregistrer_presences(seance, {inscription: ("present", None)}, agent)
        o["activite"] = activite
        o["seance"] = seance
        o["inscription"] = inscription
        o["attestation"] = services.emettre_attestation(inscription, "presence", agent)
        fse.enregistrer(
            b,
            PROJET_MATRICE,
            {"statut_emploi": "chomeur", "niveau_isced": "0-2"},
            agent,
            sensibles=True,
        )
        o["suivi_fse"] = SuiviFse.objects.create(
            cpas=b.cpas,
            beneficiaire=b,
            numero_projet=PROJET_MATRICE,
            type_suivi="sortie",
            date_sortie=timezone.localdate(),
            echeance=timezone.localdate(),
            agent=agent,
        )
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


def matrice_suivi_fse(w, scope):
    return {"pk": _objets(w, scope)["suivi_fse"].pk}


def matrice_export_fse(w, scope):
    _objets(w, scope)
    return {"table": "participants", "format": "csv"}, f"projet={PROJET_MATRICE}"


def matrice_fse(w, scope):
    _objets(w, scope)
    return {}, f"projet={PROJET_MATRICE}"


def matrice_personnes_fse(w, scope):
    _objets(w, scope)
    return {}, f"projet={PROJET_MATRICE}&indicateur=total"
