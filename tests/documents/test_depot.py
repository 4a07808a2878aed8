"""Uploading a document: the content decides (type, size, malware), images lose their
metadata, and nothing is half-saved."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image

from documents import clamav
from documents.models import Document, ParametresDocuments, StatutAnalyse
from tests.documents.factories import PDF, categorie, deposer, fichier, image
from tests.trajets.factories import EtapeFactory, PiisFactory

pytestmark = pytest.mark.django_db


def _fichiers_stockes():
    """The documents' files in the storage (the media folder is shared by the session)."""
    try:
        _dirs, _files = default_storage.listdir("documents")
    except FileNotFoundError:
        return []
    noms = []
    for d in _dirs:
        noms += [f"documents/{d}/{f}" for f in default_storage.listdir(f"documents/{d}")[1]]
    return set(noms)


def _erreur(exc_info) -> str:
    return " ".join(exc_info.value.messages)


def test_a_pdf_is_stored_under_a_random_name_with_its_checks(clamd, personne, agent):
    d = deposer(personne, agent)
    assert d.statut_analyse == StatutAnalyse.SAIN and d.analyse_le is not None
    assert d.type_contenu == "application/pdf"
    assert d.taille == len(PDF) and d.sha256 == hashlib.sha256(PDF).hexdigest()
    assert "diplome" not in d.fichier and d.fichier.startswith(f"documents/{personne.cpas_id}/")
    with default_storage.open(d.fichier) as f:
        assert f.read() == PDF


def _pdf_avec_metadonnees() -> bytes:
    """A one-page PDF whose document information and XMP metadata name the person."""
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><dc:creator>Dora Documentine</dc:creator></x:xmpmeta>'
    )
    objets = [
        b"<</Type/Catalog/Pages 2 0 R/Metadata 5 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>",
        b"<</Author(Dora Documentine)/Title(Certificat de Dora Documentine)/Creator(Scan)>>",
        b"<</Type/Metadata/Subtype/XML/Length %d>>stream\n%s\nendstream" % (len(xmp), xmp),
    ]
    pdf, positions = b"%PDF-1.4\n", []
    for n, objet in enumerate(objets, 1):
        positions.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (n, objet)
    xref = len(pdf)
    pdf += b"xref\n0 6\n0000000000 65535 f \n" + b"".join(
        b"%010d 00000 n \n" % p for p in positions
    )
    pdf += b"trailer\n<</Size 6/Root 1 0 R/Info 4 0 R>>\nstartxref\n%d\n%%%%EOF\n" % xref
    return pdf


def _pdfinfo(contenu: bytes, tmp_path) -> str:
    import subprocess

    chemin = tmp_path / "lu.pdf"
    chemin.write_bytes(contenu)
    resultat = subprocess.run(["pdfinfo", str(chemin)], capture_output=True, text=True)
    assert resultat.returncode == 0, resultat.stderr  # poppler opens it: still a valid PDF
    return resultat.stdout


def test_a_pdf_is_stored_without_its_author_title_and_xmp_metadata(
    clamd, personne, agent, tmp_path
):
    original = _pdf_avec_metadonnees()
    assert "Author:          Dora Documentine" in _pdfinfo(original, tmp_path)

    d = deposer(personne, agent, original, "certificat.pdf")

    with default_storage.open(d.fichier) as f:
        stocke = f.read()
    assert b"Documentine" not in stocke  # neither in /Info nor in XMP, nor left unreferenced
    info = _pdfinfo(stocke, tmp_path)
    assert "Author" not in info and "Title" not in info and "Metadata Stream: no" in info
    assert "Pages:           1" in info
    assert d.taille == len(stocke) and d.sha256 == hashlib.sha256(stocke).hexdigest()


def test_the_eicar_test_file_is_refused_by_the_real_clamd(clamd, personne, agent, client_for):
    avant = _fichiers_stockes()
    # Straight to the engine: the real clamd finds it (not a check of our own).
    assert clamav.analyser(clamd, io.BytesIO(clamav.EICAR)).sain is False
    url = reverse("documents:ajouter", args=[personne.pk])
    contenu = b"%PDF-1.4\n" + clamav.EICAR + b"\n%%EOF\n"
    reponse = client_for(agent).post(
        url,
        {"fichier": fichier(contenu, "attestation.pdf"), "categorie": categorie().pk},
    )
    assert reponse.status_code == 200
    assert "logiciel malveillant" in reponse.content.decode()
    assert "Eicar" in reponse.content.decode()
    assert not Document.objects.exists()
    assert _fichiers_stockes() == avant


def test_an_executable_named_pdf_is_refused(clamd, personne, agent):
    elf = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x01" * 200
    with pytest.raises(ValidationError) as exc:
        deposer(personne, agent, elf, "diplome.pdf")
    assert "Type de fichier non accepté" in _erreur(exc)
    assert not Document.objects.exists()


def test_a_zip_named_pdf_is_refused(clamd, personne, agent):
    sortie = io.BytesIO()
    with zipfile.ZipFile(sortie, "w") as z:
        z.writestr("cv.txt", "bonjour")
    with pytest.raises(ValidationError) as exc:
        deposer(personne, agent, sortie.getvalue(), "cv.pdf")
    assert "ZIP" in _erreur(exc)


def test_a_pdf_named_docx_is_refused_as_a_lying_extension(clamd, personne, agent):
    with pytest.raises(ValidationError) as exc:
        deposer(personne, agent, PDF, "lettre.docx")
    assert "ne correspond pas au contenu" in _erreur(exc) and "PDF" in _erreur(exc)


def test_an_office_document_is_accepted(clamd, personne, agent):
    from openpyxl import Workbook

    sortie = io.BytesIO()
    Workbook().save(sortie)
    d = deposer(personne, agent, sortie.getvalue(), "budget.xlsx", code="autre")
    assert d.type_contenu.endswith("spreadsheetml.sheet")


def test_empty_file_and_control_characters_in_the_name_are_refused(clamd, personne, agent):
    with pytest.raises(ValidationError) as exc:
        deposer(personne, agent, b"", "vide.pdf")
    assert "vide" in _erreur(exc)
    with pytest.raises(ValidationError) as exc:
        deposer(personne, agent, PDF, "dip\x00lome.pdf")
    assert "caractères invalides" in _erreur(exc)
    with pytest.raises(ValidationError):
        deposer(personne, agent, b"\x00" * 4096, "zeros.pdf")
    assert not Document.objects.exists()


def test_jpeg_metadata_is_stripped(clamd, personne, agent):
    exif = Image.Exif()
    exif[0x010F] = "AppareilEspion"  # Make
    exif[0x0131] = "LogicielSecret"  # Software
    gps = {1: "N", 2: (50.0, 50.0, 12.0), 3: "E", 4: (4.0, 21.0, 7.0)}
    exif[0x8825] = gps
    original = image("JPEG", exif=exif.tobytes())
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the GPS is there
    assert b"AppareilEspion" in original

    d = deposer(personne, agent, original, "photo.jpg")
    with default_storage.open(d.fichier) as f:
        garde = f.read()
    assert b"AppareilEspion" not in garde and b"LogicielSecret" not in garde
    relu = Image.open(io.BytesIO(garde))
    assert relu.format == "JPEG" and relu.size == (40, 30)
    assert not relu.getexif() and not relu.getexif().get_ifd(0x8825)
    assert d.sha256 == hashlib.sha256(garde).hexdigest()


def test_a_heic_photo_is_converted_to_jpeg(clamd, personne, agent):
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    sortie = io.BytesIO()
    try:
        Image.new("RGB", (32, 32), (0, 120, 200)).save(sortie, "HEIF")
    except (KeyError, OSError, ValueError):
        pytest.skip("this libheif cannot encode HEIC")
    d = deposer(personne, agent, sortie.getvalue(), "IMG_0001.HEIC")
    assert d.type_contenu == "image/jpeg" and d.nom_original == "IMG_0001.jpg"


def test_the_cpas_size_limit_is_enforced(clamd, personne, agent, client_for):
    ParametresDocuments.objects.create(cpas=personne.cpas, taille_max_mo=1)
    avant = _fichiers_stockes()
    gros = PDF + b"%" + b"x" * (1024 * 1024)
    reponse = client_for(agent).post(
        reverse("documents:ajouter", args=[personne.pk]),
        {"fichier": fichier(gros, "gros.pdf"), "categorie": categorie().pk},
    )
    assert reponse.status_code == 200
    assert "taille maximale de 1 Mo" in reponse.content.decode()
    assert not Document.objects.exists() and _fichiers_stockes() == avant
    assert deposer(personne, agent, PDF, "petit.pdf").taille == len(PDF)


def test_the_default_limit_is_10_mb(clamd, personne, agent):
    gros = PDF + b"%" + b"x" * (10 * 1024 * 1024)
    with pytest.raises(ValidationError) as exc:
        deposer(personne, agent, gros, "gros.pdf")
    assert "10 Mo" in _erreur(exc)


def test_a_database_refusal_leaves_no_file_in_the_storage(clamd, personne, agent):
    etape = EtapeFactory(beneficiaire=personne, auteur=agent)
    piis = PiisFactory(beneficiaire=personne, agent=agent)
    avant = _fichiers_stockes()
    with pytest.raises(ValidationError) as exc:
        deposer(personne, agent, lien={"etape_id": etape.pk, "piis_id": piis.pk})
    assert "un seul élément" in _erreur(exc)
    assert not Document.objects.exists()
    assert _fichiers_stockes() == avant


def test_without_scanner_a_document_is_kept_but_not_downloadable(
    sans_scanner, personne, agent, client_for
):
    d = deposer(personne, agent)
    assert d.statut_analyse == StatutAnalyse.EN_ATTENTE
    client = client_for(agent)
    reponse = client.get(reverse("documents:telecharger", args=[d.pk]), follow=True)
    assert "pas encore été analysé" in reponse.content.decode()
    assert reponse.redirect_chain and "attachment" not in reponse.get("Content-Disposition", "")


def test_a_pending_document_is_scanned_once_the_scanner_is_there(clamd, settings, personne, agent):
    from documents.tasks import analyser_documents_en_attente

    settings.CLAMD_SOCKET = ""
    sain = deposer(personne, agent)
    settings.CLAMD_SOCKET = clamd
    assert analyser_documents_en_attente() == {"sain": 1}
    sain.refresh_from_db()
    assert sain.statut_analyse == StatutAnalyse.SAIN


def test_an_unreachable_clamd_keeps_the_document_as_scan_error(settings, personne, agent):
    settings.CLAMD_SOCKET = "/nonexistent/clamd.sock"
    d = deposer(personne, agent)
    assert d.statut_analyse == StatutAnalyse.ERREUR and not d.telechargeable


def test_errors_are_given_in_dutch(clamd, personne, agent):
    from django.utils import translation

    with translation.override("nl"), pytest.raises(ValidationError) as exc:
        deposer(personne, agent, PDF, "brief.docx")
    assert "komt niet overeen met de inhoud" in _erreur(exc)
