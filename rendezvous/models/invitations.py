"""Invitations to book a slot, convocations to a fixed slot, the CPAS's settings for them and the
record of every message sent (letter, e-mail, SMS) with its delivery status."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from beneficiaires.models import Beneficiaire
from cpas_isp.historique import suivre
from cpas_isp.models import Cpas, TenantModel, TenantQuerySet
from rendezvous.models.agendas import Agenda, TypeRendezVous
from rendezvous.models.rendez_vous import RendezVous


class Canal(models.TextChoices):
    LETTRE = "lettre", _("Lettre")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")


class ParametresRendezVous(models.Model):
    """One row per CPAS (created on first use with the defaults)."""

    cpas = models.OneToOneField(
        Cpas, on_delete=models.CASCADE, related_name="parametres_rendez_vous"
    )
    validite_invitation = models.PositiveSmallIntegerField(
        _("validité d'une invitation (jours)"),
        default=10,
        help_text=_("Nombre de jours pendant lesquels le lien de réservation reste valable."),
    )
    delai_modification = models.PositiveSmallIntegerField(
        _("délai pour annuler ou déplacer (heures)"),
        default=24,
        help_text=_(
            "Jusqu'à combien d'heures avant le rendez-vous la personne peut l'annuler ou le "
            "déplacer elle-même."
        ),
    )
    canaux = ArrayField(
        models.CharField(max_length=8, choices=Canal.choices),
        verbose_name=_("canaux proposés"),
        default=list,
        blank=True,
        help_text=_("Canaux utilisés par défaut pour les invitations et convocations."),
    )

    class Meta:
        verbose_name = _("paramètres des rendez-vous")
        verbose_name_plural = _("paramètres des rendez-vous")

    def __str__(self):
        return str(self.cpas)


class CanauxDuType(TenantModel):
    """The channels a CPAS uses for one kind of appointment (overrides the CPAS's default)."""

    type = models.ForeignKey(
        TypeRendezVous, on_delete=models.CASCADE, related_name="+", verbose_name=_("type")
    )
    canaux = ArrayField(
        models.CharField(max_length=8, choices=Canal.choices),
        verbose_name=_("canaux"),
        default=list,
        blank=True,
    )

    class Meta:
        verbose_name = _("canaux d'un type de rendez-vous")
        verbose_name_plural = _("canaux des types de rendez-vous")
        constraints = [
            models.UniqueConstraint(
                fields=["cpas", "type"],
                name="canaux_un_par_type_et_cpas",
                violation_error_message=_("Les canaux de ce type sont déjà définis."),
            )
        ]


class ModeInvitation(models.TextChoices):
    INVITATION = "invitation", _("Invitation (la personne choisit son créneau)")
    CONVOCATION = "convocation", _("Convocation (créneau fixé)")


class StatutInvitation(models.TextChoices):
    EN_ATTENTE = "en_attente", _("En attente de réservation")
    RESERVEE = "reservee", _("Créneau réservé")
    EXPIREE = "expiree", _("Expirée")
    ANNULEE = "annulee", _("Annulée")


class InvitationQuerySet(TenantQuerySet):
    def en_attente(self):
        return self.filter(statut=StatutInvitation.EN_ATTENTE)


@suivre()
class Invitation(TenantModel):
    """An invitation (the person books a free slot through a signed link, valid until
    ``expire_le``) or a convocation (the appointment is fixed by the CPAS: ``rendez_vous`` is
    set at creation). Only the SHA-256 of the link's token is stored."""

    beneficiaire = models.ForeignKey(
        Beneficiaire,
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("personne"),
    )
    mode = models.CharField(_("mode"), max_length=12, choices=ModeInvitation.choices)
    type = models.ForeignKey(
        TypeRendezVous, on_delete=models.PROTECT, related_name="+", verbose_name=_("type")
    )
    agenda = models.ForeignKey(
        Agenda,
        on_delete=models.PROTECT,
        related_name="invitations",
        verbose_name=_("agenda"),
        help_text=_("L'agenda (agent ou cellule) dont les créneaux libres sont proposés."),
    )
    rendez_vous = models.ForeignKey(
        RendezVous,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations",
        verbose_name=_("rendez-vous"),
    )
    statut = models.CharField(
        _("statut"),
        max_length=12,
        choices=StatutInvitation.choices,
        default=StatutInvitation.EN_ATTENTE,
    )
    canaux = ArrayField(
        models.CharField(max_length=8, choices=Canal.choices),
        verbose_name=_("canaux"),
        default=list,
        blank=True,
    )
    jeton = models.CharField(max_length=64, unique=True, editable=False)
    # The random value the link's token is signed from (HMAC with the SECRET_KEY): the
    # reminders can write the same link again; the database alone cannot (only the token's
    # SHA-256 is stored). Empty for the first invitations, whose token was random.
    sel = models.CharField(max_length=32, blank=True, default="", editable=False)
    expire_le = models.DateTimeField(_("valable jusqu'au"))
    relance_le = models.DateTimeField(_("rappel envoyé le"), null=True, blank=True, editable=False)
    cree_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("créée par"),
        editable=False,
    )
    cree_le = models.DateTimeField(_("créée le"), auto_now_add=True)
    modifie_le = models.DateTimeField(_("modifiée le"), auto_now=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-cree_le", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(mode=ModeInvitation.CONVOCATION) | Q(rendez_vous__isnull=False),
                name="invitation_convocation_avec_rendez_vous",
                violation_error_message=_("Une convocation fixe un rendez-vous."),
            ),
            models.CheckConstraint(
                condition=~Q(statut=StatutInvitation.RESERVEE) | Q(rendez_vous__isnull=False),
                name="invitation_reservee_avec_rendez_vous",
                violation_error_message=_("Une invitation réservée a un rendez-vous."),
            ),
        ]
        indexes = [
            models.Index(fields=["cpas", "statut", "expire_le"]),
            models.Index(fields=["agenda", "statut"]),
        ]

    def __str__(self):
        return f"{self.get_mode_display()} — {self.type}"

    def libelles_canaux(self) -> list[str]:
        noms = dict(Canal.choices)
        return [str(noms.get(c, c)) for c in self.canaux]


class NatureEnvoi(models.TextChoices):
    INVITATION = "invitation", _("Invitation")
    CONVOCATION = "convocation", _("Convocation")
    CONFIRMATION = "confirmation", _("Confirmation de réservation")
    RAPPEL_INVITATION = "rappel_invitation", _("Rappel d'invitation")
    RAPPEL_RENDEZ_VOUS = "rappel_rdv", _("Rappel de rendez-vous")
    ANNULATION = "annulation", _("Annulation")


class StatutEnvoi(models.TextChoices):
    A_ENVOYER = "a_envoyer", _("À envoyer")
    ENVOYE = "envoye", _("Envoyé")
    DELIVRE = "delivre", _("Délivré")
    ECHEC = "echec", _("Échec")
    IMPRIME = "imprime", _("Lettre générée")


class Envoi(TenantModel):
    """One message sent to a person (or a letter generated for printing), with what the
    channel reported. The text is not kept (the letter/mail can be rebuilt from the objects)."""

    beneficiaire = models.ForeignKey(
        Beneficiaire,
        on_delete=models.CASCADE,
        related_name="envois",
        verbose_name=_("personne"),
    )
    canal = models.CharField(_("canal"), max_length=8, choices=Canal.choices)
    nature = models.CharField(_("nature"), max_length=20, choices=NatureEnvoi.choices)
    invitation = models.ForeignKey(
        Invitation, on_delete=models.CASCADE, null=True, blank=True, related_name="envois"
    )
    rendez_vous = models.ForeignKey(
        RendezVous, on_delete=models.CASCADE, null=True, blank=True, related_name="envois"
    )
    destinataire = models.CharField(_("destinataire"), max_length=254, blank=True)
    statut = models.CharField(
        _("statut"), max_length=10, choices=StatutEnvoi.choices, default=StatutEnvoi.A_ENVOYER
    )
    identifiant = models.CharField(_("identifiant du fournisseur"), max_length=200, blank=True)
    erreur = models.CharField(_("erreur"), max_length=500, blank=True)
    par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("par"),
        help_text=_("Vide pour un envoi automatique (rappel)."),
    )
    cree_le = models.DateTimeField(_("créé le"), auto_now_add=True)
    envoye_le = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    statut_le = models.DateTimeField(_("statut reçu le"), null=True, blank=True)

    class Meta:
        verbose_name = _("envoi")
        verbose_name_plural = _("envois")
        ordering = ["-cree_le", "-id"]
        constraints = [
            # A reminder goes out once per appointment, person and channel (a collective
            # session has several people), once per invitation and channel: the nightly task
            # can run twice without sending twice.
            models.UniqueConstraint(
                fields=["rendez_vous", "beneficiaire", "canal"],
                condition=Q(nature="rappel_rdv"),
                name="envoi_un_rappel_par_rendezvous_et_canal",
            ),
            models.UniqueConstraint(
                fields=["invitation", "canal"],
                condition=Q(nature="rappel_invitation"),
                name="envoi_un_rappel_par_invitation_et_canal",
            ),
        ]
        indexes = [
            models.Index(fields=["beneficiaire", "cree_le"]),
            models.Index(fields=["canal", "identifiant"]),
        ]

    def __str__(self):
        return f"{self.get_nature_display()} ({self.get_canal_display()})"
