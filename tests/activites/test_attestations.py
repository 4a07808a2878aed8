"""Attestations and the attendance sheet: text through pdftotext in French and Dutch, the
person's language, numbering per CPAS and year, the public verification page (initials
only), access to the PDFs."""

import re
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from activites import services
from activites.models import Attestation
from cpas_isp.models import JournalAcces, Role
from tests.activites.factories import ActiviteFactory, SeanceFactory
from tests.beneficiaires.factories import BeneficiaireFactory


def texte_pdf(pdf: bytes, tmp_path) -> str:
    if not shutil.which("pdftotext"):
        pytest.fail("pdftotext (poppler-utils) is required")
    chemin = tmp_path / "a.pdf"
    chemin.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-layout", str(chemin), "-"], capture_output=True, check=True
    ).stdout.decode()
    return re.sub(r"[ \u00a0\u202f]+", " ", out)


@pytest.fixture
def coord(cpas_a, make_user):
    return make_user(Role.COORDINATEUR, cpas_a)


@pytest.fixture
def parcours(cpas_a, coord):
    """Two people (French- and Dutch-speaking) in a course, one session attended."""
    activite = ActiviteFactory(
        cpas=cpas_a, titre="Alpha A1 matin", numero_projet_fse="FSE-2026-0042", niveau="A1"
    )
    seance = SeanceFactory(activite=activite)
    fr = BeneficiaireFactory(cpas=cpas_a, nom="Lambert", prenom="Aïcha", langue="fr")
    nl = BeneficiaireFactory(cpas=cpas_a, nom="Peeters", prenom="Jan", langue="nl")
    i_fr = services.inscrire(activite, fr, coord)
    i_nl = services.inscrire(activite, nl, coord)
    services.enregistrer_presences(
        seance, {i_fr: ("present", Decimal("2.5")), i_nl: ("retard", Decimal("1.75"))}, coord
    )
    return activite, seance, i_fr, i_nl


def test_attestation_in_the_persons_language_with_hours_and_code(client, coord, parcours, tmp_path):
    activite, seance, i_fr, i_nl = parcours
    client.force_login(coord)
    r = client.post(reverse("activites:attestation_emettre", args=[i_fr.pk]), {"type": "presence"})
    a_fr = Attestation.objects.get(inscription=i_fr)
    assert r.url == reverse("activites:attestation", args=[a_fr.pk])
    texte = texte_pdf(client.get(r.url).content, tmp_path)
    assert "Attestation de fréquentation" in texte
    assert "Aïcha LAMBERT" in texte
    assert "Alpha A1 matin" in texte
    assert "2,5 heures sur 3 heures prévues" in texte
    assert f"{seance.date:%d/%m/%Y}" in texte
    assert a_fr.code in texte and "FSE-2026-0042" in texte
    assert f"{timezone.localdate().year}-00001" in texte

    services.terminer(i_nl, "certificat")
    r = client.post(reverse("activites:attestation_emettre", args=[i_nl.pk]), {"type": "reussite"})
    texte = texte_pdf(client.get(r.url).content, tmp_path)
    assert "Attest van voltooiing" in texte
    assert "Jan PEETERS" in texte
    assert "1,75 uren van de 3 geplande uren" in texte
    assert "Getuigschrift behaald" in texte
    assert f"{timezone.localdate().year}-00002" in texte
    assert JournalAcces.objects.filter(personnes__contains=[i_nl.beneficiaire_id]).exists()


def test_completion_attestation_only_once_finished(coord, parcours):
    from django.core.exceptions import ValidationError

    _a, _s, i_fr, _nl = parcours
    with pytest.raises(ValidationError):
        services.emettre_attestation(i_fr, "reussite", coord)


def test_numbers_run_per_cpas_and_year(cpas_a, cpas_b, coord, make_user, parcours):
    _a, _s, i_fr, i_nl = parcours
    coord_b = make_user(Role.COORDINATEUR, cpas_b)
    ib = services.inscrire(ActiviteFactory(cpas=cpas_b), BeneficiaireFactory(cpas=cpas_b), coord_b)
    numeros = [
        services.emettre_attestation(i_fr, "presence", coord).numero,
        services.emettre_attestation(i_nl, "presence", coord).numero,
        services.emettre_attestation(ib, "presence", coord_b).numero,
        services.emettre_attestation(i_fr, "presence", coord).numero,
    ]
    assert numeros == [1, 2, 1, 3]


def test_public_verification_shows_initials_not_the_name(client, coord, parcours):
    _a, _s, i_fr, _nl = parcours
    a = services.emettre_attestation(i_fr, "presence", coord)
    page = client.get(reverse("activites:verifier", args=[a.code])).content.decode()
    assert "Attestation authentique" in page and "A.L." in page and "Alpha A1 matin" in page
    assert "Lambert" not in page and "LAMBERT" not in page and i_fr.beneficiaire.niss not in page
    r = client.get(reverse("activites:verification"), {"code": a.code.lower()})
    assert "A.L." in r.content.decode()
    r = client.get(reverse("activites:verification"), {"code": "FAUX"})
    assert r.status_code == 404 and "Aucune attestation" in r.content.decode()


def test_attendance_sheet_lists_own_participants_in_fr_and_nl(client, coord, parcours, tmp_path):
    _a, seance, _fr, _nl = parcours
    client.force_login(coord)
    url = reverse("activites:feuille", args=[seance.pk])
    texte = texte_pdf(client.get(url, {"langue": "fr"}).content, tmp_path)
    assert "Feuille de présence — Alpha A1 matin" in texte
    assert "LAMBERT Aïcha" in texte and "PEETERS Jan" in texte
    assert "Signature" in texte
    texte = texte_pdf(client.get(url, {"langue": "nl"}).content, tmp_path)
    assert "Aanwezigheidslijst — Alpha A1 matin" in texte
    assert "Handtekening" in texte and "LAMBERT Aïcha" in texte


def test_another_cpas_cannot_print_the_attestation(client, cpas_b, make_user, coord, parcours):
    _a, _s, i_fr, _nl = parcours
    a = services.emettre_attestation(i_fr, "presence", coord)
    client.force_login(make_user(Role.COORDINATEUR, cpas_b))
    assert client.get(reverse("activites:attestation", args=[a.pk])).status_code == 404


def test_verification_is_rate_limited_per_address_and_for_unknown_codes(
    client, coord, parcours, settings
):
    """Like the booking page: 404 for an unknown code, 429 once the address has tried too many
    unknown codes (even a genuine code is then refused) or asked too often."""
    from django.core.cache import cache

    _a, _s, i_fr, _nl = parcours
    a = services.emettre_attestation(i_fr, "presence", coord)
    settings.LIMITES_PUBLIQUES = {"ip": (4, 600), "inconnu": (2, 3600)}
    cache.clear()
    url = reverse("activites:verification")
    codes = [client.get(url, {"code": f"FAUX{n}"}).status_code for n in range(3)]
    assert codes == [404, 404, 429]
    r = client.get(reverse("activites:verifier", args=[a.code]))
    assert r.status_code == 429 and "Trop de demandes" in r.content.decode()
    assert "A.L." not in r.content.decode()
    cache.clear()
    codes = [client.get(reverse("activites:verifier", args=[a.code])).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 200, 429]
    cache.clear()


def test_verification_code_is_read_as_letters_and_digits(client, coord, parcours):
    _a, _s, i_fr, _nl = parcours
    a = services.emettre_attestation(i_fr, "presence", coord)
    espace = f"{a.code[:4]}-{a.code[4:8]} {a.code[8:].lower()}"
    r = client.get(reverse("activites:verification"), {"code": espace})
    assert r.status_code == 200 and "A.L." in r.content.decode()
    # A NUL byte in the address is not part of a code: 404, never a server error.
    assert client.get("/activites/verifier/AB%00CD/").status_code == 404
