"""Programmes run by a CPAS (with other CPAS and partners) and their cohorts: participations,
exit results and participants' feedback."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from beneficiaires.models import Beneficiaire
from cpas_isp.historique import suivre
from cpas_isp.models import Cpas, Role, TenantModel, TenantQuerySet
from cpas_isp.tenancy import current_membership

from .annuaire import Partenaire, Thematique


class ProgrammeQuerySet(TenantQuerySet):
    def for_user(self, user):
        """Programmes run by or with the user's current CPAS (partners: none)."""
        membership = current_membership(user)
        if membership is None or membership.role == Role.PARTENAIRE:
            return self.none()
        return self.filter(
            Q(cpas=membership.cpas_id) | Q(cpas_participants=membership.cpas_id)
        ).distinct()


@suivre()
class Programme(TenantModel):
    cpas = models.ForeignKey(  # overrides TenantModel's for its label
        Cpas, on_delete=models.PROTECT, related_name="+", verbose_name=_("CPAS porteur")
    )
    titre = models.CharField(_("titre"), max_length=200)
    thematique = models.ForeignKey(
        Thematique, on_delete=models.PROTECT, related_name="programmes", verbose_name=_("thème")
    )
    description = models.TextField(_("description"), blank=True)
    cpas_participants = models.ManyToManyField(
        Cpas, related_name="programmes", blank=True, verbose_name=_("autres CPAS participants")
    )
    partenaires = models.ManyToManyField(
        Partenaire, related_name="programmes", blank=True, verbose_name=_("partenaires")
    )
    debut = models.DateField(_("début"))
    fin = models.DateField(_("fin"), null=True, blank=True)
    objectif_participants = models.PositiveIntegerField(
        _("objectif (participants)"), validators=[MinValueValidator(1)]
    )
    duree_max_mois = models.PositiveSmallIntegerField(
        _("durée maximale d'accompagnement (mois)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
    )
    cree_le = models.DateTimeField(auto_now_add=True)

    objects = ProgrammeQuerySet.as_manager()

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["-debut", "titre", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(fin__isnull=True) | Q(fin__gte=F("debut")),
                name="programme_dates",
                violation_error_message=_("La fin ne peut pas précéder le début."),
                violation_error_code="fin_avant_debut",
            ),
            models.CheckConstraint(
                condition=Q(objectif_participants__gte=1),
                name="programme_objectif_positif",
                violation_error_message=_("L'objectif compte au moins un participant."),
                violation_error_code="objectif_nul",
            ),
        ]

    def __str__(self):
        return self.titre


class StatutParticipation(models.TextChoices):
    INSCRIT = "inscrit", _("Inscrit")
    ACTIF = "actif", _("Actif")
    TERMINE = "termine", _("Terminé")
    ABANDON = "abandon", _("Abandon")


class ResultatSortie(models.TextChoices):
    EMPLOI = "emploi", _("Emploi salarié")
    ACTIVITE_PROPRE = "activite_propre", _("Création de sa propre activité")
    FORMATION = "formation", _("Formation qualifiante")
    REPRISE_STRUCTURE = "reprise_structure", _("Projet repris par une structure d'accompagnement")
    REORIENTATION = "reorientation", _("Réorientation")
    SANS_SOLUTION = "sans_solution", _("Sans solution")


SORTIES_POSITIVES = {
    ResultatSortie.EMPLOI,
    ResultatSortie.ACTIVITE_PROPRE,
    ResultatSortie.FORMATION,
    ResultatSortie.REPRISE_STRUCTURE,
}


@suivre()
class Participation(TenantModel):
    """A person in a programme's cohort. ``cpas`` is the person's CPAS (who sees the row)."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="participations"
    )
    beneficiaire = models.ForeignKey(
        Beneficiaire,
        on_delete=models.CASCADE,
        related_name="participations_programmes",
        verbose_name=_("bénéficiaire"),
    )
    statut = models.CharField(
        _("statut"),
        max_length=10,
        choices=StatutParticipation.choices,
        default=StatutParticipation.INSCRIT,
    )
    date_inscription = models.DateField(_("inscription"))
    date_debut = models.DateField(_("début de l'accompagnement"), null=True, blank=True)
    date_fin = models.DateField(_("fin"), null=True, blank=True)
    resultat = models.CharField(
        _("résultat à la sortie"), max_length=20, choices=ResultatSortie.choices, blank=True
    )

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        ordering = ["programme", "beneficiaire__nom", "beneficiaire__prenom", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "beneficiaire"],
                name="participation_unique",
                violation_error_message=_("Cette personne fait déjà partie de la cohorte."),
                violation_error_code="participation_existe",
            ),
            models.CheckConstraint(
                condition=Q(statut__in=StatutParticipation.values),
                name="participation_statut_valide",
                violation_error_message=_("Statut de participation inconnu."),
                violation_error_code="statut_inconnu",
            ),
            models.CheckConstraint(
                condition=Q(date_fin__isnull=True)
                | Q(date_debut__isnull=True)
                | Q(date_fin__gte=F("date_debut")),
                name="participation_dates",
                violation_error_message=_("La fin ne peut pas précéder le début."),
                violation_error_code="fin_avant_debut",
            ),
            models.CheckConstraint(
                condition=Q(statut__in=[StatutParticipation.TERMINE, StatutParticipation.ABANDON])
                | (Q(resultat="") & Q(date_fin__isnull=True)),
                name="participation_sortie_si_terminee",
                violation_error_message=_(
                    "Le résultat et la date de fin ne se notent qu'à la sortie."
                ),
                violation_error_code="sortie_avant_fin",
            ),
            models.CheckConstraint(
                condition=~Q(statut__in=[StatutParticipation.ACTIF, StatutParticipation.TERMINE])
                | Q(date_debut__isnull=False),
                name="participation_debut_si_commencee",
                violation_error_message=_("Indiquez le début de l'accompagnement."),
                violation_error_code="debut_manquant",
            ),
        ]

    def __str__(self):
        return f"{self.beneficiaire} — {self.programme}"

    @property
    def sortie_positive(self):
        return self.resultat in SORTIES_POSITIVES


@suivre()
class AvisParticipant(TenantModel):
    """A participant's feedback: a score from 1 to 5 and a comment."""

    participation = models.ForeignKey(Participation, on_delete=models.CASCADE, related_name="avis")
    date = models.DateField(_("date"))
    score = models.PositiveSmallIntegerField(
        _("satisfaction (1 à 5)"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    commentaire = models.TextField(_("commentaire"), blank=True)

    class Meta:
        verbose_name = _("avis de participant")
        verbose_name_plural = _("avis des participants")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=1) & Q(score__lte=5),
                name="avis_score_1_a_5",
                violation_error_message=_("La satisfaction se note de 1 à 5."),
                violation_error_code="score_hors_bornes",
            )
        ]

    def __str__(self):
        return f"{self.score}/5"
