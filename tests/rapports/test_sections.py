"""PIIS compliance, article 60 and referrals/programmes: figures, people behind them, PDF."""

import datetime
import re
import shutil
import subprocess

import pytest
from django.urls import reverse

from cpas_isp.models import Role
from partenaires.models import StatutOrientation, StatutParticipation
from rapports import services, suivi
from tests.beneficiaires.factories import BeneficiaireFactory, DroitFactory
from tests.partenaires.factories import (
    OrientationFactory,
    ParticipationFactory,
    ProgrammeFactory,
    ServiceFactory,
)
from tests.trajets.factories import ContratFactory, PiisFactory, motif
from trajets.models import EvaluationPiis, MotifSortie, PoolArticle60

D = datetime.date
DEBUT, FIN = D(2025, 1, 1), D(2025, 12, 31)


@pytest.fixture
def piis(cpas_a):
    def ris(decision=None, debut=None):
        b = BeneficiaireFactory(cpas=cpas_a)
        DroitFactory(beneficiaire=b, date_decision=decision, debut=debut or decision)
        return b

    def signe(b, decision, signature):
        return PiisFactory(
            beneficiaire=b,
            date_decision_ris=decision,
            statut="signe",
            date_proposition=signature - datetime.timedelta(days=6),
            date_signature=signature,
            debut=signature,
        )

    b1 = ris(D(2025, 2, 1))
    p1 = signe(b1, D(2025, 2, 1), D(2025, 4, 15))  # within 3 months
    b2 = ris(debut=D(2025, 3, 10))  # no decision date: the start counts
    signe(b2, D(2025, 3, 10), D(2025, 7, 1))  # signed late
    b3 = ris(D(2025, 5, 1))  # never signed: overdue
    ris(D(2025, 11, 1))  # due on 1 February 2026: not yet overdue
    ris(D(2024, 6, 1))  # decision before the period
    for prevue, tenue in [
        (D(2025, 7, 15), D(2025, 7, 10)),  # on time
        (D(2025, 10, 15), D(2025, 10, 20)),  # late
        (D(2025, 12, 15), None),  # overdue
        (D(2026, 1, 15), None),  # after the date
    ]:
        EvaluationPiis.objects.create(cpas=cpas_a, piis=p1, date_prevue=prevue, date_tenue=tenue)
    return b1, b2, b3


def test_piis_compliance(piis, cpas_a):
    c = suivi.conformite_piis([cpas_a.pk], DEBUT, FIN, FIN)
    assert (c.dus, c.echus, c.signes_a_temps, c.en_retard) == (4, 3, 1, 1)
    assert str(c.taux_signature) == "33.33"
    assert (c.evaluations_prevues, c.evaluations_a_temps, c.evaluations_tardives) == (3, 1, 1)
    assert c.evaluations_en_retard == 1
    b1, _b2, b3 = piis
    assert list(suivi.personnes_piis_en_retard([cpas_a.pk], DEBUT, FIN, FIN)) == [b3]
    assert list(suivi.personnes_evaluations_en_retard([cpas_a.pk], DEBUT, FIN)) == [b1]


@pytest.fixture
def article60(cpas_a):
    PoolArticle60.objects.create(
        cpas=cpas_a, valable_du=D(2025, 1, 1), postes_total=10, postes_economie_sociale=4
    )

    def contrat(**kwargs):
        return ContratFactory(beneficiaire=BeneficiaireFactory(cpas=cpas_a), **kwargs)

    droits = MotifSortie.objects.get(code="article60_droits")
    finissant = contrat(debut=D(2025, 3, 1), fin_prevue=D(2026, 1, 20), economie_sociale=True)
    contrat(debut=D(2025, 1, 1), fin_prevue=D(2026, 6, 30))
    ouvert = contrat(
        debut=D(2025, 1, 1), fin_prevue=D(2025, 12, 31), fin_reelle=D(2025, 9, 30), motif_fin=droits
    )
    contrat(
        debut=D(2025, 1, 1),
        fin_prevue=D(2025, 12, 31),
        fin_reelle=D(2025, 6, 30),
        motif_fin=motif("negative"),
    )
    return finissant, ouvert


def test_article60_occupancy_and_contracts(article60, cpas_a):
    a = suivi.article60([cpas_a.pk], DEBUT, FIN, FIN)
    assert (a.postes, a.postes_economie_sociale, a.occupes, a.occupes_economie_sociale) == (
        10,
        4,
        2,
        1,
    )
    assert (str(a.taux_occupation), a.libres, a.finissant) == ("20.00", 8, 1)
    assert (a.termines, a.droits_ouverts) == (2, 1)
    finissant, ouvert = article60
    assert [b.pk for b in suivi.personnes_article60([cpas_a.pk], "finissant", DEBUT, FIN, FIN)] == [
        finissant.beneficiaire_id
    ]
    assert [
        b.pk for b in suivi.personnes_article60([cpas_a.pk], "droits_ouverts", DEBUT, FIN, FIN)
    ] == [ouvert.beneficiaire_id]


@pytest.fixture
def orientations(cpas_a):
    service = ServiceFactory(partenaire__nom="Forem Namur")
    autre = ServiceFactory(partenaire__nom="Lire et Écrire")
    jour = D(2025, 5, 5)

    def orienter(s, statut, **kwargs):
        return OrientationFactory(
            beneficiaire=BeneficiaireFactory(cpas=cpas_a),
            service=s,
            statut=statut,
            date_orientation=jour,
            **kwargs,
        )

    orienter(service, StatutOrientation.ACCEPTEE, date_envoi=jour, date_reponse=jour)
    orienter(
        service,
        StatutOrientation.REFUSEE,
        date_envoi=jour,
        date_reponse=jour,
        motif_refus="complet",
    )
    orienter(
        service,
        StatutOrientation.TERMINEE,
        date_envoi=jour,
        date_reponse=jour,
        date_debut=jour,
        date_fin=D(2025, 9, 1),
        resultat="emploi",
    )
    orienter(autre, StatutOrientation.PROPOSEE)
    programme = ProgrammeFactory(cpas=cpas_a, debut=D(2025, 1, 1), objectif_participants=20)
    for statut, resultat in [
        (StatutParticipation.ACTIF, ""),
        (StatutParticipation.TERMINE, "emploi"),
        (StatutParticipation.ABANDON, "sans_solution"),
    ]:
        ParticipationFactory(
            programme=programme,
            statut=statut,
            resultat=resultat,
            date_inscription=D(2025, 1, 5),
            date_debut=D(2025, 1, 10),
        )
    return service.partenaire, programme


def test_referrals_per_partner_and_programme_progress(orientations, cpas_a):
    partenaire, programme = orientations
    lignes = suivi.orientations_par_partenaire([cpas_a.pk], DEBUT, FIN)
    assert [
        (o.partenaire, o.orientees, o.envoyees, o.acceptees, o.refusees, o.terminees, o.positives)
        for o in lignes
    ] == [
        ("Forem Namur", 3, 3, 2, 1, 1, 1),
        ("Lire et Écrire", 1, 0, 0, 0, 0, 0),
    ]
    assert str(lignes[0].taux_acceptation) == "66.67"
    (p,) = suivi.programmes(cpas_a.pk, DEBUT, FIN)
    assert (p.inscrits, p.commences, p.termines, p.abandons, p.sorties_positives) == (3, 3, 1, 1, 1)
    assert (str(p.progression), str(p.taux_achevement), str(p.taux_sortie_positive)) == (
        "15.00",
        "33.33",
        "50.00",
    )


def test_dashboard_sections_link_to_people(
    piis, article60, orientations, cpas_a, make_user, client_for
):
    coordinateur = make_user(Role.COORDINATEUR, cpas_a)
    client = client_for(coordinateur)
    response = client.get(reverse("rapports:tableau_de_bord"), {"du": "2025-01", "au": "2025-12"})
    html = response.content.decode()
    for ancre in ["section-piis", "section-article60", "section-orientations"]:
        assert f'id="{ancre}"' in html
    _b1, _b2, b3 = piis
    lien = re.search(r'href="([^"]*indicateur=piis_en_retard[^"]*)"', html).group(1)
    liste = client.get(lien.replace("&amp;", "&"))
    assert [b.pk for b in liste.context["page"].object_list] == [b3.pk]
    partenaire, _ = orientations
    lien = re.search(r'href="([^"]*indicateur=orient_acceptees[^"]*)"', html).group(1)
    assert liste.status_code == 200
    assert client.get(lien.replace("&amp;", "&")).context["page"].paginator.count == 2
    xlsx = client.get(
        reverse("rapports:export", args=["programmes", "xlsx"]), {"du": "2025-01", "au": "2025-12"}
    )
    assert xlsx.status_code == 200


def test_sections_hidden_for_another_cellule(piis, cpas_a, make_user, client_for):
    agent = make_user(Role.AGENT, cpas_a, cellule="alpha")
    html = client_for(agent).get(reverse("rapports:tableau_de_bord")).content.decode()
    assert 'id="section-piis"' not in html and 'id="section-article60"' not in html


def test_pdf_has_the_follow_up_sections(piis, article60, orientations, cpas_a, tmp_path):
    if not shutil.which("pdftotext"):
        pytest.fail("pdftotext (poppler-utils) is required")
    chemin = tmp_path / "r.pdf"
    chemin.write_bytes(services.rendre_pdf(cpas_a, D(2025, 12, 1), "fr"))
    texte = subprocess.run(
        ["pdftotext", "-layout", str(chemin), "-"], capture_output=True, check=True
    ).stdout.decode()
    texte = re.sub(r"[ \u00a0\u202f]+", " ", texte)
    assert "Part signée dans les 3 mois 33,33 %" in texte
    assert "Taux d'occupation 20,00 %" in texte
    assert "Forem" in texte and "3 3 2 1 0 1 1 66,67 %" in texte  # the name may wrap
    assert "15,00 %" in texte and "33,33 %" in texte
    for b in cpas_a.beneficiaires.all():
        assert b.nom not in texte and b.niss not in texte


def test_director_exports_the_sections_without_people_links(
    piis, article60, cpas_a, make_user, client_for
):
    directeur = make_user(Role.DIRECTEUR, cpas_a)
    client = client_for(directeur)
    periode = {"du": "2025-01", "au": "2025-12"}
    html = client.get(reverse("rapports:tableau_de_bord"), periode).content.decode()
    assert reverse("rapports:export", args=["piis", "csv"]) in html
    assert "indicateur=piis_en_retard" not in html
    response = client.get(reverse("rapports:export", args=["piis", "csv"]), periode)
    lignes = b"".join(response.streaming_content).decode().lstrip("\ufeff").splitlines()
    assert "Part signée dans les 3 mois (%);33,33" in lignes
    response = client.get(reverse("rapports:export", args=["article60", "csv"]), periode)
    lignes = b"".join(response.streaming_content).decode().lstrip("\ufeff").splitlines()
    assert "Postes occupés;2" in lignes


@pytest.fixture
def orientations_en_attente(cpas_a):
    """The hand example: 2 accepted, 1 refused and 3 still waiting for an answer."""
    service = ServiceFactory(partenaire__nom="Actiris")
    jour = D(2025, 11, 5)
    for statut in [
        StatutOrientation.ACCEPTEE,
        StatutOrientation.EN_COURS,
        StatutOrientation.REFUSEE,
        StatutOrientation.ENVOYEE,
        StatutOrientation.ENVOYEE,
        StatutOrientation.PROPOSEE,
    ]:
        repondu = statut not in (StatutOrientation.ENVOYEE, StatutOrientation.PROPOSEE)
        OrientationFactory(
            beneficiaire=BeneficiaireFactory(cpas=cpas_a),
            service=service,
            statut=statut,
            date_orientation=jour,
            date_envoi=None if statut == StatutOrientation.PROPOSEE else jour,
            date_reponse=jour if repondu else None,
            motif_refus="complet" if statut == StatutOrientation.REFUSEE else "",
        )
    return service.partenaire


def test_acceptance_rate_counts_only_answered_referrals(orientations_en_attente, cpas_a):
    (ligne,) = suivi.orientations_par_partenaire([cpas_a.pk], DEBUT, FIN)
    assert (ligne.acceptees, ligne.refusees, ligne.en_attente) == (2, 1, 3)
    assert str(ligne.taux_acceptation) == "66.67"  # 2 / (2 + 1), not 2 / 6


def test_dashboard_shows_the_acceptance_rate_on_answers_and_says_so(
    orientations_en_attente, cpas_a, make_user, client_for
):
    client = client_for(make_user(Role.COORDINATEUR, cpas_a))
    periode = {"du": "2025-01", "au": "2025-12"}
    html = client.get(reverse("rapports:tableau_de_bord"), periode).content.decode()
    section = html[html.index('id="section-orientations"') :]
    ligne = re.search(r"Actiris</th>(.*?)</tr>", section, re.S).group(1)
    cellules = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", ligne)]
    # sent to, sent, accepted, refused, waiting, completed, positive, rate
    assert cellules == ["6", "5", "2", "1", "3", "0", "0", "66,67 %"]
    assert "sur les orientations ayant reçu une réponse" in section
    # The pending number links to its three people.
    lien = re.search(r'href="([^"]*indicateur=orient_en_attente[^"]*)"', section).group(1)
    assert client.get(lien.replace("&amp;", "&")).context["page"].paginator.count == 3
    export = client.get(reverse("rapports:export", args=["orientations", "csv"]), periode)
    lignes = b"".join(export.streaming_content).decode().lstrip("\ufeff").splitlines()
    assert lignes[0].split(";")[5] == "En attente de réponse"
    assert lignes[1].split(";")[1:] == ["6", "5", "2", "1", "3", "0", "0", "66,67"]


@pytest.mark.parametrize(
    ("langue", "note"),
    [
        ("fr", "sur les orientations ayant reçu une réponse"),
        ("nl", "op de doorverwijzingen die een antwoord kregen"),
    ],
)
def test_pdf_acceptance_rate_has_its_footnote(
    orientations_en_attente, cpas_a, tmp_path, langue, note
):
    chemin = tmp_path / "r.pdf"
    chemin.write_bytes(services.rendre_pdf(cpas_a, D(2025, 12, 1), langue))
    texte = subprocess.run(
        ["pdftotext", "-layout", str(chemin), "-"], capture_output=True, check=True
    ).stdout.decode()
    texte = " ".join(re.sub(r"[ \u00a0\u202f]+", " ", texte).split())
    assert "6 5 2 1 3 0 0 66,67 %" in texte
    assert note in texte


def _programmes_orm(cpas_id, debut, fin):
    """The programmes' figures as the ORM counted them before the SQL (the reference)."""
    from django.db.models import Count, Q

    from partenaires.models import SORTIES_POSITIVES, Programme

    sorties = [StatutParticipation.TERMINE, StatutParticipation.ABANDON]

    def compte(filtre=None):
        return Count("participations", filter=filtre, distinct=True)

    qs = (
        Programme.objects.filter(Q(cpas_id=cpas_id) | Q(cpas_participants=cpas_id))
        .filter(Q(fin__isnull=True) | Q(fin__gte=debut), debut__lte=fin)
        .distinct()
        .annotate(
            a=compte(),
            b=compte(~Q(participations__statut=StatutParticipation.INSCRIT)),
            c=compte(Q(participations__statut=StatutParticipation.TERMINE)),
            d=compte(Q(participations__statut=StatutParticipation.ABANDON)),
            e=compte(
                Q(
                    participations__statut__in=sorties,
                    participations__resultat__in=list(SORTIES_POSITIVES),
                )
            ),
        )
        .order_by("-debut", "titre")
    )
    return [
        (p.pk, p.titre, p.debut, p.fin, p.objectif_participants, p.a, p.b, p.c, p.d, p.e)
        for p in qs
    ]


SORTIES = (StatutParticipation.TERMINE, StatutParticipation.ABANDON)


def test_programmes_of_the_cpas_and_shared_with_it_counted_once(cpas_a, cpas_b):
    """A programme of another CPAS shared with this one (and with a third) counts its whole
    cohort once; one not shared, or outside the period, is left out; the ORM's figures."""
    from tests.cpas_isp.factories import CpasFactory

    cpas_c = CpasFactory()
    propre = ProgrammeFactory(cpas=cpas_a, debut=D(2025, 2, 1), titre="B propre")
    partage = ProgrammeFactory(cpas=cpas_b, debut=D(2025, 2, 1), titre="A partagé")
    partage.cpas_participants.add(cpas_a, cpas_c)
    ProgrammeFactory(cpas=cpas_b, debut=D(2025, 3, 1))  # not shared
    ProgrammeFactory(cpas=cpas_a, debut=D(2024, 1, 1), fin=D(2024, 12, 31))  # before
    vide = ProgrammeFactory(cpas=cpas_a, debut=D(2025, 6, 1), titre="Vide")
    for programme, statuts in [
        (propre, [StatutParticipation.INSCRIT, StatutParticipation.TERMINE]),
        (partage, [StatutParticipation.ACTIF, StatutParticipation.ABANDON] * 2),
    ]:
        for statut in statuts:
            ParticipationFactory(
                programme=programme,
                statut=statut,
                resultat="emploi" if statut in SORTIES else "",
                date_inscription=D(2025, 2, 5),
                date_debut=D(2025, 2, 10),
            )
    lignes = suivi.programmes(cpas_a.pk, DEBUT, FIN)
    assert [(p.programme_id, p.inscrits, p.termines, p.abandons) for p in lignes] == [
        (vide.pk, 0, 0, 0),
        (partage.pk, 4, 0, 2),
        (propre.pk, 2, 1, 0),
    ]
    assert [
        (
            p.programme_id, p.titre, p.debut, p.fin, p.objectif, p.inscrits, p.commences,
            p.termines, p.abandons, p.sorties_positives,
        )
        for p in lignes
    ] == _programmes_orm(cpas_a.pk, DEBUT, FIN)  # fmt: skip
