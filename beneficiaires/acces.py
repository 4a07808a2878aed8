"""Need-to-know, fetched: one person, or one object belonging to a person, among those the user
may see (``Beneficiaire.objects.visibles_par``), or 404. Every app fetches people and their
steps, PIIS, stays, referrals, contracts... through these, so that what the user may not see
answers 404 everywhere (never 403: the user must not learn that it exists).

They also hold the one read-only rule of a closed file (``date_cloture``): during a request that
writes (POST, PUT, PATCH, DELETE; ``beneficiaires.middleware.LectureSeuleMiddleware`` says so),
fetching a closed person or one of their objects raises ``DossierCloture`` (403 with its
message), except in the few views marked ``permis_sur_dossier_cloture`` (reopen, legal hold)."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet, PermissionDenied
from django.db.models import BooleanField, Expression, F, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.query import MAX_GET_RESULTS
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from cpas_isp.memo import Memo
from cpas_isp.sql_compile import RequeteCompilee
from cpas_isp.tenancy import current_membership

from .models import Beneficiaire
from .models.personnes import sql_ids_visibles, voit_tout_le_cpas

#: True while a request that writes (POST...) is being served by a view not marked
#: ``permis_sur_dossier_cloture``; set by ``beneficiaires.middleware.LectureSeuleMiddleware``.
ECRITURE: ContextVar[bool] = ContextVar("beneficiaires_ecriture", default=False)


class DossierCloture(PermissionDenied):
    """A write on a closed file: refused with its message (403 page) until it is reopened."""

    def __init__(self, beneficiaire):
        super().__init__(
            _(
                "Le dossier de %(personne)s est clôturé depuis le %(date)s : il est en lecture "
                "seule. Un coordinateur ou le référent peut le rouvrir."
            )
            % {"personne": beneficiaire, "date": f"{beneficiaire.date_cloture:%d/%m/%Y}"}
        )


def permis_sur_dossier_cloture(view):
    """Marks a view that may write on a closed file (reopening it, a legal hold): the
    read-only check of ``get_beneficiaire_or_404`` does not apply to it."""
    view.permis_sur_dossier_cloture = True
    return view


def verifier_ecriture(beneficiaire):
    """The one read-only rule: during a writing request, a closed file refuses the write."""
    if ECRITURE.get() and beneficiaire.date_cloture is not None:
        raise DossierCloture(beneficiaire)


def _cle_bigint(pk: int) -> bool:
    """Whether ``pk`` fits a key column (a bigint): a compiled query may take it as a
    parameter (PostgreSQL refuses one out of range)."""
    return -(2**63) <= pk < 2**63


def get_beneficiaire_or_404(user, pk, queryset=None, cle=None):
    """The person ``pk`` if ``user`` may see them, else Http404. ``queryset`` (of
    Beneficiaire) adds select_related/annotations; it is narrowed, never widened.

    ``cle``: a key holding every input of ``queryset`` (e.g. ``queries.requete_memorisee``'s):
    the query is then compiled once per key and need-to-know condition (``_fiche_compilee``)
    instead of on every call (~1 ms of Python for the person page's query); without a
    queryset (the plain person), compiled too. Only for an integer ``pk`` (a URL's)."""
    if isinstance(pk, int) and not _cle_bigint(pk):
        # No person has it: what the ORM answers for it, without the compiled query's
        # parameter, which PostgreSQL would refuse as out of range.
        raise Http404(f"No {Beneficiaire._meta.object_name} matches the given query.")
    if queryset is None:
        queryset, cle = Beneficiaire.objects.all(), ("personne",)
    compilee = _fiche_compilee(user, queryset, cle) if cle is not None and type(pk) is int else None
    if compilee is None:
        beneficiaire = get_object_or_404(queryset.visibles_par(user), pk=pk)
    else:
        lignes = compilee.lignes(pk)
        if not lignes:
            raise Http404(f"No {Beneficiaire._meta.object_name} matches the given query.")
        (beneficiaire,) = lignes
    verifier_ecriture(beneficiaire)
    return beneficiaire


#: (caller's key, the need-to-know rule's SQL and parameters) -> the query compiled once
_FICHES: Memo[RequeteCompilee] = Memo(512)


def _fiche_compilee(user, base, cle) -> RequeteCompilee | None:
    """``base.visibles_par(user).get(pk=…)``'s query compiled once per ``cle`` (every input
    of ``base``) and per SQL of ``visibles_par(user)``'s conditions (the user's CPAS, role,
    people: every input of the rule is in that SQL and its parameters). None (the plain
    query then) when the rule is more than conditions on the person's table, or matches
    nobody."""
    visibles = Beneficiaire.objects.visibles_par(user)
    requete = visibles.query
    if (
        requete.distinct
        or requete.annotations
        or requete.extra
        or requete.is_sliced
        # a join the conditions use (a join trimmed from the SQL is kept with no reference)
        or sum(1 for n in requete.alias_refcount.values() if n) > 1
    ):
        return None
    compiler = requete.get_compiler(visibles.db)
    try:
        sql, params = compiler.compile(requete.where)
    except EmptyResultSet:
        return None
    # get(): no ordering, at most MAX_GET_RESULTS rows (the same SQL, the same prepared
    # statement as the plain query's).
    return _FICHES.obtenir(
        (cle, sql, tuple(params)),
        lambda: RequeteCompilee(
            lambda personne: (
                base.visibles_par(user).filter(pk=personne).order_by()[:MAX_GET_RESULTS]
            )
        ),
    )


class ParmiLesIds(Expression):
    """``champ = ANY(ARRAY(ids))``: the ids subquery read once into an array (an init plan),
    then ``champ``'s index probed for each, instead of a semi-join whose sizes the planner
    guesses from the rule's UNION (it then probes the person table once per person)."""

    output_field = BooleanField()

    def __init__(self, champ, ids):
        super().__init__()
        # A queryset of ids, or their SQL as it is (``RawSQL``: ``sql_ids_visibles``).
        self.champ, self.ids = F(champ), ids if isinstance(ids, RawSQL) else Subquery(ids)

    def get_source_expressions(self):
        return [self.champ, self.ids]

    def set_source_expressions(self, exprs):
        self.champ, self.ids = exprs

    def as_sql(self, compiler, connection):
        champ, params_champ = compiler.compile(self.champ)
        ids, params_ids = compiler.compile(self.ids)
        return f"{champ} = ANY(ARRAY{ids})", (*params_champ, *params_ids)


class ParmiLesIdsEnFiltre(ParmiLesIds):
    """``(champ IN (ids)) IS TRUE``: each row tested in a hash of the ids, built once (a hashed
    subplan), where PostgreSQL would turn ``champ IN (ids)`` into a semi-join planned from the
    rule's UNION estimates (a few dozen people for a whole cellule's ~1,800): it then reads
    every object of every person (an agent's referral list: each of ~5,900 referrals joined
    to its person, sorted, to show 30). For a list read in an index's order and cut: its rows
    are read in that order and tested until the page is full. Same rows: the test is true for
    the rows ``champ IN (ids)`` keeps, false (never NULL) for the others."""

    def as_sql(self, compiler, connection):
        champ, params_champ = compiler.compile(self.champ)
        ids, params_ids = compiler.compile(self.ids)
        return f"({champ} IN {ids}) IS TRUE", (*params_champ, *params_ids)


def sql_visible_par_ligne(cte: str, colonne: str) -> str:
    """``colonne``'s person is one the user may see, asked line by line: ``cte`` is a CTE
    ``AS NOT MATERIALIZED`` of ``visibles_par(user)``'s ids that the caller's statement
    defines, or the rule's one-column query itself in parentheses (``sql_ids_visibles``).
    OFFSET 0 keeps the subquery apart, so that PostgreSQL pushes the person's id into each
    branch of the rule's UNION ALL and probes their indexes (a few probes a line), instead of
    computing every person the user may see (a whole cellule: ~1,800 people) to keep the few
    lines' people."""
    return f"EXISTS (SELECT FROM {cte} v (id) WHERE v.id = {colonne} OFFSET 0)"


class VisibleParLigne(Expression):
    """``sql_visible_par_ligne`` as a condition of a queryset on its column ``champ``
    (``params``: those of ``cte`` when it is the rule's query)."""

    output_field = BooleanField()

    def __init__(self, champ, cte: str, params=()):
        super().__init__()
        self.champ, self.cte, self.params = F(champ), cte, tuple(params)

    def get_source_expressions(self):
        return [self.champ]

    def set_source_expressions(self, exprs):
        (self.champ,) = exprs

    def as_sql(self, compiler, connection):
        champ, params = compiler.compile(self.champ)
        return sql_visible_par_ligne(self.cte, champ), (*params, *self.params)


@dataclass(frozen=True)
class VisiblesParLigne:
    """The people the user may see, checked line by line against the CTE ``cte`` of the
    caller's statement (``sql_visible_par_ligne``): given as ``objets_visibles``'s ``ids``,
    for objects of few lines among many people (the other apps' kinds of "Mes échéances")."""

    cte: str


def objets_visibles(
    queryset,
    user,
    champ="beneficiaire",
    en_tableau=False,
    ids=None,
    en_filtre=False,
    par_ligne=False,
):
    """Rows of ``queryset`` (a tenant queryset of objects belonging to a person through
    ``champ``) in the user's CPAS whose person the user may see. ``en_tableau``: the people's
    ids read once as an array (``ParmiLesIds``), for counts over the objects of many people
    (the home page's referrals summary). ``en_filtre``: each row tested in a hash of the
    people's ids (``ParmiLesIdsEnFiltre``), for a list read in an index's order and cut (the
    referral list). ``ids``: those people's ids as the caller computed
    them already (an expression, e.g. a CTE of ``visibles_par(user)``), read instead of the
    rule; or ``VisiblesParLigne``, each line's person then checked against the caller's CTE.
    ``par_ligne``: each line's person checked against the rule's ids line by line
    (``sql_visible_par_ligne``), for one object or a few (``get_objet_or_404``): a few index
    probes, where a semi-join computed every person the user may see (~1 ms for a cellule).

    A model whose ``personne_du_cpas`` names ``champ`` has a database constraint (a foreign key
    on person and CPAS to ``beneficiaire_id_cpas``) that its rows carry their person's CPAS:
    for a user who sees every person of the CPAS, its rows of the CPAS are those of the
    people they see, without the people's subquery (a join of every row with its person)."""
    qs = queryset.for_user(user)
    if getattr(queryset.model, "personne_du_cpas", None) == champ and voit_tout_le_cpas(user):
        return qs
    if ids is None and (en_tableau or en_filtre or par_ligne):
        # Only the ids are read: the rule's ids-only form (``sql_ids_visibles``: the same
        # people, without checking each id against the person table).
        try:
            ids = RawSQL(*sql_ids_visibles(user))
        except EmptyResultSet:
            return qs.none()
    elif ids is None:
        ids = Beneficiaire.objects.visibles_par(user).order_by().values("pk")
    if isinstance(ids, VisiblesParLigne):
        return qs.filter(VisibleParLigne(f"{champ}_id", ids.cte))
    if par_ligne and isinstance(ids, RawSQL):
        return qs.filter(VisibleParLigne(f"{champ}_id", f"({ids.sql})", ids.params))
    if en_tableau:
        return qs.filter(ParmiLesIds(f"{champ}_id", ids))
    if en_filtre:
        return qs.filter(ParmiLesIdsEnFiltre(f"{champ}_id", ids))
    return qs.filter(**{f"{champ}__in": ids})


#: (caller's key, model, field, ``cle_des_visibles``) -> the query compiled once
_OBJETS: Memo[RequeteCompilee] = Memo(512)


def _objet_compile(queryset, user, champ, cle, lookup) -> RequeteCompilee | None:
    """``get_objet_or_404``'s query compiled once per ``cle`` (every input of ``queryset``),
    field and need-to-know rule; None (the plain query then) without a key, for a lookup
    other than an integer ``pk`` a key may hold, or when the rule is empty."""
    pk = lookup.get("pk")
    if cle is None or set(lookup) != {"pk"} or type(pk) is not int or not _cle_bigint(pk):
        return None
    try:
        regle = cle_des_visibles(user)
    except EmptyResultSet:
        return None
    return _OBJETS.obtenir(
        (cle, queryset.model._meta.label, champ, regle),
        lambda: RequeteCompilee(
            lambda objet: (
                objets_visibles(queryset, user, champ, par_ligne=True)
                .filter(pk=objet)
                .order_by()[:MAX_GET_RESULTS]
            )
        ),
    )


def cle_des_visibles(user) -> tuple:
    """What ``objets_visibles(queryset, user, en_tableau=True)`` and ``en_filtre=True`` read of
    the user, as a key of statements built from them (compiled once per key): the user's
    current CPAS (``for_user``) and the rule's SQL and parameters (``sql_ids_visibles``); the
    CPAS alone for a user who sees the whole CPAS (the rule is then the CPAS). Raises
    ``EmptyResultSet`` when the rule is empty by construction (nothing to key)."""
    membership = current_membership(user)
    cpas_id = membership.cpas_id if membership is not None else None
    if voit_tout_le_cpas(user):
        return (cpas_id, None, ())
    sql, params = sql_ids_visibles(user)
    return (cpas_id, sql, tuple(params))


def get_objet_or_404(queryset, user, champ="beneficiaire", cle=None, **lookup):
    """One object belonging to a person the user may see (see ``objets_visibles``), or 404;
    during a writing request, refused when that person's file is closed (checked on the
    person when the queryset read them with the object, ``select_related(champ)``).

    ``cle``: a key holding every input of ``queryset``: looked up by ``pk`` alone, its query
    is then compiled once per key and need-to-know rule (``cle_des_visibles``) and prepared on
    the connection, instead of built, compiled and planned on every call (a PIIS with its
    person: ~3 ms -> 0.8 ms)."""
    compilee = _objet_compile(queryset, user, champ, cle, lookup)
    if compilee is None:
        objet = get_object_or_404(objets_visibles(queryset, user, champ, par_ligne=True), **lookup)
    else:
        lignes = compilee.lignes(lookup["pk"])
        if not lignes:
            raise Http404(f"No {queryset.model._meta.object_name} matches the given query.")
        (objet,) = lignes
    if ECRITURE.get() and objet._meta.get_field(champ).is_cached(objet):
        verifier_ecriture(getattr(objet, champ))
    elif ECRITURE.get():
        clos = (
            Beneficiaire.objects.filter(
                pk__in=queryset.model._default_manager.filter(pk=objet.pk).values(champ),
                date_cloture__isnull=False,
            )
            .only("pk", "nom", "prenom", "date_cloture", "anonymise_le")
            .first()
        )
        if clos is not None:
            raise DossierCloture(clos)
    return objet
