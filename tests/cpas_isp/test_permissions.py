import inspect

import pytest

from cpas_isp import permissions
from cpas_isp.models import Role
from cpas_isp.permissions import UserPermissions

# predicate -> roles for which it holds
EXPECTED = {
    "peut_suivre_beneficiaires": {Role.AGENT, Role.COORDINATEUR},
    "peut_voir_tous_les_dossiers": {Role.COORDINATEUR},
    "peut_voir_donnees_sensibles": {Role.AGENT, Role.COORDINATEUR},
    "peut_voir_tableaux_de_bord": {Role.AGENT, Role.COORDINATEUR, Role.DIRECTEUR},
    "peut_voir_rapports": {Role.COORDINATEUR, Role.DIRECTEUR},
    "peut_exporter": {Role.COORDINATEUR},
    "peut_importer": {Role.ADMIN},
    "peut_voir_audit": {Role.ADMIN},
    "peut_administrer_cpas": {Role.ADMIN},
    "peut_utiliser_portail_partenaire": {Role.PARTENAIRE},
    "peut_gerer_partenaires": {Role.COORDINATEUR, Role.ADMIN},
    "peut_consulter_partenaires": {Role.AGENT, Role.COORDINATEUR, Role.DIRECTEUR, Role.ADMIN},
    "peut_recevoir_notifications": {Role.AGENT, Role.COORDINATEUR, Role.DIRECTEUR, Role.ADMIN},
    "peut_voir_statistiques_partenaires": {Role.COORDINATEUR, Role.DIRECTEUR},
    "peut_voir_postes_article60": {Role.COORDINATEUR, Role.DIRECTEUR, Role.ADMIN},
}


def test_the_role_table_lists_every_role_predicate():
    role_predicates = {
        name
        for name, func in vars(permissions).items()
        if name.startswith("peut_")
        and inspect.isfunction(func)
        and len(inspect.signature(func).parameters) == 1
    }
    assert role_predicates == set(EXPECTED), "add the new predicate to EXPECTED"


@pytest.mark.parametrize("role", list(Role))
def test_role_predicates_hold_exactly_for_their_roles(make_user, cpas_a, role):
    user = make_user(role, cpas_a)
    for name, roles in EXPECTED.items():
        assert getattr(permissions, name)(user) is (role in roles), (name, role)


def test_user_without_active_membership_has_no_permission(make_user, cpas_a):
    user = make_user(Role.COORDINATEUR, cpas_a)
    user.memberships.update(actif=False)
    user = type(user).objects.get(pk=user.pk)  # fresh object, no cached membership
    assert not permissions.est_membre(user)
    assert not any(getattr(permissions, name)(user) for name in EXPECTED)


def test_role_follows_the_current_cpas(make_user, cpas_a, cpas_b):
    from cpas_isp.models import Membership
    from cpas_isp.tenancy import activate

    user = make_user(Role.AGENT, cpas_a)
    Membership.objects.create(user=user, cpas=cpas_b, role=Role.DIRECTEUR)
    activate(user, cpas_a.pk)
    assert permissions.est_agent(user) and not permissions.peut_voir_rapports(user)
    activate(user, cpas_b.pk)
    assert permissions.est_directeur(user) and permissions.peut_voir_rapports(user)


def test_templates_reach_predicates_by_name(make_user, cpas_a):
    perms = UserPermissions(make_user(Role.ADMIN, cpas_a))
    assert perms["peut_voir_audit"] is True
    assert "peut_voir_audit" in perms
    assert "delete" not in perms
    with pytest.raises(KeyError):
        perms["__class__"]
