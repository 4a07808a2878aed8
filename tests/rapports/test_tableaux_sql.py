"""The dashboard's set-based queries (workload, monthly flows) cross-checked against a plain
ORM computation on a random history, with the edge cases the SQL must not lose: people
without a referent, open stays, stays ending on the date, a stay filed in another CPAS
than its person's, the cellule and agent filters."""

import datetime
import random
from collections import Counter
from decimal import Decimal

import pytest

from cpas_isp.models import Role
from rapports.queries import (
    PHASES,
    SANS_CLASSE,
    charge_de_travail,
    fins_de_mois,
    flux_mensuels,
    tableau_participation,
    tableaux_passages,
)
from tests.beneficiaires.factories import BeneficiaireFactory, DroitFactory
from tests.trajets.factories import PassageFactory
from trajets.models import MotifSortie, PassagePhase

D = datetime.date


def _charge_orm(cpas_ids, date, phases=None, agent_id=None):
    """{(referent id, phase): distinct people} straight from the ORM."""
    qs = PassagePhase.objects.filter(cpas_id__in=cpas_ids).en_cours_le(date)
    if phases is not None:
        qs = qs.filter(phase__in=phases)
    if agent_id is not None:
        qs = qs.filter(beneficiaire__referent_id=agent_id)
    gens = {(p.beneficiaire.referent_id, p.phase, p.beneficiaire_id) for p in qs}
    return dict(Counter((r, ph) for r, ph, _ in gens))


def _charge_sql(lignes):
    return {
        (ligne.agent_id, phase): n for ligne in lignes for phase, n in ligne.phases.items() if n
    }


@pytest.fixture
def histoire(cpas_a, cpas_b, make_user):
    rng = random.Random(7)
    agents = [make_user(Role.AGENT, cpas_a) for _ in range(3)] + [None]
    motifs = list(MotifSortie.objects.all()) + [None]
    for i in range(70):
        cpas = cpas_a if i % 4 else cpas_b
        b = BeneficiaireFactory(cpas=cpas, referent=rng.choice(agents))
        jour = D(2025, 1, 1) + datetime.timedelta(rng.randrange(200))
        for _ in range(rng.randrange(0, 4)):
            fin = jour + datetime.timedelta(rng.randrange(0, 120))
            ouvert = rng.random() < 0.3
            PassageFactory(
                beneficiaire=b,
                phase=rng.choice(PHASES),
                debut=jour,
                fin=None if ouvert else fin,
                motif_sortie=None if ouvert else rng.choice(motifs),
            )
            if ouvert:
                break
            jour = fin + datetime.timedelta(rng.randrange(1, 20))
    # (A stay filed in another CPAS than its person's: the database refuses it, foreign key
    # passage_cpas_de_la_personne, trajets 0012.)
    return cpas_a, cpas_b, agents


def test_charge_matches_the_orm(histoire):
    cpas_a, cpas_b, agents = histoire
    dates = [D(2025, 1, 1) + datetime.timedelta(days=k * 17) for k in range(25)]
    for date in dates:
        for ids in ([cpas_a.pk], [cpas_b.pk], [cpas_a.pk, cpas_b.pk]):
            for phases, agent in ((None, None), (["emploi", "alpha"], None), (None, agents[1].pk)):
                attendu = _charge_orm(ids, date, phases, agent)
                lignes = charge_de_travail(ids, date, phases=phases, agent_id=agent)
                assert _charge_sql(lignes) == attendu, (date, ids, phases, agent)


def _flux_orm(cpas_ids, debut, fin, phases=None, agent_id=None):
    qs = PassagePhase.objects.filter(cpas_id__in=cpas_ids)
    if phases is not None:
        qs = qs.filter(phase__in=phases)
    if agent_id is not None:
        qs = qs.filter(beneficiaire__referent_id=agent_id)
    entrees, sorties, classes = Counter(), Counter(), Counter()
    for p in qs.select_related("motif_sortie"):
        if debut <= p.debut <= fin:
            entrees[(p.debut.replace(day=1), p.phase)] += 1
        if p.fin and debut <= p.fin <= fin:
            sorties[(p.fin.replace(day=1), p.phase)] += 1
            classe = p.motif_sortie.classe if p.motif_sortie else SANS_CLASSE
            classes[(p.fin.replace(day=1), classe or SANS_CLASSE)] += 1
    return entrees, sorties, classes


def _flux_sql(flux):
    entrees, sorties, classes = Counter(), Counter(), Counter()
    for m in flux.mois:
        for phase in PHASES:
            if m.entrees[phase]:
                entrees[(m.mois, phase)] = m.entrees[phase]
            if m.sorties[phase]:
                sorties[(m.mois, phase)] = m.sorties[phase]
        for classe, n in m.sorties_par_classe.items():
            if n:
                classes[(m.mois, classe)] = n
    return entrees, sorties, classes


def test_flux_matches_the_orm(histoire):
    cpas_a, cpas_b, agents = histoire
    for debut, fin in ((D(2025, 1, 1), D(2025, 12, 31)), (D(2025, 3, 1), D(2025, 5, 31))):
        for ids in ([cpas_a.pk], [cpas_a.pk, cpas_b.pk]):
            for phases, agent in ((None, None), (["emploi"], None), (None, agents[2].pk)):
                flux = flux_mensuels(ids, debut, fin, phases=phases, agent_id=agent)
                assert [m.mois for m in flux.mois][0] == debut
                fin_mois = fin.replace(day=1)
                assert flux.mois[-1].mois == fin_mois
                assert _flux_sql(flux) == _flux_orm(ids, debut, fin, phases, agent)


@pytest.mark.parametrize("langue", ["fr", "nl", "en"])
def test_quick_number_format_is_django_s(langue):
    from django.utils import translation
    from django.utils.formats import number_format

    from rapports.templatetags.rapports_tags import _nombre

    valeurs = [0, 1, -1, 999, 1000, -1000, 12345, 999999, 1000000, -1234567, 10**12 + 7]
    with translation.override(langue):
        for v in [*valeurs, 1.5, Decimal("1234.50")]:
            assert _nombre(v) == number_format(v, force_grouping=True), v


@pytest.mark.parametrize("langue", ["fr", "nl"])
@pytest.mark.parametrize("liens", [None, {"du": "2025-01", "au": "2025-12", "agent": 7}])
def test_row_of_figures_is_the_figures_one_by_one(langue, liens):
    """``cellules_nombres`` gives the cells ``lien_nombre`` gives, the row's key in its place
    among the parameters (``phase=None``) or last."""
    from django.utils import translation

    from rapports.templatetags.rapports_tags import cellules_nombres, lien_nombre

    valeurs = {"alpha": 0, "emploi": 1234, "article60": 7, "facilitateur": None}
    cles = ["facilitateur", "alpha", "emploi", "article60", "absente"]
    date = D(2025, 6, 30)
    with translation.override(langue):
        ligne = cellules_nombres(
            valeurs, cles, liens, "charge", "phase", date=date, phase=None, x=3
        )
        attendu = "".join(
            f"<td>{lien_nombre(valeurs.get(c, ''), liens, 'charge', date=date, phase=c, x=3)}</td>"
            for c in cles
        )
        assert ligne == attendu
        ligne = cellules_nombres(valeurs, cles, liens, "phase", "phase", date=date)
        attendu = "".join(
            f"<td>{lien_nombre(valeurs.get(c, ''), liens, 'phase', date=date, phase=c)}</td>"
            for c in cles
        )
        assert ligne == attendu


@pytest.mark.parametrize("langue", ["fr", "nl"])
def test_rates_with_two_decimals_are_floatformat(langue):
    from django.template.defaultfilters import floatformat
    from django.utils import translation

    from rapports.templatetags.rapports_tags import _deux_decimales

    with translation.override(langue):
        for centiemes in (0, 1, 5, 99, 1234, 10000, 123456, 99999999):
            taux = Decimal(centiemes).scaleb(-2)
            assert _deux_decimales(taux) == floatformat(taux, 2), taux
        for autre in (Decimal("1.005"), 2.5, 7, Decimal("-1.00")):
            assert _deux_decimales(autre) == floatformat(autre, 2)


@pytest.mark.parametrize("langue", ["fr", "nl"])
def test_rates_with_one_decimal_are_floatformat(langue):
    """The appointments per week: ``round(n / semaines, 1)``, shown as ``floatformat:1``."""
    from django.template.defaultfilters import floatformat
    from django.utils import translation

    from rapports.templatetags.rapports_tags import _une_decimale

    with translation.override(langue):
        for n in (0, 1, 2, 3, 7, 10, 99, 1234, 100_000):
            for jours in (1, 6, 7, 30, 183, 365, 731):
                valeur = round(n / (jours / 7), 1)
                assert _une_decimale(valeur) == floatformat(valeur, 1), valeur
        for autre in (1e16, 2.25, 0.05, 7, -1.5, Decimal("1.25"), float("nan")):
            assert _une_decimale(autre) == floatformat(autre, 1), autre


# The loops the table-body tags replace, as the templates had them.
BOUCLE_ORIENTATIONS = """{% load rapports_tags %}{% for o in orientations %}
      <tr>
        <th scope="row" class="text-start">{{ o.partenaire }}</th>
        <td>{% lien_nombre o.orientees liens "orient_orientees" partenaire=o.partenaire_id %}</td>
        <td>{% lien_nombre o.envoyees liens "orient_envoyees" partenaire=o.partenaire_id %}</td>
        <td>{% lien_nombre o.acceptees liens "orient_acceptees" partenaire=o.partenaire_id %}</td>
        <td>{% lien_nombre o.refusees liens "orient_refusees" partenaire=o.partenaire_id %}</td>
        <td>{% lien_nombre o.en_attente liens "orient_en_attente" partenaire=o.partenaire_id %}</td>
        <td>{% lien_nombre o.terminees liens "orient_terminees" partenaire=o.partenaire_id %}</td>
        <td>{% lien_nombre o.positives liens "orient_positives" partenaire=o.partenaire_id %}</td>
        <td>{% if o.taux_acceptation is None %}—{% else %}{{ o.taux_acceptation|floatformat:2 }} %{% endif %}</td>
      </tr>
    {% endfor %}"""  # noqa: E501

BOUCLE_DELAIS = """{% load rapports_tags %}{% for d in rdv_delais %}
      <tr{% if d.cle == "phase" and not d.phase %} class="fw-semibold"{% endif %}>
        <th scope="row" class="text-start">{{ d.libelle }}</th>
        <td>{% lien_nombre d.total liens "rdv_delai" delai=d.code quoi="total" %}</td>
        <td>{% lien_nombre d.atteints liens "rdv_delai" delai=d.code quoi="atteints" %}</td>
        <td>{% if d.mediane is None %}—{% else %}{% lien_nombre d.mediane liens "rdv_delai" delai=d.code quoi="atteints" %}{% endif %}</td>
        <td>{% lien_nombre d.echus liens "rdv_delai" delai=d.code quoi="echus" %}</td>
        <td>{% lien_nombre d.dans_delai liens "rdv_delai" delai=d.code quoi="dans_delai" %}</td>
        <td>{% if d.taux_dans_delai is None %}—{% else %}{{ d.taux_dans_delai|floatformat:2 }} %{% endif %}</td>
        <td>{% lien_nombre d.en_attente liens "rdv_delai" delai=d.code quoi="en_attente" %}</td>
      </tr>
    {% endfor %}"""  # noqa: E501


@pytest.mark.parametrize("langue", ["fr", "nl"])
@pytest.mark.parametrize("liens", [None, {"du": "2025-01", "au": "2025-12", "agent": 7}])
def test_table_body_tags_give_the_template_loops_markup(langue, liens):
    """``lignes_orientations`` and ``lignes_delais`` give, byte for byte, the rows the
    templates' loops gave (names to escape, thousands, zeros, rates, medians, none)."""
    from django.template import Context, Template
    from django.utils import translation

    from rapports.suivi import LigneOrientations
    from rapports.templatetags.rapports_tags import lignes_delais, lignes_orientations
    from rendezvous.indicateurs import Delai

    orientations = [
        LigneOrientations(1, "Café <Ré> & Co", 1234, 1200, 3, 1, 0, 2, 7),
        LigneOrientations(2, "Zéro", 0, 0, 0, 0, 0, 0, 0),
    ]
    delais = [
        Delai("ris", None, 1500, 12, 7.5, 10, 3, 2),
        Delai("phase", "emploi", 0, 0, None, 0, 0, 0),
        Delai("phase", None, 4, 3, 12, 2, 2, 1),
    ]
    for d in delais:
        d.libelle = f"{d.cle} <{d.phase}>"
        d.code = f"phase_{d.phase}" if d.phase else d.cle
    with translation.override(langue):
        contexte = Context({"orientations": orientations, "rdv_delais": delais, "liens": liens})
        assert lignes_orientations(orientations, liens) == Template(BOUCLE_ORIENTATIONS).render(
            contexte
        )
        assert lignes_delais(delais, liens) == Template(BOUCLE_DELAIS).render(contexte)


BOUCLE_CHARGE = """{% load rapports_tags %}{% for ligne in charge %}
      <tr>
        <th scope="row" class="text-start">{{ ligne.agent }}</th>
        {% cellules_nombres ligne.phases phases liens "charge" "phase" date=date_situation phase=None charge_agent=ligne.agent_id %}
        <td class="fw-semibold">{% lien_nombre ligne.total liens "charge" date=date_situation charge_agent=ligne.agent_id %}</td>
      </tr>
    {% endfor %}"""  # noqa: E501

BOUCLE_AGENTS_RDV = """{% load rapports_tags %}{% for a in rdv_charge.agents %}
      <tr>
        <th scope="row" class="text-start">{{ a.agent }}</th>
        <td>{% lien_nombre a.rendez_vous liens "rdv_agent" charge_agent=a.agent_id quoi="periode" %}</td>
        <td>{% if a.par_semaine is None %}—{% else %}{{ a.par_semaine|floatformat:1 }}{% endif %}</td>
        {% if ecran %}<td>{% lien_nombre a.a_venir liens "rdv_agent" charge_agent=a.agent_id quoi="a_venir" %}</td>
        <td>{{ a.creneaux_libres }}</td>{% endif %}
      </tr>
    {% endfor %}"""  # noqa: E501


@pytest.mark.parametrize("langue", ["fr", "nl"])
@pytest.mark.parametrize("liens", [None, {"du": "2025-01", "au": "2025-12", "cellule": "alpha"}])
@pytest.mark.parametrize("ecran", [True, None])
def test_workload_rows_give_the_template_loops_markup(langue, liens, ecran):
    """``lignes_charge`` (stays per referent) and ``lignes_agents_rdv`` (appointments per
    agent, with the next 14 days on the page only) give, byte for byte, the rows the
    templates' loops gave: names to escape, thousands, zeros, no referent, rates per week."""
    from django.template import Context, Template
    from django.utils import translation

    from rapports.queries import PHASES, LigneCharge
    from rapports.templatetags.rapports_tags import lignes_agents_rdv, lignes_charge
    from rendezvous.indicateurs import Charge, ChargeAgent

    charge = [
        LigneCharge(3, "Anne <Agent> & Co", dict(zip(PHASES, (1234, 0, 5, 1, 0), strict=True))),
        LigneCharge(None, "Sans référent", dict.fromkeys(PHASES, 0)),
    ]
    agents = [
        ChargeAgent(3, "Éric <o'Neil>", 2, 2345, 52.0, 12, 1500),
        ChargeAgent(4, "Zoé", None, 0, 0, 0),
        ChargeAgent(5, "Yves", 1, 3, 7.0, 0, 0),
    ]
    date = datetime.date(2025, 12, 31)
    with translation.override(langue):
        for phases in (PHASES, ["alpha"]):
            contexte = {
                "charge": charge,
                "phases": phases,
                "liens": liens,
                "date_situation": date,
                "rdv_charge": Charge(agents, [], date, date),
            }
            if ecran is not None:
                contexte["ecran"] = ecran
            contexte = Context(contexte)
            attendu = Template(BOUCLE_CHARGE).render(contexte)
            assert lignes_charge(charge, phases, liens, date) == attendu
            attendu = Template(BOUCLE_AGENTS_RDV).render(contexte)
            assert lignes_agents_rdv(contexte, agents, liens) == attendu


def test_the_three_tables_of_the_stays_in_one_query(histoire, make_user, django_assert_num_queries):
    """``tableaux_passages`` gives what the three queries give alone, filters included."""
    cpas_a, cpas_b, agents = histoire
    for b in BeneficiaireFactory.create_batch(3, cpas=cpas_a, referent=agents[1]):
        DroitFactory(beneficiaire=b, debut=D(2025, 2, 1), fin=D(2025, 5, 31))
    DroitFactory(beneficiaire=BeneficiaireFactory(cpas=cpas_a), debut=D(2024, 12, 1))
    for ids in ([cpas_a.pk], [cpas_a.pk, cpas_b.pk]):
        for phases, agent in ((None, None), (["emploi", "alpha"], None), (None, agents[1].pk)):
            for du, au, date in (
                (D(2025, 1, 1), D(2025, 12, 1), D(2025, 6, 30)),
                (D(2025, 3, 1), D(2025, 5, 1), D(2025, 5, 31)),
            ):
                dates = fins_de_mois(du, au)
                with django_assert_num_queries(1):
                    participation, flux, charge = tableaux_passages(
                        ids, dates, du, au, date, phases=phases, agent_id=agent, sans_agent="-"
                    )
                options = {"phases": phases, "agent_id": agent}
                assert participation == tableau_participation(ids, dates, **options)
                assert flux == flux_mensuels(ids, du, au, **options)
                assert charge == charge_de_travail(ids, date, sans_agent="-", **options)
                assert any(ligne.ris_eris for ligne in participation)
