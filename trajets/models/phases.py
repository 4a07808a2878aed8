"""Phases of the trajectory and the stays (passages) of each person in them."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from beneficiaires.models import Beneficiaire, DateRange
from cpas_isp.historique import suivre
from cpas_isp.models import ListeReference, TenantModel, TenantQuerySet


class Phase(models.TextChoices):
    """The five phases, in the customary order (not a forced sequence)."""

    FACILITATEUR = "facilitateur", _("Facilitateur de projet")
    ALPHA = "alpha", _("Alphabétisation")
    ETUDES_FORMATIONS = "etudes_formations", _("Études et formations")
    EMPLOI = "emploi", _("Emploi")
    ARTICLE60 = "article60", _("Article 60")


# The cellule (cpas_isp.Cellule.code) that serves each phase.
CELLULE_DE_PHASE = {
    Phase.FACILITATEUR: "facilitateurs",
    Phase.ALPHA: "alpha",
    Phase.ETUDES_FORMATIONS: "etudes_formations",
    Phase.EMPLOI: "emploi",
    Phase.ARTICLE60: "article60",
}


class ClasseSortie(models.TextChoices):
    POSITIVE = "positive", _("Positive")
    NEUTRE = "neutre", _("Neutre")
    NEGATIVE = "negative", _("Négative")


class MotifSortie(ListeReference):
    """Reference list of exit reasons (FR/NL), each classed positive / neutral / negative."""

    classe = models.CharField(_("classe"), max_length=10, choices=ClasseSortie.choices)

    class Meta(ListeReference.Meta):
        verbose_name = _("motif de sortie")
        verbose_name_plural = _("motifs de sortie")


class PassagePhaseQuerySet(TenantQuerySet):
    def en_cours_le(self, date):
        return self.filter(Q(fin__isnull=True) | Q(fin__gte=date), debut__lte=date)


@suivre()
class PassagePhase(TenantModel):
    """One stay of a person in one phase. At most one phase per person on any day."""

    beneficiaire = models.ForeignKey(
        Beneficiaire,
        on_delete=models.CASCADE,
        related_name="passages",
        verbose_name=_("bénéficiaire"),
        db_index=False,  # indexed by passage_personne_debut_idx (the person first)
    )
    phase = models.CharField(_("phase"), max_length=20, choices=Phase.choices)
    debut = models.DateField(_("début"))
    fin = models.DateField(_("fin"), null=True, blank=True, help_text=_("Vide : en cours"))
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="passages_suivis",
        verbose_name=_("agent qui suit"),
    )
    motif_entree = models.CharField(_("motif d'entrée"), max_length=300, blank=True)
    motif_sortie = models.ForeignKey(
        MotifSortie,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("motif de sortie"),
    )
    note = models.TextField(_("note"), blank=True)
    cree_le = models.DateTimeField(auto_now_add=True)

    objects = PassagePhaseQuerySet.as_manager()

    #: A stay carries its person's CPAS (foreign key ``passage_cpas_de_la_personne``, migration
    #: 0011): ``beneficiaires.acces.objets_visibles`` and the need-to-know rule's ids of a
    #: cellule (``personnes_de_cellule``, registered ``du_cpas``) rely on it.
    personne_du_cpas = "beneficiaire"

    class Meta:
        verbose_name = _("passage dans une phase")
        verbose_name_plural = _("passages dans les phases")
        ordering = ["beneficiaire", "-debut"]
        constraints = [
            models.CheckConstraint(
                condition=Q(fin__isnull=True) | Q(fin__gte=F("debut")),
                name="passage_fin_apres_debut",
                violation_error_code="passage_fin_apres_debut",
                violation_error_message=_("La fin ne peut pas précéder le début du passage."),
            ),
            ExclusionConstraint(
                name="passage_une_phase_a_la_fois",
                violation_error_code="passage_une_phase_a_la_fois",
                violation_error_message=_(
                    "Ces dates chevauchent un autre passage : cette personne est déjà dans une "
                    "phase pendant cette période, et une personne ne peut être que dans une "
                    "phase à la fois. Corrigez d'abord le passage existant."
                ),
                expressions=[
                    ("beneficiaire", RangeOperators.EQUAL),
                    (DateRange("debut", "fin", models.Value("[]")), RangeOperators.OVERLAPS),
                ],
            ),
        ]
        indexes = [
            # The stays of a phase (cellule queues, the need-to-know rule's people of a
            # cellule): in order, and counted from the index alone (the end and the person
            # included: the stays running today are read without visiting each stay's page;
            # the exit's reason too: the dashboard's flows per month read the index alone).
            models.Index(
                fields=["cpas", "phase", "debut"],
                include=["fin", "beneficiaire", "motif_sortie"],
                name="passage_cpas_phase_debut_idx",
            ),
            # A person's current phase and its start in every list row, read from this index
            # alone, latest first (was a bitmap probe of the exclusion constraint's GiST
            # index and of the stay's page per row).
            models.Index(
                fields=["beneficiaire", "debut"],
                include=["fin", "phase"],
                name="passage_personne_debut_idx",
            ),
        ]

    def __str__(self):
        return (
            f"{self.get_phase_display()} ({self.debut:%d/%m/%Y}–{self.fin:%d/%m/%Y})"
            if self.fin
            else (f"{self.get_phase_display()} ({self.debut:%d/%m/%Y}–…)")
        )
