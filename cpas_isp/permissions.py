"""Permissions as small named predicates, checked by views (``role_required``) and templates
(``{% if perms_isp.peut_voir_audit %}``). Role-level predicates take the user and work on the
membership of their current CPAS; object-level ones take (user, obj) and are named the same way
(``peut_voir_beneficiaire(user, b)``). All of them live in this one module; add yours at the end."""

from __future__ import annotations

from cpas_isp.models import Role
from cpas_isp.tenancy import current_membership


def _role(user):
    membership = current_membership(user)
    return membership.role if membership else None


def est_membre(user) -> bool:
    """Any active role in the current CPAS."""
    return _role(user) is not None


def est_agent(user) -> bool:
    return _role(user) == Role.AGENT


def est_coordinateur(user) -> bool:
    return _role(user) == Role.COORDINATEUR


def est_directeur(user) -> bool:
    return _role(user) == Role.DIRECTEUR


def est_partenaire(user) -> bool:
    return _role(user) == Role.PARTENAIRE


def est_admin_cpas(user) -> bool:
    return _role(user) == Role.ADMIN


def peut_suivre_beneficiaires(user) -> bool:
    """Open and work on people's files: social workers and coordinators."""
    return _role(user) in {Role.AGENT, Role.COORDINATEUR}


def peut_voir_tous_les_dossiers(user) -> bool:
    """See every file of the CPAS, not only one's caseload."""
    return _role(user) == Role.COORDINATEUR


def peut_voir_donnees_sensibles(user) -> bool:
    """Health and judicial flags: coordinators always; agents only for their own people
    (checked per person by the beneficiaires app); never partners, directors or admins."""
    return _role(user) in {Role.AGENT, Role.COORDINATEUR}


def peut_voir_tableaux_de_bord(user) -> bool:
    return _role(user) in {Role.AGENT, Role.COORDINATEUR, Role.DIRECTEUR}


def peut_voir_rapports(user) -> bool:
    """Monthly PDF reports: directors and coordinators."""
    return _role(user) in {Role.COORDINATEUR, Role.DIRECTEUR}


def peut_exporter(user) -> bool:
    return _role(user) == Role.COORDINATEUR


def peut_importer(user) -> bool:
    return _role(user) == Role.ADMIN


def peut_voir_audit(user) -> bool:
    return _role(user) == Role.ADMIN


def peut_administrer_cpas(user) -> bool:
    return _role(user) == Role.ADMIN


def peut_gerer_partenaires(user) -> bool:
    return _role(user) in {Role.COORDINATEUR, Role.ADMIN}


def peut_utiliser_portail_partenaire(user) -> bool:
    return _role(user) == Role.PARTENAIRE


def predicate(name):
    """The predicate called ``name`` (``peut_*`` or ``est_*``), or None."""
    if not (name.startswith("peut_") or name.startswith("est_")):
        return None
    func = globals().get(name)
    return func if callable(func) else None


class UserPermissions:
    """Lazy mapping for templates: ``perms_isp.peut_voir_audit`` calls the predicate."""

    def __init__(self, user):
        self._user = user

    def __getitem__(self, name):
        func = predicate(name)
        if func is None:
            raise KeyError(name)
        return func(self._user)

    def __contains__(self, name):
        return predicate(name) is not None


def peut_consulter_partenaires(user) -> bool:
    """Directory of partners, conventions and programmes: every CPAS role except partners."""
    return _role(user) in {Role.AGENT, Role.COORDINATEUR, Role.DIRECTEUR, Role.ADMIN}


def peut_recevoir_notifications(user) -> bool:
    """The bell and its list: every CPAS role. Partners are not notified in the application:
    their portal lists the referrals awaiting them and an e-mail announces each one."""
    return _role(user) in {Role.AGENT, Role.COORDINATEUR, Role.DIRECTEUR, Role.ADMIN}


def peut_voir_statistiques_partenaires(user) -> bool:
    """Referral figures per partner: coordinators and directors."""
    return _role(user) in {Role.COORDINATEUR, Role.DIRECTEUR}


def peut_voir_postes_article60(user) -> bool:
    """Article 60 pool and occupancy: coordinators, directors and functional administrators."""
    return _role(user) in {Role.COORDINATEUR, Role.DIRECTEUR, Role.ADMIN}
