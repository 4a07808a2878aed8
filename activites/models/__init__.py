"""Collective activities (courses, workshops, pre-trainings, job days): the activity and its
organisers, its modules and sessions, the enrolments (with the waiting list), the attendance
marks, the weekly journal summaries and the attestations.

Visibility: an activity belongs to its organising CPAS (``cpas``) and is shared with the
participating CPAS (``cpas_participants``). Everything naming a person (``Inscription``,
``Presence``, ``Attestation``) carries the *person's* CPAS: each CPAS sees only its own
participants, even in a shared activity (the others are counted, never named)."""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from beneficiaires.models import Beneficiaire
from beneficiaires.models.personnes import NiveauLangue
from cpas_isp.historique import suivre
from cpas_isp.models import Cpas, ListeReference, Role, TenantModel, TenantQuerySet
from cpas_isp.tenancy import current_membership
from partenaires.models import Convention, Partenaire, Programme
from trajets.models import Etape, PassagePhase, Phase

HEURES = {"max_digits": 5, "decimal_places": 2}


class TypeActivite(ListeReference):
    """Kind of collective activity (language course, workshop, pre-training, job day...)."""

    class Meta(ListeReference.Meta):
        verbose_name = _("type d'activité")
        verbose_name_plural = _("types d'activités")


def partenaire_du_compte(user):
    """The partner organisation a partner user works for (or None)."""
    compte = getattr(user, "compte_partenaire", None) if user.is_authenticated else None
    return compte.partenaire_id if compte is not None else None


class ActiviteQuerySet(TenantQuerySet):
    def for_user(self, user):
        """Activities organised by or shared with the user's current CPAS; for a partner user,
        those their organisation runs for that CPAS."""
        membership = current_membership(user)
        if membership is None:
            return self.none()
        du_cpas = Q(cpas=membership.cpas_id) | Q(cpas_participants=membership.cpas_id)
        if membership.role == Role.PARTENAIRE:
            partenaire_id = partenaire_du_compte(user)
            if partenaire_id is None:
                return self.none()
            du_cpas &= Q(partenaire_id=partenaire_id)
        return self.filter(pk__in=self.model.objects.filter(du_cpas).values("pk"))


@suivre()
class Activite(TenantModel):
    cpas = models.ForeignKey(  # overrides TenantModel's for its label
        Cpas, on_delete=models.PROTECT, related_name="+", verbose_name=_("CPAS organisateur")
    )
    titre = models.CharField(_("titre"), max_length=200)
    type = models.ForeignKey(
        TypeActivite, on_delete=models.PROTECT, related_name="+", verbose_name=_("type")
    )
    description = models.TextField(_("description"), blank=True)
    cpas_participants = models.ManyToManyField(
        Cpas,
        related_name="activites_partagees",
        blank=True,
        verbose_name=_("autres CPAS participants"),
        help_text=_("Activité commune : chaque CPAS inscrit et voit ses propres participants."),
    )
    partenaire = models.ForeignKey(
        Partenaire,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activites",
        verbose_name=_("partenaire qui anime"),
        help_text=_("Ses utilisateurs encodent les présences depuis le portail partenaire."),
    )
    formateurs = models.CharField(_("formateurs"), max_length=300, blank=True)
    lieu = models.CharField(_("lieu"), max_length=300, blank=True)
    capacite = models.PositiveIntegerField(
        _("capacité"), validators=[MinValueValidator(1)], help_text=_("Places, tous CPAS confondus")
    )
    debut = models.DateField(_("début"))
    fin = models.DateField(_("fin"))
    programme = models.ForeignKey(
        Programme,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activites",
        verbose_name=_("programme"),
    )
    convention = models.ForeignKey(
        Convention,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activites",
        verbose_name=_("convention"),
    )
    numero_projet_fse = models.CharField(
        _("numéro de projet FSE+"),
        max_length=40,
        blank=True,
        help_text=_("Vide si l'activité n'est pas cofinancée par le FSE+."),
    )
    niveau = models.CharField(
        _("niveau (CECR)"),
        max_length=2,
        choices=[(c, label) for c, label in NiveauLangue.choices if c != NiveauLangue.A0],
        blank=True,
        help_text=_("Pour les cours de langue."),
    )
    cree_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    cree_le = models.DateTimeField(auto_now_add=True)

    objects = ActiviteQuerySet.as_manager()

    class Meta:
        verbose_name = _("activité collective")
        verbose_name_plural = _("activités collectives")
        ordering = ["-debut", "titre", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(fin__gte=F("debut")),
                name="activite_dates",
                violation_error_message=_("La fin ne peut pas précéder le début."),
                violation_error_code="fin_avant_debut",
            ),
            models.CheckConstraint(
                condition=Q(capacite__gte=1),
                name="activite_capacite_positive",
                violation_error_message=_("La capacité compte au moins une place."),
                violation_error_code="capacite_nulle",
            ),
        ]

    def __str__(self):
        return self.titre

    def est_organisee_par(self, cpas_id) -> bool:
        return self.cpas_id == cpas_id


class Module(models.Model):
    """A part of an activity (a pre-training's modules alternate collective and individual
    moments)."""

    activite = models.ForeignKey(Activite, on_delete=models.CASCADE, related_name="modules")
    titre = models.CharField(_("titre"), max_length=200)
    ordre = models.PositiveSmallIntegerField(_("ordre"), default=1)
    collectif = models.BooleanField(_("moment collectif"), default=True)

    class Meta:
        verbose_name = _("module")
        verbose_name_plural = _("modules")
        ordering = ["activite", "ordre", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["activite", "titre"],
                name="module_titre_unique",
                violation_error_message=_("Ce module existe déjà pour cette activité."),
                violation_error_code="module_existe",
            )
        ]

    def __str__(self):
        return self.titre


@suivre()
class Seance(models.Model):
    activite = models.ForeignKey(Activite, on_delete=models.CASCADE, related_name="seances")
    module = models.ForeignKey(
        Module,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="seances",
        verbose_name=_("module"),
    )
    date = models.DateField(_("date"))
    heure_debut = models.TimeField(_("de"))
    heure_fin = models.TimeField(_("à"))

    class Meta:
        verbose_name = _("séance")
        verbose_name_plural = _("séances")
        ordering = ["activite", "date", "heure_debut", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(heure_fin__gt=F("heure_debut")),
                name="seance_heures",
                violation_error_message=_("La séance doit finir après son début."),
                violation_error_code="fin_avant_debut",
            ),
            models.UniqueConstraint(
                fields=["activite", "date", "heure_debut"],
                name="seance_unique",
                violation_error_message=_("Une séance commence déjà à cette heure ce jour-là."),
                violation_error_code="seance_existe",
            ),
        ]
        indexes = [models.Index(fields=["activite", "date"], name="seance_activite_date")]

    def __str__(self):
        return f"{self.activite} {self.date:%d/%m/%Y} {self.heure_debut:%H:%M}"

    @property
    def heures_prevues(self) -> Decimal:
        minutes = (self.heure_fin.hour * 60 + self.heure_fin.minute) - (
            self.heure_debut.hour * 60 + self.heure_debut.minute
        )
        return (Decimal(minutes) / 60).quantize(Decimal("0.01"))


class StatutInscription(models.TextChoices):
    ATTENTE = "attente", _("Sur liste d'attente")
    INSCRIT = "inscrit", _("Inscrit")
    RETIRE = "retire", _("Retiré")
    TERMINE = "termine", _("Terminé")


class ResultatActivite(models.TextChoices):
    ACHEVE = "acheve", _("Activité achevée")
    CERTIFICAT = "certificat", _("Certificat obtenu")
    REORIENTE = "reoriente", _("Réorienté")
    ABANDON = "abandon", _("Abandon")


class MotifRetrait(models.TextChoices):
    PERSONNE = "personne", _("À la demande de la personne")
    EMPLOI = "emploi", _("A trouvé un emploi")
    REORIENTATION = "reorientation", _("Réorientation")
    SANTE = "sante", _("Raisons de santé")
    ABSENCES = "absences", _("Absences répétées")
    AUTRE = "autre", _("Autre")


# Exit classes of the results (DOMAIN.md: positive, neutral, negative), for the reports.
CLASSE_RESULTAT = {
    ResultatActivite.ACHEVE: "positive",
    ResultatActivite.CERTIFICAT: "positive",
    ResultatActivite.REORIENTE: "neutre",
    ResultatActivite.ABANDON: "negative",
}


class InscriptionQuerySet(TenantQuerySet):
    def occupant_une_place(self):
        """Enrolled people, and those who went to the end; a withdrawal, a re-orientation
        or a drop-out frees the seat for the waiting list."""
        return self.filter(
            Q(statut=StatutInscription.INSCRIT)
            | Q(
                statut=StatutInscription.TERMINE,
                resultat__in=[ResultatActivite.ACHEVE, ResultatActivite.CERTIFICAT],
            )
        )


@suivre()
class Inscription(TenantModel):
    """A person's enrolment in an activity. ``cpas`` is the person's CPAS (who sees the row)."""

    activite = models.ForeignKey(Activite, on_delete=models.CASCADE, related_name="inscriptions")
    beneficiaire = models.ForeignKey(
        Beneficiaire,
        on_delete=models.CASCADE,
        related_name="inscriptions_activites",
        verbose_name=_("bénéficiaire"),
    )
    statut = models.CharField(
        _("statut"), max_length=10, choices=StatutInscription.choices, db_index=True
    )
    demande_le = models.DateTimeField(_("demandée le"), help_text=_("Ordre de la liste d'attente"))
    date_inscription = models.DateField(_("date d'inscription"))
    passage = models.ForeignKey(
        PassagePhase,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("phase en cours à l'inscription"),
    )
    phase = models.CharField(
        _("phase à l'inscription"), max_length=20, choices=Phase.choices, blank=True
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agent qui suit la personne"),
    )
    inscrit_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    date_retrait = models.DateField(_("date de retrait"), null=True, blank=True)
    motif_retrait = models.CharField(
        _("motif du retrait"), max_length=20, choices=MotifRetrait.choices, blank=True
    )
    precision_retrait = models.CharField(_("précision"), max_length=300, blank=True)
    date_fin = models.DateField(_("date de fin"), null=True, blank=True)
    resultat = models.CharField(
        _("résultat"), max_length=12, choices=ResultatActivite.choices, blank=True
    )

    objects = InscriptionQuerySet.as_manager()

    class Meta:
        verbose_name = _("inscription")
        verbose_name_plural = _("inscriptions")
        ordering = ["activite", "beneficiaire__nom", "beneficiaire__prenom", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["activite", "beneficiaire"],
                name="inscription_unique",
                violation_error_message=_("Cette personne est déjà inscrite à cette activité."),
                violation_error_code="inscription_existe",
            ),
            models.CheckConstraint(
                condition=Q(statut__in=StatutInscription.values),
                name="inscription_statut_valide",
                violation_error_message=_("Statut d'inscription inconnu."),
                violation_error_code="statut_inconnu",
            ),
            models.CheckConstraint(
                condition=(Q(statut=StatutInscription.RETIRE) & ~Q(motif_retrait=""))
                & Q(date_retrait__isnull=False)
                | ~Q(statut=StatutInscription.RETIRE)
                & Q(motif_retrait="")
                & Q(date_retrait__isnull=True),
                name="inscription_retrait_motive",
                violation_error_message=_("Un retrait se note avec sa date et son motif."),
                violation_error_code="retrait_sans_motif",
            ),
            models.CheckConstraint(
                condition=(Q(statut=StatutInscription.TERMINE) & ~Q(resultat=""))
                & Q(date_fin__isnull=False)
                | ~Q(statut=StatutInscription.TERMINE) & Q(resultat="") & Q(date_fin__isnull=True),
                name="inscription_fin_avec_resultat",
                violation_error_message=_("La fin se note avec sa date et son résultat."),
                violation_error_code="fin_sans_resultat",
            ),
            models.CheckConstraint(
                condition=Q(date_fin__isnull=True) | Q(date_fin__gte=F("date_inscription")),
                name="inscription_dates_fin",
                violation_error_message=_("La fin ne peut pas précéder l'inscription."),
                violation_error_code="fin_avant_inscription",
            ),
            models.CheckConstraint(
                condition=Q(date_retrait__isnull=True) | Q(date_retrait__gte=F("date_inscription")),
                name="inscription_dates_retrait",
                violation_error_message=_("Le retrait ne peut pas précéder l'inscription."),
                violation_error_code="retrait_avant_inscription",
            ),
        ]
        indexes = [
            models.Index(fields=["activite", "statut", "demande_le"], name="inscription_file"),
        ]

    def __str__(self):
        return f"{self.beneficiaire} — {self.activite}"

    @property
    def classe_resultat(self) -> str:
        return CLASSE_RESULTAT.get(self.resultat, "")


class StatutPresence(models.TextChoices):
    PRESENT = "present", _("Présent")
    RETARD = "retard", pgettext_lazy("présence", "En retard")
    EXCUSE = "excuse", _("Absent excusé")
    ABSENT = "absent", _("Absent")


@suivre()
class Presence(TenantModel):
    """One participant's attendance at one session (``cpas``: the person's CPAS)."""

    seance = models.ForeignKey(Seance, on_delete=models.CASCADE, related_name="presences")
    inscription = models.ForeignKey(Inscription, on_delete=models.CASCADE, related_name="presences")
    statut = models.CharField(_("présence"), max_length=8, choices=StatutPresence.choices)
    heures = models.DecimalField(
        _("heures"),
        validators=[MinValueValidator(0), MaxValueValidator(24)],
        **HEURES,
    )
    note_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    modifie_le = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("présence")
        verbose_name_plural = _("présences")
        constraints = [
            models.UniqueConstraint(
                fields=["seance", "inscription"],
                name="presence_unique",
                violation_error_message=_("La présence de cette personne est déjà notée."),
                violation_error_code="presence_existe",
            ),
            models.CheckConstraint(
                condition=Q(statut__in=StatutPresence.values),
                name="presence_statut_valide",
                violation_error_message=_("Présence inconnue."),
                violation_error_code="statut_inconnu",
            ),
            models.CheckConstraint(
                condition=Q(heures__gte=0) & Q(heures__lte=24),
                name="presence_heures_bornees",
                violation_error_message=_("Les heures vont de 0 à 24."),
                violation_error_code="heures_hors_bornes",
            ),
            models.CheckConstraint(
                condition=Q(statut__in=[StatutPresence.PRESENT, StatutPresence.RETARD])
                | Q(heures=0),
                name="presence_absent_sans_heures",
                violation_error_message=_("Une absence ne compte pas d'heures."),
                violation_error_code="heures_si_absent",
            ),
        ]
        indexes = [models.Index(fields=["inscription", "seance"], name="presence_inscription")]

    def __str__(self):
        return f"{self.inscription} {self.seance.date:%d/%m/%Y} {self.get_statut_display()}"


class ResumeHebdomadaire(models.Model):
    """The journal step (trajets.Etape) that sums up one participant's week in one activity:
    written and kept up to date when attendance is saved (see services.resumer_semaine)."""

    inscription = models.ForeignKey(Inscription, on_delete=models.CASCADE, related_name="resumes")
    semaine = models.DateField(_("semaine du"))  # the Monday
    etape = models.OneToOneField(Etape, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["inscription", "semaine"], name="resume_hebdomadaire_unique"
            )
        ]


class TypeAttestation(models.TextChoices):
    PRESENCE = "presence", _("Attestation de fréquentation")
    REUSSITE = "reussite", _("Attestation de fin de parcours")


def nouveau_code_verification() -> str:
    """16 characters from an alphabet without look-alikes (80 bits): not guessable."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(16))


@suivre()
class Attestation(TenantModel):
    """An attestation issued to a participant: numbered per CPAS and year, what it states is
    copied at issue time (a later correction of attendance issues a new one)."""

    inscription = models.ForeignKey(
        Inscription, on_delete=models.PROTECT, related_name="attestations"
    )
    type = models.CharField(_("type"), max_length=10, choices=TypeAttestation.choices)
    annee = models.PositiveSmallIntegerField(_("année"))
    numero = models.PositiveIntegerField(_("numéro"))
    code = models.CharField(
        _("code de vérification"), max_length=16, unique=True, default=nouveau_code_verification
    )
    langue = models.CharField(_("langue"), max_length=2)
    heures = models.DecimalField(_("heures suivies"), **HEURES)
    heures_prevues = models.DecimalField(_("heures prévues"), **HEURES)
    seances_suivies = models.PositiveIntegerField(_("séances suivies"))
    premiere_seance = models.DateField(_("première séance"), null=True)
    derniere_seance = models.DateField(_("dernière séance"), null=True)
    resultat = models.CharField(
        _("résultat"), max_length=12, choices=ResultatActivite.choices, blank=True
    )
    initiales = models.CharField(_("initiales"), max_length=10)
    emise_le = models.DateTimeField(_("émise le"), auto_now_add=True)
    emise_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("attestation")
        verbose_name_plural = _("attestations")
        ordering = ["-emise_le", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cpas", "annee", "numero"],
                name="attestation_numero_unique",
                violation_error_message=_("Ce numéro d'attestation existe déjà."),
                violation_error_code="numero_existe",
            )
        ]

    def __str__(self):
        return self.reference

    @property
    def reference(self) -> str:
        return f"{self.annee}-{self.numero:05d}"


# ESF+ participant data (a module of its own: activites/models/fse.py)
from activites.models.fse import (  # noqa: E402, F401 (re-exported)
    CHAMPS_RESULTATS,
    SITUATIONS_SENSIBLES,
    Declaration,
    GenreSuiviFse,
    NiveauIsced,
    ParticipantFse,
    StatutEmploiFse,
    SuiviFse,
    TrancheAge,
)
