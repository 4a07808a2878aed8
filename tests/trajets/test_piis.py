import datetime
import shutil
import subprocess

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from freezegun import freeze_time

from cpas_isp.models import Role
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.trajets.factories import PassageFactory, PiisFactory
from trajets import delais, services
from trajets.models import Etape, EvaluationPiis, ObjectifPiis, Piis, StatutPiis

D = datetime.date


@pytest.fixture
def agent(cpas_a, make_user):
    return make_user(Role.AGENT, cpas_a, cellule="emploi")


@pytest.fixture
def personne(cpas_a, agent):
    return BeneficiaireFactory(cpas=cpas_a, referent=agent, nom="Dupont", prenom="Léa")


PROPOSITION = D(2025, 2, 1)


def piis_propose(personne, agent, proposition=PROPOSITION):
    piis = PiisFactory(beneficiaire=personne, agent=agent)
    ObjectifPiis.objects.create(cpas=piis.cpas, piis=piis, ordre=1, libelle="Obtenir le CESS")
    return services.proposer_piis(piis, proposition, agent)


# --- Deadlines ---------------------------------------------------------------------------------


def test_signature_due_three_months_after_the_ris_decision_clamped_to_month_end():
    assert delais.signature_due_le(D(2025, 1, 15)) == D(2025, 4, 15)
    assert delais.signature_due_le(D(2023, 11, 30)) == D(2024, 2, 29)  # leap year
    assert delais.signature_due_le(D(2024, 11, 30)) == D(2025, 2, 28)


def test_signature_alert_from_two_and_a_half_months():
    assert delais.alerte_signature_le(D(2025, 1, 15)) == D(2025, 3, 30)
    assert delais.etat_signature(D(2025, 1, 15), None, D(2025, 3, 29)) == "ok"
    assert delais.etat_signature(D(2025, 1, 15), None, D(2025, 3, 30)) == "alerte"
    assert delais.etat_signature(D(2025, 1, 15), None, D(2025, 4, 16)) == "en_retard"
    assert delais.etat_signature(D(2025, 1, 15), D(2025, 4, 15), D(2025, 6, 1)) == "signe_a_temps"


def test_signing_before_five_days_of_reflection_needs_the_waiver(personne, agent):
    piis = piis_propose(personne, agent, D(2025, 2, 1))
    with pytest.raises(ValidationError) as exc:
        services.signer_piis(piis, D(2025, 2, 5), agent)
    assert "06/02/2025" in exc.value.messages[0]
    piis.refresh_from_db()
    assert piis.statut == StatutPiis.PROPOSE
    signe = services.signer_piis(piis, D(2025, 2, 6), agent)  # the 5th day after: allowed
    assert signe.statut == StatutPiis.SIGNE and not signe.renonciation_delai_reflexion


def test_signing_early_with_the_waiver_is_recorded(personne, agent):
    piis = piis_propose(personne, agent, D(2025, 2, 1))
    signe = services.signer_piis(piis, D(2025, 2, 2), agent, renonciation=True)
    assert signe.renonciation_delai_reflexion
    assert signe.debut == D(2025, 2, 2)


def test_database_refuses_a_signature_inside_the_reflection_period(personne):
    with pytest.raises(IntegrityError), transaction.atomic():
        PiisFactory(
            beneficiaire=personne,
            statut="signe",
            date_proposition=D(2025, 2, 1),
            date_signature=D(2025, 2, 3),
            debut=D(2025, 2, 3),
        )


def test_evaluation_schedule_across_a_leap_year_keeps_the_anchor_day():
    dates = delais.calendrier_evaluations(D(2023, 11, 30), D(2024, 11, 29), 3)
    assert dates == [D(2024, 2, 29), D(2024, 5, 30), D(2024, 8, 30), D(2024, 11, 29)]
    assert delais.calendrier_evaluations(D(2024, 2, 29), None, 4) == [
        D(2024, 6, 29),
        D(2024, 10, 29),
        D(2025, 2, 28),
    ]


def test_evaluations_are_planned_at_signature_and_replanned_when_dates_change(personne, agent):
    piis = piis_propose(personne, agent, D(2023, 11, 20))
    piis = services.signer_piis(piis, D(2023, 11, 30), agent, fin=D(2024, 11, 29))
    assert list(piis.evaluations.values_list("date_prevue", flat=True)) == [
        D(2024, 2, 29),
        D(2024, 5, 30),
        D(2024, 8, 30),
        D(2024, 11, 29),
    ]
    # Held evaluation kept; a new (amended) start re-plans only the ones not yet held.
    premiere = piis.evaluations.first()
    premiere.date_tenue = D(2024, 3, 4)
    premiere.save()
    Piis.objects.filter(pk=piis.pk).update(statut="brouillon")  # as an amendment draft would
    piis.refresh_from_db()
    piis.debut = D(2024, 1, 15)
    piis.politique_evaluation = "quadrimestrielle"
    services.enregistrer_piis(piis, piis.version, agent)
    assert list(
        piis.evaluations.order_by("date_prevue").values_list("date_prevue", "date_tenue")
    ) == [
        (D(2024, 2, 29), D(2024, 3, 4)),
        (D(2024, 5, 15), None),
        (D(2024, 9, 15), None),
        (D(2024, 11, 29), None),
    ]


def test_a_held_evaluation_logs_a_journal_step_and_updates_objectives(personne, agent, client_for):
    PassageFactory(beneficiaire=personne, phase="emploi", debut=D(2024, 1, 1))
    piis = piis_propose(personne, agent, D(2025, 1, 2))
    piis = services.signer_piis(piis, D(2025, 1, 10), agent)
    ev = piis.evaluations.first()
    objectif = piis.objectifs.get()
    response = client_for(agent).post(
        f"/trajets/evaluation/{ev.pk}/",
        {
            "date_prevue": ev.date_prevue.isoformat(),
            "date_tenue": "2025-04-08",
            "mode": "presentiel",
            "appreciation": "Bonne progression",
            "suites": "Inscription au jury",
            f"statut_{objectif.pk}": "en_cours",
            f"commentaire_{objectif.pk}": "2 modules réussis",
        },
    )
    assert response.status_code == 302
    ev.refresh_from_db()
    etape = Etape.objects.get(beneficiaire=personne)
    assert ev.etape == etape and etape.type.code == "evaluation_piis"
    assert etape.date == D(2025, 4, 8) and etape.passage.phase == "emploi"
    objectif.refresh_from_db()
    assert objectif.statut == "en_cours"
    assert ev.appreciations.get().commentaire == "2 modules réussis"


# --- Frozen once signed, amendments ------------------------------------------------------------


def test_signed_piis_content_is_frozen_in_the_database(personne, agent):
    piis = services.signer_piis(piis_propose(personne, agent), D(2025, 2, 10), agent)
    with pytest.raises(Exception) as exc, transaction.atomic():
        Piis.objects.filter(pk=piis.pk).update(engagements_cpas="changé en douce")
    assert "piis_signe_fige" in str(exc.value)
    # Its status may still move on (closing).
    services.cloturer_piis(piis, StatutPiis.ATTEINT, D(2025, 12, 1), agent)


def test_signed_piis_edit_page_redirects_and_the_service_refuses(personne, agent, client_for):
    piis = services.signer_piis(piis_propose(personne, agent), D(2025, 2, 10), agent)
    response = client_for(agent).get(f"/trajets/piis/{piis.pk}/modifier/")
    assert response.status_code == 302
    piis.engagements_cpas = "autre"
    with pytest.raises(ValidationError):
        services.enregistrer_piis(piis, piis.version, agent)


def test_amendment_keeps_the_signed_version(personne, agent):
    piis = services.signer_piis(piis_propose(personne, agent), D(2025, 2, 10), agent)
    avenant = services.creer_avenant(piis, agent)
    assert avenant.statut == StatutPiis.BROUILLON and avenant.numero_avenant == 1
    assert list(avenant.objectifs.values_list("libelle", flat=True)) == ["Obtenir le CESS"]
    avenant.engagements_cpas = "Prise en charge du minerval"
    avenant = services.enregistrer_piis(
        avenant,
        avenant.version,
        agent,
        objectifs=[{"libelle": "Obtenir le CESS"}, {"libelle": "Trouver un stage"}],
    )
    avenant = services.proposer_piis(avenant, D(2025, 6, 1), agent)
    services.signer_piis(avenant, D(2025, 6, 6), agent)
    piis.refresh_from_db()
    assert piis.statut == StatutPiis.REMPLACE
    assert piis.engagements_cpas == ""  # the signed text is untouched
    assert piis.objectifs.count() == 1
    assert not piis.evaluations.filter(date_tenue__isnull=True).exists()


# --- Optimistic locking ------------------------------------------------------------------------


def test_concurrent_edit_is_detected_with_what_changed(
    personne, agent, make_user, cpas_a, client_for
):
    collegue = make_user(Role.COORDINATEUR, cpas_a, first_name="Marc", last_name="Dubois")
    piis = PiisFactory(beneficiaire=personne, agent=agent, engagements_cpas="Version initiale")
    url = f"/trajets/piis/{piis.pk}/modifier/"

    def data(texte, version):
        return {
            "version": version,
            "type": "emploi",
            "date_decision_ris": "2025-01-15",
            "politique_evaluation": "trimestrielle",
            "engagements_cpas": texte,
            "obj-TOTAL_FORMS": 1,
            "obj-INITIAL_FORMS": 0,
            "obj-0-libelle": "Objectif",
            "tiers-TOTAL_FORMS": 0,
            "tiers-INITIAL_FORMS": 0,
        }

    # Both open version 1; the coordinator saves first.
    assert client_for(collegue).post(url, data("Texte du coordinateur", 1)).status_code == 302
    response = client_for(agent).post(url, data("Texte de l'agent", 1))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Vos changements ne sont PAS enregistrés" in html
    assert "Texte du coordinateur" in html and "Version initiale" in html
    assert "Marc Dubois" in html
    piis.refresh_from_db()
    assert piis.engagements_cpas == "Texte du coordinateur" and piis.version == 2
    # Re-submitting deliberately (now on version 2) saves the agent's text.
    assert client_for(agent).post(url, data("Texte de l'agent", 2)).status_code == 302
    piis.refresh_from_db()
    assert piis.engagements_cpas == "Texte de l'agent"


# --- Printing ----------------------------------------------------------------------------------


def pdf_text(content):
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "poppler-utils (pdftotext) is required"
    result = subprocess.run(
        [pdftotext, "-layout", "-", "-"], input=content, capture_output=True, check=True
    )
    return " ".join(result.stdout.decode().split())  # lines wrap: compare words


def test_printed_piis_is_an_a4_pdf_in_the_person_language(personne, agent, client_for):
    piis = piis_propose(personne, agent)
    piis.engagements_personne = "Suivre les cours du soir"
    Piis.objects.filter(pk=piis.pk).update(engagements_personne="Suivre les cours du soir")
    response = client_for(agent).get(f"/trajets/piis/{piis.pk}/pdf/")
    assert response["Content-Type"] == "application/pdf"
    texte = pdf_text(response.content)
    assert "Projet individualisé d'intégration sociale" in texte
    assert "DUPONT" in texte and "Obtenir le CESS" in texte and "Suivre les cours du soir" in texte
    assert "Pour la personne" in texte and "Pour le CPAS" in texte
    personne.langue = "nl"
    personne.save()
    texte_nl = pdf_text(client_for(agent).get(f"/trajets/piis/{piis.pk}/pdf/").content)
    assert "Geïndividualiseerd project voor maatschappelijke integratie" in texte_nl
    assert "Voor het OCMW" in texte_nl


def test_piis_pages_refuse_another_cpas_and_other_roles(
    personne, agent, cpas_b, cpas_a, make_user, client_for
):
    piis = piis_propose(personne, agent)
    autre_cpas = make_user(Role.COORDINATEUR, cpas_b)
    directeur = make_user(Role.DIRECTEUR, cpas_a)
    for url in (f"/trajets/piis/{piis.pk}/", f"/trajets/piis/{piis.pk}/pdf/"):
        assert client_for(agent).get(url).status_code == 200
        assert client_for(autre_cpas).get(url).status_code == 404
        assert client_for(directeur).get(url).status_code == 403
    assert EvaluationPiis.objects.count() == 0


# --- Lifecycle: the transition table and the lock on every write -------------------------------


def test_closing_with_a_stale_version_gives_the_conflict_message(personne, agent, client_for):
    piis = services.signer_piis(piis_propose(personne, agent), D(2025, 2, 10), agent)
    ouverte = piis.version  # the version on the user's page
    services.planifier_evaluations(piis)
    Piis.objects.filter(pk=piis.pk).update(version=ouverte + 1)  # someone saved meanwhile
    with pytest.raises(services.ConflitVersion):
        services.cloturer_piis(piis, StatutPiis.ATTEINT, D(2025, 12, 1), agent, ouverte)
    response = client_for(agent).post(
        f"/trajets/piis/{piis.pk}/cloturer/",
        {"statut": "atteint", "date": "2025-12-01", "version": ouverte},
        follow=True,
    )
    assert "a modifié ce PIIS entre-temps : relisez-le" in response.content.decode()
    piis.refresh_from_db()
    assert piis.statut == StatutPiis.SIGNE and piis.date_cloture is None


def test_transitions_follow_the_table(personne, agent, cpas_a, make_user):
    brouillon = PiisFactory(beneficiaire=personne, agent=agent)
    assert services.transitions_possibles(brouillon, agent) == ["propose", "abandonne"]
    with pytest.raises(ValidationError) as exc:
        services.cloturer_piis(brouillon, StatutPiis.ATTEINT, D(2025, 3, 1), agent)
    assert exc.value.messages == ["Seul un PIIS signé peut être clôturé comme atteint ou non."]
    with pytest.raises(ValidationError) as exc:
        services.cloturer_piis(brouillon, StatutPiis.ABANDONNE, D(2025, 3, 1), None)
    assert "ne pouvez pas" in exc.value.messages[0]  # the application does not abandon a PIIS
    abandonne = services.cloturer_piis(brouillon, StatutPiis.ABANDONNE, D(2025, 3, 1), agent)
    assert abandonne.version == 2
    with pytest.raises(ValidationError) as exc:
        services.cloturer_piis(abandonne, StatutPiis.ABANDONNE, D(2025, 3, 2), agent)
    assert exc.value.messages == ["Ce PIIS est déjà clôturé."]


# --- Evaluation date ("tenue le") ---------------------------------------------------------------

AUJOURD_HUI_EVAL = "2025-06-16 10:00"


def _evaluation_prevue(personne, agent, prevue):
    piis = services.signer_piis(piis_propose(personne, agent), D(2025, 2, 10), agent)
    return EvaluationPiis.objects.create(cpas=piis.cpas, piis=piis, date_prevue=prevue)


def _tenir(client, ev, tenue, **extra):
    objectif = ev.piis.objectifs.get()
    return client.post(
        f"/trajets/evaluation/{ev.pk}/",
        {
            "date_prevue": ev.date_prevue.isoformat(),
            "date_tenue": tenue,
            "mode": "presentiel",
            f"statut_{objectif.pk}": "en_cours",
            **extra,
        },
    )


def test_the_held_date_is_asked_not_prefilled_with_today(personne, agent, client_for):
    with freeze_time(AUJOURD_HUI_EVAL, tick=True):
        ev = _evaluation_prevue(personne, agent, D(2025, 9, 15))  # planned months ahead
        client = client_for(agent)
        html = client.get(f"/trajets/evaluation/{ev.pk}/").content.decode()
        assert 'name="date_tenue"' in html
        assert 'name="date_tenue" value=' not in html  # empty: the agent types it
        response = _tenir(client, ev, "")
    assert response.status_code == 200
    assert "Ce champ est obligatoire" in response.content.decode()
    ev.refresh_from_db()
    assert ev.date_tenue is None


def test_a_future_held_date_is_refused(personne, agent, client_for):
    with freeze_time(AUJOURD_HUI_EVAL, tick=True):
        ev = _evaluation_prevue(personne, agent, D(2025, 6, 20))
        response = _tenir(client_for(agent), ev, "2025-06-17", confirmer_date="on")
    assert response.status_code == 200
    assert "Une évaluation se note quand elle a eu lieu." in response.content.decode()
    ev.refresh_from_db()
    assert ev.date_tenue is None


def test_a_held_date_near_the_planned_one_saves_without_confirmation(personne, agent, client_for):
    with freeze_time(AUJOURD_HUI_EVAL, tick=True):
        ev = _evaluation_prevue(personne, agent, D(2025, 6, 1))
        response = _tenir(client_for(agent), ev, "2025-06-16")  # 15 days after
    assert response.status_code == 302
    ev.refresh_from_db()
    assert ev.date_tenue == D(2025, 6, 16)


def test_a_held_date_far_from_the_planned_one_asks_to_confirm_then_saves(
    personne, agent, client_for
):
    with freeze_time(AUJOURD_HUI_EVAL, tick=True):
        ev = _evaluation_prevue(personne, agent, D(2025, 9, 15))
        client = client_for(agent)
        response = _tenir(client, ev, "2025-06-16")  # 91 days before the planned date
        html = response.content.decode()
        assert response.status_code == 200
        assert "à 91 jours de la date prévue (15/09/2025)" in html
        assert 'name="confirmer_date"' in html
        ev.refresh_from_db()
        assert ev.date_tenue is None  # nothing saved until confirmed
        response = _tenir(client, ev, "2025-06-16", confirmer_date="on")
    assert response.status_code == 302
    ev.refresh_from_db()
    assert ev.date_tenue == D(2025, 6, 16)


@pytest.mark.parametrize("prevue, attendu", [(D(2025, 5, 17), 302), (D(2025, 5, 16), 200)])
def test_the_confirmation_is_asked_beyond_thirty_days(personne, agent, client_for, prevue, attendu):
    with freeze_time(AUJOURD_HUI_EVAL, tick=True):
        ev = _evaluation_prevue(personne, agent, prevue)
        assert _tenir(client_for(agent), ev, "2025-06-16").status_code == attendu


def test_printed_piis_says_nee_or_ne_from_the_known_gender(personne, agent, client_for):
    piis = piis_propose(personne, agent)
    url = f"/trajets/piis/{piis.pk}/pdf/"
    personnes = type(personne).objects.filter(pk=personne.pk)
    for genre, attendu, absent in (("F", "née le", "né le"), ("M", "né le", "née le")):
        personnes.update(genre=genre)
        texte = pdf_text(client_for(agent).get(url).content)
        assert attendu in texte and absent not in texte and "née le / né le" not in texte
    personnes.update(genre="")
    assert "née le / né le" in pdf_text(client_for(agent).get(url).content)


# --- PIIS form: objective rows added and removed in place ---------------------------------------


def _donnees_piis(**extra):
    return {
        "type": "emploi",
        "date_decision_ris": "2025-01-15",
        "politique_evaluation": "trimestrielle",
        "obj-TOTAL_FORMS": "2",
        "obj-INITIAL_FORMS": "0",
        "obj-0-libelle": "Obtenir le CESS",
        "obj-0-echeance": "2025-06-30",
        "obj-1-libelle": "Trouver un stage",
        "tiers-TOTAL_FORMS": "0",
        "tiers-INITIAL_FORMS": "0",
        **extra,
    }


def test_adding_an_objective_row_keeps_what_was_typed_and_saves_nothing(
    personne, agent, client_for
):
    url = f"/trajets/personne/{personne.pk}/piis/nouveau/"
    response = client_for(agent).post(url, _donnees_piis(ajouter_objectif="1", type=""))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="obj-TOTAL_FORMS" value="3"' in html
    assert "Obtenir le CESS" in html and "Trouver un stage" in html
    assert 'name="obj-2-libelle"' in html and "autofocus" in html
    assert "Ce champ est obligatoire" not in html  # the unfinished form is not judged yet
    assert not Piis.objects.exists()


def test_removing_an_objective_row_renumbers_the_others(personne, agent, client_for):
    url = f"/trajets/personne/{personne.pk}/piis/nouveau/"
    html = client_for(agent).post(url, _donnees_piis(retirer_objectif="0")).content.decode()
    assert 'name="obj-TOTAL_FORMS" value="1"' in html
    assert "Obtenir le CESS" not in html
    assert 'name="obj-0-libelle"' in html and "Trouver un stage" in html
    assert not Piis.objects.exists()


def test_a_piis_needs_at_least_one_objective_and_keeps_the_errors(personne, agent, client_for):
    url = f"/trajets/personne/{personne.pk}/piis/nouveau/"
    client = client_for(agent)
    vides = {"obj-0-libelle": "  ", "obj-0-echeance": "", "obj-1-libelle": ""}
    html = client.post(url, _donnees_piis(**vides)).content.decode()
    assert "Indiquez au moins un objectif." in html
    html = client.post(url, _donnees_piis(**{**vides, "obj-0-echeance": "2025-06-30"})).content
    html = html.decode()
    assert "Décrivez l&#x27;objectif de cette échéance." in html
    assert 'value="2025-06-30"' in html  # what was typed is shown again
    assert not Piis.objects.exists()
    assert client.post(url, _donnees_piis()).status_code == 302
    piis = Piis.objects.get()
    assert list(piis.objectifs.order_by("ordre").values_list("libelle", flat=True)) == [
        "Obtenir le CESS",
        "Trouver un stage",
    ]


def test_removing_a_saved_objective_deletes_it_on_save(personne, agent, client_for):
    piis = piis_propose(personne, agent)
    ObjectifPiis.objects.create(cpas=piis.cpas, piis=piis, ordre=2, libelle="Trouver un stage")
    url = f"/trajets/piis/{piis.pk}/modifier/"
    client = client_for(agent)
    html = client.get(url).content.decode()
    assert 'name="obj-TOTAL_FORMS" value="2"' in html
    ids = list(piis.objectifs.order_by("ordre").values_list("pk", flat=True))
    donnees = _donnees_piis(
        version=piis.version, **{"obj-0-id": ids[0], "obj-1-id": ids[1], "obj-INITIAL_FORMS": "2"}
    )
    html = client.post(url, {**donnees, "retirer_objectif": "0"}).content.decode()
    assert 'name="obj-TOTAL_FORMS" value="1"' in html
    assert f'name="obj-0-id" value="{ids[1]}"' in html
    donnees = _donnees_piis(
        version=piis.version,
        **{"obj-TOTAL_FORMS": "1", "obj-0-id": ids[1], "obj-0-libelle": "Trouver un stage"},
    )
    assert client.post(url, donnees).status_code == 302
    assert list(piis.objectifs.values_list("libelle", flat=True)) == ["Trouver un stage"]
