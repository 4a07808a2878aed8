"""Read side of the audit trail: who changed what field when, in one CPAS, fast at any size.

Every tracked model has its own pghistory event table (``cpas_isp.historique``). A page of the
audit is read in two SQL statements whatever the number of events:

1. the keys of the next page: for each event table, its latest events of the CPAS matching the
   filters (``ORDER BY pgh_created_at DESC, pgh_id DESC LIMIT n``, served by the index on
   ``(cpas, pgh_created_at, pgh_id)``), merged by a ``UNION ALL`` and cut at ``n``. Pages follow
   each other by keyset (the last row shown), never by OFFSET, and nothing is counted;
2. those events with their context (who, from where) and, for updates, the previous version of
   the same object (one index probe each), from which the changed fields are computed.

What the audit may show is decided here too: the values of confidential fields are withheld
(``champ_confidentiel``), people are named only to a viewer who may see them, otherwise masked
as initials and number (``libelles_personnes``).
"""

from __future__ import annotations

import dataclasses
import datetime
import json
from functools import cache

from django.apps import apps
from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

PERSONNE = "beneficiaires.Beneficiaire"

# --- What the audit never shows ----------------------------------------------------------------

# Values withheld on the audit page and in its CSV, whoever looks: the fields below, and every
# free-text field (TextField) of every model, because free text is where notes about a person go.
# The audit still says that the field changed, when and by whom.
CHAMPS_CONFIDENTIELS: dict[str, set[str]] = {
    "beneficiaires.Beneficiaire": {
        "niss",
        "nom",
        "prenom",
        "date_naissance",
        "genre",
        "nationalite",
        "adresse",
        "code_postal",
        "commune",
        "telephone",
        "email",
        "nom_recherche",
    },
    # Obstacles may be health or judicial matters: which one, and what was said about it.
    "beneficiaires.FreinBeneficiaire": {"frein", "commentaire"},
    "trajets.Etape": {"note", "note_confidentielle", "prochaine_action"},
    "trajets.ContratArticle60": {"motif_derogation"},
    "trajets.EngagementTiers": {"nom"},
    "partenaires.PresenceOrientation": {"commentaire"},
    "partenaires.ContactPartenaire": {"nom", "telephone", "email"},
    "beneficiaires.LotImport": {"contenu", "nom_fichier"},
}


def champ_confidentiel(model, field) -> bool:
    """Whether the audit withholds the values of ``field`` of ``model``."""
    if isinstance(field, models.TextField):
        return True
    return field.name in CHAMPS_CONFIDENTIELS.get(model._meta.label, set())


# --- Who may be named ---------------------------------------------------------------------------


def personnes_visibles(user):
    """Queryset of the people ``user`` may see: the one need-to-know rule of the person model
    (``Beneficiaire.objects.visibles_par``), reached through the app registry so that the core
    imports no app above it."""
    return apps.get_model(PERSONNE).objects.visibles_par(user)


# The caseload search (name with typos, partial NISS) belongs to the beneficiaires app, which
# registers it here when it is ready (cpas_isp imports no app above it).
_recherche_personnes = None


def enregistrer_recherche_personnes(func):
    """``func(queryset, terme) -> queryset`` narrows a queryset of people to a search term."""
    global _recherche_personnes
    _recherche_personnes = func


def chercher_personnes(cpas, terme: str, limite: int = 20) -> list[int]:
    """Ids of the CPAS's people matching a name or a NISS (the caseload search)."""
    qs = _recherche_personnes(apps.get_model(PERSONNE).objects.filter(cpas=cpas), terme)
    if "pertinence" in qs.query.annotations:
        qs = qs.order_by("-pertinence", "pk")
    return list(qs.values_list("pk", flat=True)[:limite])


def masquer(prenom: str, nom: str, pk: int) -> str:
    initiales = " ".join(f"{part[0].upper()}." for part in (prenom, nom) if part)
    return f"{initiales} n° {pk}".strip()


def libelles_personnes(viewer, cpas, ids) -> dict[int, str]:
    """Label of each person: full name when ``viewer`` may see the person, else initials and
    number. One query."""
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    visibles = personnes_visibles(viewer).filter(pk=models.OuterRef("pk"))
    rows = (
        apps.get_model(PERSONNE)
        .objects.filter(cpas=cpas, pk__in=ids)
        .annotate(visible=models.Exists(visibles))
        .values_list("pk", "nom", "prenom", "visible")
    )
    libelles = {}
    for pk, nom, prenom, visible in rows:
        libelles[pk] = f"{nom.upper()} {prenom}" if visible else masquer(prenom, nom, pk)
    for pk in ids - libelles.keys():
        libelles[pk] = _("personne n° %(n)s") % {"n": pk}
    return libelles


# --- The event tables and how each belongs to a CPAS and to a person -----------------------------


@dataclasses.dataclass(frozen=True)
class Source:
    numero: int
    model: type  # the tracked model
    event_model: type
    table: str
    portee: str  # SQL condition: the event belongs to %(cpas)s
    obj: str  # SQL: the changed object's id
    # Joins from the event to its person: [(column, table), ...] ending on a beneficiaire column.
    chemin_personne: tuple[tuple[str, str], ...] | None
    avec_index_cpas: bool

    @property
    def personne_sql(self) -> str:
        if self.model._meta.label == PERSONNE:
            return "e.id"
        if self.chemin_personne is None:
            return "NULL"
        expr, alias = "", "e"
        joins = []
        for i, (col, table) in enumerate(self.chemin_personne[:-1]):
            nxt = f"r{i}"
            joins.append((nxt, table, f'{nxt}.id = {alias}."{col}"'))
            alias = nxt
        last_col = self.chemin_personne[-1][0]
        if not joins:
            return f'e."{last_col}"'
        first_alias, first_table, first_cond = joins[0]
        expr = f'SELECT {alias}."{last_col}" FROM "{first_table}" {first_alias}'
        for a, t, cond in joins[1:]:
            expr += f' JOIN "{t}" {a} ON {cond}'
        return f"({expr} WHERE {first_cond})"

    def filtre_personnes_sql(self) -> str | None:
        """Condition 'the event belongs to one of %(personnes)s', index-friendly."""
        if self.model._meta.label == PERSONNE:
            return "e.pgh_obj_id = ANY(%(personnes)s)"
        if self.chemin_personne is None:
            return None
        condition = f'"{self.chemin_personne[-1][0]}" = ANY(%(personnes)s)'
        for col, table in reversed(self.chemin_personne[:-1]):
            condition = f'"{col}" IN (SELECT id FROM "{table}" WHERE {condition})'
        return f"e.{condition}"


def _fk_columns(model):
    return [
        (f.attname, f.related_model)
        for f in model._meta.local_fields
        if isinstance(f, models.ForeignKey) and not f.name.startswith("pgh_")
    ]


def _has_field(model, name):
    return any(f.name == name for f in model._meta.local_fields)


def _chemin_personne(event_model, depth=2):
    if _has_field(event_model, "beneficiaire"):
        return (("beneficiaire_id", ""),)
    if depth == 0:
        return None
    for col, related in _fk_columns(event_model):
        if related is None or related._meta.label in (PERSONNE, "cpas_isp.Cpas"):
            continue
        if related._meta.label == "cpas_isp.User":
            continue
        suite = _chemin_personne(related, depth - 1)
        if suite is not None:
            return ((col, related._meta.db_table), *suite)
    return None


def _portee(event_model, tracked):
    label = tracked._meta.label
    if label == "cpas_isp.Cpas":
        return "e.id = %(cpas)s"
    if label == "cpas_isp.User":
        return "e.id IN (SELECT user_id FROM cpas_isp_membership WHERE cpas_id = %(cpas)s)"
    if _has_field(event_model, "cpas"):
        return "e.cpas_id = %(cpas)s"
    if _has_field(event_model, "cree_par_cpas"):
        return "e.cree_par_cpas_id = %(cpas)s"
    # A user's own account row (one per user, e.g. a partner account): seen, like the user,
    # by every CPAS the user works with; never through what it points to (a shared record).
    for f in tracked._meta.local_fields:
        if isinstance(f, models.OneToOneField) and f.related_model._meta.label == "cpas_isp.User":
            return (
                f'e."{f.attname}" IN '
                "(SELECT user_id FROM cpas_isp_membership WHERE cpas_id = %(cpas)s)"
            )
    for col, related in _fk_columns(event_model):
        if related is None:
            continue
        for name in ("cpas", "cree_par_cpas"):
            if _has_field(related, name):
                table = related._meta.db_table
                return f'e."{col}" IN (SELECT id FROM "{table}" WHERE "{name}_id" = %(cpas)s)'
    return None


@cache
def sources() -> tuple[Source, ...]:
    from pghistory.models import Event

    found = []
    for event_model in apps.get_models():
        if not issubclass(event_model, Event) or event_model._meta.proxy:
            continue
        tracked = event_model.pgh_tracked_model
        portee = _portee(event_model, tracked)
        if portee is None:
            continue
        chemin = _chemin_personne(event_model)
        found.append(
            dict(
                model=tracked,
                event_model=event_model,
                table=event_model._meta.db_table,
                portee=portee,
                obj="e.pgh_obj_id" if _has_field(event_model, "pgh_obj") else "e.id",
                chemin_personne=chemin,
                avec_index_cpas=_has_field(event_model, "cpas"),
            )
        )
    found.sort(key=lambda s: s["model"]._meta.label)
    return tuple(Source(numero=i, **s) for i, s in enumerate(found))


# --- Filters and keyset -------------------------------------------------------------------------


@dataclasses.dataclass
class Filtres:
    personnes: list[int] | None = None  # None: no person filter
    utilisateur: int | None = None
    du: datetime.date | None = None
    au: datetime.date | None = None


def debut_du_jour(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@dataclasses.dataclass(frozen=True)
class Curseur:
    quand: datetime.datetime
    source: int
    pgh_id: int

    def encoder(self) -> str:
        return f"{self.quand.isoformat()}~{self.source}~{self.pgh_id}"

    @classmethod
    def decoder(cls, texte: str | None) -> Curseur | None:
        try:
            quand, source, pgh_id = (texte or "").split("~")
            moment = datetime.datetime.fromisoformat(quand)
            if timezone.is_naive(moment):
                return None
            return cls(moment, int(source), int(pgh_id))
        except ValueError:
            return None


def _branche(
    source: Source, f: Filtres, curseur: Curseur | None, params: dict, rares: bool
) -> str | None:
    conditions = [source.portee]
    if f.personnes is not None:
        condition = source.filtre_personnes_sql()
        if condition is None:
            return None
        conditions.append(condition)
    if f.utilisateur is not None:
        contextes = "e.pgh_context_id IN (SELECT id FROM contextes)"
        if not rares:
            # A busy user: keep the walk down the date index, the user's contexts hashed once
            # (``IS TRUE`` keeps the planner from turning this into a join on the contexts).
            contextes = f"({contextes}) IS TRUE"
        conditions.append(contextes)
    if f.du:
        conditions.append("e.pgh_created_at >= %(du)s")
    if f.au:
        conditions.append("e.pgh_created_at < %(au)s")
    if curseur is not None:
        if source.numero < curseur.source:
            conditions.append("e.pgh_created_at <= %(c_quand)s")
        elif source.numero == curseur.source:
            conditions.append("(e.pgh_created_at, e.pgh_id) < (%(c_quand)s, %(c_id)s)")
        else:
            conditions.append("e.pgh_created_at < %(c_quand)s")
    where = " AND ".join(f"({c})" for c in conditions)
    select = (
        f"SELECT {source.numero} AS src, e.pgh_id, e.pgh_created_at "
        f'FROM "{source.table}" e WHERE {where}'
    )
    if not rares:
        # Walk the (cpas, pgh_created_at, pgh_id) index from the newest and stop at the limit.
        return f"({select} ORDER BY e.pgh_created_at DESC, e.pgh_id DESC LIMIT %(limite)s)"
    # Filtered by people or by a user with few contexts: few rows match, found by the person
    # or context index, then sorted. OFFSET 0 keeps the planner from walking the whole date
    # index instead, hoping to meet the matching rows early (seconds when they are old or rare).
    return (
        f"(SELECT * FROM ({select} OFFSET 0) s "
        "ORDER BY pgh_created_at DESC, pgh_id DESC LIMIT %(limite)s)"
    )


# Above this many contexts in the period, a user's changes are frequent enough to be met early by
# walking the date index; below, they are fetched through the context index and sorted.
CONTEXTES_FREQUENTS = 2000


def _contextes_rares(f: Filtres, params: dict) -> bool:
    sql = "SELECT count(*) FROM (SELECT 1 FROM pghistory_context c WHERE " + _contextes_sql(f)
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} LIMIT {CONTEXTES_FREQUENTS}) x", params)
        return cursor.fetchone()[0] < CONTEXTES_FREQUENTS


def _contextes_sql(f: Filtres) -> str:
    """Condition on pghistory_context ``c``: the user's contexts in the period. A context may
    span several transactions: it is in the period if it began before its end and was last
    used after its start (index on the user in the metadata, then created_at)."""
    # Contexts of requests made in another CPAS (the middleware notes the CPAS) are left out:
    # a user busy elsewhere is not "busy" here.
    sql = (
        "c.metadata->>'user' = %(utilisateur)s "
        "AND (c.metadata->>'cpas' IS NULL OR c.metadata->>'cpas' = %(cpas_texte)s)"
    )
    if f.au:
        sql += " AND c.created_at < %(au)s"
    if f.du:
        sql += " AND c.updated_at >= %(du)s"
    return sql


def _json(value):
    if value is None or isinstance(value, dict):
        return value
    return json.loads(value)


def page_evenements(cpas, f: Filtres, curseur: Curseur | None = None, taille: int = 50):
    """(events, next cursor or None). Two queries, whatever the size of the history."""
    params = {"cpas": cpas.pk, "limite": taille + 1}
    if f.personnes is not None:
        params["personnes"] = list(f.personnes)
    if f.utilisateur is not None:
        params["utilisateur"] = str(f.utilisateur)
        params["cpas_texte"] = str(cpas.pk)
    if f.du:
        params["du"] = debut_du_jour(f.du)
    if f.au:
        params["au"] = debut_du_jour(f.au + datetime.timedelta(days=1))
    if curseur is not None:
        params["c_quand"] = curseur.quand
        params["c_id"] = curseur.pgh_id
    rares = f.personnes is not None or (f.utilisateur is not None and _contextes_rares(f, params))
    branches = [b for s in sources() if (b := _branche(s, f, curseur, params, rares))]
    if not branches or f.personnes == []:
        return [], None
    with_ = ""
    if f.utilisateur is not None:
        # The user's contexts, read once for every table.
        with_ = (
            "WITH contextes AS MATERIALIZED "
            f"(SELECT c.id FROM pghistory_context c WHERE {_contextes_sql(f)}) "
        )
    sql = (
        with_
        + "SELECT src, pgh_id, pgh_created_at FROM ("
        + " UNION ALL ".join(branches)
        + ") u ORDER BY pgh_created_at DESC, src DESC, pgh_id DESC LIMIT %(limite)s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        cles = cursor.fetchall()
    suivant = None
    if len(cles) > taille:
        cles = cles[:taille]
        dernier = cles[-1]
        suivant = Curseur(dernier[2], dernier[0], dernier[1])
    return _details(cles), suivant


def _details(cles):
    if not cles:
        return []
    par_source: dict[int, list[int]] = {}
    for src, pgh_id, _quand in cles:
        par_source.setdefault(src, []).append(pgh_id)
    toutes = sources()
    branches, params = [], {}
    for src, ids in par_source.items():
        s = toutes[src]
        params[f"ids{src}"] = ids
        avant = (
            f'(SELECT to_jsonb(p.*) FROM "{s.table}" p WHERE p.pgh_obj_id = e.pgh_obj_id '
            "AND p.pgh_id < e.pgh_id ORDER BY p.pgh_id DESC LIMIT 1)"
            if s.obj == "e.pgh_obj_id"
            else "NULL::jsonb"
        )
        branches.append(
            f"SELECT {src} AS src, e.pgh_id, e.pgh_created_at, e.pgh_label, "
            f"({s.obj})::bigint AS obj_id, ({s.personne_sql})::bigint AS personne_id, "
            "c.metadata AS contexte, to_jsonb(e.*) AS donnees, "
            f"CASE WHEN e.pgh_label = 'update' THEN {avant} END AS avant "
            f'FROM "{s.table}" e LEFT JOIN pghistory_context c ON c.id = e.pgh_context_id '
            f"WHERE e.pgh_id = ANY(%(ids{src})s)"
        )
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(branches), params)
        rows = {(r[0], r[1]): r for r in cursor.fetchall()}
    events = []
    for src, pgh_id, _quand in cles:
        r = rows.get((src, pgh_id))
        if r is None:
            continue
        events.append(
            Evenement(
                source=toutes[src],
                pgh_id=pgh_id,
                quand=r[2],
                action=r[3],
                obj_id=r[4],
                personne_id=r[5],
                contexte=_json(r[6]) or {},
                donnees=_json(r[7]) or {},
                avant=_json(r[8]),
            )
        )
    return events


# --- One event, readable ------------------------------------------------------------------------

ACTIONS = {
    "insert": gettext_lazy("création"),
    "update": gettext_lazy("modification"),
    "delete": gettext_lazy("suppression"),
    "ajout": gettext_lazy("ajout du lien"),
    "retrait": gettext_lazy("retrait du lien"),
}
CHAMPS_TECHNIQUES = {"id", "cpas"}
MASQUE = "•••"


@dataclasses.dataclass
class Evenement:
    source: Source
    pgh_id: int
    quand: datetime.datetime
    action: str
    obj_id: int
    personne_id: int | None
    contexte: dict
    donnees: dict
    avant: dict | None
    # Filled by ``presenter``:
    auteur: str = ""
    origine: str = ""
    objet: str = ""
    personne: str = ""
    changements: list = dataclasses.field(default_factory=list)

    @property
    def model(self):
        return self.source.model

    @property
    def libelle_action(self):
        return ACTIONS.get(self.action, self.action)

    def champs(self):
        """The tracked fields of the model shown on the audit (editable, not technical)."""
        return [f for f in _champs_audites(self.source.model) if f.attname in self.donnees]

    def champs_modifies(self):
        if self.action != "update" or self.avant is None:
            return []
        return [f for f in self.champs() if self.donnees[f.attname] != self.avant.get(f.attname)]


@cache
def _champs_audites(model):
    return [
        f for f in model._meta.concrete_fields if f.name not in CHAMPS_TECHNIQUES and f.editable
    ]


@cache
def _est_utilisateur(field) -> bool:
    return isinstance(field, models.ForeignKey) and (
        field.related_model._meta.label == "cpas_isp.User"
    )


def _valeur(field, value, utilisateurs):
    if value is None or value == "":
        return "∅"
    if isinstance(field, models.ForeignKey):
        if _est_utilisateur(field):
            return utilisateurs.get(value, f"n° {value}")
        return f"n° {value}"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.BooleanField):
        return _("oui") if value else _("non")
    try:
        if isinstance(field, models.DateTimeField):
            moment = timezone.localtime(datetime.datetime.fromisoformat(value))
            return moment.strftime("%d/%m/%Y %H:%M")
        if isinstance(field, models.DateField):
            return datetime.date.fromisoformat(value).strftime("%d/%m/%Y")
    except (TypeError, ValueError):
        pass
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


NOMS_LISIBLES = ("titre", "nom", "libelle_fr", "libelle", "code", "mois", "version")


@cache
def _champs_lisibles(model):
    """The fields that name an object of ``model`` readably (not confidential), by preference."""
    par_nom = {f.name: f for f in model._meta.concrete_fields}
    return [
        par_nom[n]
        for n in NOMS_LISIBLES
        if n in par_nom and not champ_confidentiel(model, par_nom[n])
    ]


def _libelle_objet(e: Evenement, utilisateurs, noms_modeles) -> str:
    model = e.source.model
    if model not in noms_modeles:
        noms_modeles[model] = str(model._meta.verbose_name).capitalize()
    base = f"{noms_modeles[model]} n° {e.obj_id}"
    for field in _champs_lisibles(model):
        valeur = e.donnees.get(field.attname)
        if valeur not in (None, ""):
            return f"{base} · {_valeur(field, valeur, utilisateurs)}"
    if "user_id" in e.donnees:
        return f"{base} · {utilisateurs.get(e.donnees['user_id'], '')}"
    return base


def presenter(events, viewer, cpas):
    """Fill in the readable columns of ``events``: author by name, origin, object label, person
    (named or masked), changed fields with values (withheld when confidential). Two queries."""
    from django.contrib.auth import get_user_model

    user_ids = {e.contexte.get("user") for e in events}
    for e in events:
        for field in e.champs():
            if _est_utilisateur(field):
                user_ids.add(e.donnees.get(field.attname))
                if e.avant:
                    user_ids.add(e.avant.get(field.attname))
    user_ids = {i for i in user_ids if isinstance(i, int)}
    utilisateurs = {u.pk: str(u) for u in get_user_model().objects.filter(pk__in=user_ids)}
    personnes = libelles_personnes(viewer, cpas, {e.personne_id for e in events})
    libelles: dict = {}  # (model, field name) -> (label, confidential), in the active language
    commande = _("commande %(nom)s")
    noms_modeles: dict = {}
    for e in events:
        user_id = e.contexte.get("user")
        e.auteur = utilisateurs.get(user_id, "") if user_id else ""
        if e.contexte.get("command"):
            e.origine = commande % {"nom": e.contexte["command"]}
        else:
            e.origine = e.contexte.get("url") or ""
        e.personne = personnes.get(e.personne_id, "") if e.personne_id else ""
        e.objet = _libelle_objet(e, utilisateurs, noms_modeles)
        e.changements = []
        for field in e.champs_modifies():
            cle = (e.model, field.name)
            if cle not in libelles:
                libelles[cle] = (str(field.verbose_name), champ_confidentiel(e.model, field))
            label, confidentiel = libelles[cle]
            if confidentiel:
                e.changements.append((label, None, None))
            else:
                e.changements.append(
                    (
                        label,
                        _valeur(field, e.avant.get(field.attname), utilisateurs),
                        _valeur(field, e.donnees.get(field.attname), utilisateurs),
                    )
                )
    return events
