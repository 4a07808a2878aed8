"""Factories of the agendas' tests (and of the route matrix and form fuzzing rows)."""

import datetime

from django.utils import timezone

from rendezvous import queries, services
from rendezvous.models import Disponibilite, Lieu, RendezVous, TypeRendezVous


def moment(date: datetime.date, heure: str) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(date, datetime.time.fromisoformat(heure)))


def type_rdv(code="suivi"):
    return TypeRendezVous.objects.get(code=code)


def planifier(agent, beneficiaires, debut, duree=30, code="suivi", lieu=None, **champs):
    """An appointment planned through the service (participants in sync)."""
    if not isinstance(beneficiaires, list | tuple):
        beneficiaires = [beneficiaires]
    cpas_id = beneficiaires[0].cpas_id
    rdv = RendezVous(
        cpas_id=cpas_id,
        agent=agent,
        agenda=queries.agenda_de(agent, cpas_id),
        type=type_rdv(code),
        debut=debut,
        fin=debut + datetime.timedelta(minutes=duree),
        lieu=lieu,
        **champs,
    )
    return services.planifier(rdv, beneficiaires, agent)


def lieu(cpas, nom="Bureau 1", type="bureau"):
    return Lieu.objects.get_or_create(cpas=cpas, nom=nom, defaults={"type": type})[0]


def disponibilite(agenda, jour=0, de="09:00", a="12:00", creneau=30, valide_du=None):
    return Disponibilite.objects.create(
        cpas_id=agenda.cpas_id,
        agenda=agenda,
        jour=jour,
        heure_debut=datetime.time.fromisoformat(de),
        heure_fin=datetime.time.fromisoformat(a),
        duree_creneau=creneau,
        valide_du=valide_du or datetime.date(2024, 1, 1),
    )


def rendez_vous_de(beneficiaire, agent):
    """One appointment of the person with the agent (tomorrow at 10:00), made once."""
    existant = RendezVous.objects.filter(participants__beneficiaire=beneficiaire).first()
    if existant is not None:
        return existant
    demain = timezone.localdate() + datetime.timedelta(days=1)
    return planifier(agent, beneficiaire, moment(demain, "10:00"))


# --- Rows of the route matrix and of the form fuzzing -----------------------------------------


def _objets_de_matrice(w, scope):
    """An appointment of the scope's person with the agent who follows them, its agenda and a
    calendar feed token (made once per scope)."""
    objets = w[scope]
    if "rendez_vous" not in objets:
        rdv = rendez_vous_de(objets["b"], objets["etape"].auteur)
        objets["rendez_vous"] = rdv
        objets["jeton_ics"] = services.nouveau_jeton_ics(rdv.agenda)
    return objets


def matrice_rdv(w, scope):
    return {"rdv_pk": _objets_de_matrice(w, scope)["rendez_vous"].pk}


def matrice_participant(w, scope):
    objets = _objets_de_matrice(w, scope)
    return {"rdv_pk": objets["rendez_vous"].pk, "beneficiaire_pk": objets["b"].pk}


def matrice_agenda(w, scope):
    return {"agenda_pk": _objets_de_matrice(w, scope)["rendez_vous"].agenda_id}


def matrice_ics(w, scope):
    return {"jeton": _objets_de_matrice(w, scope)["jeton_ics"]}


def type_propre(cpas, libelle="Atelier CV"):
    """An appointment kind of the CPAS's own (made once)."""
    from trajets.models import TypeEtape

    return TypeRendezVous.objects.get_or_create(
        cpas=cpas,
        libelle_fr=libelle,
        defaults={
            "code": f"c{cpas.pk}-{libelle.lower().replace(' ', '-')}",
            "libelle_nl": libelle,
            "type_etape": TypeEtape.objects.get(code="entretien_individuel"),
        },
    )[0]


def matrice_lieu(w, scope):
    return {"lieu_pk": lieu(w[scope]["b"].cpas, nom="Matrice").pk}


def matrice_type(w, scope):
    return {"type_pk": type_propre(w[scope]["b"].cpas).pk}


def invitation_de(beneficiaire, agent):
    """A pending invitation of the person to the agent's agenda (every day 9:00–12:00) and its
    link's token, made once per person."""
    from rendezvous import services_invitations
    from rendezvous.models import Invitation

    cache = beneficiaire.__dict__.setdefault("_invitation_de_test", {})
    if (
        "invitation" not in cache
        or not Invitation.objects.filter(pk=cache["invitation"].pk).exists()
    ):
        agenda = queries.agenda_de(agent, beneficiaire.cpas_id)
        if not agenda.disponibilites.exists():
            for jour in range(7):
                disponibilite(agenda, jour=jour)
        cache["invitation"], cache["jeton"] = services_invitations.inviter(
            beneficiaire, agenda, type_rdv("suivi"), ["lettre"], agent
        )
    return cache["invitation"], cache["jeton"]


def matrice_invitation(w, scope):
    objets = w[scope]
    return {"pk": invitation_de(objets["b"], objets["etape"].auteur)[0].pk}


def matrice_reservation(w, scope):
    """The booking link is a capability: whoever holds it sees the invitation (first name
    only), whatever their account. The own scope's link is the real one; the other scopes get
    an unknown token (the matrix's "other CPAS" markers would otherwise be the holder's
    legitimate view)."""
    if scope != "own":
        return {"jeton": f"inconnu-{scope}"}
    objets = w[scope]
    return {"jeton": invitation_de(objets["b"], objets["etape"].auteur)[1]}
