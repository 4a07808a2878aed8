"""The person: identity and NISS, the choices describing them, and the one need-to-know rule
(``Beneficiaire.objects.visibles_par``)."""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Func, Q
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cpas_isp import permissions as p
from cpas_isp.historique import suivre
from cpas_isp.listes import url_de
from cpas_isp.memo import Memo
from cpas_isp.models import Cpas, Langue, TenantModel, TenantQuerySet
from cpas_isp.tenancy import current_membership

from .. import hooks
from ..niss import analyser_niss, format_niss, incoherences


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


def voit_tout_le_cpas(user) -> bool:
    """Whether ``visibles_par(user)`` is every person of the user's CPAS (a coordinator)."""
    return p.peut_suivre_beneficiaires(user) and p.peut_voir_tous_les_dossiers(user)


def voit_ses_dossiers(user) -> bool:
    """Whether ``visibles_par(user)`` holds every person of the user's current CPAS whose
    referent they are (any role that works on files: a coordinator sees the whole CPAS, an
    agent the people they refer and their cellule's), so that a query of those people needs
    no check of each against the rule."""
    return p.peut_suivre_beneficiaires(user)


class BeneficiaireQuerySet(TenantQuerySet):
    def actifs(self):
        """Files not closed."""
        return self.filter(date_cloture__isnull=True)

    def visibles_par(self, user):
        """The people ``user`` may see (need-to-know), the one rule every app uses:

        - only the user's current CPAS (``for_user``), and only for roles that work on files
          (agents and coordinators; nobody else sees a person's file);
        - a coordinator sees every file of the CPAS;
        - an agent sees the people they refer, and those currently followed by their cellule
          (the cellule filter registered by trajets in ``beneficiaires.hooks``).

        ``beneficiaires.permissions.peut_voir_beneficiaire`` answers the same question for one
        person and ``beneficiaires.acces.get_beneficiaire_or_404`` fetches one person or 404."""
        qs = self.for_user(user)
        if not p.peut_suivre_beneficiaires(user):
            return qs.none()
        if voit_tout_le_cpas(user):
            return qs
        membership = current_membership(user)
        if not (membership.cellule_id and hooks.cellule_filter_registered()):
            return qs.filter(referent=user)
        # "referent = me OR pk IN (my cellule)" is planned as a scan of every person of the
        # table filtered row by row; "pk IN (people I refer UNION ALL people of my cellule)"
        # reads both small sets through their indexes (same people: the CPAS condition stays
        # outside). UNION ALL, not UNION: when the rule is the inner side of a nested loop
        # (Mes échéances), Postgres pushes the outer person into each branch's index instead of
        # rescanning the whole de-duplicated set for each outer row; IN ignores the duplicates.
        return qs.filter(pk__in=RawSQL(*_ids_agent(user, membership)))


def sql_ids_visibles(user) -> tuple[str, tuple]:
    """SQL and parameters of a one-column query of the ids of ``visibles_par(user)`` (an id may
    come twice), for a consumer that needs only the ids (``= ANY(ARRAY(...))``, ``IN``): the
    same rule. For an agent of a cellule whose ids functions give only people of the cellule's
    CPAS (``hooks.ids_de_cellule_du_cpas``: a database constraint), the union of the people
    they refer and those of their cellule without the check of every id against the person
    table (~1,800 index probes, about half the time of the ids on a large CPAS); otherwise
    ``visibles_par``'s ids. Raises ``EmptyResultSet`` when the rule is empty by construction
    (no current CPAS, a role that sees no file), as ``visibles_par(user)``'s SQL does."""
    membership = current_membership(user)
    if (
        membership is not None
        and membership.cellule_id
        and p.peut_suivre_beneficiaires(user)
        and not voit_tout_le_cpas(user)
        and hooks.ids_de_cellule_du_cpas()
        and membership.cellule.cpas_id == membership.cpas_id
    ):
        return _ids_agent(user, membership)
    return Beneficiaire.objects.visibles_par(user).order_by().values("pk").query.sql_with_params()


def _ids_agent(user, membership) -> tuple[str, tuple]:
    """SQL and parameters of the ids an agent of a cellule may see (see ``visibles_par``),
    built once per user, membership, cellule and day: building the union's querysets cost
    ~1 ms per call (each person-scoped page calls the rule once or more), its SQL is the same
    all day. The key holds every input of the SQL: the user and their CPAS, the cellule and
    its code (the phases it serves), the registered cellule filters and today's date."""
    cellule = membership.cellule
    cle = (
        user.pk,
        membership.cpas_id,
        cellule.pk,
        cellule.cpas_id,
        cellule.code,
        hooks.filtres_cellule(),
        timezone.localdate(),
    )

    def compiler():
        sql, params = ids_suivis(user, membership).query.sql_with_params()
        return sql, tuple(params)

    return _IDS_AGENTS.obtenir(cle, compiler)


def ids_suivis(user, membership):
    """A one-column values queryset of the ids of the people ``user`` refers in their current
    CPAS and of those their cellule currently follows (an id may come twice: UNION ALL of two
    index reads): an agent's need-to-know set (``visibles_par``) and the people whose sensitive
    data they may see (``peut_voir_freins_sensibles``; several at once: the documents), the
    same people under two rules today."""
    base = Beneficiaire.objects.filter(cpas_id=membership.cpas_id)
    mes_dossiers = base.filter(referent=user).order_by().values("pk")
    if not (membership.cellule_id and hooks.cellule_filter_registered()):
        return mes_dossiers
    return mes_dossiers.union(*hooks.ids_de_cellule(base, membership.cellule), all=True)


# The agents of a large deployment, for a day or two.
_IDS_AGENTS: Memo[tuple[str, tuple]] = Memo(2048)


class Unaccent(Func):
    """``isp_unaccent(text)``: immutable wrapper around unaccent() + lower()."""

    function = "isp_unaccent"
    output_field = models.TextField()


# Statement-level audit triggers: see ``DroitAide`` (imports write people by thousands).
@suivre(level=pgtrigger.Statement)
class Beneficiaire(TenantModel):
    # Overrides TenantModel's: ``cpas.beneficiaires`` is used by the apps that count files.
    cpas = models.ForeignKey(Cpas, on_delete=models.PROTECT, related_name="beneficiaires")
    # NULL only for an anonymised file (the unique constraint ignores NULLs).
    niss = models.CharField(
        _("NISS"), max_length=11, null=True, help_text=_("Numéro de registre national ou BIS")
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
    refuse_rappels = models.BooleanField(
        _("ne souhaite pas de rappels"),
        default=False,
        help_text=_("Aucun rappel de rendez-vous ni d'invitation par e-mail ou SMS."),
    )
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
    # Lower-case unaccented "nom prenom", set by the database (trigger below) on every write,
    # so that search reads a column served by a trigram index (queries.rechercher).
    nom_recherche = models.TextField(editable=False, blank=True, default="")
    # Set when the retention period ran out and the file was anonymised (identity erased).
    anonymise_le = models.DateTimeField(_("anonymisé le"), null=True, blank=True, editable=False)

    objects = BeneficiaireQuerySet.as_manager()

    class Meta:
        verbose_name = _("bénéficiaire")
        verbose_name_plural = _("bénéficiaires")
        ordering = ["nom", "prenom", "id"]
        triggers = [
            pgtrigger.Trigger(
                name="nom_recherche",
                operation=pgtrigger.Insert | pgtrigger.Update,
                when=pgtrigger.Before,
                func=(
                    "NEW.nom_recherche := public.isp_unaccent("
                    "coalesce(NEW.nom, '') || ' ' || coalesce(NEW.prenom, '')); RETURN NEW;"
                ),
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["cpas", "niss"],
                name="beneficiaire_niss_unique_par_cpas",
                violation_error_code="niss_existant",
                violation_error_message=_("Ce NISS est déjà celui d'un autre dossier de ce CPAS."),
            ),
            models.CheckConstraint(
                condition=Q(niss__isnull=False, niss__regex=r"^[0-9]{11}$")
                | Q(niss__isnull=True, anonymise_le__isnull=False),
                name="beneficiaire_niss_11_chiffres",
                violation_error_code="niss_invalide",
                violation_error_message=_("Le NISS compte 11 chiffres."),
            ),
            models.CheckConstraint(
                condition=Q(date_cloture__isnull=True)
                | Q(date_ouverture__isnull=True)
                | Q(date_cloture__gte=F("date_ouverture")),
                name="beneficiaire_cloture_apres_ouverture",
                violation_error_code="cloture_avant_ouverture",
                violation_error_message=_("La clôture ne peut précéder l'ouverture du dossier."),
            ),
            # What a composite foreign key (person, CPAS) refers to: an object of a person
            # carrying that person's CPAS (``beneficiaires.acces.objets_visibles``).
            models.UniqueConstraint(fields=["id", "cpas"], name="beneficiaire_id_cpas"),
        ]
        indexes = [
            # Search is scoped to one CPAS: the trigram indexes lead with cpas_id (btree_gin).
            GinIndex(
                F("cpas"),
                OpClass(F("nom_recherche"), name="gin_trgm_ops"),
                name="beneficiaire_cpas_nom_trgm",
            ),
            GinIndex(
                F("cpas"),
                OpClass(F("niss"), name="gin_trgm_ops"),
                name="beneficiaire_cpas_niss_trgm",
            ),
            # The caseload's open files in their default order (``queries.TRIS["nom"]``), read
            # from the index alone: a coordinator's first page stops after its rows, and the
            # need-to-know rule of an agent joins its people to the CPAS's open files by hash
            # instead of looking each one up in the table.
            models.Index(
                fields=["cpas", "nom", "prenom", "id"],
                condition=Q(date_cloture__isnull=True),
                name="beneficiaire_ouverts_par_nom",
            ),
            # The need-to-know rule's "people I refer" (``_ids_agent``): their ids read from
            # the index alone, instead of a bitmap of the CPAS's people and-ed with the
            # referent's, then a visit of each person's page. The id is a key column, not an
            # included one: when the rule is probed for one person (Mes échéances checks each
            # person it lists), (referent, cpas, id) is one descent; with the id only included,
            # every probe read all the referent's entries (600 x 600 on the bench, 7 -> 21 ms).
            models.Index(fields=["referent", "cpas", "id"], name="beneficiaire_referent_cpas"),
            # The dashboard's workload: the referent of each person of the CPAS from the index
            # alone (hashed against the stays running on the date).
            models.Index(
                fields=["cpas"], include=["id", "referent"], name="beneficiaire_cpas_referent"
            ),
        ]

    def __str__(self):
        if self.anonymise_le is not None:
            return _("Dossier anonymisé n° %(n)s") % {"n": self.pk}
        return f"{self.nom.upper()} {self.prenom}"

    def get_absolute_url(self):
        if self.pk is None:  # as reverse() answers it
            return reverse("beneficiaires:detail", kwargs={"pk": self.pk})
        # The route reversed once (url_de), not on each call (~0.1 ms: the person page's
        # breadcrumb, redirects, lists linking their people).
        return url_de("beneficiaires:detail", self.pk)

    @property
    def niss_affiche(self):
        return format_niss(self.niss)

    @property
    def nom_complet(self):
        if self.anonymise_le is not None:
            return str(self)
        return f"{self.prenom} {self.nom}".strip()

    def age_le(self, date):
        if not self.date_naissance:
            return None
        d = self.date_naissance
        return date.year - d.year - ((date.month, date.day) < (d.month, d.day))

    def clean(self):
        if not self.niss:
            return
        try:
            info = analyser_niss(self.niss)
        except ValidationError as exc:
            raise ValidationError({"niss": exc.messages})
        self.niss = info.niss
        erreurs = incoherences(info, self.date_naissance, self.genre)
        if erreurs:
            raise ValidationError(erreurs)
        if not self.date_naissance and info.date_naissance:
            self.date_naissance = info.date_naissance
        if not self.genre and info.genre:
            self.genre = info.genre
