"""Object-level predicates of the trajectory, taking (user, obj).

Who may work on a person's trajectory is who may see the person: the one need-to-know rule,
``Beneficiaire.objects.visibles_par`` (an agent for the people they refer or who are in their
cellule, a coordinator for every file of the CPAS); views fetch the person with
``beneficiaires.acces.get_beneficiaire_or_404`` (404 otherwise, never 403). Confidential notes
of steps: their author and coordinators only."""

from __future__ import annotations

from beneficiaires.permissions import peut_voir_beneficiaire
from cpas_isp import permissions as p
from cpas_isp.tenancy import current_membership


def peut_suivre_trajet(user, beneficiaire) -> bool:
    return peut_voir_beneficiaire(user, beneficiaire)


def peut_voir_note_confidentielle(user, etape) -> bool:
    return etape.auteur_id == user.pk or p.est_coordinateur(user)


def peut_modifier_etape(user, etape) -> bool:
    return etape.auteur_id == user.pk or p.est_coordinateur(user)


def peut_voir_file_cellule(user, cellule) -> bool:
    """Coordinators see every cellule's queue; an agent the queue of their own cellule."""
    membership = current_membership(user)
    if membership is None or membership.cpas_id != cellule.cpas_id:
        return False
    if p.est_coordinateur(user):
        return True
    return p.est_agent(user) and membership.cellule_id == cellule.pk


def masquer_notes(etapes, user):
    """Blank the confidential note of steps the user may not read (never sent to the page)."""
    for e in etapes:
        e.note_confidentielle_visible = peut_voir_note_confidentielle(user, e)
        if not e.note_confidentielle_visible:
            e.a_note_confidentielle = bool(e.note_confidentielle)
            e.note_confidentielle = ""
    return etapes
