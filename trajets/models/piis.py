"""PIIS (individualised social integration projects): content, objectives, third parties'
commitments, evaluations and the assessment of each objective."""

from __future__ import annotations

import datetime

import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from beneficiaires.models import Beneficiaire
from cpas_isp.historique import suivre
from cpas_isp.models import TenantModel, TenantQuerySet
from trajets import delais
from trajets.models.journal import Etape


class TypePiis(models.TextChoices):
    EMPLOI = "emploi", _("Emploi")
    ETUDES = "etudes", _("Études de plein exercice")
    FORMATION = "formation", _("Formation")
    ACTIVATION = "activation", _("Activation sociale")


class StatutPiis(models.TextChoices):
    BROUILLON = "brouillon", _("Brouillon")
    PROPOSE = "propose", _("Proposé")
    SIGNE = "signe", _("Signé")
    ATTEINT = "atteint", _("Clôturé : objectifs atteints")
    NON_ATTEINT = "non_atteint", _("Clôturé : objectifs non atteints")
    ABANDONNE = "abandonne", _("Clôturé : abandonné")
    REMPLACE = "remplace", _("Remplacé par un avenant")


STATUTS_MODIFIABLES = (StatutPiis.BROUILLON, StatutPiis.PROPOSE)
STATUTS_CLOTURES = (
    StatutPiis.ATTEINT,
    StatutPiis.NON_ATTEINT,
    StatutPiis.ABANDONNE,
    StatutPiis.REMPLACE,
)
# Once signed, the content is frozen in the database (only the status may still change).
STATUTS_FIGES = (StatutPiis.SIGNE, *STATUTS_CLOTURES)


class PolitiqueEvaluation(models.TextChoices):
    """How often a PIIS is evaluated (the law asks at least three times a year)."""

    MENSUELLE = "mensuelle", _("Mensuelle")
    BIMESTRIELLE = "bimestrielle", _("Tous les deux mois")
    TRIMESTRIELLE = "trimestrielle", _("Trimestrielle")
    QUADRIMESTRIELLE = "quadrimestrielle", _("Tous les quatre mois (minimum légal)")


MOIS_ENTRE_EVALUATIONS = {
    PolitiqueEvaluation.MENSUELLE: 1,
    PolitiqueEvaluation.BIMESTRIELLE: 2,
    PolitiqueEvaluation.TRIMESTRIELLE: 3,
    PolitiqueEvaluation.QUADRIMESTRIELLE: 4,
}


class DomaineAction(models.TextChoices):
    EMPLOI = "emploi", _("Recherche d'emploi")
    FORMATION = "formation", _("Formation et études")
    LANGUE = "langue", _("Langue")
    SANTE = "sante", _("Santé et bien-être")
    LOGEMENT = "logement", _("Logement")
    BUDGET = "budget", _("Budget et dettes")
    MOBILITE = "mobilite", _("Mobilité")
    GARDE = "garde", _("Garde d'enfants")
    ADMINISTRATIF = "administratif", _("Démarches administratives")
    SOCIAL = "social", _("Lien social et activation")


# Content of a PIIS frozen once signed (an amendment changes it instead).
CHAMPS_CONTENU_PIIS = [
    "type",
    "date_decision_ris",
    "date_proposition",
    "date_signature",
    "renonciation_delai_reflexion",
    "debut",
    "fin",
    "engagements_personne",
    "engagements_cpas",
    "domaines_action",
    "politique_evaluation",
]


MESSAGE_PIIS_FIGE = _(
    "Ce PIIS est signé : son contenu ne peut plus changer. Créez un avenant pour le "
    "modifier ; la version signée est conservée."
)


def _contenu_change():
    condition = pgtrigger.Q()
    for name in CHAMPS_CONTENU_PIIS:
        condition |= pgtrigger.Q(**{f"old__{name}__df": pgtrigger.F(f"new__{name}")})
    return condition


class PiisQuerySet(TenantQuerySet):
    def actifs(self):
        return self.exclude(statut__in=STATUTS_CLOTURES)


@suivre()
class Piis(TenantModel):
    """An individualised social integration project (PIIS / GPMI)."""

    beneficiaire = models.ForeignKey(
        Beneficiaire, on_delete=models.CASCADE, related_name="piis", verbose_name=_("bénéficiaire")
    )
    avenant_de = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="avenants",
        verbose_name=_("avenant au PIIS"),
    )
    numero_avenant = models.PositiveSmallIntegerField(_("avenant n°"), default=0)
    type = models.CharField(_("type de PIIS"), max_length=12, choices=TypePiis.choices)
    date_decision_ris = models.DateField(
        _("date de la décision RIS"),
        help_text=_("La décision d'octroi du revenu d'intégration à laquelle ce PIIS répond"),
    )
    date_proposition = models.DateField(_("proposé le"), null=True, blank=True)
    date_signature = models.DateField(_("signé le"), null=True, blank=True)
    renonciation_delai_reflexion = models.BooleanField(
        _("la personne renonce au délai de réflexion de 5 jours"), default=False
    )
    debut = models.DateField(_("début"), null=True, blank=True)
    fin = models.DateField(_("fin"), null=True, blank=True)
    statut = models.CharField(
        _("statut"), max_length=12, choices=StatutPiis.choices, default=StatutPiis.BROUILLON
    )
    date_cloture = models.DateField(_("clôturé le"), null=True, blank=True)
    engagements_personne = models.TextField(_("engagements de la personne"), blank=True)
    engagements_cpas = models.TextField(_("engagements du CPAS"), blank=True)
    domaines_action = ArrayField(
        models.CharField(max_length=20, choices=DomaineAction.choices),
        verbose_name=_("domaines d'action"),
        default=list,
        blank=True,
    )
    politique_evaluation = models.CharField(
        _("fréquence des évaluations"),
        max_length=20,
        choices=PolitiqueEvaluation.choices,
        default=PolitiqueEvaluation.TRIMESTRIELLE,
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("travailleur social"),
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    cree_le = models.DateTimeField(auto_now_add=True)
    modifie_le = models.DateTimeField(auto_now=True)
    modifie_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    objects = PiisQuerySet.as_manager()

    class Meta:
        verbose_name = _("PIIS")
        verbose_name_plural = _("PIIS")
        ordering = ["beneficiaire", "-date_decision_ris", "-numero_avenant", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(fin__isnull=True) | Q(debut__isnull=True) | Q(fin__gte=F("debut")),
                name="piis_fin_apres_debut",
                violation_error_code="piis_fin_apres_debut",
                violation_error_message=_("La fin du PIIS ne peut pas précéder son début."),
            ),
            models.CheckConstraint(
                condition=Q(statut__in=[StatutPiis.BROUILLON, StatutPiis.ABANDONNE])
                | Q(date_proposition__isnull=False),
                name="piis_propose_a_une_date",
                violation_error_code="piis_propose_a_une_date",
                violation_error_message=_("Un PIIS proposé a une date de proposition."),
            ),
            models.CheckConstraint(
                condition=Q(statut__in=[*STATUTS_MODIFIABLES, StatutPiis.ABANDONNE])
                | Q(date_signature__isnull=False, debut__isnull=False),
                name="piis_signe_a_une_date",
                violation_error_code="piis_signe_a_une_date",
                violation_error_message=_("Un PIIS signé a une date de signature et un début."),
            ),
            models.CheckConstraint(
                condition=Q(date_signature__isnull=True)
                | Q(date_proposition__isnull=True)
                | Q(date_signature__gte=F("date_proposition") + datetime.timedelta(days=5))
                | Q(renonciation_delai_reflexion=True, date_signature__gte=F("date_proposition")),
                name="piis_delai_reflexion",
                violation_error_code="piis_delai_reflexion",
                violation_error_message=_(
                    "La signature vient au moins 5 jours calendrier après la proposition, "
                    "sauf si la personne renonce au délai de réflexion."
                ),
            ),
            models.UniqueConstraint(
                fields=["avenant_de", "numero_avenant"],
                name="piis_avenant_numero_unique",
                violation_error_code="piis_avenant_numero_unique",
                violation_error_message=_("Ce numéro d'avenant existe déjà pour ce PIIS."),
            ),
        ]
        triggers = [
            pgtrigger.Protect(
                name="piis_signe_fige",
                operation=pgtrigger.Update,
                condition=pgtrigger.Q(old__statut__in=[s.value for s in STATUTS_FIGES])
                & _contenu_change(),
            )
        ]

    def __str__(self):
        base = _("PIIS %(type)s du %(date)s") % {
            "type": self.get_type_display().lower(),
            "date": f"{self.date_decision_ris:%d/%m/%Y}",
        }
        if self.numero_avenant:
            base += " — " + _("avenant %(n)s") % {"n": self.numero_avenant}
        return base

    @property
    def modifiable(self) -> bool:
        return self.statut in STATUTS_MODIFIABLES

    def clean(self):
        """The rule of the ``piis_signe_fige`` trigger, as a message for every form (the
        Django admin included) instead of the database's error."""
        super().clean()
        if self.pk is None:
            return
        stocke = (
            type(self).objects.filter(pk=self.pk).values("statut", *CHAMPS_CONTENU_PIIS).first()
        )
        if (
            stocke is not None
            and stocke["statut"] in STATUTS_FIGES
            and any(stocke[name] != getattr(self, name) for name in CHAMPS_CONTENU_PIIS)
        ):
            raise ValidationError(MESSAGE_PIIS_FIGE, code="piis_fige")

    @property
    def domaines_action_affiches(self) -> list[str]:
        labels = dict(DomaineAction.choices)
        return [str(labels.get(d, d)) for d in self.domaines_action]

    @property
    def cloture(self) -> bool:
        return self.statut in STATUTS_CLOTURES

    @property
    def signature_due_le(self):
        return delais.signature_due_le(self.date_decision_ris)

    @property
    def alerte_signature_le(self):
        return delais.alerte_signature_le(self.date_decision_ris)

    @property
    def signature_possible_le(self):
        return delais.signature_possible_le(self.date_proposition)


@suivre()
class ObjectifPiis(TenantModel):
    class Statut(models.TextChoices):
        A_COMMENCER = "a_commencer", _("À commencer")
        EN_COURS = "en_cours", _("En cours")
        ATTEINT = "atteint", _("Atteint")
        NON_ATTEINT = "non_atteint", _("Non atteint")
        ABANDONNE = "abandonne", _("Abandonné")

    piis = models.ForeignKey(
        Piis, on_delete=models.CASCADE, related_name="objectifs", verbose_name=_("PIIS")
    )
    ordre = models.PositiveSmallIntegerField(_("ordre"), default=1)
    libelle = models.TextField(_("objectif"))
    echeance = models.DateField(_("échéance"), null=True, blank=True)
    statut = models.CharField(
        _("statut"), max_length=12, choices=Statut.choices, default=Statut.A_COMMENCER
    )

    class Meta:
        verbose_name = _("objectif du PIIS")
        verbose_name_plural = _("objectifs du PIIS")
        ordering = ["piis", "ordre", "id"]

    def __str__(self):
        return self.libelle[:80]


@suivre()
class EngagementTiers(TenantModel):
    """The commitments of a third party (a partner organisation) in a PIIS."""

    piis = models.ForeignKey(
        Piis, on_delete=models.CASCADE, related_name="engagements_tiers", verbose_name=_("PIIS")
    )
    partenaire = models.ForeignKey(
        "partenaires.Partenaire",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("partenaire"),
    )
    nom = models.CharField(
        _("autre organisation"),
        max_length=200,
        blank=True,
        help_text=_("Si l'organisation n'est pas dans la liste des partenaires"),
    )
    engagements = models.TextField(_("engagements"))
    ordre = models.PositiveSmallIntegerField(_("ordre"), default=1)

    class Meta:
        verbose_name = _("engagement d'un tiers")
        verbose_name_plural = _("engagements des tiers")
        ordering = ["piis", "ordre", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(partenaire__isnull=False) | ~Q(nom=""),
                name="engagement_tiers_nomme",
                violation_error_code="engagement_tiers_nomme",
                violation_error_message=_("Choisissez un partenaire ou nommez l'organisation."),
            )
        ]

    def __str__(self):
        return self.nom_affiche

    @property
    def nom_affiche(self):
        return str(self.partenaire) if self.partenaire_id else self.nom


class ModeEvaluation(models.TextChoices):
    PRESENTIEL = "presentiel", _("En face à face")
    TELEPHONE = "telephone", _("Par téléphone")
    VIDEO = "video", _("En visioconférence")
    ECRIT = "ecrit", _("Par écrit")


class EvaluationQuerySet(TenantQuerySet):
    def a_faire(self):
        return self.filter(date_tenue__isnull=True)


@suivre()
class EvaluationPiis(TenantModel):
    piis = models.ForeignKey(
        Piis, on_delete=models.CASCADE, related_name="evaluations", verbose_name=_("PIIS")
    )
    date_prevue = models.DateField(_("prévue le"))
    date_tenue = models.DateField(_("tenue le"), null=True, blank=True)
    mode = models.CharField(
        _("mode"), max_length=12, choices=ModeEvaluation.choices, default=ModeEvaluation.PRESENTIEL
    )
    appreciation = models.TextField(_("appréciation générale"), blank=True)
    suites = models.TextField(_("suites convenues"), blank=True)
    etape = models.OneToOneField(
        Etape,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="evaluation_piis",
        verbose_name=_("étape du journal"),
    )
    auteur = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("évaluée par"),
    )

    objects = EvaluationQuerySet.as_manager()

    class Meta:
        verbose_name = _("évaluation du PIIS")
        verbose_name_plural = _("évaluations du PIIS")
        ordering = ["piis", "date_prevue", "id"]
        indexes = [
            models.Index(
                fields=["cpas", "date_prevue"],
                condition=Q(date_tenue__isnull=True),
                name="evaluation_a_faire_idx",
            )
        ]

    def __str__(self):
        return _("Évaluation du %(date)s") % {
            "date": f"{(self.date_tenue or self.date_prevue):%d/%m/%Y}"
        }

    @property
    def presentielle(self) -> bool:
        return self.mode == ModeEvaluation.PRESENTIEL


@suivre()
class AppreciationObjectif(TenantModel):
    evaluation = models.ForeignKey(
        EvaluationPiis, on_delete=models.CASCADE, related_name="appreciations"
    )
    objectif = models.ForeignKey(
        ObjectifPiis, on_delete=models.CASCADE, related_name="appreciations"
    )
    statut = models.CharField(_("statut"), max_length=12, choices=ObjectifPiis.Statut.choices)
    commentaire = models.TextField(_("commentaire"), blank=True)

    class Meta:
        verbose_name = _("appréciation d'un objectif")
        verbose_name_plural = _("appréciations des objectifs")
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "objectif"],
                name="appreciation_unique_par_objectif",
                violation_error_code="appreciation_unique_par_objectif",
                violation_error_message=_("Cet objectif est déjà apprécié dans cette évaluation."),
            )
        ]
