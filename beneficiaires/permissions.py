"""Object-level predicates on a person's file, taking (user, beneficiaire).

Role-level predicates live in ``cpas_isp.permissions``; these add the need-to-know rules:
an agent works on the people they refer or who are in their cellule (through the cellule
filter that trajets registers in ``beneficiaires.hooks``); a coordinator on every file of the
CPAS. The queryset scoping (``for_user``) already restricts to the user's current CPAS.
"""

from __future__ import annotations

from cpas_isp import permissions as p
from cpas_isp.tenancy import current_membership

from . import hooks
from .models import Beneficiaire


def _dans_ma_cellule(user, beneficiaire) -> bool:
    membership = current_membership(user)
    if membership is None or membership.cellule_id is None or not hooks.cellule_filter_registered():
        return False
    base = Beneficiaire.objects.filter(pk=beneficiaire.pk)
    return hooks.filtrer_par_cellule(base, membership.cellule).exists()


def memoriser_acces(user, beneficiaire) -> None:
    """``beneficiaire`` was just fetched through ``visibles_par(user)`` by a read-only page (the
    person page): the need-to-know answers about this object for ``user`` are computed once and
    kept on it, so that its sections, timeline and actions (each asking ``peut_voir_beneficiaire``
    and the sensitive rule) cost no query each. Only that page sets it: a request that changes
    the referent or the stays never reads a remembered answer."""
    beneficiaire.__dict__["_acces_memorise"] = (user.pk, {"voir": True})


def _memorise(user, beneficiaire, cle, calcul) -> bool:
    memo = beneficiaire.__dict__.get("_acces_memorise")
    if memo is None or memo[0] != user.pk:
        return calcul()
    if cle not in memo[1]:
        memo[1][cle] = calcul()
    return memo[1][cle]


def _meme_cpas(user, beneficiaire) -> bool:
    membership = current_membership(user)
    return membership is not None and membership.cpas_id == beneficiaire.cpas_id


def peut_voir_beneficiaire(user, beneficiaire) -> bool:
    """Whether ``beneficiaire`` is among ``Beneficiaire.objects.visibles_par(user)`` (the one
    need-to-know rule); the cases decided without a query are answered without one."""
    if not _meme_cpas(user, beneficiaire) or not p.peut_suivre_beneficiaires(user):
        return False
    if p.peut_voir_tous_les_dossiers(user) or beneficiaire.referent_id == user.pk:
        return True
    return _memorise(
        user,
        beneficiaire,
        "voir",
        lambda: Beneficiaire.objects.visibles_par(user).filter(pk=beneficiaire.pk).exists(),
    )


def peut_modifier_beneficiaire(user, beneficiaire) -> bool:
    """An anonymised file stays readable for its statistics but is never edited again."""
    return beneficiaire.anonymise_le is None and peut_voir_beneficiaire(user, beneficiaire)


def peut_voir_freins_sensibles(user, beneficiaire) -> bool:
    """Health and judicial flags: the referent, the person's current cellule, coordinators."""
    if not _meme_cpas(user, beneficiaire) or not p.peut_voir_donnees_sensibles(user):
        return False
    if p.est_coordinateur(user):
        return True
    return beneficiaire.referent_id == user.pk or _memorise(
        user, beneficiaire, "cellule", lambda: _dans_ma_cellule(user, beneficiaire)
    )


def peut_exporter_donnees_personnelles(user, beneficiaire) -> bool:
    """Right of access: the coordinator hands the person everything the CPAS holds."""
    return _meme_cpas(user, beneficiaire) and p.peut_exporter(user)


def peut_reattribuer(user) -> bool:
    """Reassigning files (who follows whom) is the coordinator's call."""
    return p.est_coordinateur(user)


def peut_cloturer_dossier(user, beneficiaire) -> bool:
    """Closing or reopening a file: a coordinator of its CPAS, or its referent."""
    if beneficiaire.anonymise_le is not None or not peut_voir_beneficiaire(user, beneficiaire):
        return False
    return p.est_coordinateur(user) or beneficiaire.referent_id == user.pk
