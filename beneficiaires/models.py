"""The person's file: identity and NISS, RIS/ERIS rights, obstacles (freins) and the versioned
bilan socioprofessionnel (BSP)."""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeOperators
from django.db import models
from django.db.models import F, Func, Q
from django.utils.translation import gettext_lazy as _

from cpas_isp.historique import suivre
from cpas_isp.models import Cpas, Langue, ListeReference, TenantQuerySet

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
        from cpas_isp import permissions as p
        from cpas_isp.tenancy import current_membership

        from . import hooks

        qs = self.for_user(user)
        if not p.peut_suivre_beneficiaires(user):
            return qs.none()
        if p.peut_voir_tous_les_dossiers(user):
            return qs
        condition = Q(referent=user)
        membership = current_membership(user)
        if membership.cellule_id and hooks.cellule_filter_registered():
            dans_cellule = hooks.filtrer_par_cellule(
                Beneficiaire.objects.filter(cpas_id=membership.cpas_id), membership.cellule
            )
            condition |= Q(pk__in=dans_cellule.values("pk"))
        return qs.filter(condition)


class Unaccent(Func):
    """``isp_unaccent(text)``: immutable wrapper around unaccent() + lower()."""

    function = "isp_unaccent"
    output_field = models.TextField()


@suivre()
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
    # Lower-case unaccented "nom prenom", set by the database (trigger below) on every write,
    # so that search reads a column served by a trigram index (queries.rechercher).
    nom_recherche = models.TextField(editable=False, blank=True, default="")

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

    @property
    def nom_complet(self):
        return f"{self.prenom} {self.nom}".strip()

    def age_le(self, date):
        if not self.date_naissance:
            return None
        d = self.date_naissance
        return date.year - d.year - ((date.month, date.day) < (d.month, d.day))

    def clean(self):
        from django.core.exceptions import ValidationError

        from .niss import analyser_niss, incoherences

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


@suivre()
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


class Frein(ListeReference):
    """Reference list of obstacles (freins) with FR/NL labels, shared by every CPAS.

    ``sensible``: health or judicial data (GDPR art. 9 and 10): only a flag is recorded (who and
    when), never a diagnosis or a comment, and it is shown only to those who need it."""

    sensible = models.BooleanField(
        _("donnée sensible (santé, judiciaire)"),
        default=False,
        help_text=_(
            "Visible seulement du référent, de la cellule de la personne et des "
            "coordinateurs ; jamais des partenaires."
        ),
    )

    class Meta(ListeReference.Meta):
        verbose_name = _("frein")
        verbose_name_plural = _("freins (liste de référence)")


class FreinBeneficiaireQuerySet(TenantQuerySet):
    def en_cours_le(self, date):
        return self.filter(Q(fin__isnull=True) | Q(fin__gte=date), debut__lte=date)

    def non_sensibles(self):
        return self.filter(frein__sensible=False)


@suivre()
class FreinBeneficiaire(models.Model):
    """An obstacle noted for a person: who noted it, since when, until when (optional)."""

    cpas = models.ForeignKey(Cpas, on_delete=models.PROTECT, related_name="+")
    beneficiaire = models.ForeignKey(Beneficiaire, on_delete=models.CASCADE, related_name="freins")
    frein = models.ForeignKey(
        Frein, on_delete=models.PROTECT, related_name="+", verbose_name=_("frein")
    )
    debut = models.DateField(_("noté le"))
    fin = models.DateField(_("levé le"), null=True, blank=True)
    commentaire = models.CharField(
        _("commentaire"),
        max_length=500,
        blank=True,
        help_text=_("Jamais de diagnostic ni de détail pour un frein sensible."),
    )
    note_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("noté par"),
    )
    cree_le = models.DateTimeField(auto_now_add=True)

    objects = FreinBeneficiaireQuerySet.as_manager()

    class Meta:
        verbose_name = _("frein d'un bénéficiaire")
        verbose_name_plural = _("freins des bénéficiaires")
        ordering = ["beneficiaire", "-debut", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(fin__isnull=True) | Q(fin__gte=F("debut")),
                name="frein_fin_apres_debut",
            ),
            models.UniqueConstraint(
                fields=["beneficiaire", "frein"],
                condition=Q(fin__isnull=True),
                name="frein_un_seul_ouvert_par_personne",
            ),
        ]
        indexes = [models.Index(fields=["cpas", "frein"])]

    def __str__(self):
        return str(self.frein)


class BilanQuerySet(TenantQuerySet):
    pass


# The sections of the bilan socioprofessionnel (field name, label), in reading order.
SECTIONS_BSP = [
    ("projet", _("Idée ou projet professionnel")),
    ("contexte", _("Contexte de vie")),
    ("competences_acquises", _("Compétences acquises")),
    ("competences_latentes", _("Compétences latentes")),
    ("aspirations", _("Aspirations")),
    ("atouts", _("Atouts")),
    ("freins_constates", _("Freins constatés")),
    ("besoins_formation", _("Besoins de formation")),
    ("cv", _("CV et expériences")),
]


@suivre()
class BilanSocioProfessionnel(models.Model):
    """One version of a person's BSP. Saving the BSP creates a new version; versions are
    never edited, so the history shows what the assessment said at each date."""

    cpas = models.ForeignKey(Cpas, on_delete=models.PROTECT, related_name="+")
    beneficiaire = models.ForeignKey(Beneficiaire, on_delete=models.CASCADE, related_name="bilans")
    version = models.PositiveIntegerField(_("version"))
    projet = models.TextField(_("idée ou projet professionnel"), blank=True)
    contexte = models.TextField(_("contexte de vie"), blank=True)
    competences_acquises = models.TextField(_("compétences acquises"), blank=True)
    competences_latentes = models.TextField(_("compétences latentes"), blank=True)
    aspirations = models.TextField(_("aspirations"), blank=True)
    atouts = models.TextField(_("atouts"), blank=True)
    freins_constates = models.TextField(_("freins constatés"), blank=True)
    besoins_formation = models.TextField(_("besoins de formation"), blank=True)
    cv = models.TextField(_("CV et expériences"), blank=True)
    auteur = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("auteur"),
    )
    cree_le = models.DateTimeField(_("enregistré le"), auto_now_add=True)

    objects = BilanQuerySet.as_manager()

    class Meta:
        verbose_name = _("bilan socioprofessionnel")
        verbose_name_plural = _("bilans socioprofessionnels")
        ordering = ["beneficiaire", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["beneficiaire", "version"], name="bilan_version_unique"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="bilan_version_positive"),
        ]

    def __str__(self):
        return _("BSP version %(v)s") % {"v": self.version}

    def sections(self):
        return [(name, label, getattr(self, name)) for name, label in SECTIONS_BSP]


class StatutLot(models.TextChoices):
    """uploaded -> EN_ANALYSE (queued, then running) -> ANALYSE (results stored, waiting for
    confirmation) -> EN_IMPORT (queued, then running) -> IMPORTE, or ECHEC; ANNULE by the
    user. EN_ANALYSE and EN_IMPORT are held by a worker under a lease (see cpas_isp.baux)."""

    EN_ANALYSE = "en_analyse", _("Analyse en cours")
    ANALYSE = "analyse", _("Analysé, en attente de confirmation")
    EN_IMPORT = "en_import", _("Import en cours")
    IMPORTE = "importe", _("Importé")
    ECHEC = "echec", _("Échec")
    ANNULE = "annule", _("Annulé")


STATUTS_EN_TRAITEMENT = (StatutLot.EN_ANALYSE, StatutLot.EN_IMPORT)


@suivre(
    exclude=[
        "contenu",
        "entete",
        "erreurs_fichier",
        "bail_expire_le",
        "etape",
        "progression_fait",
        "progression_total",
    ]
)
class LotImport(models.Model):
    """A file uploaded by the CPAS administrator (staged import): analysed once in the
    background (its rows and their errors stored in ``LigneLot``), shown, then imported in the
    background or cancelled. The file content and stored rows are erased once it is done."""

    cpas = models.ForeignKey(Cpas, on_delete=models.PROTECT, related_name="+")
    type = models.CharField(_("type"), max_length=40)
    nom_fichier = models.CharField(_("fichier"), max_length=255)
    contenu = models.BinaryField(_("contenu"), editable=False)
    statut = models.CharField(
        _("statut"), max_length=12, choices=StatutLot.choices, default=StatutLot.EN_ANALYSE
    )
    langue = models.CharField(_("langue des messages"), max_length=10, blank=True)
    valides_seulement = models.BooleanField(_("lignes valides seulement"), default=False)
    nb_lignes = models.PositiveIntegerField(_("lignes"), default=0)
    nb_valides = models.PositiveIntegerField(_("lignes valides"), default=0)
    nb_rejetees = models.PositiveIntegerField(_("lignes rejetées"), default=0)
    nb_crees = models.PositiveIntegerField(_("créés"), default=0)
    nb_modifies = models.PositiveIntegerField(_("modifiés"), default=0)
    nb_inchanges = models.PositiveIntegerField(_("inchangés"), default=0)
    encodage = models.CharField(_("encodage"), max_length=20, blank=True)
    separateur = models.CharField(_("séparateur"), max_length=2, blank=True)
    entete = models.JSONField(_("en-tête"), default=list, blank=True)
    erreurs_fichier = models.JSONField(_("erreurs du fichier"), default=list, blank=True)
    erreur = models.TextField(_("erreur"), blank=True)
    tache_id = models.CharField(_("identifiant de tâche"), max_length=255, blank=True)
    debut_traitement = models.DateTimeField(_("traitement commencé le"), null=True, blank=True)
    bail_expire_le = models.DateTimeField(_("réservation jusqu'au"), null=True, blank=True)
    relances = models.PositiveSmallIntegerField(_("relances automatiques"), default=0)
    etape = models.CharField(_("étape"), max_length=20, blank=True)
    progression_fait = models.PositiveIntegerField(default=0)
    progression_total = models.PositiveIntegerField(default=0)
    cree_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("déposé par"),
    )
    cree_le = models.DateTimeField(_("déposé le"), auto_now_add=True)
    traite_le = models.DateTimeField(_("traité le"), null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("import de fichier")
        verbose_name_plural = _("imports de fichiers")
        ordering = ["-cree_le", "-id"]
        indexes = [
            models.Index(
                fields=["bail_expire_le"],
                name="lot_import_en_traitement",
                condition=Q(statut__in=["en_analyse", "en_import"]),
            )
        ]

    def __str__(self):
        return f"{self.nom_fichier} ({self.type})"

    @property
    def en_traitement(self) -> bool:
        return self.statut in STATUTS_EN_TRAITEMENT

    @property
    def interrompu(self) -> bool:
        from django.utils import timezone

        return (
            self.en_traitement
            and self.bail_expire_le is not None
            and self.bail_expire_le < timezone.now()
        )

    @property
    def pourcentage(self) -> int:
        if not self.progression_total:
            return 0
        return min(100, int(100 * self.progression_fait / self.progression_total))


class LigneLot(models.Model):
    """One row of an analysed file, as the analysis left it: its cells, its errors and what the
    import would do. Staging data, deleted when the batch is imported or cancelled."""

    lot = models.ForeignKey(LotImport, on_delete=models.CASCADE, related_name="lignes")
    numero = models.PositiveIntegerField(_("ligne"))
    valide = models.BooleanField(_("valide"))
    valeurs = models.JSONField(_("valeurs"), default=dict)
    brut = models.JSONField(_("ligne lue"), null=True, blank=True)  # rejected rows only
    erreurs = models.JSONField(_("erreurs"), default=list)  # [[colonne, message], ...]
    action = models.CharField(_("action"), max_length=12, blank=True)
    personne_id = models.BigIntegerField(
        _("bénéficiaire existant"), null=True, blank=True
    )  # for the access log of the page showing the row

    class Meta:
        verbose_name = _("ligne de fichier importé")
        verbose_name_plural = _("lignes de fichiers importés")
        ordering = ["lot", "numero"]
        constraints = [
            models.UniqueConstraint(fields=["lot", "numero"], name="ligne_lot_unique"),
        ]
        indexes = [models.Index(fields=["lot", "valide", "numero"], name="ligne_lot_valide")]

    def erreurs_ligne(self):
        from .importation import ErreurLigne

        return [ErreurLigne(self.numero, colonne, message) for colonne, message in self.erreurs]
