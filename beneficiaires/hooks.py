"""Extension points of the person's file for the apps that build on it.

Dependencies point one way (cpas_isp <- beneficiaires <- partenaires <- trajets <- rapports), so
beneficiaires never imports the later apps. They register here, from their AppConfig.ready():

- ``register_timeline(func, categories)``: ``func(beneficiaire, user) ->
  iterable[EvenementTimeline]``, events shown on the person's one timeline ("Parcours": phases,
  steps, PIIS, referrals...), filtered there by ``categorie`` (``categories``: key -> label).
- ``register_onglet(cle, libelle, ordre)``: a tab of the person page (its own address,
  ``url_onglet(pk, cle)``). Beneficiaires has two: "Dossier" (``ONGLET_DOSSIER``, the page's
  plain address: identity, rights, obstacles, bilan) and "Parcours" (``ONGLET_PARCOURS``: the
  timeline). A tab without a section is not shown.
- ``register_section(func, onglet=ONGLET_DOSSIER)``: ``func(request, beneficiaire) -> Section |
  None``, a block of the person page's tab ``onglet`` (rendered template), in ``ordre`` order;
  only the shown tab's blocks are built (a tab not registered: the "Dossier" one).
- ``register_prechargement_fiche(func, onglets=None)``: ``func(request, beneficiaire)`` -> a
  generator of ``cpas_isp.lots`` (or None) reading lists the app's sections and timeline show
  and keeping their rows on the person object, where those then find them without a query of
  their own. The person page runs every app's together before its sections and timeline
  (``precharger_fiche``): their statements in one round trip; only on the tabs ``onglets``
  (None: every tab, e.g. a list the header shows). ``onglet_de(request)``: the tab shown.
- ``register_action(func)``: ``func(request, beneficiaire) -> iterable[Action]``, the buttons
  "add a ..." at the top of the person page (one obvious place to add each thing).
- ``register_caseload_extension(ext)``: a ``CaseloadExtension`` adding a column, a filter and
  prefetching to the caseload list without extra queries per row.
- ``register_indicateurs_fiche(func)``: ``func() -> dict[str, Expression]``, annotations (e.g.
  ``Exists`` of a list's rows: True when the list may have rows) added to the person page's one
  query of the person (``indicateurs_fiche()``), so that a section or the timeline skips the
  query of a list known to be empty. ``ALignes(Model)`` writes such an ``Exists`` for a model
  pointing at the person, compiled as plain text (no subquery to build and compile). Read
  with ``liste_vide(b, name)``: False when the person came without the annotation (another
  page), so the list is fetched as before. A superset condition is enough (only an empty
  answer skips a query).
- ``register_cellule_filter(func)``: ``func(queryset, cellule) -> queryset``, the people of
  ``queryset`` who are *currently* followed by ``cellule`` (a ``cpas_isp.Cellule``). Trajets
  registers it (the cellule of the person's running phase). beneficiaires uses it for an agent's
  caseload ("the people I refer, or who are in my cellule"), for the cellule filter of the list,
  and for the need-to-know rule of sensitive obstacles (referent, the person's current cellule,
  coordinators). It must return a queryset usable in ``pk__in`` (no evaluation). Until one is
  registered, an agent's caseload is the people they refer and the cellule filter is hidden.
  Several registered functions are OR-ed. ``register_cellule_filter(func, personnes, du_cpas)``
  adds the same people's ids read without the person table (``personnes(cellule)``) and, with
  ``du_cpas``, that a database constraint keeps them within the cellule's CPAS (the rule's
  ids-only form, ``beneficiaires.models.personnes.sql_ids_visibles``, then skips its check).
- ``register_donnees_personnelles(func)``: ``func(beneficiaire) -> dict[str, list[dict]]``, extra
  free-form sections of the personal data export (JSON-serialisable values). Superseded by
  ``beneficiaires.registre``, where each app registers its models once for both the export and
  the anonymisation (and a test fails when a person-linked model is not registered there).
- ``register_reattribution(func)``: ``func(beneficiaire_ids, nouveau, date)``, called inside the
  reassignment's transaction when the coordinator asks that the running stay's agent follows the
  new referent too (trajets moves the agent of the stays running on ``date``).
- ``register_suivi_cellule(func)``: ``func(beneficiaire) -> SuiviCellule | None``, the cellule
  whose phase the person is in now and the agent of that stay, shown beside the referent.
- ``register_cloture(func)``: ``func(beneficiaire, date) -> iterable[ElementCloture]``, what is
  still running on ``date`` and that closing the file may end (the stay, the PIIS, referrals):
  the close form offers each one with its extra fields, and calls ``terminer`` for the ones kept
  ticked, all in the closing's transaction.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import BooleanField, F, Func, IntegerField, Q
from django.utils.translation import gettext_lazy

from cpas_isp import lots

_timeline: list[Callable] = []
_categories_timeline: dict[str, Any] = {}
_sections: list[Callable] = []
_actions: list[Callable] = []
_caseload: list[CaseloadExtension] = []
_cellule_filters: list[Callable] = []
# Filter -> its ids function (``register_cellule_filter(func, personnes=...)``).
_cellule_personnes: dict[Callable, Callable] = {}
# The filters whose ids function gives only people of the cellule's CPAS (``du_cpas=True``).
_cellule_personnes_du_cpas: set[Callable] = set()
_donnees_personnelles: list[Callable] = []
_reattributions: list[Callable] = []
_clotures: list[Callable] = []
_suivi_cellule: list[Callable] = []
_indicateurs_fiche: list[Callable] = []
_prechargements_fiche: list[Callable] = []
# The tabs of the person page: key -> (label, order); the tab of each section and the tabs of
# each reading (none: every tab).
_onglets: dict[str, tuple[Any, int]] = {}
_onglet_section: dict[Callable, str] = {}
_onglets_prechargement: dict[Callable, tuple[str, ...]] = {}
ONGLET_DOSSIER = "dossier"
ONGLET_PARCOURS = "parcours"


@dataclass
class EvenementTimeline:
    date: datetime.date
    titre: str
    detail: str = ""
    categorie: str = (
        ""  # short key for the icon/colour, e.g. "phase", "etape", "piis", "orientation"
    )
    url: str = ""
    confidentiel: bool = False

    # The timeline shows each event's date twice (as the template filters would write it,
    # |date:"Y-m-d" and |date:"d/m/Y"): written here, not by two filters per event.
    @property
    def date_iso(self) -> str:
        return f"{self.date.year:04d}-{self.date.month:02d}-{self.date.day:02d}"

    @property
    def date_affichee(self) -> str:
        return f"{self.date.day:02d}/{self.date.month:02d}/{self.date.year:04d}"


@dataclass
class SuiviCellule:
    """The cellule's role beside the referent: the running stay's phase, its cellule and the
    agent of the stay (the cellule's agent)."""

    phase: str
    cellule: str
    depuis: datetime.date
    agent: Any = None


@dataclass
class ElementCloture:
    """One running thing the closing of a file may end.

    ``cle``: unique key (form field names); ``libelle``: what the user reads ("Passage en phase
    Emploi depuis le 01/03/2026"); ``champs``: extra form fields (name -> django form field, with
    their initial value) asked when it is ended, e.g. the exit reason; ``terminer(date, user,
    valeurs)`` ends it (``valeurs``: the cleaned extra fields, by name), raising ValidationError
    to refuse; ``par_defaut``: ticked when the form opens; ``resume``: the short label kept in the
    closing's history (no personal text)."""

    cle: str
    libelle: str
    terminer: Callable
    champs: dict = field(default_factory=dict)
    par_defaut: bool = True
    resume: str = ""
    ordre: int = 100


@dataclass
class Section:
    titre: str
    html: str
    ordre: int = 100
    ancre: str = ""


@dataclass
class Action:
    libelle: str
    url: str
    htmx: bool = False  # open in place (hx-get into the person page's modal/target)
    ordre: int = 100


@dataclass
class CaseloadExtension:
    """Lets a later app add to the caseload list.

    ``annotate(queryset) -> queryset`` adds what the column needs in the same query;
    ``filter(queryset, value) -> queryset`` applies the filter named ``filter_name`` when given;
    ``choices`` are (value, label) for the filter's select; ``column`` is a template name rendered
    per row with ``b`` (the person) in context, or ``cellules(rows) -> [safe HTML]`` gives the
    column's cell contents of the page's rows in one call (no template per row: what a column
    of more than a few template nodes should do). Unless a registered column is a template,
    the rows carry the person's fields the list shows (``queries.CHAMPS_LIGNE``) and the
    annotations: ``cellules`` reads what its ``annotate`` adds (another field of the person
    would cost a query per row).
    """

    key: str
    label: Any
    annotate: Callable | None = None
    filter_name: str = ""
    filter: Callable | None = None
    choices: Callable | None = None
    column: str = ""
    cellules: Callable | None = None
    sort: dict = field(default_factory=dict)  # sort key -> order_by expression


def register_timeline(func, categories=None):
    """``categories``: ``{key: label}`` of the ``categorie`` values ``func`` produces, in the
    order the timeline's "kind" filter offers them (unknown keys are shown as they are)."""
    _timeline.append(func)
    _categories_timeline.update(categories or {})
    return func


def categories_timeline() -> dict:
    return dict(_categories_timeline)


def register_onglet(cle: str, libelle, ordre: int = 50) -> None:
    """A tab of the person page, at ``/beneficiaires/<pk>/<cle>/`` (``cle``: a slug)."""
    _onglets[cle] = (libelle, ordre)


def onglets() -> list[tuple[str, Any]]:
    """(key, label) of the person page's tabs, in order."""
    par_ordre = sorted(_onglets.items(), key=lambda x: x[1][1])
    return [(cle, libelle) for cle, (libelle, _ordre) in par_ordre]


def onglet_de_section(func) -> str:
    onglet = _onglet_section.get(func, ONGLET_DOSSIER)
    return onglet if onglet in _onglets else ONGLET_DOSSIER


def onglets_avec_contenu() -> list[tuple[str, Any]]:
    """The tabs shown: "Dossier", "Parcours" and those a section is registered on."""
    pleins = {ONGLET_DOSSIER, ONGLET_PARCOURS, *(onglet_de_section(f) for f in _sections)}
    return [(cle, libelle) for cle, libelle in onglets() if cle in pleins]


def onglet_de(request) -> str:
    """The tab of the person page ``request`` asks for (its view sets it)."""
    return getattr(request, "onglet_fiche", ONGLET_DOSSIER)


def url_onglet(pk, onglet: str = ONGLET_DOSSIER) -> str:
    from django.urls import reverse

    if onglet == ONGLET_DOSSIER:
        return reverse("beneficiaires:detail", args=[pk])
    return reverse("beneficiaires:onglet", args=[pk, onglet])


register_onglet(ONGLET_DOSSIER, gettext_lazy("Dossier"), ordre=0)
register_onglet(ONGLET_PARCOURS, gettext_lazy("Parcours"), ordre=90)


def register_section(func, onglet: str = ONGLET_DOSSIER):
    _sections.append(func)
    _onglet_section[func] = onglet
    return func


def register_prechargement_fiche(func, onglets: tuple[str, ...] | None = None):
    _prechargements_fiche.append(func)
    if onglets is not None:
        _onglets_prechargement[func] = tuple(onglets)
    return func


def precharger_fiche(request, beneficiaire, autres=()) -> None:
    """Every app's lists of the person page's tab (``register_prechargement_fiche``) read in
    one round trip (``cpas_isp.lots.executer_ensemble``), each kept on ``beneficiaire``, with
    the page's own ``autres`` generators."""
    onglet = onglet_de(request)
    generateurs = [
        g
        for func in _prechargements_fiche
        if onglet in _onglets_prechargement.get(func, (onglet,))
        and (g := func(request, beneficiaire)) is not None
    ]
    generateurs.extend(autres)
    if generateurs:
        lots.executer_ensemble(generateurs)


def register_action(func):
    _actions.append(func)
    return func


def register_caseload_extension(ext: CaseloadExtension):
    _caseload.append(ext)
    return ext


def timeline(beneficiaire, user) -> list[EvenementTimeline]:
    events: list[EvenementTimeline] = []
    for func in _timeline:
        events.extend(func(beneficiaire, user) or [])
    return sorted(events, key=lambda e: e.date, reverse=True)


def sections(request, beneficiaire, onglet: str | None = None) -> list[Section]:
    """The blocks of the tab ``onglet`` (None: every tab's)."""
    found = [
        s
        for s in (
            func(request, beneficiaire)
            for func in _sections
            if onglet is None or onglet_de_section(func) == onglet
        )
        if s is not None
    ]
    return sorted(found, key=lambda s: s.ordre)


def actions(request, beneficiaire) -> list[Action]:
    found: list[Action] = []
    for func in _actions:
        found.extend(func(request, beneficiaire) or [])
    return sorted(found, key=lambda a: a.ordre)


def caseload_extensions() -> list[CaseloadExtension]:
    return list(_caseload)


def register_cellule_filter(func, personnes=None, du_cpas=False):
    """``personnes(cellule)``, optional: the same people as ``func`` finds, as a one-column
    values queryset of person ids read without the person table (usable in ``pk__in`` and in a
    union): what the need-to-know rule unions with the people an agent refers.

    ``du_cpas``: a database constraint makes every id ``personnes(cellule)`` gives a person of
    the cellule's CPAS (it reads rows of that CPAS whose foreign key on (person, CPAS) refers
    to the people's unique (id, cpas)): the rule's ids are then used without checking them
    against the person table (``ids_de_cellule_du_cpas``)."""
    _cellule_filters.append(func)
    if personnes is not None:
        _cellule_personnes[func] = personnes
        if du_cpas:
            _cellule_personnes_du_cpas.add(func)
    return func


def filtres_cellule() -> tuple:
    """The registered cellule filters and their ids functions (a key part for memos of SQL
    built from them)."""
    return (*_cellule_filters, *_cellule_personnes.values())


def cellule_filter_registered() -> bool:
    return bool(_cellule_filters)


def filtrer_par_cellule(queryset, cellule):
    """People of ``queryset`` currently in ``cellule`` (none when no filter is registered)."""
    if not _cellule_filters:
        return queryset.none()
    if len(_cellule_filters) == 1:
        return _cellule_filters[0](queryset, cellule)
    condition = Q()
    for func in _cellule_filters:
        condition |= Q(pk__in=func(queryset, cellule).values("pk"))
    return queryset.filter(condition)


def ids_de_cellule_du_cpas() -> bool:
    """Whether ``ids_de_cellule(base, cellule)`` holds only people of the cellule's CPAS,
    whatever ``base``: every registered filter has an ids function declared ``du_cpas``."""
    return bool(_cellule_filters) and all(
        func in _cellule_personnes and func in _cellule_personnes_du_cpas
        for func in _cellule_filters
    )


def ids_de_cellule(base, cellule) -> list:
    """One-column values querysets of person ids whose union holds the people of ``base``
    currently in ``cellule`` (maybe people outside ``base`` too: the caller keeps its own
    conditions): a filter's ids function when registered, else the filter applied to ``base``."""
    return [
        _cellule_personnes[func](cellule)
        if func in _cellule_personnes
        else func(base, cellule).order_by().values("pk")
        for func in _cellule_filters
    ]


def register_donnees_personnelles(func):
    _donnees_personnelles.append(func)
    return func


def donnees_personnelles(beneficiaire) -> dict:
    found: dict = {}
    for func in _donnees_personnelles:
        found.update(func(beneficiaire) or {})
    return found


def register_reattribution(func):
    _reattributions.append(func)
    return func


def reattribuer_passages(beneficiaire_ids, nouveau, date) -> None:
    for func in _reattributions:
        func(beneficiaire_ids, nouveau, date)


def register_cloture(func):
    _clotures.append(func)
    return func


def elements_cloture(beneficiaire, date) -> list[ElementCloture]:
    found: list[ElementCloture] = []
    for func in _clotures:
        found.extend(func(beneficiaire, date) or [])
    return sorted(found, key=lambda e: e.ordre)


def register_suivi_cellule(func):
    _suivi_cellule.append(func)
    return func


def suivi_cellule(beneficiaire) -> SuiviCellule | None:
    for func in _suivi_cellule:
        found = func(beneficiaire)
        if found is not None:
            return found
    return None


class ALignes(Func):
    """``EXISTS(SELECT 1 FROM <model's table> WHERE <champ> = person.id)``: whether the person
    has rows of ``model`` (``champ``: its foreign key to the person), as an annotation of a
    queryset of people (or of the model ``champ`` points at: a PIIS's objectives...). The
    same SQL as ``Exists(model.objects.filter(champ=OuterRef("pk")))`` (default manager, no
    other condition), written as text: an ORM subquery costs a queryset, its resolution and
    its compilation (about 0.2 ms of Python each), the person page asks about a dozen lists."""

    output_field = BooleanField()
    # An alias of its own: the outer table's name (or its U0... alias) stays the outer row's.
    modele_sql = 'EXISTS(SELECT 1 FROM {table} "lignes" WHERE "lignes".{colonne} = {personne})'

    def __init__(self, model, champ="beneficiaire"):
        self.table = model._meta.db_table
        self.colonne = model._meta.get_field(champ).column
        super().__init__(F("pk"))

    def as_sql(self, compiler, connection, **extra_context):
        personne, params = compiler.compile(self.source_expressions[0])
        qn = connection.ops.quote_name
        sql = self.modele_sql.format(
            table=qn(self.table), colonne=qn(self.colonne), personne=personne
        )
        return sql, params


class NombreLignes(ALignes):
    """``(SELECT count(*) FROM <model's table> WHERE <champ> = person.id)``: how many rows of
    ``model`` the person has (0 when none), as ``ALignes``."""

    output_field = IntegerField()
    modele_sql = '(SELECT count(*) FROM {table} "lignes" WHERE "lignes".{colonne} = {personne})'


def register_indicateurs_fiche(func):
    _indicateurs_fiche.append(func)
    return func


def indicateurs_fiche() -> dict:
    found: dict = {}
    for func in _indicateurs_fiche:
        found.update(func())
    return found


def liste_vide(beneficiaire, nom) -> bool:
    """Whether the person page's query said that the list ``nom`` has no row (see
    ``register_indicateurs_fiche``); False when it was not asked."""
    return beneficiaire.__dict__.get(nom) is False
