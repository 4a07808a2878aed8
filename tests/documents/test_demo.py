"""The demo documents: on the demo agent's people, one expiring soon, one shared with the demo
partner's referral; scanned once clamd runs."""

import random

from django.utils import timezone

from cpas_isp.management.commands.demo_data import DemoContexte
from cpas_isp.models import Role
from documents import demo
from documents.models import Document, PartageDocument, StatutAnalyse
from documents.tasks import analyser_documents_en_attente
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.partenaires.factories import ComptePartenaireFactory, OrientationFactory
from tests.trajets.factories import EtapeFactory


def test_demo_documents_are_uploaded_shared_and_scanned(cpas_a, make_user, settings, clamd):
    agent = make_user(Role.AGENT, cpas_a)
    partenaire = make_user(Role.PARTENAIRE, cpas_a)
    gens = [BeneficiaireFactory(cpas=cpas_a, referent=agent) for _ in range(3)]
    for b in gens:
        EtapeFactory(beneficiaire=b, auteur=agent)
    orientation = OrientationFactory(beneficiaire=gens[0], agent=agent, statut="envoyee")
    ComptePartenaireFactory(user=partenaire, partenaire=orientation.service.partenaire)
    settings.CLAMD_SOCKET = ""  # as during `make run`'s demo load, before clamd starts
    ctx = DemoContexte(
        rng=random.Random(1),
        aujourd_hui=timezone.localdate(),
        cpas=[cpas_a],
        comptes={(cpas_a.code, Role.AGENT): agent},
    )
    demo.charger(ctx)
    documents = Document.objects.filter(cpas=cpas_a)
    assert documents.filter(etape__isnull=False).count() == 3
    assert documents.filter(expire_le__isnull=False).exists()
    assert documents.filter(type_contenu="image/png").exists()
    assert PartageDocument.objects.filter(orientation=orientation).count() == 1
    assert set(documents.values_list("statut_analyse", flat=True)) == {StatutAnalyse.EN_ATTENTE}
    settings.CLAMD_SOCKET = clamd
    analyser_documents_en_attente()
    assert set(documents.values_list("statut_analyse", flat=True)) == {StatutAnalyse.SAIN}
