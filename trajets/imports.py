"""The ``phases`` import type: a CPAS's history of stays in the trajectory phases.

    python manage.py importer --cpas CODE --type phases FILE

Columns ``niss;phase;debut;fin;motif_sortie`` (``phase`` one of facilitateur, alpha,
etudes_formations, emploi, article60; ``motif_sortie`` an exit-reason code, optional). The
natural key is NISS + phase + start: importing the same file again changes nothing, and a row
matching a stored stay updates its end and exit reason. Rows for an unknown NISS, an unknown
phase or reason, or a stay overlapping another stay (stored or in the file) are row errors.
"""

from __future__ import annotations

from collections import defaultdict

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from beneficiaires.imports.base import (
    TypeImport,
    chevauche,
    premiere_qui_chevauche,
    register_import_type,
)
from beneficiaires.imports.execution import parmi
from beneficiaires.imports.lecture import Bilan, Colonne, normaliser_entete

from .models import MotifSortie, PassagePhase, Phase

PHASES = {normaliser_entete(p.value): p.value for p in Phase}
PHASES.update(
    {"etudes": "etudes_formations", "formation": "etudes_formations", "art60": "article60"}
)


class ImportPhases(TypeImport):
    nom = "phases"
    libelle = gettext_lazy("Passages dans les phases")
    cle_naturelle = gettext_lazy("NISS + phase + début")
    colonnes = [
        Colonne("niss", obligatoire=True, alias=("insz",)),
        Colonne("phase", obligatoire=True),
        Colonne("debut", obligatoire=True, alias=("date_debut",)),
        Colonne("fin", alias=("date_fin",)),
        Colonne("motif_sortie", alias=("motif", "motif_de_sortie")),
    ]

    def preparer(self, ctx, lignes):
        self.charger_personnes(ctx, lignes, champs=())
        ctx.motifs = {normaliser_entete(m.code): m for m in MotifSortie.objects.pour_cpas(ctx.cpas)}
        ctx.passages = defaultdict(list)
        ids = [b.pk for b in ctx.personnes.values()]
        passages = PassagePhase.objects.filter(beneficiaire_id__in=parmi(ids, "bigint"))
        for p in passages.order_by("debut"):
            ctx.passages[p.beneficiaire_id].append(p)

    def valider(self, ctx, ligne):
        b = self.personne(ctx, ligne)
        phase = self.choix(ligne, "phase", PHASES, requis=True)
        debut = self.date(ligne, "debut", requis=True)
        fin = self.date(ligne, "fin")
        motif = None
        code = ligne.valeurs.get("motif_sortie", "")
        if code:
            motif = ctx.motifs.get(normaliser_entete(code))
            if motif is None:
                ligne.erreur("motif_sortie", _("motif de sortie inconnu « %(v)s »") % {"v": code})
        if debut and fin and fin < debut:
            ligne.erreur("fin", _("la fin précède le début"))
        if motif is not None and fin is None:
            ligne.erreur("motif_sortie", _("un motif de sortie demande une date de fin"))
        if ligne.valide:
            ligne.donnees = {
                "beneficiaire": b,
                "phase": phase,
                "debut": debut,
                "fin": fin,
                "motif": motif,
            }

    def valider_ensemble(self, ctx, lignes):
        # The stored stays as the file would leave them: a row with the natural key of a stored
        # stay replaces its end; every other stored stay stays as it is.
        cles: dict[tuple, int] = {}
        remplaces: dict[int, tuple] = {}  # stored stay id -> (debut, fin) after the import
        for ligne in lignes:
            d = ligne.donnees
            b = d["beneficiaire"]
            cle = (b.pk, d["phase"], d["debut"])
            if cle in cles:
                ligne.erreur(
                    "debut",
                    _("passage déjà présent à la ligne %(n)s du fichier") % {"n": cles[cle]},
                )
                continue
            cles[cle] = ligne.numero
            d["existant"] = next(
                (
                    p
                    for p in ctx.passages.get(b.pk, [])
                    if p.phase == d["phase"] and p.debut == d["debut"]
                ),
                None,
            )
            if d["existant"] is not None:
                remplaces[d["existant"].pk] = (d["debut"], d["fin"])
        acceptes: dict[int, list[tuple]] = defaultdict(list)
        for ligne in lignes:
            if not ligne.valide:
                continue
            d = ligne.donnees
            b = d["beneficiaire"]
            conflit = None
            for p in ctx.passages.get(b.pk, []):
                if p is d["existant"]:
                    continue
                debut, fin = remplaces.get(p.pk, (p.debut, p.fin))
                if chevauche(d["debut"], d["fin"], debut, fin):
                    conflit = p
                    break
            if conflit is not None:
                ligne.erreur("debut", _("chevauche le passage existant %(p)s") % {"p": conflit})
                continue
            autre = premiere_qui_chevauche(acceptes[b.pk], d["debut"], d["fin"])
            if autre is not None:
                ligne.erreur(
                    "debut",
                    _("chevauche le passage de la ligne %(n)s du fichier") % {"n": autre},
                )
                continue
            acceptes[b.pk].append((d["debut"], d["fin"], ligne.numero))
            self.noter_action(ligne, d["existant"])

    @staticmethod
    def _changements(p: PassagePhase, d: dict) -> dict:
        changes = {}
        if p.fin != d["fin"]:
            changes["fin"] = d["fin"]
        motif_id = d["motif"].pk if d["motif"] else None
        if motif_id and p.motif_sortie_id != motif_id:
            changes["motif_sortie_id"] = motif_id
        return changes

    def enregistrer(self, ctx, lignes) -> Bilan:
        return self.ecrire(
            lignes,
            PassagePhase,
            ctx=ctx,
            existant=lambda ligne: ligne.donnees.get("existant"),
            nouveau=lambda d: PassagePhase(
                cpas=ctx.cpas,
                beneficiaire=d["beneficiaire"],
                phase=d["phase"],
                debut=d["debut"],
                fin=d["fin"],
                motif_sortie=d["motif"],
                motif_entree=_("Import"),
            ),
            changements=self._changements,
            champs=["fin", "motif_sortie"],
        )


def register():
    register_import_type(ImportPhases())
