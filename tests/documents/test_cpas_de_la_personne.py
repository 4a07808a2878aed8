"""A document and an ESF+ follow-up carry their person's CPAS (documents 0006, activites
0005): the database refuses one filed in another CPAS, which is what lets a coordinator's
lists of them (Mes échéances) skip the check of each person against the need-to-know rule
(``beneficiaires.acces.objets_visibles``)."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from activites.models import SuiviFse
from cpas_isp.models import Role
from documents.models import CategorieDocument, Document
from tests.beneficiaires.factories import BeneficiaireFactory


def _document(cpas, personne, user, **extra):
    return Document.objects.create(
        cpas=cpas,
        beneficiaire=personne,
        categorie=CategorieDocument.objects.get(code="cv"),
        fichier=f"test/{personne.pk}-{cpas.pk}.pdf",
        nom_original="cv.pdf",
        type_contenu="application/pdf",
        taille=1,
        sha256="0" * 64,
        depose_par=user,
        statut_analyse="sain",
        **extra,
    )


def _suivi(cpas, personne, user):
    return SuiviFse.objects.create(
        cpas=cpas,
        beneficiaire=personne,
        numero_projet="FSE-1",
        type_suivi="sortie",
        date_sortie=datetime.date(2026, 1, 5),
        echeance=datetime.date(2026, 2, 2),
        agent=user,
    )


@pytest.mark.parametrize("creer", [_document, _suivi], ids=["document", "suivi FSE+"])
def test_a_row_filed_in_another_cpas_than_its_persons_is_refused(
    personne, agent, cpas_a, cpas_b, creer
):
    creer(cpas_a, personne, agent)  # its person's CPAS: accepted
    with pytest.raises(IntegrityError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # checked now, not at the commit
        creer(cpas_b, personne, agent)


def test_a_coordinators_deadlines_hold_the_documents_of_the_whole_cpas(
    make_user, client_for, cpas_a, cpas_b
):
    coordinateur = make_user(Role.COORDINATEUR, cpas_a)
    bientot = timezone.localdate() + datetime.timedelta(days=5)
    # Someone else's person: visible to the coordinator (the whole CPAS); a document they
    # uploaded for them is theirs to follow.
    b = BeneficiaireFactory(cpas=cpas_a, referent=make_user(Role.AGENT, cpas_a))
    _document(cpas_a, b, coordinateur, expire_le=bientot)
    autre = BeneficiaireFactory(cpas=cpas_b)
    Document.objects.create(
        cpas=cpas_b,
        beneficiaire=autre,
        categorie=CategorieDocument.objects.get(code="cv"),
        fichier="test/ailleurs.pdf",
        nom_original="ailleurs.pdf",
        type_contenu="application/pdf",
        taille=1,
        sha256="1" * 64,
        depose_par=coordinateur,  # only the CPAS keeps it out of their list
        statut_analyse="sain",
        expire_le=bientot,
    )
    html = client_for(coordinateur).get(reverse("trajets:echeances")).content.decode()
    assert "cv.pdf" in html and "ailleurs.pdf" not in html
