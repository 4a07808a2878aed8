import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cpas_isp.models import Role
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.trajets.factories import ContratFactory, PassageFactory
from trajets import delais, queries, services
from trajets.models import (
    ContratArticle60,
    MotifSortie,
    PassagePhase,
    PoolArticle60,
    RegleDureeArticle60,
)

D = datetime.date
J = datetime.timedelta(days=1)


def regles():
    return list(RegleDureeArticle60.objects.all())


def test_worked_days_convert_to_months_on_a_six_day_week():
    assert delais.fin_apres_jours_prestes(D(2025, 1, 1), 312) == D(2025, 12, 31)
    assert delais.fin_apres_jours_prestes(D(2025, 1, 1), 468) == D(2026, 6, 30)
    assert delais.fin_apres_jours_prestes(D(2024, 3, 1), 624) == D(2026, 2, 28)
    # Half time needs twice as long to give the same worked days.
    assert delais.fin_apres_jours_prestes(D(2025, 1, 1), 312, 19) == D(2026, 12, 31)


@pytest.mark.parametrize(
    "naissance, jours, fin",
    [
        (D(1995, 6, 1), 312, D(2025, 12, 31)),  # 30 at the end
        (D(1985, 6, 1), 468, D(2026, 6, 30)),  # 41 at the end
        (D(1970, 6, 1), 624, D(2026, 12, 31)),  # 56 at the end
    ],
)
def test_pre_2026_rule_by_age_at_the_end(db, naissance, jours, fin):
    proposee = delais.fin_prevue_article60(D(2025, 1, 1), naissance, regles())
    assert (proposee.jours, proposee.fin) == (jours, fin)


def test_age_is_taken_at_the_end_of_the_contract(db):
    # 35 at the start, 36 before a 312-day contract ends: the 36-49 band (468 days) applies.
    proposee = delais.fin_prevue_article60(D(2025, 1, 1), D(1989, 6, 1), regles())
    assert proposee.jours == 468 and proposee.age_fin == 37
    # 49 at the start, 50 at the end of a 468-day contract: 624 days.
    proposee = delais.fin_prevue_article60(D(2025, 1, 1), D(1975, 10, 1), regles())
    assert proposee.jours == 624


def test_from_march_2026_312_days_for_everyone(db):
    veille = delais.fin_prevue_article60(D(2026, 2, 28), D(1960, 1, 1), regles())
    assert veille.jours == 624
    reforme = delais.fin_prevue_article60(D(2026, 3, 1), D(1960, 1, 1), regles())
    assert (reforme.jours, reforme.fin) == (312, D(2027, 2, 28))


def test_rule_table_is_editable_data(db):
    RegleDureeArticle60.objects.create(valable_du=D(2027, 1, 1), jours_prestes=260)
    assert delais.fin_prevue_article60(D(2027, 1, 1), D(1990, 1, 1), regles()).jours == 260


@pytest.fixture
def agent(cpas_a, make_user):
    return make_user(Role.AGENT, cpas_a, cellule="article60")


def test_opening_a_contract_opens_the_article60_stay_in_the_same_transaction(cpas_a, agent):
    b = BeneficiaireFactory(cpas=cpas_a, date_naissance=D(1995, 6, 1), referent=agent)
    emploi = PassageFactory(beneficiaire=b, phase="emploi", debut=D(2024, 9, 1))
    contrat = ContratArticle60(
        beneficiaire=b, service_interne="Restaurant social", fonction="Commis", debut=D(2025, 1, 1)
    )
    contrat = services.ouvrir_contrat(contrat, agent)
    assert contrat.fin_prevue == D(2025, 12, 31) == contrat.fin_prevue_calculee
    emploi.refresh_from_db()
    assert emploi.fin == D(2024, 12, 31)
    assert contrat.passage.phase == "article60" and contrat.passage.debut == D(2025, 1, 1)


def test_a_refused_contract_leaves_the_stays_untouched(cpas_a, agent):
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent)
    emploi = PassageFactory(beneficiaire=b, phase="emploi", debut=D(2024, 9, 1))
    ContratFactory(
        beneficiaire=b,
        debut=D(2024, 1, 1),
        fin_prevue=D(2024, 8, 31),
        fin_reelle=D(2024, 8, 31),
        motif_fin=MotifSortie.objects.get(code="abandon"),
    )
    ContratFactory(beneficiaire=b, debut=D(2025, 3, 1), fin_prevue=D(2026, 2, 28))
    contrat = ContratArticle60(
        beneficiaire=b, service_interne="Crèche", fonction="Puériculture", debut=D(2025, 1, 1)
    )
    with pytest.raises(ValidationError) as exc:
        services.ouvrir_contrat(contrat, agent)
    assert "déjà un contrat" in exc.value.messages[0]
    emploi.refresh_from_db()
    assert emploi.fin is None
    assert not PassagePhase.objects.filter(beneficiaire=b, phase="article60").exists()


def test_overriding_the_planned_end_needs_a_reason(cpas_a, agent):
    b = BeneficiaireFactory(cpas=cpas_a, date_naissance=D(1995, 6, 1), referent=agent)
    contrat = ContratArticle60(
        beneficiaire=b,
        service_interne="CPAS",
        fonction="Ouvrier",
        debut=D(2025, 1, 1),
        fin_prevue=D(2025, 10, 31),
    )
    with pytest.raises(ValidationError):
        services.ouvrir_contrat(contrat, agent)
    contrat.motif_derogation = "Fin de chantier"
    contrat = services.ouvrir_contrat(contrat, agent)
    assert contrat.fin_prevue == D(2025, 10, 31) and contrat.fin_prevue_calculee == D(2025, 12, 31)


def test_ending_a_contract_closes_the_stay_with_the_same_reason(cpas_a, agent):
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent)
    contrat = services.ouvrir_contrat(
        ContratArticle60(
            beneficiaire=b, service_interne="CPAS", fonction="Ouvrier", debut=D(2025, 1, 1)
        ),
        agent,
    )
    motif = MotifSortie.objects.get(code="article60_droits")
    services.terminer_contrat(contrat, D(2025, 12, 31), motif, agent)
    passage = PassagePhase.objects.get(beneficiaire=b)
    assert passage.fin == D(2025, 12, 31) and passage.motif_sortie == motif


def test_occupancy_today_by_month_and_ending_soon(cpas_a):
    PoolArticle60.objects.create(
        cpas=cpas_a, valable_du=D(2024, 1, 1), postes_total=2, postes_economie_sociale=1
    )
    ContratFactory(
        beneficiaire__cpas=cpas_a,
        debut=D(2025, 1, 1),
        fin_prevue=D(2025, 12, 31),
        economie_sociale=True,
    )
    ContratFactory(beneficiaire__cpas=cpas_a, debut=D(2025, 3, 1), fin_prevue=D(2025, 3, 31))
    ContratFactory(
        beneficiaire__cpas=cpas_a,
        debut=D(2025, 2, 1),
        fin_prevue=D(2026, 1, 31),
        fin_reelle=D(2025, 2, 10),
        motif_fin=MotifSortie.objects.get(code="abandon"),
    )
    occ = queries.occupation_le(cpas_a.pk, D(2025, 3, 15))
    assert (occ["occupes"], occ["occupes_es"], occ["libres"], occ["complet"]) == (2, 1, 0, True)
    mois = queries.occupation_par_mois(cpas_a.pk, D(2025, 1, 1), 4)
    assert [m["occupes"] for m in mois] == [1, 2, 2, 1]
    assert [c.fin_prevue for c in queries.contrats_finissant(cpas_a.pk, D(2025, 3, 15))] == [
        D(2025, 3, 31)
    ]


def test_full_pool_warns_but_does_not_refuse(cpas_a, agent, client_for):
    PoolArticle60.objects.create(cpas=cpas_a, valable_du=D(2024, 1, 1), postes_total=1)
    ContratFactory(beneficiaire__cpas=cpas_a, debut=D(2025, 1, 1), fin_prevue=D(2025, 12, 31))
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent)
    response = client_for(agent).post(
        f"/trajets/personne/{b.pk}/article60/",
        {
            "service_interne": "Maison de repos",
            "fonction": "Aide-soignant",
            "regime": "temps_plein",
            "heures_semaine": "38",
            "debut": "2025-02-01",
        },
        follow=True,
    )
    html = response.content.decode()
    assert ContratArticle60.objects.filter(beneficiaire=b).exists()
    assert "pool de postes article 60 est dépassé" in html


def test_occupancy_page_access_by_role_and_cpas(cpas_a, cpas_b, make_user, client_for):
    PoolArticle60.objects.create(
        cpas=cpas_a, valable_du=D(2024, 1, 1), postes_total=350, postes_economie_sociale=121
    )
    ContratFactory(
        beneficiaire__cpas=cpas_b,
        debut=D(2025, 1, 1),
        fin_prevue=timezone.localdate() + datetime.timedelta(days=10),
        fonction="Chez les autres",
    )
    for role, status in [
        (Role.COORDINATEUR, 200),
        (Role.DIRECTEUR, 200),
        (Role.ADMIN, 200),
        (Role.AGENT, 403),
        (Role.PARTENAIRE, 404),
    ]:
        response = client_for(make_user(role, cpas_a)).get("/trajets/article60/")
        assert response.status_code == status, role
        if status == 200:
            html = response.content.decode()
            assert "350" in html and "Chez les autres" not in html


def test_pool_declared_from_the_occupancy_page(cpas_a, make_user, client_for):
    coordinateur = make_user(Role.COORDINATEUR, cpas_a)
    response = client_for(coordinateur).post(
        "/trajets/article60/",
        {"valable_du": "2025-01-01", "postes_total": 10, "postes_economie_sociale": 12},
    )
    assert response.status_code == 200 and not PoolArticle60.objects.exists()
    client_for(coordinateur).post(
        "/trajets/article60/",
        {"valable_du": "2025-01-01", "postes_total": 10, "postes_economie_sociale": 4},
    )
    assert PoolArticle60.objects.get(cpas=cpas_a).postes_total == 10
    directeur = make_user(Role.DIRECTEUR, cpas_a)
    assert (
        client_for(directeur)
        .post("/trajets/article60/", {"valable_du": "2025-02-01", "postes_total": 1})
        .status_code
        == 403
    )


def test_occupancy_page_query_count_does_not_grow(
    cpas_a, make_user, client_for, django_assert_max_num_queries
):
    coordinateur = make_user(Role.COORDINATEUR, cpas_a)
    PoolArticle60.objects.create(cpas=cpas_a, valable_du=D(2024, 1, 1), postes_total=5)
    today = timezone.localdate()

    def ajouter(n):
        for _ in range(n):
            ContratFactory(
                beneficiaire__cpas=cpas_a,
                debut=today - datetime.timedelta(days=100),
                fin_prevue=today + datetime.timedelta(days=30),
            )

    ajouter(1)
    client = client_for(coordinateur)
    client.get("/trajets/article60/")
    # 14 before the pools were read once, 12 before today's count joined the months' query,
    # 11 before the contracts, the pools and the counts were read in one round trip
    with django_assert_max_num_queries(9) as ctx:
        client.get("/trajets/article60/")
    avant = len(ctx.captured_queries)
    ajouter(8)
    with django_assert_max_num_queries(avant):
        html = client.get("/trajets/article60/").content.decode()
    assert "Le pool est complet" in html


def test_contracts_past_their_planned_end_without_an_end_are_listed_to_close(
    cpas_a, make_user, client_for
):
    ContratFactory(
        beneficiaire__cpas=cpas_a,
        beneficiaire__nom="Oublie",
        debut=D(2024, 1, 1),
        fin_prevue=D(2024, 12, 31),
    )
    html = client_for(make_user(Role.COORDINATEUR, cpas_a)).get("/trajets/article60/")
    html = html.content.decode()
    assert "Contrats arrivés à terme sans fin enregistrée" in html and "OUBLIE" in html


def test_pool_form_says_the_constraint_message_and_replaces_a_pool_of_the_same_date(
    cpas_a, make_user, client_for
):
    client = client_for(make_user(Role.COORDINATEUR, cpas_a))
    response = client.post(
        "/trajets/article60/",
        {"valable_du": "2025-01-01", "postes_total": 10, "postes_economie_sociale": 12},
    )
    assert "Les postes en économie sociale font partie du total." in response.content.decode()
    for total in (10, 14):
        response = client.post(
            "/trajets/article60/",
            {"valable_du": "2025-01-01", "postes_total": total, "postes_economie_sociale": 4},
        )
        assert response.status_code == 302
    assert list(PoolArticle60.objects.values_list("postes_total", flat=True)) == [14]


def test_contracts_list_filters_by_date_and_shows_a_bad_date_as_a_field_error(
    cpas_a, make_user, client_for
):
    coordinateur = make_user(Role.COORDINATEUR, cpas_a)
    ContratFactory(
        beneficiaire=BeneficiaireFactory(cpas=cpas_a),
        fonction="Commis de cuisine",
        debut=D(2024, 1, 1),
        fin_prevue=D(2024, 12, 31),
    )
    client = client_for(coordinateur)
    html = client.get("/trajets/article60/contrats/?date=2024-06-01").content.decode()
    assert "Commis de cuisine" in html
    response = client.get("/trajets/article60/contrats/?date=2024-13-45&es=1&tri=-debut")
    assert response.status_code == 200
    assert "Saisissez une date valide." in response.content.decode()
    assert "Commis de cuisine" not in response.content.decode()  # today, social economy only


def test_occupancy_with_the_pools_read_once_matches_the_pool_queries(
    cpas_a, cpas_b, make_user, client_for
):
    """The occupancy page reads the CPAS's pools once and picks the pool in force itself:
    same pool as ``pool_le`` on every date (before the first pool, between two, a future one),
    another CPAS's pools ignored."""
    today = timezone.localdate()
    for valable_du, total in ((D(2024, 1, 1), 5), (today.replace(day=1), 7), (today + 45 * J, 9)):
        PoolArticle60.objects.create(cpas=cpas_a, valable_du=valable_du, postes_total=total)
    PoolArticle60.objects.create(cpas=cpas_b, valable_du=D(2023, 1, 1), postes_total=99)
    ContratFactory(beneficiaire__cpas=cpas_a, debut=today - 100 * J, fin_prevue=today + 30 * J)
    pools = list(PoolArticle60.objects.filter(cpas=cpas_a).order_by("-valable_du"))
    for date in (D(2023, 6, 1), D(2024, 1, 1), today - J, today, today + 45 * J, today + 400 * J):
        assert queries.occupation_le(cpas_a.pk, date, pools) == queries.occupation_le(
            cpas_a.pk, date
        )
    assert queries.barres_occupation(cpas_a.pk, today, pools=pools) == (
        queries.barres_occupation(cpas_a.pk, today)
    )
    page = client_for(make_user(Role.COORDINATEUR, cpas_a)).get("/trajets/article60/")
    assert page.context["occupation"] == queries.occupation_le(cpas_a.pk, today)
    assert page.context["par_mois"] == queries.barres_occupation(cpas_a.pk, today)
    assert page.context["pools"] == pools


# The template loops the posts page's rows replaced (written in Python by the view since).
ANCIENNES_BOUCLES = {
    "barres_mois": """{% for r in par_mois %}<rect x="{{ r.x }}" y="{{ r.y }}" width="8" height="{{ r.hauteur }}" fill="{% if r.futur %}#9ec5fe{% elif r.total and r.occupes > r.total %}#dc3545{% else %}#0d6efd{% endif %}"><title>{% blocktranslate with quoi=r.mois|date:"m/Y" valeur=r.occupes %}{{ quoi }} : {{ valeur }}{% endblocktranslate %}</title></rect>
    {% if r.y_pool is not None %}<line x1="{{ r.x }}" x2="{{ r.x|add:9 }}" y1="{{ r.y_pool }}" y2="{{ r.y_pool }}" stroke="#fd7e14" stroke-width="0.8"></line>{% endif %}{% endfor %}""",  # noqa: E501
    "lignes_mois": """{% for r in par_mois %}<tr class="{% if r.futur %}text-muted{% endif %}{% if r.total and r.occupes > r.total %} table-warning{% endif %}">
    <td>{{ r.mois|date:"F Y"|capfirst }}{% if r.futur %} ({% translate "prévu" %}){% endif %}</td>
    <td class="text-end"><a href="{% url 'trajets:contrats_liste' %}?date={{ r.mois|date:'Y-m-d' }}">{{ r.occupes }}</a></td>
    <td class="text-end"><a href="{% url 'trajets:contrats_liste' %}?date={{ r.mois|date:'Y-m-d' }}&es=1">{{ r.occupes_es }}</a></td>
    <td class="text-end">{{ r.total|default_if_none:"—" }}</td><td class="text-end">{% if r.taux is not None %}{{ r.taux }} %{% endif %}</td></tr>{% endfor %}""",  # noqa: E501
    "lignes_finissant": """{% for c in finissant %}<tr><td>{% if c.personne_visible %}<a href="{% url 'trajets:contrat_detail' c.pk %}">{{ c.beneficiaire }}</a>{% else %}<span class="text-muted">{% translate "Personne hors de vos dossiers" %}</span>{% endif %}</td><td>{{ c.fonction }}</td><td>{{ c.utilisateur_affiche }}</td><td>{{ c.fin_prevue|date:"d/m/Y" }}</td></tr>
  {% endfor %}""",  # noqa: E501
    "lignes_a_cloturer": """{% for c in a_cloturer %}<tr><td>{% if c.personne_visible %}<a href="{% url 'trajets:contrat_detail' c.pk %}">{{ c.beneficiaire }}</a>{% else %}<span class="text-muted">{% translate "Personne hors de vos dossiers" %}</span>{% endif %}</td><td>{{ c.fonction }}</td><td>{{ c.utilisateur_affiche }}</td><td>{{ c.fin_prevue|date:"d/m/Y" }}</td></tr>{% endfor %}""",  # noqa: E501
}


@pytest.mark.parametrize("langue", ["fr", "nl"])
def test_occupancy_rows_written_in_python_are_the_template_loops_they_replaced(
    cpas_a, make_user, client_for, langue
):
    """Same HTML as the template loops (the chart's numbers as ``{% localize off %}`` writes
    them: with a dot, an SVG length, where the loop wrote ``10,0`` in French and Dutch): a
    pool exceeded then not, future months, a partner or an internal service, a person the
    user may not see (a director), texts to escape."""
    from django.template import Context, Template
    from django.utils import translation

    from tests.partenaires.factories import PartenaireFactory

    today = timezone.localdate()
    PoolArticle60.objects.create(cpas=cpas_a, valable_du=today - 200 * J, postes_total=2)
    PoolArticle60.objects.create(cpas=cpas_a, valable_du=today + 40 * J, postes_total=4)
    agent = make_user(Role.AGENT, cpas_a)
    partenaire = PartenaireFactory(nom="Resto & Co")
    cas = [
        ({"referent": agent, "nom": "<b>Gras</b>"}, {"fonction": "Aide <cuisine>"}, 20),
        ({}, {"partenaire": partenaire, "service_interne": ""}, 50),
        ({}, {}, -10),
        ({}, {"service_interne": "Crèche <Les Lutins>"}, -30),
    ]
    for personne, contrat, fin in cas:
        ContratFactory(
            beneficiaire=BeneficiaireFactory(cpas=cpas_a, **personne),
            debut=today - 300 * J,
            fin_prevue=today + fin * J,
            **contrat,
        )
    for role in (Role.COORDINATEUR, Role.DIRECTEUR):
        client = client_for(make_user(role, cpas_a))
        client.cookies["django_language"] = langue
        response = client.get("/trajets/article60/")
        context = response.context
        assert len(context["finissant"]) == 2 and len(context["a_cloturer"]) == 2
        html = response.content.decode()
        with translation.override(langue):
            for nom, boucle in ANCIENNES_BOUCLES.items():
                if nom == "barres_mois":
                    boucle = "{% load l10n %}{% localize off %}" + boucle + "{% endlocalize %}"
                donnees = {k: context[k] for k in ("par_mois", "finissant", "a_cloturer")}
                attendu = Template("{% load i18n %}" + boucle).render(Context(donnees))
                assert context[nom] == attendu and attendu in html, nom
        assert ("&lt;B&gt;GRAS&lt;/B&gt;" in html) == (role == Role.COORDINATEUR)
        assert ("hors de vos dossiers" in html) == (role == Role.DIRECTEUR and langue == "fr")
        assert "Resto &amp; Co" in html and "Crèche &lt;Les Lutins&gt;" in html
        assert "table-warning" in html and "#dc3545" in html and "#9ec5fe" in html
        # Each bar's tooltip as the language writes it (no space before the colon in Dutch).
        mois = f"{context['par_mois'][0]['mois']:%m/%Y}"
        separateur = " : " if langue == "fr" else ": "
        assert f"<title>{mois}{separateur}{context['par_mois'][0]['occupes']}</title>" in html


def test_occupancy_on_the_first_of_a_month_counts_each_contract_once(cpas_a):
    """Today and the months' bars come from one query over their dates; on the first of a
    month, today is also a month's date: its contracts were counted twice."""
    premier = D(2024, 3, 1)
    PoolArticle60.objects.create(cpas=cpas_a, valable_du=D(2024, 1, 1), postes_total=5)
    ContratFactory(beneficiaire__cpas=cpas_a, debut=D(2024, 1, 15), fin_prevue=D(2024, 6, 30))
    pools = list(PoolArticle60.objects.filter(cpas=cpas_a))
    occupation, par_mois = queries.occupation_et_barres(cpas_a.pk, premier, pools)
    assert occupation["occupes"] == 1 and occupation["libres"] == 4
    assert occupation == queries.occupation_le(cpas_a.pk, premier)
    assert [m["occupes"] for m in par_mois if m["mois"] == premier] == [1]


def test_posts_page_lists_in_plain_sql_are_the_orm_querysets(cpas_a, cpas_b):
    """``contrats_de_la_page`` (one plain SQL query) gives the contracts ending soon and the
    first contracts to close with their number, as ``contrats_finissant`` and
    ``premiers_a_cloturer`` (the ORM querysets) give them: same contracts, order, names
    (anonymised too), employer (partner or internal service); another CPAS's stay out."""
    from beneficiaires.models import Beneficiaire
    from tests.partenaires.factories import PartenaireFactory

    today = timezone.localdate()
    partenaire = PartenaireFactory(nom="Resto")
    for k, fin in enumerate([5, 20, 20, 90, -3, -40, -40, -200]):
        contrat = ContratFactory(
            beneficiaire=BeneficiaireFactory(cpas=cpas_a),
            debut=today - 300 * J,
            fin_prevue=today + fin * J,
            **({"partenaire": partenaire, "service_interne": ""} if k % 3 == 0 else {}),
        )
    Beneficiaire.objects.filter(pk=contrat.beneficiaire_id).update(anonymise_le=timezone.now())
    ContratFactory(beneficiaire=BeneficiaireFactory(cpas=cpas_b), fin_prevue=today + 5 * J)

    def orm(c):
        return (c.pk, c.beneficiaire_id, str(c.beneficiaire), c.beneficiaire.cpas_id) + (
            c.fonction,
            c.utilisateur_affiche,
            c.fin_prevue,
        )

    def sql(c):
        return (c.pk, c.beneficiaire_id, c.beneficiaire, c.personne_cpas_id) + (
            c.fonction,
            c.utilisateur_affiche,
            c.fin_prevue,
        )

    for limite in (2, 20):
        finissant, a_cloturer, nombre = queries.contrats_de_la_page(cpas_a.pk, today, limite=limite)
        premiers, n = queries.premiers_a_cloturer(cpas_a.pk, today, limite=limite)
        assert [sql(c) for c in a_cloturer] == [orm(c) for c in premiers] and nombre == n == 4
        # Ties on the planned end: by id here (the ORM's order leaves them to the plan).
        attendus = sorted(
            (orm(c) for c in queries.contrats_finissant(cpas_a.pk, today)),
            key=lambda t: (t[6], t[0]),
        )
        assert [sql(c) for c in finissant] == attendus and len(attendus) == 3
    assert any("Dossier anonymisé" in c.beneficiaire for c in a_cloturer)
    assert {c.utilisateur_affiche for c in finissant} == {"Resto", "Maison de repos"}


def test_occupancy_at_dates_is_the_running_contracts_count(cpas_a, cpas_b):
    """``_occupes_aux_dates`` (the running condition as the join's) counts, at each date, the
    contracts ``actifs_le`` gives, and those of them in the social economy: starts and ends on
    the date itself, actual ends before or after the planned one, a date without any contract
    (0, not missing), another CPAS's contracts left out."""
    from trajets.models import ContratArticle60

    cas = [
        (D(2024, 1, 1), D(2024, 6, 30), None, False),
        (D(2024, 3, 1), D(2024, 12, 31), D(2024, 4, 15), True),
        (D(2024, 3, 1), D(2024, 3, 31), D(2024, 5, 31), True),
        (D(2024, 5, 1), D(2025, 4, 30), None, True),
        (D(2024, 6, 30), D(2024, 7, 31), None, False),
    ]
    for debut, fin_prevue, fin_reelle, es in cas:
        ContratFactory(
            beneficiaire=BeneficiaireFactory(cpas=cpas_a),
            debut=debut,
            fin_prevue=fin_prevue,
            fin_reelle=fin_reelle,
            motif_fin=MotifSortie.objects.get(code="abandon") if fin_reelle else None,
            economie_sociale=es,
        )
    ContratFactory(beneficiaire=BeneficiaireFactory(cpas=cpas_b), debut=D(2024, 1, 1))
    dates = [D(2023, 12, 1), D(2024, 1, 1), D(2024, 3, 1), D(2024, 4, 15), D(2024, 4, 16)]
    dates += [D(2024, 5, 31), D(2024, 6, 30), D(2024, 7, 1), D(2025, 4, 30), D(2025, 5, 1)]
    contrats = ContratArticle60.objects.filter(cpas=cpas_a)
    attendu = {
        d: (
            contrats.actifs_le(d).count(),
            contrats.actifs_le(d).filter(economie_sociale=True).count(),
        )
        for d in dates
    }
    assert queries._occupes_aux_dates(cpas_a.pk, dates) == attendu
    assert attendu[D(2023, 12, 1)] == (0, 0) and attendu[D(2024, 4, 15)] == (3, 2)


def test_posts_page_reads_the_pools_as_the_orm_does(cpas_a, cpas_b):
    """The posts page reads the CPAS's pools beside its counts (one round trip): the same pools,
    newest first, with every field, as the ORM queryset gave them; another CPAS's left out."""
    from cpas_isp import lots

    for k, (total, es) in enumerate([(5, 1), (8, 2), (3, 0)]):
        PoolArticle60.objects.create(
            cpas=cpas_a,
            valable_du=D(2024, 1 + 3 * k, 1),
            postes_total=total,
            postes_economie_sociale=es,
            commentaire=f"pool <{k}>",
        )
    PoolArticle60.objects.create(cpas=cpas_b, valable_du=D(2024, 2, 1), postes_total=9)
    attendus = list(PoolArticle60.objects.filter(cpas=cpas_a).order_by("-valable_du"))
    pools = lots.executer_ensemble([queries.requete_pools(cpas_a.pk)])[0]
    champs = [f.attname for f in PoolArticle60._meta.concrete_fields]

    def valeurs(pool):
        return [getattr(pool, c) for c in champs]

    assert [valeurs(p) for p in pools] == [valeurs(p) for p in attendus] and len(pools) == 3
    assert [str(p) for p in pools] == [str(p) for p in attendus]
    assert not any(p._state.adding for p in pools)
    # Today's occupancy and the bars are those of the pools given by the caller.
    today = D(2024, 8, 15)
    lues, occupation, barres = lots.executer_ensemble(
        [queries.requetes_occupation_et_barres(cpas_a.pk, today)]
    )[0]
    assert (occupation, barres) == queries.occupation_et_barres(cpas_a.pk, today, attendus)
    assert occupation["pool"] == attendus[0] and occupation["total"] == 3
