"""The staged import's batches (``LotImport``) and their analysed rows (``LigneLot``); the
work on them is in ``beneficiaires.imports.lots``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cpas_isp.historique import suivre
from cpas_isp.models import TenantModel

from ..imports.lecture import ErreurLigne


class StatutLot(models.TextChoices):
    """uploaded -> EN_ANALYSE (queued, then running) -> ANALYSE (results stored, waiting for
    confirmation) -> EN_IMPORT (queued, then running) -> IMPORTE, or ECHEC; ANNULE by the
    user. EN_ANALYSE and EN_IMPORT are held by a worker under a lease (see cpas_isp.baux)."""

    EN_ANALYSE = "en_analyse", _("Analyse en cours")
    ANALYSE = "analyse", _("Analysé, en attente de confirmation")
    EN_IMPORT = "en_import", _("Import en cours")
    IMPORTE = "importe", _("Importé")
    ECHEC = "echec", _("Échec")
    ANNULE = "annule", _("Annulé")


STATUTS_EN_TRAITEMENT = (StatutLot.EN_ANALYSE, StatutLot.EN_IMPORT)


@suivre(
    exclude=[
        "contenu",
        "entete",
        "erreurs_fichier",
        "bail_expire_le",
        "etape",
        "progression_fait",
        "progression_total",
    ]
)
class LotImport(TenantModel):
    """A file uploaded by the CPAS administrator (staged import): analysed once in the
    background (its rows and their errors stored in ``LigneLot``), shown, then imported in the
    background or cancelled. The file content and stored rows are erased once it is done."""

    type = models.CharField(_("type"), max_length=40)
    nom_fichier = models.CharField(_("fichier"), max_length=255)
    contenu = models.BinaryField(_("contenu"), editable=False)
    statut = models.CharField(
        _("statut"), max_length=12, choices=StatutLot.choices, default=StatutLot.EN_ANALYSE
    )
    langue = models.CharField(_("langue des messages"), max_length=10, blank=True)
    valides_seulement = models.BooleanField(_("lignes valides seulement"), default=False)
    nb_lignes = models.PositiveIntegerField(_("lignes"), default=0)
    nb_valides = models.PositiveIntegerField(_("lignes valides"), default=0)
    nb_rejetees = models.PositiveIntegerField(_("lignes rejetées"), default=0)
    nb_crees = models.PositiveIntegerField(_("créés"), default=0)
    nb_modifies = models.PositiveIntegerField(_("modifiés"), default=0)
    nb_inchanges = models.PositiveIntegerField(_("inchangés"), default=0)
    encodage = models.CharField(_("encodage"), max_length=20, blank=True)
    separateur = models.CharField(_("séparateur"), max_length=2, blank=True)
    entete = models.JSONField(_("en-tête"), default=list, blank=True)
    erreurs_fichier = models.JSONField(_("erreurs du fichier"), default=list, blank=True)
    erreur = models.TextField(_("erreur"), blank=True)
    tache_id = models.CharField(_("identifiant de tâche"), max_length=255, blank=True)
    debut_traitement = models.DateTimeField(_("traitement commencé le"), null=True, blank=True)
    bail_expire_le = models.DateTimeField(_("réservation jusqu'au"), null=True, blank=True)
    relances = models.PositiveSmallIntegerField(_("relances automatiques"), default=0)
    etape = models.CharField(_("étape"), max_length=20, blank=True)
    progression_fait = models.PositiveIntegerField(default=0)
    progression_total = models.PositiveIntegerField(default=0)
    cree_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("déposé par"),
    )
    cree_le = models.DateTimeField(_("déposé le"), auto_now_add=True)
    traite_le = models.DateTimeField(_("traité le"), null=True, blank=True)

    class Meta:
        verbose_name = _("import de fichier")
        verbose_name_plural = _("imports de fichiers")
        ordering = ["-cree_le", "-id"]
        indexes = [
            models.Index(
                fields=["bail_expire_le"],
                name="lot_import_en_traitement",
                condition=Q(statut__in=["en_analyse", "en_import"]),
            )
        ]

    def __str__(self):
        return f"{self.nom_fichier} ({self.type})"

    @property
    def en_traitement(self) -> bool:
        return self.statut in STATUTS_EN_TRAITEMENT

    @property
    def interrompu(self) -> bool:
        return (
            self.en_traitement
            and self.bail_expire_le is not None
            and self.bail_expire_le < timezone.now()
        )

    @property
    def pourcentage(self) -> int:
        if not self.progression_total:
            return 0
        return min(100, int(100 * self.progression_fait / self.progression_total))


class LigneLot(models.Model):
    """One row of an analysed file, as the analysis left it: its cells, its errors and what the
    import would do. Staging data, deleted when the batch is imported or cancelled."""

    lot = models.ForeignKey(LotImport, on_delete=models.CASCADE, related_name="lignes")
    numero = models.PositiveIntegerField(_("ligne"))
    valide = models.BooleanField(_("valide"))
    valeurs = models.JSONField(_("valeurs"), default=dict)
    brut = models.JSONField(_("ligne lue"), null=True, blank=True)  # rejected rows only
    erreurs = models.JSONField(_("erreurs"), default=list)  # [[colonne, message], ...]
    action = models.CharField(_("action"), max_length=12, blank=True)
    personne_id = models.BigIntegerField(
        _("bénéficiaire existant"), null=True, blank=True
    )  # for the access log of the page showing the row

    class Meta:
        verbose_name = _("ligne de fichier importé")
        verbose_name_plural = _("lignes de fichiers importés")
        ordering = ["lot", "numero"]
        constraints = [
            models.UniqueConstraint(
                fields=["lot", "numero"],
                name="ligne_lot_unique",
                violation_error_code="ligne_existante",
                violation_error_message=_("Cette ligne du fichier est déjà enregistrée."),
            ),
        ]
        indexes = [models.Index(fields=["lot", "valide", "numero"], name="ligne_lot_valide")]

    def erreurs_ligne(self):
        return [ErreurLigne(self.numero, colonne, message) for colonne, message in self.erreurs]
