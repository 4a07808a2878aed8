"""What the CPAS follows on a person: RIS/ERIS rights, obstacles (freins) and the versioned
bilan socioprofessionnel (BSP)."""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeOperators
from django.db import models
from django.db.models import F, Func, Q
from django.utils.translation import gettext_lazy as _

from cpas_isp.historique import suivre
from cpas_isp.models import ListeReference, TenantModel, TenantQuerySet

from .personnes import Beneficiaire


class TypeDroit(models.TextChoices):
    RIS = "RIS", _("RIS (revenu d'intégration)")
    ERIS = "ERIS", _("ERIS (aide sociale équivalente)")


class CategorieDroit(models.TextChoices):
    COHABITANT = "cohabitant", _("Cohabitant")
    ISOLE = "isole", _("Isolé")
    FAMILLE_A_CHARGE = "famille_a_charge", _("Famille à charge")


class DateRange(Func):
    """daterange(start, end, '[]'): both ends inclusive, as the domain counts them."""

    function = "daterange"
    output_field = DateRangeField()


class DroitAideQuerySet(TenantQuerySet):
    def actifs_le(self, date):
        return self.filter(Q(fin__isnull=True) | Q(fin__gte=date), debut__lte=date)


# Statement-level audit triggers (one INSERT of all the statement's rows into the event table,
# from the transition tables): an import writes thousands of rights per statement, and the
# row-level trigger's per-row PL/pgSQL call, context look-up and single-row INSERT made up
# about half of its insert time. The events recorded are the same.
@suivre(level=pgtrigger.Statement)
class DroitAide(TenantModel):
    # Indexed by droit_personne_debut_idx (the person first), not on its own.
    beneficiaire = models.ForeignKey(
        Beneficiaire, on_delete=models.CASCADE, related_name="droits", db_index=False
    )
    type = models.CharField(_("type"), max_length=4, choices=TypeDroit.choices)
    categorie = models.CharField(
        _("catégorie"), max_length=20, choices=CategorieDroit.choices, blank=True
    )
    date_decision = models.DateField(_("date de décision"), null=True, blank=True)
    debut = models.DateField(_("début"))
    fin = models.DateField(_("fin"), null=True, blank=True, help_text=_("Vide : droit en cours"))
    cree_le = models.DateTimeField(auto_now_add=True)

    objects = DroitAideQuerySet.as_manager()

    class Meta:
        verbose_name = _("droit (RIS/ERIS)")
        verbose_name_plural = _("droits (RIS/ERIS)")
        ordering = ["beneficiaire", "-debut"]
        constraints = [
            models.CheckConstraint(
                condition=Q(fin__isnull=True) | Q(fin__gte=F("debut")),
                name="droit_fin_apres_debut",
                violation_error_code="fin_avant_debut",
                violation_error_message=_("La fin ne peut précéder le début."),
            ),
            ExclusionConstraint(
                name="droit_sans_chevauchement",
                expressions=[
                    ("beneficiaire", RangeOperators.EQUAL),
                    (DateRange("debut", "fin", models.Value("[]")), RangeOperators.OVERLAPS),
                ],
                violation_error_code="chevauchement",
                violation_error_message=_(
                    "Ce droit chevauche un autre droit de la personne : corrigez les dates."
                ),
            ),
        ]
        indexes = [
            # The dashboard's participation (rights running on each date) and the delays from
            # a RIS decision read the CPAS's rights from the index alone.
            models.Index(
                fields=["cpas", "debut"],
                include=["fin", "beneficiaire", "type", "date_decision"],
                name="droit_cpas_debut_idx",
            ),
            # A person's current right in every list row (Mes dossiers, the search, the
            # queues: its type and start, "new RIS" and its previous right) read from this
            # index alone, latest first. Without it the planner probed the exclusion
            # constraint's GiST index, several times slower per row than a B-tree.
            models.Index(
                fields=["beneficiaire", "debut"],
                include=["fin", "type"],
                name="droit_personne_debut_idx",
            ),
        ]

    def __str__(self):
        return (
            f"{self.get_type_display()} {self.debut:%d/%m/%Y}–{self.fin:%d/%m/%Y}"
            if self.fin
            else (f"{self.get_type_display()} {self.debut:%d/%m/%Y}–…")
        )


class Frein(ListeReference):
    """Reference list of obstacles (freins) with FR/NL labels, shared by every CPAS.

    ``sensible``: health or judicial data (GDPR art. 9 and 10): only a flag is recorded (who and
    when), never a diagnosis or a comment, and it is shown only to those who need it."""

    sensible = models.BooleanField(
        _("donnée sensible (santé, judiciaire)"),
        default=False,
        help_text=_(
            "Visible seulement du référent, de la cellule de la personne et des "
            "coordinateurs ; jamais des partenaires."
        ),
    )

    class Meta(ListeReference.Meta):
        verbose_name = _("frein")
        verbose_name_plural = _("freins (liste de référence)")


class FreinBeneficiaireQuerySet(TenantQuerySet):
    def en_cours_le(self, date):
        return self.filter(Q(fin__isnull=True) | Q(fin__gte=date), debut__lte=date)

    def non_sensibles(self):
        return self.filter(frein__sensible=False)


@suivre()
class FreinBeneficiaire(TenantModel):
    """An obstacle noted for a person: who noted it, since when, until when (optional)."""

    beneficiaire = models.ForeignKey(Beneficiaire, on_delete=models.CASCADE, related_name="freins")
    frein = models.ForeignKey(
        Frein, on_delete=models.PROTECT, related_name="+", verbose_name=_("frein")
    )
    debut = models.DateField(_("noté le"))
    fin = models.DateField(_("levé le"), null=True, blank=True)
    commentaire = models.CharField(
        _("commentaire"),
        max_length=500,
        blank=True,
        help_text=_("Jamais de diagnostic ni de détail pour un frein sensible."),
    )
    note_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("noté par"),
    )
    cree_le = models.DateTimeField(auto_now_add=True)

    objects = FreinBeneficiaireQuerySet.as_manager()

    class Meta:
        verbose_name = _("frein d'un bénéficiaire")
        verbose_name_plural = _("freins des bénéficiaires")
        ordering = ["beneficiaire", "-debut", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(fin__isnull=True) | Q(fin__gte=F("debut")),
                name="frein_fin_apres_debut",
                violation_error_code="levee_avant_note",
                violation_error_message=_("La levée ne peut précéder la date où il est noté."),
            ),
            models.UniqueConstraint(
                fields=["beneficiaire", "frein"],
                condition=Q(fin__isnull=True),
                name="frein_un_seul_ouvert_par_personne",
                violation_error_code="frein_deja_note",
                violation_error_message=_(
                    "Ce frein est déjà noté et n'est pas levé pour cette personne."
                ),
            ),
        ]
        indexes = [models.Index(fields=["cpas", "frein"])]

    def __str__(self):
        return str(self.frein)


# The sections of the bilan socioprofessionnel (field name, label), in reading order.
SECTIONS_BSP = [
    ("projet", _("Idée ou projet professionnel")),
    ("contexte", _("Contexte de vie")),
    ("competences_acquises", _("Compétences acquises")),
    ("competences_latentes", _("Compétences latentes")),
    ("aspirations", _("Aspirations")),
    ("atouts", _("Atouts")),
    ("freins_constates", _("Freins constatés")),
    ("besoins_formation", _("Besoins de formation")),
    ("cv", _("CV et expériences")),
]


@suivre()
class BilanSocioProfessionnel(TenantModel):
    """One version of a person's BSP. Saving the BSP creates a new version; versions are
    never edited, so the history shows what the assessment said at each date."""

    beneficiaire = models.ForeignKey(Beneficiaire, on_delete=models.CASCADE, related_name="bilans")
    version = models.PositiveIntegerField(_("version"))
    projet = models.TextField(_("idée ou projet professionnel"), blank=True)
    contexte = models.TextField(_("contexte de vie"), blank=True)
    competences_acquises = models.TextField(_("compétences acquises"), blank=True)
    competences_latentes = models.TextField(_("compétences latentes"), blank=True)
    aspirations = models.TextField(_("aspirations"), blank=True)
    atouts = models.TextField(_("atouts"), blank=True)
    freins_constates = models.TextField(_("freins constatés"), blank=True)
    besoins_formation = models.TextField(_("besoins de formation"), blank=True)
    cv = models.TextField(_("CV et expériences"), blank=True)
    auteur = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("auteur"),
    )
    cree_le = models.DateTimeField(_("enregistré le"), auto_now_add=True)

    class Meta:
        verbose_name = _("bilan socioprofessionnel")
        verbose_name_plural = _("bilans socioprofessionnels")
        ordering = ["beneficiaire", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["beneficiaire", "version"],
                name="bilan_version_unique",
                violation_error_code="version_existante",
                violation_error_message=_("Cette version du bilan existe déjà."),
            ),
            models.CheckConstraint(
                condition=Q(version__gte=1),
                name="bilan_version_positive",
                violation_error_code="version_invalide",
                violation_error_message=_("La version du bilan commence à 1."),
            ),
        ]

    def __str__(self):
        return _("BSP version %(v)s") % {"v": self.version}

    def sections(self):
        return [(name, label, getattr(self, name)) for name, label in SECTIONS_BSP]
