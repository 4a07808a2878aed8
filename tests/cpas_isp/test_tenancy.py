import pytest
from django.http import Http404

from cpas_isp.models import Cellule, Membership, Role
from cpas_isp.tenancy import SESSION_KEY, get_for_user


def test_cpas_comes_with_the_five_isp_cellules(cpas_a):
    codes = list(cpas_a.cellules.values_list("code", flat=True))
    assert codes == ["facilitateurs", "alpha", "etudes_formations", "emploi", "article60"]


def test_for_user_scopes_to_the_current_cpas(make_user, cpas_a, cpas_b):
    user = make_user(Role.COORDINATEUR, cpas_a)
    visible = Cellule.objects.for_user(user)
    assert set(visible.values_list("cpas_id", flat=True)) == {cpas_a.pk}


def test_object_of_another_cpas_answers_404(make_user, cpas_a, cpas_b):
    user = make_user(Role.COORDINATEUR, cpas_a)
    other = cpas_b.cellules.first()
    with pytest.raises(Http404):
        get_for_user(Cellule.objects, user, pk=other.pk)
    assert get_for_user(Cellule.objects, user, pk=cpas_a.cellules.first().pk)


def test_anonymous_user_sees_nothing(cpas_a):
    from django.contrib.auth.models import AnonymousUser

    assert not Cellule.objects.for_user(AnonymousUser()).exists()


def test_switcher_changes_the_current_cpas(make_user, client_for, cpas_a, cpas_b):
    user = make_user(Role.COORDINATEUR, cpas_a)
    Membership.objects.create(user=user, cpas=cpas_b, role=Role.AGENT)
    client = client_for(user)
    page = client.get("/").content.decode()
    assert 'id="select-cpas"' in page and cpas_b.nom in page
    response = client.post("/cpas/changer/", {"cpas": cpas_b.pk}, follow=True)
    assert client.session[SESSION_KEY] == cpas_b.pk
    assert "Agent d&#x27;insertion" in response.content.decode()


def test_switcher_refuses_a_cpas_without_membership(make_user, client_for, cpas_a, cpas_b):
    user = make_user(Role.COORDINATEUR, cpas_a)
    client = client_for(user)
    client.get("/")
    response = client.post("/cpas/changer/", {"cpas": cpas_b.pk}, follow=True)
    assert client.session[SESSION_KEY] == cpas_a.pk
    assert "pas de rôle actif dans ce CPAS" in response.content.decode()


def test_deactivated_membership_loses_access_at_next_request(make_user, client_for, cpas_a):
    user = make_user(Role.ADMIN, cpas_a)
    client = client_for(user)
    assert client.get("/audit/").status_code == 200
    Membership.objects.filter(user=user).update(actif=False)
    assert client.get("/audit/").status_code == 403


def test_membership_is_deactivated_never_deleted(make_user, cpas_a):
    from django.db.models import ProtectedError

    user = make_user(Role.AGENT, cpas_a)
    with pytest.raises(ProtectedError):
        user.memberships.get().delete()


def test_creer_cpas_is_idempotent_on_the_code(db):
    from django.core.management import call_command

    from cpas_isp.models import Cpas

    call_command("creer_cpas", "--code", "namur", "--nom", "CPAS de Namur", "--habitants", "113000")
    call_command("creer_cpas", "--code", "namur", "--nom", "CPAS de Namur", "--langue", "fr")
    cpas = Cpas.objects.get(code="namur")
    assert Cpas.objects.filter(code="namur").count() == 1
    assert cpas.habitants == 113000
    assert cpas.cellules.count() == 5


def test_creer_cpas_rejects_a_bad_code(db):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="code"):
        call_command("creer_cpas", "--code", "Bad Code!", "--nom", "X")
