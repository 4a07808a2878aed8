"""The registry of what each app keeps on a person: every person-linked model is covered, and
the right-of-access export holds every part and the access log (roles and dates, no names)."""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from django.db import models
from django.urls import reverse
from pghistory.models import Event

from beneficiaires import registre
from cpas_isp.models import JournalAcces, Role
from tests.beneficiaires.conservation_helpers import dossier_complet

PERSONNE = "beneficiaires.Beneficiaire"


def _cibles(model):
    """Models ``model`` points to by a foreign key (one-to-one included)."""
    return {
        f.related_model
        for f in model._meta.get_fields()
        if f.concrete
        and f.is_relation
        and f.related_model is not None
        and f.many_to_one
        or (f.concrete and f.one_to_one and f.related_model is not None)
    }


def modeles_lies_a_une_personne():
    """Every model linked to a person: the person, a model with a foreign key to one of them
    (directly or through another: objectives -> PIIS -> person), and a model such a row points
    to unless it is declared as holding nothing personal (an appointment, reached from its
    participant). History event tables are left to the history test."""
    tous = [m for m in apps.get_models() if not issubclass(m, Event) and not m._meta.auto_created]
    lies = {apps.get_model(PERSONNE)}
    change = True
    while change:
        change = False
        for m in tous:
            if m in lies:
                continue
            if _cibles(m) & lies:
                lies.add(m)
                change = True
        for m in list(lies):
            for cible in _cibles(m):
                if cible in lies or registre.est_hors_personne(cible):
                    continue
                if cible._meta.app_label in {"contenttypes", "auth", "pghistory"}:
                    continue
                lies.add(cible)
                change = True
    return lies


def test_every_person_linked_model_is_registered():
    manquants = sorted(
        m._meta.label for m in modeles_lies_a_une_personne() if not registre.est_couvert(m)
    )
    assert manquants == [], (
        "Register these models in beneficiaires.registre (export and anonymisation) from their "
        f"app's AppConfig.ready(), or declare them registre.hors_personne(): {manquants}"
    )


def test_the_walk_finds_indirect_links():
    lies = {m._meta.label for m in modeles_lies_a_une_personne()}
    # Through a model that has a person key: objectives of a PIIS, messages of a referral,
    # and the appointment a participant points to, with its status changes.
    for label in (
        "trajets.ObjectifPiis",
        "trajets.AppreciationObjectif",
        "partenaires.MessageOrientation",
        "partenaires.PresenceOrientation",
        "rendezvous.RendezVous",
        "rendezvous.ChangementStatut",
        "trajets.ContratArticle60",
    ):
        assert label in lies


def test_the_walk_fails_for_a_new_unregistered_model(monkeypatch):
    """A model of a later app with a person key and no registration is reported."""
    monkeypatch.delitem(registre._parties, "partenaires.MessageOrientation")
    manquants = [
        m._meta.label for m in modeles_lies_a_une_personne() if not registre.est_couvert(m)
    ]
    assert manquants == ["partenaires.MessageOrientation"]


def test_registered_erasures_name_real_text_fields():
    for partie in registre.parties():
        for name in partie.effacer:
            champ = partie.modele._meta.get_field(name)
            assert isinstance(champ, models.Field) and not champ.is_relation, (partie.label, name)


# --- Right of access ----------------------------------------------------------------------------


@pytest.fixture
def coord(make_user, cpas_a):
    return make_user(Role.COORDINATEUR, cpas_a)


@pytest.fixture
def agent(make_user, cpas_a):
    return make_user(Role.AGENT, cpas_a, cellule="facilitateurs")


def test_export_covers_every_registered_part(cpas_a, agent, coord, client_for):
    b, secret = dossier_complet(cpas_a, agent, cloture=None)
    url = reverse("beneficiaires:donnees_personnelles", args=[b.pk])
    data = json.loads(client_for(coord).get(url, {"format": "json"}).content)
    for partie in registre.parties():
        if partie.cle == "identite":
            continue
        assert partie.cle in data, partie.label
    # Every part the person has rows in is filled, with its texts.
    vides = [
        p.label
        for p in registre.parties()
        if p.cle not in ("identite", "geldossier", "lignelot") and not data[p.cle]
    ]
    assert vides == []
    contenu = json.dumps(data, ensure_ascii=False)
    for texte in (
        f"engagements {secret}",  # PIIS content
        f"objectif {secret}",
        f"appreciation {secret}",
        f"message {secret}",  # referral messages
        f"presence {secret}",  # attendance at the partner's
        f"contrat {secret}",  # article 60
        f"rdv {secret}",  # appointments
        f"statut {secret}",
        f"avis {secret}",
    ):
        assert texte in contenu, texte
    assert b.email in contenu  # messages sent (their address)


def test_export_lists_who_consulted_by_role_and_date_without_names(
    cpas_a, agent, coord, client_for, make_user
):
    b, _ = dossier_complet(cpas_a, agent, cloture=None)
    directeur = make_user(Role.DIRECTEUR, cpas_a, first_name="Zébulon", last_name="Secretnom")
    JournalAcces.objects.create(
        user=directeur, cpas=cpas_a, personnes=[b.pk, 999], objet="l", page="/"
    )
    autre, _ = dossier_complet(cpas_a, agent, cloture=None)
    JournalAcces.objects.create(
        user=directeur, cpas=cpas_a, personnes=[autre.pk], objet="x", page="/"
    )
    client = client_for(coord)
    assert client.get(reverse("beneficiaires:detail", args=[b.pk])).status_code == 200
    url = reverse("beneficiaires:donnees_personnelles", args=[b.pk])
    data = json.loads(client.get(url, {"format": "json"}).content)
    consultations = data["consultations_du_dossier"]
    roles = [c["role"] for c in consultations]
    assert "Directeur" in roles and "Coordinateur" in roles
    # The list naming them, the file opened, this export; not the other person's row.
    assert len(consultations) == 3
    assert all(set(c) == {"quand", "cpas", "role", "consultation"} for c in consultations)
    contenu = json.dumps(consultations, ensure_ascii=False)
    assert "Secretnom" not in contenu and str(coord) not in contenu
    pdf = client.get(url, {"format": "pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_pdf_export_has_every_section(cpas_a, agent, coord, client_for):
    import subprocess

    b, secret = dossier_complet(cpas_a, agent, cloture=None)
    url = reverse("beneficiaires:donnees_personnelles", args=[b.pk])
    pdf = client_for(coord).get(url, {"format": "pdf"}).content
    texte = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    for partie in registre.parties():
        if partie.cle != "identite":
            assert str(partie.titre) in texte, partie.label
    assert f"objectif {secret}" in texte and "Coordinateur" in texte
