"""Documents of a person's file: the uploaded file (in Django's storage under a random name),
what was checked about it (type detected from the content, size, SHA-256, malware scan), its
category (reference list; ``sensible`` categories follow the sensitive-obstacle rule), an
optional expiry date and at most one object of the file it belongs to (a journal step, a PIIS,
a referral, an article 60 contract). A partner sees a document only when an agent shared it with
the referral sent to them (``PartageDocument``)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Func, Q
from django.db.models.lookups import LessThanOrEqual
from django.utils.translation import gettext_lazy as _

from beneficiaires.models import Beneficiaire
from cpas_isp.historique import suivre
from cpas_isp.models import ListeReference, TenantModel, TenantQuerySet

TAILLE_MAX_MO_DEFAUT = 10


class CategorieDocument(ListeReference):
    """Reference list of document categories (FR/NL): shared entries, and a CPAS's own."""

    sensible = models.BooleanField(
        _("donnée sensible (santé, judiciaire)"),
        default=False,
        help_text=_(
            "Visible seulement du référent, de la cellule de la personne et des "
            "coordinateurs ; jamais partagé avec un partenaire."
        ),
    )

    class Meta(ListeReference.Meta):
        verbose_name = _("catégorie de document")
        verbose_name_plural = _("catégories de documents (liste de référence)")


@suivre()
class ParametresDocuments(TenantModel):
    """A CPAS's settings for documents (one row per CPAS; without it, the defaults)."""

    cpas = models.OneToOneField(
        "cpas_isp.Cpas", on_delete=models.PROTECT, related_name="parametres_documents"
    )
    taille_max_mo = models.PositiveSmallIntegerField(
        _("taille maximale d'un document (Mo)"),
        default=TAILLE_MAX_MO_DEFAUT,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )

    class Meta:
        verbose_name = _("paramètres des documents")
        verbose_name_plural = _("paramètres des documents")
        constraints = [
            models.CheckConstraint(
                condition=Q(taille_max_mo__gte=1, taille_max_mo__lte=100),
                name="documents_taille_max_entre_1_et_100",
                violation_error_message=_("La taille maximale va de 1 à 100 Mo."),
            )
        ]

    def __str__(self):
        return str(self.cpas)


class StatutAnalyse(models.TextChoices):
    EN_ATTENTE = "en_attente", _("non analysé")
    SAIN = "sain", _("sain")
    INFECTE = "infecte", _("infecté")
    ERREUR = "erreur", _("erreur d'analyse")


LIENS = ("etape", "piis", "orientation", "contrat")


class DocumentQuerySet(TenantQuerySet):
    def expirant_avant(self, date):
        return self.filter(expire_le__isnull=False, expire_le__lte=date)


@suivre()
class Document(TenantModel):
    beneficiaire = models.ForeignKey(
        Beneficiaire,
        on_delete=models.CASCADE,
        related_name="documents",
        verbose_name=_("bénéficiaire"),
    )
    categorie = models.ForeignKey(
        CategorieDocument,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("catégorie"),
    )
    # At most one object of the person's file (check constraint "un_seul_lien").
    etape = models.ForeignKey(
        "trajets.Etape",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("étape du journal"),
    )
    piis = models.ForeignKey(
        "trajets.Piis",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("PIIS"),
    )
    orientation = models.ForeignKey(
        "partenaires.Orientation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("orientation"),
    )
    contrat = models.ForeignKey(
        "trajets.ContratArticle60",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("contrat article 60"),
    )
    # The storage name (random, never the user's file name): storage.open(fichier).
    fichier = models.CharField(max_length=200, unique=True, editable=False)
    nom_original = models.CharField(_("nom du fichier"), max_length=255)
    type_contenu = models.CharField(_("type de contenu"), max_length=120)
    taille = models.PositiveBigIntegerField(_("taille (octets)"))
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)
    expire_le = models.DateField(_("expire le"), null=True, blank=True)
    depose_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("déposé par"),
    )
    depose_le = models.DateTimeField(_("déposé le"), auto_now_add=True)
    statut_analyse = models.CharField(
        _("analyse antivirus"),
        max_length=10,
        choices=StatutAnalyse.choices,
        default=StatutAnalyse.EN_ATTENTE,
    )
    analyse_le = models.DateTimeField(_("analysé le"), null=True, blank=True)
    signature_virus = models.CharField(_("menace détectée"), max_length=200, blank=True)

    objects = DocumentQuerySet.as_manager()

    #: A document carries its person's CPAS (foreign key ``document_cpas_de_la_personne``,
    #: migration 0006): ``beneficiaires.acces.objets_visibles`` relies on it.
    personne_du_cpas = "beneficiaire"

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-depose_le", "-id"]
        constraints = [
            models.CheckConstraint(
                # PostgreSQL's num_nonnulls over the link columns: a new kind of link (an
                # activity) is one more name in LIENS and in this list.
                condition=LessThanOrEqual(
                    Func(
                        *(F(f"{champ}_id") for champ in LIENS),
                        function="num_nonnulls",
                        output_field=models.IntegerField(),
                    ),
                    1,
                ),
                name="document_un_seul_lien",
                violation_error_code="plusieurs_liens",
                violation_error_message=_(
                    "Un document se rattache à un seul élément du dossier (étape, PIIS, "
                    "orientation ou contrat)."
                ),
            ),
            models.CheckConstraint(
                condition=Q(taille__gte=1),
                name="document_non_vide",
                violation_error_message=_("Le fichier est vide."),
            ),
            models.CheckConstraint(
                condition=Q(sha256__regex=r"^[0-9a-f]{64}$"),
                name="document_sha256_hex",
                violation_error_message=_("Empreinte SHA-256 invalide."),
            ),
        ]
        indexes = [
            models.Index(fields=["cpas", "beneficiaire", "depose_le"]),
            models.Index(
                fields=["cpas", "expire_le"],
                name="document_expiration",
                condition=Q(expire_le__isnull=False),
            ),
            # Mes échéances reads a person's expiring documents per person it may see (an
            # agent's ~1,800): a probe of the people's few dated documents, not of all of them
            # and each row's page (5,500 -> 3,700 pages on the bench).
            models.Index(
                fields=["beneficiaire", "expire_le"],
                name="document_expiration_personne",
                condition=Q(expire_le__isnull=False),
            ),
            models.Index(
                fields=["statut_analyse"],
                name="document_a_analyser",
                condition=Q(statut_analyse__in=["en_attente", "erreur"]),
            ),
        ]

    def __str__(self):
        return self.nom_original

    @property
    def lien(self):
        """The object of the file the document belongs to, or None."""
        for champ in LIENS:
            if getattr(self, f"{champ}_id"):
                return getattr(self, champ)
        return None

    @property
    def telechargeable(self) -> bool:
        return self.statut_analyse == StatutAnalyse.SAIN


@suivre()
class PartageDocument(TenantModel):
    """A document an agent shared with a referral: the partner it was sent to may download it
    from their portal. Unsharing deletes the row (the history keeps who shared when)."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="partages")
    orientation = models.ForeignKey(
        "partenaires.Orientation", on_delete=models.CASCADE, related_name="partages_documents"
    )
    partage_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    partage_le = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("partage de document")
        verbose_name_plural = _("partages de documents")
        constraints = [
            models.UniqueConstraint(
                fields=["document", "orientation"],
                name="partage_document_unique",
                violation_error_message=_("Ce document est déjà partagé avec cette orientation."),
            )
        ]

    def __str__(self):
        return f"{self.document} → {self.orientation_id}"
