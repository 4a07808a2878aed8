"""The Django admin and accounts shared by several CPAS: identity, password, memberships,
partner accounts, as a hostile CPAS administrator would try them."""

import re

import pytest

from cpas_isp.models import Membership, Role, User
from tests.cpas_isp.admin import NOUVEAU_MDP, _permissions_admin_fonctionnel, _post_utilisateur
from tests.cpas_isp.factories import PASSWORD, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


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
        # The inline's hidden id inputs (not any value="N": a CPAS option may share the number).
        ids = re.findall(r'name="[\w-]+-\d+-id" value="(\d+)"', page.content.decode())
        assert str(membership_b.pk) not in ids
        assert ids == [str(multi.memberships.get(cpas=cpas_a).pk)]

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
