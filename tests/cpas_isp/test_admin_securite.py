"""The Django admin as a hostile CPAS administrator would use it: accounts shared with another
CPAS, shared configuration, person files, and saves that the database refuses."""

import datetime

import pytest
from django.contrib import admin as django_admin
from django.contrib.auth.models import Permission
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from pghistory.models import Events

from cpas_isp.models import Cpas, Membership, Role, User
from tests.cpas_isp.factories import PASSWORD, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

NOUVEAU_MDP = "Un-Autre-Mot-De-Passe-91"


def _permissions_admin_fonctionnel():
    """What ``demo_data`` gives a CPAS's functional administrator (periodic tasks included:
    the admin must refuse them anyway)."""
    return Permission.objects.filter(
        content_type__app_label__in=[
            "cpas_isp",
            "beneficiaires",
            "partenaires",
            "trajets",
            "rapports",
            "django_celery_beat",
        ]
    ).exclude(codename__startswith="delete_")


@pytest.fixture
def admin_a(make_user, cpas_a):
    user = make_user(Role.ADMIN, cpas_a, is_staff=True, username="admin.alpha")
    user.user_permissions.set(_permissions_admin_fonctionnel())
    return user


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("national", "national@example.org", PASSWORD)


@pytest.fixture
def multi(cpas_a, cpas_b):
    """A coordinator working for CPAS A and CPAS B (``coordinateur.multi``)."""
    user = UserFactory(username="coordinateur.multi", email="multi@example.org")
    MembershipFactory(user=user, cpas=cpas_a, role=Role.COORDINATEUR)
    MembershipFactory(user=user, cpas=cpas_b, role=Role.COORDINATEUR)
    return user


def _post_utilisateur(user, memberships, **changes):
    """The admin change form of ``user`` as a browser posts it, with ``changes`` applied."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "langue": user.langue,
        "date_joined_0": user.date_joined.strftime("%d/%m/%Y"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "memberships-TOTAL_FORMS": str(len(memberships)),
        "memberships-INITIAL_FORMS": str(len(memberships)),
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    for i, m in enumerate(memberships):
        data.update(
            {
                f"memberships-{i}-id": str(m.pk),
                f"memberships-{i}-user": str(user.pk),
                f"memberships-{i}-cpas": str(m.cpas_id),
                f"memberships-{i}-role": m.role,
                f"memberships-{i}-cellule": str(m.cellule_id or ""),
            }
        )
        if m.actif:
            data[f"memberships-{i}-actif"] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


class TestComptesPartages:
    def test_identity_of_a_user_of_two_cpas_is_read_only_for_a_cpas_admin(
        self, client_for, admin_a, multi, cpas_a
    ):
        client = client_for(admin_a)
        url = f"/admin/cpas_isp/user/{multi.pk}/change/"
        page = client.get(url)
        assert page.status_code == 200
        html = page.content.decode()
        for field in ("username", "email", "first_name", "is_active"):
            assert f'name="{field}"' not in html
        assert "../password/" not in html
        membership_a = multi.memberships.get(cpas=cpas_a)
        response = client.post(
            url,
            _post_utilisateur(
                multi,
                [membership_a],
                username="pirate",
                email="pirate@example.org",
                is_active=None,
                first_name="Pirate",
            ),
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        multi.refresh_from_db()
        assert multi.username == "coordinateur.multi"
        assert multi.email == "multi@example.org"
        assert multi.is_active
        assert multi.check_password(PASSWORD)

    def test_password_form_of_a_user_of_two_cpas_is_refused(self, client_for, admin_a, multi):
        client = client_for(admin_a)
        url = f"/admin/cpas_isp/user/{multi.pk}/password/"
        assert client.get(url).status_code == 403
        response = client.post(
            url,
            {"password1": NOUVEAU_MDP, "password2": NOUVEAU_MDP, "usable_password": "true"},
        )
        assert response.status_code == 403
        multi.refresh_from_db()
        assert multi.check_password(PASSWORD)
        assert not multi.check_password(NOUVEAU_MDP)

    def test_the_cpas_admin_still_manages_the_membership_in_their_cpas(
        self, client_for, admin_a, multi, cpas_a, cpas_b
    ):
        membership_a = multi.memberships.get(cpas=cpas_a)
        membership_a.actif = False
        response = client_for(admin_a).post(
            f"/admin/cpas_isp/user/{multi.pk}/change/", _post_utilisateur(multi, [membership_a])
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        assert not multi.memberships.get(cpas=cpas_a).actif
        assert multi.memberships.get(cpas=cpas_b).actif

    def test_a_user_of_a_single_cpas_is_fully_managed_by_its_admin(
        self, client_for, admin_a, make_user, cpas_a
    ):
        agent = make_user(Role.AGENT, cpas_a)
        client = client_for(admin_a)
        response = client.post(
            f"/admin/cpas_isp/user/{agent.pk}/password/",
            {"password1": NOUVEAU_MDP, "password2": NOUVEAU_MDP, "usable_password": "true"},
        )
        assert response.status_code == 302
        agent.refresh_from_db()
        assert agent.check_password(NOUVEAU_MDP)
        response = client.post(
            f"/admin/cpas_isp/user/{agent.pk}/change/",
            _post_utilisateur(agent, list(agent.memberships.all()), email="nouveau@example.org"),
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        agent.refresh_from_db()
        assert agent.email == "nouveau@example.org"

    def test_a_national_administrator_account_is_out_of_reach(
        self, client_for, admin_a, superuser, cpas_a
    ):
        MembershipFactory(user=superuser, cpas=cpas_a, role=Role.ADMIN)
        url = f"/admin/cpas_isp/user/{superuser.pk}/password/"
        assert client_for(admin_a).get(url).status_code == 403

    def test_the_superuser_changes_identity_and_password_of_anyone(
        self, client_for, superuser, multi
    ):
        client = client_for(superuser)
        response = client.post(
            f"/admin/cpas_isp/user/{multi.pk}/password/",
            {"password1": NOUVEAU_MDP, "password2": NOUVEAU_MDP, "usable_password": "true"},
        )
        assert response.status_code == 302
        memberships = list(multi.memberships.order_by("cpas__nom"))
        response = client.post(
            f"/admin/cpas_isp/user/{multi.pk}/change/",
            _post_utilisateur(multi, memberships, email="sophie@example.org"),
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        multi.refresh_from_db()
        assert multi.check_password(NOUVEAU_MDP)
        assert multi.email == "sophie@example.org"

    def test_user_list_shows_only_people_active_in_the_admins_cpas(
        self, client_for, admin_a, make_user, cpas_a, cpas_b, multi
    ):
        make_user(Role.AGENT, cpas_a, username="agent.alpha")
        agent_b = make_user(Role.AGENT, cpas_b, username="agent.beta")
        ancien = make_user(Role.AGENT, cpas_a, username="ancien.alpha")
        Membership.objects.filter(user=ancien).update(actif=False)
        client = client_for(admin_a)
        listing = client.get("/admin/cpas_isp/user/").content.decode()
        assert "agent.alpha" in listing
        assert "coordinateur.multi" in listing
        assert "agent.beta" not in listing
        assert "ancien.alpha" not in listing
        for other in (agent_b, ancien):
            change = client.get(f"/admin/cpas_isp/user/{other.pk}/change/")
            assert change.status_code == 302  # "does not exist", back to the admin index
            assert client.get(f"/admin/cpas_isp/user/{other.pk}/password/").status_code == 404

    def test_membership_inline_shows_only_the_admins_cpas(
        self, client_for, admin_a, multi, cpas_a, cpas_b
    ):
        membership_b = multi.memberships.get(cpas=cpas_b)
        page = client_for(admin_a).get(f"/admin/cpas_isp/user/{multi.pk}/change/")
        formset = page.context["inline_admin_formsets"][0].formset
        assert [form.instance.cpas_id for form in formset.forms] == [cpas_a.pk]
        assert f'value="{membership_b.pk}"' not in page.content.decode().replace(
            f'value="{multi.memberships.get(cpas=cpas_a).pk}"', ""
        )

    def test_a_forged_post_cannot_touch_another_cpas_membership(
        self, client_for, admin_a, multi, cpas_b
    ):
        membership_b = multi.memberships.get(cpas=cpas_b)
        membership_b.actif = False
        client_for(admin_a).post(
            f"/admin/cpas_isp/user/{multi.pk}/change/", _post_utilisateur(multi, [membership_b])
        )
        membership_b.refresh_from_db()
        assert membership_b.actif
        assert (
            client_for(admin_a)
            .get(f"/admin/cpas_isp/membership/{membership_b.pk}/change/")
            .status_code
            == 302
        )  # not found for them

    def test_a_user_created_by_a_cpas_admin_gets_a_membership_in_their_cpas(
        self, client_for, admin_a, cpas_a
    ):
        data = {
            "username": "nouvel.agent",
            "usable_password": "true",
            "password1": NOUVEAU_MDP,
            "password2": NOUVEAU_MDP,
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "1",
            "memberships-MAX_NUM_FORMS": "1000",
            "memberships-0-cpas": "",
            "memberships-0-role": "",
            "memberships-0-actif": "on",
        }
        client = client_for(admin_a)
        refused = client.post("/admin/cpas_isp/user/add/", data)
        assert refused.status_code == 200
        assert not User.objects.filter(username="nouvel.agent").exists()
        data.update({"memberships-0-cpas": str(cpas_a.pk), "memberships-0-role": Role.AGENT})
        response = client.post("/admin/cpas_isp/user/add/", data)
        assert response.status_code == 302, response.content.decode()[:3000]
        created = User.objects.get(username="nouvel.agent")
        assert list(created.memberships.values_list("cpas_id", "role")) == [(cpas_a.pk, Role.AGENT)]

    def test_an_admin_role_elsewhere_gives_nothing_in_the_current_cpas(
        self, client_for, make_user, cpas_a, cpas_b
    ):
        # Administrator in B, agent in A, working in A now: they administer nothing.
        user = make_user(Role.AGENT, cpas_a, is_staff=True)
        MembershipFactory(user=user, cpas=cpas_b, role=Role.ADMIN)
        user.user_permissions.set(_permissions_admin_fonctionnel())
        agent_a = make_user(Role.AGENT, cpas_a, username="agent.alpha")
        client = client_for(user)
        session = client.session
        session["cpas_courant_id"] = cpas_a.pk
        session.save()
        assert "agent.alpha" not in client.get("/admin/cpas_isp/user/").content.decode()
        assert client.get(f"/admin/cpas_isp/user/{agent_a.pk}/password/").status_code == 404


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


class TestComptePartenairePartage:
    """A partner's user who works with two CPAS has one partner account (the organisation whose
    referrals they see in every CPAS): one CPAS's administrator must not repoint it, or they
    would choose what the user reads of the other CPAS's referrals."""

    @pytest.fixture
    def deux_partenaires(self):
        from tests.partenaires.factories import PartenaireFactory

        return PartenaireFactory(nom="Partenaire P"), PartenaireFactory(nom="Partenaire Q")

    def _partenaire_de(self, cpas_list, username):
        user = UserFactory(username=username)
        for cpas in cpas_list:
            MembershipFactory(user=user, cpas=cpas, role=Role.PARTENAIRE)
        return user

    def test_account_of_a_partner_user_of_two_cpas_cannot_be_repointed(
        self, client_for, admin_a, cpas_a, cpas_b, deux_partenaires
    ):
        from partenaires.models import ComptePartenaire

        p, q = deux_partenaires
        user = self._partenaire_de([cpas_a, cpas_b], "partenaire.deux.cpas")
        compte = ComptePartenaire.objects.create(user=user, partenaire=p)
        client = client_for(admin_a)
        url = f"/admin/partenaires/comptepartenaire/{compte.pk}/change/"
        response = client.post(url, {"user": str(user.pk), "partenaire": str(q.pk)})
        assert response.status_code == 403
        compte.refresh_from_db()
        assert compte.partenaire == p
        delete = client.post(
            f"/admin/partenaires/comptepartenaire/{compte.pk}/delete/", {"post": "yes"}
        )
        assert delete.status_code == 403
        assert ComptePartenaire.objects.filter(pk=compte.pk).exists()

    def test_no_account_is_created_for_a_partner_user_of_two_cpas(
        self, client_for, admin_a, cpas_a, cpas_b, deux_partenaires
    ):
        from partenaires.models import ComptePartenaire

        _p, q = deux_partenaires
        user = self._partenaire_de([cpas_a, cpas_b], "partenaire.sans.compte")
        client = client_for(admin_a)
        client.post(
            "/admin/partenaires/comptepartenaire/add/",
            {"user": str(user.pk), "partenaire": str(q.pk)},
        )
        assert not ComptePartenaire.objects.filter(user=user).exists()

    def test_account_of_a_partner_user_of_the_admins_cpas_only_is_managed(
        self, client_for, admin_a, cpas_a, deux_partenaires
    ):
        from partenaires.models import ComptePartenaire

        p, q = deux_partenaires
        seul = self._partenaire_de([cpas_a], "partenaire.un.cpas")
        nouveau = self._partenaire_de([cpas_a], "partenaire.nouveau")
        compte = ComptePartenaire.objects.create(user=seul, partenaire=p)
        client = client_for(admin_a)
        response = client.post(
            f"/admin/partenaires/comptepartenaire/{compte.pk}/change/",
            {"user": str(seul.pk), "partenaire": str(q.pk)},
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        compte.refresh_from_db()
        assert compte.partenaire == q
        client.post(
            "/admin/partenaires/comptepartenaire/add/",
            {"user": str(nouveau.pk), "partenaire": str(p.pk)},
        )
        assert ComptePartenaire.objects.get(user=nouveau).partenaire == p
