"""The import framework: ``TypeImport`` (the base class of an import type, with its
validation helpers), the registry of import types, and ``executer_import`` (analyse a file,
then write its valid rows in one transaction and one audit context)."""

from __future__ import annotations

from typing import Any

import pghistory
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ..models import Beneficiaire
from ..niss import analyser_niss, compact_niss
from .execution import (
    ContexteImport,
    ecrire,
    instances_partielles,
    sans_ramasse_miettes,
    un_de,
)
from .lecture import Bilan, Colonne, LigneImport, RapportImport, lire, normaliser_entete, parse_date

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


def chevauche(debut_a, fin_a, debut_b, fin_b) -> bool:
    """Whether two inclusive date intervals overlap (open end = None); the import types use
    it to report an overlap on its row before the exclusion constraint refuses the file."""
    return (fin_b is None or debut_a <= fin_b) and (fin_a is None or debut_b <= fin_a)


def premiere_qui_chevauche(periodes, debut, fin):
    """The tag of the first of ``periodes`` (``(debut, fin, tag)``, e.g. the periods already
    accepted from the file with their line number) overlapping ``debut``–``fin``, or None."""
    return next((tag for (d, f, tag) in periodes if chevauche(debut, fin, d, f)), None)


class TypeImport:
    """Base class of an import type (see the package docstring)."""

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

    def _changements(self, existant, donnees: dict) -> dict:
        """The fields a valid row would change on the stored object ``existant``."""
        raise NotImplementedError

    def noter_action(self, ligne: LigneImport, existant) -> None:
        """What importing the row will do: create, modify (``_changements``) or nothing."""
        if existant is None:
            ligne.action = "creation"
        elif self._changements(existant, ligne.donnees):
            ligne.action = "modification"
        else:
            ligne.action = "inchange"

    # Helper for enregistrer -------------------------------------------------------------------
    def ecrire(self, lignes, model, **kwargs) -> Bilan:
        """Write the valid rows set-based, idempotent on the natural key (see
        ``execution.ecrire``)."""
        return ecrire(lignes, model, **kwargs)

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
        wanted = {compact_niss(ligne.valeurs.get(colonne, "")) for ligne in lignes}
        wanted.discard("")
        ctx.personnes = {}
        if not wanted:
            return
        qs = Beneficiaire.objects.filter(un_de(Beneficiaire, "niss", wanted, "text"), cpas=ctx.cpas)
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
    def lire(self, data: bytes) -> RapportImport:
        return lire(self.nom, self.colonnes, data)

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
    with sans_ramasse_miettes():
        return _executer_import(
            cpas,
            type_name,
            data,
            user=user,
            dry_run=dry_run,
            valid_only=valid_only,
            origine=origine,
            nom_fichier=nom_fichier,
            progression=progression,
            dans_la_transaction=dans_la_transaction,
        )


def _executer_import(
    cpas,
    type_name,
    data,
    *,
    user,
    dry_run,
    valid_only,
    origine,
    nom_fichier,
    progression,
    dans_la_transaction,
) -> RapportImport:
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
