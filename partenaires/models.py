"""Partner organisations and their services (shared by every CPAS), and what each CPAS does with
them: referrals (orientations) and their workflow, partnership conventions with cost sharing,
programmes and their cohorts."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from beneficiaires.models import Beneficiaire
from cpas_isp.historique import suivre
from cpas_isp.models import Cpas, ListeReference, Role, TenantQuerySet

MONTANT = {"max_digits": 12, "decimal_places": 2}


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
                fields=["nom", "commune"], name="partenaire_nom_unique_par_commune"
            )
        ]

    def __str__(self):
        return self.nom

    def modifiable_par(self, user) -> bool:
        """Only the managing CPAS's coordinators and administrators edit the record."""
        from cpas_isp.permissions import peut_gerer_partenaires
        from cpas_isp.tenancy import current_membership

        membership = current_membership(user)
        return (
            membership is not None
            and self.gere_par_id is not None
            and membership.cpas_id == self.gere_par_id
            and peut_gerer_partenaires(user)
        )


@suivre()
class SuggestionPartenaire(models.Model):
    """A change another CPAS suggests to the managing CPAS of a partner's record."""

    partenaire = models.ForeignKey(Partenaire, on_delete=models.CASCADE, related_name="suggestions")
    cpas = models.ForeignKey(
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
                fields=["partenaire", "nom"], name="service_nom_unique_par_partenaire"
            )
        ]

    def __str__(self):
        return f"{self.partenaire.nom} — {self.nom}"


@suivre()
class ComptePartenaire(models.Model):
    """Links a partner user (role ``partenaire`` in a CPAS) to the organisation they work for."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="compte_partenaire",
        verbose_name=_("utilisateur"),
    )
    partenaire = models.ForeignKey(
        Partenaire,
        on_delete=models.PROTECT,
        related_name="comptes",
        verbose_name=_("partenaire"),
    )

    class Meta:
        verbose_name = _("compte partenaire")
        verbose_name_plural = _("comptes partenaires")

    def __str__(self):
        return f"{self.user} → {self.partenaire}"

    def clean(self):
        from django.core.exceptions import ValidationError

        if (
            self.user_id
            and not self.user.memberships.filter(role=Role.PARTENAIRE, actif=True).exists()
        ):
            raise ValidationError(
                {"user": _("Cet utilisateur n'a le rôle « partenaire » dans aucun CPAS.")}
            )


@suivre()
class NotePartenaire(models.Model):
    """What one CPAS writes about its relation with a partner: its own, never shared."""

    cpas = models.ForeignKey(Cpas, on_delete=models.PROTECT, related_name="+")
    partenaire = models.ForeignKey(Partenaire, on_delete=models.CASCADE, related_name="notes")
    auteur = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    texte = models.TextField(_("note"))
    cree_le = models.DateTimeField(_("écrite le"), auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("note sur un partenaire")
        verbose_name_plural = _("notes sur les partenaires")
        ordering = ["-cree_le", "-id"]

    def __str__(self):
        return self.texte[:60]


# --- Referrals ----------------------------------------------------------------------------------


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
    def for_user(self, user):
        """Own CPAS; a partner user only sees what was sent to their organisation."""
        from cpas_isp.tenancy import current_membership

        membership = current_membership(user)
        if membership is None:
            return self.none()
        qs = self.filter(cpas=membership.cpas_id)
        if membership.role == Role.PARTENAIRE:
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
class Orientation(models.Model):
    """A referral of a person to a partner's service. Change ``statut`` only through
    ``partenaires.services.transition`` (the transition table and its log)."""

    cpas = models.ForeignKey(Cpas, on_delete=models.PROTECT, related_name="+")
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
            models.Index(fields=["cpas", "service"]),
            models.Index(
                fields=["cpas", "-date_orientation", "-id"], name="orientation_cpas_date_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(statut__in=StatutOrientation.values),
                name="orientation_statut_valide",
            ),
            models.CheckConstraint(
                condition=Q(resultat="") | Q(resultat__in=ResultatOrientation.values),
                name="orientation_resultat_valide",
            ),
            models.CheckConstraint(
                condition=~Q(statut=StatutOrientation.REFUSEE) | ~Q(motif_refus=""),
                name="orientation_refus_motive",
            ),
            models.CheckConstraint(
                condition=Q(statut=StatutOrientation.TERMINEE, resultat__gt="")
                | (~Q(statut=StatutOrientation.TERMINEE) & Q(resultat="")),
                name="orientation_resultat_si_terminee",
            ),
            models.CheckConstraint(
                condition=Q(type_qualification="") | Q(resultat=ResultatOrientation.QUALIFICATION),
                name="orientation_qualification_si_resultat",
            ),
            models.CheckConstraint(
                condition=Q(date_envoi__isnull=True) | ~Q(statut=StatutOrientation.PROPOSEE),
                name="orientation_proposee_sans_envoi",
            ),
            models.CheckConstraint(
                condition=Q(date_fin__isnull=True)
                | Q(date_debut__isnull=True)
                | Q(date_fin__gte=F("date_debut")),
                name="orientation_fin_apres_debut",
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
class TransitionOrientation(models.Model):
    """The log of a referral's workflow: who moved it, when, from which status to which."""

    cpas = models.ForeignKey(Cpas, on_delete=models.PROTECT, related_name="+")
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

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("changement de statut")
        verbose_name_plural = _("changements de statut")
        ordering = ["quand", "id"]

    def __str__(self):
        return f"{self.de_statut or '∅'} → {self.vers_statut}"


@suivre()
class MessageOrientation(models.Model):
    """A message between the partner and the referring agent about one referral."""

    cpas = models.ForeignKey(Cpas, on_delete=models.PROTECT, related_name="+")
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

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["cree_le", "id"]

    def __str__(self):
        return self.texte[:60]


@suivre()
class PresenceOrientation(models.Model):
    """Attendance recorded by the partner (a session, a day, a week of training)."""

    cpas = models.ForeignKey(Cpas, on_delete=models.PROTECT, related_name="+")
    orientation = models.ForeignKey(Orientation, on_delete=models.CASCADE, related_name="presences")
    date = models.DateField(_("date"))
    present = models.BooleanField(_("présent"), default=True)
    commentaire = models.CharField(_("commentaire"), max_length=300, blank=True)
    saisi_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("présence")
        verbose_name_plural = _("présences")
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["orientation", "date"], name="presence_une_par_jour_et_orientation"
            )
        ]

    def __str__(self):
        return f"{self.date:%d/%m/%Y} {'✓' if self.present else '✗'}"


# --- Conventions ----------------------------------------------------------------------------


class RegleRepartition(models.TextChoices):
    PRORATA_HABITANTS = "prorata_habitants", _("Au prorata des habitants")
    PARTS_EGALES = "parts_egales", _("Parts égales")
    MONTANTS_FIXES = "montants_fixes", _("Montants fixes")


class SourceFinancement(models.TextChoices):
    FEDERAL = "federal", _("État fédéral (SPP Intégration sociale)")
    REGIONAL = "regional", _("Région")
    FSE = "fse", _("Fonds social européen (FSE+)")
    COMMUNE = "commune", _("Commune")
    FONDS_PROPRES = "fonds_propres", _("Fonds propres d'un partenaire")
    AUTRE = "autre", _("Autre")


class ConventionQuerySet(TenantQuerySet):
    def for_user(self, user):
        """Conventions to which the user's current CPAS is a party (partners: none)."""
        from cpas_isp.tenancy import current_membership

        membership = current_membership(user)
        if membership is None or membership.role == Role.PARTENAIRE:
            return self.none()
        return self.filter(parties_cpas__cpas=membership.cpas_id).distinct()


@suivre()
class Convention(models.Model):
    """A partnership agreement between one or more CPAS and one or more partners. ``cpas`` is
    the CPAS that manages it (it encodes and edits it); the others are parties that read it."""

    cpas = models.ForeignKey(
        Cpas, on_delete=models.PROTECT, related_name="+", verbose_name=_("CPAS gestionnaire")
    )
    titre = models.CharField(_("titre"), max_length=200)
    objet = models.TextField(_("objet"), blank=True)
    partenaires = models.ManyToManyField(
        Partenaire, related_name="conventions", verbose_name=_("partenaires"), blank=True
    )
    debut = models.DateField(_("début"))
    fin = models.DateField(_("fin"))
    places = models.PositiveIntegerField(_("places ou postes offerts"), null=True, blank=True)
    budget_total = models.DecimalField(
        _("budget total (€)"), validators=[MinValueValidator(0)], **MONTANT
    )
    regle_repartition = models.CharField(
        _("répartition du solde entre les CPAS"),
        max_length=20,
        choices=RegleRepartition.choices,
        default=RegleRepartition.PRORATA_HABITANTS,
    )
    minerval = models.DecimalField(
        _("minerval par participant (€)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        **MONTANT,
    )
    part_minerval_cpas = models.PositiveSmallIntegerField(
        _("part du minerval à charge du CPAS (%)"),
        default=50,
        validators=[MaxValueValidator(100)],
    )
    cree_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    cree_le = models.DateTimeField(auto_now_add=True)
    modifie_le = models.DateTimeField(auto_now=True)

    objects = ConventionQuerySet.as_manager()

    class Meta:
        verbose_name = _("convention de partenariat")
        verbose_name_plural = _("conventions de partenariat")
        ordering = ["-debut", "titre", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(fin__gte=F("debut")), name="convention_dates"),
            models.CheckConstraint(
                condition=Q(budget_total__gte=0), name="convention_budget_positif"
            ),
            models.CheckConstraint(
                condition=Q(part_minerval_cpas__lte=100), name="convention_part_minerval_pct"
            ),
            models.CheckConstraint(
                condition=Q(regle_repartition__in=RegleRepartition.values),
                name="convention_regle_valide",
            ),
        ]

    def __str__(self):
        return self.titre


@suivre()
class PartieCpas(models.Model):
    """A CPAS party to a convention. ``habitants`` is the population used for the pro rata
    split (copied from the CPAS when added, kept so the split does not move afterwards)."""

    convention = models.ForeignKey(
        Convention, on_delete=models.CASCADE, related_name="parties_cpas"
    )
    cpas = models.ForeignKey(Cpas, on_delete=models.PROTECT, related_name="+")
    habitants = models.PositiveIntegerField(_("habitants"), null=True, blank=True)
    montant_fixe = models.DecimalField(
        _("montant fixe (€)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        **MONTANT,
    )

    class Meta:
        verbose_name = _("CPAS partie")
        verbose_name_plural = _("CPAS parties")
        ordering = ["convention", "cpas__nom"]
        constraints = [
            models.UniqueConstraint(
                fields=["convention", "cpas"], name="partie_cpas_unique_par_convention"
            )
        ]

    def __str__(self):
        return str(self.cpas)


@suivre()
class Financement(models.Model):
    convention = models.ForeignKey(
        Convention, on_delete=models.CASCADE, related_name="financements"
    )
    source = models.CharField(_("source"), max_length=15, choices=SourceFinancement.choices)
    libelle = models.CharField(_("précision"), max_length=200, blank=True)
    montant = models.DecimalField(_("montant (€)"), validators=[MinValueValidator(0)], **MONTANT)

    class Meta:
        verbose_name = _("financement")
        verbose_name_plural = _("financements")
        ordering = ["convention", "source", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(montant__gte=0), name="financement_positif")
        ]

    def __str__(self):
        return f"{self.get_source_display()} {self.montant} €"


# --- Programmes and cohorts ---------------------------------------------------------------


class ProgrammeQuerySet(TenantQuerySet):
    def for_user(self, user):
        """Programmes run by or with the user's current CPAS (partners: none)."""
        from cpas_isp.tenancy import current_membership

        membership = current_membership(user)
        if membership is None or membership.role == Role.PARTENAIRE:
            return self.none()
        return self.filter(
            Q(cpas=membership.cpas_id) | Q(cpas_participants=membership.cpas_id)
        ).distinct()


@suivre()
class Programme(models.Model):
    cpas = models.ForeignKey(
        Cpas, on_delete=models.PROTECT, related_name="+", verbose_name=_("CPAS porteur")
    )
    titre = models.CharField(_("titre"), max_length=200)
    thematique = models.ForeignKey(
        Thematique, on_delete=models.PROTECT, related_name="programmes", verbose_name=_("thème")
    )
    description = models.TextField(_("description"), blank=True)
    cpas_participants = models.ManyToManyField(
        Cpas, related_name="programmes", blank=True, verbose_name=_("autres CPAS participants")
    )
    partenaires = models.ManyToManyField(
        Partenaire, related_name="programmes", blank=True, verbose_name=_("partenaires")
    )
    debut = models.DateField(_("début"))
    fin = models.DateField(_("fin"), null=True, blank=True)
    objectif_participants = models.PositiveIntegerField(
        _("objectif (participants)"), validators=[MinValueValidator(1)]
    )
    duree_max_mois = models.PositiveSmallIntegerField(
        _("durée maximale d'accompagnement (mois)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
    )
    cree_le = models.DateTimeField(auto_now_add=True)

    objects = ProgrammeQuerySet.as_manager()

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["-debut", "titre", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(fin__isnull=True) | Q(fin__gte=F("debut")), name="programme_dates"
            ),
            models.CheckConstraint(
                condition=Q(objectif_participants__gte=1), name="programme_objectif_positif"
            ),
        ]

    def __str__(self):
        return self.titre


class StatutParticipation(models.TextChoices):
    INSCRIT = "inscrit", _("Inscrit")
    ACTIF = "actif", _("Actif")
    TERMINE = "termine", _("Terminé")
    ABANDON = "abandon", _("Abandon")


class ResultatSortie(models.TextChoices):
    EMPLOI = "emploi", _("Emploi salarié")
    ACTIVITE_PROPRE = "activite_propre", _("Création de sa propre activité")
    FORMATION = "formation", _("Formation qualifiante")
    REPRISE_STRUCTURE = "reprise_structure", _("Projet repris par une structure d'accompagnement")
    REORIENTATION = "reorientation", _("Réorientation")
    SANS_SOLUTION = "sans_solution", _("Sans solution")


SORTIES_POSITIVES = {
    ResultatSortie.EMPLOI,
    ResultatSortie.ACTIVITE_PROPRE,
    ResultatSortie.FORMATION,
    ResultatSortie.REPRISE_STRUCTURE,
}


class ParticipationQuerySet(TenantQuerySet):
    pass


@suivre()
class Participation(models.Model):
    """A person in a programme's cohort. ``cpas`` is the person's CPAS (who sees the row)."""

    cpas = models.ForeignKey(Cpas, on_delete=models.PROTECT, related_name="+")
    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="participations"
    )
    beneficiaire = models.ForeignKey(
        Beneficiaire,
        on_delete=models.CASCADE,
        related_name="participations_programmes",
        verbose_name=_("bénéficiaire"),
    )
    statut = models.CharField(
        _("statut"),
        max_length=10,
        choices=StatutParticipation.choices,
        default=StatutParticipation.INSCRIT,
    )
    date_inscription = models.DateField(_("inscription"))
    date_debut = models.DateField(_("début de l'accompagnement"), null=True, blank=True)
    date_fin = models.DateField(_("fin"), null=True, blank=True)
    resultat = models.CharField(
        _("résultat à la sortie"), max_length=20, choices=ResultatSortie.choices, blank=True
    )

    objects = ParticipationQuerySet.as_manager()

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        ordering = ["programme", "beneficiaire__nom", "beneficiaire__prenom", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "beneficiaire"], name="participation_unique"
            ),
            models.CheckConstraint(
                condition=Q(statut__in=StatutParticipation.values),
                name="participation_statut_valide",
            ),
            models.CheckConstraint(
                condition=Q(date_fin__isnull=True)
                | Q(date_debut__isnull=True)
                | Q(date_fin__gte=F("date_debut")),
                name="participation_dates",
            ),
            models.CheckConstraint(
                condition=Q(statut__in=[StatutParticipation.TERMINE, StatutParticipation.ABANDON])
                | (Q(resultat="") & Q(date_fin__isnull=True)),
                name="participation_sortie_si_terminee",
            ),
            models.CheckConstraint(
                condition=~Q(statut__in=[StatutParticipation.ACTIF, StatutParticipation.TERMINE])
                | Q(date_debut__isnull=False),
                name="participation_debut_si_commencee",
            ),
        ]

    def __str__(self):
        return f"{self.beneficiaire} — {self.programme}"

    @property
    def sortie_positive(self):
        return self.resultat in SORTIES_POSITIVES


@suivre()
class AvisParticipant(models.Model):
    """A participant's feedback: a score from 1 to 5 and a comment."""

    cpas = models.ForeignKey(Cpas, on_delete=models.PROTECT, related_name="+")
    participation = models.ForeignKey(Participation, on_delete=models.CASCADE, related_name="avis")
    date = models.DateField(_("date"))
    score = models.PositiveSmallIntegerField(
        _("satisfaction (1 à 5)"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    commentaire = models.TextField(_("commentaire"), blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("avis de participant")
        verbose_name_plural = _("avis des participants")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=1) & Q(score__lte=5), name="avis_score_1_a_5"
            )
        ]

    def __str__(self):
        return f"{self.score}/5"


# Links added to or removed from a convention or a programme are part of the audit trail too
# (many-to-many rows: insert = added, delete = removed).
for _through, _nom in [
    (Convention.partenaires.through, "ConventionPartenaireEvent"),
    (Programme.partenaires.through, "ProgrammePartenaireEvent"),
    (Programme.cpas_participants.through, "ProgrammeCpasEvent"),
]:
    pghistory.track(
        pghistory.InsertEvent("ajout"),
        pghistory.DeleteEvent("retrait"),
        obj_field=None,
        model_name=_nom,
        app_label="partenaires",
    )(_through)
