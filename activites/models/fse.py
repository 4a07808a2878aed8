"""ESF+ participant data (Regulation (EU) 2021/1057, Annex I common indicators).

A *participant* is a person taking part in the activities of one ESF+ project (the activities
sharing a ``numero_projet_fse``): one ``ParticipantFse`` row per person and project holds what
the agent confirmed at entry (labour-market status, education, the declared situations) and the
results at exit and six months later. Hours, entry and exit dates are read from the enrolments
(``activites.fse``). ``cpas`` is the person's CPAS: in a shared project each CPAS sees and
exports only its own participants.

``SuiviFse`` is a follow-up the daily task (``activites.tasks.suivis_fse``) creates for the
agent when a participant left: record the result at exit (within 4 weeks) and six months later.
They show in "Mes échéances" until done."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from beneficiaires.models import Beneficiaire
from cpas_isp.historique import suivre
from cpas_isp.models import TenantModel


class StatutEmploiFse(models.TextChoices):
    CHOMEUR = "chomeur", _("Chômeur (moins de 12 mois, 6 avant 25 ans)")
    CHOMEUR_LONGUE_DUREE = "chomeur_ld", _("Chômeur de longue durée")
    INACTIF = "inactif", _("Inactif")
    EMPLOI = "emploi", _("Occupé (y compris indépendant)")


class NiveauIsced(models.TextChoices):
    ISCED_0_2 = "0-2", _("CITE 0 à 2 (au plus secondaire inférieur)")
    ISCED_3_4 = "3-4", _("CITE 3 à 4 (secondaire supérieur, post-secondaire)")
    ISCED_5_8 = "5-8", _("CITE 5 à 8 (enseignement supérieur)")


class TrancheAge(models.TextChoices):
    MOINS_18 = "-18", _("Moins de 18 ans")
    DE_18_A_29 = "18-29", _("18 à 29 ans")
    DE_30_A_54 = "30-54", _("30 à 54 ans")
    PLUS_55 = "55+", _("55 ans et plus")


class Declaration(models.TextChoices):
    """A declared situation: yes, no, or the person prefers not to answer ("" = not asked)."""

    OUI = "oui", _("Oui")
    NON = "non", _("Non")
    REFUS = "refus", _("Ne souhaite pas répondre")


# The declared situations (field, label): special categories, shown only to those who may see
# sensitive data (beneficiaires.permissions.peut_voir_freins_sensibles).
SITUATIONS_SENSIBLES = [
    ("handicap", _("Personne handicapée")),
    ("pays_tiers", _("Ressortissant de pays tiers")),
    ("origine_etrangere", _("Personne d'origine étrangère")),
    ("minorite", _("Minorité (y compris Roms)")),
    ("sans_abri", _("Sans-abri ou exclu du logement")),
    ("zone_rurale", _("Zone rurale")),
]


# The results recorded at exit (within 4 weeks) and six months later, each with its date: what
# the agent confirms (activites.fse.enregistrer) and what the person's export shows (hooks).
CHAMPS_RESULTATS = [
    "sortie_notee_le",
    "sortie_recherche_emploi",
    "sortie_formation",
    "sortie_qualification",
    "sortie_emploi",
    "six_mois_note_le",
    "six_mois_emploi",
    "six_mois_situation_amelioree",
]


def _declaration(label):
    return models.CharField(label, max_length=5, choices=Declaration.choices, blank=True)


def _valeurs(choices, vide=False):
    valeurs = [c for c, _label in choices]
    return [*valeurs, ""] if vide else valeurs


@suivre()
class ParticipantFse(TenantModel):
    beneficiaire = models.ForeignKey(
        Beneficiaire,
        on_delete=models.CASCADE,
        related_name="participations_fse",
        verbose_name=_("bénéficiaire"),
    )
    numero_projet = models.CharField(_("numéro de projet FSE+"), max_length=40)
    date_entree = models.DateField(_("date d'entrée"))
    # Computed from the birth date (or the NISS) at entry and kept: anonymisation keeps only
    # the birth year, the statistics must not move.
    tranche_age = models.CharField(
        _("âge à l'entrée"), max_length=5, choices=TrancheAge.choices, blank=True
    )
    statut_emploi = models.CharField(
        _("situation sur le marché du travail à l'entrée"),
        max_length=10,
        choices=StatutEmploiFse.choices,
    )
    niveau_isced = models.CharField(
        _("niveau d'éducation (CITE)"), max_length=3, choices=NiveauIsced.choices
    )
    handicap = _declaration(_("personne handicapée"))
    pays_tiers = _declaration(_("ressortissant de pays tiers"))
    origine_etrangere = _declaration(_("personne d'origine étrangère"))
    minorite = _declaration(_("minorité (y compris Roms)"))
    sans_abri = _declaration(_("sans-abri ou exclu du logement"))
    zone_rurale = _declaration(_("zone rurale"))
    confirme_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    confirme_le = models.DateTimeField(_("confirmé le"), auto_now=True)
    # Result at exit (within 4 weeks after leaving)
    sortie_notee_le = models.DateField(_("résultat à la sortie noté le"), null=True, blank=True)
    sortie_recherche_emploi = models.BooleanField(_("en recherche d'emploi"), default=False)
    sortie_formation = models.BooleanField(
        _("suit un enseignement ou une formation"), default=False
    )
    sortie_qualification = models.BooleanField(_("a obtenu une qualification"), default=False)
    sortie_emploi = models.BooleanField(
        _("occupe un emploi (y compris indépendant)"), default=False
    )
    # Six months after leaving
    six_mois_note_le = models.DateField(_("situation à six mois notée le"), null=True, blank=True)
    six_mois_emploi = models.BooleanField(
        _("occupe un emploi (y compris indépendant)"), default=False
    )
    six_mois_situation_amelioree = models.BooleanField(
        _("situation améliorée sur le marché du travail"), default=False
    )

    class Meta:
        verbose_name = _("participant FSE+")
        verbose_name_plural = _("participants FSE+")
        ordering = ["numero_projet", "beneficiaire__nom", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["beneficiaire", "numero_projet"],
                name="participant_fse_unique",
                violation_error_message=_("Les données FSE+ de cette personne existent déjà."),
                violation_error_code="participant_existe",
            ),
            models.CheckConstraint(
                condition=~Q(numero_projet=""),
                name="participant_fse_projet",
                violation_error_message=_("Le numéro de projet FSE+ est obligatoire."),
                violation_error_code="projet_vide",
            ),
            models.CheckConstraint(
                condition=Q(statut_emploi__in=_valeurs(StatutEmploiFse.choices))
                & Q(niveau_isced__in=_valeurs(NiveauIsced.choices))
                & Q(tranche_age__in=_valeurs(TrancheAge.choices, vide=True)),
                name="participant_fse_codes",
                violation_error_message=_("Code FSE+ inconnu."),
                violation_error_code="code_inconnu",
            ),
            models.CheckConstraint(
                condition=Q(
                    **{
                        f"{champ}__in": _valeurs(Declaration.choices, vide=True)
                        for champ, _label in SITUATIONS_SENSIBLES
                    }
                ),
                name="participant_fse_declarations",
                violation_error_message=_("Réponse inconnue."),
                violation_error_code="declaration_inconnue",
            ),
            models.CheckConstraint(
                condition=Q(sortie_notee_le__isnull=False)
                | Q(
                    sortie_recherche_emploi=False,
                    sortie_formation=False,
                    sortie_qualification=False,
                    sortie_emploi=False,
                ),
                name="participant_fse_sortie_datee",
                violation_error_message=_("Le résultat à la sortie se note avec sa date."),
                violation_error_code="sortie_sans_date",
            ),
            models.CheckConstraint(
                condition=Q(six_mois_note_le__isnull=False)
                | Q(six_mois_emploi=False, six_mois_situation_amelioree=False),
                name="participant_fse_six_mois_datee",
                violation_error_message=_("La situation à six mois se note avec sa date."),
                violation_error_code="six_mois_sans_date",
            ),
        ]
        indexes = [models.Index(fields=["cpas", "numero_projet"], name="participant_fse_projet")]

    def __str__(self):
        return f"{self.beneficiaire} — {self.numero_projet}"


class GenreSuiviFse(models.TextChoices):
    SORTIE = "sortie", _("Résultat FSE+ à la sortie (4 semaines)")
    SIX_MOIS = "six_mois", _("Situation FSE+ six mois après la sortie")


@suivre()
class SuiviFse(TenantModel):
    """A follow-up due for the agent: the result at exit or six months later of a person who
    left an ESF+ project (created once by the daily task; done when the agent records it)."""

    beneficiaire = models.ForeignKey(
        Beneficiaire, on_delete=models.CASCADE, related_name="suivis_fse"
    )
    numero_projet = models.CharField(_("numéro de projet FSE+"), max_length=40)
    type_suivi = models.CharField(_("suivi"), max_length=10, choices=GenreSuiviFse.choices)
    date_sortie = models.DateField(_("date de sortie"))
    echeance = models.DateField(_("pour le"))
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agent"),
    )
    fait_le = models.DateField(_("fait le"), null=True, blank=True)
    cree_le = models.DateTimeField(auto_now_add=True)

    #: A follow-up carries its person's CPAS (foreign key ``suivi_fse_cpas_de_la_personne``,
    #: migration 0005): ``beneficiaires.acces.objets_visibles`` relies on it.
    personne_du_cpas = "beneficiaire"

    class Meta:
        verbose_name = _("suivi FSE+")
        verbose_name_plural = _("suivis FSE+")
        constraints = [
            models.UniqueConstraint(
                fields=["beneficiaire", "numero_projet", "type_suivi"],
                name="suivi_fse_unique",
                violation_error_message=_("Ce suivi FSE+ existe déjà."),
                violation_error_code="suivi_existe",
            ),
            models.CheckConstraint(
                condition=Q(type_suivi__in=_valeurs(GenreSuiviFse.choices)),
                name="suivi_fse_genre",
                violation_error_message=_("Suivi inconnu."),
                violation_error_code="suivi_inconnu",
            ),
        ]
        indexes = [
            models.Index(
                fields=["cpas", "echeance"],
                condition=Q(fait_le__isnull=True),
                name="suivi_fse_ouvert",
            )
        ]

    def __str__(self):
        return f"{self.get_type_suivi_display()} — {self.beneficiaire}"
