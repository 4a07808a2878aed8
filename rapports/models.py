"""Stored monthly reports: one per CPAS, month and language, generated in the background
(Celery)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cpas_isp.historique import suivre
from cpas_isp.models import Langue, TenantModel, TenantQuerySet


class EtatRapport(models.TextChoices):
    EN_ATTENTE = "en_attente", _("En file d'attente")
    EN_COURS = "en_cours", _("En cours de génération")
    PRET = "pret", _("Prêt")
    ECHEC = "echec", _("Échec")


def chemin_rapport(instance, filename):
    return f"rapports/{instance.cpas.code}/{filename}"


class RapportMensuelQuerySet(TenantQuerySet):
    pass


@suivre(exclude=["bail_expire_le"])  # renewed every few seconds by the worker's heartbeat
class RapportMensuel(TenantModel):
    """The monthly PDF report of a CPAS. Regenerating replaces the file in the same row."""

    mois = models.DateField(_("mois"), help_text=_("Premier jour du mois couvert"))
    langue = models.CharField(_("langue"), max_length=2, choices=Langue.choices)
    etat = models.CharField(
        _("état"), max_length=12, choices=EtatRapport.choices, default=EtatRapport.EN_ATTENTE
    )
    fichier = models.FileField(_("fichier"), upload_to=chemin_rapport, blank=True, max_length=300)
    taille = models.PositiveIntegerField(_("taille (octets)"), null=True, blank=True)
    demande_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("demandé par"),
        help_text=_("Vide : génération planifiée"),
    )
    demande_le = models.DateTimeField(_("demandé le"))
    debut_generation = models.DateTimeField(_("génération commencée le"), null=True, blank=True)
    genere_le = models.DateTimeField(_("généré le"), null=True, blank=True)
    tentatives = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    erreur = models.TextField(_("dernière erreur"), blank=True)
    tache_id = models.CharField(
        _("identifiant de tâche"),
        max_length=255,
        blank=True,
        help_text=_("La tâche qui détient la génération ; toute autre tâche s'abstient"),
    )
    bail_expire_le = models.DateTimeField(
        _("réservation jusqu'au"),
        null=True,
        blank=True,
        help_text=_(
            "En attente : échéance pour qu'un processus commence ; en cours : prolongée tant "
            "que le processus travaille. Passé ce moment, la génération est relancée."
        ),
    )
    relances = models.PositiveSmallIntegerField(
        _("relances automatiques"),
        default=0,
        help_text=_("Générations relancées après l'interruption du processus qui les menait"),
    )
    relance_le = models.DateTimeField(_("dernière relance le"), null=True, blank=True)

    objects = RapportMensuelQuerySet.as_manager()

    class Meta:
        verbose_name = _("rapport mensuel")
        verbose_name_plural = _("rapports mensuels")
        ordering = ["cpas", "-mois"]
        constraints = [
            # The CPAS's language is generated every month; a director may ask for the
            # other language too: one row (and file) per language.
            models.UniqueConstraint(
                fields=["cpas", "mois", "langue"], name="rapport_un_par_cpas_mois_et_langue"
            ),
            models.CheckConstraint(condition=Q(mois__day=1), name="rapport_mois_premier_jour"),
        ]

    def __str__(self):
        return f"{self.cpas} — {self.mois:%m/%Y} ({self.langue})"

    @property
    def termine(self) -> bool:
        return self.etat in {EtatRapport.PRET, EtatRapport.ECHEC}

    @property
    def interrompu(self) -> bool:
        """Waiting or running past its lease: its worker is gone (the recovery task requeues
        it within minutes)."""
        return (
            self.etat in {EtatRapport.EN_ATTENTE, EtatRapport.EN_COURS}
            and self.bail_expire_le is not None
            and self.bail_expire_le < timezone.now()
        )

    @property
    def telechargeable(self) -> bool:
        return bool(self.fichier) and self.genere_le is not None

    @property
    def nom_fichier(self) -> str:
        return f"rapport-isp-{self.cpas.code}-{self.mois:%Y-%m}-{self.langue}.pdf"
