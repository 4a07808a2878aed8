"""Retention of closed files: the CPAS's rule (years after closing), legal holds that keep a
file out of anonymisation, and the record of each anonymisation run (its report)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cpas_isp.historique import suivre
from cpas_isp.models import TenantModel

from .personnes import Beneficiaire

ANNEES_CONSERVATION_DEFAUT = 10


@suivre()
class RegleConservation(TenantModel):
    """How long a CPAS keeps a closed file before it is anonymised (one rule per CPAS; the
    default applies until the functional administrator sets one)."""

    annees = models.PositiveSmallIntegerField(
        _("durée de conservation (années après la clôture)"),
        default=ANNEES_CONSERVATION_DEFAUT,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_(
            "Les dossiers clôturés depuis plus longtemps sont anonymisés : identité, NISS, "
            "coordonnées et textes libres effacés, statistiques conservées."
        ),
    )
    modifie_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    modifie_le = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("règle de conservation")
        verbose_name_plural = _("règles de conservation")
        constraints = [
            models.UniqueConstraint(fields=["cpas"], name="regle_conservation_une_par_cpas"),
            models.CheckConstraint(
                condition=Q(annees__gte=1) & Q(annees__lte=100),
                name="regle_conservation_annees_1_100",
                violation_error_code="annees_hors_limites",
                violation_error_message=_("La durée de conservation va de 1 à 100 ans."),
            ),
        ]

    def __str__(self):
        return f"{self.cpas} : {self.annees}"


@suivre()
class GelDossier(TenantModel):
    """Legal hold: the file is kept as it is (never anonymised) while the hold exists."""

    beneficiaire = models.OneToOneField(
        Beneficiaire, on_delete=models.CASCADE, related_name="gel", verbose_name=_("dossier")
    )
    motif = models.CharField(
        _("motif"),
        max_length=300,
        help_text=_("Par exemple : recours en cours devant le tribunal du travail."),
    )
    par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("décidé par"),
    )
    le = models.DateTimeField(_("le"), auto_now_add=True)

    class Meta:
        verbose_name = _("gel du dossier (conservation légale)")
        verbose_name_plural = _("gels de dossiers")
        constraints = [
            models.CheckConstraint(
                condition=~Q(motif=""),
                name="gel_dossier_motif_requis",
                violation_error_code="motif_requis",
                violation_error_message=_("Donnez le motif du gel."),
            )
        ]

    def __str__(self):
        return f"{self.beneficiaire_id} : {self.motif}"


class StatutAnonymisation(models.TextChoices):
    EN_ATTENTE = "en_attente", _("En attente")
    EN_COURS = "en_cours", _("En cours")
    TERMINEE = "terminee", _("Terminée")
    ECHEC = "echec", _("Échec")


@suivre()
class Anonymisation(TenantModel):
    """One confirmed anonymisation run of a CPAS and its report. The run anonymises the files
    closed on or before ``cloture_avant`` (computed at confirmation), in batches, each batch in
    one transaction; a worker killed in the middle leaves whole files done or untouched, and the
    next run of the task continues where it stopped (the lease fields, ``cpas_isp.baux``)."""

    statut = models.CharField(
        _("statut"),
        max_length=20,
        choices=StatutAnonymisation.choices,
        default=StatutAnonymisation.EN_ATTENTE,
    )
    annees = models.PositiveSmallIntegerField(_("durée de conservation (années)"))
    cloture_avant = models.DateField(_("dossiers clôturés au plus tard le"))
    nb_prevus = models.PositiveIntegerField(_("dossiers prévus"), default=0)
    nb_anonymises = models.PositiveIntegerField(_("dossiers anonymisés"), default=0)
    nb_lots = models.PositiveIntegerField(_("lots"), default=0)
    nb_lignes = models.PositiveIntegerField(_("lignes effacées ou supprimées"), default=0)
    nb_evenements = models.PositiveIntegerField(_("événements d'historique supprimés"), default=0)
    nb_consultations = models.PositiveIntegerField(_("consultations anonymisées"), default=0)
    demande_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    demande_le = models.DateTimeField(_("demandée le"), auto_now_add=True)
    debut = models.DateTimeField(_("début"), null=True, blank=True)
    fin = models.DateTimeField(_("fin"), null=True, blank=True)
    erreur = models.TextField(_("erreur"), blank=True)
    tache_id = models.CharField(max_length=64, blank=True)
    bail_expire_le = models.DateTimeField(null=True, blank=True)
    relances = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("anonymisation")
        verbose_name_plural = _("anonymisations")
        ordering = ["-demande_le", "-id"]
        constraints = [
            # One run at a time per CPAS.
            models.UniqueConstraint(
                fields=["cpas"],
                condition=Q(statut__in=["en_attente", "en_cours"]),
                name="anonymisation_une_en_cours_par_cpas",
                violation_error_code="deja_en_cours",
                violation_error_message=_("Une anonymisation est déjà en cours pour ce CPAS."),
            )
        ]

    def __str__(self):
        return f"{self.cpas} {self.demande_le:%Y-%m-%d %H:%M}"

    @property
    def duree(self):
        if self.debut and self.fin:
            return self.fin - self.debut
        return None

    @property
    def en_cours(self) -> bool:
        return self.statut in (StatutAnonymisation.EN_ATTENTE, StatutAnonymisation.EN_COURS)
