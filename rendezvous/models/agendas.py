"""Places, kinds of appointment, and the agendas (of an agent or of a cellule) with their
recurring availability and absences."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.postgres.fields import DateTimeRangeField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Func, Q
from django.utils.translation import gettext_lazy as _

from cpas_isp.historique import suivre
from cpas_isp.models import Cellule, ListeReference, TenantModel, TenantQuerySet
from partenaires.models import Partenaire
from trajets.models import TypeEtape


class TsTzRange(Func):
    """tstzrange(start, end, '[)'): the half-open period of an appointment or absence."""

    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


# --- Places and kinds ------------------------------------------------------------------------


class TypeLieu(models.TextChoices):
    BUREAU = "bureau", _("Bureau du CPAS")
    ANTENNE = "antenne", _("Antenne")
    PARTENAIRE = "partenaire", _("Locaux d'un partenaire")
    TELEPHONE = "telephone", _("Par téléphone")
    VIDEO = "video", _("En visioconférence")


# The journal's mode (trajets.ModeEtape) of a step written for an appointment held there.
MODE_ETAPE_DU_LIEU = {
    TypeLieu.TELEPHONE: "telephone",
    TypeLieu.VIDEO: "video",
}


@suivre()
class Lieu(TenantModel):
    """Where appointments take place: a per-CPAS table (office, antenna, a partner's premises,
    phone, video)."""

    nom = models.CharField(_("nom"), max_length=200)
    type = models.CharField(_("type"), max_length=12, choices=TypeLieu.choices)
    adresse = models.CharField(_("adresse"), max_length=300, blank=True)
    indications = models.TextField(
        _("comment s'y rendre"),
        blank=True,
        help_text=_("Texte imprimé sur les lettres : transports, étage, entrée, plan d'accès."),
    )
    partenaire = models.ForeignKey(
        Partenaire,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("partenaire"),
    )
    actif = models.BooleanField(_("actif"), default=True)

    class Meta:
        verbose_name = _("lieu")
        verbose_name_plural = _("lieux")
        ordering = ["nom"]
        constraints = [
            models.UniqueConstraint(
                fields=["cpas", "nom"],
                name="lieu_nom_unique_par_cpas",
                violation_error_message=_("Ce CPAS a déjà un lieu de ce nom."),
                violation_error_code="lieu_nom_unique",
            )
        ]

    def __str__(self):
        return self.nom


class TypeRendezVous(ListeReference):
    """Kind of appointment (first ISP interview, BSP, PIIS proposal...), FR/NL, shared and
    per-CPAS entries. Each kind names the journal step type written when its outcome is
    recorded."""

    type_etape = models.ForeignKey(
        TypeEtape,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("type d'étape du journal"),
    )
    duree = models.PositiveSmallIntegerField(
        _("durée habituelle (minutes)"),
        default=45,
        validators=[MinValueValidator(5), MaxValueValidator(480)],
    )
    collectif = models.BooleanField(_("collectif"), default=False)
    evaluation_piis = models.BooleanField(
        _("évaluation du PIIS"),
        default=False,
        help_text=_("Quand la personne est venue, ouvrir le formulaire d'évaluation du PIIS."),
    )
    a_apporter_fr = models.TextField(
        _("à apporter (FR)"),
        blank=True,
        help_text=_("Ce que la personne apporte au rendez-vous, imprimé sur les lettres."),
    )
    a_apporter_nl = models.TextField(_("à apporter (NL)"), blank=True)

    def a_apporter(self, langue: str) -> str:
        return self.a_apporter_nl if langue == "nl" else self.a_apporter_fr

    class Meta(ListeReference.Meta):
        verbose_name = _("type de rendez-vous")
        verbose_name_plural = _("types de rendez-vous")


# --- Agendas -----------------------------------------------------------------------------------


@suivre(exclude=["jeton_ics"])
class Agenda(TenantModel):
    """The agenda of one agent, or of one cellule (shared slots)."""

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agendas",
        verbose_name=_("agent"),
    )
    cellule = models.ForeignKey(
        Cellule,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cellule"),
    )
    # SHA-256 of the calendar feed's secret token (the token itself is shown once).
    jeton_ics = models.CharField(max_length=64, blank=True, default="", editable=False)
    jeton_ics_cree_le = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("agenda")
        verbose_name_plural = _("agendas")
        constraints = [
            models.CheckConstraint(
                condition=Q(agent__isnull=False, cellule__isnull=True)
                | Q(agent__isnull=True, cellule__isnull=False),
                name="agenda_agent_ou_cellule",
                violation_error_message=_("Un agenda est celui d'un agent ou d'une cellule."),
                violation_error_code="agenda_agent_ou_cellule",
            ),
            models.UniqueConstraint(
                fields=["cpas", "agent"],
                name="agenda_un_par_agent",
                violation_error_message=_("Cet agent a déjà un agenda."),
            ),
            models.UniqueConstraint(
                fields=["cpas", "cellule"],
                name="agenda_un_par_cellule",
                violation_error_message=_("Cette cellule a déjà un agenda."),
            ),
            models.UniqueConstraint(
                fields=["jeton_ics"],
                condition=~Q(jeton_ics=""),
                name="agenda_jeton_ics_unique",
            ),
        ]

    def __str__(self):
        if self.agent_id:
            return str(self.agent)
        return _("Cellule %(nom)s") % {"nom": self.cellule.nom}


class JourSemaine(models.IntegerChoices):
    LUNDI = 0, _("lundi")
    MARDI = 1, _("mardi")
    MERCREDI = 2, _("mercredi")
    JEUDI = 3, _("jeudi")
    VENDREDI = 4, _("vendredi")
    SAMEDI = 5, _("samedi")
    DIMANCHE = 6, _("dimanche")


class DisponibiliteQuerySet(TenantQuerySet):
    def valides_entre(self, debut: datetime.date, fin: datetime.date):
        return self.filter(Q(valide_au__isnull=True) | Q(valide_au__gte=debut), valide_du__lte=fin)


@suivre()
class Disponibilite(TenantModel):
    """A recurring availability: e.g. every Tuesday 9:00–12:00 in 30-minute slots."""

    agenda = models.ForeignKey(
        Agenda, on_delete=models.CASCADE, related_name="disponibilites", verbose_name=_("agenda")
    )
    jour = models.PositiveSmallIntegerField(_("jour"), choices=JourSemaine.choices)
    heure_debut = models.TimeField(_("de"))
    heure_fin = models.TimeField(_("à"))
    duree_creneau = models.PositiveSmallIntegerField(
        _("créneaux de (minutes)"),
        default=30,
        validators=[MinValueValidator(5), MaxValueValidator(480)],
    )
    valide_du = models.DateField(_("valable du"))
    valide_au = models.DateField(_("valable au"), null=True, blank=True)
    lieu = models.ForeignKey(
        Lieu,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lieu"),
    )

    objects = DisponibiliteQuerySet.as_manager()

    class Meta:
        verbose_name = _("disponibilité")
        verbose_name_plural = _("disponibilités")
        ordering = ["jour", "heure_debut"]
        constraints = [
            models.CheckConstraint(
                condition=Q(heure_fin__gt=F("heure_debut")),
                name="disponibilite_fin_apres_debut",
                violation_error_message=_("L'heure de fin doit suivre l'heure de début."),
                violation_error_code="disponibilite_heures",
            ),
            models.CheckConstraint(
                condition=Q(valide_au__isnull=True) | Q(valide_au__gte=F("valide_du")),
                name="disponibilite_periode",
                violation_error_message=_("La fin de validité doit suivre son début."),
                violation_error_code="disponibilite_periode",
            ),
            models.CheckConstraint(
                condition=Q(duree_creneau__gte=5),
                name="disponibilite_creneau_positif",
                violation_error_message=_("Un créneau dure au moins 5 minutes."),
                violation_error_code="disponibilite_creneau",
            ),
        ]

    def __str__(self):
        return f"{self.get_jour_display()} {self.heure_debut:%H:%M}–{self.heure_fin:%H:%M}"


@suivre()
class Absence(TenantModel):
    """A period when the agenda offers no slot (leave, training, sickness)."""

    agenda = models.ForeignKey(
        Agenda, on_delete=models.CASCADE, related_name="absences", verbose_name=_("agenda")
    )
    debut = models.DateTimeField(_("du"))
    fin = models.DateTimeField(_("au"))
    motif = models.CharField(_("motif"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        ordering = ["debut"]
        constraints = [
            models.CheckConstraint(
                condition=Q(fin__gt=F("debut")),
                name="absence_fin_apres_debut",
                violation_error_message=_("La fin de l'absence doit suivre son début."),
                violation_error_code="absence_periode",
            )
        ]

    def __str__(self):
        return f"{self.debut:%d/%m/%Y %H:%M}–{self.fin:%d/%m/%Y %H:%M}"
