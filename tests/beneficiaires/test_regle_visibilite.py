"""The need-to-know rule written for the planner (``pk IN (people I refer UNION people of my
cellule)``) finds exactly the people of the plain condition ``cpas = mine AND (referent = me OR
pk IN (people of my cellule))``, for every role, on hand-built edge cases."""

import datetime

import pytest
from django.core.exceptions import EmptyResultSet
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from beneficiaires import hooks
from beneficiaires.models import Beneficiaire
from beneficiaires.models.personnes import sql_ids_visibles, voit_ses_dossiers
from beneficiaires.permissions import peut_voir_beneficiaire
from cpas_isp import permissions as p
from cpas_isp.models import Cellule, Role
from cpas_isp.tenancy import current_membership
from tests.beneficiaires.factories import BeneficiaireFactory, DroitFactory
from tests.beneficiaires.helpers import LISTE, detail_url
from tests.trajets.factories import PassageFactory
from trajets import queries as trajets_queries
from trajets.models import PassagePhase

# Registered by the apps at start-up, before this suite's autouse fixture sets them aside.
EXTENSIONS_REELLES = list(hooks._caseload)


def regle_simple(user):
    """The rule as first written: one OR over the person table (reference for the test)."""
    membership = current_membership(user)
    if membership is None or not p.peut_suivre_beneficiaires(user):
        return set()
    qs = Beneficiaire.objects.filter(cpas_id=membership.cpas_id)
    if not p.peut_voir_tous_les_dossiers(user):
        condition = Q(referent=user)
        if membership.cellule_id:
            for func in hooks._cellule_filters:
                condition |= Q(pk__in=func(qs, membership.cellule).values("pk"))
        qs = qs.filter(condition)
    return set(qs.values_list("pk", flat=True))


@pytest.fixture
def monde(cpas_a, cpas_b, make_user):
    aujourd_hui = timezone.localdate()
    hier = aujourd_hui - datetime.timedelta(days=1)
    demain = aujourd_hui + datetime.timedelta(days=1)
    agent = make_user(Role.AGENT, cpas_a, cellule="emploi")
    collegue = make_user(Role.AGENT, cpas_a, cellule="alpha")
    sans_cellule = make_user(Role.AGENT, cpas_a)
    agent_b = make_user(Role.AGENT, cpas_b, cellule="emploi")
    # A cellule a CPAS added, serving no phase: only the people the agent refers.
    accueil = Cellule.objects.create(cpas=cpas_a, code="accueil", nom_fr="Accueil", ordre=9)
    agent_accueil = make_user(Role.AGENT, cpas_a, cellule=accueil)
    users = [
        agent,
        collegue,
        sans_cellule,
        agent_b,
        agent_accueil,
        make_user(Role.COORDINATEUR, cpas_a),
        make_user(Role.DIRECTEUR, cpas_a),
        make_user(Role.PARTENAIRE, cpas_a),
        make_user(Role.ADMIN, cpas_a),
    ]

    def personne(cpas=cpas_a, referent=None, passages=()):
        b = BeneficiaireFactory(cpas=cpas, referent=referent)
        for phase, debut, fin in passages:
            PassageFactory(beneficiaire=b, phase=phase, debut=debut, fin=fin)
        return b

    debut = aujourd_hui - datetime.timedelta(days=100)
    personne(referent=agent)  # referent only
    personne(passages=[("emploi", debut, None)])  # cellule only
    personne(referent=agent, passages=[("emploi", debut, None)])  # both
    personne(referent=collegue, passages=[("emploi", debut, aujourd_hui)])  # ends today
    personne(passages=[("emploi", debut, hier)])  # stay ended yesterday
    personne(passages=[("emploi", demain, None)])  # stay starts tomorrow
    personne(passages=[("emploi", debut, hier), ("alpha", aujourd_hui, None)])  # moved on
    personne(passages=[("alpha", debut, None)])  # another cellule
    personne(referent=sans_cellule)
    personne(referent=agent_accueil, passages=[("alpha", debut, None)])
    personne(referent=agent, passages=[("alpha", debut, None)], cpas=cpas_a)
    personne()  # nobody's
    personne(cpas=cpas_b, passages=[("emploi", debut, None)])  # another CPAS
    personne(cpas=cpas_b, referent=agent_b)
    # A stay recorded in another CPAS than its person: the database refuses it
    # (test_a_stay_carries_its_persons_cpas). An agent of CPAS A whose membership names a
    # cellule of CPAS B (refused by the form only): their CPAS decides, as in the plain rule.
    users.append(make_user(Role.AGENT, cpas_a, cellule=cpas_b.cellules.get(code="emploi")))
    return users


def ids_sql(user):
    """The people of the ids-only form of the rule (``sql_ids_visibles``)."""
    try:
        sql, params = sql_ids_visibles(user)
    except EmptyResultSet:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {pk for (pk,) in cursor.fetchall()}


@pytest.fixture
def filtre_trajets(monkeypatch):
    """The real cellule filter trajets registers (with its ids function)."""
    monkeypatch.setattr(hooks, "_cellule_filters", [trajets_queries.filtrer_par_cellule])
    assert trajets_queries.filtrer_par_cellule in hooks._cellule_personnes


def test_union_rule_finds_the_people_of_the_plain_rule(monde, filtre_trajets):
    vus = {}
    for user in monde:
        attendu = regle_simple(user)
        visibles = Beneficiaire.objects.visibles_par(user)
        assert set(visibles.values_list("pk", flat=True)) == attendu, user
        assert ids_sql(user) == attendu, user
        # Same people one by one (the per-object predicate and a lookup by pk).
        for b in Beneficiaire.objects.all():
            assert peut_voir_beneficiaire(user, b) is (b.pk in attendu), (user, b)
            assert visibles.filter(pk=b.pk).exists() is (b.pk in attendu), (user, b)
        vus[user.username] = len(attendu)
    agent = monde[0]
    # Referent only (twice: one in another cellule), cellule only, both, the stay ending today.
    assert len(regle_simple(agent)) == 5
    assert Beneficiaire.objects.visibles_par(agent).count() == 5
    # The ids-only form of an agent of a cellule: the union without the person table's check
    # (the stays carry their person's CPAS); the agent with a cellule of another CPAS keeps it.
    cellule_ailleurs = monde[-1]
    assert ids_sql(cellule_ailleurs) == regle_simple(cellule_ailleurs) == set()
    verification = '"beneficiaires_beneficiaire"."id" IN'
    assert verification not in sql_ids_visibles(agent)[0]
    assert verification in sql_ids_visibles(cellule_ailleurs)[0]


def test_the_people_a_user_refers_are_visible_exactly_when_the_rule_says_so(monde, filtre_trajets):
    """``voit_ses_dossiers``: Mes échéances reads the people a user refers without checking
    each against the rule when it says they are all visible."""
    for user in monde:
        BeneficiaireFactory(cpas=current_membership(user).cpas, referent=user)
    for user in monde:
        referes = set(
            Beneficiaire.objects.filter(
                cpas_id=current_membership(user).cpas_id, referent=user
            ).values_list("pk", flat=True)
        )
        assert referes, user
        assert voit_ses_dossiers(user) is (referes <= regle_simple(user)), user
    assert not voit_ses_dossiers(monde[6])  # a director refers someone and sees no file


def test_a_stay_carries_its_persons_cpas(cpas_a, cpas_b):
    """The database refuses a stay in another CPAS than its person's (the composite foreign key
    the rule's ids-only form relies on), at the commit like Django's foreign keys."""
    b = BeneficiaireFactory(cpas=cpas_a)
    passage = PassageFactory(beneficiaire=b, phase="emploi", debut=timezone.localdate())
    with pytest.raises(IntegrityError), transaction.atomic():
        PassagePhase.objects.create(
            cpas=cpas_b,
            beneficiaire=BeneficiaireFactory(cpas=cpas_a),
            phase="emploi",
            debut=timezone.localdate(),
        )
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with pytest.raises(IntegrityError), transaction.atomic():
        PassagePhase.objects.filter(pk=passage.pk).update(cpas=cpas_b)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with pytest.raises(IntegrityError), transaction.atomic():
        Beneficiaire.objects.filter(pk=b.pk).update(cpas=cpas_b)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_union_rule_with_a_filter_registered_without_ids(monde, monkeypatch):
    """A cellule filter registered without an ids function is applied to the CPAS's people."""

    def filtre(queryset, cellule):
        return queryset.filter(
            pk__in=PassagePhase.objects.filter(phase=cellule.code).values("beneficiaire_id")
        )

    monkeypatch.setattr(hooks, "_cellule_filters", [filtre])
    for user in monde:
        assert set(
            Beneficiaire.objects.visibles_par(user).values_list("pk", flat=True)
        ) == regle_simple(user), user
        assert ids_sql(user) == regle_simple(user), user


def test_union_rule_with_two_filters(monde, monkeypatch):
    def filtre(queryset, cellule):
        return queryset.filter(commune="Ixelles")

    monkeypatch.setattr(hooks, "_cellule_filters", [trajets_queries.filtrer_par_cellule, filtre])
    Beneficiaire.objects.filter(pk__in=Beneficiaire.objects.order_by("pk")[:4]).update(
        commune="Ixelles"
    )
    for user in monde:
        assert set(
            Beneficiaire.objects.visibles_par(user).values_list("pk", flat=True)
        ) == regle_simple(user), user
        assert ids_sql(user) == regle_simple(user), user


# --- "Mes dossiers" of an agent with a cellule ---------------------------------------------------


@pytest.fixture
def hooks_trajets(monkeypatch, filtre_trajets):
    """The caseload extensions registered at start-up (trajets' phase column)."""
    monkeypatch.setattr(hooks, "_caseload", EXTENSIONS_REELLES)


def test_agent_caseload_rows_and_fixed_query_count(
    cpas_a, make_user, client_for, requetes_de_la_page, hooks_trajets
):
    agent = make_user(Role.AGENT, cpas_a, cellule="emploi")
    debut = timezone.localdate() - datetime.timedelta(days=30)
    cache = BeneficiaireFactory(cpas=cpas_a, nom="Cache")  # neither referred nor in the cellule

    def ajouter(n):
        for i in range(n):
            b = BeneficiaireFactory(cpas=cpas_a, referent=agent if i % 2 else None)
            if not i % 2:
                PassageFactory(beneficiaire=b, phase="emploi", debut=debut)
            DroitFactory(beneficiaire=b, debut=datetime.date(2020, 1, 1), fin=debut)
            DroitFactory(beneficiaire=b, debut=debut + datetime.timedelta(days=1), type="RIS")

    ajouter(2)
    client = client_for(agent)
    client.get(LISTE)
    avant = len(requetes_de_la_page(client, LISTE, plafond=11))
    ajouter(6)
    assert len(requetes_de_la_page(client, LISTE, plafond=11)) == avant
    assert len(requetes_de_la_page(client, LISTE, {"q": "a"}, plafond=11)) == avant
    body = client.get(LISTE).content.decode()
    visibles = Beneficiaire.objects.visibles_par(agent)
    assert visibles.count() == 8 and "8 dossiers" in body
    for b in visibles:
        assert f'href="{detail_url(b)}"' in body
    assert detail_url(cache) not in body
    # The current right is the one started last (the ended one is not shown).
    assert body.count("depuis " + (debut + datetime.timedelta(days=1)).strftime("%d/%m/%Y")) == 8


def test_agent_rule_follows_a_cellule_change_and_the_next_day(cpas_a, make_user, filtre_trajets):
    """The agent's ids SQL is built once per user, cellule and day (``_ids_agent``): moving the
    agent to another cellule the same day, or a stay starting tomorrow, changes what they see
    at once, as the plain rule does."""
    from freezegun import freeze_time

    agent = make_user(Role.AGENT, cpas_a, cellule="emploi")
    aujourd_hui = timezone.localdate()
    demain = aujourd_hui + datetime.timedelta(days=1)
    en_emploi = BeneficiaireFactory(cpas=cpas_a)
    PassageFactory(beneficiaire=en_emploi, phase="emploi", debut=aujourd_hui, fin=aujourd_hui)
    en_alpha = BeneficiaireFactory(cpas=cpas_a)
    PassageFactory(
        beneficiaire=en_alpha, phase="alpha", debut=aujourd_hui - datetime.timedelta(days=9)
    )
    arrive_demain = BeneficiaireFactory(cpas=cpas_a)
    PassageFactory(beneficiaire=arrive_demain, phase="emploi", debut=demain)

    def vus():
        return set(Beneficiaire.objects.visibles_par(agent).values_list("pk", flat=True))

    assert vus() == {en_emploi.pk} == regle_simple(agent)
    membership = current_membership(agent)
    membership.cellule = Cellule.objects.get(cpas=cpas_a, code="alpha")
    membership.save()
    assert vus() == {en_alpha.pk} == regle_simple(agent)
    membership.cellule = Cellule.objects.get(cpas=cpas_a, code="emploi")
    membership.save()
    assert vus() == {en_emploi.pk}
    with freeze_time(datetime.datetime.combine(demain, datetime.time(12)), tick=True):
        assert vus() == {arrive_demain.pk} == regle_simple(agent)
