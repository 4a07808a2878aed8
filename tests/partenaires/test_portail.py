"""The partner portal: a partner sees only the referrals sent to its organisation, never more."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cpas_isp.models import JournalAcces, Role
from partenaires.models import ComptePartenaire, Orientation, StatutOrientation
from tests.partenaires.factories import (
    ComptePartenaireFactory,
    ConventionFactory,
    OrientationFactory,
    PartenaireFactory,
    PartieCpasFactory,
    ProgrammeFactory,
    ServiceFactory,
)
from tests.partenaires.helpers import _envoyer

S = StatutOrientation
pytestmark = pytest.mark.django_db


# --- partner portal: sees only its referrals, never more --------------------------------


def test_partner_sees_only_referrals_sent_to_its_organisation(
    client_for, partenaire_user, agent, service, cpas_a
):
    mine = _envoyer(agent, service, cpas_a)
    other_partner = _envoyer(agent, ServiceFactory(), cpas_a)
    not_sent = OrientationFactory(beneficiaire__cpas=cpas_a, service=service, agent=agent)
    client = client_for(partenaire_user)
    r = client.get(reverse("partenaires:portail"))
    assert r.status_code == 200
    assert [o["id"] for o in r.context["page"].object_list] == [mine.pk]
    assert client.get(reverse("partenaires:portail_detail", args=[mine.pk])).status_code == 200
    for o in (other_partner, not_sent):
        assert client.get(reverse("partenaires:portail_detail", args=[o.pk])).status_code == 404


def test_partner_scope_ignores_an_account_that_is_not_the_users(
    partenaire_user, make_user, agent, service, cpas_a
):
    """``for_user(compte=...)`` spares reading the account again, never widens the scope: the
    account of another user is ignored."""
    mine = _envoyer(agent, service, cpas_a)
    compte_autre = ComptePartenaireFactory(user=make_user(Role.PARTENAIRE, cpas_a))
    _envoyer(agent, ServiceFactory(partenaire=compte_autre.partenaire), cpas_a)
    compte = ComptePartenaire.objects.get(user=partenaire_user)
    for donne in (None, compte, compte_autre):
        recues = Orientation.objects.for_user(partenaire_user, compte=donne)
        assert list(recues) == [mine]


def test_partner_page_hides_niss_and_shows_what_was_shared(
    client_for, partenaire_user, agent, service, cpas_a
):
    o = _envoyer(agent, service, cpas_a)
    r = client_for(partenaire_user).get(reverse("partenaires:portail_detail", args=[o.pk]))
    html = r.content.decode()
    assert o.beneficiaire.nom in html and "Disponible le matin" in html
    assert o.beneficiaire.niss not in html and o.beneficiaire.niss_affiche not in html
    assert JournalAcces.objects.filter(user=partenaire_user, object_id=o.beneficiaire_id).exists()


def test_partner_gets_404_on_cpas_pages_and_other_cpas(
    client_for, partenaire_user, agent, service, cpas_a, cpas_b, make_user
):
    o = _envoyer(agent, service, cpas_a)
    agent_b = make_user(Role.AGENT, cpas_b)
    autre_cpas = _envoyer(agent_b, service, cpas_b)  # same partner, other CPAS
    conv = ConventionFactory(cpas=cpas_a)
    PartieCpasFactory(convention=conv, cpas=cpas_a)
    prog = ProgrammeFactory(cpas=cpas_a)
    client = client_for(partenaire_user)
    urls = [
        reverse("partenaires:portail_detail", args=[autre_cpas.pk]),
        reverse("partenaires:orientation_detail", args=[o.pk]),
        reverse("partenaires:orientations"),
        reverse("partenaires:orientation_creer") + f"?beneficiaire={o.beneficiaire_id}",
        reverse("partenaires:liste"),
        reverse("partenaires:detail", args=[service.partenaire_id]),
        reverse("partenaires:conventions"),
        reverse("partenaires:convention_detail", args=[conv.pk]),
        reverse("partenaires:programmes"),
        reverse("partenaires:programme_detail", args=[prog.pk]),
        reverse("partenaires:statistiques"),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    r = client.post(
        reverse("partenaires:portail_transition", args=[autre_cpas.pk]), {"vers": "acceptee"}
    )
    assert r.status_code == 404
    autre_cpas.refresh_from_db()
    assert autre_cpas.statut == S.ENVOYEE


def test_partner_cannot_open_the_person_page(client_for, partenaire_user, agent, service, cpas_a):
    o = _envoyer(agent, service, cpas_a)
    url = reverse("beneficiaires:detail", kwargs={"pk": o.beneficiaire_id})
    r = client_for(partenaire_user).get(url)
    assert r.status_code == 404
    assert o.beneficiaire.niss not in r.content.decode()


def test_partner_accepts_records_attendance_and_result(
    client_for, partenaire_user, agent, service, cpas_a
):
    o = _envoyer(agent, service, cpas_a)
    client = client_for(partenaire_user)
    url = reverse("partenaires:portail_transition", args=[o.pk])
    client.post(url, {"vers": "acceptee", "commentaire": "Entrée le 3"})
    client.post(
        reverse("partenaires:portail_presence", args=[o.pk]),
        {"date": timezone.localdate().isoformat(), "present": "1"},
    )
    client.post(
        reverse("partenaires:portail_message", args=[o.pk]), {"texte": "Bonne participation"}
    )
    r = client.post(
        url, {"vers": "terminee", "resultat": "qualification", "type_qualification": "certificat"}
    )
    assert r.status_code == 302
    o.refresh_from_db()
    assert (o.statut, o.resultat, o.type_qualification) == (
        S.TERMINEE,
        "qualification",
        "certificat",
    )
    assert o.presences.count() == 1
    assert o.messages.get().du_partenaire
    assert [t.par_id for t in o.transitions.all()][-2:] == [partenaire_user.pk] * 2


def test_partner_cannot_cancel_and_gets_a_message(
    client_for, partenaire_user, agent, service, cpas_a
):
    o = _envoyer(agent, service, cpas_a)
    r = client_for(partenaire_user).post(
        reverse("partenaires:portail_transition", args=[o.pk]), {"vers": "annulee"}, follow=True
    )
    assert r.status_code == 200
    assert "ne pouvez pas" in r.content.decode()
    o.refresh_from_db()
    assert o.statut == S.ENVOYEE


def test_partner_without_linked_organisation_sees_nothing(client_for, make_user, cpas_a):
    user = make_user(Role.PARTENAIRE, cpas_a)
    assert client_for(user).get(reverse("partenaires:portail")).status_code == 403


def test_each_partner_user_gets_its_own_account_from_the_compiled_query(
    client_for, partenaire_user, make_user, agent, service, cpas_a
):
    """The account read by the query compiled once (``portail._COMPTE``) is each user's own,
    as ``.first()`` reads it, one user after the other; without one, 403."""
    from partenaires.views import portail

    autre = make_user(Role.PARTENAIRE, cpas_a)
    compte_autre = ComptePartenaireFactory(user=autre)
    sans = make_user(Role.PARTENAIRE, cpas_a)
    mine = _envoyer(agent, service, cpas_a)
    sien = _envoyer(agent, ServiceFactory(partenaire=compte_autre.partenaire), cpas_a)
    for _tour in range(2):
        for user, attendu in ((partenaire_user, mine), (autre, sien)):
            r = client_for(user).get(reverse("partenaires:portail"))
            compte = ComptePartenaire.objects.select_related("partenaire").filter(user=user).first()
            assert r.context["compte"] == compte
            assert r.context["compte"].partenaire.nom == compte.partenaire.nom
            assert [o["id"] for o in r.context["page"].object_list] == [attendu.pk]
        assert client_for(sans).get(reverse("partenaires:portail")).status_code == 403
    assert portail._COMPTE._compilee  # compiled, not the plain queryset


def test_only_partner_role_users_can_be_linked_to_an_organisation(agent, partenaire_user):
    with pytest.raises(ValidationError):
        ComptePartenaire(user=agent, partenaire=PartenaireFactory()).full_clean()
    partenaire_user.compte_partenaire.full_clean()
