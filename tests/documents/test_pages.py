"""The documents on the person page and on the pages of what they are attached to, the expiry
reminder in "Mes échéances", the personal-data export and the erasure for retention."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from beneficiaires import registre
from beneficiaires.hooks import url_onglet
from cpas_isp.models import JournalAcces, Role
from documents.models import Document, PartageDocument
from documents.services import effacer_documents
from partenaires.integration import ONGLET as ONGLET_DOCUMENTS
from tests.documents.factories import deposer
from tests.partenaires.factories import OrientationFactory
from tests.trajets.factories import ContratFactory, EtapeFactory, PiisFactory

pytestmark = pytest.mark.django_db


def _remplir(b, agent, n, depuis=0):
    for k in range(depuis, depuis + n):
        etape = EtapeFactory(beneficiaire=b, auteur=agent)
        piis = PiisFactory(beneficiaire=b, agent=agent)
        orientation = OrientationFactory(beneficiaire=b, agent=agent)
        debut = datetime.date(2020 + k, 1, 1)
        contrat = ContratFactory(
            beneficiaire=b, debut=debut, fin_prevue=debut + datetime.timedelta(days=200)
        )
        for i, lien in enumerate(
            [
                {"etape_id": etape.pk},
                {"piis_id": piis.pk},
                {"orientation_id": orientation.pk},
                {"contrat_id": contrat.pk},
                {},
            ]
        ):
            deposer(b, agent, nom=f"piece-{k}-{i}.pdf", lien=lien)


def test_the_person_page_lists_documents_in_a_constant_number_of_queries(
    clamd, personne, agent, client_for, requetes_de_la_page
):
    _remplir(personne, agent, 1)
    client = client_for(agent)
    url = url_onglet(personne.pk, ONGLET_DOCUMENTS)  # the tab "Orientations et documents"
    client.get(url)
    petit = requetes_de_la_page(client, url)
    # Read once, in the round trip of the page's other lists (cpas_isp.lots): its statement
    # (or the one prepared for it) in one message among others, no query of its own.
    (lot,) = [q["sql"] for q in petit if _lit_les_documents(q["sql"])]
    assert lot.count("EXECUTE ") > 1, lot
    _remplir(personne, agent, 4, depuis=1)
    grand = requetes_de_la_page(client, url)
    assert len(grand) == len(petit)
    page = client.get(url).content.decode()
    assert page.count('<tr id="document-') == 25
    assert reverse("documents:ajouter", args=[personne.pk]) in page


def _lit_les_documents(sql: str) -> bool:
    """Whether a statement sent reads the person page's documents: their query (the list's
    columns) or the statement prepared for it."""
    from cpas_isp import lots
    from documents.hooks import _DOCUMENTS_FICHE

    noms = set()
    for requete in _DOCUMENTS_FICHE.values():
        texte, params = requete._sql((1, 1))
        noms.add(lots._nom(texte, params))
    return '"documents_document"."nom_original"' in sql or any(
        f"EXECUTE {nom}(" in sql for nom in noms
    )


def test_each_step_of_the_journal_offers_to_attach_a_document(
    clamd, personne, agent, client_for, requetes_de_la_page
):
    etape = EtapeFactory(beneficiaire=personne, auteur=agent)
    client = client_for(agent)
    url = reverse("trajets:journal", args=[personne.pk])
    client.get(url)
    petit = requetes_de_la_page(client, url)
    for _ in range(5):
        EtapeFactory(beneficiaire=personne, auteur=agent)
    assert len(requetes_de_la_page(client, url)) == len(petit)
    page = client.get(url).content.decode()
    assert f"/documents/personne/{personne.pk}/ajouter/?etape={etape.pk}" in page


def test_the_step_piis_and_contract_pages_show_their_documents(clamd, personne, agent, client_for):
    etape = EtapeFactory(beneficiaire=personne, auteur=agent)
    piis = PiisFactory(beneficiaire=personne, agent=agent)
    contrat = ContratFactory(beneficiaire=personne)
    deposer(personne, agent, nom="etape.pdf", lien={"etape_id": etape.pk})
    deposer(personne, agent, nom="piis-signe.pdf", code="piis_signe", lien={"piis_id": piis.pk})
    deposer(personne, agent, nom="contrat.pdf", lien={"contrat_id": contrat.pk})
    client = client_for(agent)
    for url, attendu in (
        (reverse("trajets:etape_modifier", args=[etape.pk]), "etape.pdf"),
        (reverse("trajets:piis_detail", args=[piis.pk]), "piis-signe.pdf"),
        (reverse("trajets:contrat_detail", args=[contrat.pk]), "contrat.pdf"),
    ):
        page = client.get(url).content.decode()
        assert attendu in page, url
        autres = {"etape.pdf", "piis-signe.pdf", "contrat.pdf"} - {attendu}
        assert not any(a in page for a in autres), url


def test_the_piis_page_reads_no_documents_when_its_query_says_it_has_none(
    clamd, personne, agent, client_for, requetes_de_la_page
):
    """The PIIS's query says whether documents are attached to it (cpas_isp.extensions
    indicators): none, no query of the documents; the person's other documents stay off."""
    piis = PiisFactory(beneficiaire=personne, agent=agent)
    deposer(personne, agent, nom="autre.pdf")
    url = reverse("trajets:piis_detail", args=[piis.pk])
    client = client_for(agent)
    client.get(url)

    def lit_les_documents():
        requetes = requetes_de_la_page(client, url)
        return any(q["sql"].startswith('SELECT "documents_document"') for q in requetes)

    assert not lit_les_documents()
    page = client.get(url).content.decode()
    assert "Aucun document." in page and "autre.pdf" not in page
    deposer(personne, agent, nom="piis-signe.pdf", code="piis_signe", lien={"piis_id": piis.pk})
    assert lit_les_documents()
    assert "piis-signe.pdf" in client.get(url).content.decode()


def test_the_upload_form_preselects_the_object_and_returns_to_its_page(
    clamd, personne, agent, client_for
):
    from tests.documents.factories import categorie, fichier

    piis = PiisFactory(beneficiaire=personne, agent=agent)
    retour = reverse("trajets:piis_detail", args=[piis.pk])
    url = reverse("documents:ajouter", args=[personne.pk]) + f"?piis={piis.pk}&next={retour}"
    client = client_for(agent)
    page = client.get(url).content.decode()
    assert f'value="piis:{piis.pk}" selected' in page
    reponse = client.post(
        url,
        {
            "fichier": fichier(),
            "categorie": categorie("piis_signe").pk,
            "lien": f"piis:{piis.pk}",
            "expire_le": "",
        },
    )
    assert reponse.status_code == 302 and reponse["Location"] == retour
    assert Document.objects.get().piis == piis


def test_an_object_of_another_person_cannot_be_chosen(clamd, personne, agent, client_for):
    from tests.beneficiaires.factories import BeneficiaireFactory
    from tests.documents.factories import categorie, fichier

    autre = BeneficiaireFactory(cpas=personne.cpas, referent=agent)
    piis = PiisFactory(beneficiaire=autre, agent=agent)
    reponse = client_for(agent).post(
        reverse("documents:ajouter", args=[personne.pk]),
        {"fichier": fichier(), "categorie": categorie().pk, "lien": f"piis:{piis.pk}"},
    )
    assert reponse.status_code == 200 and not Document.objects.exists()


def test_documents_expiring_within_30_days_appear_in_mes_echeances(
    clamd, personne, agent, client_for
):
    aujourd_hui = timezone.localdate()
    bientot = deposer(
        personne,
        agent,
        nom="titre-sejour.pdf",
        code="titre_sejour",
        expire_le=aujourd_hui + datetime.timedelta(days=20),
    )
    deposer(
        personne,
        agent,
        nom="lointain.pdf",
        code="titre_sejour",
        expire_le=aujourd_hui + datetime.timedelta(days=45),
    )
    deposer(personne, agent, nom="expire.pdf", expire_le=aujourd_hui - datetime.timedelta(days=2))
    html = client_for(agent).get(reverse("trajets:echeances")).content.decode()
    assert "titre-sejour.pdf" in html and "lointain.pdf" not in html
    retard = html[html.index("En retard") : html.index("30 prochains jours")]
    assert "expire.pdf" in retard and "titre-sejour.pdf" not in retard
    assert reverse("documents:telecharger", args=[bientot.pk]) in html
    assert "Titre de séjour" in html


def test_an_expiring_document_of_someone_else_s_person_is_not_in_my_deadlines(
    clamd, personne, agent, make_user, client_for
):
    deposer(
        personne,
        agent,
        nom="titre-sejour.pdf",
        expire_le=timezone.localdate() + datetime.timedelta(days=3),
    )
    autre = make_user(Role.AGENT, personne.cpas)
    html = client_for(autre).get(reverse("trajets:echeances")).content.decode()
    assert "titre-sejour.pdf" not in html


def test_my_deadlines_show_the_sensitive_documents_of_my_people_and_of_my_cellule_only(
    clamd, personne, agent, make_user, client_for
):
    """Several people's sensitive documents follow the obstacle rule as one person's do:
    those of the people the agent refers and of their cellule's current people (read as one
    union of the two sets, in the agent's CPAS), none of a person they do not follow."""
    from tests.beneficiaires.factories import BeneficiaireFactory
    from tests.trajets.factories import PassageFactory

    moi = make_user(Role.AGENT, personne.cpas, cellule="facilitateurs")
    autre = make_user(Role.AGENT, personne.cpas)
    bientot = timezone.localdate() + datetime.timedelta(days=5)
    mien = BeneficiaireFactory(cpas=personne.cpas, referent=moi)
    de_ma_cellule = BeneficiaireFactory(cpas=personne.cpas, referent=autre)
    PassageFactory(beneficiaire=de_ma_cellule, phase="facilitateur")
    ailleurs = BeneficiaireFactory(cpas=personne.cpas, referent=autre)
    PassageFactory(beneficiaire=ailleurs, phase="emploi")
    for b, nom in ((mien, "mien"), (de_ma_cellule, "cellule"), (ailleurs, "ailleurs")):
        deposer(b, moi, nom=f"{nom}.pdf", code="certificat_medical", expire_le=bientot)
    html = client_for(moi).get(reverse("trajets:echeances")).content.decode()
    assert "mien.pdf" in html and "cellule.pdf" in html
    assert "ailleurs.pdf" not in html


def test_documents_are_in_the_personal_data_export_as_metadata(clamd, personne, agent):
    orientation = OrientationFactory(beneficiaire=personne, agent=agent)
    d = deposer(personne, agent, nom="cv.pdf", code="cv", lien={"orientation_id": orientation.pk})
    PartageDocument.objects.create(
        cpas=personne.cpas, document=d, orientation=orientation, partage_par=agent
    )
    export = {p.cle: lignes for p, lignes in registre.export(personne)}
    (ligne,) = export["documents"]
    assert ligne["fichier"] == "cv.pdf" and ligne["sha256"] == d.sha256
    assert ligne["partage_avec"] == orientation.service.partenaire.nom
    assert "contenu" not in ligne and all(not isinstance(v, bytes) for v in ligne.values())


def test_erasing_a_persons_documents_removes_rows_and_stored_content(
    clamd, personne, agent, django_capture_on_commit_callbacks
):
    from tests.beneficiaires.factories import BeneficiaireFactory

    docs = [deposer(personne, agent, nom=f"d{i}.pdf") for i in range(3)]
    autre = deposer(BeneficiaireFactory(cpas=personne.cpas, referent=agent), agent)
    with django_capture_on_commit_callbacks(execute=True):
        assert effacer_documents(personne) == 3
    assert not Document.objects.filter(beneficiaire=personne).exists()
    assert not any(default_storage.exists(d.fichier) for d in docs)
    assert default_storage.exists(autre.fichier)


def test_the_person_page_logs_the_access_once(clamd, personne, agent, client_for):
    deposer(personne, agent)
    client = client_for(agent)
    client.get(personne.get_absolute_url())
    assert JournalAcces.objects.filter(user=agent, personnes=[personne.pk]).exists()
