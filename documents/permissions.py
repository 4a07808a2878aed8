"""Who may see, add, delete and share documents. Seeing a person's documents follows the
need-to-know rule of the person (``Beneficiaire.objects.visibles_par``); a document of a
sensitive category (health, judicial) follows the sensitive-obstacle rule
(``beneficiaires.permissions.peut_voir_freins_sensibles``: the referent, the person's current
cellule, coordinators); partners see only what was shared with their referral, never a
sensitive document."""

from __future__ import annotations

from django.db.models import Q

from beneficiaires.acces import objets_visibles
from beneficiaires.permissions import peut_voir_freins_sensibles
from cpas_isp import permissions as p

from .models import Document


def documents_visibles(user, beneficiaire=None, visibles=None):
    """The documents ``user`` may see (of ``beneficiaire`` when given). ``visibles``: the ids
    of the people the user may see when the caller has computed them already (an expression,
    e.g. a CTE of ``Beneficiaire.objects.visibles_par(user)``, or ``VisiblesParLigne``), read
    instead of that rule (``objets_visibles``)."""
    qs = objets_visibles(Document.objects.all(), user, ids=visibles)
    if beneficiaire is not None:
        qs = qs.filter(beneficiaire=beneficiaire)
        if not peut_voir_freins_sensibles(user, beneficiaire):
            qs = qs.filter(categorie__sensible=False)
    elif not p.est_coordinateur(user):
        # Several people: sensitive documents only of those the user follows as referent
        # or in their cellule (as peut_voir_freins_sensibles, in one query).
        proches = _ids_proches(user)
        if proches is None:
            qs = qs.filter(categorie__sensible=False)
        else:
            qs = qs.filter(Q(categorie__sensible=False) | Q(beneficiaire__in=proches))
    return qs


def _ids_proches(user):
    """The ids of the people whose sensitive documents ``user`` (not a coordinator) may see
    among several, as ``peut_voir_freins_sensibles`` answers for one: those they refer and
    those their cellule currently follows, in their current CPAS (the documents' own); None
    for a role that sees no sensitive data. A union of two index reads: "referent = me OR id
    IN (my cellule)" over every person was planned as a scan of every person of every CPAS
    (19 ms of the 36 ms of Mes échéances' documents and ESF+ statement on the bench)."""
    from beneficiaires.models.personnes import ids_suivis
    from cpas_isp.tenancy import current_membership

    membership = current_membership(user)
    if membership is None or not p.peut_voir_donnees_sensibles(user):
        return None
    return ids_suivis(user, membership)


def peut_supprimer(user, document) -> bool:
    """The agent who uploaded it, or a coordinator."""
    return document.depose_par_id == user.pk or p.est_coordinateur(user)
