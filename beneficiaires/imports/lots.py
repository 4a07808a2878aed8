"""The staged import's batches, run in the background (Celery).

A file uploaded by the CPAS administrator becomes a ``LotImport``: it is analysed once by a
worker (``analyser_lot``), which stores every row with its errors (``LigneLot``) and the counts;
the page then only reads what was stored. Confirming queues the import (``importer_lot``): the
file is validated again against the data of that moment and written in one transaction, which
also marks the batch as imported, so a killed worker leaves nothing half-written. Both jobs are
claimed under a lease kept by a heartbeat that also publishes progress (``cpas_isp.baux``);
``relancer_lots_interrompus`` requeues the jobs of killed workers.

The ``importer`` management command runs the same analysis and import code synchronously
(``base.executer_import``). The pages only call the functions of this module: ``deposer_lot``,
``agir_sur_lot`` (confirm or cancel), ``rejets_du_lot``, ``lignes_a_montrer``.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from dataclasses import dataclass

from django.contrib import messages
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from beneficiaires import tasks
from beneficiaires.models import STATUTS_EN_TRAITEMENT, LigneLot, LotImport, StatutLot
from beneficiaires.niss import compact_niss
from cpas_isp import baux

from .base import ImportEchoue, executer_import, import_type
from .execution import ContexteImport, iter_par_lots, sans_ramasse_miettes
from .lecture import LigneImport, RapportImport

logger = logging.getLogger(__name__)


class LotRepris(Exception):
    """This worker's reservation of the batch is gone (another worker took the job over)."""


def _envoyer(lot: LotImport) -> None:
    if lot.statut == StatutLot.EN_ANALYSE:
        tache = tasks.analyser_lot_import
    else:
        tache = tasks.importer_lot_import
    tache.apply_async(args=(lot.pk,), task_id=lot.tache_id)


def _mettre_en_file(lot: LotImport, statut: str) -> None:
    lot.statut = statut
    lot.tache_id = str(uuid.uuid4())
    lot.debut_traitement = None
    lot.bail_expire_le = baux.echeance(baux.delai_attente())
    lot.etape, lot.progression_fait, lot.progression_total = "", 0, 0
    lot.erreur = ""


def deposer_lot(cpas, user, type_name: str, nom_fichier: str, contenu: bytes) -> LotImport:
    """Store an uploaded file and queue its analysis (after commit)."""
    with transaction.atomic():
        lot = LotImport(
            cpas=cpas,
            type=type_name,
            nom_fichier=_sans_nul(nom_fichier)[:255],
            contenu=contenu,
            cree_par=user,
            langue=translation.get_language() or "fr",
        )
        _mettre_en_file(lot, StatutLot.EN_ANALYSE)
        lot.save()
        baux.mettre_en_file(_envoyer, lot)
    return lot


def demander_import(lot: LotImport, *, valides_seulement: bool) -> bool:
    """Queue the import of an analysed batch; False when it is not (or no more) possible."""
    with transaction.atomic():
        lot = LotImport.objects.select_for_update().defer("contenu").get(pk=lot.pk)
        if lot.statut != StatutLot.ANALYSE or lot.erreurs_fichier or not lot.nb_valides:
            return False
        if lot.nb_rejetees and not valides_seulement:
            return False
        _mettre_en_file(lot, StatutLot.EN_IMPORT)
        lot.valides_seulement = valides_seulement
        lot.langue = translation.get_language() or lot.langue
        lot.save()
        baux.mettre_en_file(_envoyer, lot)
    return True


def annuler_lot(lot: LotImport) -> bool:
    """Cancel a batch being analysed or waiting for confirmation (an analysis still running
    then finds the batch no longer its own and stores nothing)."""
    with transaction.atomic():
        n = LotImport.objects.filter(
            pk=lot.pk, statut__in=[StatutLot.EN_ANALYSE, StatutLot.ANALYSE]
        ).update(statut=StatutLot.ANNULE, contenu=b"", traite_le=timezone.now())
        if n:
            LigneLot.objects.filter(lot_id=lot.pk).delete()
    return bool(n)


def reserver_lot(pk: int, tache_id: str, statut: str) -> dict | None:
    """Claim job ``tache_id`` of batch ``pk`` (in state ``statut``) with one conditional
    UPDATE: queued, or held by a worker whose lease expired. Returns the reservation, or None
    when there is nothing to do (done, cancelled, or held by a live worker)."""
    maintenant = timezone.now()
    n = (
        LotImport.objects.filter(pk=pk, tache_id=tache_id, statut=statut)
        .filter(Q(debut_traitement__isnull=True) | Q(bail_expire_le__lt=maintenant))
        .update(
            debut_traitement=maintenant,
            bail_expire_le=baux.echeance(baux.duree_bail()),
            etape="",
            progression_fait=0,
            progression_total=0,
        )
    )
    if n != 1:
        return None
    return {"tache_id": tache_id, "debut_traitement": maintenant, "statut": statut}


def _progression(battement: baux.Battement):
    def signaler(etape, fait, total):
        battement.progression(etape=etape, progression_fait=fait, progression_total=total)

    return signaler


def _echec(pk: int, reservation: dict, message: str) -> None:
    """Mark the batch failed (final: the file must be uploaded again), erasing the file and
    its stored rows like a finished batch."""
    with transaction.atomic():
        n = LotImport.objects.filter(pk=pk, **reservation).update(
            statut=StatutLot.ECHEC,
            erreur=_sans_nul(message)[:2000],
            contenu=b"",
            bail_expire_le=None,
            traite_le=timezone.now(),
        )
        if n:
            LigneLot.objects.filter(lot_id=pk).delete()


def _sans_nul(texte) -> str:
    """PostgreSQL stores no NUL character (text nor jsonb): shown as U+FFFD instead."""
    return str(texte).replace("\x00", "\ufffd")


def _ligne_stockee(lot_id: int, ligne: LigneImport, ctx: ContexteImport) -> LigneLot:
    personne = ctx.personnes.get(compact_niss(ligne.valeurs.get("niss", "")))
    return LigneLot(
        lot_id=lot_id,
        numero=ligne.numero,
        valide=ligne.valide,
        valeurs={_sans_nul(k): _sans_nul(v) for k, v in ligne.valeurs.items()},
        brut=None if ligne.valide else [_sans_nul(c) for c in ligne.brut],
        erreurs=[[_sans_nul(e.colonne), _sans_nul(e.message)] for e in ligne.erreurs],
        action=ligne.action if ligne.valide else "",
        personne_id=getattr(personne, "pk", None),
    )


def analyser_lot(pk: int, tache_id: str) -> LotImport | None:
    """The analysis job: read and validate the file once, store every row with its errors and
    the counts, and leave the batch waiting for confirmation."""
    reservation = reserver_lot(pk, tache_id, StatutLot.EN_ANALYSE)
    if reservation is None:
        return None
    lot = LotImport.objects.select_related("cpas", "cree_par").get(pk=pk)
    with (
        baux.Battement(LotImport, pk, reservation) as battement,
        translation.override(lot.langue or "fr"),
    ):
        try:
            baux.pause_de_test("IMPORTS_PAUSE_TEST")
            ctx = ContexteImport(cpas=lot.cpas, user=lot.cree_par)
            ctx.progression = _progression(battement)
            with sans_ramasse_miettes():
                rapport = import_type(lot.type).analyser(ctx, bytes(lot.contenu))
                lignes = [_ligne_stockee(pk, ligne, ctx) for ligne in rapport.lignes]
            with transaction.atomic():
                encore_a_nous = (
                    LotImport.objects.filter(pk=pk, **reservation)
                    .select_for_update()
                    .values_list("pk", flat=True)
                )
                if not list(encore_a_nous):
                    raise LotRepris()
                LigneLot.objects.filter(lot_id=pk).delete()
                for i, paquet in enumerate(iter_par_lots(lignes, 5000), 1):
                    LigneLot.objects.bulk_create(paquet)
                    battement.progression(
                        etape="stockage",
                        progression_fait=min(i * 5000, len(lignes)),
                        progression_total=len(lignes),
                    )
                LotImport.objects.filter(pk=pk).update(
                    statut=StatutLot.ANALYSE,
                    nb_lignes=len(rapport.lignes),
                    nb_valides=len(rapport.valides),
                    nb_rejetees=len(rapport.rejetees),
                    encodage=rapport.encodage,
                    separateur=rapport.separateur,
                    entete=[_sans_nul(h) for h in rapport.entete],
                    erreurs_fichier=[_sans_nul(e) for e in rapport.erreurs_fichier],
                    bail_expire_le=None,
                    etape="",
                )
        except LotRepris:
            logger.warning("Lot d'import %s : repris par un autre processus", pk)
            return None
        except Exception as exc:
            logger.exception("Analyse du lot d'import %s impossible", pk)
            _echec(pk, reservation, _("Analyse impossible : %(e)s") % {"e": exc})
    return LotImport.objects.defer("contenu").get(pk=pk)


def importer_lot(pk: int, tache_id: str) -> LotImport | None:
    """The import job: validate the file again against the data of this moment and write it
    in one transaction, which also marks the batch as imported and erases the file and its
    stored rows. Any failure rolls everything back and marks the batch as failed."""
    reservation = reserver_lot(pk, tache_id, StatutLot.EN_IMPORT)
    if reservation is None:
        return None
    lot = LotImport.objects.select_related("cpas", "cree_par").get(pk=pk)

    def terminer(rapport):
        baux.pause_de_test("IMPORTS_PAUSE_ECRITURE_TEST")  # rows written, not committed
        n = LotImport.objects.filter(pk=pk, **reservation).update(
            statut=StatutLot.IMPORTE,
            contenu=b"",
            nb_lignes=len(rapport.lignes),
            nb_valides=len(rapport.valides),
            nb_rejetees=len(rapport.rejetees),
            nb_crees=rapport.bilan.crees,
            nb_modifies=rapport.bilan.modifies,
            nb_inchanges=rapport.bilan.inchanges,
            traite_le=timezone.now(),
            bail_expire_le=None,
            etape="",
        )
        if n != 1:
            raise LotRepris()
        LigneLot.objects.filter(lot_id=pk).delete()

    with (
        baux.Battement(LotImport, pk, reservation) as battement,
        translation.override(lot.langue or "fr"),
    ):
        try:
            baux.pause_de_test("IMPORTS_PAUSE_TEST")
            resultat = executer_import(
                lot.cpas,
                lot.type,
                bytes(lot.contenu),
                user=lot.cree_par,
                valid_only=lot.valides_seulement,
                origine="import_web",
                nom_fichier=lot.nom_fichier,
                progression=_progression(battement),
                dans_la_transaction=terminer,
            )
            if not resultat.ecrit:
                _echec(
                    pk,
                    reservation,
                    _(
                        "Rien n'a été enregistré : le fichier contient des lignes en erreur "
                        "(les données ont changé depuis l'analyse). Déposez-le à nouveau."
                    ),
                )
        except LotRepris:
            logger.warning("Lot d'import %s : repris par un autre processus", pk)
            return None
        except ImportEchoue as exc:
            _echec(pk, reservation, str(exc))
        except Exception as exc:
            logger.exception("Import du lot %s interrompu", pk)
            _echec(
                pk,
                reservation,
                _("L'import a échoué, rien n'a été enregistré : %(e)s")
                % {"e": f"{type(exc).__name__}: {exc}"},
            )
    return LotImport.objects.defer("contenu").get(pk=pk)


def relancer_lots_interrompus() -> list[int]:
    """Queue again every batch whose analysis or import stopped without finishing: running
    with an expired lease (killed worker) or waiting past its deadline (lost message), under
    the same job id. Run every minute by Celery beat; returns the ids requeued."""
    maintenant = timezone.now()
    relances = []
    with transaction.atomic():
        perimes = (
            LotImport.objects.select_for_update(skip_locked=True)
            .defer("contenu")
            .filter(statut__in=STATUTS_EN_TRAITEMENT)
            .filter(
                Q(bail_expire_le__lt=maintenant)
                | Q(
                    bail_expire_le__isnull=True,
                    cree_le__lt=maintenant - datetime.timedelta(seconds=baux.duree_bail()),
                )
            )
        )
        for lot in perimes:
            lot.tache_id = lot.tache_id or str(uuid.uuid4())
            lot.debut_traitement = None
            lot.bail_expire_le = baux.echeance(baux.delai_attente())
            lot.relances += 1
            lot.save(update_fields=["tache_id", "debut_traitement", "bail_expire_le", "relances"])
            baux.mettre_en_file(_envoyer, lot)
            logger.warning("Lot d'import %s interrompu (%s) : relancé", lot.pk, lot.statut)
            relances.append(lot.pk)
    return relances


def rapport_stocke(lot: LotImport, lignes) -> RapportImport:
    """The stored rows as a ``RapportImport`` (for the rejects file writer)."""
    return RapportImport(
        type=lot.type,
        entete=list(lot.entete),
        separateur=lot.separateur or ";",
        encodage=lot.encodage,
        lignes=[
            LigneImport(
                ligne.numero, ligne.valeurs, list(ligne.brut or []), erreurs=ligne.erreurs_ligne()
            )
            for ligne in lignes
        ],
    )


NOM_PLANIFICATION_RELANCE = "Relance des imports interrompus"
TACHE_RELANCE = "beneficiaires.tasks.relancer_imports_interrompus"


def assurer_planification_relance(periodic_task_model=None, interval_model=None):
    """The beat schedule of the recovery of interrupted batches (every minute), created once.
    Also used by the data migration, with the historical models."""
    return baux.planifier_relance(
        NOM_PLANIFICATION_RELANCE, TACHE_RELANCE, periodic_task_model, interval_model
    )


# --- What the pages ask ---------------------------------------------------------------------


@dataclass
class Reponse:
    """What the page tells the user after an action on a batch (a ``messages`` level), and
    whether the batch is gone (back to the list of batches)."""

    niveau: int
    message: str
    termine: bool = False


def agir_sur_lot(lot: LotImport, action: str) -> Reponse | None:
    """The user's decision on an analysed batch: ``annuler``, ``importer`` (every row must be
    valid) or ``importer_valides``. None when it changes nothing (unknown action, too late)."""
    if action == "annuler":
        if annuler_lot(lot):
            return Reponse(messages.INFO, _("Import annulé : rien n'a été enregistré."), True)
        return None
    if action in ("importer", "importer_valides"):
        if demander_import(lot, valides_seulement=action == "importer_valides"):
            return Reponse(
                messages.SUCCESS,
                _("Import lancé : cette page montre son avancement et se met à jour seule."),
            )
        return Reponse(
            messages.ERROR,
            _("Rien n'a été enregistré : le fichier contient des lignes en erreur."),
        )
    return None


def lignes_a_montrer(lot: LotImport, montrer: str):
    """The stored rows of an analysed batch, in file order: only the rejected ones when
    ``montrer`` is ``"erreurs"``."""
    lignes = LigneLot.objects.filter(lot=lot)
    if montrer == "erreurs":
        lignes = lignes.filter(valide=False)
    return lignes.order_by("numero")
