"""The person page's documents section reads the person's documents without repeating the
need-to-know subquery (the page checked it): the same rows, in the same order, as
``documents_visibles`` for whoever sees the page, sensitive ones only for the obstacle rule."""

from __future__ import annotations

from cpas_isp.models import Role
from documents import hooks as documents_hooks
from documents import queries
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.documents.factories import deposer


def test_the_page_documents_are_those_of_documents_visibles(
    sans_scanner, personne, agent, make_user, cpas_a, monkeypatch
):
    deposer(personne, agent, nom="certificat.pdf", code="certificat_medical")
    deposer(personne, agent, nom="cv.pdf", code="cv")
    deposer(personne, agent, nom="diplome.pdf")
    deposer(BeneficiaireFactory(cpas=cpas_a, referent=agent), agent, nom="autre.pdf")
    coordinateur = make_user(Role.COORDINATEUR, cpas_a)

    def comparer(user, n):
        attendu = [d.pk for d in queries.documents_de(user, personne)]
        assert [d.pk for d in documents_hooks._documents_de_la_page(user, personne)] == attendu
        assert len(attendu) == n, user

    comparer(coordinateur, 3)
    comparer(agent, 3)  # the referent
    # Whoever the obstacle rule leaves out: no sensitive document, in either.
    monkeypatch.setattr("documents.permissions.peut_voir_freins_sensibles", lambda user, b: False)
    comparer(agent, 2)
