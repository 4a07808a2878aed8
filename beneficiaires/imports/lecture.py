"""Reading an import file: bytes to rows, before any rule of an import type applies.

Encodings (UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252), the separator
(``;``, ``,`` or tab, from the header line), header names (case-, accent- and space-insensitive,
with aliases), dates (``YYYY-MM-DD`` or ``DD/MM/YYYY``), and the rows and report an analysis
fills (``LigneImport``, ``ErreurLigne``, ``RapportImport`` and its rejects file)."""

from __future__ import annotations

import codecs
import csv
import datetime
import functools
import io
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from cpas_isp.exports import ecrire_csv, est_dangereux


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
    """What an import wrote."""

    crees: int = 0
    modifies: int = 0
    inchanges: int = 0


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
        rejetees = self.rejetees
        ecrire_csv(out, [*self.entete, "erreurs"], self.lignes_rejets(), separateur=self.separateur)
        return len(rejetees)

    def lignes_rejets(self):
        """The rejected rows as read (padded to the header), each with its errors."""
        largeur = len(self.entete)
        for ligne in self.rejetees:
            brut = list(ligne.brut) + [""] * (largeur - len(ligne.brut))
            yield [*brut[:largeur], " | ".join(str(e) for e in ligne.erreurs)]


def _index_colonnes(colonnes: list[Colonne], entete: list[str]):
    """(column name -> index in the row, missing required columns)."""
    normalises = [normaliser_entete(h) for h in entete]
    index: dict[str, int] = {}
    manquantes = []
    for col in colonnes:
        noms = [col.nom, *col.alias]
        found = next((normalises.index(n) for n in noms if n in normalises), None)
        if found is None:
            if col.obligatoire:
                manquantes.append(col.nom)
        else:
            index[col.nom] = found
    return index, manquantes


def lire(type_name: str, colonnes: list[Colonne], data: bytes) -> RapportImport:
    """The rows of ``data`` (known columns only), or the file errors that stop reading."""
    rapport = RapportImport(type=type_name)
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
    index, manquantes = _index_colonnes(colonnes, rapport.entete)
    if manquantes:
        rapport.erreurs_fichier.append(
            ErreurLigne(
                1,
                "",
                _("colonnes obligatoires absentes : %(cols)s (colonnes attendues : %(all)s)")
                % {
                    "cols": ", ".join(manquantes),
                    "all": ";".join(c.nom for c in colonnes),
                },
            )
        )
        return rapport
    colonnes_lues = list(index.items())
    absentes = {col.nom: "" for col in colonnes if col.nom not in index}
    avec_nul = "\x00" in texte  # else no row needs looking for one
    lignes = rapport.lignes
    try:
        for row in reader:
            if not "".join(row).strip():
                continue
            nuls = ()
            if avec_nul:
                # A NUL character cannot be stored (PostgreSQL refuses it): a row error.
                nuls = [nom for nom, i in colonnes_lues if i < len(row) and "\x00" in row[i]]
                if nuls or any("\x00" in cell for cell in row):
                    row = [cell.replace("\x00", "") for cell in row]
            largeur = len(row)
            valeurs = {}
            for nom, i in colonnes_lues:
                if i < largeur:
                    valeur = row[i].strip()
                    if valeur[:1] == "'" and est_dangereux(valeur[1:]):  # as valeur_lue
                        valeur = valeur[1:].strip()
                    valeurs[nom] = valeur
                else:
                    valeurs[nom] = ""
            if absentes:
                valeurs.update(absentes)
            ligne = LigneImport(reader.line_num, valeurs, row)
            for nom in nuls:
                ligne.erreur(nom, _("caractère nul interdit"))
            lignes.append(ligne)
    except csv.Error as exc:
        rapport.erreurs_fichier.append(
            ErreurLigne(reader.line_num, "", _("CSV illisible : %(e)s") % {"e": exc})
        )
    if not rapport.lignes and not rapport.erreurs_fichier:
        rapport.erreurs_fichier.append(ErreurLigne(2, "", _("aucune ligne de données")))
    return rapport
