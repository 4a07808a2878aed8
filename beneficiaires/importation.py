"""Import framework: read a CPAS's CSV files, validate every row, then save in bulk.

Used by ``python manage.py importer --cpas CODE --type TYPE FILE [--dry-run] [--valid-only]
[--rejets OUT.csv]`` and by the staged upload page of the CPAS administrator (rows are shown with
their errors before anything is saved). The same rules hold for every import type:

- files: CSV with ``;``, ``,`` or tab (detected from the header line), UTF-8 with or without BOM,
  UTF-16 with BOM, or Windows-1252 (detected); header names are case-, accent- and
  space-insensitive, extra columns are ignored, optional cells may be empty;
- dates ``YYYY-MM-DD`` or ``DD/MM/YYYY`` (``parse_date``);
- every invalid row is reported as ``ligne N, colonne : message`` (N is the line in the file,
  the header being line 1), in the active language (French by default);
- without ``valid_only`` one invalid row means nothing is written; with it, valid rows are saved
  and the invalid ones reported (and written to the rejects file with an ``erreurs`` column);
- importing the same file twice changes nothing: each type has a natural key and updates only
  what differs;
- writes are set-based in one transaction (the valid rows are copied into a temporary staging
  table with ``COPY``, then written with ``INSERT … SELECT`` / ``UPDATE … FROM``, see
  ``EcritureEnBloc``), inside an audit context (``pghistory``): the tables' row triggers and
  constraints apply as for any write, so every imported row is in the audit trail with the
  command or page that imported it, and a rule missed by the analysis still refuses the file.

Adding an import type (e.g. trajets' ``phases``)
------------------------------------------------
Subclass ``TypeImport`` and register an instance from your ``AppConfig.ready()``::

    from beneficiaires.importation import Colonne, TypeImport, register_import_type

    class ImportPhases(TypeImport):
        nom = "phases"
        libelle = _("Passages en phase")
        colonnes = [Colonne("niss", obligatoire=True), Colonne("phase", obligatoire=True),
                    Colonne("debut", obligatoire=True), Colonne("fin")]
        cle_naturelle = _("NISS + phase + début")

        def preparer(self, ctx, lignes):       # optional: bulk look-ups before validation
            ctx.personnes = personnes_par_niss(ctx.cpas, (l.valeurs["niss"] for l in lignes))

        def valider(self, ctx, ligne):          # per row: fill ligne.donnees or ligne.erreur()
            b = self.personne(ctx, ligne)       # helper: NISS -> Beneficiaire, or error
            debut = self.date(ligne, "debut")   # helpers add the row error themselves
            ...

        def valider_ensemble(self, ctx, lignes):  # optional: checks across rows (overlaps...)
            ...

        def enregistrer(self, ctx, lignes) -> Bilan:  # self.ecrire(...): valid rows only
            ...

    register_import_type(ImportPhases())

``ctx`` is an ``ContexteImport`` (``cpas``, ``user`` or None, ``aujourd_hui``, and any attribute
your type sets in ``preparer``). ``valider`` must not write; ``enregistrer`` runs inside the
transaction and the audit context, and returns a ``Bilan`` of created/updated/unchanged counts.
The command, the upload page and the rejects file need nothing else.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import functools
import io
import operator
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pghistory
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# --- Registry ----------------------------------------------------------------------------------

_types: dict[str, TypeImport] = {}


def register_import_type(handler: TypeImport, name: str | None = None) -> TypeImport:
    """Make ``handler`` available to the ``importer`` command and the upload page."""
    _types[name or handler.nom] = handler
    return handler


def import_type(name: str) -> TypeImport:
    try:
        return _types[name]
    except KeyError:
        raise KeyError(name)


def import_types() -> dict[str, TypeImport]:
    return dict(_types)


# --- Reading -----------------------------------------------------------------------------------


class FichierInvalide(Exception):
    """The file as a whole cannot be read (encoding, empty, missing columns)."""


@functools.lru_cache(maxsize=4096)
def normaliser_entete(value: str) -> str:
    """``Date de naissance`` -> ``date_de_naissance``; ``Prénom`` -> ``prenom``."""
    value = unicodedata.normalize("NFKD", (value or "").strip().lstrip("\ufeff"))
    value = "".join(c for c in value if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "_", value).strip("_")


def decoder(data: bytes) -> tuple[str, str]:
    """(text, encoding name): UTF-8 (BOM or not), UTF-16 with BOM, else Windows-1252."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        raise FichierInvalide(_("Encodage du fichier non reconnu (UTF-8 ou Windows-1252 attendu)."))


def detecter_separateur(premiere_ligne: str) -> str:
    counts = {sep: premiere_ligne.count(sep) for sep in (";", ",", "\t")}
    sep, n = max(counts.items(), key=lambda kv: kv[1])
    return sep if n else ";"


def valeur_lue(cell: str) -> str:
    """A cell as imported: stripped, without the ``'`` that neutralised a formula in a file we
    wrote (rejects file, export), so that a corrected rejects file imports the original text."""
    from cpas_isp.exports import est_dangereux

    value = cell.strip()
    if value.startswith("'") and est_dangereux(value[1:]):
        value = value[1:].strip()
    return value


DATE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
DATE_BE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")


def parse_date(value: str) -> datetime.date:
    """``YYYY-MM-DD`` or ``DD/MM/YYYY`` (also ``DD-MM-YYYY``, ``DD.MM.YYYY``); ValueError with
    a translated message otherwise."""
    value = (value or "").strip()
    if " " in value:  # "2024-01-31 00:00:00" from spreadsheets
        value = value.split(" ", 1)[0]
    m = DATE_ISO.match(value)
    if m:
        y, mo, d = (int(x) for x in m.groups())
    else:
        m = DATE_BE.match(value)
        if not m:
            raise ValueError(
                _("date « %(v)s » non reconnue (AAAA-MM-JJ ou JJ/MM/AAAA)") % {"v": value}
            )
        d, mo, y = (int(x) for x in m.groups())
    try:
        return datetime.date(y, mo, d)
    except ValueError:
        raise ValueError(_("date « %(v)s » impossible") % {"v": value})


@dataclass
class Colonne:
    nom: str
    obligatoire: bool = False
    alias: tuple[str, ...] = ()
    aide: Any = ""


@dataclass
class ErreurLigne:
    ligne: int
    colonne: str
    message: str

    def __str__(self):
        if self.colonne:
            return _("ligne %(ligne)s, %(colonne)s : %(message)s") % {
                "ligne": self.ligne,
                "colonne": self.colonne,
                "message": self.message,
            }
        return _("ligne %(ligne)s : %(message)s") % {"ligne": self.ligne, "message": self.message}


@dataclass
class LigneImport:
    numero: int  # line in the file (header = 1)
    valeurs: dict[str, str]  # known columns, stripped ("" when empty or absent)
    brut: list[str]  # the row as read, for the rejects file
    donnees: dict[str, Any] = field(default_factory=dict)  # cleaned values (set by valider)
    erreurs: list[ErreurLigne] = field(default_factory=list)
    action: str = ""  # "creation", "modification", "inchange" (set by enregistrer/analyse)

    @property
    def valide(self) -> bool:
        return not self.erreurs

    def erreur(self, colonne: str, message: str) -> None:
        self.erreurs.append(ErreurLigne(self.numero, colonne, str(message)))


@dataclass
class Bilan:
    crees: int = 0
    modifies: int = 0
    inchanges: int = 0


@dataclass
class ContexteImport:
    cpas: Any
    user: Any = None
    aujourd_hui: datetime.date = field(default_factory=timezone.localdate)
    personnes: dict = field(default_factory=dict)  # compact NISS -> Beneficiaire (see below)
    progression: Any = None  # callable(etape, fait, total), e.g. a background job's heartbeat

    def signaler(self, etape: str, fait: int, total: int) -> None:
        """Report progress (``etape``: lecture, validation, ecriture) to ``progression``."""
        if self.progression is not None:
            self.progression(etape, fait, total)


@dataclass
class RapportImport:
    type: str
    entete: list[str] = field(default_factory=list)
    separateur: str = ";"
    encodage: str = "utf-8"
    lignes: list[LigneImport] = field(default_factory=list)
    erreurs_fichier: list[ErreurLigne] = field(default_factory=list)
    bilan: Bilan | None = None
    ecrit: bool = False

    @property
    def valides(self) -> list[LigneImport]:
        return [ligne for ligne in self.lignes if ligne.valide]

    @property
    def rejetees(self) -> list[LigneImport]:
        return [ligne for ligne in self.lignes if not ligne.valide]

    @property
    def erreurs(self) -> list[ErreurLigne]:
        return self.erreurs_fichier + [e for ligne in self.lignes for e in ligne.erreurs]

    @property
    def a_des_erreurs(self) -> bool:
        return bool(self.erreurs_fichier) or any(not ligne.valide for ligne in self.lignes)

    def ecrire_rejets(self, out: io.TextIOBase) -> int:
        """Write the rejected rows (original columns + ``erreurs``) as CSV; return their count.

        Every cell is neutralised for spreadsheets (``cpas_isp.exports.cellule``): a rejected
        row is exactly the kind of untrusted text that must not become a live formula. The
        ``'`` added in front of ``=``, ``+``, ``-``, ``@``... is removed again when the
        corrected file is imported (``lire``)."""
        from cpas_isp.exports import ligne_csv

        writer = csv.writer(out, delimiter=self.separateur)
        writer.writerow(ligne_csv([*self.entete, "erreurs"]))
        n = 0
        for ligne in self.rejetees:
            brut = list(ligne.brut) + [""] * (len(self.entete) - len(ligne.brut))
            erreurs = " | ".join(str(e) for e in ligne.erreurs)
            writer.writerow(ligne_csv([*brut[: len(self.entete)], erreurs]))
            n += 1
        return n


# --- Types -------------------------------------------------------------------------------------


class TypeImport:
    """Base class of an import type. See the module docstring."""

    nom: str = ""
    libelle: Any = ""
    colonnes: list[Colonne] = []
    cle_naturelle: Any = ""

    # Hooks to override ------------------------------------------------------------------------
    def preparer(self, ctx: ContexteImport, lignes: list[LigneImport]) -> None:
        """Bulk look-ups needed by ``valider`` (one query for all rows, never one per row)."""

    def valider(self, ctx: ContexteImport, ligne: LigneImport) -> None:
        raise NotImplementedError

    def valider_ensemble(self, ctx: ContexteImport, lignes: list[LigneImport]) -> None:
        """Checks across rows (duplicates, overlaps); only rows still valid are given."""

    def enregistrer(self, ctx: ContexteImport, lignes: list[LigneImport]) -> Bilan:
        raise NotImplementedError

    # Helper for enregistrer -------------------------------------------------------------------
    def ecrire(self, lignes, model, *, existant, nouveau, changements, champs, ctx=None) -> Bilan:
        """Write valid rows set-based, idempotent on the natural key.

        A row whose ``existant(ligne)`` is None becomes ``nouveau(ligne.donnees)`` (a new row:
        an unsaved model instance, or a dict ``{attname: value}``, see ``EcritureEnBloc``);
        otherwise the fields returned by ``changements(obj, donnees)`` are set on the stored object
        (the fields ``champs`` are written), or the row counts as unchanged. The rows are copied
        into a temporary staging table (COPY), then written with ``UPDATE … FROM`` and
        ``INSERT … SELECT`` by batches of ``TAILLE_LOT_ECRITURE`` (see ``EcritureEnBloc``): the
        row triggers of the table (audit, search column) fire and its constraints hold as for
        any insert. Updates go first, so that a period shortened by the file makes room for a
        new one. Progress goes to ``ctx.signaler`` when a context is given."""
        bilan = Bilan()
        nouveaux, modifies = [], []
        for ligne in lignes:
            obj = existant(ligne)
            if obj is None:
                nouveaux.append(nouveau(ligne.donnees))
                ligne.action = "creation"
                continue
            changes = changements(obj, ligne.donnees)
            if changes:
                for champ, valeur in changes.items():
                    setattr(obj, champ, valeur)
                modifies.append(obj)
                ligne.action = "modification"
            else:
                ligne.action = "inchange"
                bilan.inchanges += 1
        ecriture = EcritureEnBloc(model, total=len(modifies) + len(nouveaux), ctx=ctx)
        ecriture.mettre_a_jour(modifies, champs)
        ecriture.inserer(nouveaux)
        bilan.crees, bilan.modifies = len(nouveaux), len(modifies)
        return bilan

    # Helpers for valider ----------------------------------------------------------------------
    def texte(self, ligne: LigneImport, colonne: str, max_length: int | None = None) -> str:
        value = ligne.valeurs.get(colonne, "")
        if max_length and len(value) > max_length:
            ligne.erreur(colonne, _("%(n)s caractères au plus") % {"n": max_length})
        return value

    def obligatoire(self, ligne: LigneImport, colonne: str) -> str | None:
        value = ligne.valeurs.get(colonne, "")
        if not value:
            ligne.erreur(colonne, _("valeur obligatoire"))
            return None
        return value

    def date(self, ligne: LigneImport, colonne: str, requis: bool = False):
        value = ligne.valeurs.get(colonne, "")
        if not value:
            if requis:
                ligne.erreur(colonne, _("date obligatoire"))
            return None
        try:
            return parse_date(value)
        except ValueError as exc:
            ligne.erreur(colonne, str(exc))
            return None

    def choix(self, ligne: LigneImport, colonne: str, valeurs: dict[str, str], requis=False):
        """Map a cell through ``valeurs`` (keys normalised like headers)."""
        value = ligne.valeurs.get(colonne, "")
        if not value:
            if requis:
                ligne.erreur(colonne, _("valeur obligatoire"))
            return None
        key = normaliser_entete(value)
        if key not in valeurs:
            attendues = sorted({v for v in valeurs.values()})
            ligne.erreur(
                colonne,
                _("« %(v)s » n'est pas une valeur admise (%(ok)s)")
                % {"v": value, "ok": ", ".join(attendues)},
            )
            return None
        return valeurs[key]

    def niss(self, ligne: LigneImport, colonne: str = "niss") -> str | None:
        """The compact NISS of the cell, or None after recording the error."""
        from django.core.exceptions import ValidationError

        from beneficiaires.niss import analyser_niss

        value = ligne.valeurs.get(colonne, "")
        if not value:
            ligne.erreur(colonne, _("valeur obligatoire"))
            return None
        try:
            return analyser_niss(value).niss
        except ValidationError as exc:
            ligne.erreur(colonne, exc.messages[0])
            return None

    def charger_personnes(
        self, ctx: ContexteImport, lignes: list[LigneImport], colonne="niss", champs=None
    ):
        """Fill ``ctx.personnes`` (compact NISS -> Beneficiaire of ctx.cpas) in one query.
        ``champs``: load only these fields (besides the key, the CPAS and the
        NISS), e.g. ``()`` when only the person's id is needed."""
        from beneficiaires.models import Beneficiaire
        from beneficiaires.niss import compact_niss

        wanted = {compact_niss(ligne.valeurs.get(colonne, "")) for ligne in lignes}
        wanted.discard("")
        ctx.personnes = {}
        if not wanted:
            return
        qs = Beneficiaire.objects.filter(cpas=ctx.cpas, niss__in=parmi(wanted, "text"))
        if champs is not None:
            qs = instances_partielles(qs, ["id", "cpas_id", "niss", *champs])
        ctx.personnes = {b.niss: b for b in qs}

    def personne(self, ctx: ContexteImport, ligne: LigneImport, colonne: str = "niss"):
        """The person of the CPAS with the row's NISS (needs ``charger_personnes`` in
        ``preparer``), or None after recording the error."""
        niss = self.niss(ligne, colonne)
        if niss is None:
            return None
        b = ctx.personnes.get(niss)
        if b is None:
            ligne.erreur(colonne, _("aucun bénéficiaire avec ce NISS dans ce CPAS"))
        return b

    # Reading ----------------------------------------------------------------------------------
    def _index_colonnes(self, entete: list[str]) -> tuple[dict[str, int], list[str]]:
        normalises = [normaliser_entete(h) for h in entete]
        index: dict[str, int] = {}
        manquantes = []
        for col in self.colonnes:
            noms = [col.nom, *col.alias]
            found = next((normalises.index(n) for n in noms if n in normalises), None)
            if found is None:
                if col.obligatoire:
                    manquantes.append(col.nom)
            else:
                index[col.nom] = found
        return index, manquantes

    def lire(self, data: bytes) -> RapportImport:
        rapport = RapportImport(type=self.nom)
        try:
            texte, rapport.encodage = decoder(data)
        except FichierInvalide as exc:
            rapport.erreurs_fichier.append(ErreurLigne(1, "", str(exc)))
            return rapport
        premiere = texte.split("\n", 1)[0]
        rapport.separateur = detecter_separateur(premiere)
        reader = csv.reader(io.StringIO(texte, newline=""), delimiter=rapport.separateur)
        try:
            entete = next(reader)
        except StopIteration:
            rapport.erreurs_fichier.append(ErreurLigne(1, "", _("fichier vide")))
            return rapport
        rapport.entete = [h.strip().lstrip("\ufeff") for h in entete]
        index, manquantes = self._index_colonnes(rapport.entete)
        if manquantes:
            rapport.erreurs_fichier.append(
                ErreurLigne(
                    1,
                    "",
                    _("colonnes obligatoires absentes : %(cols)s (colonnes attendues : %(all)s)")
                    % {
                        "cols": ", ".join(manquantes),
                        "all": ";".join(c.nom for c in self.colonnes),
                    },
                )
            )
            return rapport
        try:
            for row in reader:
                if not any(cell.strip() for cell in row):
                    continue
                # A NUL character cannot be stored (PostgreSQL refuses it): a row error.
                nuls = [nom for nom, i in index.items() if i < len(row) and "\x00" in row[i]]
                if nuls or any("\x00" in cell for cell in row):
                    row = [cell.replace("\x00", "") for cell in row]
                valeurs = {
                    nom: (valeur_lue(row[i]) if i < len(row) else "") for nom, i in index.items()
                }
                for col in self.colonnes:
                    valeurs.setdefault(col.nom, "")
                ligne = LigneImport(reader.line_num, valeurs, row)
                for nom in nuls:
                    ligne.erreur(nom, _("caractère nul interdit"))
                rapport.lignes.append(ligne)
        except csv.Error as exc:
            rapport.erreurs_fichier.append(
                ErreurLigne(reader.line_num, "", _("CSV illisible : %(e)s") % {"e": exc})
            )
        if not rapport.lignes and not rapport.erreurs_fichier:
            rapport.erreurs_fichier.append(ErreurLigne(2, "", _("aucune ligne de données")))
        return rapport

    def analyser(self, ctx: ContexteImport, data: bytes) -> RapportImport:
        ctx.signaler("lecture", 0, 0)
        rapport = self.lire(data)
        if rapport.erreurs_fichier:
            return rapport
        self.preparer(ctx, rapport.lignes)
        total = len(rapport.lignes)
        for i, ligne in enumerate(rapport.lignes, 1):
            self.valider(ctx, ligne)
            if i % 1000 == 0 or i == total:
                ctx.signaler("validation", i, total)
        self.valider_ensemble(ctx, [ligne for ligne in rapport.lignes if ligne.valide])
        return rapport


# --- Running an import -------------------------------------------------------------------------


class ImportEchoue(Exception):
    pass


def executer_import(
    cpas,
    type_name: str,
    data: bytes,
    *,
    user=None,
    dry_run: bool = False,
    valid_only: bool = False,
    origine: str = "importer",
    nom_fichier: str = "",
    progression=None,
    dans_la_transaction=None,
) -> RapportImport:
    """Analyse ``data`` and, unless ``dry_run`` or (errors and not ``valid_only``), save the
    valid rows in one transaction and one audit context. Returns the report.

    ``progression(etape, fait, total)`` receives progress; ``dans_la_transaction(rapport)``
    runs inside the transaction after the rows are written (e.g. to mark a batch as imported
    in the same commit; raising there rolls everything back)."""
    handler = import_type(type_name)
    ctx = ContexteImport(cpas=cpas, user=user, progression=progression)
    rapport = handler.analyser(ctx, data)
    if dry_run or rapport.erreurs_fichier or not rapport.valides:
        return rapport
    if rapport.a_des_erreurs and not valid_only:
        return rapport
    metadata = {"import": type_name, "fichier": nom_fichier[:200], "cpas": cpas.pk}
    if user is not None:
        metadata["user"] = user.pk
    try:
        with pghistory.context(command=origine, **metadata), transaction.atomic():
            rapport.bilan = handler.enregistrer(ctx, rapport.valides)
            if dans_la_transaction is not None:
                dans_la_transaction(rapport)
    except IntegrityError as exc:
        # Validation should have caught it; never leave anything half-saved.
        raise ImportEchoue(
            _("L'import a été refusé par la base de données, rien n'a été enregistré : %(e)s")
            % {"e": str(exc).splitlines()[0]}
        )
    rapport.ecrit = True
    return rapport


LIBELLES_ACTIONS = {
    "creation": gettext_lazy("création"),
    "modification": gettext_lazy("modification"),
    "inchange": gettext_lazy("inchangé"),
}


def iter_par_lots(items: Iterable, taille: int = 2000):
    lot = []
    for item in items:
        lot.append(item)
        if len(lot) >= taille:
            yield lot
            lot = []
    if lot:
        yield lot


def instances_partielles(qs, attnames: list[str]):
    """The rows of ``qs`` as model instances holding only ``attnames`` (like ``.only()``:
    reading another field loads it), built without ``Model.__init__`` and its signals: what
    costs most when looking up tens of thousands of stored rows."""
    from django.db.models.base import ModelState

    model, db = qs.model, qs.db
    for valeurs in qs.values(*attnames):
        obj = model.__new__(model)
        obj.__dict__.update(valeurs)
        obj._state = ModelState()
        obj._state.adding, obj._state.db = False, db
        yield obj


def parmi(valeurs, type_sql: str):
    """The right-hand side of ``field__in=parmi(values, "text")``: all the values as one array
    parameter (``IN (SELECT unnest(%s::text[]))``), one query however many values, instead of
    one SQL parameter per value."""
    from django.db.models.expressions import RawSQL

    return RawSQL(f"SELECT unnest(%s::{type_sql}[])", [list(valeurs)])


# --- Set-based writing -------------------------------------------------------------------------

TAILLE_LOT_ECRITURE = 2000  # rows per INSERT … SELECT / UPDATE … FROM (progress granularity)

# Field types whose Python attribute value is what psycopg writes (no get_db_prep_save needed).
_TYPES_SIMPLES = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "DateField",
    "DateTimeField",
    "EmailField",
    "ForeignKey",
    "IntegerField",
    "OneToOneField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SlugField",
    "SmallIntegerField",
    "TextField",
}


class EcritureEnBloc:
    """Write model instances through a temporary staging table, in the current transaction.

    The rows are sent once with ``COPY … FROM STDIN`` (psycopg 3) into a temporary table shaped
    like the target's columns, then moved by batches with one ``INSERT … SELECT`` or
    ``UPDATE … FROM`` each: the target's row triggers (pghistory audit events, with the audit
    context set on the transaction by ``pghistory.context``; the search column) and its
    constraints (unique, check, exclusion) apply exactly as for ORM writes, and one batch that
    fails rolls the transaction back. ``auto_now``/``auto_now_add`` fields get the time of the
    import."""

    _numero = 0

    def __init__(self, model, *, total: int = 0, ctx: ContexteImport | None = None):
        self.model = model
        self.total = total
        self.fait = 0
        self.ctx = ctx
        self.maintenant = timezone.now()
        self.valeurs = False  # rows are dicts, not model instances (see ``inserer``)

    # Values -----------------------------------------------------------------------------------
    def _extracteur(self, champ, *, creation: bool):
        """A function obj -> the value to write for ``champ``."""
        from django.db import connection

        if getattr(champ, "auto_now", False) or (
            creation and getattr(champ, "auto_now_add", False)
        ):
            maintenant = self.maintenant
            if champ.get_internal_type() == "DateField":
                maintenant = timezone.localdate(maintenant)
            return lambda obj: maintenant
        attname = champ.attname
        simple = champ.get_internal_type() in _TYPES_SIMPLES
        if creation and self.valeurs:  # rows given as {attname: value}
            if champ.has_default() and callable(champ.default):
                defaut = champ.get_default
                lire = lambda d: d[attname] if attname in d else defaut()  # noqa: E731
            else:
                defaut = champ.get_default()
                lire = lambda d: d.get(attname, defaut)  # noqa: E731
        else:
            lire = operator.attrgetter(attname)
        if simple:
            return lire
        return lambda obj: champ.get_db_prep_save(lire(obj), connection)

    def _staging(self, cursor, colonnes: list[str]) -> str:
        """Create the temporary table (``_n`` = row order + the target's ``colonnes``)."""
        from django.db import connection

        qn = connection.ops.quote_name
        # Every pgtrigger trigger (the audit ones, the search column) first asks whether it is
        # to be ignored by reading the ``pgtrigger.ignore`` setting; unset, that read raises an
        # error caught in a sub-transaction, for each row and trigger: two thirds of the
        # insert's time. An empty list (ignore nothing, for this transaction only) answers
        # the same without the error. ``pgtrigger.ignore()`` still sets its own list.
        cursor.execute(
            "SELECT set_config('pgtrigger.ignore', '{}', true) "
            "WHERE coalesce(current_setting('pgtrigger.ignore', true), '') = ''"
        )
        EcritureEnBloc._numero += 1
        nom = f"import_staging_{EcritureEnBloc._numero}"
        cursor.execute(
            f"CREATE TEMPORARY TABLE {nom} ON COMMIT DROP AS "
            f"SELECT 0::integer AS _n, {', '.join(qn(c) for c in colonnes)} "
            f"FROM {qn(self.model._meta.db_table)} WITH NO DATA"
        )
        return nom

    def _copier(self, cursor, nom: str, colonnes: list[str], objets, ligne) -> None:
        """COPY ``ligne(obj)`` (the values of ``colonnes``) of every object into ``nom``."""
        from django.db import connection

        qn = connection.ops.quote_name
        with cursor.copy(
            f"COPY {nom} (_n, {', '.join(qn(c) for c in colonnes)}) FROM STDIN"
        ) as copie:
            for n, obj in enumerate(objets):
                copie.write_row((n, *ligne(obj)))
        cursor.execute(f"ANALYZE {nom}")

    def _ligne_creation(self, champs):
        """obj -> the tuple of values of ``champs`` for a new row."""
        extracteurs = [self._extracteur(f, creation=True) for f in champs]
        simples = all(
            f.get_internal_type() in _TYPES_SIMPLES
            and not (f.has_default() and callable(f.default))
            for f in champs
        )
        if not (self.valeurs and simples):
            return lambda obj: tuple(f(obj) for f in extracteurs)
        # Rows given as dicts of plain values: one merge and one itemgetter per row.
        fixes = {
            f.attname: extraire({})
            for f, extraire in zip(champs, extracteurs, strict=True)
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        }
        defauts = {f.attname: f.get_default() for f in champs if f.attname not in fixes}
        valeurs = operator.itemgetter(*(f.attname for f in champs))
        return lambda d: valeurs({**defauts, **d, **fixes})

    def _par_lots(self, fonction, nom: str, colonnes: list[str], n: int) -> None:
        for debut in range(0, n, TAILLE_LOT_ECRITURE):
            fin = min(debut + TAILLE_LOT_ECRITURE, n)
            fonction(self.model, nom, colonnes, debut, fin)
            self.fait += fin - debut
            if self.ctx is not None:
                self.ctx.signaler("ecriture", self.fait, self.total)

    # Operations -------------------------------------------------------------------------------
    def inserer(self, objets: list) -> None:
        """Insert ``objets``: unsaved instances (their primary keys are not set), or dicts
        ``{attname: value}`` (``"cpas_id"``, not ``"cpas"``; a missing field gets its default),
        which spare building a model instance per row."""
        from django.db import connection

        if not objets:
            return
        self.valeurs = isinstance(objets[0], dict)
        champs = [
            f
            for f in self.model._meta.concrete_fields
            if not f.primary_key and not getattr(f, "generated", False)
        ]
        colonnes = [f.column for f in champs]
        with connection.cursor() as cursor:
            nom = self._staging(cursor, colonnes)
            self._copier(cursor, nom, colonnes, objets, self._ligne_creation(champs))
            self._par_lots(inserer_lot, nom, colonnes, len(objets))
            cursor.execute(f"DROP TABLE {nom}")

    def mettre_a_jour(self, objets: list, noms_champs: list[str]) -> None:
        """Write the fields ``noms_champs`` of the stored ``objets`` (plus ``auto_now`` ones)."""
        from django.db import connection

        if not objets:
            return
        meta = self.model._meta
        champs = [meta.get_field(nom) for nom in noms_champs]
        champs += [
            f for f in meta.concrete_fields if getattr(f, "auto_now", False) and f not in champs
        ]
        colonnes = [meta.pk.column] + [f.column for f in champs]
        extracteurs = [lambda obj: obj.pk] + [self._extracteur(f, creation=False) for f in champs]
        with connection.cursor() as cursor:
            nom = self._staging(cursor, colonnes)
            self._copier(
                cursor, nom, colonnes, objets, lambda obj: tuple(f(obj) for f in extracteurs)
            )
            self._par_lots(mettre_a_jour_lot, nom, colonnes, len(objets))
            cursor.execute(f"DROP TABLE {nom}")


def inserer_lot(model, staging: str, colonnes: list[str], debut: int, fin: int) -> int:
    """``INSERT … SELECT`` rows ``debut`` to ``fin`` (excluded) of ``staging`` into ``model``'s
    table, in their order; returns the number of rows inserted."""
    from django.db import connection

    qn = connection.ops.quote_name
    liste = ", ".join(qn(c) for c in colonnes)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {qn(model._meta.db_table)} ({liste}) SELECT {liste} FROM {staging} "
            "WHERE _n >= %s AND _n < %s ORDER BY _n",
            [debut, fin],
        )
        return cursor.rowcount


def mettre_a_jour_lot(model, staging: str, colonnes: list[str], debut: int, fin: int) -> int:
    """``UPDATE … FROM`` rows ``debut`` to ``fin`` (excluded) of ``staging``: the first column
    is the primary key, the others are written; returns the number of rows updated."""
    from django.db import connection

    qn = connection.ops.quote_name
    pk, *autres = colonnes
    affectations = ", ".join(f"{qn(c)} = s.{qn(c)}" for c in autres)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {qn(model._meta.db_table)} AS t SET {affectations} FROM {staging} AS s "
            f"WHERE t.{qn(pk)} = s.{qn(pk)} AND s._n >= %s AND s._n < %s",
            [debut, fin],
        )
        return cursor.rowcount
