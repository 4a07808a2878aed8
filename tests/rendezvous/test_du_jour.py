"""The home card's appointments of the day: its statements, compiled once per process
(queries._RENDEZ_VOUS_DU_JOUR and _PARTICIPANTS_PARMI, cpas_isp.sql_compile.RequeteCompilee),
read the rows the ORM's filters read."""

import datetime

import pytest

from cpas_isp.models import Role
from rendezvous import queries
from rendezvous.models import RendezVous
from tests.beneficiaires.factories import BeneficiaireFactory

from .factories import moment, planifier

pytestmark = pytest.mark.django_db


def _par_l_orm(user, jour):
    debut = moment(jour, "00:00")
    return list(
        RendezVous.objects.for_user(user)
        .non_annules()
        .filter(agent=user)
        .entre(debut, debut + datetime.timedelta(days=1))
        .order_by("debut", "id")
        .values_list("pk", flat=True)
    )


def test_ids_of_the_day_equal_the_orm_filters(cpas_a, cpas_b, make_user):
    agent = make_user(Role.AGENT, cpas_a, cellule="emploi")
    jour = datetime.date(2026, 3, 11)
    veille, lendemain = jour - datetime.timedelta(days=1), jour + datetime.timedelta(days=1)
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent)
    planifier(agent, b, moment(veille, "23:00"), 60)  # ends at midnight: not that day's
    minuit = planifier(agent, b, moment(jour, "00:00"), 20)
    dix = planifier(agent, b, moment(jour, "10:00"), 30)
    annule = planifier(agent, b, moment(jour, "11:00"), 30)
    RendezVous.objects.filter(pk=annule.pk).update(statut="annule_cpas")
    tard = planifier(agent, b, moment(jour, "23:50"), 30)  # runs past midnight: counted
    planifier(agent, b, moment(lendemain, "00:20"), 30)
    collegue = make_user(Role.AGENT, cpas_a, cellule="emploi")
    planifier(collegue, BeneficiaireFactory(cpas=cpas_a), moment(jour, "10:00"), 30)
    attendus = [minuit.pk, dix.pk, tard.pk]
    assert _par_l_orm(agent, jour) == attendus
    assert [r.pk for r in queries.du_jour(agent, jour)] == attendus
    for j in (veille, lendemain, jour + datetime.timedelta(days=5)):
        assert [r.pk for r in queries.du_jour(agent, j)] == _par_l_orm(agent, j)
    assert queries.du_jour(collegue, jour) and queries.du_jour(collegue, veille) == []
    # An agent of another CPAS: none of these.
    assert queries.du_jour(make_user(Role.AGENT, cpas_b), jour) == []


def test_ids_of_the_day_without_the_compiled_query(cpas_a, make_user, monkeypatch):
    """Should the markers not be found in the compiled parameters, the ORM answers."""
    agent = make_user(Role.AGENT, cpas_a, cellule="emploi")
    jour = datetime.date(2026, 3, 11)
    rdv = planifier(agent, BeneficiaireFactory(cpas=cpas_a, referent=agent), moment(jour, "10:00"))
    assert queries._RENDEZ_VOUS_DU_JOUR._compiler() is not False
    assert queries._PARTICIPANTS_PARMI._compiler() is not False
    monkeypatch.setattr(queries._RENDEZ_VOUS_DU_JOUR, "_compilee", False)
    assert [r.pk for r in queries.du_jour(agent, jour)] == [rdv.pk] == _par_l_orm(agent, jour)
    monkeypatch.undo()
    monkeypatch.setattr(queries._PARTICIPANTS_PARMI, "_compilee", False)
    (lu,) = queries.du_jour(agent, jour)
    assert lu.pk == rdv.pk and lu.personnes == [(rdv.participants.get().beneficiaire, True)]
