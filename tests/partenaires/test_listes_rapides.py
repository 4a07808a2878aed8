"""The referral list and the partner portal read less (counts by status from an index, no
second count, the columns shown only, one reverse() per list) and show the same: counts equal
a plain count, links equal reverse(), and the number of queries does not grow with the rows."""

import collections
import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from beneficiaires.acces import objets_visibles
from beneficiaires.models import Beneficiaire
from cpas_isp.listes import url_par_pk
from cpas_isp.models import Role
from partenaires.models import Orientation, Partenaire, StatutOrientation
from partenaires.queries import compter_par_statut, compter_par_statut_et_lire
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.pages_liste import NUMEROS_DE_PAGE
from tests.partenaires.factories import OrientationFactory, PartenaireFactory, ServiceFactory

S = StatutOrientation
pytestmark = pytest.mark.django_db

# Queries of each list once the session is warm (session, user, membership, two-factor check,
# the page's own queries, the access log); equal whatever the number of rows. The counts by
# status, the partners the filter offers, the page's rows and the bell's count are read in one
# round trip.
REQUETES_LISTE_ORIENTATIONS = 6
# The portal reads the partner's account once (``for_user(compte=...)``).
REQUETES_PORTAIL = 7


def _orientation(statut, **kw):
    champs = {"statut": statut}
    if statut not in (S.PROPOSEE,):
        champs["date_envoi"] = datetime.date(2026, 3, 2)
    if statut == S.REFUSEE:
        champs["motif_refus"] = "complet"
    if statut == S.TERMINEE:
        champs["resultat"] = "emploi"
    return OrientationFactory(**champs, **kw)


def _jeu(cpas_a, cpas_b, agent, service):
    """Referrals in every status: the agent's people, another agent's, another CPAS's."""
    autre_service = ServiceFactory()
    for i, statut in enumerate(S.values):
        for _ in range(1 + i % 3):
            _orientation(
                statut,
                beneficiaire=BeneficiaireFactory(cpas=cpas_a, referent=agent),
                agent=agent,
                service=service if i % 2 else autre_service,
            )
        _orientation(statut, beneficiaire=BeneficiaireFactory(cpas=cpas_a), service=service)
        _orientation(statut, beneficiaire=BeneficiaireFactory(cpas=cpas_b), service=service)


def _compte_simple(orientations):
    return dict(collections.Counter(o.statut for o in orientations))


def test_counts_by_status_equal_a_plain_count(
    cpas_a, cpas_b, agent, coordinateur, partenaire_user, service
):
    _jeu(cpas_a, cpas_b, agent, service)
    for user in (agent, coordinateur):
        visibles = objets_visibles(Orientation.objects.all(), user)
        assert compter_par_statut(visibles) == _compte_simple(list(visibles))
        # Status by status (the whole CPAS's list), or any selection: the same counts.
        assert compter_par_statut(visibles, statut_par_statut=True) == _compte_simple(
            list(visibles)
        )
    recues = Orientation.objects.for_user(partenaire_user)
    assert compter_par_statut(recues) == _compte_simple(list(recues))
    assert compter_par_statut(recues, statut_par_statut=True) == _compte_simple(list(recues))
    assert S.PROPOSEE not in compter_par_statut(recues)


def test_counts_and_rows_in_one_round_trip_equal_each_query(
    cpas_a, cpas_b, agent, coordinateur, partenaire_user, service
):
    _jeu(cpas_a, cpas_b, agent, service)
    for user in (agent, coordinateur, partenaire_user):
        orientations = (
            Orientation.objects.for_user(user)
            if user is partenaire_user
            else objets_visibles(Orientation.objects.all(), user)
        )
        lignes = (
            Partenaire.objects.filter(services__orientations__in=orientations.values("pk"))
            .distinct()
            .values("pk", "nom")
        )
        for par_statut in (False, True):
            assert compter_par_statut_et_lire(
                orientations, lignes, statut_par_statut=par_statut
            ) == (
                compter_par_statut(orientations, statut_par_statut=par_statut),
                list(lignes),
            )
    # Nothing to read (an empty selection): no query, the same answer.
    vide = Orientation.objects.none()
    assert compter_par_statut_et_lire(vide, Partenaire.objects.none().values("pk")) == ({}, [])


def test_referral_list_counts_tabs_and_links(client_for, cpas_a, cpas_b, agent, service):
    _jeu(cpas_a, cpas_b, agent, service)
    visibles = list(objets_visibles(Orientation.objects.all(), agent))
    r = client_for(agent).get(reverse("partenaires:orientations"))
    assert r.context["page"].paginator.count == len(visibles)
    attendu = _compte_simple(visibles)
    assert r.context["statuts"] == [(c, lbl, attendu.get(c, 0)) for c, lbl in S.choices]
    page = r.context["page"].object_list
    assert [ligne["id"] for ligne in page] == [
        o.pk for o in sorted(visibles, key=lambda o: (o.date_orientation, o.pk), reverse=True)
    ][: len(page)]
    html = r.content.decode()
    for ligne in page:
        o = Orientation.objects.get(pk=ligne["id"])
        assert ligne["url"] == reverse("partenaires:orientation_detail", args=[o.pk])
        assert f'href="{ligne["url"]}"' in html
        assert ligne["url_beneficiaire"] == reverse(
            "beneficiaires:detail", kwargs={"pk": o.beneficiaire_id}
        )
        assert f'href="{ligne["url_beneficiaire"]}">{o.beneficiaire}</a>' in html
        assert f"{o.service.partenaire.nom} — {o.service.nom}" in html
        assert ligne["agent"] == str(o.agent) and str(o.agent) in html
        assert f"<td>{o.date_orientation:%d/%m/%Y}</td>" in html


def test_partner_portal_length_and_tabs_come_from_the_counts(
    client_for, cpas_a, cpas_b, agent, partenaire_user, service
):
    _jeu(cpas_a, cpas_b, agent, service)
    recues = list(Orientation.objects.for_user(partenaire_user))
    client = client_for(partenaire_user)
    url = reverse("partenaires:portail")
    r = client.get(url)
    assert r.context["page"].paginator.count == len(recues)
    attendu = _compte_simple(recues)
    assert r.context["statuts"] == [
        (c, lbl, attendu.get(c, 0)) for c, lbl in S.choices if c not in (S.PROPOSEE, S.ANNULEE)
    ]
    html = r.content.decode()
    for ligne in r.context["page"].object_list:
        o = Orientation.objects.get(pk=ligne["id"])
        assert ligne["url"] == reverse("partenaires:portail_detail", args=[o.pk])
        assert f'href="{ligne["url"]}">{o.beneficiaire.prenom} {o.beneficiaire.nom}</a>' in html
        assert f"<td>{o.beneficiaire.get_langue_display()}</td>" in html
    for statut in (S.ENVOYEE, S.TERMINEE, S.PROPOSEE, "inconnu"):
        r = client.get(url, {"statut": statut})
        montres = [o for o in recues if o.statut == statut] if statut != "inconnu" else recues
        assert r.context["page"].paginator.count == len(montres)
        assert {ligne["id"] for ligne in r.context["page"].object_list} == {o.pk for o in montres}


def test_one_reverse_per_list_gives_the_same_urls():
    for nom in ("partenaires:orientation_detail", "partenaires:portail_detail"):
        url = url_par_pk(nom)
        for pk in (1, 7, 918273645, 10**12):
            assert url(pk) == reverse(nom, args=[pk])
    assert url_par_pk("partenaires:route_inconnue")(3) == ""


@pytest.mark.parametrize("role", ["agent", "partenaire"])
def test_list_queries_do_not_grow_with_the_rows(
    role,
    client_for,
    cpas_a,
    agent,
    coordinateur,
    partenaire_user,
    service,
    django_assert_num_queries,
):
    user, url, plafond = {
        "agent": (coordinateur, reverse("partenaires:orientations"), REQUETES_LISTE_ORIENTATIONS),
        "partenaire": (partenaire_user, reverse("partenaires:portail"), REQUETES_PORTAIL),
    }[role]
    client = client_for(user)
    client.get(url)  # first page of the session
    _orientation(S.ENVOYEE, beneficiaire=BeneficiaireFactory(cpas=cpas_a), service=service)
    with django_assert_num_queries(plafond):
        assert len(client.get(url).context["page"].object_list) == 1
    for statut in (S.ENVOYEE, S.ACCEPTEE, S.TERMINEE, S.REFUSEE, S.EXPIREE) * 3:
        _orientation(
            statut,
            beneficiaire=BeneficiaireFactory(cpas=cpas_a, referent=agent),
            service=ServiceFactory(partenaire=service.partenaire),
            agent=agent,
        )
    with django_assert_num_queries(plafond):
        assert len(client.get(url).context["page"].object_list) == 16


PARAMETRES_LISTE = [
    *NUMEROS_DE_PAGE,
    {"statut": "envoyee", "page": "2"},
    {"statut": "acceptee", "page": "2"},  # past the end of the status
    {"statut": "annulee"},  # none
    {"tri": "personne", "page": "2"},
    {"tri": "-partenaire", "page": "2"},
    {"mes": "on", "page": "2"},
    {"du": "2000-01-01", "page": "2"},
]


def _liste_de_paginateur(cpas_a, agent, coordinateur, service):
    for i, statut in enumerate([S.ENVOYEE] * 7 + [S.ACCEPTEE] * 4 + [S.TERMINEE] * 2):
        _orientation(
            statut,
            beneficiaire=BeneficiaireFactory(cpas=cpas_a, referent=agent, nom=f"Nom{i % 5}"),
            service=ServiceFactory(partenaire=service.partenaire),
            agent=agent if i % 2 else coordinateur,
        )


@pytest.mark.parametrize("params", PARAMETRES_LISTE)
def test_list_page_rows_read_with_the_counts_are_django_paginator_s(
    params, client_for, cpas_a, agent, coordinateur, service, settings
):
    """The page's rows read in the counts' round trip (the page asked for, when the counts give
    the list's length) are those of Django's paginator over the list's queryset."""
    settings.PAGE_SIZE = 5
    _liste_de_paginateur(cpas_a, agent, coordinateur, service)
    _comme_le_paginateur(client_for(coordinateur), params, cpas_a, coordinateur, service)


def test_the_pages_kept_statements_answer_each_filter_sort_and_page(
    client_for, cpas_a, agent, coordinateur, service, settings
):
    """A page's statement is compiled once per rule, filters, sort and page (``lecture_page``'s
    key): one user going through every variant twice, and again after a new referral, gets
    Django's paginator's rows each time."""
    settings.PAGE_SIZE = 5
    _liste_de_paginateur(cpas_a, agent, coordinateur, service)
    client = client_for(coordinateur)
    for params in PARAMETRES_LISTE * 2:
        _comme_le_paginateur(client, params, cpas_a, coordinateur, service)
    _orientation(S.ENVOYEE, beneficiaire=BeneficiaireFactory(cpas=cpas_a), service=service)
    for params in PARAMETRES_LISTE:
        _comme_le_paginateur(client, params, cpas_a, coordinateur, service)


def _comme_le_paginateur(client, params, cpas_a, coordinateur, service):
    from django.core.paginator import Paginator

    page = client.get(reverse("partenaires:orientations"), params).context["page"]
    qs = Orientation.objects.filter(cpas=cpas_a)
    if "statut" in params:
        qs = qs.filter(statut=params["statut"])
    if "mes" in params:
        qs = qs.filter(agent=coordinateur)
    ordre = {
        "personne": ["beneficiaire__nom", "beneficiaire__prenom", "id"],
        "-partenaire": ["-service__partenaire__nom", "-service__nom", "-id"],
    }.get(params.get("tri"), ["-date_orientation", "-id"])
    attendue = Paginator(qs.order_by(*ordre), 5).get_page(params.get("page"))
    assert page.number == attendue.number
    assert page.paginator.count == attendue.paginator.count
    assert [o["id"] for o in page.object_list] == [o.pk for o in attendue.object_list]
    premiere = page.object_list[0] if page.object_list else None
    if premiere is not None:
        o = Orientation.objects.select_related("beneficiaire").get(pk=premiere["id"])
        assert (premiere["date_orientation"], premiere["beneficiaire__nom"]) == (
            o.date_orientation,
            o.beneficiaire.nom,
        )
        assert premiere["partenaire_nom"] == service.partenaire.nom


PARAMETRES_PORTAIL = [
    *NUMEROS_DE_PAGE,
    {"statut": "envoyee", "page": "2"},
    {"statut": "acceptee", "page": "2"},  # past the end of the status
    {"statut": "annulee"},  # none (not shown to partners)
    {"tri": "personne", "page": "2"},
    {"tri": "-service", "page": "3"},
]


@pytest.mark.parametrize("params", PARAMETRES_PORTAIL)
def test_portal_page_rows_read_with_the_counts_are_django_paginator_s(
    params, client_for, cpas_a, agent, partenaire_user, service, settings
):
    """The partner portal's rows read in the counts' round trip (the page asked for) are
    those of Django's paginator over the referrals sent to the partner, page past the end and
    junk numbers included; referrals sent to another partner are not among them."""
    from django.core.paginator import Paginator

    from partenaires.models import ComptePartenaire

    settings.PAGE_SIZE = 5
    services = [ServiceFactory(partenaire=service.partenaire, nom=f"Service {k}") for k in range(4)]
    for i, statut in enumerate([S.ENVOYEE] * 7 + [S.ACCEPTEE] * 4 + [S.TERMINEE] * 2):
        _orientation(
            statut,
            beneficiaire=BeneficiaireFactory(cpas=cpas_a, referent=agent, nom=f"Nom{i % 5}"),
            service=services[i % 4],
            agent=agent,
        )
    _orientation(S.ENVOYEE, beneficiaire=BeneficiaireFactory(cpas=cpas_a), service=ServiceFactory())
    page = client_for(partenaire_user).get(reverse("partenaires:portail"), params).context["page"]
    compte = ComptePartenaire.objects.get(user=partenaire_user)
    qs = Orientation.objects.for_user(partenaire_user, compte=compte)
    if "statut" in params:
        qs = qs.filter(statut=params["statut"])
    ordre = {
        "personne": ["beneficiaire__nom", "beneficiaire__prenom", "id"],
        "-service": ["-service__nom", "-id"],
    }.get(params.get("tri"), ["-date_envoi", "-id"])
    attendue = Paginator(qs.order_by(*ordre), 5).get_page(params.get("page"))
    assert page.number == attendue.number
    assert page.paginator.count == attendue.paginator.count
    assert [o["id"] for o in page.object_list] == [o.pk for o in attendue.object_list]
    for ligne in page.object_list:
        o = Orientation.objects.select_related("beneficiaire", "service").get(pk=ligne["id"])
        assert (ligne["personne_nom"], ligne["service__nom"]) == (o.beneficiaire.nom, o.service.nom)


# partenaires/_statut.html before the badge became a tag (the lists no longer include it).
ANCIEN_BADGE = (
    "<span class=\"badge {% if statut == 'terminee' %}text-bg-success{% elif statut == 'refusee'"
    " or statut == 'expiree' or statut == 'annulee' %}text-bg-secondary{% elif statut == "
    "'acceptee' or statut == 'en_cours' %}text-bg-primary{% elif statut == 'envoyee' %}"
    'text-bg-warning{% else %}text-bg-light border{% endif %} statut-{{ statut }}">'
    "{{ libelle }}</span>"
)


def test_status_badge_tag_gives_the_former_include_markup():
    from django.template import Context, Template

    ancien = Template(ANCIEN_BADGE)
    tag = Template("{% load partenaires_tags %}{% badge_statut statut libelle %}")
    include = Template('{% include "partenaires/_statut.html" %}')
    for statut, libelle in [*S.choices, ("", ""), ("x<y", "<b>")]:
        contexte = Context({"statut": statut, "libelle": libelle})
        attendu = ancien.render(contexte)
        assert tag.render(contexte) == attendu
        assert include.render(contexte) == attendu + "\n"


def test_list_rows_show_what_the_models_give(
    client_for, cpas_a, coordinateur, partenaire_user, service
):
    """The rows are values computed in the view: the person as ``str(Beneficiaire)`` (an
    anonymised file too), the agent as ``str(User)``, the status and result labels and the
    answer deadline in the user's language."""
    cpas = cpas_a
    envoyee = _orientation(S.ENVOYEE, beneficiaire=BeneficiaireFactory(cpas=cpas), service=service)
    terminee = _orientation(
        S.TERMINEE,
        beneficiaire=BeneficiaireFactory(cpas=cpas),
        service=service,
        agent__first_name="Ada",
        agent__last_name="Lovelace",
    )
    Beneficiaire.objects.filter(pk=terminee.beneficiaire_id).update(
        niss=None, anonymise_le=timezone.now()
    )
    terminee.beneficiaire.refresh_from_db()
    echeance = envoyee.date_envoi + datetime.timedelta(days=cpas.delai_expiration_orientation)
    client = client_for(coordinateur)
    html = client.get(reverse("partenaires:orientations")).content.decode()
    assert f">{terminee.beneficiaire}</a>" in html and "Dossier anonymisé n°" in html
    assert "<td>Ada Lovelace</td>" in html and f"<td>{envoyee.agent}</td>" in html
    assert 'statut-terminee">Terminée</span> Emploi trouvé</td>' in html
    assert f"expire le {echeance:%d/%m/%Y}" in html
    client.cookies["django_language"] = "nl"
    html = client.get(reverse("partenaires:orientations")).content.decode()
    assert f"verloopt op {echeance:%d/%m/%Y}" in html and "Voltooid</span> Werk gevonden" in html
    portail = client_for(partenaire_user)
    html = portail.get(reverse("partenaires:portail")).content.decode()
    assert f"avant le {echeance:%d/%m/%Y}" in html and "<td>Français</td>" in html
    assert f"<td>{envoyee.date_envoi:%d/%m/%Y}</td>" in html


def test_a_referral_carries_its_persons_cpas(cpas_a, cpas_b):
    """The database refuses a referral in another CPAS than its person's (the composite
    foreign key ``objets_visibles`` relies on), at the commit like Django's foreign keys."""
    o = _orientation(S.ENVOYEE, beneficiaire=BeneficiaireFactory(cpas=cpas_a))
    with pytest.raises(IntegrityError), transaction.atomic():
        Orientation.objects.filter(pk=o.pk).update(cpas=cpas_b)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with pytest.raises(IntegrityError), transaction.atomic():
        Beneficiaire.objects.filter(pk=o.beneficiaire_id).update(cpas=cpas_b)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_a_coordinator_sees_the_referrals_of_the_cpas_without_the_people_subquery(
    cpas_a, cpas_b, agent, coordinateur, service
):
    _jeu(cpas_a, cpas_b, agent, service)
    for user in (agent, coordinateur):
        visibles = objets_visibles(Orientation.objects.all(), user)
        personnes = Beneficiaire.objects.visibles_par(user)
        attendu = {o.pk for o in Orientation.objects.all() if o.beneficiaire in personnes}
        attendu &= {o.pk for o in Orientation.objects.filter(cpas=cpas_a)}
        assert {o.pk for o in visibles} == attendu
        sous_requete = "beneficiaires_beneficiaire" in str(visibles.query)
        assert sous_requete == (user == agent)


def test_an_agent_of_a_cellule_lists_counts_and_filters_the_referrals_of_the_people_they_see(
    client_for, cpas_a, cpas_b, make_user, service
):
    """The referral list of an agent of a cellule reads each referral's person in a hash of the
    people they see, the counts from an array of them and the partners service by service:
    the same rows, counts and partners as the plain rule gives, with the referrals of their
    own people and of their cellule's, never a colleague's person's outside the cellule nor
    another CPAS's."""
    from tests.trajets.factories import PassageFactory

    agent = make_user(Role.AGENT, cpas_a, cellule="emploi")
    collegue = make_user(Role.AGENT, cpas_a)
    today = timezone.localdate()
    mien = BeneficiaireFactory(cpas=cpas_a, referent=agent)
    de_la_cellule = BeneficiaireFactory(cpas=cpas_a, referent=collegue)
    PassageFactory(beneficiaire=de_la_cellule, phase="emploi", debut=today - datetime.timedelta(9))
    hors_cellule = BeneficiaireFactory(cpas=cpas_a, referent=collegue)
    ailleurs = BeneficiaireFactory(cpas=cpas_b, referent=agent)
    autre = ServiceFactory(partenaire=PartenaireFactory(nom="Partenaire d'un collègue"))
    for i, statut in enumerate((S.ENVOYEE, S.ACCEPTEE, S.REFUSEE, S.EN_COURS) * 20):
        personne = (mien, de_la_cellule, hors_cellule, ailleurs)[i % 4]
        _orientation(
            statut,
            beneficiaire=personne,
            agent=agent if personne is mien else collegue,
            service=autre if personne in (hors_cellule, ailleurs) else service,
            date_orientation=today - datetime.timedelta(days=i),
        )
    visibles = list(objets_visibles(Orientation.objects.all(), agent))  # the plain rule
    assert {o.beneficiaire_id for o in visibles} == {mien.pk, de_la_cellule.pk}
    client = client_for(agent)
    lus, page = [], 1
    while page:  # every page of the list (40 referrals: two pages)
        r = client.get(reverse("partenaires:orientations"), {"page": page})
        lus += [ligne["id"] for ligne in r.context["page"].object_list]
        assert r.context["page"].paginator.count == len(visibles)
        page = r.context["page"].next_page_number() if r.context["page"].has_next() else None
    assert lus == [
        o.pk for o in sorted(visibles, key=lambda o: (o.date_orientation, o.pk), reverse=True)
    ]
    attendu = _compte_simple(visibles)
    assert r.context["statuts"] == [(c, lbl, attendu.get(c, 0)) for c, lbl in S.choices]
    # The partner filter offers the partners of the referrals listed, not a colleague's.
    assert [pk for pk, _nom, _choisi in r.context["partenaires"]] == [service.partenaire.pk]
    assert "Partenaire d&#x27;un collègue" not in r.content.decode()


def test_the_lists_statement_compiled_once_follows_each_users_rule(
    client_for, cpas_a, make_user, service
):
    """The counts and the partners of the referral list are one statement compiled once per
    need-to-know rule: a second agent, the same agent moved to another cellule, and a person
    who changes referent each get the counts and partners of the rule as it is now, after the
    statement of the first was kept."""
    from tests.trajets.factories import PassageFactory

    today = timezone.localdate()
    agent = make_user(Role.AGENT, cpas_a, cellule="emploi")
    collegue = make_user(Role.AGENT, cpas_a, cellule="alpha")
    a_moi = BeneficiaireFactory(cpas=cpas_a, referent=agent)
    emploi = BeneficiaireFactory(cpas=cpas_a, referent=collegue)
    PassageFactory(beneficiaire=emploi, phase="emploi", debut=today - datetime.timedelta(9))
    autre = ServiceFactory(partenaire=PartenaireFactory(nom="Partenaire de l'emploi"))
    _orientation(S.ENVOYEE, beneficiaire=a_moi, agent=agent, service=service)
    _orientation(S.ACCEPTEE, beneficiaire=emploi, agent=collegue, service=autre)
    _orientation(S.ACCEPTEE, beneficiaire=emploi, agent=collegue, service=autre)

    def vu_par(user):
        r = client_for(user).get(reverse("partenaires:orientations"))
        comptes = {code: n for code, _libelle, n in r.context["statuts"] if n}
        return comptes, sorted(nom for _pk, nom, _choisi in r.context["partenaires"])

    moi_avant = vu_par(agent)
    assert moi_avant == (
        {S.ENVOYEE: 1, S.ACCEPTEE: 2},
        sorted([service.partenaire.nom, "Partenaire de l'emploi"]),
    )
    assert vu_par(agent) == moi_avant  # the kept statement, the same answer
    assert vu_par(collegue) == ({S.ACCEPTEE: 2}, ["Partenaire de l'emploi"])
    # The agent leaves the employment cellule: its people are no longer theirs to see.
    membership = agent.memberships.get(cpas=cpas_a)
    membership.cellule = collegue.memberships.get(cpas=cpas_a).cellule
    membership.save()
    assert vu_par(agent) == ({S.ENVOYEE: 1}, [service.partenaire.nom])
    # Their own person goes to the colleague, who now sees that referral too.
    a_moi.referent = collegue
    a_moi.save()
    assert vu_par(agent) == ({}, [])
    assert vu_par(collegue)[0] == {S.ENVOYEE: 1, S.ACCEPTEE: 2}
