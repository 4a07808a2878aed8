"""The staged import in the browser (upload, check, confirm or cancel), for the CPAS admin."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from beneficiaires.models import Beneficiaire
from cpas_isp.models import Role

pytestmark = pytest.mark.django_db


# --- Staged import ------------------------------------------------------------------------------


def _upload(client, content, type_="beneficiaires"):
    return client.post(
        reverse("beneficiaires:import_liste"),
        {"type": type_, "fichier": SimpleUploadedFile("data.csv", content, "text/csv")},
    )


@pytest.mark.parametrize(
    "role,status", [(Role.ADMIN, 200), (Role.COORDINATEUR, 403), (Role.AGENT, 403)]
)
def test_import_page_is_for_the_cpas_admin(role, status, make_user, cpas_a, client_for):
    url = reverse("beneficiaires:import_liste")
    assert client_for(make_user(role, cpas_a)).get(url).status_code == status


def test_staged_import_shows_errors_before_saving(
    make_user, cpas_a, client_for, monkeypatch, django_capture_on_commit_callbacks
):
    from beneficiaires import tasks
    from beneficiaires.imports import lots
    from beneficiaires.models import LotImport

    def worker(lot):  # the analysis and the import run in a worker, here at once
        tache = (
            tasks.analyser_lot_import if lot.statut == "en_analyse" else tasks.importer_lot_import
        )
        tache.apply(args=(lot.pk,), task_id=lot.tache_id)

    monkeypatch.setattr(lots, "_envoyer", worker)
    client = client_for(make_user(Role.ADMIN, cpas_a))
    content = "niss;nom;prenom\n85073003328;Dupont;Jean\n85073003329;Faux;Numéro\n".encode()
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, content)
    detail = client.get(response.url).content.decode()
    assert "ligne 3, niss : NISS invalide" in detail
    assert not Beneficiaire.objects.exists()
    client.post(response.url, {"action": "importer"})  # refused: there are errors
    assert not Beneficiaire.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(response.url, {"action": "importer_valides"})
    assert list(Beneficiaire.objects.values_list("niss", flat=True)) == ["85073003328"]
    lot = LotImport.objects.get()
    assert (lot.statut, lot.nb_crees, lot.nb_rejetees, bytes(lot.contenu)) == (
        "importe",
        1,
        1,
        b"",
    )


def test_staged_import_can_be_cancelled(make_user, cpas_a, client_for):
    client = client_for(make_user(Role.ADMIN, cpas_a))
    response = _upload(client, b"niss;nom;prenom\n85073003328;Dupont;Jean\n")
    client.post(response.url, {"action": "annuler"})  # while it is being analysed
    assert not Beneficiaire.objects.exists()
    from beneficiaires.models import LotImport

    assert LotImport.objects.get().statut == "annule"


def test_import_of_another_cpas_answers_404(make_user, cpas_a, cpas_b, client_for):
    response = _upload(client_for(make_user(Role.ADMIN, cpas_b)), b"niss;nom;prenom\n")
    assert client_for(make_user(Role.ADMIN, cpas_a)).get(response.url).status_code == 404
