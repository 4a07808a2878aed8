"""The Django admin beyond accounts: audit trail, shared configuration and reference lists,
person files kept out of it, and saves the database refuses."""

import datetime

import pytest
from django.contrib import admin as django_admin
from django.contrib.auth.models import Permission
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from pghistory.models import Events

from cpas_isp.models import Cpas, Role, User
from tests.cpas_isp.admin import NOUVEAU_MDP, _post_utilisateur

pytestmark = pytest.mark.django_db


class TestAudit:
    def test_password_change_is_in_the_audit_trail_without_the_hash(
        self, client_for, admin_a, make_user, cpas_a
    ):
        agent = make_user(Role.AGENT, cpas_a)
        client_for(admin_a).post(
            f"/admin/cpas_isp/user/{agent.pk}/password/",
            {"password1": NOUVEAU_MDP, "password2": NOUVEAU_MDP, "usable_password": "true"},
        )
        event = Events.objects.filter(
            pgh_model="cpas_isp.UserEvent", pgh_obj_id=str(agent.pk), pgh_label="password_changed"
        ).get()
        assert event.pgh_context["user"] == admin_a.pk
        assert event.pgh_context["cpas"] == cpas_a.pk
        assert "password" not in event.pgh_data
        agent.refresh_from_db()
        stored = str(list(Events.objects.filter(pgh_obj_id=str(agent.pk)).values()))
        assert agent.password not in stored

    def test_user_and_membership_changes_are_in_the_audit_trail(
        self, client_for, admin_a, make_user, cpas_a
    ):
        agent = make_user(Role.AGENT, cpas_a)
        memberships = list(agent.memberships.all())
        memberships[0].role = Role.COORDINATEUR
        client_for(admin_a).post(
            f"/admin/cpas_isp/user/{agent.pk}/change/",
            _post_utilisateur(agent, memberships, email="change@example.org"),
        )
        user_event = Events.objects.filter(
            pgh_model="cpas_isp.UserEvent", pgh_obj_id=str(agent.pk), pgh_label="update"
        ).get()
        assert user_event.pgh_diff["email"][1] == "change@example.org"
        assert user_event.pgh_context["user"] == admin_a.pk
        membership_event = Events.objects.filter(
            pgh_model="cpas_isp.MembershipEvent",
            pgh_obj_id=str(memberships[0].pk),
            pgh_label="update",
        ).get()
        assert membership_event.pgh_diff["role"] == [Role.AGENT, Role.COORDINATEUR]
        assert membership_event.pgh_data["cpas_id"] == cpas_a.pk


def test_account_changes_of_a_shared_user_are_in_each_cpas_trail(
    client_for, superuser, multi, make_user, cpas_a, cpas_b
):
    from cpas_isp.models import q_evenements_comptes

    seul_b = make_user(Role.AGENT, cpas_b)
    for user in (multi, seul_b):
        client_for(superuser).post(
            f"/admin/cpas_isp/user/{user.pk}/password/",
            {"password1": NOUVEAU_MDP, "password2": NOUVEAU_MDP, "usable_password": "true"},
        )
    for cpas, attendus in ((cpas_a, {multi.pk}), (cpas_b, {multi.pk, seul_b.pk})):
        events = Events.objects.filter(q_evenements_comptes(cpas.pk), pgh_label="password_changed")
        assert {int(e.pgh_obj_id) for e in events} == attendus
    membership_events = Events.objects.filter(
        q_evenements_comptes(cpas_a.pk), pgh_model="cpas_isp.MembershipEvent"
    )
    assert {e.pgh_data["cpas_id"] for e in membership_events} == {cpas_a.pk}


class TestConfigurationPartagee:
    def test_periodic_tasks_are_out_of_reach_of_a_cpas_admin(self, client_for, admin_a, superuser):
        schedule = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.DAYS)
        task = PeriodicTask.objects.create(
            name="rapports mensuels", task="rapports.tasks.x", interval=schedule
        )
        client = client_for(admin_a)
        assert "django_celery_beat" not in client.get("/admin/").content.decode()
        assert client.get("/admin/django_celery_beat/periodictask/").status_code == 403
        response = client.post(
            f"/admin/django_celery_beat/periodictask/{task.pk}/change/",
            {"name": task.name, "task": task.task, "interval": schedule.pk},
        )
        assert response.status_code == 403
        task.refresh_from_db()
        assert task.enabled
        assert (
            client_for(superuser).get("/admin/django_celery_beat/periodictask/").status_code == 200
        )

    def test_only_a_national_administrator_adds_a_cpas(self, client_for, admin_a, superuser):
        client = client_for(admin_a)
        assert client.get("/admin/cpas_isp/cpas/add/").status_code == 403
        response = client.post(
            "/admin/cpas_isp/cpas/add/", {"code": "pirate", "nom": "CPAS pirate", "langue": "fr"}
        )
        assert response.status_code == 403
        assert not Cpas.objects.filter(code="pirate").exists()
        assert client_for(superuser).get("/admin/cpas_isp/cpas/add/").status_code == 200

    def test_a_cpas_admin_edits_their_cpas_local_settings_not_its_code(
        self, client_for, admin_a, cpas_a
    ):
        response = client_for(admin_a).post(
            f"/admin/cpas_isp/cpas/{cpas_a.pk}/change/",
            {
                "code": "autre",
                "nom": cpas_a.nom,
                "commune": cpas_a.commune,
                "habitants": cpas_a.habitants,
                "langue": "fr",
                "dashboards_agents_par_cellule": "on",
                "delai_expiration_orientation": "45",
                "double_authentification": "admins",
                "cellules-TOTAL_FORMS": "0",
                "cellules-INITIAL_FORMS": "0",
                "cellules-MIN_NUM_FORMS": "0",
                "cellules-MAX_NUM_FORMS": "1000",
            },
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        cpas_a.refresh_from_db()
        assert cpas_a.delai_expiration_orientation == 45
        assert cpas_a.code == "alpha"

    def test_cellules_are_created_by_a_national_administrator(self, client_for, admin_a, cpas_a):
        response = client_for(admin_a).post(
            "/admin/cpas_isp/cellule/add/",
            {"cpas": cpas_a.pk, "code": "nouvelle", "nom_fr": "N", "nom_nl": "N", "ordre": 9},
        )
        assert response.status_code == 403
        assert not cpas_a.cellules.filter(code="nouvelle").exists()


class TestDossiersHorsAdmin:
    def test_person_files_are_not_in_the_admin(self, client_for, superuser):
        registered = {m._meta.label for m in django_admin.site._registry}
        for label in (
            "beneficiaires.Beneficiaire",
            "beneficiaires.FreinBeneficiaire",
            "beneficiaires.LotImport",
            "trajets.Etape",
            "trajets.Piis",
            "trajets.PassagePhase",
            "trajets.ContratArticle60",
            "partenaires.Orientation",
            "partenaires.Participation",
            "cpas_isp.JournalAcces",
        ):
            assert label not in registered
        client = client_for(superuser)
        for url in (
            "/admin/trajets/etape/",
            "/admin/trajets/passagephase/",
            "/admin/trajets/piis/",
        ):
            assert client.get(url).status_code == 404

    def test_raw_history_events_are_for_national_administrators(self, client_for, admin_a):
        admin_a.user_permissions.add(
            *Permission.objects.filter(content_type__app_label="pghistory")
        )
        index = client_for(admin_a).get("/admin/").content.decode()
        assert "/admin/pghistory/" not in index


class TestPasDe500:
    def test_a_save_refused_by_the_database_is_a_message(self, client_for, superuser, cpas_a):
        data = {
            "username": "double",
            "usable_password": "true",
            "password1": NOUVEAU_MDP,
            "password2": NOUVEAU_MDP,
            "memberships-TOTAL_FORMS": "2",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
        }
        for i in (0, 1):
            data.update(
                {
                    f"memberships-{i}-cpas": str(cpas_a.pk),
                    f"memberships-{i}-role": Role.AGENT,
                    f"memberships-{i}-actif": "on",
                }
            )
        client = client_for(superuser)
        response = client.post("/admin/cpas_isp/user/add/", data, follow=True)
        assert response.status_code == 200
        assert "Enregistrement refusé" in response.content.decode()
        assert not User.objects.filter(username="double").exists()


class TestListesReference:
    def test_a_cpas_admin_cannot_change_a_shared_obstacle(self, client_for, admin_a):
        from beneficiaires.models import Frein

        frein = Frein.objects.create(
            code="sante_test", libelle_fr="Santé", libelle_nl="Gezondheid", sensible=True
        )
        client = client_for(admin_a)
        url = f"/admin/beneficiaires/frein/{frein.pk}/change/"
        page = client.get(url)
        assert page.status_code == 200  # readable
        assert 'name="sensible"' not in page.content.decode()
        response = client.post(
            url,
            {"code": "sante_test", "libelle_fr": "Santé", "libelle_nl": "Gezondheid", "ordre": 1},
        )
        assert response.status_code == 403
        frein.refresh_from_db()
        assert frein.sensible and frein.actif
        # Nor from the list's inline editing.
        listing = client.get("/admin/beneficiaires/frein/")
        assert 'name="form-0-actif"' not in listing.content.decode()

    def test_a_cpas_admin_cannot_change_a_shared_exit_reason_or_a_legal_rule(
        self, client_for, admin_a
    ):
        from trajets.models import MotifSortie, RegleDureeArticle60

        motif = MotifSortie.objects.create(
            code="motif_test", libelle_fr="M", libelle_nl="M", classe="positive"
        )
        regle = RegleDureeArticle60.objects.create(
            valable_du=datetime.date(2020, 1, 1), jours_prestes=312
        )
        client = client_for(admin_a)
        response = client.post(
            f"/admin/trajets/motifsortie/{motif.pk}/change/",
            {"code": "motif_test", "libelle_fr": "M", "libelle_nl": "M", "classe": "negative",
             "ordre": 1, "actif": "on"},
        )  # fmt: skip
        assert response.status_code == 403
        motif.refresh_from_db()
        assert motif.classe == "positive"
        response = client.post(
            f"/admin/trajets/regledureearticle60/{regle.pk}/change/",
            {"valable_du": "01/01/2020", "jours_prestes": "1"},
        )
        assert response.status_code == 403
        regle.refresh_from_db()
        assert regle.jours_prestes == 312

    def test_an_own_entry_is_offered_in_its_cpas_only(
        self, client_for, admin_a, cpas_a, cpas_b, superuser
    ):
        from beneficiaires.forms import FreinForm
        from beneficiaires.models import Frein
        from trajets.forms import TerminerTrajetForm
        from trajets.models import MotifSortie

        client = client_for(admin_a)
        response = client.post(
            "/admin/beneficiaires/frein/add/",
            {"code": "garde_alpha", "libelle_fr": "Garde", "libelle_nl": "Opvang", "ordre": 5,
             "actif": "on", "cpas": str(cpas_b.pk)},
        )  # fmt: skip
        assert response.status_code == 302, response.content.decode()[:3000]
        propre = Frein.objects.get(code="garde_alpha")
        assert propre.cpas == cpas_a  # whatever was posted
        assert propre in FreinForm(voir_sensibles=True, cpas=cpas_a).fields["frein"].queryset
        assert propre not in FreinForm(voir_sensibles=True, cpas=cpas_b).fields["frein"].queryset

        response = client.post(
            "/admin/trajets/motifsortie/add/",
            {"code": "motif_alpha", "libelle_fr": "M", "libelle_nl": "M", "classe": "neutre",
             "ordre": 5, "actif": "on"},
        )  # fmt: skip
        assert response.status_code == 302
        motif = MotifSortie.objects.get(code="motif_alpha")
        assert motif in TerminerTrajetForm(cpas=cpas_a).fields["motif"].queryset
        assert motif not in TerminerTrajetForm(cpas=cpas_b).fields["motif"].queryset

        # The CPAS admin edits and deactivates its own entry.
        response = client.post(
            f"/admin/beneficiaires/frein/{propre.pk}/change/",
            {"code": "garde_alpha", "libelle_fr": "Garde d'enfants", "libelle_nl": "Opvang",
             "ordre": 5},
        )  # fmt: skip
        assert response.status_code == 302
        propre.refresh_from_db()
        assert (propre.libelle_fr, propre.actif, propre.cpas) == ("Garde d'enfants", False, cpas_a)

    def test_another_cpas_entries_are_invisible(self, client_for, admin_a, cpas_b):
        from beneficiaires.models import Frein

        autre = Frein.objects.create(
            code="garde_beta", libelle_fr="Garde B", libelle_nl="Opvang B", cpas=cpas_b
        )
        client = client_for(admin_a)
        assert "Garde B" not in client.get("/admin/beneficiaires/frein/").content.decode()
        assert client.get(f"/admin/beneficiaires/frein/{autre.pk}/change/").status_code == 302

    def test_the_step_form_offers_shared_and_own_step_types(
        self, client_for, make_user, cpas_a, cpas_b
    ):
        from tests.beneficiaires.factories import BeneficiaireFactory
        from trajets.models import TypeEtape

        TypeEtape.objects.create(code="type_a", libelle_fr="Type de A", libelle_nl="A", cpas=cpas_a)
        TypeEtape.objects.create(code="type_b", libelle_fr="Type de B", libelle_nl="B", cpas=cpas_b)
        coord = make_user(Role.COORDINATEUR, cpas_a)
        b = BeneficiaireFactory(cpas=cpas_a)
        response = client_for(coord).get(f"/trajets/personne/{b.pk}/etape/")
        assert response.status_code == 200, response.status_code
        types = list(response.context["form"].fields["type"].queryset)
        assert TypeEtape.objects.get(code="type_a") in types
        assert TypeEtape.objects.get(code="type_b") not in types
        assert any(t.cpas_id is None for t in types)
