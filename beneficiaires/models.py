"""The person's file: identity and NISS, RIS/ERIS rights."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeOperators
from django.db import models
from django.db.models import F, Func, Q
from django.utils.translation import gettext_lazy as _

from cpas_isp.models import Cpas, Langue, TenantQuerySet

from .niss import format_niss


class Genre(models.TextChoices):
    M = "M", _("Homme")
    F = "F", _("Femme")
    X = "X", _("Autre / inconnu")


class NiveauEtudes(models.TextChoices):
    AUCUN = "aucun", _("Aucun diplôme")
    CEB = "ceb", _("CEB (primaire)")
    CE1D = "ce1d", _("CE1D (1er degré secondaire)")
    CESS = "cess", _("CESS (secondaire supérieur)")
    BACHELIER = "bachelier", _("Bachelier")
    MASTER = "master", _("Master")


class DiplomeEtranger(models.TextChoices):
    AUCUN = "", _("Pas de diplôme étranger")
    RECONNU = "reconnu", _("Diplôme étranger reconnu")
    EN_COURS = "en_cours", _("Reconnaissance en cours")
    NON_RECONNU = "non_reconnu", _("Diplôme étranger non reconnu")


class NiveauLangue(models.TextChoices):
    A0 = "A0", "A0"
    A1 = "A1", "A1"
    A2 = "A2", "A2"
    B1 = "B1", "B1"
    B2 = "B2", "B2"
    C1 = "C1", "C1"
    C2 = "C2", "C2"


class BeneficiaireQuerySet(TenantQuerySet):
    pass


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Beneficiaire(models.Model):
    cpas = models.ForeignKey(Cpas, on_delete=models.PROTECT, related_name="beneficiaires")
    niss = models.CharField(
        _("NISS"), max_length=11, help_text=_("Numéro de registre national ou BIS")
    )
    nom = models.CharField(_("nom"), max_length=150)
    prenom = models.CharField(_("prénom"), max_length=150)
    date_naissance = models.DateField(_("date de naissance"), null=True, blank=True)
    genre = models.CharField(_("genre"), max_length=1, choices=Genre.choices, blank=True)
    nationalite = models.CharField(_("nationalité"), max_length=100, blank=True)
    langue = models.CharField(
        _("langue de contact"), max_length=2, choices=Langue.choices, default=Langue.FR
    )
    adresse = models.CharField(_("adresse"), max_length=300, blank=True)
    code_postal = models.CharField(_("code postal"), max_length=4, blank=True)
    commune = models.CharField(_("commune"), max_length=150, blank=True)
    telephone = models.CharField(_("téléphone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    niveau_etudes = models.CharField(
        _("niveau d'études le plus élevé"), max_length=20, choices=NiveauEtudes.choices, blank=True
    )
    diplome_etranger = models.CharField(
        _("diplôme étranger"), max_length=20, choices=DiplomeEtranger.choices, blank=True
    )
    niveau_fr = models.CharField(
        _("niveau de français"), max_length=2, choices=NiveauLangue.choices, blank=True
    )
    niveau_nl = models.CharField(
        _("niveau de néerlandais"), max_length=2, choices=NiveauLangue.choices, blank=True
    )
    permis_conduire = models.BooleanField(_("permis de conduire"), default=False)
    referent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dossiers_referent",
        verbose_name=_("travailleur social référent"),
    )
    date_ouverture = models.DateField(_("ouverture du dossier"), null=True, blank=True)
    date_cloture = models.DateField(_("clôture du dossier"), null=True, blank=True)
    cree_le = models.DateTimeField(auto_now_add=True)
    modifie_le = models.DateTimeField(auto_now=True)

    objects = BeneficiaireQuerySet.as_manager()

    class Meta:
        verbose_name = _("bénéficiaire")
        verbose_name_plural = _("bénéficiaires")
        ordering = ["nom", "prenom", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cpas", "niss"], name="beneficiaire_niss_unique_par_cpas"
            ),
            models.CheckConstraint(
                condition=Q(niss__regex=r"^[0-9]{11}$"), name="beneficiaire_niss_11_chiffres"
            ),
            models.CheckConstraint(
                condition=Q(date_cloture__isnull=True)
                | Q(date_ouverture__isnull=True)
                | Q(date_cloture__gte=F("date_ouverture")),
                name="beneficiaire_cloture_apres_ouverture",
            ),
        ]

    def __str__(self):
        return f"{self.nom.upper()} {self.prenom}"

    @property
    def niss_affiche(self):
        return format_niss(self.niss)


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


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class DroitAide(models.Model):
    cpas = models.ForeignKey(Cpas, on_delete=models.PROTECT, related_name="+")
    beneficiaire = models.ForeignKey(Beneficiaire, on_delete=models.CASCADE, related_name="droits")
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
            ),
            ExclusionConstraint(
                name="droit_sans_chevauchement",
                expressions=[
                    ("beneficiaire", RangeOperators.EQUAL),
                    (DateRange("debut", "fin", models.Value("[]")), RangeOperators.OVERLAPS),
                ],
            ),
        ]
        indexes = [models.Index(fields=["cpas", "debut"])]

    def __str__(self):
        return (
            f"{self.get_type_display()} {self.debut:%d/%m/%Y}–{self.fin:%d/%m/%Y}"
            if self.fin
            else (f"{self.get_type_display()} {self.debut:%d/%m/%Y}–…")
        )
