"""Who does what with an activity, as small predicates taking (user, activity).

Who sees an activity is ``Activite.objects.for_user`` (404 for the others); whose names a user
sees in it is ``activites.queries.inscriptions_visibles`` (their CPAS only, need-to-know)."""

from __future__ import annotations

from cpas_isp import permissions as p
from cpas_isp.tenancy import current_membership


def peut_gerer_activites(user) -> bool:
    """Create activities and enrol people: social workers and coordinators."""
    return p.peut_suivre_beneficiaires(user)


def peut_voir_activites(user) -> bool:
    """The activities pages: social workers, coordinators, and partner users (those their
    organisation runs)."""
    return p.peut_suivre_beneficiaires(user) or p.peut_utiliser_portail_partenaire(user)


def peut_organiser(user, activite) -> bool:
    """Change the activity, its modules and sessions: its organising CPAS's staff."""
    membership = current_membership(user)
    return (
        membership is not None
        and membership.cpas_id == activite.cpas_id
        and peut_gerer_activites(user)
    )


def peut_noter_presences(user, activite) -> bool:
    """Record attendance: the staff of a CPAS taking part (for their own participants) and the
    users of the partner that runs the activity (``Activite.objects.for_user`` already limits
    a partner to its own activities)."""
    return peut_gerer_activites(user) or (
        p.peut_utiliser_portail_partenaire(user) and activite.partenaire_id is not None
    )
