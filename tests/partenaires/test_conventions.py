"""Conventions between CPAS: creation, split of the budget, visibility, end-date flag."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from cpas_isp.models import Role
from partenaires.models import Convention
from tests.cpas_isp.factories import CpasFactory
from tests.partenaires.factories import ConventionFactory, PartenaireFactory, PartieCpasFactory

pytestmark = pytest.mark.django_db


# --- conventions ----------------------------------------------------------------------------


def test_coordinator_creates_three_cpas_convention(client_for, coordinateur, cpas_a):
    b = CpasFactory(code="gamma", habitants=12_000)
    c = CpasFactory(code="delta", habitants=8_000)
    p = PartenaireFactory()
    data = {
        "titre": "Préformation commune",
        "partenaires": [p.pk],
        "debut": "2026-01-01",
        "fin": "2026-12-31",
        "budget_total": "47775",
        "regle_repartition": "prorata_habitants",
        "part_minerval_cpas": "50",
        "parties-TOTAL_FORMS": "4",
        "parties-INITIAL_FORMS": "0",
        "parties-0-cpas": cpas_a.pk,
        "parties-1-cpas": b.pk,
        "parties-2-cpas": c.pk,
        "financements-TOTAL_FORMS": "3",
        "financements-INITIAL_FORMS": "0",
        "financements-0-source": "federal",
        "financements-0-montant": "10000",
    }
    r = client_for(coordinateur).post(reverse("partenaires:convention_creer"), data)
    assert r.status_code == 302, r.context and r.context["parties"].non_form_errors()
    conv = Convention.objects.get()
    r = client_for(coordinateur).get(reverse("partenaires:convention_detail", args=[conv.pk]))
    rep = r.context["repartition"]
    assert rep.solde == Decimal("37775.00") and rep.total_parts == rep.solde
    assert {p.partie.cpas.code: p.montant for p in rep.parts} == {
        # 37,775.00 x 50/70, 12/70, 8/70 = 26,982.142..., 6,475.714..., 4,317.142...;
        # the cent left over goes to the largest remainder (gamma, .714).
        "alpha": Decimal("26982.14"),
        "gamma": Decimal("6475.72"),
        "delta": Decimal("4317.14"),
    }


def test_convention_must_include_own_cpas(client_for, coordinateur, cpas_b):
    data = {
        "titre": "X",
        "debut": "2026-01-01",
        "fin": "2026-12-31",
        "budget_total": "100",
        "regle_repartition": "parts_egales",
        "part_minerval_cpas": "50",
        "parties-TOTAL_FORMS": "1",
        "parties-INITIAL_FORMS": "0",
        "parties-0-cpas": cpas_b.pk,
        "financements-TOTAL_FORMS": "0",
        "financements-INITIAL_FORMS": "0",
    }
    r = client_for(coordinateur).post(reverse("partenaires:convention_creer"), data)
    assert r.status_code == 200 and not Convention.objects.exists()


def test_convention_visible_to_parties_only(client_for, make_user, cpas_a, cpas_b):
    conv = ConventionFactory(cpas=cpas_a)
    PartieCpasFactory(convention=conv, cpas=cpas_a)
    url = reverse("partenaires:convention_detail", args=[conv.pk])
    assert client_for(make_user(Role.DIRECTEUR, cpas_a)).get(url).status_code == 200
    assert client_for(make_user(Role.COORDINATEUR, cpas_b)).get(url).status_code == 404
    PartieCpasFactory(convention=conv, cpas=cpas_b)
    coord_b = make_user(Role.COORDINATEUR, cpas_b)
    assert client_for(coord_b).get(url).status_code == 200
    # A party reads it; only the managing CPAS edits it.
    edit = reverse("partenaires:convention_modifier", args=[conv.pk])
    assert client_for(coord_b).get(edit).status_code == 403


def test_convention_ending_within_90_days_is_flagged(client_for, coordinateur, cpas_a):
    today = timezone.localdate()
    soon = ConventionFactory(
        cpas=cpas_a,
        debut=today - datetime.timedelta(days=300),
        fin=today + datetime.timedelta(days=60),
    )
    later = ConventionFactory(cpas=cpas_a, debut=today, fin=today + datetime.timedelta(days=200))
    for c in (soon, later):
        PartieCpasFactory(convention=c, cpas=cpas_a)
    r = client_for(coordinateur).get(reverse("partenaires:conventions"))
    flags = {c.pk: c.finit_bientot for c in r.context["page"].object_list}
    assert flags == {soon.pk: True, later.pk: False} and r.context["nb_bientot"] == 1


def test_pages_render_in_dutch(client_for, make_user, cpas_b, service):
    coord = make_user(Role.COORDINATEUR, cpas_b, langue="nl")
    conv = ConventionFactory(cpas=cpas_b)
    PartieCpasFactory(convention=conv, cpas=cpas_b)
    r = client_for(coord).get(reverse("partenaires:convention_detail", args=[conv.pk]))
    assert "Verdeling tussen de OCMW's" in r.content.decode()


@pytest.mark.parametrize("langue, attendu", [("fr", "47\xa0775,00 €"), ("nl", "47.775,00 €")])
def test_amounts_have_thousands_separators_in_both_languages(
    client_for, make_user, cpas_a, langue, attendu
):
    coord = make_user(Role.COORDINATEUR, cpas_a, langue=langue)
    conv = ConventionFactory(cpas=cpas_a, budget_total=Decimal("47775.00"))
    PartieCpasFactory(convention=conv, cpas=cpas_a)
    html = client_for(coord).get(reverse("partenaires:convention_detail", args=[conv.pk]))
    assert attendu in html.content.decode()
    liste = client_for(coord).get(reverse("partenaires:conventions")).content.decode()
    assert attendu in liste
