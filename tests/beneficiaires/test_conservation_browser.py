"""The functional administrator's retention page in a real browser: dry run, confirmation,
the runs' table refreshed in place until the report; accessibility (axe-core)."""

import pytest

from cpas_isp.models import Role
from tests.beneficiaires.conservation_helpers import ans_avant, dossier_complet
from tests.conftest import violations_axe


@pytest.mark.browser
def test_admin_runs_an_anonymisation_from_the_dry_run_to_the_report(
    page, login, make_user, cpas_a, monkeypatch
):
    from beneficiaires import conservation
    from beneficiaires.models import Beneficiaire

    envoyes = []  # the broker: the test plays the worker below
    monkeypatch.setattr(conservation, "_envoyer", envoyes.append)
    agent = make_user(Role.AGENT, cpas_a, cellule="facilitateurs")
    b, secret = dossier_complet(cpas_a, agent, cloture=ans_avant(12))
    admin = make_user(Role.ADMIN, cpas_a)
    login(admin)
    page.goto("/beneficiaires/conservation/")
    assert page.locator("#nb-a-anonymiser").inner_text() == "1"
    assert secret not in page.content()
    assert violations_axe(page) == []

    page.on("dialog", lambda dialog: dialog.accept())  # "irreversible: confirm?"
    with page.expect_navigation():
        page.click("#form-anonymiser button[type=submit]")
    assert "En attente" in page.locator("#table-runs").inner_text()

    run = envoyes.pop()
    conservation.executer(run.pk, run.tache_id)  # the worker
    # No click: the runs' table, polled every 2 s, shows the report.
    page.locator("#table-runs", has_text="Terminée").wait_for(timeout=15_000)
    assert "1 / 1" in page.locator("#table-runs").inner_text()
    b.refresh_from_db()
    assert b.anonymise_le is not None and Beneficiaire.objects.filter(niss=None).count() == 1
    assert violations_axe(page) == []
