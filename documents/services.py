"""Write operations on documents: upload (checked, scanned, stored with its row or not at all),
scan again, delete, share with a referral, and erase every document of a person (for the
retention and anonymisation work)."""

from __future__ import annotations

import hashlib
import io
import logging
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cpas_isp.contraintes import contraintes_en_messages
from documents import clamav, contenu
from documents.models import (
    TAILLE_MAX_MO_DEFAUT,
    Document,
    ParametresDocuments,
    PartageDocument,
    StatutAnalyse,
)

logger = logging.getLogger(__name__)

MO = 1024 * 1024


def taille_max_octets(cpas) -> int:
    cpas_id = getattr(cpas, "pk", cpas)
    mo = (
        ParametresDocuments.objects.filter(cpas_id=cpas_id)
        .values_list("taille_max_mo", flat=True)
        .first()
    )
    return (mo or TAILLE_MAX_MO_DEFAUT) * MO


def erreur_taille(taille_max: int) -> ValidationError:
    return ValidationError(
        _("Le fichier dépasse la taille maximale de %(n)s Mo.") % {"n": taille_max // MO},
        code="trop_grand",
    )


def scanner_configure() -> str:
    return getattr(settings, "CLAMD_SOCKET", "") or ""


def analyser_contenu(donnees: bytes) -> tuple[str, str]:
    """(statut, menace) of ``donnees`` from clamd: SAIN, INFECTE (with the threat's name),
    ERREUR when clamd could not answer, EN_ATTENTE without a configured scanner."""
    adresse = scanner_configure()
    if not adresse:
        return StatutAnalyse.EN_ATTENTE, ""
    try:
        resultat = clamav.analyser(adresse, io.BytesIO(donnees))
    except clamav.ScannerIndisponible as exc:
        logger.warning("clamd unavailable (%s): document kept as not scanned", exc)
        return StatutAnalyse.ERREUR, ""
    if resultat.sain:
        return StatutAnalyse.SAIN, ""
    return StatutAnalyse.INFECTE, resultat.signature


def nom_de_stockage(cpas_id) -> str:
    """A random storage name: never the user's file name (no personal data, no path tricks)."""
    return f"documents/{cpas_id}/{secrets.token_hex(16)}"


def deposer(
    *,
    beneficiaire,
    fichier,
    categorie,
    user,
    expire_le=None,
    lien: dict | None = None,
) -> Document:
    """Upload ``fichier`` (an UploadedFile) to the person's file. The content is checked
    (size, type, images without metadata) and scanned before anything is written; infected
    files are refused. The row and the stored file exist together or not at all: the file is
    written inside the row's transaction and removed if that transaction fails (views run
    without ATOMIC_REQUESTS, so this transaction is the outermost one).
    Raises ValidationError (messages for the user)."""
    _verifier_lien(beneficiaire, lien or {})
    try:
        propre = _contenu_verifie(beneficiaire, fichier)
    except ValidationError as exc:  # about the file: shown on the file field
        raise ValidationError({"fichier": exc.error_list}) from exc
    statut, menace = analyser_contenu(propre.contenu)
    if statut == StatutAnalyse.INFECTE:
        logger.warning(
            "upload refused: %s found in a file for person %s by user %s",
            menace,
            beneficiaire.pk,
            user.pk,
        )
        raise ValidationError(
            {
                "fichier": ValidationError(
                    _(
                        "Ce fichier contient un logiciel malveillant (%(menace)s) : il a été "
                        "refusé et n'a pas été enregistré."
                    )
                    % {"menace": menace},
                    code="infecte",
                )
            }
        )
    document = Document(
        cpas_id=beneficiaire.cpas_id,
        beneficiaire=beneficiaire,
        categorie=categorie,
        nom_original=propre.nom,
        type_contenu=propre.type_contenu,
        taille=len(propre.contenu),
        sha256=hashlib.sha256(propre.contenu).hexdigest(),
        expire_le=expire_le,
        depose_par=user,
        statut_analyse=statut,
        analyse_le=timezone.now() if statut == StatutAnalyse.SAIN else None,
        fichier=nom_de_stockage(beneficiaire.cpas_id),
        **(lien or {}),
    )
    ecrit = None
    try:
        with contraintes_en_messages():
            document.save()
            ecrit = default_storage.save(document.fichier, ContentFile(propre.contenu))
            if ecrit != document.fichier:  # the storage chose another name: keep its name
                document.fichier = ecrit
                document.save(update_fields=["fichier"])
    except BaseException:
        if ecrit:
            default_storage.delete(ecrit)
        raise
    if statut == StatutAnalyse.ERREUR:
        transaction.on_commit(lambda: _analyser_plus_tard(document.pk))
    return document


def _analyser_plus_tard(pk) -> None:
    """Queue a new scan (clamd was down at upload); the upload itself has succeeded."""
    from documents.tasks import analyser_document

    try:
        analyser_document.apply_async((pk,), countdown=60)
    except Exception:  # the broker is down too: `manage.py analyser_documents` catches up
        logger.exception("could not queue the scan of document %s", pk)


def _contenu_verifie(beneficiaire, fichier) -> contenu.Fichier:
    limite = taille_max_octets(beneficiaire.cpas_id)
    if fichier.size is not None and fichier.size > limite:
        raise erreur_taille(limite)
    donnees = fichier.read(limite + 1)
    if len(donnees) > limite:
        raise erreur_taille(limite)
    propre = contenu.preparer(donnees, fichier.name)
    if len(propre.contenu) > limite:  # an image can grow when re-encoded
        raise erreur_taille(limite)
    return propre


def _verifier_lien(beneficiaire, lien: dict) -> None:
    """The object a document is attached to belongs to the same person."""
    for cle, pk in lien.items():
        modele = Document._meta.get_field(cle.removesuffix("_id")).related_model
        if not modele.objects.filter(
            pk=pk, beneficiaire_id=beneficiaire.pk, cpas_id=beneficiaire.cpas_id
        ).exists():
            raise ValidationError(
                {"lien": _("Cet élément n'appartient pas au dossier de la personne.")}
            )


def analyser_a_nouveau(document: Document) -> str:
    """Scan a document kept as not scanned (no scanner, or clamd was down at upload). An
    infected one loses its content at once (the row stays, marked, for the agent to see)."""
    if document.statut_analyse not in (StatutAnalyse.EN_ATTENTE, StatutAnalyse.ERREUR):
        return document.statut_analyse
    if not scanner_configure():
        return document.statut_analyse
    with default_storage.open(document.fichier, "rb") as f:
        donnees = f.read()
    statut, menace = analyser_contenu(donnees)
    if statut == StatutAnalyse.EN_ATTENTE:
        return statut
    Document.objects.filter(pk=document.pk).update(
        statut_analyse=statut,
        analyse_le=timezone.now(),
        signature_virus=menace[:200],
    )
    if statut == StatutAnalyse.INFECTE:
        default_storage.delete(document.fichier)
    document.refresh_from_db()
    return statut


def supprimer(document: Document) -> None:
    """Delete a document: its row (the history records who deleted what, when) and, once that
    commits, its content from the storage. Hard deletion: a document no longer needed is
    personal data the CPAS should not keep (data minimisation); the audit trail keeps the
    metadata, not the content."""
    nom = document.fichier
    with transaction.atomic():
        document.delete()
        transaction.on_commit(lambda: default_storage.delete(nom))


def effacer_fichiers(documents) -> int:
    """Delete the ``documents`` (a queryset) and, once the deletion commits, their stored
    content. Returns how many documents were deleted. The anonymisation registry calls it on a
    person's documents (``documents.hooks``)."""
    with transaction.atomic():
        noms = list(documents.values_list("fichier", flat=True))
        documents.delete()

        def effacer_contenus():
            for nom in noms:
                default_storage.delete(nom)

        transaction.on_commit(effacer_contenus)
    return len(noms)


def effacer_documents(beneficiaire) -> int:
    """Erase every document of a person, rows and stored content (retention and
    anonymisation). Returns how many documents were erased. The content goes once the
    deletion commits (inside an enclosing transaction: when that commits)."""
    return effacer_fichiers(Document.objects.filter(beneficiaire=beneficiaire))


def basculer_partage(document: Document, orientation, user) -> bool:
    """Share ``document`` with the referral ``orientation`` (or stop sharing it); returns
    whether it is shared now. Only a document of the referral's person, never a sensitive one."""
    if document.beneficiaire_id != orientation.beneficiaire_id:
        raise ValidationError(_("Ce document n'appartient pas à la personne orientée."))
    if document.categorie.sensible:
        raise ValidationError(
            _("Un document de catégorie sensible ne se partage pas avec un partenaire.")
        )
    with transaction.atomic():
        supprimes, _detail = PartageDocument.objects.filter(
            document=document, orientation=orientation
        ).delete()
        if supprimes:
            return False
        PartageDocument.objects.create(
            cpas_id=document.cpas_id, document=document, orientation=orientation, partage_par=user
        )
    return True
