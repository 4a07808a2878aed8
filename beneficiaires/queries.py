"""Read side of the person's file: the caseload each user sees, search, filters, sorting and the
target-group conditions, shared by the list page, its exports and the reports."""

from __future__ import annotations

import datetime
import json
from collections.abc import Sequence

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.postgres.search import TrigramSimilarity, TrigramWordSimilarity
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Greatest
from django.utils.functional import SimpleLazyObject, cached_property
from django.utils.translation import gettext_lazy as _

from cpas_isp import lots
from cpas_isp.listes import Tri
from cpas_isp.memo import Memo
from cpas_isp.models import Role
from cpas_isp.sql_compile import SENTINELLES, ExpressionsCompilees, RequeteCompilee

from . import hooks
from .models import (
    Beneficiaire,
    DiplomeEtranger,
    DroitAide,
    NiveauEtudes,
    TypeDroit,
    Unaccent,
)
from .niss import recherche_niss


def noms_visibles(user, ids) -> dict[int, str]:
    """ "Prénom Nom" of the people among ``ids`` that ``user`` may see (need-to-know), in one
    query: what the notifications show (``cpas_isp.notifications.register_personnes``)."""
    return {
        pk: f"{prenom} {nom}"
        for pk, prenom, nom in Beneficiaire.objects.visibles_par(user)
        .filter(pk__in=list(ids))
        .values_list("pk", "prenom", "nom")
    }


# --- Target groups (computed, never typed) ------------------------------------------------------

GROUPES_CIBLES = [
    ("jeune_peu_qualifie", _("Moins de 25 ans, au plus CE1D")),
    ("age_45_55_sans_qualification", _("45–55 ans sans qualification reconnue")),
    ("nouveau_ris", _("Nouveau bénéficiaire RIS")),
]
LIBELLES_GROUPES = dict(GROUPES_CIBLES)
NIVEAUX_AU_PLUS_CE1D = [NiveauEtudes.AUCUN, NiveauEtudes.CEB, NiveauEtudes.CE1D]
NIVEAUX_QUALIFIANTS = [NiveauEtudes.CESS, NiveauEtudes.BACHELIER, NiveauEtudes.MASTER]


def _ans_avant(date: datetime.date, ans: int) -> datetime.date:
    return date - relativedelta(years=ans)  # 29 February -> 28 February


def nouveau_ris_mois() -> int:
    """How long (months) a person counts as a new RIS beneficiary after the start of a right
    that followed at least 3 months without any right (setting, default 12)."""
    return getattr(settings, "BENEFICIAIRES_NOUVEAU_RIS_MOIS", 12)


def condition_groupe(code: str, date: datetime.date):
    """A Q (with subqueries) selecting the people of target group ``code`` on ``date``."""
    if code == "jeune_peu_qualifie":
        return Q(date_naissance__gt=_ans_avant(date, 25), date_naissance__lte=date) & Q(
            niveau_etudes__in=NIVEAUX_AU_PLUS_CE1D
        )
    if code == "age_45_55_sans_qualification":
        return (
            Q(date_naissance__gt=_ans_avant(date, 56), date_naissance__lte=_ans_avant(date, 45))
            & ~Q(niveau_etudes__in=NIVEAUX_QUALIFIANTS)
            & ~Q(diplome_etranger=DiplomeEtranger.RECONNU)
        )
    if code == "nouveau_ris":
        precedent = DroitAide.objects.filter(
            beneficiaire=OuterRef("beneficiaire"),
            debut__lt=OuterRef("debut"),
        ).filter(
            Q(fin__isnull=True)
            | Q(
                fin__gte=ExpressionWrapper(
                    OuterRef("debut") - datetime.timedelta(days=91), output_field=DateField()
                )
            )
        )
        courant = (
            DroitAide.objects.filter(beneficiaire=OuterRef("pk"), type=TypeDroit.RIS)
            .actifs_le(date)
            .filter(debut__gt=date - relativedelta(months=nouveau_ris_mois()))
            .filter(~Exists(precedent))
        )
        return Q(Exists(courant))
    raise ValueError(code)


def annoter_groupes(qs, date: datetime.date):
    """Add one boolean per target group (``groupe_<code>``), in the same query."""
    return qs.annotate(
        **{
            f"groupe_{code}": Case(
                When(condition_groupe(code, date), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
            for code, _label in GROUPES_CIBLES
        }
    )


def groupes_de(b) -> list[tuple[str, str]]:
    """(code, label) of the groups annotated on ``b`` by ``annoter_groupes``."""
    return [(code, label) for code, label in GROUPES_CIBLES if getattr(b, f"groupe_{code}", False)]


def annoter_droit_courant(qs, date: datetime.date, *, categorie: bool = True):
    """The current right's type, category (unless ``categorie=False``: the list does not show
    it, the export does) and start."""
    # One person's rights: the model's ordering ("beneficiaire", "-debut") is "-debut" here,
    # without the join to the person table its first key costs in each subquery.
    courant = (
        DroitAide.objects.filter(beneficiaire=OuterRef("pk")).actifs_le(date).order_by("-debut")
    )
    colonnes = {"droit_type": Subquery(courant.values("type")[:1])}
    if categorie:
        colonnes["droit_categorie"] = Subquery(courant.values("categorie")[:1])
    colonnes["droit_debut"] = Subquery(courant.values("debut")[:1])
    return qs.annotate(**colonnes)


def referents_possibles(cpas):
    """Who may follow a file of ``cpas``: social workers and coordinators with an active role in
    it (the choices of the referent, and the only targets a reassignment accepts)."""
    return (
        get_user_model()
        .objects.filter(
            memberships__cpas=cpas,
            memberships__actif=True,
            memberships__role__in=[Role.AGENT, Role.COORDINATEUR],
            is_active=True,
        )
        .distinct()
        .order_by("last_name", "first_name")
    )


class ChoixFiltres:
    """The choices of the caseload's filter selects (``referents``, ``cellules``, ``freins``:
    querysets, filtered as the page shows them, or callables building them) read together by
    one query when the page first uses one of them (a results-only htmx request uses none, or
    only the referents), or sent with the page's rows (``generateur``), as objects carrying
    what the selects show (key and label fields), in a ``ListeChoix``.

    ``cle``: what the querysets depend on (the CPAS, the user's role...): their SQL is then
    compiled once per key and process (``_REQUETES_CHOIX``), the callables not even called
    again: building and compiling the three querysets took longer than running their query."""

    CHAMPS = {
        "referents": ("id", "first_name", "last_name", "username"),
        "cellules": ("id", "nom_fr", "nom_nl"),
        "freins": ("id", "libelle_fr", "libelle_nl"),
    }

    def __init__(self, cle=None, **querysets):
        self.cle = cle
        self.querysets = querysets

    def __getitem__(self, nom):
        return SimpleLazyObject(lambda: self._listes[nom])

    def _compiler(self):
        """(SQL, params, [(name, model)] read by the query, {name: []} known empty)."""
        requetes, params, lues, vides = [], [], [], {}
        for nom, qs in self.querysets.items():
            if callable(qs):
                qs = qs()
            if qs.query.is_empty():
                vides[nom] = []
                continue
            sql, p = qs.values(*self.CHAMPS[nom]).query.sql_with_params()
            # json_agg reads the subquery's rows in its order (a plain scan of its sorted rows).
            # As text: the same text is the same choices (``ListeChoix.cle_options``).
            requetes.append(f"(SELECT COALESCE(json_agg(t), '[]'::json)::text FROM ({sql}) t)")
            params.extend(p)
            lues.append((nom, qs.model))
        return ("SELECT " + ", ".join(requetes) if requetes else ""), tuple(params), lues, vides

    @cached_property
    def _listes(self) -> dict:
        return lots.executer(self.generateur())

    def generateur(self):
        """The choices (``{name: ListeChoix}``) read as a generator of ``cpas_isp.lots``: their
        query sent with another of the page (its rows, ``views.dossiers.liste``), one round
        trip for both. The page's later uses of the choices read them without a query."""
        if "_listes" in self.__dict__:
            return self._listes
        if self.cle is None:
            requete = self._compiler()
        else:
            requete = _REQUETES_CHOIX.obtenir(self.cle, self._compiler)
        sql, params, lues, vides = requete
        listes = {nom: ListeChoix(valeurs) for nom, valeurs in vides.items()}
        if sql:
            (lignes,) = yield [(sql, params)]
            (ligne,) = lignes
            for (nom, modele), texte in zip(lues, ligne, strict=True):
                # As a queryset of these fields alone builds them (``from_db``: the others
                # deferred): ``modele(**fields)`` gave each of the other fields its default,
                # ~12 µs a user, the referents' select some sixty of them.
                champs = _champs_concrets(modele, self.CHAMPS[nom])
                alias = connection.alias
                valeurs = texte if isinstance(texte, list) else json.loads(texte)
                listes[nom] = ListeChoix(
                    valeurs,
                    cle_options=(modele._meta.label, self.CHAMPS[nom], texte)
                    if isinstance(texte, str)
                    else None,
                    construire=lambda v, m=modele, ch=champs, a=alias: m.from_db(
                        a, ch, [v[c] for c in ch]
                    ),
                )
        self.__dict__["_listes"] = listes
        return listes


class ListeChoix(Sequence):
    """The choices of a filter select, with what they were read from (``cle_options``: the
    model, fields and text of the rows, or None): the same rows give the same ``<option>``
    labels, which ``beneficiaires_tags.options`` then writes once per language and reuses
    (some sixty users' names escaped on every page). Its objects are built from the rows
    (``construire``) when first read: a select written from its memorised options needs none
    (some sixty users built on every page)."""

    def __init__(self, valeurs=(), cle_options=None, construire=None):
        self._valeurs = valeurs
        self._construire = construire
        self.cle_options = cle_options

    @cached_property
    def _objets(self) -> list:
        if self._construire is None:
            return list(self._valeurs)
        return [self._construire(v) for v in self._valeurs]

    def __len__(self):
        return len(self._valeurs)

    def __getitem__(self, index):
        return self._objets[index]

    def __iter__(self):
        return iter(self._objets)


# The target groups' select: constant choices, their labels translated (once per language).
CHOIX_GROUPES = ListeChoix(GROUPES_CIBLES, cle_options=("GROUPES_CIBLES",))


def _champs_concrets(modele, champs) -> list[str]:
    """``champs`` in the order of ``modele``'s concrete fields (``Model.from_db``'s)."""
    return [f.attname for f in modele._meta.concrete_fields if f.attname in champs]


_REQUETES_CHOIX: Memo[tuple] = Memo(256)


# --- Search -------------------------------------------------------------------------------------


def rechercher(qs, terme: str):
    """NISS in any format (partial: at least 3 digits), or name with accents and small typos
    forgiven (pg_trgm on the unaccented "nom prenom" column ``nom_recherche``, kept by a
    database trigger and indexed per CPAS).
    Annotates ``pertinence`` (1 for a NISS match)."""
    terme = (terme or "").strip()
    if not terme:
        return qs
    digits = recherche_niss(terme)
    if digits:
        return qs.filter(niss__contains=digits).annotate(pertinence=Value(1.0))
    # The name search's SQL is compiled once per shape (its lookups and functions took ~1 ms
    # of Python to build and compile on every search); the term is its only parameter.
    compilees = _RECHERCHE_NOM[len(terme) >= 3].expressions(qs.db, terme)
    if compilees is None:
        compilees = _recherche_nom(len(terme) >= 3)(terme)
    return qs.filter(compilees["condition"]).annotate(pertinence=compilees["pertinence"])


def _recherche_nom(trigrammes: bool):
    """``terme -> {"condition", "pertinence"}`` of the name search (``rechercher``)."""

    def construire(terme):
        norm = Unaccent(Value(terme))
        condition = Q(nom_recherche__contains=norm)
        if trigrammes:
            # Both operators are served by the GIN trigram index (migration 0003), with the
            # default thresholds: word similarity (>= 0.6) finds one name typed among "nom
            # prenom", whole similarity (>= 0.3) forgives a bigger typo when the full name is
            # typed.
            condition |= Q(nom_recherche__trigram_word_similar=norm) | Q(
                nom_recherche__trigram_similar=norm
            )
        pertinence = Greatest(
            TrigramWordSimilarity(norm, "nom_recherche"),
            TrigramSimilarity("nom_recherche", norm),
        )
        return {"condition": condition, "pertinence": pertinence}

    return construire


# The stand-in term the SQL is compiled with (never sent to the database: only its place
# among the compiled parameters is looked for).
_TERME_SENTINELLE = "\x00terme de recherche\x00"
# Terms of fewer than 3 characters: the substring only (False); else also the trigrams (True).
_RECHERCHE_NOM = {
    trigrammes: ExpressionsCompilees(Beneficiaire, _recherche_nom(trigrammes), [_TERME_SENTINELLE])
    for trigrammes in (False, True)
}


# --- Sorting and composing the list -------------------------------------------------------------

TRIS = {
    "nom": ["nom", "prenom", "id"],
    "niss": ["niss", "id"],
    "naissance": ["date_naissance", "id"],
    "referent": ["referent__last_name", "referent__first_name", "nom", "id"],
    "ouverture": ["date_ouverture", "id"],
    "commune": ["commune", "nom", "id"],
}
PERTINENCE = [F("pertinence").desc(nulls_last=True), "nom", "prenom", "id"]


def tri_caseload(recherche: bool = False) -> Tri:
    """The caseload's sort orders: ``TRIS``, the keys the extensions add (``sort``), and, for a
    search, the relevance (the default then)."""
    colonnes = dict(TRIS)
    for ext in hooks.caseload_extensions():
        for cle, expr in ext.sort.items():
            colonnes.setdefault(cle, list(expr) if isinstance(expr, list | tuple) else [expr])
    if recherche:
        colonnes["pertinence"] = PERTINENCE
    return Tri(colonnes, "pertinence" if recherche else "nom")


def caseload(user, filtres, aujourd_hui: datetime.date, tri: str = "", *, colonnes: bool = True):
    """The filtered (``filtres``: a ``forms.CaseloadFiltreForm``), sorted, annotated list
    (one query per page whatever its size). ``colonnes=False``: without the per-row columns
    (target groups, current right, the extensions' columns) unless the sort needs one: the
    page's keys, whose rows ``colonnes_caseload`` then builds (``cpas_isp.listes.paginer``)."""
    qs = Beneficiaire.objects.visibles_par(user)
    qs = filtres.filter(qs)
    tris = tri_caseload(bool(filtres.recherche))
    cle = tris.cle(tri).lstrip("-")
    for ext in hooks.caseload_extensions():
        if ext.annotate and (colonnes or cle in ext.sort):
            qs = ext.annotate(qs)
    if colonnes:
        qs = _annoter_colonnes(qs.select_related("referent"), aujourd_hui)
    qs, _cle = tris.appliquer(qs, tri)
    return qs


def _cle_colonnes(aujourd_hui: datetime.date) -> tuple:
    """What the caseload's columns query depends on: the day, the month that makes a right
    "new", the registered extensions (registered once at start-up; tests add some)."""
    return (
        "caseload",
        aujourd_hui,
        nouveau_ris_mois(),
        tuple(map(id, hooks.caseload_extensions())),
    )


# The person's fields a row of the list shows (``beneficiaires_tags.lignes_caseload``: the
# link's key, name, NISS, birth date, municipality, the closed badge, the anonymised file's
# label) and its referent's name (``User.__str__``): the rows' statement reads these alone
# (the rest of the ~40 columns of the person and their referent is neither shown nor given
# to an extension that writes its cells, ``cellules``).
CHAMPS_LIGNE = (
    "id",
    "cpas_id",
    "nom",
    "prenom",
    "niss",
    "date_naissance",
    "commune",
    "date_cloture",
    "anonymise_le",
    "referent_id",
    "referent__id",
    "referent__username",
    "referent__first_name",
    "referent__last_name",
)


def colonnes_caseload(pks, aujourd_hui: datetime.date):
    """The caseload's rows ``pks`` (already filtered by the need-to-know rule and the filters)
    with their per-row columns, in one query: the person's ``CHAMPS_LIGNE`` and the columns'
    annotations, or every field of the person when an extension's column is a template
    (``column``: it may show any field of ``b``, which must not cost a query per row)."""
    extensions = hooks.caseload_extensions()

    def construire():
        qs = Beneficiaire.objects.select_related("referent").order_by()
        if not any(ext.column and not ext.cellules for ext in extensions):
            qs = qs.only(*CHAMPS_LIGNE)
        for ext in extensions:
            if ext.annotate:
                qs = ext.annotate(qs)
        # The list shows the current right's type and start, not its category (the export).
        return annotations_compilees(
            annoter_droit_courant(annoter_groupes(qs, aujourd_hui), aujourd_hui, categorie=False)
        )

    # Rebuilt when the registered extensions change.
    cle = _cle_colonnes(aujourd_hui)
    # "= ANY(array)", not "IN (%s, %s...)": one statement text whatever the number of keys (a
    # search's short last page, another page size), so one prepared statement per connection
    # instead of one per number of rows shown (each planned ~2 ms, up to PREPARES_MAX).
    cles = RawSQL(
        f'"{Beneficiaire._meta.db_table}"."{Beneficiaire._meta.pk.column}" = ANY(%s)',
        ([int(pk) for pk in pks],),
        output_field=BooleanField(),
    )
    return requete_memorisee(cle, construire).filter(cles)


def lignes_caseload(pks, aujourd_hui: datetime.date) -> list:
    """``list(colonnes_caseload(pks, aujourd_hui))``, its statement compiled once per day and
    set of extensions (``RequeteCompilee``, the keys its one array parameter) and run through
    the statement prepared on the connection: the page's rows without filtering, cloning and
    compiling the memorised queryset (a dozen subqueries' SQL) on every page."""
    return _lignes_compilees(aujourd_hui).lignes([int(pk) for pk in pks])


def lignes_caseload_generateur(pks, aujourd_hui: datetime.date):
    """``lignes_caseload`` as a generator of ``cpas_isp.lots`` (its statement sent with
    others of the page)."""
    return _lignes_compilees(aujourd_hui).generateur([int(pk) for pk in pks])


def _lignes_compilees(aujourd_hui: datetime.date) -> RequeteCompilee:
    return _COLONNES_COMPILEES.obtenir(
        _cle_colonnes(aujourd_hui),
        lambda: RequeteCompilee(
            lambda cles: colonnes_caseload(cles, aujourd_hui), sentinelles=[[SENTINELLES[0]]]
        ),
    )


_COLONNES_COMPILEES: Memo[RequeteCompilee] = Memo(8)


def annotations_compilees(qs):
    """``qs`` whose annotations are their SQL compiled once (``RawSQL``): for a memorised
    queryset (``requete_memorisee``) whose dozen correlated subqueries took longer to compile
    on every page than to run. Only when every annotation reads the query's own table (no join
    of its own, no aggregate): then their SQL does not depend on the rest of the query (a page
    only adds a filter on the key); else ``qs`` unchanged."""
    query = qs.query
    if (
        list(query.alias_map) != [query.get_meta().db_table]
        or query.group_by is not None
        or any(a.contains_aggregate or a.contains_over_clause for a in query.annotations.values())
    ):
        return qs
    compiler = query.get_compiler(using=qs.db)
    compilees = {}
    for alias, expression in query.annotations.items():
        sql, params = compiler.compile(expression)
        compilees[alias] = RawSQL(sql, tuple(params), output_field=expression.output_field)
    qs = qs.all()
    qs.query.annotations = compilees
    return qs


def requete_memorisee(cle: tuple, construire):
    """The queryset ``construire()`` built once per ``cle`` (the day among its parts: the
    target groups and the current right depend on it), never evaluated itself: each page
    filters a copy. For the lists whose dozens of per-row expressions (target groups, current
    right, indicators) took longer to build than their SQL takes to run: the caseload's
    columns, the person page's query of the person. A few keys are kept (days change)."""
    return _REQUETES_MEMORISEES.obtenir(cle, construire)


_REQUETES_MEMORISEES: Memo = Memo(8)


def _annoter_colonnes(qs, aujourd_hui: datetime.date):
    return annoter_droit_courant(annoter_groupes(qs, aujourd_hui), aujourd_hui)
