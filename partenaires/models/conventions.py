"""Partnership conventions between one or more CPAS and partners: the CPAS parties (and the
inhabitants used for a pro rata split), the funding sources."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from cpas_isp.historique import suivre
from cpas_isp.models import Cpas, Role, TenantModel, TenantQuerySet
from cpas_isp.tenancy import current_membership

from .annuaire import Partenaire

MONTANT = {"max_digits": 12, "decimal_places": 2}


class RegleRepartition(models.TextChoices):
    PRORATA_HABITANTS = "prorata_habitants", _("Au prorata des habitants")
    PARTS_EGALES = "parts_egales", _("Parts égales")
    MONTANTS_FIXES = "montants_fixes", _("Montants fixes")


class SourceFinancement(models.TextChoices):
    FEDERAL = "federal", _("État fédéral (SPP Intégration sociale)")
    REGIONAL = "regional", _("Région")
    FSE = "fse", _("Fonds social européen (FSE+)")
    COMMUNE = "commune", _("Commune")
    FONDS_PROPRES = "fonds_propres", _("Fonds propres d'un partenaire")
    AUTRE = "autre", _("Autre")


class ConventionQuerySet(TenantQuerySet):
    def for_user(self, user):
        """Conventions to which the user's current CPAS is a party (partners: none)."""
        membership = current_membership(user)
        if membership is None or membership.role == Role.PARTENAIRE:
            return self.none()
        return self.filter(parties_cpas__cpas=membership.cpas_id).distinct()


@suivre()
class Convention(TenantModel):
    """A partnership agreement between one or more CPAS and one or more partners. ``cpas`` is
    the CPAS that manages it (it encodes and edits it); the others are parties that read it."""

    cpas = models.ForeignKey(  # overrides TenantModel's for its label
        Cpas, on_delete=models.PROTECT, related_name="+", verbose_name=_("CPAS gestionnaire")
    )
    titre = models.CharField(_("titre"), max_length=200)
    objet = models.TextField(_("objet"), blank=True)
    partenaires = models.ManyToManyField(
        Partenaire, related_name="conventions", verbose_name=_("partenaires"), blank=True
    )
    debut = models.DateField(_("début"))
    fin = models.DateField(_("fin"))
    places = models.PositiveIntegerField(_("places ou postes offerts"), null=True, blank=True)
    budget_total = models.DecimalField(
        _("budget total (€)"), validators=[MinValueValidator(0)], **MONTANT
    )
    regle_repartition = models.CharField(
        _("répartition du solde entre les CPAS"),
        max_length=20,
        choices=RegleRepartition.choices,
        default=RegleRepartition.PRORATA_HABITANTS,
    )
    minerval = models.DecimalField(
        _("minerval par participant (€)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        **MONTANT,
    )
    part_minerval_cpas = models.PositiveSmallIntegerField(
        _("part du minerval à charge du CPAS (%)"),
        default=50,
        validators=[MaxValueValidator(100)],
    )
    cree_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    cree_le = models.DateTimeField(auto_now_add=True)
    modifie_le = models.DateTimeField(auto_now=True)

    objects = ConventionQuerySet.as_manager()

    class Meta:
        verbose_name = _("convention de partenariat")
        verbose_name_plural = _("conventions de partenariat")
        ordering = ["-debut", "titre", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(fin__gte=F("debut")),
                name="convention_dates",
                violation_error_message=_("La fin ne peut pas précéder le début."),
                violation_error_code="fin_avant_debut",
            ),
            models.CheckConstraint(
                condition=Q(budget_total__gte=0),
                name="convention_budget_positif",
                violation_error_message=_("Le budget ne peut pas être négatif."),
                violation_error_code="budget_negatif",
            ),
            models.CheckConstraint(
                condition=Q(part_minerval_cpas__lte=100),
                name="convention_part_minerval_pct",
                violation_error_message=_(
                    "La part du minerval à charge du CPAS se note de 0 à 100."
                ),
                violation_error_code="part_minerval_trop_grande",
            ),
            models.CheckConstraint(
                condition=Q(regle_repartition__in=RegleRepartition.values),
                name="convention_regle_valide",
                violation_error_message=_("Règle de répartition inconnue."),
                violation_error_code="regle_inconnue",
            ),
        ]

    def __str__(self):
        return self.titre


@suivre()
class PartieCpas(models.Model):
    """A CPAS party to a convention. ``habitants`` is the population used for the pro rata
    split (copied from the CPAS when added, kept so the split does not move afterwards)."""

    convention = models.ForeignKey(
        Convention, on_delete=models.CASCADE, related_name="parties_cpas"
    )
    cpas = models.ForeignKey(Cpas, on_delete=models.PROTECT, related_name="+")
    habitants = models.PositiveIntegerField(_("habitants"), null=True, blank=True)
    montant_fixe = models.DecimalField(
        _("montant fixe (€)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        **MONTANT,
    )

    class Meta:
        verbose_name = _("CPAS partie")
        verbose_name_plural = _("CPAS parties")
        ordering = ["convention", "cpas__nom"]
        constraints = [
            models.UniqueConstraint(
                fields=["convention", "cpas"],
                name="partie_cpas_unique_par_convention",
                violation_error_message=_("Un CPAS ne peut figurer qu'une fois."),
                violation_error_code="partie_existe",
            )
        ]

    def __str__(self):
        return str(self.cpas)


@suivre()
class Financement(models.Model):
    convention = models.ForeignKey(
        Convention, on_delete=models.CASCADE, related_name="financements"
    )
    source = models.CharField(_("source"), max_length=15, choices=SourceFinancement.choices)
    libelle = models.CharField(_("précision"), max_length=200, blank=True)
    montant = models.DecimalField(_("montant (€)"), validators=[MinValueValidator(0)], **MONTANT)

    class Meta:
        verbose_name = _("financement")
        verbose_name_plural = _("financements")
        ordering = ["convention", "source", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(montant__gte=0),
                name="financement_positif",
                violation_error_message=_("Un financement ne peut pas être négatif."),
                violation_error_code="financement_negatif",
            )
        ]

    def __str__(self):
        return f"{self.get_source_display()} {self.montant} €"
