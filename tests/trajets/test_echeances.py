"""Mes échéances: the three kinds of item ordered and cut in SQL, links built once."""

import datetime

import pytest
from django.db import connection
from django.db.models import CharField, DateField, F, Q, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from beneficiaires.models import Beneficiaire
from cpas_isp.models import Role, libelle_bilingue
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.trajets.factories import EtapeFactory, PassageFactory, PiisFactory
from trajets import delais, queries, services
from trajets.models import EvaluationPiis, ObjectifPiis
from trajets.models.journal import Etape
from trajets.models.piis import Piis, StatutPiis

D = datetime.date


@pytest.fixture
def agent(cpas_a, make_user):
    return make_user(Role.AGENT, cpas_a, cellule="emploi")


def test_overdue_items_of_every_kind_are_ordered_and_cut_in_sql(
    cpas_a, agent, client_for, monkeypatch
):
    monkeypatch.setattr("trajets.views.files.TAILLE_ECHEANCES", 3)
    signee = BeneficiaireFactory(cpas=cpas_a, referent=agent, nom="Signee")
    piis = PiisFactory(beneficiaire=signee, agent=agent)
    ObjectifPiis.objects.create(cpas=piis.cpas, piis=piis, ordre=1, libelle="Obtenir le CESS")
    piis = services.proposer_piis(piis, D(2023, 11, 20), agent)
    # Evaluations planned on 29/02/2024, 30/05/2024, 30/08/2024 and 29/11/2024: all overdue.
    piis = services.signer_piis(piis, D(2023, 11, 30), agent, fin=D(2024, 11, 29))
    premiere = EvaluationPiis.objects.filter(piis=piis).order_by("date_prevue").first()
    brouillon = PiisFactory(
        beneficiaire=BeneficiaireFactory(cpas=cpas_a, referent=agent, nom="Brouillon"),
        agent=agent,
        date_decision_ris=D(2023, 11, 30),  # signature due 29/02/2024 (month end clamped)
    )
    EtapeFactory(
        beneficiaire=signee, auteur=agent, prochaine_action="Appeler", echeance=D(2024, 1, 10)
    )
    EtapeFactory(
        beneficiaire=signee,
        auteur=agent,
        prochaine_action="Plus tard",
        echeance=timezone.localdate() + datetime.timedelta(days=3),
    )
    html = client_for(agent).get("/trajets/echeances/").content.decode()
    assert "En retard (6)" in html and "(1)" in html
    retard = html[html.index("En retard") : html.index("30 prochains jours")]
    assert retard.index("Appeler") < retard.index("Évaluation du PIIS") < retard.index("Signature")
    assert retard.count("29/02/2024") == 2 and "30/05/2024" not in retard
    assert f'href="/trajets/evaluation/{premiere.pk}/"' in retard
    assert f'href="/trajets/piis/{brouillon.pk}/"' in retard
    assert "Page 1 sur 2" in retard and 'href="?retard=2"' in retard
    assert "Plus tard" in html[html.index("30 prochains jours") :]


def test_each_list_pages_on_its_own_and_the_log_names_the_people_shown(
    cpas_a, agent, client_for, monkeypatch
):
    """Every item can be reached: each list by its own pages (``?retard=`` / ``?avenir=``, the
    other list's page kept in the links), a junk number is the first page, one past the end
    or below 1 the last; the access log names the people of the lines shown only."""
    from cpas_isp.models import JournalAcces

    monkeypatch.setattr("trajets.views.files.TAILLE_ECHEANCES", 2)
    today = timezone.localdate()
    jour = datetime.timedelta(days=1)
    personnes = {}
    for n, ecart in enumerate((-5, -4, -3, -2, -1, 1, 2, 3)):
        personne = BeneficiaireFactory(cpas=cpas_a, referent=agent, nom=f"Echeance{n}")
        personnes[f"Action {n}"] = personne.pk
        EtapeFactory(
            beneficiaire=personne,
            auteur=agent,
            prochaine_action=f"Action {n}",
            echeance=today + ecart * jour,
        )
    client = client_for(agent)

    def listes(query):
        response = client.get("/trajets/echeances/" + query)
        assert response.status_code == 200
        html = response.content.decode()
        milieu = html.index("30 prochains jours")
        actions = [f"Action {n}" for n in range(8)]
        retard = [a for a in actions if a in html[:milieu]]
        venir = [a for a in actions if a in html[milieu:]]
        return html, retard, venir

    html, retard, venir = listes("")
    assert retard == ["Action 0", "Action 1"] and venir == ["Action 5", "Action 6"]
    assert "En retard (5)" in html and "Dans les 30 prochains jours (3)" in html
    assert 'aria-label="Pages des échéances en retard"' in html
    assert 'aria-label="Pages des échéances des 30 prochains jours"' in html
    ligne = JournalAcces.objects.filter(user=agent).latest("quand")
    attendus = {personnes[a] for a in retard + venir}
    assert set(ligne.personnes) == attendus

    html, retard, venir = listes("?retard=2&avenir=2")
    assert retard == ["Action 2", "Action 3"] and venir == ["Action 7"]
    # Each list's links keep the other's page.
    assert 'href="?retard=1&amp;avenir=2"' in html and 'href="?retard=3&amp;avenir=2"' in html
    assert 'href="?retard=2&amp;avenir=1"' in html
    assert "Page 2 sur 3" in html and "Page 2 sur 2" in html

    for query, attendu in (
        ("?retard=3", ["Action 4"]),
        ("?retard=99", ["Action 4"]),
        ("?retard=0", ["Action 4"]),
        ("?retard=-1", ["Action 4"]),
        (f"?retard={2**70}", ["Action 4"]),
        ("?retard=abc", ["Action 0", "Action 1"]),
        ("?retard=%00", ["Action 0", "Action 1"]),
    ):
        assert listes(query)[1] == attendu, query


def test_rows_escape_what_people_typed_and_keep_the_done_button(cpas_a, agent, client_for):
    """The rows are written in Python (not by a template loop): names and texts stay escaped,
    an action keeps its step's type and date and its "Fait" button."""
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent, nom="<b>Gras</b>", prenom="A&B")
    etape = EtapeFactory(
        beneficiaire=b,
        auteur=agent,
        prochaine_action='<script>alert("x")</script>',
        echeance=timezone.localdate() + datetime.timedelta(days=2),
    )
    html = client_for(agent).get("/trajets/echeances/").content.decode()
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert "&lt;B&gt;GRAS&lt;/B&gt; A&amp;B" in html
    assert f'<span id="action-{etape.pk}"><button' in html
    assert f'hx-post="/trajets/etape/{etape.pk}/fait/"' in html
    assert f"{etape.date:%d/%m/%Y}" in html
    # The buttons' column is named for screen readers (axe: empty-table-header).
    assert '<th scope="col"><span class="visually-hidden">Actions</span></th>' in html


def _requetes_orm(user, jusqu_au, limite_alerte, visibles):
    """The ORM querysets the SQL of ``queries._sql_echeances_trajets`` replaced (as they were),
    with the other apps' kinds."""
    # The step type's label in the active language (as ListeReference.libelle).
    libelle_type = "type__libelle_nl" if libelle_bilingue(False, True) else "type__libelle_fr"
    actions = (
        Etape.objects.for_user(user)
        .actions_ouvertes()
        .filter(echeance__lte=jusqu_au)
        .filter(Q(auteur=user) | Q(beneficiaire__referent=user))
        .filter(beneficiaire__in=visibles)
        .annotate(
            quand=F("echeance"),
            genre=Value("action", output_field=CharField()),
            libelle=Cast("prochaine_action", CharField()),
            personne_id=F("beneficiaire_id"),
            personne_nom=F("beneficiaire__nom"),
            personne_prenom=F("beneficiaire__prenom"),
            objet_id=F("pk"),
            type_libelle=Cast(libelle_type, CharField()),
            etape_date=F("date"),
        )
    )
    evaluations = (
        EvaluationPiis.objects.for_user(user)
        .a_faire()
        .filter(piis__statut=StatutPiis.SIGNE, date_prevue__lte=jusqu_au)
        .filter(piis__beneficiaire__referent=user)  # who follows the person: the referent
        .filter(piis__beneficiaire__in=visibles)
        .annotate(
            quand=F("date_prevue"),
            genre=Value("evaluation", output_field=CharField()),
            libelle=Value("", output_field=CharField()),
            personne_id=F("piis__beneficiaire_id"),
            personne_nom=F("piis__beneficiaire__nom"),
            personne_prenom=F("piis__beneficiaire__prenom"),
            objet_id=F("pk"),
            type_libelle=Value("", output_field=CharField()),
            etape_date=Value(None, output_field=DateField()),
        )
    )
    # Due 3 months after the RIS decision: PostgreSQL's month arithmetic clamps to the end
    # of shorter months like relativedelta (delais.signature_due_le).
    signatures = (
        Piis.objects.for_user(user)
        .filter(statut__in=[StatutPiis.BROUILLON, StatutPiis.PROPOSE], avenant_de__isnull=True)
        .filter(date_decision_ris__lte=limite_alerte)
        .filter(beneficiaire__referent=user)
        .filter(beneficiaire__in=visibles)
        .annotate(
            quand=RawSQL(
                f"({Piis._meta.db_table}.date_decision_ris + make_interval(months => %s))::date",
                [delais.MOIS_SIGNATURE],
                output_field=DateField(),
            ),
            genre=Value("signature", output_field=CharField()),
            libelle=Value("", output_field=CharField()),
            personne_id=F("beneficiaire_id"),
            personne_nom=F("beneficiaire__nom"),
            personne_prenom=F("beneficiaire__prenom"),
            objet_id=F("pk"),
            type_libelle=Value("", output_field=CharField()),
            etape_date=Value(None, output_field=DateField()),
        )
    )
    autres = [src.requete(user, jusqu_au, visibles) for src in queries.SOURCES_ECHEANCES.values()]
    # No ORDER BY inside the UNION (the models' default orderings): the whole is sorted once.
    return [
        qs.order_by().values_list(*queries.COLONNES_ECHEANCE)
        for qs in (actions, evaluations, signatures, *autres)
    ]


def _reference(user, date, horizon=30):
    """Every item as the plain ORM gives it: each kind evaluated on its own, the need-to-know
    rule as the ``visibles_par`` queryset (no CTE, no UNION, no window, no SQL by hand)."""
    visibles = Beneficiaire.objects.visibles_par(user).values("pk")
    lignes = []
    for qs in _requetes_orm(
        user, date + datetime.timedelta(days=horizon), date - delais.ALERTE_SIGNATURE, visibles
    ):
        lignes.extend(qs)
    # The other apps' kinds leave the person's names NULL (queries.NOM_LU_APRES): the page
    # reads them from the person.
    noms = dict(
        (pk, (nom, prenom))
        for pk, nom, prenom in Beneficiaire.objects.filter(
            pk__in={ligne[3] for ligne in lignes if ligne[4] is None}
        ).values_list("pk", "nom", "prenom")
    )
    lignes = [
        (*ligne[:4], *noms[ligne[3]], *ligne[6:]) if ligne[4] is None else ligne for ligne in lignes
    ]
    lignes.sort(key=lambda ligne: (ligne[0], ligne[1], ligne[6]))
    return lignes


def _lignes(items):
    """The items back in the columns of COLONNES_ECHEANCE (as the reference gives them)."""
    return [
        (
            i.date,
            i.genre,
            i.libelle,
            i.beneficiaire_id,
            i.personne,
            i.objet_id,
            i.type_libelle,
            i.etape_date,
        )
        for i in items
    ]


def _attendu(lignes):
    return [queries._echeance(ligne) for ligne in lignes]


def _perimetre(cpas_a, cpas_b, agent, make_user):
    """The users and people of the need-to-know scope (the agent's cellule: emploi): a
    colleague (no cellule) and a coordinator; the agent's person, a colleague's person in the
    cellule, one who left it yesterday, one never in it, and the agent's person of another
    CPAS."""
    today, jour = timezone.localdate(), datetime.timedelta(days=1)
    collegue = make_user(Role.AGENT, cpas_a)
    coordinateur = make_user(Role.COORDINATEUR, cpas_a)
    suivi = BeneficiaireFactory(cpas=cpas_a, referent=agent, nom="Suivi")
    cellule = BeneficiaireFactory(cpas=cpas_a, referent=collegue, nom="Cellule")
    PassageFactory(beneficiaire=cellule, phase="emploi", debut=today - 40 * jour)
    parti = BeneficiaireFactory(cpas=cpas_a, referent=collegue, nom="Parti")
    PassageFactory(beneficiaire=parti, phase="emploi", debut=today - 90 * jour, fin=today - jour)
    hors_cellule = BeneficiaireFactory(cpas=cpas_a, referent=collegue, nom="Hors")
    ailleurs = BeneficiaireFactory(cpas=cpas_b, referent=agent, nom="Ailleurs")
    return collegue, coordinateur, suivi, cellule, parti, hors_cellule, ailleurs


def test_items_match_a_plain_orm_version_and_keep_the_need_to_know_scope(
    cpas_a, cpas_b, agent, make_user
):
    """The SQL by hand and the visible people computed once (a CTE) give exactly the rows of
    the plain ORM querysets, every column: a person neither referred nor in the agent's
    cellule drops out, even with steps the agent wrote."""
    today, jour = timezone.localdate(), datetime.timedelta(days=1)
    collegue, coordinateur, suivi, cellule, parti, hors_cellule, ailleurs = _perimetre(
        cpas_a, cpas_b, agent, make_user
    )
    attendus = {
        EtapeFactory(
            beneficiaire=suivi, auteur=agent, prochaine_action="a", echeance=today - 9 * jour
        ).pk,
        EtapeFactory(beneficiaire=suivi, auteur=collegue, prochaine_action="b", echeance=today).pk,
        EtapeFactory(
            beneficiaire=cellule, auteur=agent, prochaine_action="c", echeance=today + 5 * jour
        ).pk,
    }
    EtapeFactory(
        beneficiaire=suivi, auteur=agent, prochaine_action="loin", echeance=today + 31 * jour
    )
    EtapeFactory(beneficiaire=cellule, auteur=collegue, prochaine_action="d", echeance=today)
    pas_vu = EtapeFactory(beneficiaire=parti, auteur=agent, prochaine_action="e", echeance=today)
    EtapeFactory(beneficiaire=ailleurs, auteur=agent, prochaine_action="f", echeance=today)
    fait = EtapeFactory(beneficiaire=suivi, auteur=agent, prochaine_action="g", echeance=today)
    services.marquer_action_faite(fait)
    brouillon = PiisFactory(beneficiaire=suivi, agent=agent, date_decision_ris=today - 200 * jour)
    PiisFactory(beneficiaire=parti, agent=agent, date_decision_ris=today - 200 * jour)
    PiisFactory(beneficiaire=suivi, agent=agent, date_decision_ris=today - 10 * jour)  # not yet
    for personne, auteur in ((suivi, agent), (cellule, collegue)):
        piis = PiisFactory(beneficiaire=personne, agent=auteur)
        ObjectifPiis.objects.create(cpas=piis.cpas, piis=piis, ordre=1, libelle="Objectif")
        piis = services.proposer_piis(piis, D(2023, 11, 20), auteur)
        services.signer_piis(piis, D(2023, 11, 30), auteur, fin=D(2024, 11, 29))

    items = queries.mes_echeances(agent)
    assert items and _lignes(items) == _lignes(_attendu(_reference(agent, today)))
    actions = {i.objet_id for i in items if i.genre == "action"}
    assert actions == attendus and pas_vu.pk not in actions
    assert [i.objet_id for i in items if i.genre == "signature"] == [brouillon.pk]
    assert len([i for i in items if i.genre == "evaluation"]) == 4  # suivi's, not cellule's
    par_statut = queries.echeances_par_statut(agent, limite=1)
    assert par_statut["n_en_retard"] == len([i for i in items if i.date < today])
    assert par_statut["n_a_venir"] == len([i for i in items if i.date >= today])
    assert [i.objet_id for i in par_statut["en_retard"]] == [items[0].objet_id]
    for user in (collegue, coordinateur):
        assert _lignes(queries.mes_echeances(user)) == _lignes(_attendu(_reference(user, today)))
    assert queries.mes_echeances(make_user(Role.PARTENAIRE, cpas_a)) == []


def test_the_other_apps_items_are_those_of_my_people_and_mine_of_others_i_may_see(
    cpas_a, cpas_b, agent, make_user
):
    """ESF+ follow-ups (another app's kind, read from the people the user refers and checked
    one by one for others): every follow-up of a person I refer, whoever's it is; mine of a
    person of my cellule; none of a person who left it, of a colleague's person outside my
    cellule or of another CPAS; the same lines as the plain ORM for every role."""
    from activites.models import SuiviFse

    today, jour = timezone.localdate(), datetime.timedelta(days=1)
    collegue, coordinateur, suivi, cellule, parti, hors_cellule, ailleurs = _perimetre(
        cpas_a, cpas_b, agent, make_user
    )

    def suivi_fse(personne, par, ecart, projet):
        return SuiviFse.objects.create(
            cpas=personne.cpas,
            beneficiaire=personne,
            numero_projet=projet,
            type_suivi="sortie",
            date_sortie=today - 30 * jour,
            echeance=today + ecart * jour,
            agent=par,
        ).pk

    attendus = {
        suivi_fse(suivi, collegue, -3, "P-suivi-collegue"),
        suivi_fse(suivi, agent, 2, "P-suivi-moi"),
        suivi_fse(cellule, agent, 5, "P-cellule-moi"),
    }
    suivi_fse(cellule, collegue, 1, "P-cellule-collegue")
    suivi_fse(parti, agent, 1, "P-parti-moi")
    suivi_fse(hors_cellule, agent, 1, "P-hors-moi")
    suivi_fse(ailleurs, agent, 1, "P-ailleurs-moi")

    items = queries.mes_echeances(agent)
    assert {i.objet_id for i in items if i.genre == "suivi_fse"} == attendus
    assert _lignes(items) == _lignes(_attendu(_reference(agent, today)))
    par_statut = queries.echeances_par_statut(agent)
    assert (par_statut["n_en_retard"], par_statut["n_a_venir"]) == (1, 2)
    for user in (collegue, coordinateur):
        assert _lignes(queries.mes_echeances(user)) == _lignes(_attendu(_reference(user, today)))
    # The colleague's: every follow-up of their people, none of mine (outside their sight,
    # even the one that is theirs).
    assert {i.objet_id for i in queries.mes_echeances(collegue)} == set(
        SuiviFse.objects.filter(beneficiaire__referent=collegue).values_list("pk", flat=True)
    )


def test_the_statement_is_built_once_per_key_and_follows_the_membership_and_language(
    cpas_a, agent, make_user, client_for, monkeypatch
):
    """The statement (the rule's and every kind's SQL) is built once per user, membership,
    language and day (``queries._UNIONS``): the same page again builds nothing; the agent
    moved to another cellule the same day sees that cellule's people at once, and the Dutch
    page the step types' Dutch labels."""
    today = timezone.localdate()
    collegue = make_user(Role.AGENT, cpas_a)
    lignes = {}
    for phase, action in (("emploi", "Pour emploi"), ("alpha", "Pour alpha")):
        personne = BeneficiaireFactory(cpas=cpas_a, referent=collegue, nom=phase)
        PassageFactory(beneficiaire=personne, phase=phase, debut=today - datetime.timedelta(40))
        lignes[phase] = EtapeFactory(
            beneficiaire=personne, auteur=agent, prochaine_action=action, echeance=today
        )
    construites = []
    compiler = queries._compiler_union
    monkeypatch.setattr(
        queries, "_compiler_union", lambda *args: construites.append(args) or compiler(*args)
    )
    client = client_for(agent)

    def actions():
        html = client.get("/trajets/echeances/").content.decode()
        return [a for a in ("Pour emploi", "Pour alpha") if a in html]

    assert actions() == ["Pour emploi"] and len(construites) == 1
    assert actions() == ["Pour emploi"] and len(construites) == 1
    agent.memberships.update(cellule=cpas_a.cellules.get(code="alpha"))
    assert actions() == ["Pour alpha"] and len(construites) == 2
    type_etape = lignes["alpha"].type
    with translation.override("nl"):
        assert [i.type_libelle for i in queries.mes_echeances(agent)] == [type_etape.libelle_nl]
    with translation.override("fr"):
        assert [i.type_libelle for i in queries.mes_echeances(agent)] == [type_etape.libelle_fr]
    assert type_etape.libelle_nl != type_etape.libelle_fr


def test_each_list_is_cut_on_its_own_rank_whatever_the_limit(cpas_a, agent):
    """One ranking of every item gives both lists (a coming item's rank is its rank less the
    overdue count): for every limit, each list is the first items of its kind of the full
    ordered list, and the counts are the full ones."""
    today = timezone.localdate()
    jour = datetime.timedelta(days=1)
    for n in range(4):
        personne = BeneficiaireFactory(cpas=cpas_a, referent=agent, nom=f"P{n}")
        for ecart in (-20 + n, -3, 0, 2 + n, 25):
            EtapeFactory(
                beneficiaire=personne,
                auteur=agent,
                prochaine_action="x",
                echeance=today + ecart * jour,
            )
        PiisFactory(beneficiaire=personne, agent=agent, date_decision_ris=today - (95 + n) * jour)
    items = queries.mes_echeances(agent)
    retard = [i for i in items if i.date < today]
    venir = [i for i in items if i.date >= today]
    assert len(retard) == 12 and len(venir) == 12
    for limite in (0, 1, 3, 11, 12, 13, 50):
        par_statut = queries.echeances_par_statut(agent, limite=limite)
        assert _lignes(par_statut["en_retard"]) == _lignes(retard[:limite])
        assert _lignes(par_statut["a_venir"]) == _lignes(venir[:limite])
        if limite:
            assert (par_statut["n_en_retard"], par_statut["n_a_venir"]) == (12, 12)


def test_the_statement_is_sent_without_the_history_context(cpas_a, agent, client_for):
    """pghistory prefixes with its set_config any statement that does not start with SELECT (a
    write may follow): the page's statements, reads prepared on the connection (a PREPARE, or
    an EXECUTE once prepared by an earlier page), are sent without it."""
    personne = BeneficiaireFactory(cpas=cpas_a, referent=agent)
    EtapeFactory(
        beneficiaire=personne,
        auteur=agent,
        prochaine_action="x",
        echeance=timezone.localdate(),
    )
    with CaptureQueriesContext(connection) as ctx:
        html = client_for(agent).get("/trajets/echeances/").content.decode()
    assert 'hx-target="#action-' in html
    lectures = [
        q["sql"]
        for q in ctx.captured_queries
        if "echeances_suivis" in q["sql"] or "EXECUTE" in q["sql"]
    ]
    assert lectures and all("set_config" not in sql for sql in lectures)


@pytest.mark.parametrize("role", [Role.AGENT, Role.COORDINATEUR])
def test_the_other_apps_kinds_merge_into_the_lists_as_one_statement_gives_them(
    cpas_a, agent, make_user, role
):
    """The other apps' kinds (here ESF+ follow-ups) are a statement of their own: for every
    limit, each list is still the first items of its status of the whole ordered list (this
    app's and the other kinds interleaved, ties on the date broken by the kind, then the
    object), and the counts are those of every kind, in French and in Dutch."""
    from activites.models import SuiviFse

    user = agent if role == Role.AGENT else make_user(role, cpas_a)
    today = timezone.localdate()
    jour = datetime.timedelta(days=1)
    for n in range(3):
        personne = BeneficiaireFactory(cpas=cpas_a, referent=user, nom=f"P{n}")
        for ecart in (-9 + n, -2, 0, 3 + n):
            EtapeFactory(
                beneficiaire=personne,
                auteur=user,
                prochaine_action="x",
                echeance=today + ecart * jour,
            )
        for type_suivi, ecart in (("sortie", -2 - n), ("six_mois", 3)):
            SuiviFse.objects.create(
                cpas=cpas_a,
                beneficiaire=personne,
                numero_projet="P-1",
                type_suivi=type_suivi,
                date_sortie=today - 30 * jour,
                echeance=today + ecart * jour,
                agent=user,
            )
        PiisFactory(beneficiaire=personne, agent=user, date_decision_ris=today - (92 - n) * jour)
    for langue in ("fr", "nl"):
        with translation.override(langue):
            items = queries.mes_echeances(user)
            retard = [i for i in items if i.date < today]
            venir = [i for i in items if i.date >= today]
            genres = {i.genre for i in items}
            assert genres == {"action", "signature", "suivi_fse"}
            # Both statuses mix the kinds, with ties on the date across kinds.
            for statut in (retard, venir):
                assert {"action", "suivi_fse"} <= {i.genre for i in statut}
                dates = [(i.date, i.genre) for i in statut]
                assert len({d for d, _ in dates}) < len(set(dates))
            assert len(retard) >= 10 and len(venir) >= 10
            for limite in (0, 1, 2, 3, 4, 5, 7, 11, 12, 13, 50):
                par_statut = queries.echeances_par_statut(user, limite=limite)
                assert _lignes(par_statut["en_retard"]) == _lignes(retard[:limite])
                assert _lignes(par_statut["a_venir"]) == _lignes(venir[:limite])
                if limite:
                    assert (par_statut["n_en_retard"], par_statut["n_a_venir"]) == (
                        len(retard),
                        len(venir),
                    )


# The template loop the rows replaced (trajets/_echeances_table.html before they were written in
# Python), with the whitespace the rows have had since.
ANCIENNE_BOUCLE = """{% load i18n %}{% for i in items %}<tr class="{% if retard %}table-danger{% endif %}">
  <td>{{ i.date|date:"d/m/Y" }}</td>
  <td><a href="{{ i.url_personne }}">{{ i.personne }}</a></td>
  <td>{% if i.genre == "action" %}{{ i.libelle }} <span class="text-muted small">({{ i.type_libelle }} {{ i.etape_date|date:"d/m/Y" }})</span>{% else %}<a href="{{ i.url_objet }}">{{ i.libelle }}</a>{% endif %}</td>
  <td class="text-end">{% if i.genre == "action" %}<span id="action-{{ i.objet_id }}"><button class="btn btn-outline-success btn-sm" hx-post="{{ i.url_objet }}" hx-target="#action-{{ i.objet_id }}">{% translate "Fait" %}</button></span>{% endif %}</td>
</tr>{% endfor %}"""  # noqa: E501


@pytest.mark.parametrize("langue", ["fr", "nl"])
def test_rows_written_in_python_are_the_template_loop_they_replaced(cpas_a, agent, langue):
    """Same HTML as the template loop, byte for byte, for every kind of item (an action, a
    PIIS evaluation and signature, an ESF+ follow-up), overdue and coming, with texts and
    names to escape."""
    from django.template import Context, Template

    from activites.models import SuiviFse
    from trajets.views import files

    today = timezone.localdate()
    jour = datetime.timedelta(days=1)
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent, nom="<b>Gras</b>", prenom="A&B")
    for ecart, texte in ((-3, 'Appeler "Léa" <vite>'), (4, "Envoyer l'attestation & CV")):
        EtapeFactory(
            beneficiaire=b, auteur=agent, prochaine_action=texte, echeance=today + ecart * jour
        )
    piis = PiisFactory(beneficiaire=b, agent=agent)
    ObjectifPiis.objects.create(cpas=piis.cpas, piis=piis, ordre=1, libelle="Objectif")
    piis = services.proposer_piis(piis, today - 200 * jour, agent)
    services.signer_piis(piis, today - 190 * jour, agent, fin=today + 170 * jour)
    autre = BeneficiaireFactory(cpas=cpas_a, referent=agent, nom="Zed")
    PiisFactory(beneficiaire=autre, agent=agent, date_decision_ris=today - 95 * jour)
    SuiviFse.objects.create(
        cpas=cpas_a,
        beneficiaire=autre,
        numero_projet="P<1>",
        type_suivi="sortie",
        date_sortie=today - 30 * jour,
        echeance=today + 2 * jour,
        agent=agent,
    )
    with translation.override(langue):
        donnees = queries.echeances_par_statut(agent)
        retard, venir = donnees["en_retard"], donnees["a_venir"]
        assert {i.genre for i in retard + venir} == {
            "action",
            "evaluation",
            "signature",
            "suivi_fse",
        }
        assert {i.genre for i in retard} >= {"action", "evaluation"}
        files._ajouter_liens(retard + venir)
        boucle = Template(ANCIENNE_BOUCLE)
        for items, classe in ((retard, "table-danger"), (venir, "")):
            attendu = boucle.render(Context({"items": items, "retard": bool(classe)}))
            assert str(files._lignes(items, classe)) == attendu
