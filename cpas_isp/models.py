"""The cross-cutting core: users, the CPAS (tenant), its cellules, memberships and roles,
and the access log of personal files."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Cast
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cpas_isp.historique import suivre
from cpas_isp.memo import Memo


class Langue(models.TextChoices):
    FR = "fr", _("Français")
    NL = "nl", _("Nederlands")


def libelle_bilingue(fr: str, nl: str) -> str:
    """The French or Dutch label, by the active language."""
    return nl if (get_language() or "fr").startswith("nl") else fr


# {(field, language): {value: label}}: each choice field's labels translated once per language.
_LIBELLES_CHOIX: Memo[dict] = Memo(1024)


def libelle_choix(field, value):
    """What ``instance.get_<field>_display()`` gives for ``value``: its choice's label in the
    active language, or the value itself when it is not a choice. Django's method builds the
    dictionary of the field's choices on every call, translating every label to hash it (~30
    us for five choices, a dozen calls on a person page); here it is built once per field and
    language (``Memo``), keyed on the field object (model fields live as long as the
    process)."""
    libelles = _LIBELLES_CHOIX.obtenir(
        (id(field), get_language()),
        lambda: {
            cle: force_str(libelle, strings_only=True)
            for cle, libelle in make_hashable(field.flatchoices)
        },
    )
    try:
        return libelles[value]
    except KeyError:
        return force_str(value, strings_only=True)
    except TypeError:  # an unhashable value (a list): as Django, through make_hashable
        return libelles.get(make_hashable(value), force_str(value, strings_only=True))


class ChoixMemorises:
    """``get_<field>_display()`` through ``libelle_choix`` (same label, memoised): mixed into
    ``TenantModel`` and the core models that pages show. Django binds each model's
    ``get_<field>_display`` to ``cls._get_FIELD_display`` when the class is built."""

    def _get_FIELD_display(self, field):
        return libelle_choix(field, getattr(self, field.attname))


class ListeReferenceQuerySet(models.QuerySet):
    """Entries of a reference list offered to a CPAS: the shared (national) entries and the
    CPAS's own. Every form, filter and import that offers a reference list uses this."""

    def pour_cpas(self, cpas):
        cpas_id = getattr(cpas, "pk", cpas)
        if cpas_id is None:
            return self.filter(cpas__isnull=True)
        return self.filter(models.Q(cpas__isnull=True) | models.Q(cpas_id=cpas_id))

    def for_user(self, user):
        from cpas_isp.tenancy import current_membership  # cycle: tenancy reads Membership

        membership = current_membership(user)
        return self.pour_cpas(membership.cpas_id if membership else None)


class ListeReference(models.Model):
    """A reference list with FR and NL labels (exit reasons, step types, obstacles, partner
    types...). Entries without a CPAS are shared by every CPAS and edited only by a national
    administrator; a CPAS extends the list with entries of its own (``cpas`` set), which only
    it sees and its administrator edits."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    libelle_fr = models.CharField(_("libellé (FR)"), max_length=200)
    libelle_nl = models.CharField(_("libellé (NL)"), max_length=200)
    ordre = models.PositiveSmallIntegerField(_("ordre"), default=100)
    actif = models.BooleanField(_("actif"), default=True)
    cpas = models.ForeignKey(
        "cpas_isp.Cpas",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("CPAS"),
        help_text=_("Vide : entrée commune à tous les CPAS."),
    )

    objects = ListeReferenceQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["ordre", "code"]

    def __str__(self):
        return self.libelle

    @property
    def libelle(self):
        return libelle_bilingue(self.libelle_fr, self.libelle_nl)


class Role(models.TextChoices):
    AGENT = "agent", _("Agent d'insertion")
    COORDINATEUR = "coordinateur", _("Coordinateur")
    DIRECTEUR = "directeur", _("Directeur")
    PARTENAIRE = "partenaire", _("Partenaire")
    ADMIN = "admin", _("Administrateur fonctionnel")


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    # A password change is recorded as the fact that it changed (who, when, from where): the
    # hash itself is never copied into the history.
    pghistory.UpdateEvent("password_changed", condition=pghistory.AnyChange("password")),
    exclude=["password", "last_login", "dernier_resume_le"],
)
class User(AbstractUser):
    langue = models.CharField(
        _("langue de l'interface"), max_length=2, choices=Langue.choices, default=Langue.FR
    )
    resume_notifications = models.BooleanField(
        _("recevoir chaque jour un e-mail résumant mes nouvelles notifications"),
        default=False,
        help_text=_("Un lien vers la liste, sans aucune donnée personnelle dans le message."),
    )
    # When the last daily digest was sent (one per day at most).
    dernier_resume_le = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")

    def __str__(self):
        return self.get_full_name() or self.username


# The cellules every CPAS gets, in the order of the trajectory (code, FR, NL).
CELLULES_ISP = [
    ("facilitateurs", "Facilitateurs de projet", "Projectbegeleiding"),
    ("alpha", "Alphabétisation", "Alfabetisering"),
    ("etudes_formations", "Études et formations", "Studies en opleiding"),
    ("emploi", "Emploi", "Werk"),
    ("article60", "Article 60", "Artikel 60"),
]


class DoubleAuthentification(models.TextChoices):
    """Who must confirm their login with a one-time code (TOTP) in a CPAS. Functional
    administrators and users of the Django admin always must (cpas_isp/deux_facteurs.py)."""

    ADMINS = "admins", _("Administrateurs fonctionnels uniquement")
    TOUS = "tous", _("Tous les rôles")


class CpasQuerySet(models.QuerySet):
    def for_user(self, user):
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(memberships__user=user, memberships__actif=True).distinct()


@suivre()
class Cpas(models.Model):
    code = models.CharField(
        _("code"),
        max_length=20,
        unique=True,
        validators=[
            RegexValidator(
                r"^[a-z0-9][a-z0-9_-]*$", _("Lettres minuscules, chiffres, - et _ uniquement.")
            )
        ],
        help_text=_("Identifiant court, par exemple « bruxelles »."),
    )
    nom = models.CharField(_("nom"), max_length=200)
    commune = models.CharField(_("commune"), max_length=200, blank=True)
    adresse = models.CharField(
        _("adresse"),
        max_length=300,
        blank=True,
        help_text=_("Adresse postale du service, imprimée en en-tête des lettres."),
    )
    telephone = models.CharField(_("téléphone"), max_length=40, blank=True)
    habitants = models.PositiveIntegerField(
        _("habitants"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    langue = models.CharField(
        _("langue par défaut"), max_length=2, choices=Langue.choices, default=Langue.FR
    )
    dashboards_agents_par_cellule = models.BooleanField(
        _("agents : tableaux de bord limités à leur cellule"), default=True
    )
    delai_expiration_orientation = models.PositiveIntegerField(
        _("délai d'expiration des orientations (jours)"),
        default=30,
        validators=[MinValueValidator(1)],
    )

    double_authentification = models.CharField(
        _("double authentification"),
        max_length=10,
        choices=DoubleAuthentification.choices,
        default=DoubleAuthentification.ADMINS,
        help_text=_(
            "Qui doit confirmer sa connexion par un code à usage unique (application "
            "d'authentification). Les administrateurs fonctionnels le doivent toujours."
        ),
    )

    objects = CpasQuerySet.as_manager()

    class Meta:
        verbose_name = _("CPAS")
        verbose_name_plural = _("CPAS")
        ordering = ["nom"]

    def __str__(self):
        return self.nom

    def save(self, *args, **kwargs):
        creating = self._state.adding
        super().save(*args, **kwargs)
        if creating:
            self.creer_cellules_isp()

    def creer_cellules_isp(self):
        for ordre, (code, nom_fr, nom_nl) in enumerate(CELLULES_ISP, start=1):
            Cellule.objects.get_or_create(
                cpas=self, code=code, defaults={"nom_fr": nom_fr, "nom_nl": nom_nl, "ordre": ordre}
            )


class TenantQuerySet(models.QuerySet):
    """Base queryset of tenant-owned rows: ``for_user`` scopes to the user's current CPAS."""

    cpas_lookup = "cpas"

    def for_user(self, user):
        from cpas_isp.tenancy import current_membership  # cycle: tenancy reads Membership

        membership = current_membership(user)
        if membership is None:
            return self.none()
        return self.filter(**{self.cpas_lookup: membership.cpas_id})


class TenantModel(ChoixMemorises, models.Model):
    """Abstract base of every row a CPAS owns: the CPAS foreign key (never editable through a
    form: the view sets it from the user's current CPAS) and ``objects.for_user(user)``.
    A model whose manager has more methods subclasses ``TenantQuerySet`` and sets its own
    ``objects``; one that needs a reverse accessor on ``Cpas`` overrides ``cpas``."""

    cpas = models.ForeignKey("cpas_isp.Cpas", on_delete=models.PROTECT, related_name="+")

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True


@suivre()
class Cellule(models.Model):
    cpas = models.ForeignKey(Cpas, on_delete=models.PROTECT, related_name="cellules")
    code = models.SlugField(_("code"), max_length=40)
    nom_fr = models.CharField(_("nom (FR)"), max_length=200)
    nom_nl = models.CharField(_("nom (NL)"), max_length=200)
    ordre = models.PositiveSmallIntegerField(_("ordre"), default=100)
    active = models.BooleanField(_("active"), default=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("cellule")
        verbose_name_plural = _("cellules")
        ordering = ["cpas", "ordre", "code"]
        constraints = [
            models.UniqueConstraint(fields=["cpas", "code"], name="cellule_code_unique_par_cpas")
        ]

    def __str__(self):
        return self.nom

    @property
    def nom(self):
        return libelle_bilingue(self.nom_fr, self.nom_nl)


class MembershipQuerySet(TenantQuerySet):
    def actives(self):
        return self.filter(actif=True)


@suivre()
class Membership(ChoixMemorises, models.Model):
    """A user's role in one CPAS. Deactivated, never deleted (the audit trail refers to it)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships"
    )
    cpas = models.ForeignKey(Cpas, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices)
    cellule = models.ForeignKey(
        Cellule,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("cellule"),
    )
    actif = models.BooleanField(_("actif"), default=True)
    cree_le = models.DateTimeField(_("créé le"), auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("affiliation")
        verbose_name_plural = _("affiliations")
        ordering = ["cpas__nom", "user__last_name", "user__first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "cpas"],
                condition=models.Q(actif=True),
                name="membership_une_active_par_user_et_cpas",
            )
        ]

    def __str__(self):
        return f"{self.user} — {self.cpas} ({self.get_role_display()})"

    def clean(self):
        if self.cellule_id and self.cpas_id and self.cellule.cpas_id != self.cpas_id:
            raise ValidationError({"cellule": _("Cette cellule appartient à un autre CPAS.")})

    def delete(self, *args, **kwargs):
        raise models.ProtectedError(
            _("Une affiliation se désactive, elle ne se supprime pas."), [self]
        )


class JournalAcces(models.Model):
    """Who looked at which personal file, when, from where (professional secrecy)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("utilisateur"),
    )
    cpas = models.ForeignKey(
        Cpas, on_delete=models.PROTECT, related_name="+", verbose_name=_("CPAS")
    )
    # The object opened (a person, or what belongs to one); empty for a list.
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    object_id = models.BigIntegerField(null=True, blank=True)
    # Every person whose identifying data the page showed (one for a file, many for a list).
    personnes = ArrayField(
        models.BigIntegerField(), verbose_name=_("personnes"), default=list, blank=True
    )
    objet = models.CharField(_("dossier"), max_length=300)
    page = models.CharField(_("page"), max_length=500)
    ip = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    quand = models.DateTimeField(_("quand"), auto_now_add=True, db_index=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("consultation de dossier")
        verbose_name_plural = _("journal des consultations")
        ordering = ["-quand", "-id"]
        indexes = [
            models.Index(fields=["cpas", "content_type", "object_id"]),
            models.Index(fields=["cpas", "user", "quand"], name="journalacces_cpas_user_quand"),
            GinIndex(fields=["personnes"], name="journalacces_personnes_gin"),
        ]

    def __str__(self):
        return f"{self.quand:%Y-%m-%d %H:%M} {self.user} {self.objet}"


def q_evenements_comptes(cpas_id) -> models.Q:
    """Filter on pghistory's ``Events``/``MiddlewareEvents`` selecting the changes to the
    accounts (``UserEvent``: insert, update, password_changed) and memberships
    (``MembershipEvent``) of everyone who belongs or belonged to CPAS ``cpas_id``: the audit
    trail of a user working for several CPAS is visible to each of them."""
    membres = (
        Membership.objects.filter(cpas_id=cpas_id)
        .annotate(uid=Cast("user_id", models.TextField()))
        .values("uid")
    )
    return models.Q(pgh_model="cpas_isp.UserEvent", pgh_obj_id__in=models.Subquery(membres)) | (
        models.Q(pgh_model="cpas_isp.MembershipEvent", pgh_data__cpas_id=cpas_id)
    )


class NatureNotification(models.TextChoices):
    ORIENTATION_REPONSE = "orientation_reponse", _("Orientation : réponse du partenaire")
    ORIENTATION_CLOTUREE = "orientation_cloturee", _("Orientation clôturée")
    ORIENTATION_MESSAGE = "orientation_message", _("Orientation : nouveau message")
    DOSSIER_ATTRIBUE = "dossier_attribue", _("Dossier attribué")
    PIIS_SIGNATURE = "piis_signature", _("PIIS à signer")
    PIIS_EVALUATION = "piis_evaluation", _("Évaluation du PIIS à faire")
    ARTICLE60_FIN = "article60_fin", _("Fin de contrat article 60")


class Notification(models.Model):
    """Something a user should know, shown under the bell until read. No personal text is
    stored (see ``cpas_isp.notifications``); ``personne_id`` (no foreign key: the core does not
    depend on ``beneficiaires``) lets the display check need-to-know and the anonymisation
    delete what concerned an erased person."""

    cpas = models.ForeignKey(Cpas, on_delete=models.PROTECT, related_name="+")
    destinataire = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    nature = models.CharField(_("nature"), max_length=40, choices=NatureNotification.choices)
    content_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    object_id = models.BigIntegerField(null=True, blank=True)
    personne_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    lien = models.CharField(_("lien"), max_length=500, blank=True)
    cle = models.CharField(max_length=200, blank=True)
    cree_le = models.DateTimeField(_("créée le"), auto_now_add=True)
    lue_le = models.DateTimeField(_("lue le"), null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-cree_le", "-id"]
        indexes = [
            models.Index(
                fields=["destinataire", "cree_le"],
                condition=models.Q(lue_le__isnull=True),
                name="notification_non_lues",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["destinataire", "cle"],
                condition=~models.Q(cle=""),
                name="notification_cle_unique",
            ),
        ]

    def __str__(self):
        return f"{self.destinataire_id} {self.nature} {self.cree_le:%Y-%m-%d}"
