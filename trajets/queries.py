"""Read-side querysets and aggregates of the trajectory, shared by views, hooks and reports."""

from __future__ import annotations

import datetime
import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    CharField,
    Count,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Value,
    Window,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from beneficiaires import hooks as hooks_beneficiaires
from beneficiaires.acces import VisiblesParLigne, sql_visible_par_ligne
from beneficiaires.models import Beneficiaire, DroitAide
from beneficiaires.models.personnes import voit_ses_dossiers, voit_tout_le_cpas
from cpas_isp.lots import GENERIQUE, ensemble, executer_ensemble, executer_lot, lire
from cpas_isp.memo import Memo
from cpas_isp.models import User, libelle_bilingue
from cpas_isp.preparation import litteraux
from cpas_isp.tenancy import current_membership
from trajets import delais
from trajets.models.article60 import ContratArticle60, PoolArticle60
from trajets.models.journal import Etape, TypeEtape
from trajets.models.phases import CELLULE_DE_PHASE, PassagePhase
from trajets.models.piis import EvaluationPiis, Piis, StatutPiis

JOURS_NOUVEAU = 14  # "newly arrived" in a cellule's queue
JOURS_FIN_PROCHE = 60  # article 60 contracts ending soon


def phases_de_cellule(cellule) -> list[str]:
    return [phase for phase, code in CELLULE_DE_PHASE.items() if code == cellule.code]


def personnes_de_cellule(cellule, date=None):
    """Ids (values queryset) of the people whose stay running on ``date`` (today) is in a phase
    served by ``cellule``: the ids function registered with ``filtrer_par_cellule``."""
    date = date or timezone.localdate()
    return (
        PassagePhase.objects.filter(cpas_id=cellule.cpas_id, phase__in=phases_de_cellule(cellule))
        .en_cours_le(date)
        .order_by()
        .values("beneficiaire_id")
    )


def filtrer_par_cellule(queryset, cellule, date=None):
    """People of ``queryset`` whose stay running today is in a phase served by ``cellule``
    (registered as beneficiaires' cellule filter)."""
    return queryset.filter(pk__in=personnes_de_cellule(cellule, date))


# --- Annotations reused by the caseload and the queues --------------------------------------


def _passage_courant(date):
    # Explicit order: the model's default ordering ("beneficiaire") would join the person table
    # in every subquery.
    return (
        PassagePhase.objects.filter(beneficiaire=OuterRef("pk"))
        .en_cours_le(date)
        .order_by("-debut")
    )


def annoter_phase_courante(queryset, date=None):
    """Adds ``phase_courante`` and ``phase_depuis`` to a Beneficiaire queryset (same query)."""
    date = date or timezone.localdate()
    courant = _passage_courant(date)
    return queryset.annotate(
        phase_courante=Subquery(courant.values("phase")[:1]),
        phase_depuis=Subquery(courant.values("debut")[:1]),
    )


def annoter_suivi(queryset, date=None, prefixe="beneficiaire"):
    """Adds to a queryset whose rows lead to a person through ``prefixe`` (or are people when
    prefixe is empty): last step date, overdue next actions, overdue PIIS evaluations,
    unsigned PIIS past the 3-month deadline."""
    date = date or timezone.localdate()
    ref = OuterRef(f"{prefixe}_id" if prefixe else "pk")
    limite_signature = date - relativedelta(months=delais.MOIS_SIGNATURE)
    actions = (
        Etape.objects.filter(beneficiaire_id=ref, echeance__lt=date, action_faite_le__isnull=True)
        .order_by()
        .values("beneficiaire_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    evaluations = (
        EvaluationPiis.objects.filter(
            piis__beneficiaire_id=ref,
            piis__statut=StatutPiis.SIGNE,
            date_tenue__isnull=True,
            date_prevue__lt=date,
        )
        .order_by()
        .values("piis__beneficiaire_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return queryset.annotate(
        derniere_etape=Subquery(
            Etape.objects.filter(beneficiaire_id=ref)
            .order_by()
            .values("beneficiaire_id")
            .annotate(m=Max("date"))
            .values("m")
        ),
        actions_en_retard=Coalesce(Subquery(actions, output_field=IntegerField()), Value(0)),
        evaluations_en_retard=Coalesce(
            Subquery(evaluations, output_field=IntegerField()), Value(0)
        ),
        signature_piis_en_retard=Exists(
            Piis.objects.filter(
                beneficiaire_id=ref,
                statut__in=[StatutPiis.BROUILLON, StatutPiis.PROPOSE],
                avenant_de__isnull=True,
                date_decision_ris__lt=limite_signature,
            )
        ),
    )


def en_retard(cpas_id, date, champ="beneficiaire_id") -> Q:
    """People with something overdue: a next action past its date, a PIIS evaluation past its
    date, or a PIIS still unsigned 3 months after the RIS decision.

    Per row for the actions and the PIIS (``EXISTS``: a probe of the person's open actions,
    a partial index, and of their PIIS), set-based for the evaluations (``IN`` over the few
    evaluations to hold, a partial index): hashing every open action of the CPAS to count
    one cellule's queue cost more than probing the queue's people."""
    limite_signature = date - relativedelta(months=delais.MOIS_SIGNATURE)
    personne = OuterRef(champ)
    actions = Etape.objects.filter(
        beneficiaire_id=personne, cpas_id=cpas_id, echeance__lt=date, action_faite_le__isnull=True
    )
    evaluations = EvaluationPiis.objects.filter(
        cpas_id=cpas_id,
        date_tenue__isnull=True,
        date_prevue__lt=date,
        piis__statut=StatutPiis.SIGNE,
    ).values("piis__beneficiaire_id")
    signatures = Piis.objects.filter(
        beneficiaire_id=personne,
        cpas_id=cpas_id,
        statut__in=[StatutPiis.BROUILLON, StatutPiis.PROPOSE],
        avenant_de__isnull=True,
        date_decision_ris__lt=limite_signature,
    )
    return Q(Exists(actions)) | Q(**{f"{champ}__in": evaluations}) | Q(Exists(signatures))


# The columns the cellule queue shows (the person, the stay's start, who follows it): the
# rows' models are read with these fields only.
COLONNES_FILE = (
    "beneficiaire_id",
    "debut",
    "beneficiaire__nom",
    "beneficiaire__prenom",
    "beneficiaire__anonymise_le",
    "agent__username",
    "agent__first_name",
    "agent__last_name",
    "beneficiaire__referent__username",
    "beneficiaire__referent__first_name",
    "beneficiaire__referent__last_name",
)


def file_cellule(user, cellule, date=None, filtre: str = ""):
    """The stays running today in the cellule's phases, with what the queue shows per row."""
    date = date or timezone.localdate()
    qs = (
        PassagePhase.objects.for_user(user)
        .filter(phase__in=phases_de_cellule(cellule))
        .en_cours_le(date)
        .select_related("beneficiaire", "agent", "beneficiaire__referent")
        .only(*COLONNES_FILE)
    )
    if filtre == "nouveaux":
        qs = qs.filter(debut__gte=date - datetime.timedelta(days=JOURS_NOUVEAU))
    elif filtre == "retard":
        qs = qs.filter(en_retard(cellule.cpas_id, date))
    elif filtre == "miens":
        # Who follows a person is their referent (the stay's agent follows it when reassigned).
        qs = qs.filter(beneficiaire__referent=user)
    qs = annoter_suivi(qs, date)  # per row, only for the rows of the page
    return qs.order_by("-debut", "beneficiaire__nom", "beneficiaire__prenom")


# --- The cellule queue in plain SQL (the page) ------------------------------------------------
#
# The page's rows and counters are read in plain SQL: building the querysets above (a join of
# four tables, four correlated subqueries, the overdue filter's three) cost the page more than
# running them. tests/trajets/test_file_cellule_compte.py compares them with ``file_cellule``
# and ``en_retard`` (the ORM versions, still used to filter people by their queue).


@dataclass(slots=True)
class LigneFile:
    """A row of the cellule queue: only the columns shown (no model instances)."""

    beneficiaire_id: int
    debut: datetime.date
    personne: str  # as Beneficiaire.__str__
    suivi_par: str  # the stay's agent, else the referent (as User.__str__); "" for nobody
    derniere_etape: datetime.date | None
    actions_en_retard: int
    evaluations_en_retard: int
    signature_piis_en_retard: bool


def _sql_file(cpas_id, phases, date, filtre: str = "", user_id=None) -> tuple[str, list]:
    """The WHERE of the stays ``p`` of a queue (``file_cellule``'s, with ``filtre``; "miens"
    reads their people as ``b``) and its params."""
    # "phase IN (%s)", not "= ANY(array)": one phase is then an equality, and the index on
    # (cpas, phase, debut) gives the stays in the page's order (the LIMIT stops it early).
    sql = f"""p.cpas_id = %s AND p.phase IN ({", ".join(["%s"] * len(phases)) or "NULL"})
           AND p.debut <= %s AND (p.fin IS NULL OR p.fin >= %s)"""
    params = [cpas_id, *phases, date, date]
    if filtre == "nouveaux":
        sql += " AND p.debut >= %s"
        params.append(date - datetime.timedelta(days=JOURS_NOUVEAU))
    elif filtre == "retard":
        retard, p_retard = _sql_en_retard(cpas_id, date)
        sql += f" AND {retard}"
        params.extend(p_retard)
    elif filtre == "miens":
        # Who follows a person is their referent (the stay's agent follows it when reassigned).
        sql += " AND b.referent_id = %s"
        params.append(user_id)
    return sql, params


_FROM_FILE = (
    f"FROM {PassagePhase._meta.db_table} p "
    f"JOIN {Beneficiaire._meta.db_table} b ON b.id = p.beneficiaire_id"
)


def _sql_en_retard(cpas_id, date) -> tuple[str, list]:
    """``en_retard`` for the stay ``p`` in SQL, as the ORM writes it (EXISTS ... LIMIT 1 for
    the actions and the PIIS, IN over the evaluations to hold): the same plans."""
    limite_signature = date - relativedelta(months=delais.MOIS_SIGNATURE)
    sql = f"""(EXISTS (SELECT 1 FROM {Etape._meta.db_table} e
                       WHERE e.beneficiaire_id = p.beneficiaire_id AND e.cpas_id = %s
                         AND e.echeance < %s AND e.action_faite_le IS NULL LIMIT 1)
               OR p.beneficiaire_id IN (
                   SELECT pi.beneficiaire_id FROM {EvaluationPiis._meta.db_table} v
                     JOIN {Piis._meta.db_table} pi ON pi.id = v.piis_id
                    WHERE v.cpas_id = %s AND v.date_prevue < %s AND v.date_tenue IS NULL
                      AND pi.statut = %s)
               OR EXISTS (SELECT 1 FROM {Piis._meta.db_table} pi
                           WHERE pi.beneficiaire_id = p.beneficiaire_id AND pi.cpas_id = %s
                             AND pi.statut IN (%s, %s) AND pi.avenant_de_id IS NULL
                             AND pi.date_decision_ris < %s LIMIT 1))"""
    params = [
        cpas_id,
        date,
        cpas_id,
        date,
        StatutPiis.SIGNE.value,
        cpas_id,
        StatutPiis.BROUILLON.value,
        StatutPiis.PROPOSE.value,
        limite_signature,
    ]
    return sql, params


def _sql_compteurs(cpas_id, phases, date) -> tuple[str, list]:
    """The queue's counters' statement: stays in all, newly arrived, with something overdue."""
    where, params = _sql_file(cpas_id, phases, date)
    retard, p_retard = _sql_en_retard(cpas_id, date)
    return (
        f"""SELECT count(*), count(*) FILTER (WHERE p.debut >= %s),
                   count(*) FILTER (WHERE {retard})
              FROM {PassagePhase._meta.db_table} p WHERE {where}""",
        [date - datetime.timedelta(days=JOURS_NOUVEAU), *p_retard, *params],
    )


def _compteurs(ligne) -> dict:
    total, nouveaux, en_retard_ = ligne
    return {"total": total, "nouveaux": nouveaux, "retard": en_retard_}


def compteurs_file(user, cellule, date=None) -> dict:
    """How many stays the queue holds: in all, newly arrived, with something overdue."""
    date = date or timezone.localdate()
    membership = current_membership(user)
    if membership is None:
        return {"total": 0, "nouveaux": 0, "retard": 0}
    sql, params = _sql_compteurs(membership.cpas_id, phases_de_cellule(cellule), date)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return _compteurs(cursor.fetchone())


def _nom_utilisateur(username, first_name, last_name) -> str:
    """User.__str__ from its columns."""
    return f"{first_name} {last_name}".strip() or username


class LignesFile:
    """The rows of a cellule queue (``file_cellule``'s, as ``LigneFile``) for ``paginer``:
    ``count()`` runs a COUNT (the view passes the counters' figure instead when it has it), a
    slice runs the query of that page only, unless ``compteurs_et_tranche`` read it already."""

    def __init__(self, user, cellule, date, filtre: str = ""):
        membership = current_membership(user)
        self.cpas_id = membership.cpas_id if membership else None
        self.date = date
        self.phases = phases_de_cellule(cellule)
        self.where, self.params = _sql_file(self.cpas_id, self.phases, date, filtre, user.pk)
        self._lue = None  # (start, stop, rows) of the slice read with the counters

    def count(self) -> int:
        if self.cpas_id is None:
            return 0
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) {_FROM_FILE} WHERE {self.where}", self.params)
            return cursor.fetchone()[0]

    def __len__(self):
        return self.count()

    def compteurs_et_tranche(self, debut: int, fin: int, avec=()) -> dict:
        """``compteurs_file``'s counters, and the rows of the slice ``[debut:fin]`` read in the
        same round trip, each statement prepared once per connection (their planning cost
        more than running them): the paginator's slice of the same page (or of the last page,
        cut at the total) is then answered without a query. ``avec``: other
        ``cpas_isp.lots`` generators of the page (the bell's count), read in the same round
        trip."""
        if self.cpas_id is None:
            return {"total": 0, "nouveaux": 0, "retard": 0}
        requetes = [
            _sql_compteurs(self.cpas_id, self.phases, self.date),
            self._sql_tranche(debut, fin),
        ]
        compteurs, lignes = executer_ensemble([lire(requetes), *avec])[0]
        self._lue = (debut, fin, self._lignes(lignes))
        return _compteurs(compteurs[0])

    def __getitem__(self, tranche) -> list[LigneFile]:
        if not isinstance(tranche, slice) or tranche.step is not None:
            raise TypeError("LignesFile takes slices only (a page)")
        if self.cpas_id is None:
            return []
        debut = tranche.start or 0
        if self._lue is not None and tranche.stop is not None:
            lue_debut, lue_fin, lues = self._lue
            # The slice read holds every row up to its end: a shorter one is its start.
            if debut == lue_debut and tranche.stop <= lue_fin:
                return lues[: max(tranche.stop - debut, 0)]
        with connection.cursor() as cursor:
            cursor.execute(*self._sql_tranche(debut, tranche.stop))
            return self._lignes(cursor.fetchall())

    def _sql_tranche(self, debut: int, fin: int | None) -> tuple[str, list]:
        date = self.date
        etapes, piis, users = Etape._meta.db_table, Piis._meta.db_table, User._meta.db_table
        # Sorted and cut first: PostgreSQL computes the subqueries of the select list for the
        # rows of the page only (after the LIMIT). Past the first page, the stays are cut in
        # a subquery ``p`` (with their person's columns) and the columns computed over it:
        # the select list of a statement cut by an OFFSET is also computed for every row it
        # skips (the last page of a 1,500-stay queue: 35 ms). The unsigned PIIS as a scalar
        # sub-select, not EXISTS: PostgreSQL may answer an EXISTS by hashing every PIIS it
        # could match (planned for the whole queue, not the page's rows): a probe per row.
        # ``b``: the alias of the person's columns (the person's table, or the cut's ``p``).

        def colonnes(b):
            return f"""p.beneficiaire_id, p.debut, {b}.nom, {b}.prenom, {b}.anonymise_le,
                   ua.username, ua.first_name, ua.last_name,
                   ur.username, ur.first_name, ur.last_name,
                   (SELECT max(e.date) FROM {etapes} e WHERE e.beneficiaire_id = p.beneficiaire_id),
                   (SELECT count(*) FROM {etapes} e
                     WHERE e.beneficiaire_id = p.beneficiaire_id AND e.echeance < %s
                       AND e.action_faite_le IS NULL),
                   (SELECT count(*) FROM {EvaluationPiis._meta.db_table} v
                      JOIN {piis} pi ON pi.id = v.piis_id
                     WHERE pi.beneficiaire_id = p.beneficiaire_id AND pi.statut = %s
                       AND v.date_tenue IS NULL AND v.date_prevue < %s),
                   COALESCE((SELECT true FROM {piis} pi
                              WHERE pi.beneficiaire_id = p.beneficiaire_id
                                AND pi.statut IN (%s, %s) AND pi.avenant_de_id IS NULL
                                AND pi.date_decision_ris < %s LIMIT 1), false)"""

        def noms(b):
            return f"""LEFT JOIN {users} ua ON ua.id = p.agent_id
              LEFT JOIN {users} ur ON ur.id = {b}.referent_id"""

        params = [
            date,
            StatutPiis.SIGNE.value,
            date,
            StatutPiis.BROUILLON.value,
            StatutPiis.PROPOSE.value,
            date - relativedelta(months=delais.MOIS_SIGNATURE),
        ]
        # The page's size written in the text (an integer): a LIMIT parameter would make
        # PostgreSQL plan the prepared statement afresh on every request (its generic plan,
        # not knowing the LIMIT, looks costlier than each custom one).
        limite = f" LIMIT {int(max(fin - debut, 0))}" if fin is not None else ""
        if not debut:
            sql = f"""SELECT {colonnes("b")} {_FROM_FILE} {noms("b")}
                 WHERE {self.where} ORDER BY p.debut DESC, b.nom, b.prenom{limite}"""
            return sql, [*params, *self.params]
        sql = f"""SELECT {colonnes("p")}
              FROM (SELECT p.beneficiaire_id, p.debut, p.agent_id, b.referent_id, b.nom,
                           b.prenom, b.anonymise_le
                      {_FROM_FILE} WHERE {self.where}
                     ORDER BY p.debut DESC, b.nom, b.prenom{limite} OFFSET %s) p
              {noms("p")}
             ORDER BY p.debut DESC, p.nom, p.prenom"""
        return sql, [*params, *self.params, debut]

    def _lignes(self, rows) -> list[LigneFile]:
        anonymise = _("Dossier anonymisé n° %(n)s")
        lignes = []
        for ligne in rows:
            pk, debut_passage, nom, prenom, anonymise_le = ligne[:5]
            if ligne[5] is not None:  # the stay's agent, else the person's referent
                suivi_par = _nom_utilisateur(*ligne[5:8])
            elif ligne[8] is not None:
                suivi_par = _nom_utilisateur(*ligne[8:11])
            else:
                suivi_par = ""
            lignes.append(
                LigneFile(
                    pk,
                    debut_passage,
                    f"{nom.upper()} {prenom}" if anonymise_le is None else anonymise % {"n": pk},
                    suivi_par,
                    *ligne[11:],
                )
            )
        return lignes


# --- "Mes échéances" --------------------------------------------------------------------------


@dataclass
class Echeance:
    """One line of "Mes échéances": only the columns shown (no model instances)."""

    date: datetime.date
    genre: str  # "action", "evaluation", "signature"
    libelle: str
    beneficiaire_id: int
    personne: str  # as Beneficiaire.__str__: "NOM Prénom"
    objet_id: int  # the step, the evaluation or the PIIS
    type_libelle: str = ""  # actions: the step's type and date
    etape_date: datetime.date | None = None
    url_personne: str = ""
    url_objet: str = ""

    @property
    def en_retard(self) -> bool:
        return self.date < timezone.localdate()


COLONNES_ECHEANCE = (
    "quand",
    "genre",
    "libelle",
    "personne_id",
    "personne_nom",
    "personne_prenom",
    "objet_id",
    "type_libelle",
    "etape_date",
)


@dataclass
class SourceEcheances:
    """A kind of item another app adds to "Mes échéances" (``register_echeances``):
    ``requete(user, jusqu_au, visibles)`` returns a queryset annotated with the columns of
    COLONNES_ECHEANCE (``genre`` = the source's ``genre``) for the people ``visibles``, to
    give as ``beneficiaires.acces.objets_visibles``'s ``ids`` (an expression of their ids,
    or ``VisiblesParLigne``);
    ``libelle(libelle, type_libelle)`` makes the line's text; ``url_objet`` is the URL name
    of the object's page, reversed with its pk as the keyword argument ``cle_url``.
    The SQL of ``requete`` is built once per key (``_union_echeances``): it may depend only on
    the user and their current membership, ``jusqu_au``, the active language and today."""

    genre: str
    requete: Callable
    url_objet: str
    libelle: Callable | None = None
    cle_url: str = "pk"


SOURCES_ECHEANCES: dict[str, SourceEcheances] = {}

#: A source's ``personne_nom`` and ``personne_prenom``: left NULL, read after the cut for the
#: lines kept only (``_colonnes_avec_noms``), so that no line is joined to its person before.
NOM_LU_APRES = Value(None, output_field=CharField())


def referes_par(user):
    """The ids of the people ``user`` refers, for a source's "the people the user follows"
    (``beneficiaire__in=referes_par(user)``): read once from the referent's index as a set
    that each line is looked up in, rather than a join of every line with its person, so
    that the need-to-know check of ``VisiblesParLigne`` runs last, for the few lines left."""
    return Beneficiaire.objects.filter(referent=user).order_by().values("pk")


def register_echeances(source: SourceEcheances) -> SourceEcheances:
    """Add a kind of item to "Mes échéances" (from a later app's AppConfig.ready())."""
    SOURCES_ECHEANCES[source.genre] = source
    return source


def _sql_echeances_trajets(
    cpas_id, user_id, jusqu_au, limite_alerte, par_personne=True
) -> list[tuple]:
    """This app's three kinds of item due (next actions, PIIS evaluations, PIIS signatures),
    each as (sql, params) in the columns of COLONNES_ECHEANCE, for the people of the CTE
    ``_SUIVIS_CTE`` (the people the user refers and may see) or, for the actions the user
    wrote for others, the people the user may see: checked one by one against the rule
    (``_VISIBLE_LIGNE``) when ``par_personne``, else read in the CTE ``_VISIBLES_CTE``.
    Their names are left NULL: they are read after the union, for the lines kept only
    (``_colonnes_avec_noms``), so that the items sorted and counted are narrow; so are an
    action's text, its step's type and date where the step's row is not read (a whole CPAS's
    actions, or those of the people the user refers, probed person by person: read from
    indexes alone; the ~100 lines of a page are then read by id, where the ~600 rows of an
    agent's actions, and their types, were each read before the cut), and taken from the row
    where it is (the user's actions of other people, read by id). Plain SQL: building them
    with the ORM (three querysets of joins and annotations) cost more than running them.
    tests/trajets/test_echeances.py compares them with the ORM querysets they replace.

    - actions: open next actions (not done) due by ``jusqu_au``, that the user wrote or of
      people they refer;
    - evaluations: PIIS evaluations not held, of signed PIIS, of people the user refers;
    - signatures: first PIIS (not amendments) still in draft or proposed, of people the user
      refers, from 2.5 months after the RIS decision; due 3 months after it (PostgreSQL's
      month arithmetic clamps to the end of shorter months like relativedelta,
      delais.signature_due_le).

    Each kind starts from its own open items (partial indexes) or from the people the user
    refers, never from every person they may see: an agent sees a whole cellule's people,
    and reading each one's steps cost more than the rest of the page."""
    colonnes_action = """
        SELECT e.echeance AS quand, 'action' AS genre, NULL::varchar AS libelle,
               e.beneficiaire_id AS personne_id, NULL::varchar AS personne_nom,
               NULL::varchar AS personne_prenom, e.id AS objet_id,
               NULL::varchar AS type_libelle, NULL::date AS etape_date"""
    # The step's text, type and date taken from its row where the branch reads it anyway (the
    # user's actions of people they do not refer, read by id), so that no line of them is
    # probed again by its id after the cut (``_NOMS``: only lines whose step date, never NULL
    # in the table, is still NULL).
    libelle_type = "libelle_nl" if libelle_bilingue(False, True) else "libelle_fr"
    colonnes_action_lue = f"""
        SELECT e.echeance AS quand, 'action' AS genre, e.prochaine_action::varchar AS libelle,
               e.beneficiaire_id AS personne_id, NULL::varchar AS personne_nom,
               NULL::varchar AS personne_prenom, e.id AS objet_id,
               t.{libelle_type}::varchar AS type_libelle, e.date AS etape_date"""
    type_lu = f"LEFT JOIN {TypeEtape._meta.db_table} t ON t.id = e.type_id"
    ouverte = """e.cpas_id = %s AND e.action_faite_le IS NULL AND e.echeance IS NOT NULL
           AND e.echeance <= %s"""
    if par_personne:
        # The people the user refers, each probed in the open actions' partial index by
        # person (read from the index alone: the texts of the lines kept are read after the
        # cut); then the user's own open actions of the other people, chosen from the
        # partial index by author alone (an index-only scan: an agent writes most of their
        # steps for the people they refer, whose rows are not read twice), each person
        # checked against the need-to-know rule (``_VISIBLE_LIGNE``), then read by primary key.
        actions = [
            (
                f"""{colonnes_action}
          FROM {_SUIVIS_CTE} s
          JOIN {Etape._meta.db_table} e ON e.beneficiaire_id = s.id
         WHERE {ouverte}""",
                [cpas_id, jusqu_au],
            ),
            (
                f"""{colonnes_action_lue}
          FROM {Etape._meta.db_table} e
          {type_lu}
         WHERE e.id IN (
            SELECT e.id FROM {Etape._meta.db_table} e
             WHERE e.auteur_id = %s AND {ouverte}
               AND e.beneficiaire_id NOT IN (SELECT id FROM {_SUIVIS_CTE})
               AND {_VISIBLE_LIGNE.format("e.beneficiaire_id")})""",
                [user_id, cpas_id, jusqu_au],
            ),
        ]
    else:
        # Every open action of the CPAS due by then (a partial index), of the people the user
        # refers (most of the CPAS for some coordinators) or that the user wrote.
        actions = [
            (
                f"""{colonnes_action}
          FROM {Etape._meta.db_table} e
         WHERE {ouverte}
           AND (e.beneficiaire_id IN (SELECT id FROM {_SUIVIS_CTE})
                OR (e.auteur_id = %s AND e.beneficiaire_id IN (SELECT id FROM {_VISIBLES_CTE})))""",
                [cpas_id, jusqu_au, user_id],
            )
        ]
    # The PIIS statuses written in the text (``litteraux``): in a generic plan, a condition on
    # parameters built its array again for each PIIS row tested.
    evaluations = f"""
        SELECT v.date_prevue, 'evaluation', '', p.beneficiaire_id, NULL, NULL, v.id, '',
               NULL::date
          FROM {EvaluationPiis._meta.db_table} v
          JOIN {Piis._meta.db_table} p ON p.id = v.piis_id
         WHERE v.cpas_id = %s AND v.date_tenue IS NULL AND v.date_prevue <= %s
           AND p.statut = {litteraux(StatutPiis.SIGNE.value)}
           AND p.beneficiaire_id IN (SELECT id FROM {_SUIVIS_CTE})"""
    a_signer = litteraux(StatutPiis.BROUILLON.value, StatutPiis.PROPOSE.value)
    signatures = f"""
        SELECT (p.date_decision_ris + make_interval(months => %s))::date, 'signature', '',
               p.beneficiaire_id, NULL, NULL, p.id, '', NULL::date
          FROM {Piis._meta.db_table} p
         WHERE p.cpas_id = %s AND p.avenant_de_id IS NULL
           AND p.statut IN ({a_signer})
           AND p.date_decision_ris <= %s
           AND p.beneficiaire_id IN (SELECT id FROM {_SUIVIS_CTE})"""
    return [
        *actions,
        (evaluations, [cpas_id, jusqu_au]),
        (signatures, [delais.MOIS_SIGNATURE, cpas_id, limite_alerte]),
    ]


_VISIBLES_CTE = "echeances_visibles"
_SUIVIS_CTE = "echeances_suivis"
# The same rule, inlined where it is read for one person at a time: "is this person visible"
# (``acces.sql_visible_par_ligne``: the person's id pushed into the rule, instead of
# computing every person the user may see, as the materialized CTE does, to keep a few
# hundred of them).
_VISIBLES_LIGNE_CTE = "echeances_visibles_ligne"
_VISIBLE_LIGNE = sql_visible_par_ligne(_VISIBLES_LIGNE_CTE, "{}")


def _union_echeances(user, date, horizon_jours):
    """The statements (SQL and params) of every item due (``_compiler_union``), built once per
    process and key (``_UNIONS``): building the rule's and the other apps' querysets and compiling
    them cost more Python on every page than the statement takes to plan. The key holds every
    input of the SQL: the user, their current membership (CPAS, role, cellule and its code:
    the rule and the sensitive documents' condition), the registered cellule filters, the
    active language (labels' column), the day asked and today (the cellule's current stays),
    the horizon, and the registered kinds (whose ``requete`` read no other input)."""
    membership = current_membership(user)
    if membership is None:
        return _compiler_union(user, date, horizon_jours)
    cellule = membership.cellule if membership.cellule_id else None
    cle = (
        user.pk,
        membership.pk,
        membership.cpas_id,
        membership.role,
        membership.cellule_id,
        cellule.cpas_id if cellule else None,
        cellule.code if cellule else None,
        hooks_beneficiaires.filtres_cellule(),
        get_language(),
        date,
        timezone.localdate(),
        horizon_jours,
        tuple((genre, src.requete) for genre, src in SOURCES_ECHEANCES.items()),
    )
    return _UNIONS.obtenir(cle, lambda: _compiler_union(user, date, horizon_jours))


# The users of a large deployment for a day (an agent's statement: ~7 kB).
_UNIONS: Memo[tuple] = Memo(512)


def _compiler_union(user, date, horizon_jours):
    """The statements (SQL and params) of every item due, each a UNION ALL of kinds in the
    columns of COLONNES_ECHEANCE, the names of the people of this app's kinds left NULL
    (``_colonnes_avec_noms``): ``(propres, autres)``, this app's kinds and the other apps'
    (None when no app registered one); ``(None, None)`` for a role that sees nobody.

    Two statements: this app's kinds, and the other apps' (ORM querysets), each the same text
    for every user of a shape, prepared once per connection and always run with its generic
    plan (``echeances_par_statut``). This app's was planned for the user's values on every page
    (~1.5 ms) after a generic plan of it measured 58 ms in psql: that was PostgreSQL's JIT
    compiling it (its estimated cost passes jit_above_cost), which the application's
    connections run without (``settings``, DB_JIT). Without it, on the bench: an agent's
    generic plan runs in 4.4 ms against 1.6 of planning and 4.0 of running for a custom one, a
    coordinator's in 8.7 against 1.3 and 10.9.

    Only people the user may see (need-to-know): a step written for someone who has since left
    the agent's caseload is no longer theirs to follow. This app's kinds start from the people
    the user refers (a CTE, ``_SUIVIS_CTE``: all visible, ``voit_ses_dossiers``) and from the
    actions they wrote for others, and check each of those others against the rule
    (``_VISIBLE_LIGNE``: the rule's SQL with the person's id pushed into it, a few index probes
    a person), rather than computing every person the user may see (a whole cellule: ~1,800
    people, ~3.5 ms) to keep the few they do not refer. The other apps' kinds check their
    lines' people the same way (``acces.VisiblesParLigne``: an agent's few dozen documents
    and ESF+ follow-ups due, where the whole set and a probe of each of its people's
    documents cost ~5 ms of the statement's 7 on the bench).
    A user who sees the whole CPAS (``voit_tout_le_cpas``) reads the whole set, as a
    materialized CTE (``IN (SELECT id FROM echeances_visibles)``; inlined five times,
    PostgreSQL planned it per kind, once as a primary-key scan over every person of every
    CPAS), for every kind (the rule is then the CPAS alone, and such a user may refer most of
    it); PostgreSQL computes it only when a kind has an item to check."""
    jusqu_au = date + datetime.timedelta(days=horizon_jours)
    try:
        sql_visibles, params_visibles = (
            Beneficiaire.objects.visibles_par(user).order_by().values("pk").query.sql_with_params()
        )
    except EmptyResultSet:  # a role that sees nobody
        return None, None
    # visibles_par is empty without a current CPAS: here there is one.
    cpas_id = current_membership(user).cpas_id
    # A user who sees the whole CPAS (a coordinator, who may refer thousands of people): the
    # rule is one condition, read once as a set, and the CPAS's open actions are scanned
    # (5,400 people probed one by one cost more). Others: person by person.
    par_personne = not voit_tout_le_cpas(user)
    visible = _VISIBLE_LIGNE if par_personne else f"{{}} IN (SELECT id FROM {_VISIBLES_CTE})"
    # The people the user refers: all visible to a user who works on files (the rule says so,
    # ``voit_ses_dossiers``; an agent's ~600 people were each probed against it), else
    # checked one by one.
    sql_suivis = f"""SELECT b.id FROM {Beneficiaire._meta.db_table} b
         WHERE b.cpas_id = %s AND b.referent_id = %s"""
    if not voit_ses_dossiers(user):
        sql_suivis += f" AND {visible.format('b.id')}"
    # The rule, at the head of each of the two statements: line by line (a CTE that each
    # line's check inlines), or read once as a set by a user who sees the whole CPAS; the other
    # apps' kinds get it as ``objets_visibles``'s ``ids``.
    if par_personne:
        cte_regle = f"{_VISIBLES_LIGNE_CTE}(id) AS NOT MATERIALIZED ({sql_visibles})"
        visibles = VisiblesParLigne(_VISIBLES_LIGNE_CTE)
    else:
        cte_regle = f"{_VISIBLES_CTE}(id) AS MATERIALIZED ({sql_visibles})"
        visibles = RawSQL(f"SELECT id FROM {_VISIBLES_CTE}", [])
    ctes, params = [cte_regle], [*params_visibles]
    ctes.append(f"{_SUIVIS_CTE}(id) AS MATERIALIZED ({sql_suivis})")
    params.extend([cpas_id, user.pk])
    parties = []
    limite_alerte = date - delais.ALERTE_SIGNATURE
    for sql, p in _sql_echeances_trajets(cpas_id, user.pk, jusqu_au, limite_alerte, par_personne):
        parties.append(f"({sql})")
        params.extend(p)
    propres = _union_sql(ctes, parties), tuple(params)
    # The other apps' kinds (ORM querysets), for the people the user may see (their own
    # statement, with its own copy of the rule): line by line as this app's actions of other
    # people (a few dozen documents and ESF+ follow-ups; the set of a cellule's people and a
    # probe of each one's documents were most of the statement), or read as a set by a user
    # who sees the whole CPAS.
    parties, params = [], [*params_visibles]
    for src in SOURCES_ECHEANCES.values():
        qs = src.requete(user, jusqu_au, visibles).order_by().values_list(*COLONNES_ECHEANCE)
        try:
            sql, p = qs.query.sql_with_params()
        except EmptyResultSet:
            continue
        parties.append(f"({sql})")
        params.extend(p)
    autres = (_union_sql([cte_regle], parties), tuple(params)) if parties else None
    return propres, autres


def _union_sql(ctes, parties) -> str:
    colonnes = ", ".join(COLONNES_ECHEANCE)
    return f"WITH {', '.join(ctes)} SELECT {colonnes} FROM ({' UNION ALL '.join(parties)}) AS u"


def _colonnes_avec_noms(alias: str) -> str:
    """The columns of COLONNES_ECHEANCE of the lines ``alias``, joined to the person as ``b``
    and an action's step as ``ea`` and its type as ``ta`` (``_NOMS``): the name, and an
    action's text, step type (in the active language, as ListeReference.libelle) and step
    date, read where the kind left them NULL."""
    libelle_type = "libelle_nl" if libelle_bilingue(False, True) else "libelle_fr"
    colonnes = [f"{alias}.{c}" for c in COLONNES_ECHEANCE]
    colonnes[2] = f"coalesce({alias}.libelle, ea.prochaine_action)"
    colonnes[4] = f"coalesce({alias}.personne_nom, b.nom)"
    colonnes[5] = f"coalesce({alias}.personne_prenom, b.prenom)"
    colonnes[7] = f"coalesce({alias}.type_libelle, ta.{libelle_type})"
    colonnes[8] = f"coalesce({alias}.etape_date, ea.date)"
    return ", ".join(colonnes)


# An action's step read by its id, only for the lines of this app's actions (the other kinds'
# ids are not steps').
_NOMS = f"""LEFT JOIN {Beneficiaire._meta.db_table} b ON b.id = {{0}}.personne_id
        LEFT JOIN {Etape._meta.db_table} ea
               ON ea.id = CASE WHEN {{0}}.genre = 'action' AND {{0}}.etape_date IS NULL
                               THEN {{0}}.objet_id END
        LEFT JOIN {TypeEtape._meta.db_table} ta ON ta.id = ea.type_id"""


def _libelles_echeances() -> dict:
    """The texts of this app's kinds without one (in the active language)."""
    return {
        "evaluation": _("Évaluation du PIIS"),
        "signature": _("Signature du PIIS (3 mois après la décision RIS)"),
    }


def _echeance(ligne, libelles=None) -> Echeance:
    """A line of the query (``libelles``: ``_libelles_echeances()``, read once per list)."""
    quand, genre, libelle, personne_id, nom, prenom, objet_id, type_libelle, etape_date = ligne
    libelles = libelles or _libelles_echeances()
    if genre in libelles:
        libelle = libelles[genre]
    elif genre in SOURCES_ECHEANCES and SOURCES_ECHEANCES[genre].libelle:
        libelle = SOURCES_ECHEANCES[genre].libelle(libelle, type_libelle or "")
    return Echeance(
        quand,
        genre,
        libelle,
        personne_id,
        f"{nom.upper()} {prenom}",
        objet_id,
        type_libelle or "",
        etape_date,
    )


def mes_echeances(user, date=None, horizon_jours=30) -> list[Echeance]:
    """The agent's next actions and PIIS evaluations and signatures due, overdue first (oldest
    first), then the coming ``horizon_jours`` days."""
    date = date or timezone.localdate()
    propres, autres = _union_echeances(user, date, horizon_jours)
    if propres is None:
        return []
    sql, params = propres
    if autres is not None:
        sql, params = f"({sql}) UNION ALL ({autres[0]})", (*params, *autres[1])
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {_colonnes_avec_noms('u')} FROM ({sql}) AS u {_NOMS.format('u')} "
            "ORDER BY u.quand, u.genre, u.objet_id",
            params,
        )
        libelles = _libelles_echeances()
        return [_echeance(ligne, libelles) for ligne in cursor.fetchall()]


# The order of the lists: by date, kind and object; the kinds' names compared byte by byte
# (COLLATE "C", Python's order of str), so that the two statements' lists merge in Python
# into the order one statement gives.
_ORDRE_ECHEANCES = 'quand, genre COLLATE "C", objet_id'


def _par_statut_sql(sql: str) -> str:
    """``sql`` (a statement of ``_compiler_union``) counted and cut by status: each line with
    whether it is overdue and how many there are of its status. Params: the date, ``sql``'s,
    then the date three times, the overdue limit, the date, the coming limit
    (``_par_statut_params``).

    The items read once (a materialized CTE), counted, and each status's first ``limite``
    taken by a bounded sort of its own (top-N): a coordinator has ~7,000 items, and a sort
    of them all (wide lines) with two windows over it (their rank and the counts) took about
    twice as long (kept: the same ``limite`` lines a status, in the same order). The names,
    and an action's text and step, read for the lines kept only (after the cut).
    (A statement that starts with SELECT: pghistory prefixes any other with its context.)"""
    ordre = f"ORDER BY {_ORDRE_ECHEANCES} LIMIT %s"
    return f"""
        SELECT {_colonnes_avec_noms("x")}, x.quand < %s,
               CASE WHEN x.quand < %s THEN x.n_retard ELSE x.n - x.n_retard END FROM (
            WITH u AS MATERIALIZED ({sql}),
                 n AS (SELECT count(*) FILTER (WHERE quand < %s) AS n_retard, count(*) AS n
                         FROM u)
            SELECT l.*, n.n_retard, n.n
              FROM ((SELECT * FROM u WHERE quand < %s {ordre})
                    UNION ALL (SELECT * FROM u WHERE quand >= %s {ordre})) AS l
             CROSS JOIN n
        ) AS x {_NOMS.format("x")}
        ORDER BY x.{_ORDRE_ECHEANCES.replace(", ", ", x.")}"""


def _par_statut_params(params, date, limites) -> list:
    """``limites``: (overdue, coming); None: no limit."""
    return [date, date, *params, date, date, limites[0], date, limites[1]]


def echeances_par_statut(user, date=None, horizon_jours=30, limite=200, avec=()) -> dict:
    """ "Mes échéances": the ``limite`` oldest overdue items and the ``limite`` first coming
    ones (ordered and cut in SQL), with how many there are of each. ``limite`` may be a pair
    (overdue, coming), each None for no limit (the pages of each list: ``views.files``).

    This app's kinds in one statement, the other apps' kinds in another, each prepared on the
    connection (the same text for every user of a shape: planned once, ``_compiler_union``),
    each counted and cut by status; their lists merged in order and cut
    again, their counts added: the lines and counts one statement of every kind gives.
    ``avec``: other ``cpas_isp.lots`` generators of the page (the bell's count), read in the
    same round trip."""
    date = date or timezone.localdate()
    limites = (limite, limite) if limite is None or isinstance(limite, int) else tuple(limite)
    resultat = {"en_retard": [], "n_en_retard": 0, "a_venir": [], "n_a_venir": 0}
    propres, autres = _union_echeances(user, date, horizon_jours)
    if propres is None:
        return resultat
    # One round trip: both prepared, their generic plan always (PostgreSQL kept planning them
    # for the user's values, 1.9 ms a page for the other apps' statement and ~1.5 for this
    # app's, to run them no faster; see ``_compiler_union``).
    requetes = [
        (_par_statut_sql(partie[0]), _par_statut_params(partie[1], date, limites), GENERIQUE)
        for partie in (propres, autres)
        if partie is not None
    ]
    if avec:
        lignes, *autres_lignes = executer_ensemble([lire(requetes), *avec])[0]
    else:
        lignes, *autres_lignes = executer_lot(requetes)
    if autres_lignes and autres_lignes[0]:
        lignes = _fusionner(lignes, autres_lignes[0], limites)
    libelles = _libelles_echeances()
    for *ligne, retard, total in lignes:
        cle = "en_retard" if retard else "a_venir"
        resultat[cle].append(_echeance(ligne, libelles))
        resultat["n_" + cle] = total
    return resultat


def _fusionner(a: list, b: list, limites: tuple) -> list:
    """The lines of two statements of ``_par_statut_sql`` (each in its order) as one would
    give them: in order, the first ``limites`` (overdue, coming; None: all) of each status,
    each line with its status's total count over both."""
    totaux = {}
    for lignes in (a, b):
        for statut in (True, False):
            totaux[statut] = totaux.get(statut, 0) + next(
                (ligne[-1] for ligne in lignes if ligne[-2] is statut), 0
            )
    fusion = []
    for statut, limite in zip((True, False), limites, strict=True):
        lignes = heapq.merge(
            (ligne for ligne in a if ligne[-2] is statut),
            (ligne for ligne in b if ligne[-2] is statut),
            key=lambda ligne: (ligne[0], ligne[1], ligne[6]),
        )
        fusion.extend((*ligne[:-1], totaux[statut]) for ligne in itertools.islice(lignes, limite))
    return fusion


# --- Article 60 -------------------------------------------------------------------------------


def pool_le(cpas_id, date):
    return (
        PoolArticle60.objects.filter(cpas_id=cpas_id, valable_du__lte=date)
        .order_by("-valable_du")
        .first()
    )


def _pool_parmi(pools, date):
    """``pool_le`` among the CPAS's pools already read (one per ``valable_du``)."""
    return max((p for p in pools if p.valable_du <= date), key=lambda p: p.valable_du, default=None)


def _occupes_aux_dates(cpas_id, dates) -> dict:
    """``{date: (posts occupied, of which social economy)}`` for each of ``dates``, in one query
    (``requete_occupes``), prepared once per connection."""
    return executer_ensemble([requete_occupes(cpas_id, dates)])[0]


def requete_occupes(cpas_id, dates):
    """``_occupes_aux_dates`` as a statement of a lot (``cpas_isp.lots``).

    Plain SQL: the CPAS's contracts overlapping the dates read once (a contract occupies a
    post from its start to its actual end, or its planned end while none is recorded:
    ``ContratQuerySet.actifs_le``), then counted for each date (an index scan of the
    contracts per date read each one about as many times as there are dates). Building two
    filtered ORM aggregates per date cost more than running them."""
    # Each date once: a date given twice would count its contracts twice.
    jours = list(dict.fromkeys(dates))
    # The running condition is the join's: only the (date, running contract) pairs reach the
    # counts (a date without any keeps its NULL row, counted 0), not every pair filtered
    # twice by the aggregates.
    (lignes,) = yield [(_SQL_OCCUPES, [jours, cpas_id, max(jours), min(jours)])]
    return {jour: (occupes, es) for jour, occupes, es in lignes}


_SQL_OCCUPES = f"""
            SELECT m.jour, count(c.debut), count(*) FILTER (WHERE c.economie_sociale)
              FROM unnest(%s::date[]) AS m(jour)
              LEFT JOIN (SELECT debut, coalesce(fin_reelle, fin_prevue) AS fin, economie_sociale
                           FROM {ContratArticle60._meta.db_table}
                          WHERE cpas_id = %s AND debut <= %s
                            AND coalesce(fin_reelle, fin_prevue) >= %s) AS c
                     ON c.debut <= m.jour AND c.fin >= m.jour
             GROUP BY m.jour
            """

# The CPAS's pools, newest first, as ``PoolArticle60.objects.filter(cpas_id=...)
# .order_by("-valable_du")`` reads them (every concrete field, instances by ``from_db``).
_CHAMPS_POOL = [f.attname for f in PoolArticle60._meta.concrete_fields]
_SQL_POOLS = (
    f"SELECT {', '.join(_CHAMPS_POOL)} FROM {PoolArticle60._meta.db_table} "
    "WHERE cpas_id = %s ORDER BY valable_du DESC"
)


def requete_pools(cpas_id):
    """The CPAS's pools (newest first) as a statement of a lot."""
    (lignes,) = yield [(_SQL_POOLS, [cpas_id])]
    alias = connection.alias
    return [PoolArticle60.from_db(alias, _CHAMPS_POOL, ligne) for ligne in lignes]


def _occupation(occupes: int, occupes_es: int, pool) -> dict:
    return {
        "occupes": occupes,
        "occupes_es": occupes_es,
        "pool": pool,
        "total": pool.postes_total if pool else None,
        "total_es": pool.postes_economie_sociale if pool else None,
        "libres": (pool.postes_total - occupes) if pool else None,
        "complet": bool(pool) and occupes >= pool.postes_total,
        "complet_es": bool(pool) and occupes_es >= pool.postes_economie_sociale,
    }


def occupation_le(cpas_id, date, pools=None) -> dict:
    """Posts occupied on ``date`` against the pool in force; ``pools``: the CPAS's pools when
    the caller has read them already (no query for the pool)."""
    pool = pool_le(cpas_id, date) if pools is None else _pool_parmi(pools, date)
    return _occupation(*_occupes_aux_dates(cpas_id, [date])[date], pool)


# The occupancy page lists the oldest contracts to close; the contracts list shows them all.
A_CLOTURER_AFFICHES = 20


def _premiers_des_mois(debut: datetime.date, mois: int) -> list[datetime.date]:
    return [debut.replace(day=1) + relativedelta(months=k) for k in range(mois)]


def _par_mois(dates, occupes: dict, pools) -> list[dict]:
    pools = sorted(pools, key=lambda p: p.valable_du)
    rows = []
    for d in dates:
        pool = next((p for p in reversed(pools) if p.valable_du <= d), None)
        n, n_es = occupes[d]
        rows.append(
            {
                "mois": d,
                "occupes": n,
                "occupes_es": n_es,
                "total": pool.postes_total if pool else None,
                "total_es": pool.postes_economie_sociale if pool else None,
                "taux": round(100 * n / pool.postes_total) if pool and pool.postes_total else None,
            }
        )
    return rows


def occupation_par_mois(cpas_id, debut: datetime.date, mois: int, pools=None) -> list[dict]:
    """Posts occupied on the first day of each month (one query), against the pool in force."""
    dates = _premiers_des_mois(debut, mois)
    if not dates:
        return []
    if pools is None:
        pools = PoolArticle60.objects.filter(cpas_id=cpas_id)
    return _par_mois(dates, _occupes_aux_dates(cpas_id, dates), pools)


def _barres(par_mois, aujourd_hui) -> list[dict]:
    maxi = max([r["occupes"] for r in par_mois] + [r["total"] or 0 for r in par_mois] + [1])
    for i, r in enumerate(par_mois):
        r["hauteur"] = round(90 * r["occupes"] / maxi, 1)
        r["x"] = i * 10 + 1
        r["y"] = round(100 - r["hauteur"], 1)
        r["y_pool"] = round(100 - 90 * r["total"] / maxi, 1) if r["total"] else None
        r["futur"] = r["mois"] > aujourd_hui
    return par_mois


def barres_occupation(cpas_id, aujourd_hui, mois_passes=11, mois=18, pools=None) -> list[dict]:
    """The occupancy chart of the posts page: one bar per month (from ``mois_passes`` months
    ago), scaled to the highest count or pool, with the pool's level and whether it is ahead."""
    debut = aujourd_hui.replace(day=1) - relativedelta(months=mois_passes)
    return _barres(occupation_par_mois(cpas_id, debut, mois, pools), aujourd_hui)


def occupation_et_barres(cpas_id, aujourd_hui, pools, mois_passes=11, mois=18):
    """``occupation_le(aujourd_hui)`` and ``barres_occupation`` of the posts page from one
    query (the CPAS's ``pools`` already read)."""
    _pools, occupation, barres = executer_ensemble(
        [requetes_occupation_et_barres(cpas_id, aujourd_hui, pools, mois_passes, mois)]
    )[0]
    return occupation, barres


def requetes_occupation_et_barres(cpas_id, aujourd_hui, pools=None, mois_passes=11, mois=18):
    """``occupation_et_barres`` as statements of a lot: ``(pools, occupation, bars)``;
    ``pools`` None: the CPAS's pools read beside the counts (``requete_pools``)."""
    dates = _premiers_des_mois(aujourd_hui.replace(day=1) - relativedelta(months=mois_passes), mois)
    occupes = requete_occupes(cpas_id, [*dates, aujourd_hui])
    if pools is None:
        pools, occupes = yield from ensemble([requete_pools(cpas_id), occupes])
    else:
        occupes = yield from occupes
    occupation = _occupation(*occupes[aujourd_hui], _pool_parmi(pools, aujourd_hui))
    barres = _barres(_par_mois(dates, occupes, pools), aujourd_hui)
    return pools, occupation, barres


# The columns the posts page shows of a contract (its person, function, employer, end), and
# the person's CPAS (whether a coordinator may see them).
COLONNES_CONTRAT = (
    "beneficiaire_id",
    "fonction",
    "fin_prevue",
    "partenaire_id",
    "service_interne",
    "beneficiaire__nom",
    "beneficiaire__prenom",
    "beneficiaire__anonymise_le",
    "beneficiaire__cpas_id",
    "partenaire__nom",
)


def contrats_finissant(cpas_id, date, jours=JOURS_FIN_PROCHE):
    fin = date + datetime.timedelta(days=jours)
    return (
        ContratArticle60.objects.filter(cpas_id=cpas_id, fin_reelle__isnull=True)
        .filter(debut__lte=date, fin_prevue__gte=date, fin_prevue__lte=fin)
        .select_related("beneficiaire", "partenaire")
        .only(*COLONNES_CONTRAT)
        .order_by("fin_prevue")
    )


def contrats_a_cloturer(cpas_id, date):
    """Contracts past their planned end whose actual end was never recorded: the person's
    Article 60 stay is still open until someone records how it ended."""
    return (
        ContratArticle60.objects.filter(cpas_id=cpas_id)
        .a_cloturer_le(date)
        .select_related("beneficiaire", "partenaire")
        .only(*COLONNES_CONTRAT)
        .order_by("fin_prevue", "id")
    )


def premiers_a_cloturer(cpas_id, date, limite=A_CLOTURER_AFFICHES) -> tuple[list, int]:
    """The ``limite`` oldest contracts to close (``contrats_a_cloturer``) and how many there
    are in all, in one query (a window count, computed before the limit)."""
    contrats = list(
        contrats_a_cloturer(cpas_id, date).annotate(nombre=Window(Count("id")))[:limite]
    )
    return contrats, (contrats[0].nombre if contrats else 0)


@dataclass(slots=True)
class LigneContrat:
    """A contract as the posts page lists it: only the columns shown (no model instances).
    ``beneficiaire`` is the person's name (Beneficiaire.__str__), ``personne_cpas_id`` their
    CPAS; ``personne_visible`` is set by the view."""

    pk: int
    beneficiaire_id: int
    beneficiaire: str
    personne_cpas_id: int
    fonction: str
    utilisateur_affiche: str
    fin_prevue: datetime.date
    personne_visible: bool = False


def contrats_de_la_page(cpas_id, date, jours=JOURS_FIN_PROCHE, limite=A_CLOTURER_AFFICHES):
    """The posts page's two lists in one query: ``contrats_finissant`` (all of them) and the
    ``limite`` first of ``contrats_a_cloturer`` with how many there are in all (a window count
    before the limit), as ``LigneContrat``: ``(finissant, a_cloturer, nombre)``."""
    return executer_ensemble([requete_contrats_de_la_page(cpas_id, date, jours, limite)])[0]


def requete_contrats_de_la_page(cpas_id, date, jours=JOURS_FIN_PROCHE, limite=A_CLOTURER_AFFICHES):
    """``contrats_de_la_page`` as a statement of a lot (``cpas_isp.lots``). Plain SQL: the
    two querysets (three joined tables, a window) cost more to build than to run."""
    c, b = ContratArticle60._meta.db_table, Beneficiaire._meta.db_table
    partenaires = ContratArticle60._meta.get_field("partenaire").related_model._meta.db_table
    colonnes = """c.id, c.beneficiaire_id, b.nom, b.prenom, b.anonymise_le, b.cpas_id,
                   c.fonction, pa.nom, c.service_interne, c.fin_prevue"""
    jointures = f"""FROM {c} c JOIN {b} b ON b.id = c.beneficiaire_id
                    LEFT JOIN {partenaires} pa ON pa.id = c.partenaire_id"""
    sql = f"""
        (SELECT 1, {colonnes}, 0 {jointures}
          WHERE c.cpas_id = %s AND c.fin_reelle IS NULL AND c.debut <= %s
            AND c.fin_prevue >= %s AND c.fin_prevue <= %s
          ORDER BY c.fin_prevue, c.id)
        UNION ALL
        (SELECT 2, {colonnes}, count(*) OVER () {jointures}
          WHERE c.cpas_id = %s AND c.fin_reelle IS NULL AND c.fin_prevue < %s
          ORDER BY c.fin_prevue, c.id LIMIT {int(limite)})
        ORDER BY 1, 11, 2"""
    fin = date + datetime.timedelta(days=jours)
    anonymise = _("Dossier anonymisé n° %(n)s")
    finissant, a_cloturer, nombre = [], [], 0
    # Prepared once per connection (two three-table joins: planning cost about as much as
    # running them); the limit written in the text, so that the generic plan knows it.
    (lignes,) = yield [(sql, [cpas_id, date, date, fin, cpas_id, date])]
    for ligne in lignes:
        liste, pk, personne_id, nom, prenom, anonymise_le, personne_cpas = ligne[:7]
        fonction, partenaire, service_interne, fin_prevue, total = ligne[7:]
        contrat = LigneContrat(
            pk,
            personne_id,
            f"{nom.upper()} {prenom}" if anonymise_le is None else anonymise % {"n": personne_id},
            personne_cpas,
            fonction,
            # ContratArticle60.utilisateur_affiche
            partenaire if partenaire is not None else service_interne,
            fin_prevue,
        )
        if liste == 1:
            finissant.append(contrat)
        else:
            a_cloturer.append(contrat)
            nombre = total
    return finissant, a_cloturer, nombre


def derniere_decision_ris(beneficiaire):
    """The date of the person's latest RIS decision (a new PIIS answers it), or ``None``."""
    return (
        DroitAide.objects.filter(beneficiaire=beneficiaire, date_decision__isnull=False)
        .order_by("-date_decision")
        .values_list("date_decision", flat=True)
        .first()
    )
