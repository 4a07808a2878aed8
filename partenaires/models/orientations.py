"""Referrals (orientations) of a person to a partner's service: statuses and results, the
workflow log, messages with the partner, attendance recorded by the partner."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from beneficiaires.models import Beneficiaire
from cpas_isp.historique import suivre
from cpas_isp.models import Role, TenantModel, TenantQuerySet
from cpas_isp.tenancy import current_membership

from .annuaire import ServicePartenaire
from .portail import ComptePartenaire


class StatutOrientation(models.TextChoices):
    PROPOSEE = "proposee", _("Proposée")
    ENVOYEE = "envoyee", _("Envoyée")
    ACCEPTEE = "acceptee", _("Acceptée")
    REFUSEE = "refusee", _("Refusée")
    EXPIREE = "expiree", _("Expirée")
    EN_COURS = "en_cours", _("En cours")
    TERMINEE = "terminee", _("Terminée")
    ANNULEE = "annulee", _("Annulée")


class ResultatOrientation(models.TextChoices):
    QUALIFICATION = "qualification", _("Qualification obtenue")
    EMPLOI = "emploi", _("Emploi trouvé")
    INDEPENDANT = "independant", _("Installation comme indépendant")
    ABANDON = "abandon", _("Abandon")
    REORIENTATION = "reorientation", _("Réorientation")


class TypeQualification(models.TextChoices):
    DIPLOME = "diplome", _("Diplôme")
    CERTIFICAT = "certificat", _("Certificat")
    ATTESTATION = "attestation", _("Attestation")


RESULTATS_POSITIFS = {
    ResultatOrientation.QUALIFICATION,
    ResultatOrientation.EMPLOI,
    ResultatOrientation.INDEPENDANT,
}


class OrientationQuerySet(TenantQuerySet):
    def for_user(self, user, *, compte=None):
        """Own CPAS; a partner user only sees what was sent to their organisation (``compte``:
        the user's ``ComptePartenaire`` when the caller has read it already)."""
        membership = current_membership(user)
        if membership is None:
            return self.none()
        qs = self.filter(cpas=membership.cpas_id)
        if membership.role == Role.PARTENAIRE:
            if compte is None or compte.user_id != user.pk:
                compte = ComptePartenaire.objects.filter(user=user).first()
            if compte is None:
                return self.none()
            qs = qs.filter(service__partenaire=compte.partenaire_id).exclude(
                statut__in=[StatutOrientation.PROPOSEE, StatutOrientation.ANNULEE]
            )
        return qs

    def en_attente_de_reponse(self):
        return self.filter(statut=StatutOrientation.ENVOYEE)


@suivre()
class Orientation(TenantModel):
    """A referral of a person to a partner's service. Change ``statut`` only through
    ``partenaires.services.transition`` (the transition table and its log)."""

    beneficiaire = models.ForeignKey(
        Beneficiaire,
        on_delete=models.CASCADE,
        related_name="orientations",
        verbose_name=_("bénéficiaire"),
    )
    service = models.ForeignKey(
        ServicePartenaire,
        on_delete=models.PROTECT,
        related_name="orientations",
        verbose_name=_("service"),
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="orientations_envoyees",
        verbose_name=_("agent orienteur"),
    )
    date_orientation = models.DateField(_("date de l'orientation"))
    motif = models.TextField(_("motif de l'orientation"))
    resultat_attendu = models.TextField(_("résultat attendu"), blank=True)
    informations_partagees = models.TextField(
        _("informations partagées avec le partenaire"),
        blank=True,
        help_text=_(
            "Seul ce texte, le nom et la langue de contact de la personne sont visibles "
            "par le partenaire."
        ),
    )
    statut = models.CharField(
        _("statut"),
        max_length=10,
        choices=StatutOrientation.choices,
        default=StatutOrientation.PROPOSEE,
    )
    date_envoi = models.DateField(_("envoyée le"), null=True, blank=True)
    rappel_le = models.DateField(_("rappel envoyé le"), null=True, blank=True)
    date_reponse = models.DateField(_("réponse le"), null=True, blank=True)
    motif_refus = models.TextField(_("motif du refus"), blank=True)
    date_debut = models.DateField(_("début"), null=True, blank=True)
    date_fin = models.DateField(_("fin"), null=True, blank=True)
    resultat = models.CharField(
        _("résultat"), max_length=15, choices=ResultatOrientation.choices, blank=True
    )
    type_qualification = models.CharField(
        _("type de qualification"), max_length=12, choices=TypeQualification.choices, blank=True
    )
    resultat_detail = models.TextField(_("précisions sur le résultat"), blank=True)
    cree_le = models.DateTimeField(auto_now_add=True)
    modifie_le = models.DateTimeField(auto_now=True)

    objects = OrientationQuerySet.as_manager()

    #: A referral carries its person's CPAS (foreign key ``orientation_cpas_de_la_personne``,
    #: migration 0013): ``beneficiaires.acces.objets_visibles`` relies on it.
    personne_du_cpas = "beneficiaire"

    class Meta:
        verbose_name = _("orientation")
        verbose_name_plural = _("orientations")
        ordering = ["-date_orientation", "-id"]
        indexes = [
            # Statut lists, and the home summary's "refused or expired lately" (a range on
            # modifie_le within a statut).
            models.Index(
                fields=["cpas", "statut", "modifie_le"], name="orientation_statut_modifie_idx"
            ),
            # The list's tabs count a whole CPAS's referrals status by status from the index
            # alone: on (cpas, statut) only, its equal keys deduplicated, it is a tenth of the
            # pages of the one above (20 instead of 172 for 20,000 referrals).
            models.Index(fields=["cpas", "statut"], name="orientation_cpas_statut_idx"),
            models.Index(fields=["cpas", "service"]),
            models.Index(
                fields=["cpas", "-date_orientation", "-id"], name="orientation_cpas_date_idx"
            ),
            # The lists' counts by status of the people the user may see: an index-only scan
            # merged with the people's primary key (no heap visit per referral). modifie_le
            # included: the home summary's "refused or expired lately" counted from the index
            # alone too.
            models.Index(
                fields=["cpas", "beneficiaire", "statut"],
                name="orientation_benef_statut_idx",
                include=["modifie_le"],
            ),
            # The dashboards' delay from a referral sent to the partner's answer: the
            # referrals sent in the period (a seq scan of every CPAS's referrals otherwise),
            # with what the delay reads of them (status, answer's date; the agent for an
            # agent's figures), from the index alone: 337 -> 46 pages read for the 6,198
            # referrals of a year on the 20,000-referral bench (no heap visit per referral).
            models.Index(
                fields=["cpas", "date_envoi"],
                name="orientation_cpas_envoi_idx",
                include=["statut", "date_reponse", "agent"],
            ),
            # The dashboards' referrals per partner: the referrals made in the period with
            # what the table counts of them, from the index alone (the 3,797 of a year on the
            # bench: 38 pages read instead of 3,772 by the page's prepared statement, which
            # walked orientation_cpas_date_idx visiting the heap per referral). Apart from
            # that index, which the lists walk in order for a page of rows: wider, it would
            # cost them pages.
            models.Index(
                fields=["cpas", "date_orientation"],
                name="orientation_date_suivi_idx",
                include=["service", "date_envoi", "statut", "resultat", "agent"],
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(statut__in=StatutOrientation.values),
                name="orientation_statut_valide",
                violation_error_message=_("Statut d'orientation inconnu."),
                violation_error_code="statut_inconnu",
            ),
            models.CheckConstraint(
                condition=Q(resultat="") | Q(resultat__in=ResultatOrientation.values),
                name="orientation_resultat_valide",
                violation_error_message=_("Résultat d'orientation inconnu."),
                violation_error_code="resultat_inconnu",
            ),
            models.CheckConstraint(
                condition=~Q(statut=StatutOrientation.REFUSEE) | ~Q(motif_refus=""),
                name="orientation_refus_motive",
                violation_error_message=_("Indiquez le motif du refus."),
                violation_error_code="refus_sans_motif",
            ),
            models.CheckConstraint(
                condition=Q(statut=StatutOrientation.TERMINEE, resultat__gt="")
                | (~Q(statut=StatutOrientation.TERMINEE) & Q(resultat="")),
                name="orientation_resultat_si_terminee",
                violation_error_message=_(
                    "Une orientation terminée, et elle seule, a un résultat."
                ),
                violation_error_code="resultat_si_terminee",
            ),
            models.CheckConstraint(
                condition=Q(type_qualification="") | Q(resultat=ResultatOrientation.QUALIFICATION),
                name="orientation_qualification_si_resultat",
                violation_error_message=_(
                    "Le type de qualification ne vaut que pour une qualification obtenue."
                ),
                violation_error_code="qualification_sans_resultat",
            ),
            models.CheckConstraint(
                condition=Q(date_envoi__isnull=True) | ~Q(statut=StatutOrientation.PROPOSEE),
                name="orientation_proposee_sans_envoi",
                violation_error_message=_(
                    "Une orientation proposée n'a pas encore de date d'envoi."
                ),
                violation_error_code="proposee_envoyee",
            ),
            models.CheckConstraint(
                condition=Q(date_fin__isnull=True)
                | Q(date_debut__isnull=True)
                | Q(date_fin__gte=F("date_debut")),
                name="orientation_fin_apres_debut",
                violation_error_message=_("La fin ne peut pas précéder le début."),
                violation_error_code="fin_avant_debut",
            ),
        ]

    def __str__(self):
        return f"{self.beneficiaire} → {self.service}"

    @property
    def partenaire(self):
        return self.service.partenaire

    @property
    def resultat_positif(self):
        return self.resultat in RESULTATS_POSITIFS


@suivre()
class TransitionOrientation(TenantModel):
    """The log of a referral's workflow: who moved it, when, from which status to which."""

    orientation = models.ForeignKey(
        Orientation, on_delete=models.CASCADE, related_name="transitions"
    )
    de_statut = models.CharField(
        _("de"), max_length=10, choices=StatutOrientation.choices, blank=True
    )
    vers_statut = models.CharField(_("vers"), max_length=10, choices=StatutOrientation.choices)
    par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("par"),
        help_text=_("Vide : traitement automatique"),
    )
    quand = models.DateTimeField(_("quand"), auto_now_add=True)
    commentaire = models.TextField(_("commentaire"), blank=True)

    class Meta:
        verbose_name = _("changement de statut")
        verbose_name_plural = _("changements de statut")
        ordering = ["quand", "id"]

    def __str__(self):
        return f"{self.de_statut or '∅'} → {self.vers_statut}"


@suivre()
class MessageOrientation(TenantModel):
    """A message between the partner and the referring agent about one referral."""

    orientation = models.ForeignKey(Orientation, on_delete=models.CASCADE, related_name="messages")
    auteur = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("auteur"),
    )
    du_partenaire = models.BooleanField(_("écrit par le partenaire"), default=False)
    texte = models.TextField(_("message"))
    cree_le = models.DateTimeField(_("écrit le"), auto_now_add=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["cree_le", "id"]

    def __str__(self):
        return self.texte[:60]


@suivre()
class PresenceOrientation(TenantModel):
    """Attendance recorded by the partner (a session, a day, a week of training)."""

    orientation = models.ForeignKey(Orientation, on_delete=models.CASCADE, related_name="presences")
    date = models.DateField(_("date"))
    present = models.BooleanField(_("présent"), default=True)
    commentaire = models.CharField(_("commentaire"), max_length=300, blank=True)
    saisi_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("présence")
        verbose_name_plural = _("présences")
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["orientation", "date"],
                name="presence_une_par_jour_et_orientation",
                violation_error_message=_(
                    "Une présence est déjà notée ce jour-là pour cette orientation."
                ),
                violation_error_code="presence_existe",
            )
        ]

    def __str__(self):
        return f"{self.date:%d/%m/%Y} {'✓' if self.present else '✗'}"
