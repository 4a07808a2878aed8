import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from beneficiaires import hooks
from beneficiaires.models import Beneficiaire
from cpas_isp.models import Role
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.trajets.factories import EtapeFactory, PassageFactory
from trajets import services
from trajets.models import MotifSortie, PassagePhase, Phase

D = datetime.date


def test_database_refuses_two_phases_on_the_same_day(cpas_a):
    b = BeneficiaireFactory(cpas=cpas_a)
    PassageFactory(beneficiaire=b, debut=D(2025, 1, 1), fin=D(2025, 3, 31))
    with pytest.raises(IntegrityError), transaction.atomic():
        # The last day of the first stay is the first of this one: inclusive ranges overlap.
        PassageFactory(beneficiaire=b, phase="emploi", debut=D(2025, 3, 31))


def test_database_refuses_an_end_before_the_start(cpas_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        PassageFactory(beneficiaire__cpas=cpas_a, debut=D(2025, 3, 1), fin=D(2025, 2, 28))


def test_reference_list_of_exit_reasons_is_seeded_with_classes(db):
    assert MotifSortie.objects.get(code="emploi").classe == "positive"
    assert MotifSortie.objects.get(code="reorientation").classe == "neutre"
    assert MotifSortie.objects.get(code="abandon").classe == "negative"
    assert MotifSortie.objects.get(code="abandon").libelle_nl == "Afhaken"


def test_orienter_closes_the_running_stay_and_opens_the_next(cpas_a):
    b = BeneficiaireFactory(cpas=cpas_a)
    premier = PassageFactory(beneficiaire=b, debut=D(2025, 1, 6))
    nouveau = services.orienter(b, Phase.EMPLOI, D(2025, 4, 1))
    premier.refresh_from_db()
    assert premier.fin == D(2025, 3, 31)
    assert premier.motif_sortie.code == "reorientation"
    assert (nouveau.phase, nouveau.debut, nouveau.fin) == ("emploi", D(2025, 4, 1), None)


def test_back_dated_orientation_is_accepted(cpas_a):
    b = BeneficiaireFactory(cpas=cpas_a)
    PassageFactory(beneficiaire=b, debut=D(2024, 1, 1))
    passage = services.orienter(b, Phase.ALPHA, D(2024, 2, 15))
    assert passage.debut == D(2024, 2, 15)
    assert PassagePhase.objects.get(beneficiaire=b, phase="facilitateur").fin == D(2024, 2, 14)


def test_orientation_before_the_start_of_the_running_stay_is_refused_and_nothing_changes(cpas_a):
    b = BeneficiaireFactory(cpas=cpas_a)
    courant = PassageFactory(beneficiaire=b, debut=D(2025, 3, 1))
    with pytest.raises(ValidationError) as exc:
        services.orienter(b, Phase.EMPLOI, D(2025, 2, 1))
    assert "précéder" in exc.value.messages[0]
    courant.refresh_from_db()
    assert courant.fin is None
    assert PassagePhase.objects.filter(beneficiaire=b).count() == 1


def test_orientation_overlapping_a_closed_stay_is_refused_with_a_clear_message(cpas_a):
    b = BeneficiaireFactory(cpas=cpas_a)
    PassageFactory(beneficiaire=b, debut=D(2024, 1, 1), fin=D(2024, 6, 30))
    with pytest.raises(ValidationError) as exc:
        services.orienter(b, Phase.EMPLOI, D(2024, 5, 1))
    assert "déjà dans une phase" in exc.value.messages[0]
    assert PassagePhase.objects.filter(beneficiaire=b).count() == 1


def test_correcting_a_stay_into_an_overlap_gives_a_message_and_keeps_history(cpas_a):
    b = BeneficiaireFactory(cpas=cpas_a)
    a = PassageFactory(beneficiaire=b, debut=D(2024, 1, 1), fin=D(2024, 6, 30))
    PassageFactory(beneficiaire=b, phase="emploi", debut=D(2024, 7, 1))
    a.fin = D(2024, 7, 15)
    with pytest.raises(ValidationError) as exc:
        services.enregistrer_passage(a)
    assert "chevauchent" in exc.value.messages[0]
    a.refresh_from_db()
    a.fin = D(2024, 6, 20)
    services.enregistrer_passage(a)
    assert [e.fin for e in a.events.order_by("pgh_id")] == [D(2024, 6, 30), D(2024, 6, 20)]


def test_steps_follow_the_stay_of_their_date_after_a_correction(cpas_a, make_user):
    b = BeneficiaireFactory(cpas=cpas_a)
    a = PassageFactory(beneficiaire=b, debut=D(2024, 1, 1), fin=D(2024, 6, 30))
    e = PassageFactory(beneficiaire=b, phase="emploi", debut=D(2024, 7, 1))
    etape = EtapeFactory(
        beneficiaire=b, date=D(2024, 6, 25), passage=a, auteur=make_user(cpas=cpas_a)
    )
    a.fin = D(2024, 6, 20)
    services.enregistrer_passage(a)
    e.debut = D(2024, 6, 21)
    services.enregistrer_passage(e)
    etape.refresh_from_db()
    assert etape.passage_id == e.pk


def test_cellule_filter_is_the_cellule_of_the_running_phase(cpas_a):
    ici = BeneficiaireFactory(cpas=cpas_a)
    ailleurs = BeneficiaireFactory(cpas=cpas_a)
    sorti = BeneficiaireFactory(cpas=cpas_a)
    PassageFactory(beneficiaire=ici, phase="emploi", debut=D(2024, 1, 1))
    PassageFactory(beneficiaire=ailleurs, phase="alpha", debut=D(2024, 1, 1))
    PassageFactory(beneficiaire=sorti, phase="emploi", debut=D(2024, 1, 1), fin=D(2024, 2, 1))
    cellule = cpas_a.cellules.get(code="emploi")
    qs = hooks.filtrer_par_cellule(Beneficiaire.objects.all(), cellule)
    assert list(qs) == [ici]


def test_orienter_page_orients_and_refuses_overlaps_with_a_message(cpas_a, make_user, client_for):
    agent = make_user(Role.AGENT, cpas_a)
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent)
    PassageFactory(beneficiaire=b, debut=D(2025, 1, 6))
    client = client_for(agent)
    url = f"/trajets/personne/{b.pk}/orienter/"
    response = client.post(url, {"phase": "emploi", "date": "2025-01-01"})
    assert response.status_code == 200
    assert "précéder" in response.content.decode()
    response = client.post(
        url,
        {
            "phase": "emploi",
            "date": "2025-05-02",
            "motif_sortie": MotifSortie.objects.get(code="reorientation").pk,
            "agent": agent.pk,
        },
    )
    assert response.status_code == 302
    assert PassagePhase.objects.get(beneficiaire=b, fin__isnull=True).phase == "emploi"


def test_a_failure_relinking_steps_leaves_the_corrected_stay_unsaved(cpas_a, monkeypatch):
    b = BeneficiaireFactory(cpas=cpas_a)
    passage = PassageFactory(beneficiaire=b, debut=D(2024, 1, 1), fin=D(2024, 6, 30))

    def panne(beneficiaire_id):
        raise RuntimeError("relinking failed")

    monkeypatch.setattr("trajets.services.phases.relier_etapes", panne)
    passage.fin = D(2024, 5, 31)
    with pytest.raises(RuntimeError):
        services.enregistrer_passage(passage)
    passage.refresh_from_db()
    assert passage.fin == D(2024, 6, 30)
