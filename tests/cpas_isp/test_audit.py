"""The audit trail: database triggers record every change, whoever makes it."""

import pytest
from pghistory.models import MiddlewareEvents

from cpas_isp.models import Cellule, Cpas, JournalAcces, Role


def cpas_events(cpas, **filters):
    return MiddlewareEvents.objects.filter(
        pgh_obj_model="cpas_isp.Cpas", pgh_obj_id=str(cpas.pk), **filters
    )


def test_bulk_update_is_recorded_with_old_and_new_values(cpas_a, cpas_b):
    Cpas.objects.filter(pk__in=[cpas_a.pk, cpas_b.pk]).update(habitants=12345)
    for cpas, before in ((cpas_a, 50_000), (cpas_b, 10_000)):
        update = cpas_events(cpas, pgh_label="update").get()
        assert update.pgh_diff["habitants"] == [before, 12345]


def test_change_through_a_form_records_the_user_and_the_request(make_user, client_for, cpas_a):
    admin = make_user(Role.ADMIN, cpas_a, is_staff=True)
    from django.contrib.auth.models import Permission

    admin.user_permissions.add(Permission.objects.get(codename="change_cellule"))
    cellule = cpas_a.cellules.get(code="alpha")
    client = client_for(admin)
    response = client.post(
        f"/admin/cpas_isp/cellule/{cellule.pk}/change/",
        {
            "cpas": cpas_a.pk,
            "code": "alpha",
            "nom_fr": "Alpha et FLE",
            "nom_nl": "Alfabetisering en NT2",
            "ordre": 2,
            "active": "on",
        },
        REMOTE_ADDR="10.1.2.3",
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    event = MiddlewareEvents.objects.filter(
        pgh_obj_model="cpas_isp.Cellule", pgh_obj_id=str(cellule.pk), pgh_label="update"
    ).get()
    assert event.pgh_diff["nom_fr"] == ["Alphabétisation", "Alpha et FLE"]
    assert event.pgh_context["user"] == admin.pk
    assert event.pgh_context["url"] == f"/admin/cpas_isp/cellule/{cellule.pk}/change/"
    assert event.pgh_context["ip"] == "10.1.2.3"
    assert event.pgh_context["cpas"] == cpas_a.pk


def test_management_command_changes_carry_the_command_name(db):
    from django.core.management import call_command

    call_command("creer_cpas", "--code", "wavre", "--nom", "CPAS de Wavre")
    cpas = Cpas.objects.get(code="wavre")
    insert = cpas_events(cpas, pgh_label="insert").get()
    assert insert.pgh_context["command"] == "creer_cpas"
    cellule_events = MiddlewareEvents.objects.filter(
        pgh_obj_model="cpas_isp.Cellule", pgh_data__cpas_id=cpas.pk
    )
    assert cellule_events.count() == 5


def test_admin_functional_sees_only_own_cpas_in_django_admin(make_user, client_for, cpas_a, cpas_b):
    from django.contrib.auth.models import Permission

    admin = make_user(Role.ADMIN, cpas_a, is_staff=True)
    admin.user_permissions.add(Permission.objects.get(codename="view_cellule"))
    client = client_for(admin)
    listing = client.get("/admin/cpas_isp/cellule/").content.decode()
    assert listing.count("/change/") == 5
    other = cpas_b.cellules.first()
    assert client.get(f"/admin/cpas_isp/cellule/{other.pk}/change/").status_code == 302


class TestAuditPage:
    def test_only_the_cpas_admin_opens_it(self, make_user, client_for, cpas_a):
        for role in Role:
            user = make_user(role, cpas_a)
            expected = {Role.ADMIN: 200, Role.PARTENAIRE: 404}.get(role, 403)
            assert client_for(user).get("/audit/").status_code == expected, role

    def test_lists_changes_of_own_cpas_only(self, make_user, client_for, cpas_a, cpas_b):
        Cellule.objects.filter(cpas=cpas_b).update(nom_fr="Secret de Beta")
        Cellule.objects.filter(cpas=cpas_a, code="emploi").update(nom_fr="Emploi et ALE")
        admin = make_user(Role.ADMIN, cpas_a)
        page = client_for(admin).get("/audit/").content.decode()
        assert "Emploi et ALE" in page
        assert "Secret de Beta" not in page

    def test_filters_by_user_and_exports_csv(self, make_user, client_for, cpas_a):
        admin = make_user(Role.ADMIN, cpas_a)
        agent = make_user(Role.AGENT, cpas_a)
        cellule = cpas_a.cellules.get(code="alpha")
        JournalAcces.objects.create(
            user=agent,
            cpas=cpas_a,
            content_type_id=1,
            object_id=cellule.pk,
            objet="DUPONT Marie",
            page="/beneficiaires/1/",
            ip="192.0.2.7",
        )
        client = client_for(admin)
        page = client.get("/audit/", {"vue": "consultations", "utilisateur": agent.pk})
        assert "DUPONT Marie" in page.content.decode()
        other = client.get("/audit/", {"vue": "consultations", "utilisateur": admin.pk})
        assert "DUPONT Marie" not in other.content.decode()
        export = client.get("/audit/", {"vue": "consultations", "format": "csv"})
        body = b"".join(export.streaming_content).decode()
        assert export["Content-Type"].startswith("text/csv")
        assert "DUPONT Marie" in body and "192.0.2.7" in body

    def test_filters_changes_by_date(self, make_user, client_for, cpas_a):
        admin = make_user(Role.ADMIN, cpas_a)
        Cellule.objects.filter(cpas=cpas_a, code="emploi").update(nom_fr="Emploi et ALE")
        client = client_for(admin)
        assert "Emploi et ALE" not in client.get("/audit/", {"au": "2000-01-01"}).content.decode()
        export = client.get("/audit/", {"format": "csv"})
        assert "Emploi et ALE" in b"".join(export.streaming_content).decode()


@pytest.mark.parametrize("bad", ["abc", "2026-13-45"])
def test_audit_page_ignores_malformed_filters(make_user, client_for, cpas_a, bad):
    admin = make_user(Role.ADMIN, cpas_a)
    assert client_for(admin).get("/audit/", {"du": bad, "personne": bad}).status_code == 200
