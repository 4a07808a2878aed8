"""The cellule queue counts its rows once: the counters give the paginator its count."""

import datetime

import pytest
from django.utils import timezone

from cpas_isp.models import Role
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.trajets.factories import EtapeFactory, PassageFactory
from trajets import queries

D = datetime.date


@pytest.fixture
def agent(cpas_a, make_user):
    return make_user(Role.AGENT, cpas_a, cellule="emploi")


def test_paginator_count_is_the_counters_and_the_rows_of_each_filter(
    cpas_a, agent, make_user, client_for, settings
):
    settings.PAGE_SIZE = 2
    today = timezone.localdate()
    collegue = make_user(Role.AGENT, cpas_a)
    for k in range(5):
        b = BeneficiaireFactory(cpas=cpas_a, referent=agent if k % 2 else collegue)
        debut = today - datetime.timedelta(days=3 if k < 2 else 100)
        PassageFactory(beneficiaire=b, phase="emploi", debut=debut)
        if k in (1, 4):
            EtapeFactory(beneficiaire=b, auteur=agent, prochaine_action="x", echeance=D(2024, 1, 1))
    ailleurs = BeneficiaireFactory(cpas=cpas_a, referent=agent)
    PassageFactory(beneficiaire=ailleurs, phase="alpha", debut=today)
    cellule = cpas_a.cellules.get(code="emploi")
    client = client_for(agent)
    attendus = {"": 5, "nouveaux": 2, "retard": 2, "miens": 2, "autre": 5}
    for filtre, n in attendus.items():
        response = client.get(f"/trajets/files/emploi/?filtre={filtre}")
        assert response.status_code == 200
        page = response.context["page"]
        lignes = list(queries.file_cellule(agent, cellule, today, filtre))
        assert page.paginator.count == len(lignes) == n, filtre
        assert page.paginator.num_pages == (n + 1) // 2
    compteurs = response.context["compteurs"]
    assert (compteurs["total"], compteurs["nouveaux"], compteurs["retard"]) == (5, 2, 2)


def test_queue_and_deadlines_query_counts(agent, client_for, django_assert_max_num_queries):
    """Ceilings at today's counts (the queue: its counters, the page's rows and the bell in
    one round trip, the agent's own cellule read with their membership; the deadlines: one
    query for every kind of item)."""
    b = BeneficiaireFactory(cpas=agent.memberships.get().cpas, referent=agent)
    PassageFactory(beneficiaire=b, phase="emploi", debut=D(2024, 1, 1))
    EtapeFactory(beneficiaire=b, auteur=agent, prochaine_action="x", echeance=D(2024, 1, 1))
    client = client_for(agent)
    for url, n in (("/trajets/files/emploi/", 6), ("/trajets/echeances/", 7)):
        client.get(url)
        with django_assert_max_num_queries(n):
            assert client.get(url).status_code == 200


# The template loop the queue's rows replaced (written in Python by the view since).
ANCIENNE_BOUCLE = """{% load i18n trajets_tags %}{% for p in page.object_list %}<tr data-personne="{{ p.beneficiaire_id }}">
    <td><a href="{% url_personne p.beneficiaire_id %}">{{ p.beneficiaire }}</a>{% if p.debut >= nouveau_depuis %} <span class="badge text-bg-info">{% translate "nouveau" %}</span>{% endif %}</td>
    <td>{{ p.debut|date:"d/m/Y" }}</td>
    <td>{{ p.agent|default:p.beneficiaire.referent|default:"—" }}</td>
    <td>{{ p.derniere_etape|date:"d/m/Y"|default:"—" }}</td>
    <td>{% if p.actions_en_retard %}<span class="badge text-bg-danger">{% blocktranslate count n=p.actions_en_retard %}{{ n }} action en retard{% plural %}{{ n }} actions en retard{% endblocktranslate %}</span> {% endif %}
      {% if p.evaluations_en_retard %}<span class="badge text-bg-danger">{% blocktranslate count n=p.evaluations_en_retard %}{{ n }} évaluation en retard{% plural %}{{ n }} évaluations en retard{% endblocktranslate %}</span> {% endif %}
      {% if p.signature_piis_en_retard %}<span class="badge text-bg-danger">{% translate "PIIS non signé après 3 mois" %}</span>{% endif %}</td>
    <td class="text-end"><button type="button" class="btn btn-outline-primary btn-sm" hx-get="{% url 'trajets:etape_rapide' p.beneficiaire_id %}?dans=ligne" hx-target="closest tr" hx-swap="afterend" data-etape-ouvrir="{{ p.beneficiaire_id }}">+ {% translate "étape" %}</button>
      <a class="btn btn-outline-secondary btn-sm" href="{% url 'trajets:orienter' p.beneficiaire_id %}">{% translate "Orienter vers…" %}</a></td>
  </tr>{% endfor %}"""  # noqa: E501


@pytest.mark.parametrize("langue", ["fr", "nl"])
def test_rows_written_in_python_are_the_template_loop_they_replaced(
    cpas_a, agent, make_user, client_for, langue
):
    """Same HTML as the template loop, byte for byte, on rows covering its branches: new or
    not, a stay's agent or the referent or nobody, one or several overdue actions and
    evaluations, an unsigned PIIS, no step yet, names to escape."""
    from django.template import Context, Template
    from django.utils import translation

    from tests.trajets.factories import PiisFactory
    from trajets import services
    from trajets.models import ObjectifPiis

    today = timezone.localdate()
    collegue = make_user(Role.AGENT, cpas_a, first_name="Léa", last_name="<Dupont>")
    sans_nom = make_user(Role.AGENT, cpas_a, username="sans.nom", first_name="", last_name="")
    cas = [
        ({"referent": agent, "nom": "<b>Gras</b>", "prenom": "A&B"}, {"agent": collegue}, 3),
        ({"referent": collegue}, {}, 100),
        ({"referent": None}, {}, 2),
        ({"referent": None}, {"agent": sans_nom}, 400),
    ]
    personnes = []
    for champs, passage, jours in cas:
        b = BeneficiaireFactory(cpas=cpas_a, **champs)
        PassageFactory(
            beneficiaire=b, phase="emploi", debut=today - datetime.timedelta(days=jours), **passage
        )
        personnes.append(b)
    for i, b in enumerate(personnes[:2]):
        for _ in range(i + 1):
            EtapeFactory(beneficiaire=b, auteur=agent, prochaine_action="x", echeance=D(2024, 1, 1))
    PiisFactory(beneficiaire=personnes[1], agent=agent, date_decision_ris=D(2024, 1, 1))
    for b, n in ((personnes[2], 1), (personnes[3], 4)):
        piis = PiisFactory(beneficiaire=b, agent=agent)
        ObjectifPiis.objects.create(cpas=piis.cpas, piis=piis, ordre=1, libelle="Objectif")
        piis = services.proposer_piis(piis, D(2023, 11, 20), agent)
        piis = services.signer_piis(piis, D(2023, 11, 30), agent, fin=D(2024, 11, 29))
        tenues = piis.evaluations.order_by("date_prevue").values_list("pk", flat=True)[n:]
        piis.evaluations.filter(pk__in=list(tenues)).update(date_tenue=D(2024, 12, 1))
    client = client_for(agent)
    client.cookies["django_language"] = langue
    response = client.get("/trajets/files/emploi/")
    page = response.context["page"]
    assert len(page.object_list) == 4
    # The loop over the ORM queryset's rows (the page's rows are read in plain SQL since).
    cellule = cpas_a.cellules.get(code="emploi")
    reference = {"object_list": list(queries.file_cellule(agent, cellule, today))}
    with translation.override(langue):
        attendu = Template(ANCIENNE_BOUCLE).render(
            Context({"page": reference, "nouveau_depuis": response.context["nouveau_depuis"]})
        )
    assert response.context["lignes"] == attendu
    html = response.content.decode()
    assert attendu in html and "&lt;B&gt;GRAS&lt;/B&gt; A&amp;B" in html
    assert "Léa &lt;Dupont&gt;" in html and "sans.nom" in html and "—" in html
    if langue == "fr":
        for texte in ("1 action en", "2 actions en", "1 évaluation en", "4 évaluations en"):
            assert texte in attendu
        assert attendu.count(">nouveau<") == 2 and attendu.count("PIIS non signé") == 1


def test_overdue_count_and_filter_probe_each_kind(cpas_a, agent, client_for):
    """``en_retard`` per person (EXISTS for actions and PIIS, IN for evaluations): an overdue
    action, an unsigned PIIS past 3 months or an overdue evaluation counts; a done action, a
    coming one or a recent PIIS does not."""
    from tests.trajets.factories import PiisFactory
    from trajets import services
    from trajets.models import ObjectifPiis

    today = timezone.localdate()

    def personne():
        b = BeneficiaireFactory(cpas=cpas_a, referent=agent)
        PassageFactory(beneficiaire=b, phase="emploi", debut=D(2024, 1, 1))
        return b

    retard = [personne() for _ in range(3)]
    EtapeFactory(beneficiaire=retard[0], auteur=agent, prochaine_action="x", echeance=D(2024, 1, 1))
    PiisFactory(beneficiaire=retard[1], agent=agent, date_decision_ris=D(2024, 1, 1))
    piis = PiisFactory(beneficiaire=retard[2], agent=agent)
    ObjectifPiis.objects.create(cpas=piis.cpas, piis=piis, ordre=1, libelle="Objectif")
    piis = services.proposer_piis(piis, D(2023, 11, 20), agent)
    services.signer_piis(piis, D(2023, 11, 30), agent, fin=D(2024, 11, 29))
    a_jour = [personne() for _ in range(3)]
    fait = EtapeFactory(
        beneficiaire=a_jour[0], auteur=agent, prochaine_action="x", echeance=D(2024, 1, 1)
    )
    services.marquer_action_faite(fait)
    EtapeFactory(
        beneficiaire=a_jour[1],
        auteur=agent,
        prochaine_action="x",
        echeance=today + datetime.timedelta(days=5),
    )
    PiisFactory(beneficiaire=a_jour[2], agent=agent, date_decision_ris=today)
    cellule = cpas_a.cellules.get(code="emploi")
    compteurs = queries.compteurs_file(agent, cellule, today)
    assert (compteurs["total"], compteurs["retard"]) == (6, 3)
    lignes = queries.file_cellule(agent, cellule, today, "retard")
    assert sorted(p.beneficiaire_id for p in lignes) == sorted(b.pk for b in retard)
    response = client_for(agent).get("/trajets/files/emploi/?filtre=retard")
    assert response.context["page"].paginator.count == 3


def test_plain_sql_rows_and_counters_are_the_orm_querysets(cpas_a, agent, make_user):
    """``LignesFile`` (the page's rows) and ``compteurs_file`` in plain SQL give what the ORM
    versions give (``file_cellule``, ``en_retard``), for every filter, sliced as the paginator
    slices; an anonymised person keeps their label; another cellule's stays stay out."""
    from beneficiaires.models import Beneficiaire
    from tests.trajets.factories import PiisFactory

    today = timezone.localdate()
    collegue = make_user(Role.AGENT, cpas_a, first_name="Léa", last_name="Lenoir")
    personnes = []
    for k in range(7):
        b = BeneficiaireFactory(cpas=cpas_a, referent=agent if k % 2 else collegue)
        PassageFactory(
            beneficiaire=b,
            phase="emploi",
            debut=today - datetime.timedelta(days=[1, 5, 20, 20, 90, 400, 3][k]),
            agent=collegue if k == 3 else None,
        )
        personnes.append(b)
    EtapeFactory(
        beneficiaire=personnes[0], auteur=agent, prochaine_action="x", echeance=D(2024, 1, 1)
    )
    EtapeFactory(
        beneficiaire=personnes[2], auteur=agent, prochaine_action="x", echeance=D(2024, 1, 1)
    )
    EtapeFactory(
        beneficiaire=personnes[2], auteur=agent, prochaine_action="y", echeance=D(2024, 2, 1)
    )
    EtapeFactory(beneficiaire=personnes[4], auteur=agent, date=D(2024, 3, 1))
    PiisFactory(beneficiaire=personnes[5], agent=agent, date_decision_ris=D(2024, 1, 1))
    Beneficiaire.objects.filter(pk=personnes[6].pk).update(anonymise_le=timezone.now())
    ailleurs = BeneficiaireFactory(cpas=cpas_a, referent=agent)
    PassageFactory(beneficiaire=ailleurs, phase="alpha", debut=today)
    cellule = cpas_a.cellules.get(code="emploi")

    def orm(p):
        suivi_par = p.agent or p.beneficiaire.referent
        return (
            p.beneficiaire_id,
            p.debut,
            str(p.beneficiaire),
            str(suivi_par) if suivi_par else "",
            p.derniere_etape,
            p.actions_en_retard,
            p.evaluations_en_retard,
            p.signature_piis_en_retard,
        )

    def sql(ligne):
        return (
            ligne.beneficiaire_id,
            ligne.debut,
            ligne.personne,
            ligne.suivi_par,
            ligne.derniere_etape,
            ligne.actions_en_retard,
            ligne.evaluations_en_retard,
            ligne.signature_piis_en_retard,
        )

    for filtre in ("", "nouveaux", "retard", "miens"):
        attendu = [orm(p) for p in queries.file_cellule(agent, cellule, today, filtre)]
        lignes = queries.LignesFile(agent, cellule, today, filtre)
        assert [sql(x) for x in lignes[0:100]] == attendu, filtre
        assert [sql(x) for x in lignes[1:3]] == attendu[1:3], filtre
        assert lignes.count() == len(attendu), filtre
    tous = [sql(x) for x in queries.LignesFile(agent, cellule, today)[0:100]]
    assert f"Dossier anonymisé n° {personnes[6].pk}" in [t[2] for t in tous]
    par_personne = {t[0]: t for t in tous}
    assert par_personne[personnes[2].pk][5] == 2 and par_personne[personnes[5].pk][7] is True
    assert par_personne[personnes[3].pk][3] == "Léa Lenoir"  # the stay's agent
    assert par_personne[personnes[4].pk][4] == D(2024, 3, 1)
    nombres = {
        f: queries.file_cellule(agent, cellule, today, f).count()
        for f in ("", "nouveaux", "retard")
    }
    assert (
        queries.compteurs_file(agent, cellule, today)
        == {
            "total": nombres[""],
            "nouveaux": nombres["nouveaux"],
            "retard": nombres["retard"],
        }
        == {"total": 7, "nouveaux": 3, "retard": 3}
    )


def test_counters_and_rows_read_together_are_those_read_apart(
    cpas_a, agent, client_for, settings, django_assert_num_queries
):
    """``compteurs_et_tranche``: the counters are ``compteurs_file``'s and the slice read with
    them is the one a plain slice reads, for every filter; the paginator's slice of that page
    (or of the last page, cut at the total) needs no query, another slice runs its own. Every
    page of the queue, a page past the end and junk numbers show the rows of the plain
    slices."""
    settings.PAGE_SIZE = 2
    today = timezone.localdate()
    for k in range(5):
        b = BeneficiaireFactory(cpas=cpas_a, referent=agent, nom=f"Nom{k}")
        debut = today - datetime.timedelta(days=[1, 3, 3, 90, 9][k])
        PassageFactory(beneficiaire=b, phase="emploi", debut=debut)
        if k % 2:
            EtapeFactory(beneficiaire=b, auteur=agent, prochaine_action="x", echeance=D(2024, 1, 1))
    cellule = cpas_a.cellules.get(code="emploi")
    attendus = queries.compteurs_file(agent, cellule, today)
    for filtre in ("", "nouveaux", "retard", "miens"):
        tous = queries.LignesFile(agent, cellule, today, filtre)[0:100]
        for debut in range(0, 6, 2):
            lignes = queries.LignesFile(agent, cellule, today, filtre)
            with django_assert_num_queries(1):
                assert lignes.compteurs_et_tranche(debut, debut + 2) == attendus
            with django_assert_num_queries(0):
                assert lignes[debut : debut + 2] == tous[debut : debut + 2], filtre
                assert lignes[debut : debut + 1] == tous[debut : debut + 1], filtre
            with django_assert_num_queries(1):
                assert lignes[debut + 1 : debut + 3] == tous[debut + 1 : debut + 3], filtre
    client = client_for(agent)
    tous = queries.LignesFile(agent, cellule, today)[0:100]
    for numero, debut in (("1", 0), ("2", 2), ("3", 4), ("4", 4), ("999", 4), ("0", 4), ("x", 0)):
        response = client.get("/trajets/files/emploi/", {"page": numero})
        assert list(response.context["page"].object_list) == tous[debut : debut + 2], numero


def test_queue_cellule_is_the_one_of_the_url_in_the_users_cpas(
    cpas_a, cpas_b, agent, make_user, client_for
):
    """The agent's own cellule comes with their membership; another cellule's queue, an
    unknown code or a code of another CPAS only: 404 for the agent; the coordinator reads
    each cellule of their CPAS by its code."""
    client = client_for(agent)
    response = client.get("/trajets/files/emploi/")
    assert response.status_code == 200
    assert response.context["cellule"] == cpas_a.cellules.get(code="emploi")
    for code in ("alpha", "inconnue"):
        assert client.get(f"/trajets/files/{code}/").status_code == 404
    coordinateur = client_for(make_user(Role.COORDINATEUR, cpas_a))
    for code in ("emploi", "alpha"):
        response = coordinateur.get(f"/trajets/files/{code}/")
        assert response.context["cellule"] == cpas_a.cellules.get(code=code)
    ailleurs = client_for(make_user(Role.AGENT, cpas_b, cellule="alpha"))
    assert ailleurs.get("/trajets/files/emploi/").status_code == 404


def test_a_page_number_too_long_to_read_gives_a_page_of_the_queue(cpas_a, agent, client_for):
    """``?page=`` of 5,000 digits (more than Python reads as a number), below 1, junk: a page of
    the queue (its last one past the end), no error page."""
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent, nom="Seule")
    PassageFactory(beneficiaire=b, phase="emploi", debut=timezone.localdate())
    client = client_for(agent)
    for numero in ("9" * 5000, "9" * 30, "0", "-1", "x"):
        response = client.get("/trajets/files/emploi/", {"page": numero})
        assert response.status_code == 200, numero
        assert [ligne.beneficiaire_id for ligne in response.context["page"].object_list] == [b.pk]
