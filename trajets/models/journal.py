"""The trajectory journal: the steps social workers log, and their reference list of types."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from beneficiaires.models import Beneficiaire
from cpas_isp.historique import suivre
from cpas_isp.models import ListeReference, TenantModel, TenantQuerySet
from trajets.models.phases import PassagePhase


class TypeEtape(ListeReference):
    """Kind of trajectory step (individual interview, job coaching, application sent...)."""

    collectif = models.BooleanField(
        _("collectif"), default=False, help_text=_("Peut être noté pour un groupe de personnes")
    )
    workflow = models.BooleanField(
        _("réservé à un processus"),
        default=False,
        help_text=_(
            "Noté seulement par son processus (évaluation du PIIS, orientation, rendez-vous) : "
            "jamais proposé dans le formulaire d'étape ni comme type par défaut"
        ),
    )

    class Meta(ListeReference.Meta):
        verbose_name = _("type d'étape")
        verbose_name_plural = _("types d'étapes")


class ParametresJournal(models.Model):
    """A CPAS's settings for the journal (one row per CPAS, edited by its administrator)."""

    cpas = models.OneToOneField(
        "cpas_isp.Cpas",
        on_delete=models.CASCADE,
        related_name="parametres_journal",
        verbose_name=_("CPAS"),
    )
    type_par_defaut = models.ForeignKey(
        TypeEtape,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("type d'étape par défaut"),
        help_text=_(
            "Type proposé d'office dans le formulaire rapide d'étape : un type neutre (par "
            "exemple « Entretien individuel »), jamais un type réservé à un processus"
        ),
    )

    class Meta:
        verbose_name = _("paramètres du journal")
        verbose_name_plural = _("paramètres du journal")

    def __str__(self):
        return str(self.cpas)

    def clean(self):
        from django.core.exceptions import ValidationError

        t = self.type_par_defaut if self.type_par_defaut_id else None
        if t is None:
            return
        if t.workflow or not t.actif:
            raise ValidationError(
                {
                    "type_par_defaut": _(
                        "Choisissez un type actif qui n'est pas réservé à un processus."
                    )
                }
            )
        if t.cpas_id is not None and t.cpas_id != self.cpas_id:
            raise ValidationError({"type_par_defaut": _("Ce type appartient à un autre CPAS.")})


class ModeEtape(models.TextChoices):
    PRESENTIEL = "presentiel", _("En présentiel")
    TELEPHONE = "telephone", _("Par téléphone")
    VIDEO = "video", _("En visioconférence")
    DOMICILE = "domicile", _("À domicile")
    ECRIT = "ecrit", _("Par écrit")


class EtapeQuerySet(TenantQuerySet):
    def actions_ouvertes(self):
        return self.filter(echeance__isnull=False, action_faite_le__isnull=True)


@suivre()
class Etape(TenantModel):
    """One step of a person's trajectory, logged by a social worker."""

    beneficiaire = models.ForeignKey(
        Beneficiaire,
        on_delete=models.CASCADE,
        related_name="etapes",
        verbose_name=_("bénéficiaire"),
    )
    passage = models.ForeignKey(
        PassagePhase,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="etapes",
        verbose_name=_("passage"),
        help_text=_("Le passage en cours à la date de l'étape, lié automatiquement"),
    )
    date = models.DateField(_("date"))
    type = models.ForeignKey(
        TypeEtape, on_delete=models.PROTECT, related_name="+", verbose_name=_("type")
    )
    mode = models.CharField(
        _("mode"), max_length=12, choices=ModeEtape.choices, default=ModeEtape.PRESENTIEL
    )
    duree = models.PositiveSmallIntegerField(
        _("durée (minutes)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    note = models.TextField(_("note"), blank=True, help_text=_("Visible par les collègues"))
    note_confidentielle = models.TextField(
        _("note confidentielle"),
        blank=True,
        help_text=_("Visible seulement par vous et les coordinateurs"),
    )
    prochaine_action = models.CharField(_("prochaine action"), max_length=300, blank=True)
    echeance = models.DateField(_("pour le"), null=True, blank=True)
    action_faite_le = models.DateField(_("action faite le"), null=True, blank=True)
    groupe = models.UUIDField(
        _("séance collective"), null=True, blank=True, db_index=True, editable=False
    )
    auteur = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="etapes_ecrites",
        verbose_name=_("auteur"),
    )
    cree_le = models.DateTimeField(_("créée le"), auto_now_add=True)
    modifie_le = models.DateTimeField(_("modifiée le"), auto_now=True)

    objects = EtapeQuerySet.as_manager()

    class Meta:
        verbose_name = _("étape")
        verbose_name_plural = _("étapes")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(echeance__isnull=True) | ~Q(prochaine_action=""),
                name="etape_echeance_avec_action",
                violation_error_code="etape_echeance_avec_action",
                violation_error_message=_("Décrivez la prochaine action de cette échéance."),
            ),
        ]
        indexes = [
            models.Index(fields=["beneficiaire", "-date"]),
            models.Index(fields=["auteur", "-cree_le"]),
            models.Index(
                fields=["cpas", "echeance"],
                condition=Q(echeance__isnull=False, action_faite_le__isnull=True),
                name="etape_action_ouverte_idx",
            ),
            # A person's open actions (is one overdue?: the queues' counts and filter; "Mes
            # échéances": the actions of the people the user refers), the CPAS and the id
            # included: the probe of each person reads the index alone.
            models.Index(
                fields=["beneficiaire", "echeance"],
                include=["cpas", "id"],
                condition=Q(echeance__isnull=False, action_faite_le__isnull=True),
                name="etape_action_ouverte_pers_idx",
            ),
            # An author's open actions ("Mes échéances": the actions the user wrote for people
            # they do not refer), read from the index alone (id and person included).
            models.Index(
                fields=["auteur", "cpas", "echeance"],
                include=["beneficiaire", "id"],
                condition=Q(echeance__isnull=False, action_faite_le__isnull=True),
                name="etape_action_ouverte_aut_idx",
            ),
        ]

    def __str__(self):
        return f"{self.date:%d/%m/%Y} {self.type}"

    @property
    def en_retard(self) -> bool:
        return (
            self.echeance is not None
            and self.action_faite_le is None
            and self.echeance < timezone.localdate()
        )
