"""The shared directory: partner organisations, their services and contacts, the reference lists
(partner types, themes), changes other CPAS suggest, and each CPAS's private notes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cpas_isp.historique import suivre
from cpas_isp.models import Cpas, ListeReference, TenantModel
from cpas_isp.permissions import peut_gerer_partenaires
from cpas_isp.tenancy import current_membership


class _Libelle(ListeReference):
    """Reference list with FR and NL labels that users may extend."""

    class Meta(ListeReference.Meta):
        abstract = True
        ordering = ["ordre", "libelle_fr"]


class TypePartenaire(_Libelle):
    class Meta(_Libelle.Meta):
        verbose_name = _("type de partenaire")
        verbose_name_plural = _("types de partenaires")


class Thematique(_Libelle):
    """Theme of a partner service or a programme (literacy, qualifying training...)."""

    class Meta(_Libelle.Meta):
        verbose_name = _("thématique")
        verbose_name_plural = _("thématiques")


class Region(models.TextChoices):
    BRUXELLES = "bruxelles", _("Bruxelles-Capitale")
    WALLONIE = "wallonie", _("Wallonie")
    FLANDRE = "flandre", _("Flandre")


# --- Organisations (shared by all CPAS) -------------------------------------------------------


class PartenaireQuerySet(models.QuerySet):
    def actifs(self):
        return self.filter(actif=True)


@suivre()
class Partenaire(models.Model):
    """A partner organisation. Shared by every CPAS: the same Actiris serves all of Brussels."""

    nom = models.CharField(_("nom"), max_length=200)
    sigle = models.CharField(_("sigle"), max_length=40, blank=True)
    type = models.ForeignKey(
        TypePartenaire,
        on_delete=models.PROTECT,
        related_name="partenaires",
        verbose_name=_("type"),
    )
    adresse = models.CharField(_("adresse"), max_length=300, blank=True)
    code_postal = models.CharField(_("code postal"), max_length=4, blank=True)
    commune = models.CharField(_("commune"), max_length=150, blank=True)
    region = models.CharField(_("région"), max_length=10, choices=Region.choices, blank=True)
    telephone = models.CharField(_("téléphone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    site_web = models.URLField(_("site web"), blank=True)
    numero_entreprise = models.CharField(_("numéro d'entreprise"), max_length=20, blank=True)
    actif = models.BooleanField(_("actif"), default=True)
    cree_par_cpas = models.ForeignKey(
        Cpas,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("encodé par le CPAS"),
    )
    # The directory is shared for reading; one CPAS keeps each organisation's record up to
    # date (the others suggest changes). Empty: only a national administrator edits it.
    gere_par = models.ForeignKey(
        Cpas,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("géré par le CPAS"),
        help_text=_("Seul ce CPAS modifie la fiche ; les autres CPAS peuvent suggérer."),
    )
    cree_le = models.DateTimeField(_("créé le"), auto_now_add=True)
    modifie_le = models.DateTimeField(_("modifié le"), auto_now=True)

    objects = PartenaireQuerySet.as_manager()

    class Meta:
        verbose_name = _("partenaire")
        verbose_name_plural = _("partenaires")
        ordering = ["nom", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["nom", "commune"],
                name="partenaire_nom_unique_par_commune",
                violation_error_message=_(
                    "Un partenaire de ce nom existe déjà dans cette commune."
                ),
                violation_error_code="partenaire_existe",
            )
        ]

    def __str__(self):
        return self.nom

    def modifiable_par(self, user) -> bool:
        """Only the managing CPAS's coordinators and administrators edit the record."""
        membership = current_membership(user)
        return (
            membership is not None
            and self.gere_par_id is not None
            and membership.cpas_id == self.gere_par_id
            and peut_gerer_partenaires(user)
        )


@suivre()
class SuggestionPartenaire(TenantModel):
    """A change another CPAS suggests to the managing CPAS of a partner's record."""

    partenaire = models.ForeignKey(Partenaire, on_delete=models.CASCADE, related_name="suggestions")
    cpas = models.ForeignKey(  # overrides TenantModel's for its label
        Cpas, on_delete=models.PROTECT, related_name="+", verbose_name=_("CPAS qui suggère")
    )
    auteur = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    texte = models.TextField(_("suggestion"), max_length=4000)
    cree_le = models.DateTimeField(_("suggérée le"), auto_now_add=True)
    traitee = models.BooleanField(_("traitée"), default=False)

    class Meta:
        verbose_name = _("suggestion de modification d'un partenaire")
        verbose_name_plural = _("suggestions de modification des partenaires")
        ordering = ["traitee", "-cree_le", "-id"]

    def __str__(self):
        return self.texte[:60]


@suivre()
class ContactPartenaire(models.Model):
    partenaire = models.ForeignKey(Partenaire, on_delete=models.CASCADE, related_name="contacts")
    nom = models.CharField(_("nom"), max_length=200)
    fonction = models.CharField(_("fonction"), max_length=200, blank=True)
    telephone = models.CharField(_("téléphone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["partenaire", "nom", "id"]

    def __str__(self):
        return f"{self.nom} ({self.fonction})" if self.fonction else self.nom


@suivre()
class ServicePartenaire(models.Model):
    """What a partner offers (a training, a coaching, a placement...), with places available."""

    partenaire = models.ForeignKey(Partenaire, on_delete=models.CASCADE, related_name="services")
    nom = models.CharField(_("nom"), max_length=200)
    thematique = models.ForeignKey(
        Thematique,
        on_delete=models.PROTECT,
        related_name="services",
        verbose_name=_("thématique"),
    )
    description = models.TextField(_("description"), blank=True)
    conditions = models.TextField(_("conditions d'accès"), blank=True)
    places_disponibles = models.PositiveIntegerField(
        _("places disponibles"), null=True, blank=True, help_text=_("Vide : non limité")
    )
    actif = models.BooleanField(_("actif"), default=True)

    class Meta:
        verbose_name = _("service d'un partenaire")
        verbose_name_plural = _("services des partenaires")
        ordering = ["partenaire__nom", "nom", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partenaire", "nom"],
                name="service_nom_unique_par_partenaire",
                violation_error_message=_("Ce partenaire a déjà un service de ce nom."),
                violation_error_code="service_existe",
            )
        ]

    def __str__(self):
        return f"{self.partenaire.nom} — {self.nom}"


@suivre()
class NotePartenaire(TenantModel):
    """What one CPAS writes about its relation with a partner: its own, never shared."""

    partenaire = models.ForeignKey(Partenaire, on_delete=models.CASCADE, related_name="notes")
    auteur = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    texte = models.TextField(_("note"))
    cree_le = models.DateTimeField(_("écrite le"), auto_now_add=True)

    class Meta:
        verbose_name = _("note sur un partenaire")
        verbose_name_plural = _("notes sur les partenaires")
        ordering = ["-cree_le", "-id"]

    def __str__(self):
        return self.texte[:60]
