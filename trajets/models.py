"""The insertion trajectory: phases and the stays (passages) of each person in them."""

from __future__ import annotations

import datetime

import pgtrigger
from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, RangeOperators
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from beneficiaires.models import Beneficiaire, DateRange
from cpas_isp.historique import suivre
from cpas_isp.models import Cpas, ListeReference, TenantQuerySet


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
class PassagePhase(models.Model):
    """One stay of a person in one phase. At most one phase per person on any day."""

    cpas = models.ForeignKey(Cpas, on_delete=models.PROTECT, related_name="+")
    beneficiaire = models.ForeignKey(
        Beneficiaire,
        on_delete=models.CASCADE,
        related_name="passages",
        verbose_name=_("bénéficiaire"),
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

    class Meta:
        verbose_name = _("passage dans une phase")
        verbose_name_plural = _("passages dans les phases")
        ordering = ["beneficiaire", "-debut"]
        constraints = [
            models.CheckConstraint(
                condition=Q(fin__isnull=True) | Q(fin__gte=F("debut")),
                name="passage_fin_apres_debut",
            ),
            ExclusionConstraint(
                name="passage_une_phase_a_la_fois",
                expressions=[
                    ("beneficiaire", RangeOperators.EQUAL),
                    (DateRange("debut", "fin", models.Value("[]")), RangeOperators.OVERLAPS),
                ],
            ),
        ]
        indexes = [models.Index(fields=["cpas", "phase", "debut"])]

    def __str__(self):
        return (
            f"{self.get_phase_display()} ({self.debut:%d/%m/%Y}–{self.fin:%d/%m/%Y})"
            if self.fin
            else (f"{self.get_phase_display()} ({self.debut:%d/%m/%Y}–…)")
        )


# --- Reference lists -------------------------------------------------------------------------


class TypeEtape(ListeReference):
    """Kind of trajectory step (individual interview, job coaching, application sent...)."""

    collectif = models.BooleanField(
        _("collectif"), default=False, help_text=_("Peut être noté pour un groupe de personnes")
    )

    class Meta(ListeReference.Meta):
        verbose_name = _("type d'étape")
        verbose_name_plural = _("types d'étapes")


# --- The journal: trajectory steps ------------------------------------------------------------


class ModeEtape(models.TextChoices):
    PRESENTIEL = "presentiel", _("En présentiel")
    TELEPHONE = "telephone", _("Par téléphone")
    VIDEO = "video", _("En visioconférence")
    DOMICILE = "domicile", _("À domicile")
    ECRIT = "ecrit", _("Par écrit")


class EtapeQuerySet(TenantQuerySet):
    def visibles_par(self, user):
        """Steps of the people the user may see (``Beneficiaire.objects.visibles_par``);
        confidential notes are masked separately (``trajets.permissions``)."""
        return self.for_user(user).filter(
            beneficiaire__in=Beneficiaire.objects.visibles_par(user).values("pk")
        )

    def actions_ouvertes(self):
        return self.filter(echeance__isnull=False, action_faite_le__isnull=True)


@suivre()
class Etape(models.Model):
    """One step of a person's trajectory, logged by a social worker."""

    cpas = models.ForeignKey(Cpas, on_delete=models.PROTECT, related_name="+")
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
        ]

    def __str__(self):
        return f"{self.date:%d/%m/%Y} {self.type}"

    def note_confidentielle_visible_par(self, user) -> bool:
        from cpas_isp import permissions

        return self.auteur_id == user.pk or permissions.est_coordinateur(user)

    @property
    def en_retard(self) -> bool:

        return (
            self.echeance is not None
            and self.action_faite_le is None
            and self.echeance < timezone.localdate()
        )


# --- PIIS --------------------------------------------------------------------------------------


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
class Piis(models.Model):
    """An individualised social integration project (PIIS / GPMI)."""

    cpas = models.ForeignKey(Cpas, on_delete=models.PROTECT, related_name="+")
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
            ),
            models.CheckConstraint(
                condition=Q(statut__in=[StatutPiis.BROUILLON, StatutPiis.ABANDONNE])
                | Q(date_proposition__isnull=False),
                name="piis_propose_a_une_date",
            ),
            models.CheckConstraint(
                condition=Q(statut__in=[*STATUTS_MODIFIABLES, StatutPiis.ABANDONNE])
                | Q(date_signature__isnull=False, debut__isnull=False),
                name="piis_signe_a_une_date",
            ),
            models.CheckConstraint(
                condition=Q(date_signature__isnull=True)
                | Q(date_proposition__isnull=True)
                | Q(date_signature__gte=F("date_proposition") + datetime.timedelta(days=5))
                | Q(renonciation_delai_reflexion=True, date_signature__gte=F("date_proposition")),
                name="piis_delai_reflexion",
            ),
            models.UniqueConstraint(
                fields=["avenant_de", "numero_avenant"], name="piis_avenant_numero_unique"
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
        from trajets import delais

        return delais.signature_due_le(self.date_decision_ris)

    @property
    def alerte_signature_le(self):
        from trajets import delais

        return delais.alerte_signature_le(self.date_decision_ris)

    @property
    def signature_possible_le(self):
        from trajets import delais

        return delais.signature_possible_le(self.date_proposition)


@suivre()
class ObjectifPiis(models.Model):
    class Statut(models.TextChoices):
        A_COMMENCER = "a_commencer", _("À commencer")
        EN_COURS = "en_cours", _("En cours")
        ATTEINT = "atteint", _("Atteint")
        NON_ATTEINT = "non_atteint", _("Non atteint")
        ABANDONNE = "abandonne", _("Abandonné")

    cpas = models.ForeignKey(Cpas, on_delete=models.PROTECT, related_name="+")
    piis = models.ForeignKey(
        Piis, on_delete=models.CASCADE, related_name="objectifs", verbose_name=_("PIIS")
    )
    ordre = models.PositiveSmallIntegerField(_("ordre"), default=1)
    libelle = models.TextField(_("objectif"))
    echeance = models.DateField(_("échéance"), null=True, blank=True)
    statut = models.CharField(
        _("statut"), max_length=12, choices=Statut.choices, default=Statut.A_COMMENCER
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("objectif du PIIS")
        verbose_name_plural = _("objectifs du PIIS")
        ordering = ["piis", "ordre", "id"]

    def __str__(self):
        return self.libelle[:80]


@suivre()
class EngagementTiers(models.Model):
    """The commitments of a third party (a partner organisation) in a PIIS."""

    cpas = models.ForeignKey(Cpas, on_delete=models.PROTECT, related_name="+")
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

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("engagement d'un tiers")
        verbose_name_plural = _("engagements des tiers")
        ordering = ["piis", "ordre", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(partenaire__isnull=False) | ~Q(nom=""),
                name="engagement_tiers_nomme",
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
class EvaluationPiis(models.Model):
    cpas = models.ForeignKey(Cpas, on_delete=models.PROTECT, related_name="+")
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
class AppreciationObjectif(models.Model):
    cpas = models.ForeignKey(Cpas, on_delete=models.PROTECT, related_name="+")
    evaluation = models.ForeignKey(
        EvaluationPiis, on_delete=models.CASCADE, related_name="appreciations"
    )
    objectif = models.ForeignKey(
        ObjectifPiis, on_delete=models.CASCADE, related_name="appreciations"
    )
    statut = models.CharField(_("statut"), max_length=12, choices=ObjectifPiis.Statut.choices)
    commentaire = models.TextField(_("commentaire"), blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("appréciation d'un objectif")
        verbose_name_plural = _("appréciations des objectifs")
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "objectif"], name="appreciation_unique_par_objectif"
            )
        ]


# --- Article 60 -------------------------------------------------------------------------------


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
            ),
            models.UniqueConstraint(
                fields=["valable_du", "age_min"],
                name="regle_a60_unique",
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
class PoolArticle60(models.Model):
    """The posts a CPAS may fill under article 60, from a date (quotas change)."""

    cpas = models.ForeignKey(Cpas, on_delete=models.PROTECT, related_name="+")
    valable_du = models.DateField(_("à partir du"))
    postes_total = models.PositiveIntegerField(_("postes au total"))
    postes_economie_sociale = models.PositiveIntegerField(_("dont en économie sociale"), default=0)
    commentaire = models.CharField(_("commentaire"), max_length=300, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("pool de postes article 60")
        verbose_name_plural = _("pools de postes article 60")
        ordering = ["cpas", "-valable_du"]
        constraints = [
            models.UniqueConstraint(fields=["cpas", "valable_du"], name="pool_a60_unique"),
            models.CheckConstraint(
                condition=Q(postes_economie_sociale__lte=F("postes_total")),
                name="pool_a60_es_dans_total",
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


@suivre()
class ContratArticle60(models.Model):
    cpas = models.ForeignKey(Cpas, on_delete=models.PROTECT, related_name="+")
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
                condition=Q(fin_prevue__gte=F("debut")), name="a60_fin_prevue_apres_debut"
            ),
            models.CheckConstraint(
                condition=Q(fin_reelle__isnull=True) | Q(fin_reelle__gte=F("debut")),
                name="a60_fin_reelle_apres_debut",
            ),
            models.CheckConstraint(
                condition=Q(fin_reelle__isnull=True) | Q(motif_fin__isnull=False),
                name="a60_fin_reelle_avec_motif",
            ),
            models.CheckConstraint(
                condition=Q(partenaire__isnull=False) | ~Q(service_interne=""),
                name="a60_utilisateur_connu",
            ),
            ExclusionConstraint(
                name="a60_un_contrat_a_la_fois",
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
