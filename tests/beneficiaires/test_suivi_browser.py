"""The coordinator's bulk reassignment, in a real browser: filter the caseload, tick people or
take all those matching the filters, choose the new agent, confirm; the list shows the new
referent and the new agent sees the files."""

import pytest

from beneficiaires.models import AttributionReferent, Beneficiaire
from cpas_isp.models import Role
from tests.beneficiaires.factories import BeneficiaireFactory


@pytest.mark.browser
def test_le_coordinateur_reattribue_en_bloc_depuis_la_liste(page, login, make_user, cpas_a):
    ancien = make_user(Role.AGENT, cpas_a, first_name="Anne", last_name="Ancien")
    nouveau = make_user(Role.AGENT, cpas_a, first_name="Noé", last_name="Nouveau")
    coord = make_user(Role.COORDINATEUR, cpas_a)
    siens = [BeneficiaireFactory(cpas=cpas_a, referent=ancien, nom=f"Ancien{i}") for i in range(5)]
    autre = BeneficiaireFactory(cpas=cpas_a, referent=coord, nom="Autrereferent")
    login(coord)

    page.click("text=Dossiers")
    page.select_option("#f-referent", str(ancien.pk))
    page.wait_for_function(
        "() => document.querySelectorAll('#table-dossiers tbody tr').length === 5"
    )
    # Tick two people and give them to the new agent.
    page.check(f"#choix-{siens[0].pk}")
    page.check(f"#choix-{siens[1].pk}")
    page.select_option("#reattribution-agent", str(nouveau.pk))
    page.fill("#reattribution-motif", "Répartition de la charge")
    page.click("#reattribuer-coches")
    page.wait_for_selector(".alert")
    assert "2 dossiers attribués à Noé Nouveau." in page.locator(".alert").first.inner_text()
    # The filters were kept: the old agent's 3 remaining files; take them all.
    page.wait_for_function(
        "() => document.querySelectorAll('#table-dossiers tbody tr').length === 3"
    )
    assert "Réattribuer les 3 personnes" in page.locator("#reattribuer-tous").inner_text()
    page.select_option("#reattribution-agent", str(nouveau.pk))
    page.click("#reattribuer-tous")
    page.wait_for_selector(".alert")
    assert "3 dossiers attribués à Noé Nouveau." in page.locator(".alert").first.inner_text()

    assert set(Beneficiaire.objects.filter(referent=nouveau).values_list("pk", flat=True)) == {
        b.pk for b in siens
    }
    assert Beneficiaire.objects.get(pk=autre.pk).referent == coord
    assert AttributionReferent.objects.filter(par=coord).count() == 5

    # The person page shows who follows now and the history.
    page.goto(page.url.split("/beneficiaires/")[0] + siens[0].get_absolute_url())
    assert "Noé Nouveau" in page.locator("#suivi-referent").inner_text()
    page.click("#historique-suivi summary")
    assert "Répartition de la charge" in page.locator("#historique-suivi").inner_text()
