"""Lists done one way: pagination, sorting and filter forms.

Every list page paginates with :func:`paginer` (``settings.PAGE_SIZE`` rows unless the list
offers other sizes), sorts with :class:`Tri` (a whitelist of columns, ``-`` for descending),
filters with a :class:`FiltreForm` subclass whose ``filter(qs)`` applies the valid fields, and
builds its links with Django's ``{% querystring %}`` (``templates/partials/pagination.html``,
``templates/partials/tri.html``): no view hand-builds a query string. A list or timeline links
its rows with :func:`url_par_pk` (one ``reverse()`` for all the rows); the layout its fixed
routes with :func:`url_fixe` (one ``reverse()`` per process). Rows written in Python escape their
values with :func:`echapper` / :func:`echapper_conditionnel` (Django's ``escape`` /
``conditional_escape`` without their lazy-argument wrapper, a few hundred calls a page)."""

from __future__ import annotations

import copy
import html
from collections.abc import Callable, Iterable, Mapping, Sequence

from django import forms
from django.conf import settings
from django.core.exceptions import EmptyResultSet, FieldDoesNotExist
from django.core.paginator import Page, Paginator
from django.db import connections
from django.db.models import Count, F, OrderBy, Window
from django.db.models.expressions import BaseExpression
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

from cpas_isp.lots import GENERIQUE, executer_ensemble, executer_lot
from cpas_isp.memo import Memo


def taille_demandee(request, tailles: Sequence[int] | None) -> int:
    """The page size asked for in ``?taille=`` when it is one the list offers, else the
    default (the first offered size, or ``settings.PAGE_SIZE``)."""
    defaut = tailles[0] if tailles else settings.PAGE_SIZE
    if not tailles:
        return defaut
    valeur = request.GET.get("taille", "")
    # (a few digits at most: Python refuses to read a number of more than 4,300)
    return (
        int(valeur) if valeur.isdecimal() and len(valeur) < 6 and int(valeur) in tailles else defaut
    )


def paginer(
    request,
    qs,
    *,
    taille: int | None = None,
    tailles: Sequence[int] | None = None,
    param: str = "page",
    nombre: int | None = None,
    lignes: Callable[[list], Iterable] | None = None,
    cle=None,
    generique: bool = False,
) -> Page:
    """The requested page of ``qs`` (a junk or out-of-range number gives the nearest page).

    ``taille`` fixes the size; ``tailles`` lets the user choose among these sizes with
    ``?taille=`` (the first is the default); neither: ``settings.PAGE_SIZE``. ``nombre``: the
    number of rows of ``qs`` when the view already counted them (no COUNT query).

    ``lignes``: ``pks -> rows`` (any order), for a list whose rows carry costly per-row columns:
    ``qs`` (filtered and sorted, without those columns) then only gives the page's keys and the
    list's total in one query (a window count: the filters run once, not once more for a COUNT),
    and ``lignes`` builds the rows shown for these keys only; the page holds them in the keys'
    order. A page past the end costs a COUNT and the last page's keys, as without ``lignes``.

    ``cle`` (with ``lignes``): the keys' statement of each page compiled once per process for
    this key and prepared on the connection (``lecture_page``'s), ``qs`` then a callable
    building the queryset, called only to compile it (or to count a page past the end). The
    key must hold every input of the queryset's SQL, as ``lecture_page``'s.

    ``generique`` (with ``lignes``): the keys' statement prepared on the connection and always
    run with its generic plan (``lots.GENERIQUE``), for a statement PostgreSQL would plan for
    its values on every page to run it no faster (the caseload's search by name)."""
    if taille is None:
        taille = taille_demandee(request, tailles)
    paginator = Paginator(qs, taille)
    if nombre is not None:
        paginator.count = nombre  # Paginator.count is a cached property
    if lignes is None:
        return paginator.get_page(request.GET.get(param))
    return _page_par_cles(
        paginator,
        request.GET.get(param),
        lignes,
        compte=nombre is None,
        cle=cle,
        generique=generique,
    )


_TOTAL = "_total_de_la_liste"
_BIGINT = 2**63


def cle_demandee(valeur) -> int | None:
    """A key (an object's id) given in a query string or a posted field: its number when it
    is ASCII digits that a bigint holds, else None (junk, a sign, other scripts' digits, and a
    number of thousands of digits, which Python refuses to read: ValueError)."""
    if isinstance(valeur, str) and valeur.isascii() and valeur.isdigit() and len(valeur) < 20:
        cle = int(valeur)
        return cle if cle < _BIGINT else None
    return None


def numero_demande(request, taille: int, param: str = "page") -> int | None:
    """The page number ``paginer`` serves when it is within the list (``Paginator.get_page``:
    junk is page 1); None for a number that is below 1 or whose offset passes PostgreSQL's
    bigint (``paginer`` serves another page then)."""
    try:
        numero = int(request.GET.get(param))
    except (TypeError, ValueError):
        return 1
    return numero if 1 <= numero and numero * taille < _BIGINT else None


def lignes_lues_ou_relues(page: Page, numero: int | None, lues, relire) -> list:
    """The rows of ``page`` (``paginer``'s over ``range(nombre)``, the list already counted):
    ``lues``, the rows of page ``numero`` read ahead (``lecture_page`` with ``numero_demande``,
    or None), when the paginator serves that page, cut at the list's end (no orphans; a row
    added between the count and the read is not shown); else ``relire(page.number)``, the
    rows of the page it serves (a number past the end: the last page)."""
    if lues is not None and page.number == numero:
        taille, nombre = page.paginator.per_page, page.paginator.count
        return lues[: max(0, min(taille, nombre - (numero - 1) * taille))]
    return relire(page.number)


def page_par_cles(qs, cles, numero: int, taille: int):
    """``qs`` cut to the rows of page ``numero`` from its first row: past the first page, the
    rows whose keys page ``numero`` of ``cles`` holds (``cles``: the same rows in the same
    order, without ``qs``'s costly columns). PostgreSQL computes the select list of a statement
    cut by an OFFSET for every row it skips too: a list whose rows carry sub-selects (names,
    counts) would pay them for every earlier page (the referral list's last page of 20,000
    referrals: 0.45 s). Slice the result from 0 (``[:taille]``, ``lecture_page(..., 1, ...)``).
    """
    if numero <= 1:
        return qs
    bas = (numero - 1) * taille
    return qs.filter(pk__in=cles[bas : bas + taille])


def lecture_page(qs, numero: int, taille: int, *, cle=None):
    """The rows of page ``numero`` of ``qs`` (a ``values()`` queryset) as a generator of
    ``cpas_isp.lots``: the dicts iterating the page's slice gives (Django's ValuesIterable:
    the same names, the compiler's converters), its statement prepared on the connection as
    under ``preparees()``. With ``numero_demande``: a page read in the round trip of
    other statements before ``paginer`` knows the list's length (the view keeps the rows only
    when ``paginer`` serves that page).

    ``cle``: the page's statement compiled once per process for this key (with the page's
    number and size), ``qs`` then a callable building the queryset, called only to compile
    it. The key must hold every input of the queryset's SQL (the need-to-know rule's, the
    filters', the sort's): the same key is answered by the same statement."""
    if cle is None:
        try:
            compilee = _compiler_tranche(qs, numero, taille)
        except EmptyResultSet:
            return []
        return (yield from _lire_tranche(*compilee))
    try:
        tranche, compilateur, sql, params = _TRANCHES.obtenir(
            (cle, numero, taille), lambda: _compiler_tranche(qs(), numero, taille)
        )
    except EmptyResultSet:
        return []
    # A copy on this thread's connection (the compiler kept was made on another's).
    compilateur = copy.copy(compilateur)
    compilateur.connection = connections[tranche.db]
    return (yield from _lire_tranche(tranche, compilateur, sql, params))


def _compiler_tranche(qs, numero: int, taille: int):
    """The page's slice of ``qs``, its compiler, SQL and parameters (``EmptyResultSet``: the
    slice is empty by construction)."""
    tranche = qs[(numero - 1) * taille : numero * taille]
    compilateur = tranche.query.get_compiler(tranche.db)
    sql, params = compilateur.as_sql()
    return tranche, compilateur, sql, tuple(params)


def _lire_tranche(tranche, compiler, sql, params):
    (lignes,) = yield [(sql, params)]
    query = tranche.query
    if compiler.has_extra_select:  # ordering columns added to the select list
        lignes = [ligne[: compiler.col_count] for ligne in lignes]
    if query.selected:
        noms = list(query.selected)
    else:
        noms = [*query.extra_select, *query.values_select, *query.annotation_select]
    indices = range(len(noms))
    return [
        {noms[i]: ligne[i] for i in indices} for ligne in compiler.results_iter(results=[lignes])
    ]


# The pages of the lists that keep their statements (``lecture_page``'s ``cle``), each with
# its compiled query (tens of kilobytes): the pages the users of the last minutes came back
# to, cleared when full.
_TRANCHES: Memo = Memo(256)


def _page_par_cles(
    paginator: Paginator, valeur, lignes, *, compte: bool, cle=None, generique=False
) -> Page:
    """``paginator.get_page(valeur)`` read as keys first (see ``paginer``'s ``lignes``)."""
    qs = paginator.object_list
    if cle is not None:
        # The queryset built only when a statement is compiled: its shape is the key's.
        construire, qs = qs, None
        fenetre = compte
    else:
        # A window count counts the rows before DISTINCT, a UNION or a GROUP BY: count
        # those apart.
        fenetre = compte and not (qs.query.distinct or qs.query.combinator or qs.query.group_by)
    try:
        numero = int(valeur)  # what Paginator.validate_number accepts from a query string
    except (TypeError, ValueError):
        numero = 1
    # A number whose offset passes PostgreSQL's bigint is past the end of any list.
    dans_les_bornes = 1 <= numero and numero * paginator.per_page < _BIGINT
    if cle is not None and dans_les_bornes and fenetre:
        cles = _cles_compilees(construire, paginator.per_page, numero, cle)
        if cles or numero == 1:
            paginator.count = cles[0][1] if cles else 0
            return Page(_dans_l_ordre(cles, lignes), numero, paginator)
    if cle is not None:
        qs = paginator.object_list = construire()
        fenetre = compte and not (qs.query.distinct or qs.query.combinator or qs.query.group_by)
    if dans_les_bornes and (fenetre or numero <= paginator.num_pages):
        cles = _cles(qs, paginator.per_page, numero, fenetre, generique)
        if cles or numero == 1:
            if fenetre:
                paginator.count = cles[0][1] if cles else 0
            return Page(_dans_l_ordre(cles, lignes), numero, paginator)
    # Junk below 1 or past the end: Django's nearest page (the last one), from a COUNT.
    numero = paginator.num_pages
    return Page(
        _dans_l_ordre(_cles(qs, paginator.per_page, numero, False), lignes), numero, paginator
    )


def _cles(qs, taille: int, numero: int, fenetre: bool, generique: bool = False) -> list[tuple]:
    bas = (numero - 1) * taille
    # The list's annotations stay selected: its order may refer to them (a constant one, such
    # as a search's relevance, cannot be ordered by as an expression).
    annotations = list(qs.query.annotation_select)
    if fenetre:
        qs = qs.annotate(**{_TOTAL: Window(Count("*"))})
        tranche = qs.values_list("pk", _TOTAL, *annotations)[bas : bas + taille]
    else:
        tranche = qs.values_list("pk", *annotations)[bas : bas + taille]
    if not generique:
        return list(tranche)
    try:
        sql, params = tranche.query.get_compiler(tranche.db).as_sql()
    except EmptyResultSet:
        return []
    # The rows as the database gives them: the key and the count (integers) are all that is
    # read of them.
    (lignes,) = executer_lot([(sql, params, GENERIQUE)])
    return lignes


def _cles_compilees(construire, taille: int, numero: int, cle) -> list[tuple]:
    """``_cles(construire(), taille, numero, True)``: the statement compiled once per key and
    page (``lecture_page``), prepared on the connection. A queryset whose window count would
    not be the list's length (DISTINCT, a UNION, a GROUP BY) has no place under a key."""

    def requete():
        qs = construire()
        if qs.query.distinct or qs.query.combinator or qs.query.group_by:
            raise ValueError("a keyed list is counted by a window: no DISTINCT, UNION, GROUP BY")
        annotations = list(qs.query.annotation_select)
        return qs.annotate(**{_TOTAL: Window(Count("*"))}).values("pk", _TOTAL, *annotations)

    (lignes,) = executer_ensemble([lecture_page(requete, numero, taille, cle=("cles", cle))])
    return [(ligne["pk"], ligne[_TOTAL]) for ligne in lignes]


def _dans_l_ordre(cles: list[tuple], lignes) -> list:
    if not cles:
        return []
    par_pk = {objet.pk: objet for objet in lignes([cle[0] for cle in cles])}
    return [par_pk[cle[0]] for cle in cles if cle[0] in par_pk]


class Tri:
    """A list's sort orders: ``colonnes`` maps a key the user may ask for (``?tri=nom`` or
    ``?tri=-nom``) to the fields or expressions it orders by; anything else falls back to
    ``defaut``. Descending orders put empty values last, like ascending ones."""

    def __init__(
        self,
        colonnes: Mapping[str, Sequence[str | BaseExpression]],
        defaut: str,
        param: str = "tri",
    ):
        self.colonnes = dict(colonnes)
        self.defaut = defaut
        self.param = param

    def cle(self, request_or_value) -> str:
        """The validated sort key (with its ``-``) asked for, or the default."""
        valeur = (
            request_or_value
            if isinstance(request_or_value, str)
            else request_or_value.GET.get(self.param, "")
        )
        return valeur if valeur.lstrip("-") in self.colonnes else self.defaut

    def ordre(self, cle: str, model=None) -> list:
        """The ``order_by`` arguments of ``cle``; with the queryset's ``model``, a field path
        that cannot be NULL is ordered without ``NULLS LAST`` (the same order), so that an
        index on those columns serves the sort and the page's LIMIT stops early."""
        desc = cle.startswith("-")
        champs = self.colonnes.get(cle.lstrip("-")) or self.colonnes[self.defaut.lstrip("-")]
        return [_oriente(champ, desc, model) for champ in champs]

    def appliquer(self, qs, request_or_value):
        """``qs`` ordered by the requested key; returns ``(qs, key)``."""
        cle = self.cle(request_or_value)
        return qs.order_by(*self.ordre(cle, qs.model)), cle


def _jamais_nul(model, chemin: str) -> bool:
    """Whether the field path (``a__b__c``) from ``model`` can never give NULL: it goes forward
    through NOT NULL foreign keys (a nullable one is a LEFT JOIN) to a NOT NULL plain field."""
    noms = chemin.split("__")
    for i, nom in enumerate(noms):
        try:
            field = model._meta.pk if nom == "pk" else model._meta.get_field(nom)
        except FieldDoesNotExist:
            return False
        if getattr(field, "null", True) or not getattr(field, "concrete", False):
            return False
        if not field.is_relation:
            return i == len(noms) - 1  # nothing (a lookup, a transform) after a plain field
        if not (field.many_to_one or field.one_to_one) or i == len(noms) - 1:
            return False  # a relation ordered by its model's own ordering: keep NULLS LAST
        model = field.related_model
    return False


def _oriente(champ, desc: bool, model=None):
    if isinstance(champ, OrderBy):
        return champ if not desc else champ.copy().reverse_ordering()
    expr = F(champ) if isinstance(champ, str) else champ
    if isinstance(champ, str) and model is not None and _jamais_nul(model, champ):
        return expr.desc() if desc else expr.asc()
    return expr.desc(nulls_last=True) if desc else expr.asc(nulls_last=True)


class FiltreForm(forms.Form):
    """A GET filter form: bound to ``request.GET``; ``filter(qs)`` applies each valid, non-empty
    field through ``filtrer_<name>(qs, value)`` (or ``lookups[name]``) and ignores the invalid
    ones, which the template shows as field errors. Never raises on junk input."""

    #: ``{field name: lookup}`` for the simple filters (``qs.filter(**{lookup: value})``)
    lookups: Mapping[str, str] = {}

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data if data is not None else {}, *args, **kwargs)

    def valeurs(self) -> dict:
        """The valid, non-empty values (a new dict each call). Read once per validation: a list
        asks for them a dozen times (its filters, its search term, its sort, its template),
        each time going through ``errors`` for every field."""
        self.is_valid()
        memo = getattr(self, "_valeurs_validees", None)
        if memo is None or memo[0] is not self._errors:  # validated again since: read again
            cleaned = getattr(self, "cleaned_data", {})
            erreurs = self._errors
            valeurs = {
                nom: valeur
                for nom, valeur in cleaned.items()
                if nom not in erreurs and valeur not in (None, "", [], ())
            }
            memo = self._valeurs_validees = (erreurs, valeurs)
        return dict(memo[1])

    def filter(self, qs):
        for nom, valeur in self.valeurs().items():
            methode = getattr(self, f"filtrer_{nom}", None)
            if methode is not None:
                qs = methode(qs, valeur)
            elif nom in self.lookups:
                qs = qs.filter(**{self.lookups[nom]: valeur})
        return qs

    @property
    def actifs(self) -> bool:
        """Whether any filter is applied (to show a "clear filters" link)."""
        return bool(self.valeurs())


# Keys no row has yet: mark where each argument goes in a URL reversed once.
_MARQUES = (918_273_641, 918_273_642, 918_273_643)

_URLS_FIXES: dict = {}
_MODELES_URL: dict = {}


def url_fixe(nom: str) -> str:
    """``reverse(nom)`` of a route without arguments, reversed once per URL configuration
    and script prefix: the navbar and the home page link some thirty of them on every page
    (``{% lien 'nom' %}``, cpas_isp.templatetags.liens)."""
    cle = (settings.ROOT_URLCONF, get_urlconf(), get_script_prefix(), nom)
    url = _URLS_FIXES.get(cle)
    if url is None:
        url = _URLS_FIXES[cle] = reverse(nom)
    return url


def _morceaux(nom: str, nombre: int, cle: str | None = None) -> tuple:
    """The route's URL around its ``nombre`` integer arguments (positional, or the one
    keyword argument ``cle``), reversed once per URL configuration and script prefix."""
    cache = (settings.ROOT_URLCONF, get_urlconf(), get_script_prefix(), nom, nombre, cle)
    morceaux = _MODELES_URL.get(cache)
    if morceaux is None:
        marques = _MARQUES[:nombre]
        url = reverse(nom, kwargs={cle: marques[0]}) if cle else reverse(nom, args=marques)
        liste = []
        for marque in marques:
            gauche, url = url.split(str(marque), 1)
            liste.append(gauche)
        morceaux = _MODELES_URL[cache] = (*liste, url)
    return morceaux


def url_de(nom: str, *pks) -> str:
    """``reverse(nom, args=pks)`` for integer keys ``pks`` (up to three), from the route's URL
    reversed once (the person page links some thirty routes of the person: ``{% url_de %}``)."""
    morceaux = _morceaux(nom, len(pks))
    texte = morceaux[0]
    for pk, morceau in zip(pks, morceaux[1:], strict=True):
        texte = f"{texte}{int(pk)}{morceau}"
    return texte


def url_par_pk(nom: str, cle: str | None = "pk"):
    """``pk -> reverse(nom, kwargs={cle: pk})`` (``cle=None``: the one positional argument),
    from the route's URL reversed once, for a list or a timeline linking every row (one
    ``reverse()`` per row was most of their Python time). For routes whose only argument is an
    integer key; ``""`` for every pk when the route does not exist."""
    try:
        gauche, droite = _morceaux(nom, 1, cle)
    except NoReverseMatch:
        return lambda pk: ""
    return lambda pk: f"{gauche}{int(pk)}{droite}"


def echapper(valeur) -> str:
    """``django.utils.html.escape(valeur)`` as plain text: the same characters escaped
    (``html.escape``, which Django's calls), without its lazy-argument wrapper and SafeString
    (7 -> 1.6 us a call)."""
    return html.escape(str(valeur))


def echapper_conditionnel(valeur) -> str:
    """``django.utils.html.conditional_escape(valeur)`` as plain text: markup already safe kept
    as it is, anything else escaped by :func:`echapper`."""
    if hasattr(valeur, "__html__"):
        return valeur.__html__()
    return html.escape(str(valeur))
