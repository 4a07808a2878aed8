"""Who follows whom (issue 12): the referent is the one notion of who follows a person; its
changes (one file or in bulk, by a coordinator) move access, workload and queues together, leave
a history row, an audit context and a notification; closing a file ends what the user chose in
one transaction and makes it read-only until reopened."""

import datetime

import pghistory.models
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from beneficiaires import hooks, services
from beneficiaires.models import AttributionReferent, Beneficiaire, ClotureDossier
from cpas_isp.models import NatureNotification, Notification, Role
from partenaires import dossier as partenaires_dossier
from partenaires.models import StatutOrientation
from rapports import queries as rapports_queries
from tests.beneficiaires.factories import BeneficiaireFactory, DroitFactory
from tests.partenaires.factories import OrientationFactory
from tests.trajets.factories import PassageFactory, PiisFactory, motif
from trajets import dossier as trajets_dossier
from trajets import queries as trajets_queries
from trajets.models import PassagePhase, StatutPiis


@pytest.fixture(autouse=True)
def apps_reelles(monkeypatch):
    """These journeys cross apps: the real hooks of trajets and partenaires, not fakes."""
    monkeypatch.setattr(hooks, "_cellule_filters", [trajets_queries.filtrer_par_cellule])
    monkeypatch.setattr(hooks, "_reattributions", [trajets_dossier.reattribuer_passages])
    monkeypatch.setattr(
        hooks,
        "_clotures",
        [trajets_dossier.elements_cloture, partenaires_dossier.elements_cloture],
    )
    monkeypatch.setattr(hooks, "_suivi_cellule", [trajets_dossier.suivi_cellule])


def il_y_a(jours):
    return timezone.localdate() - datetime.timedelta(days=jours)


@pytest.fixture
def monde(cpas_a, cpas_b, make_user):
    ancien = make_user(Role.AGENT, cpas_a, first_name="Anne", last_name="Ancien")
    nouveau = make_user(Role.AGENT, cpas_a, first_name="Noé", last_name="Nouveau")
    coord = make_user(Role.COORDINATEUR, cpas_a, first_name="Cora", last_name="Coord")
    autre_cpas = make_user(Role.AGENT, cpas_b, first_name="Bert", last_name="Beta")
    return {"ancien": ancien, "nouveau": nouveau, "coord": coord, "autre_cpas": autre_cpas}


def personne_suivie(cpas, referent, phase="facilitateur", **kwargs):
    b = BeneficiaireFactory(cpas=cpas, referent=referent, date_ouverture=il_y_a(400), **kwargs)
    PassageFactory(beneficiaire=b, phase=phase, debut=il_y_a(100), agent=referent)
    return b


# --- One file -------------------------------------------------------------------------------


def test_changer_le_referent_deplace_acces_charge_et_historique(monde, cpas_a, client_for):
    b = personne_suivie(cpas_a, monde["ancien"])
    url = reverse("beneficiaires:referent", args=[b.pk])
    reponse = client_for(monde["coord"]).post(
        url,
        {"agent": monde["nouveau"].pk, "motif": "Congé de longue durée", "passage_aussi": "on"},
    )
    assert reponse.status_code == 302
    b.refresh_from_db()
    assert b.referent == monde["nouveau"]
    # Access moves: the new agent opens the file, the old one gets 404.
    assert client_for(monde["nouveau"]).get(b.get_absolute_url()).status_code == 200
    assert client_for(monde["ancien"]).get(b.get_absolute_url()).status_code == 404
    # The running stay's agent followed, and the workload counts the new referent.
    assert PassagePhase.objects.get(beneficiaire=b).agent == monde["nouveau"]
    charge = {
        ligne.agent_id: ligne.total
        for ligne in rapports_queries.charge_de_travail([cpas_a.pk], timezone.localdate())
    }
    assert charge == {monde["nouveau"].pk: 1}
    # History row, audit context, notification.
    a = AttributionReferent.objects.get(beneficiaire=b)
    assert (a.ancien, a.nouveau, a.par, a.motif) == (
        monde["ancien"],
        monde["nouveau"],
        monde["coord"],
        "Congé de longue durée",
    )
    evenements = pghistory.models.Events.objects.filter(
        pgh_obj_model="beneficiaires.Beneficiaire", pgh_obj_id=str(b.pk)
    )
    assert any(
        (e.pgh_context or {}).get("operation") == "reattribution"
        and e.pgh_data["referent_id"] == monde["nouveau"].pk
        for e in evenements
    )
    n = Notification.objects.get(destinataire=monde["nouveau"])
    assert n.nature == NatureNotification.DOSSIER_ATTRIBUE
    assert n.personne_id == b.pk and n.lien == b.get_absolute_url()
    # The person page shows the history.
    page = client_for(monde["coord"]).get(b.get_absolute_url()).content.decode()
    assert "Historique du suivi" in page and "Congé de longue durée" in page


def test_le_formulaire_d_identite_ne_change_plus_le_referent(monde, cpas_a, client_for):
    b = personne_suivie(cpas_a, monde["ancien"])
    page = client_for(monde["coord"]).get(reverse("beneficiaires:modifier", args=[b.pk]))
    assert 'name="referent"' not in page.content.decode()
    assert 'name="date_cloture"' not in page.content.decode()


def test_sans_passage_aussi_l_agent_du_passage_reste_agent_de_la_cellule(monde, cpas_a, client_for):
    b = personne_suivie(cpas_a, monde["ancien"])
    client_for(monde["coord"]).post(
        reverse("beneficiaires:referent", args=[b.pk]), {"agent": monde["nouveau"].pk}
    )
    assert PassagePhase.objects.get(beneficiaire=b).agent == monde["ancien"]
    # Workload and "my queue" count the referent whatever the stay's agent.
    charge = rapports_queries.charge_de_travail([cpas_a.pk], timezone.localdate())
    assert [(ligne.agent_id, ligne.total) for ligne in charge] == [(monde["nouveau"].pk, 1)]


def test_un_agent_ne_peut_pas_reattribuer(monde, cpas_a, client_for):
    b = personne_suivie(cpas_a, monde["ancien"])
    client = client_for(monde["ancien"])
    assert client.get(reverse("beneficiaires:referent", args=[b.pk])).status_code == 403
    reponse = client.post(
        reverse("beneficiaires:reattribuer"), {"personnes": [b.pk], "agent": monde["ancien"].pk}
    )
    assert reponse.status_code == 403
    assert not AttributionReferent.objects.exists()


def test_agent_d_un_autre_cpas_refuse_avec_un_message(monde, cpas_a, client_for):
    b = personne_suivie(cpas_a, monde["ancien"])
    reponse = client_for(monde["coord"]).post(
        reverse("beneficiaires:referent", args=[b.pk]), {"agent": monde["autre_cpas"].pk}
    )
    assert reponse.status_code == 200
    assert "Choisissez un agent actif de ce CPAS." in reponse.content.decode()
    b.refresh_from_db()
    assert b.referent == monde["ancien"]


def test_service_refuse_un_agent_d_un_autre_cpas(monde, cpas_a):
    b = personne_suivie(cpas_a, monde["ancien"])
    with pytest.raises(Exception, match="agent actif de ce CPAS"):
        services.reattribuer([b.pk], monde["autre_cpas"], par=monde["coord"], cpas=cpas_a)
    assert Beneficiaire.objects.get(pk=b.pk).referent == monde["ancien"]


# --- Bulk -----------------------------------------------------------------------------------


def test_reattribution_en_bloc_de_tous_les_dossiers_du_filtre(monde, cpas_a, client_for):
    a_deplacer = [personne_suivie(cpas_a, monde["ancien"], commune="Namur") for _ in range(7)]
    reste = personne_suivie(cpas_a, monde["ancien"], commune="Liège")
    url = reverse("beneficiaires:reattribuer") + "?q=&commune=&referent=" + str(monde["ancien"].pk)
    # The filters of the list: the old agent's files of Namur (the search on the commune is
    # not a filter, so filter on the referent and exclude Liège by ticking "all" after search).
    liste = client_for(monde["coord"]).get(
        reverse("beneficiaires:liste"), {"referent": monde["ancien"].pk}
    )
    assert "Réattribuer les 8 personnes correspondant aux filtres" in liste.content.decode()
    reponse = client_for(monde["coord"]).post(
        url,
        {"tous": "1", "nombre": "8", "agent": monde["nouveau"].pk, "passage_aussi": "on"},
    )
    assert reponse.status_code == 302
    assert set(
        Beneficiaire.objects.filter(referent=monde["nouveau"]).values_list("pk", flat=True)
    ) == {b.pk for b in [*a_deplacer, reste]}
    assert AttributionReferent.objects.count() == 8
    assert Notification.objects.filter(destinataire=monde["nouveau"]).count() == 8
    assert PassagePhase.objects.filter(agent=monde["nouveau"]).count() == 8  # stays followed too


def test_reattribution_en_bloc_refusee_quand_la_selection_a_change(monde, cpas_a, client_for):
    for _ in range(3):
        personne_suivie(cpas_a, monde["ancien"])
    reponse = client_for(monde["coord"]).post(
        reverse("beneficiaires:reattribuer") + f"?referent={monde['ancien'].pk}",
        {"tous": "1", "nombre": "2", "agent": monde["nouveau"].pk},
        follow=True,
    )
    assert "La sélection a changé (3 dossiers au lieu de 2)" in reponse.content.decode()
    assert not AttributionReferent.objects.exists()


def test_reattribution_des_personnes_cochees(monde, cpas_a, client_for):
    cochees = [personne_suivie(cpas_a, monde["ancien"]) for _ in range(3)]
    autre = personne_suivie(cpas_a, monde["ancien"])
    reponse = client_for(monde["coord"]).post(
        reverse("beneficiaires:reattribuer"),
        {"personnes": [b.pk for b in cochees], "agent": monde["nouveau"].pk},
        follow=True,
    )
    assert "3 dossiers attribués à Noé Nouveau." in reponse.content.decode()
    autre.refresh_from_db()
    assert autre.referent == monde["ancien"]
    assert Beneficiaire.objects.filter(referent=monde["nouveau"]).count() == 3


def test_un_id_d_un_autre_cpas_donne_404_et_rien_ne_change(monde, cpas_a, cpas_b, client_for):
    ici = personne_suivie(cpas_a, monde["ancien"])
    ailleurs = personne_suivie(cpas_b, monde["autre_cpas"])
    reponse = client_for(monde["coord"]).post(
        reverse("beneficiaires:reattribuer"),
        {"personnes": [ici.pk, ailleurs.pk], "agent": monde["nouveau"].pk},
    )
    assert reponse.status_code == 404
    assert not AttributionReferent.objects.exists()
    ici.refresh_from_db()
    assert ici.referent == monde["ancien"]


def test_en_bloc_un_echec_annule_tout(monde, cpas_a, monkeypatch):
    personnes = [personne_suivie(cpas_a, monde["ancien"]) for _ in range(4)]
    appels = []
    original = services.notifier

    def notifier_qui_echoue(*args, **kwargs):
        appels.append(1)
        if len(appels) == 3:
            raise RuntimeError("panne au 3e dossier")
        return original(*args, **kwargs)

    monkeypatch.setattr(services, "notifier", notifier_qui_echoue)
    with pytest.raises(RuntimeError):
        services.reattribuer(
            [b.pk for b in personnes],
            monde["nouveau"],
            par=monde["coord"],
            cpas=cpas_a,
            passage_aussi=True,
        )
    assert not Beneficiaire.objects.filter(referent=monde["nouveau"]).exists()
    assert not AttributionReferent.objects.exists()
    assert not PassagePhase.objects.filter(agent=monde["nouveau"]).exists()
    assert not Notification.objects.exists()


def test_en_bloc_un_dossier_anonymise_refuse_le_lot(monde, cpas_a, client_for):
    normal = personne_suivie(cpas_a, monde["ancien"])
    anonyme = personne_suivie(cpas_a, monde["ancien"])
    Beneficiaire.objects.filter(pk=anonyme.pk).update(anonymise_le=timezone.now())
    reponse = client_for(monde["coord"]).post(
        reverse("beneficiaires:reattribuer"),
        {"personnes": [normal.pk, anonyme.pk], "agent": monde["nouveau"].pk},
        follow=True,
    )
    assert "Un dossier anonymisé ne peut plus être réattribué" in reponse.content.decode()
    normal.refresh_from_db()
    assert normal.referent == monde["ancien"]


def test_la_file_mes_dossiers_suit_le_referent(monde, cpas_a, client_for):
    b = personne_suivie(cpas_a, monde["ancien"], phase="emploi")
    services.reattribuer([b.pk], monde["nouveau"], par=monde["coord"], cpas=cpas_a)
    cellule = cpas_a.cellules.get(code="emploi")
    miens_ancien = trajets_queries.file_cellule(monde["ancien"], cellule, filtre="miens")
    miens_nouveau = trajets_queries.file_cellule(monde["nouveau"], cellule, filtre="miens")
    assert [p.beneficiaire_id for p in miens_nouveau] == [b.pk]
    assert list(miens_ancien) == []  # the stay's agent was left as it was: not "mine" any more


# --- Closing and reopening ------------------------------------------------------------------


@pytest.fixture
def dossier_en_cours(monde, cpas_a):
    b = personne_suivie(cpas_a, monde["ancien"])
    DroitFactory(beneficiaire=b, debut=il_y_a(300))
    piis = PiisFactory(
        beneficiaire=b,
        agent=monde["ancien"],
        statut=StatutPiis.SIGNE,
        date_decision_ris=il_y_a(300),
        date_proposition=il_y_a(290),
        date_signature=il_y_a(280),
        debut=il_y_a(280),
    )
    envoyee = OrientationFactory(
        beneficiaire=b, agent=monde["ancien"], statut=StatutOrientation.ENVOYEE
    )
    suivie = OrientationFactory(
        beneficiaire=b,
        agent=monde["ancien"],
        statut=StatutOrientation.EN_COURS,
        date_debut=il_y_a(30),
    )
    return b, piis, envoyee, suivie


def _donnees_cloture(b, piis, **extra):
    donnees = {
        "date": timezone.localdate().isoformat(),
        "motif": "Emploi trouvé",
        "terminer_droit": "on",
        "terminer_passage": "on",
        "passage__motif_sortie": motif("positive").pk,
        f"terminer_piis_{piis.pk}": "on",
        f"piis_{piis.pk}__statut": StatutPiis.ATTEINT,
        "terminer_orientations": "on",
        "orientations__resultat": "emploi",
    }
    donnees.update(extra)
    return donnees


def test_cloturer_termine_ce_qui_est_choisi(monde, dossier_en_cours, client_for):
    b, piis, envoyee, suivie = dossier_en_cours
    client = client_for(monde["ancien"])  # the referent may close
    formulaire = client.get(reverse("beneficiaires:cloturer", args=[b.pk])).content.decode()
    for attendu in ("Droit RIS en cours", "Passage en phase", "PIIS signé", "2 orientations"):
        assert attendu in formulaire
    reponse = client.post(reverse("beneficiaires:cloturer", args=[b.pk]), _donnees_cloture(b, piis))
    assert reponse.status_code == 302
    b.refresh_from_db()
    aujourd_hui = timezone.localdate()
    assert b.date_cloture == aujourd_hui
    assert b.droits.get().fin == aujourd_hui
    passage = PassagePhase.objects.get(beneficiaire=b)
    assert passage.fin == aujourd_hui and passage.motif_sortie == motif("positive")
    piis.refresh_from_db()
    assert piis.statut == StatutPiis.ATTEINT
    envoyee.refresh_from_db()
    suivie.refresh_from_db()
    assert envoyee.statut == StatutOrientation.ANNULEE
    assert (suivie.statut, suivie.resultat) == (StatutOrientation.TERMINEE, "emploi")
    c = ClotureDossier.objects.get(beneficiaire=b)
    assert c.nature == "cloture" and len(c.termine) == 4
    # The person page is read-only: a banner, no action buttons.
    page = client.get(b.get_absolute_url()).content.decode()
    assert "lecture seule" in page
    assert reverse("beneficiaires:droit_ajouter", args=[b.pk]) not in page
    assert reverse("beneficiaires:cloturer", args=[b.pk]) not in page


def test_cloturer_sans_cocher_laisse_courir(monde, dossier_en_cours, client_for):
    b, piis, envoyee, _suivie = dossier_en_cours
    client_for(monde["coord"]).post(
        reverse("beneficiaires:cloturer", args=[b.pk]),
        {"date": timezone.localdate().isoformat()},
    )
    b.refresh_from_db()
    assert b.date_cloture == timezone.localdate()
    assert b.droits.get().fin is None
    assert PassagePhase.objects.get(beneficiaire=b).fin is None
    piis.refresh_from_db()
    assert piis.statut == StatutPiis.SIGNE
    envoyee.refresh_from_db()
    assert envoyee.statut == StatutOrientation.ENVOYEE


def test_cloture_tout_ou_rien(monde, dossier_en_cours, client_for):
    """The exit reason is missing for the stay: the form says so and nothing is ended."""
    b, piis, envoyee, _suivie = dossier_en_cours
    reponse = client_for(monde["coord"]).post(
        reverse("beneficiaires:cloturer", args=[b.pk]),
        _donnees_cloture(b, piis, **{"passage__motif_sortie": ""}),
    )
    assert reponse.status_code == 200
    assert "obligatoire pour terminer cet élément" in reponse.content.decode()
    b.refresh_from_db()
    assert b.date_cloture is None
    assert b.droits.get().fin is None


def test_cloture_un_refus_d_un_element_annule_tout(monde, dossier_en_cours):
    """An element refusing (here the PIIS service, after the right was ended) rolls back
    everything: the right runs again and the file stays open."""
    b, piis, _envoyee, _suivie = dossier_en_cours
    choisis = {"droit": {}, f"piis_{piis.pk}": {"statut": StatutPiis.BROUILLON}}
    with pytest.raises(ValidationError, match="PIIS"):
        services.cloturer_dossier(b, timezone.localdate(), par=monde["coord"], choisis=choisis)
    b.refresh_from_db()
    assert b.date_cloture is None
    assert b.droits.get().fin is None
    piis.refresh_from_db()
    assert piis.statut == StatutPiis.SIGNE
    assert not ClotureDossier.objects.exists()


@pytest.fixture
def dossier_clos(monde, dossier_en_cours):
    b, piis, envoyee, suivie = dossier_en_cours
    services.cloturer_dossier(b, timezone.localdate(), par=monde["coord"], choisis={})
    return b, piis, envoyee


def _ecritures(b, piis, envoyee):
    """(url, data) of write views of several apps for this person."""
    from tests.partenaires.factories import ServiceFactory

    return [
        (reverse("trajets:etape_rapide", args=[b.pk]), {"date": timezone.localdate()}),
        (reverse("trajets:piis_nouveau", args=[b.pk]), {"type": "emploi"}),
        (reverse("trajets:piis_cloturer", args=[piis.pk]), {"statut": "atteint"}),
        (
            reverse("partenaires:orientation_creer"),
            {
                "beneficiaire": b.pk,
                "service": ServiceFactory().pk,
                "motif": "x",
                "date_orientation": timezone.localdate(),
            },
        ),
        (reverse("documents:ajouter", args=[b.pk]), {"titre": "x"}),
        (reverse("rendezvous:creer", args=[b.pk]), {"participants": [b.pk]}),
        (reverse("beneficiaires:droit_ajouter", args=[b.pk]), {"type": "RIS"}),
        (reverse("beneficiaires:bilan_modifier", args=[b.pk]), {"projet": "x"}),
        (reverse("trajets:orienter", args=[b.pk]), {"phase": "emploi"}),
    ]


def test_un_dossier_clos_refuse_les_ecritures_jusqu_a_sa_reouverture(
    monde, dossier_clos, client_for
):
    b, piis, envoyee = dossier_clos
    client = client_for(monde["coord"])
    for url, data in _ecritures(b, piis, envoyee):
        reponse = client.post(url, data)
        assert reponse.status_code == 403, url
        assert "est clôturé depuis le" in reponse.content.decode(), url
    # Reopening (recorded) lifts the read-only state.
    reponse = client.post(reverse("beneficiaires:rouvrir", args=[b.pk]), {"motif": "Retour"})
    assert reponse.status_code == 302
    b.refresh_from_db()
    assert b.date_cloture is None
    assert ClotureDossier.objects.filter(beneficiaire=b, nature="reouverture").exists()
    reponse = client.post(
        reverse("beneficiaires:bilan_modifier", args=[b.pk]), {"projet": "Cuisine"}
    )
    assert reponse.status_code == 302


def test_un_agent_hors_suivi_ne_peut_ni_cloturer_ni_rouvrir(
    monde, dossier_clos, make_user, cpas_a, client_for
):
    b, _piis, _envoyee = dossier_clos
    autre_agent = make_user(Role.AGENT, cpas_a)
    client = client_for(autre_agent)
    assert client.post(reverse("beneficiaires:rouvrir", args=[b.pk])).status_code == 404
    b.refresh_from_db()
    assert b.date_cloture is not None


def test_un_dossier_d_un_autre_cpas_ne_se_cloture_pas(monde, cpas_b, client_for, make_user):
    b = personne_suivie(cpas_b, monde["autre_cpas"])
    reponse = client_for(monde["coord"]).post(
        reverse("beneficiaires:cloturer", args=[b.pk]),
        {"date": timezone.localdate().isoformat()},
    )
    assert reponse.status_code == 404
    b.refresh_from_db()
    assert b.date_cloture is None


def test_cloture_dans_le_futur_refusee(monde, dossier_en_cours, client_for):
    b, _piis, _e, _s = dossier_en_cours
    demain = timezone.localdate() + datetime.timedelta(days=1)
    reponse = client_for(monde["coord"]).post(
        reverse("beneficiaires:cloturer", args=[b.pk]), {"date": demain.isoformat()}
    )
    assert "ne peut pas être dans le futur" in reponse.content.decode()
    b.refresh_from_db()
    assert b.date_cloture is None


def test_un_dossier_clos_refuse_aussi_les_choix_dans_un_champ(monde, dossier_clos):
    """An agenda's slot or an activity's search chooses the person in a field: the services
    refuse a closed file during a writing request too."""
    from activites import services as activites_services
    from beneficiaires.acces import ECRITURE, DossierCloture
    from rendezvous import services as rdv_services
    from rendezvous.models import RendezVous

    b, _piis, _envoyee = dossier_clos
    jeton = ECRITURE.set(True)
    try:
        with pytest.raises(DossierCloture):
            rdv_services.planifier(RendezVous(cpas=b.cpas), [b], monde["coord"])
        with pytest.raises(DossierCloture):
            activites_services.inscrire(None, b, monde["coord"])
    finally:
        ECRITURE.reset(jeton)


def test_reattribution_en_bloc_avec_un_nombre_demesure_est_refusee(monde, cpas_a, client_for):
    """A count of 5,000 digits (more than Python reads as a number) is a selection that
    changed: refused with the message, nothing reassigned, no error page."""
    personne_suivie(cpas_a, monde["ancien"])
    reponse = client_for(monde["coord"]).post(
        reverse("beneficiaires:reattribuer") + f"?referent={monde['ancien'].pk}",
        {"tous": "1", "nombre": "9" * 5000, "agent": monde["nouveau"].pk},
        follow=True,
    )
    assert reponse.status_code == 200
    assert "La sélection a changé (1 dossiers au lieu de 999" in reponse.content.decode()
    assert not AttributionReferent.objects.exists()
