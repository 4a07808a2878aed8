"""Article 60: contracts, the dated rules of their length and the pool of posts of a CPAS."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from beneficiaires.models import Beneficiaire, DateRange
from cpas_isp.historique import suivre
from cpas_isp.models import TenantModel, TenantQuerySet
from trajets.models.phases import MotifSortie, PassagePhase


class RegleDureeArticle60(models.Model):
    """Dated rule for the length of an article 60 contract: the worked days needed to open
    unemployment rights, by age at the planned end. The rules in force at the contract start
    are those with the latest ``valable_du`` not after it."""

    valable_du = models.DateField(_("en vigueur à partir du"))
    age_min = models.PositiveSmallIntegerField(
        _("âge minimum à la fin"), null=True, blank=True, help_text=_("Vide : pas de minimum")
    )
    age_max = models.PositiveSmallIntegerField(
        _("âge maximum à la fin"), null=True, blank=True, help_text=_("Vide : pas de maximum")
    )
    jours_prestes = models.PositiveSmallIntegerField(
        _("jours de travail à prester"), validators=[MinValueValidator(1)]
    )
    commentaire = models.CharField(_("commentaire"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("règle de durée article 60")
        verbose_name_plural = _("règles de durée article 60")
        ordering = ["-valable_du", "age_min"]
        constraints = [
            models.CheckConstraint(
                condition=Q(age_min__isnull=True)
                | Q(age_max__isnull=True)
                | Q(age_max__gte=F("age_min")),
                name="regle_a60_ages_ordonnes",
                violation_error_code="regle_a60_ages_ordonnes",
                violation_error_message=_(
                    "L'âge maximum ne peut pas être inférieur à l'âge minimum."
                ),
            ),
            models.UniqueConstraint(
                fields=["valable_du", "age_min"],
                name="regle_a60_unique",
                violation_error_code="regle_a60_unique",
                violation_error_message=_(
                    "Une règle existe déjà pour cette date et cet âge minimum."
                ),
                nulls_distinct=False,
            ),
        ]

    def __str__(self):
        if self.age_min is None and self.age_max is None:
            ages = _("tous âges")
        elif self.age_max is None:
            ages = _("%(min)s ans et plus") % {"min": self.age_min}
        elif self.age_min is None:
            ages = _("moins de %(max)s ans") % {"max": self.age_max + 1}
        else:
            ages = _("%(min)s à %(max)s ans") % {"min": self.age_min, "max": self.age_max}
        return _("Dès le %(date)s, %(ages)s : %(jours)s jours") % {
            "date": f"{self.valable_du:%d/%m/%Y}",
            "ages": ages,
            "jours": self.jours_prestes,
        }


@suivre()
class PoolArticle60(TenantModel):
    """The posts a CPAS may fill under article 60, from a date (quotas change)."""

    valable_du = models.DateField(_("à partir du"))
    postes_total = models.PositiveIntegerField(_("postes au total"))
    postes_economie_sociale = models.PositiveIntegerField(_("dont en économie sociale"), default=0)
    commentaire = models.CharField(_("commentaire"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("pool de postes article 60")
        verbose_name_plural = _("pools de postes article 60")
        ordering = ["cpas", "-valable_du"]
        constraints = [
            models.UniqueConstraint(
                fields=["cpas", "valable_du"],
                name="pool_a60_unique",
                violation_error_code="pool_a60_unique",
                violation_error_message=_("Un pool de postes commence déjà à cette date."),
            ),
            models.CheckConstraint(
                condition=Q(postes_economie_sociale__lte=F("postes_total")),
                name="pool_a60_es_dans_total",
                violation_error_code="pool_a60_es_dans_total",
                violation_error_message=_("Les postes en économie sociale font partie du total."),
            ),
        ]

    def __str__(self):
        return _("%(total)s postes (dont %(es)s en économie sociale) dès le %(date)s") % {
            "total": self.postes_total,
            "es": self.postes_economie_sociale,
            "date": f"{self.valable_du:%d/%m/%Y}",
        }


class RegimeTravail(models.TextChoices):
    TEMPS_PLEIN = "temps_plein", _("Temps plein")
    TEMPS_PARTIEL = "temps_partiel", _("Temps partiel")


class ContratArticle60QuerySet(TenantQuerySet):
    def actifs_le(self, date):
        return self.filter(debut__lte=date).filter(
            Q(fin_reelle__isnull=False, fin_reelle__gte=date)
            | Q(fin_reelle__isnull=True, fin_prevue__gte=date)
        )

    def a_cloturer_le(self, date):
        """Past their planned end on ``date`` with no actual end recorded."""
        return self.filter(fin_reelle__isnull=True, fin_prevue__lt=date)


@suivre()
class ContratArticle60(TenantModel):
    beneficiaire = models.ForeignKey(
        Beneficiaire,
        on_delete=models.CASCADE,
        related_name="contrats_article60",
        verbose_name=_("bénéficiaire"),
    )
    passage = models.ForeignKey(
        PassagePhase,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contrats_article60",
        verbose_name=_("passage en phase Article 60"),
    )
    partenaire = models.ForeignKey(
        "partenaires.Partenaire",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation utilisatrice"),
        help_text=_("Vide si le poste est dans un service interne du CPAS"),
    )
    service_interne = models.CharField(
        _("service interne du CPAS"),
        max_length=200,
        blank=True,
        help_text=_("Maison de repos, restaurant social… si le poste est interne"),
    )
    economie_sociale = models.BooleanField(_("économie sociale"), default=False)
    fonction = models.CharField(_("fonction"), max_length=200)
    regime = models.CharField(
        _("régime"), max_length=14, choices=RegimeTravail.choices, default=RegimeTravail.TEMPS_PLEIN
    )
    heures_semaine = models.DecimalField(
        _("heures par semaine"),
        max_digits=4,
        decimal_places=1,
        default=38,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
    )
    debut = models.DateField(_("début"))
    fin_prevue = models.DateField(_("fin prévue"))
    fin_prevue_calculee = models.DateField(
        _("fin calculée par la règle"), null=True, blank=True, editable=False
    )
    jours_requis = models.PositiveSmallIntegerField(
        _("jours de travail requis"), null=True, blank=True, editable=False
    )
    motif_derogation = models.CharField(
        _("motif de la fin prévue choisie"),
        max_length=300,
        blank=True,
        help_text=_("Obligatoire si la fin prévue diffère de celle calculée par la règle"),
    )
    fin_reelle = models.DateField(_("fin réelle"), null=True, blank=True)
    motif_fin = models.ForeignKey(
        MotifSortie,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("motif de fin"),
    )
    subside_regional = models.DecimalField(
        _("subside régional (par mois)"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    montant_utilisateur = models.DecimalField(
        _("montant payé par l'utilisateur (par mois)"),
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
    )
    formation = models.CharField(_("formation pendant le contrat"), max_length=300, blank=True)
    dispense_heures_cours = models.BooleanField(
        _("dispense de travail pendant les heures de cours"), default=False
    )
    note = models.TextField(_("note"), blank=True)
    cree_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    cree_le = models.DateTimeField(auto_now_add=True)

    objects = ContratArticle60QuerySet.as_manager()

    class Meta:
        verbose_name = _("contrat article 60")
        verbose_name_plural = _("contrats article 60")
        ordering = ["-debut", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(fin_prevue__gte=F("debut")),
                name="a60_fin_prevue_apres_debut",
                violation_error_code="a60_fin_prevue_apres_debut",
                violation_error_message=_("La fin prévue ne peut pas précéder le début."),
            ),
            models.CheckConstraint(
                condition=Q(fin_reelle__isnull=True) | Q(fin_reelle__gte=F("debut")),
                name="a60_fin_reelle_apres_debut",
                violation_error_code="a60_fin_reelle_apres_debut",
                violation_error_message=_("La fin ne peut pas précéder le début du contrat."),
            ),
            models.CheckConstraint(
                condition=Q(fin_reelle__isnull=True) | Q(motif_fin__isnull=False),
                name="a60_fin_reelle_avec_motif",
                violation_error_code="a60_fin_reelle_avec_motif",
                violation_error_message=_("Une fin réelle demande un motif de fin."),
            ),
            models.CheckConstraint(
                condition=Q(partenaire__isnull=False) | ~Q(service_interne=""),
                name="a60_utilisateur_connu",
                violation_error_code="a60_utilisateur_connu",
                violation_error_message=_(
                    "Indiquez l'organisation utilisatrice ou le service interne du CPAS."
                ),
            ),
            ExclusionConstraint(
                name="a60_un_contrat_a_la_fois",
                violation_error_code="a60_un_contrat_a_la_fois",
                violation_error_message=_(
                    "Cette personne a déjà un contrat article 60 pendant cette période."
                ),
                expressions=[
                    ("beneficiaire", RangeOperators.EQUAL),
                    (
                        DateRange(
                            "debut",
                            Coalesce("fin_reelle", "fin_prevue"),
                            models.Value("[]"),
                        ),
                        RangeOperators.OVERLAPS,
                    ),
                ],
            ),
        ]
        indexes = [models.Index(fields=["cpas", "debut"])]

    def __str__(self):
        return _("Article 60 : %(fonction)s (%(debut)s–%(fin)s)") % {
            "fonction": self.fonction,
            "debut": f"{self.debut:%d/%m/%Y}",
            "fin": f"{self.fin_effective:%d/%m/%Y}",
        }

    @property
    def fin_effective(self):
        return self.fin_reelle or self.fin_prevue

    @property
    def utilisateur_affiche(self):
        return str(self.partenaire) if self.partenaire_id else self.service_interne
