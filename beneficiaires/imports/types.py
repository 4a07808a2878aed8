"""The import types of this app and their columns: ``beneficiaires`` (identity, natural key
the NISS) and ``droits`` (RIS/ERIS rights, natural key NISS + type + start)."""

from __future__ import annotations

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import Beneficiaire, DroitAide
from ..niss import analyser_niss, incoherences
from .base import TypeImport, chevauche, premiere_qui_chevauche, register_import_type
from .execution import ContexteImport, instances_partielles, un_de
from .lecture import Bilan, Colonne, LigneImport

GENRES = {"m": "M", "h": "M", "homme": "M", "man": "M", "f": "F", "femme": "F", "vrouw": "F"}
LANGUES = {
    "fr": "fr",
    "f": "fr",
    "francais": "fr",
    "frans": "fr",
    "nl": "nl",
    "n": "nl",
    "neerlandais": "nl",
    "nederlands": "nl",
}
TYPES_DROIT = {"ris": "RIS", "ri": "RIS", "eris": "ERIS"}
CATEGORIES = {
    "cohabitant": "cohabitant",
    "1": "cohabitant",
    "isole": "isole",
    "2": "isole",
    "famille_a_charge": "famille_a_charge",
    "famille": "famille_a_charge",
    "3": "famille_a_charge",
}


class ImportBeneficiaires(TypeImport):
    nom = "beneficiaires"
    libelle = gettext_lazy("Bénéficiaires")
    cle_naturelle = gettext_lazy("NISS")
    colonnes = [
        Colonne("niss", obligatoire=True, alias=("insz", "numero_national")),
        Colonne("nom", obligatoire=True),
        Colonne("prenom", obligatoire=True),
        Colonne("date_naissance", alias=("date_de_naissance", "naissance")),
        Colonne("genre", alias=("sexe",)),
        Colonne("langue"),
        Colonne("commune"),
    ]
    champs_mis_a_jour = ["nom", "prenom", "date_naissance", "genre", "langue", "commune"]

    def preparer(self, ctx, lignes):
        self.charger_personnes(ctx, lignes, champs=self.champs_mis_a_jour)

    def valider(self, ctx: ContexteImport, ligne: LigneImport) -> None:
        info = None
        valeur = ligne.valeurs["niss"]
        if not valeur:
            ligne.erreur("niss", _("valeur obligatoire"))
        else:
            try:
                info = analyser_niss(valeur)
            except ValidationError as exc:
                ligne.erreur("niss", exc.messages[0])
        nom = self.obligatoire(ligne, "nom")
        prenom = self.obligatoire(ligne, "prenom")
        for col in ("nom", "prenom", "commune"):
            self.texte(ligne, col, 150)
        date_naissance = self.date(ligne, "date_naissance")
        genre = self.choix(ligne, "genre", GENRES)
        langue = self.choix(ligne, "langue", LANGUES)
        if info is not None:
            for champ, message in incoherences(info, date_naissance, genre).items():
                ligne.erreur(champ, message)
            date_naissance = date_naissance or info.date_naissance
            genre = genre or info.genre
        if ligne.valide:
            ligne.donnees = {
                "niss": info.niss,
                "nom": nom,
                "prenom": prenom,
                "date_naissance": date_naissance,
                "genre": genre or "",
                "langue": langue,
                "commune": ligne.valeurs["commune"],
            }

    def valider_ensemble(self, ctx, lignes):
        vus: dict[str, int] = {}
        for ligne in lignes:
            niss = ligne.donnees["niss"]
            if niss in vus:
                ligne.erreur(
                    "niss", _("NISS déjà présent à la ligne %(n)s du fichier") % {"n": vus[niss]}
                )
            else:
                vus[niss] = ligne.numero
            self.noter_action(ligne, ctx.personnes.get(niss))

    def _changements(self, b: Beneficiaire, donnees: dict) -> dict:
        changes = {}
        for champ in self.champs_mis_a_jour:
            nouveau = donnees.get(champ)
            if nouveau in (None, ""):
                continue  # an empty optional cell never erases what the CPAS holds
            if getattr(b, champ) != nouveau:
                changes[champ] = nouveau
        return changes

    def enregistrer(self, ctx, lignes) -> Bilan:
        return self.ecrire(
            lignes,
            Beneficiaire,
            ctx=ctx,
            existant=lambda ligne: ctx.personnes.get(ligne.donnees["niss"]),
            nouveau=lambda d: {
                "cpas_id": ctx.cpas.pk,
                "niss": d["niss"],
                "nom": d["nom"],
                "prenom": d["prenom"],
                "date_naissance": d["date_naissance"],
                "genre": d["genre"],
                "langue": d["langue"] or ctx.cpas.langue,
                "commune": d["commune"],
            },
            changements=self._changements,
            champs=[*self.champs_mis_a_jour, "modifie_le"],
        )


class ImportDroits(TypeImport):
    nom = "droits"
    libelle = gettext_lazy("Droits RIS / ERIS")
    cle_naturelle = gettext_lazy("NISS + type + début")
    colonnes = [
        Colonne("niss", obligatoire=True, alias=("insz",)),
        Colonne("type", obligatoire=True),
        Colonne("categorie"),
        Colonne("debut", obligatoire=True, alias=("date_debut",)),
        Colonne("fin", alias=("date_fin",)),
        Colonne("date_decision", alias=("decision",)),
    ]

    def preparer(self, ctx, lignes):
        self.charger_personnes(ctx, lignes, champs=())
        ctx.droits = defaultdict(list)
        ids = [b.pk for b in ctx.personnes.values()]
        droits = instances_partielles(
            DroitAide.objects.filter(un_de(DroitAide, "beneficiaire", ids, "bigint")).order_by(
                "debut"
            ),
            ["id", "beneficiaire_id", "type", "categorie", "debut", "fin", "date_decision"],
        )
        for droit in droits:
            ctx.droits[droit.beneficiaire_id].append(droit)

    def valider(self, ctx, ligne):
        b = self.personne(ctx, ligne)
        type_ = self.choix(ligne, "type", TYPES_DROIT, requis=True)
        categorie = self.choix(ligne, "categorie", CATEGORIES)
        debut = self.date(ligne, "debut", requis=True)
        fin = self.date(ligne, "fin")
        date_decision = self.date(ligne, "date_decision")
        if debut and fin and fin < debut:
            ligne.erreur("fin", _("la fin précède le début"))
        if ligne.valide:
            ligne.donnees = {
                "beneficiaire": b,
                "type": type_,
                "categorie": categorie or "",
                "debut": debut,
                "fin": fin,
                "date_decision": date_decision,
            }

    def valider_ensemble(self, ctx, lignes):
        acceptes: dict[int, list[tuple]] = defaultdict(list)  # person -> (debut, fin, ligne no)
        cles: dict[tuple, int] = {}
        for ligne in lignes:
            d = ligne.donnees
            b = d["beneficiaire"]
            cle = (b.pk, d["type"], d["debut"])
            if cle in cles:
                ligne.erreur(
                    "debut",
                    _("droit déjà présent à la ligne %(n)s du fichier") % {"n": cles[cle]},
                )
                continue
            existant = next(
                (
                    x
                    for x in ctx.droits.get(b.pk, [])
                    if x.type == d["type"] and x.debut == d["debut"]
                ),
                None,
            )
            conflit = next(
                (
                    x
                    for x in ctx.droits.get(b.pk, [])
                    if x is not existant and chevauche(d["debut"], d["fin"], x.debut, x.fin)
                ),
                None,
            )
            if conflit is not None:
                ligne.erreur(
                    "debut",
                    _("chevauche le droit existant %(droit)s") % {"droit": conflit},
                )
                continue
            autre = premiere_qui_chevauche(acceptes[b.pk], d["debut"], d["fin"])
            if autre is not None:
                ligne.erreur(
                    "debut", _("chevauche le droit de la ligne %(n)s du fichier") % {"n": autre}
                )
                continue
            cles[cle] = ligne.numero
            acceptes[b.pk].append((d["debut"], d["fin"], ligne.numero))
            d["existant"] = existant
            self.noter_action(ligne, existant)

    @staticmethod
    def _changements(droit: DroitAide, d: dict) -> dict:
        changes = {}
        if d["categorie"] and droit.categorie != d["categorie"]:
            changes["categorie"] = d["categorie"]
        if droit.fin != d["fin"]:
            changes["fin"] = d["fin"]
        if d["date_decision"] and droit.date_decision != d["date_decision"]:
            changes["date_decision"] = d["date_decision"]
        return changes

    def enregistrer(self, ctx, lignes) -> Bilan:
        return self.ecrire(
            lignes,
            DroitAide,
            ctx=ctx,
            existant=lambda ligne: ligne.donnees.get("existant"),
            nouveau=lambda d: {
                "cpas_id": ctx.cpas.pk,
                "beneficiaire_id": d["beneficiaire"].pk,
                "type": d["type"],
                "categorie": d["categorie"],
                "debut": d["debut"],
                "fin": d["fin"],
                "date_decision": d["date_decision"],
            },
            changements=self._changements,
            champs=["categorie", "fin", "date_decision"],
        )


def register():
    register_import_type(ImportBeneficiaires())
    register_import_type(ImportDroits())
