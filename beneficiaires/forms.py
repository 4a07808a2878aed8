"""Forms of the person's file. Database constraints come first; these give friendly messages."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from cpas_isp import permissions as p
from cpas_isp.forms import DateInput
from cpas_isp.listes import FiltreForm, cle_demandee
from cpas_isp.models import Cellule

from . import hooks
from .imports.base import import_types
from .models import (
    SECTIONS_BSP,
    Beneficiaire,
    BilanSocioProfessionnel,
    DroitAide,
    Frein,
    FreinBeneficiaire,
)
from .niss import analyser_niss, format_niss, incoherences
from .queries import GROUPES_CIBLES, condition_groupe, rechercher, referents_possibles
from .telephone import valider_telephone


class BeneficiaireForm(forms.ModelForm):
    niss = forms.CharField(
        label=_("NISS"),
        max_length=20,
        help_text=_("Avec ou sans points : 85.07.30-033.28 ou 85073003328."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    confirmer_doublon = forms.BooleanField(
        label=_("Je confirme qu'il s'agit d'une autre personne"), required=False
    )

    class Meta:
        model = Beneficiaire
        fields = [
            "niss",
            "nom",
            "prenom",
            "date_naissance",
            "genre",
            "nationalite",
            "langue",
            "adresse",
            "code_postal",
            "commune",
            "telephone",
            "email",
            "refuse_rappels",
            "niveau_etudes",
            "diplome_etranger",
            "niveau_fr",
            "niveau_nl",
            "permis_conduire",
            "referent",
            "date_ouverture",
        ]
        widgets = {
            "date_naissance": DateInput(),
            "date_ouverture": DateInput(),
        }
        help_texts = {
            "date_naissance": _("Déduite du NISS si laissée vide."),
            "genre": _("Déduit du NISS si laissé vide."),
        }

    def __init__(self, *args, cpas, **kwargs):
        super().__init__(*args, **kwargs)
        self.cpas = cpas
        self.doublons = []
        self.existant = None
        if self.instance.pk:
            self.initial["niss"] = format_niss(self.instance.niss)
            del self.fields["confirmer_doublon"]
            # Who follows the file changes through the reassignment (history, notification);
            # closing it through the close form.
            del self.fields["referent"]
        else:
            self.fields["referent"].queryset = referents_possibles(cpas)

    def clean_telephone(self):
        """A valid number (Belgian unless written with its country code), kept as written (it
        is normalised to E.164 when a message is sent)."""
        numero = self.cleaned_data.get("telephone", "").strip()
        valider_telephone(numero)
        return numero

    def clean_niss(self):
        info = analyser_niss(self.cleaned_data.get("niss", ""))
        self.info_niss = info
        autre = Beneficiaire.objects.filter(cpas=self.cpas, niss=info.niss)
        if self.instance.pk:
            autre = autre.exclude(pk=self.instance.pk)
        self.existant = autre.first()
        if self.existant is not None and self.instance.pk:
            raise ValidationError(_("Ce NISS est déjà celui d'un autre dossier de ce CPAS."))
        return info.niss

    def clean(self):
        data = super().clean()
        info = getattr(self, "info_niss", None)
        if info is not None:
            for champ, message in incoherences(
                info, data.get("date_naissance"), data.get("genre")
            ).items():
                self.add_error(champ, message)
            if not data.get("date_naissance") and info.date_naissance:
                data["date_naissance"] = self.instance.date_naissance = info.date_naissance
            if not data.get("genre") and info.genre:
                data["genre"] = self.instance.genre = info.genre
        if (
            not self.instance.pk
            and self.existant is None
            and data.get("nom")
            and data.get("date_naissance")
        ):
            self.doublons = list(
                Beneficiaire.objects.filter(
                    cpas=self.cpas,
                    nom__unaccent__iexact=data["nom"],
                    prenom__unaccent__iexact=data.get("prenom", ""),
                    date_naissance=data["date_naissance"],
                )[:5]
            )
            if self.doublons and not data.get("confirmer_doublon"):
                self.add_error(
                    "confirmer_doublon",
                    _(
                        "Une personne de même nom et même date de naissance existe déjà avec "
                        "un autre NISS : vérifiez qu'il ne s'agit pas d'un doublon, puis cochez "
                        "la case pour confirmer."
                    ),
                )
        return data

    def validate_unique(self):
        # The NISS uniqueness per CPAS is handled in clean_niss (with a link to the file).
        pass


class AvecLaPersonne:
    """For the forms of one person's rights and obstacles: the person is set by the view, not
    a field of the form, and Django leaves out of its constraint validation every constraint on
    a field the form lacks. Keeping the person in lets the database constraints that involve
    it (no overlapping rights, one open obstacle of a kind) say their message in the form."""

    def _get_validation_exclusions(self):
        return super()._get_validation_exclusions() - {"beneficiaire"}


class DroitForm(AvecLaPersonne, forms.ModelForm):
    class Meta:
        model = DroitAide
        fields = ["type", "categorie", "date_decision", "debut", "fin"]
        widgets = {"date_decision": DateInput(), "debut": DateInput(), "fin": DateInput()}

    def __init__(self, *args, beneficiaire, **kwargs):
        super().__init__(*args, **kwargs)
        self.beneficiaire = beneficiaire

    def clean(self):
        data = super().clean()
        debut, fin = data.get("debut"), data.get("fin")
        if debut and fin and fin < debut:
            self.add_error("fin", _("La fin ne peut précéder le début."))
        return data


class FreinForm(AvecLaPersonne, forms.ModelForm):
    class Meta:
        model = FreinBeneficiaire
        fields = ["frein", "debut", "commentaire"]
        widgets = {"debut": DateInput()}

    def __init__(self, *args, voir_sensibles: bool, cpas=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The shared obstacles and those the person's CPAS added.
        freins = Frein.objects.pour_cpas(cpas or self.instance.cpas_id).filter(actif=True)
        if not voir_sensibles:
            freins = freins.filter(sensible=False)
        self.fields["frein"].queryset = freins
        if not self.initial.get("debut"):
            self.initial["debut"] = timezone.localdate()
        self.fields["commentaire"].help_text = _(
            "Facultatif. Pour un frein de santé ou judiciaire, rien n'est enregistré ici : "
            "seulement le fait qu'il existe, qui l'a noté et quand."
        )

    def clean(self):
        data = super().clean()
        frein = data.get("frein")
        if frein and frein.sensible and data.get("commentaire"):
            self.add_error(
                "commentaire",
                _("Pas de commentaire pour un frein de santé ou judiciaire (donnée sensible)."),
            )
        return data


class BilanForm(forms.ModelForm):
    class Meta:
        model = BilanSocioProfessionnel
        fields = [name for name, _label in SECTIONS_BSP]
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name, _label in SECTIONS_BSP}


class ComparaisonBilansForm(FiltreForm):
    """``?a=…&b=…``: the two BSP versions compared (a number that is not one is left out)."""

    a = forms.IntegerField(required=False)
    b = forms.IntegerField(required=False)


class ImportForm(forms.Form):
    type = forms.ChoiceField(label=_("Type de données"))
    fichier = forms.FileField(
        label=_("Fichier CSV"),
        help_text=_("Séparateur ; ou , — UTF-8 ou Windows-1252 — dates AAAA-MM-JJ ou JJ/MM/AAAA."),
    )

    MAX_OCTETS = 20 * 1024 * 1024

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [
            (name, handler.libelle) for name, handler in sorted(import_types().items())
        ]

    def clean_fichier(self):
        f = self.cleaned_data["fichier"]
        if f.size > self.MAX_OCTETS:
            raise ValidationError(_("Fichier trop volumineux (20 Mo au plus)."))
        return f


class CaseloadFiltreForm(FiltreForm):
    """The filters of the caseload (GET). A value that is not valid is a field error shown above
    the list and the filter is left out; never an error page."""

    STATUTS = [("ouverts", _("Ouverts")), ("clotures", _("Clôturés")), ("tous", _("Tous"))]

    q = forms.CharField(label=_("Rechercher"), required=False)
    referent = forms.CharField(label=_("Référent"), required=False)
    cellule = forms.ModelChoiceField(
        label=_("Cellule"), queryset=Cellule.objects.none(), required=False
    )
    droit_le = forms.DateField(label=_("Droit actif le"), required=False, widget=DateInput())
    frein = forms.ModelChoiceField(label=_("Frein"), queryset=Frein.objects.none(), required=False)
    groupe = forms.ChoiceField(
        label=_("Groupe cible"), choices=[("", "")] + GROUPES_CIBLES, required=False
    )
    statut = forms.ChoiceField(label=_("Dossiers"), choices=STATUTS, required=False)

    def __init__(self, data=None, *, user, aujourd_hui, **kwargs):
        super().__init__(data, **kwargs)
        self.user, self.aujourd_hui = user, aujourd_hui
        # Their querysets only check a value given (an empty one is no filter, without them).
        if self.data.get("cellule"):
            self.fields["cellule"].queryset = Cellule.objects.for_user(user)
        if self.data.get("frein"):
            self.fields["frein"].queryset = Frein.objects.for_user(user)
        self.extensions_filtrantes = [
            ext for ext in hooks.caseload_extensions() if ext.filter_name and ext.filter
        ]
        for ext in self.extensions_filtrantes:
            self.fields[ext.filter_name] = forms.CharField(label=ext.label, required=False)

    def clean_q(self):
        return self.cleaned_data["q"].strip()[:100]

    def clean_referent(self):
        valeur = self.cleaned_data["referent"]
        if valeur and valeur not in ("moi", "aucun") and cle_demandee(valeur) is None:
            raise ValidationError(_("Choisissez un référent de la liste."), code="invalid_choice")
        return valeur

    def clean_statut(self):
        return self.cleaned_data["statut"] or "ouverts"

    @cached_property
    def saisie(self) -> dict:
        """What the user typed in each field ("" when absent), to show it back."""
        return {nom: self.data.get(nom, "") for nom in self.fields}

    @property
    def recherche(self) -> str:
        return self.valeurs().get("q", "")

    @cached_property
    def extensions(self) -> dict:
        """The extensions' filters given (name -> value), for the template's selects."""
        valeurs = self.valeurs()
        return {
            e.filter_name: valeurs[e.filter_name]
            for e in self.extensions_filtrantes
            if e.filter_name in valeurs
        }

    @property
    def actifs(self) -> bool:
        return any(nom != "statut" or v != "ouverts" for nom, v in self.valeurs().items())

    def filter(self, qs):
        qs = super().filter(qs)
        for ext in self.extensions_filtrantes:
            if ext.filter_name in self.valeurs():
                qs = ext.filter(qs, self.valeurs()[ext.filter_name])
        if self.recherche:  # last: it annotates the relevance
            qs = rechercher(qs, self.recherche)
        return qs

    def filtrer_statut(self, qs, statut):
        if statut == "ouverts":
            return qs.filter(date_cloture__isnull=True)
        if statut == "clotures":
            return qs.filter(date_cloture__isnull=False)
        return qs

    def filtrer_referent(self, qs, referent):
        if referent == "moi":
            return qs.filter(referent=self.user)
        if referent == "aucun":
            return qs.filter(referent__isnull=True)
        return qs.filter(referent_id=cle_demandee(referent))

    def filtrer_cellule(self, qs, cellule):
        if not hooks.cellule_filter_registered():
            return qs
        return hooks.filtrer_par_cellule(qs, cellule)

    def filtrer_droit_le(self, qs, date):
        return qs.filter(
            Exists(DroitAide.objects.filter(beneficiaire=OuterRef("pk")).actifs_le(date))
        )

    def filtrer_frein(self, qs, frein):
        # An agent may not learn who has a health or judicial flag from a filter.
        if frein.sensible and not p.est_coordinateur(self.user):
            return qs.none()
        return qs.filter(
            Exists(
                FreinBeneficiaire.objects.filter(
                    beneficiaire=OuterRef("pk"), frein=frein
                ).en_cours_le(self.aujourd_hui)
            )
        )

    def filtrer_groupe(self, qs, groupe):
        return qs.filter(condition_groupe(groupe, self.aujourd_hui))


class RegleConservationForm(forms.ModelForm):
    class Meta:
        from .models import RegleConservation

        model = RegleConservation
        fields = ["annees"]


class GelDossierForm(forms.ModelForm):
    class Meta:
        from .models import GelDossier

        model = GelDossier
        fields = ["motif"]

    def clean_motif(self):
        motif = (self.cleaned_data.get("motif") or "").strip()
        if not motif:
            raise ValidationError(_("Donnez le motif du gel."))
        return motif


class ReattributionForm(forms.Form):
    """The new referent of the people chosen (single file or bulk)."""

    agent = forms.ModelChoiceField(
        label=_("Nouveau référent"),
        queryset=None,
        error_messages={"invalid_choice": _("Choisissez un agent actif de ce CPAS.")},
    )
    passage_aussi = forms.BooleanField(
        label=_("L'agent du passage en cours devient aussi le nouveau référent"),
        required=False,
        initial=True,
    )
    motif = forms.CharField(label=_("Motif"), max_length=300, required=False)

    def __init__(self, *args, cpas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = referents_possibles(cpas)


class ClotureForm(forms.Form):
    """Close the file: the date, why, and which running things end with it."""

    date = forms.DateField(label=_("Date de clôture"), widget=DateInput())
    motif = forms.CharField(label=_("Motif de la clôture"), max_length=300, required=False)

    def __init__(self, *args, beneficiaire, elements, **kwargs):
        super().__init__(*args, **kwargs)
        self.beneficiaire = beneficiaire
        self.elements = elements
        self.fields["date"].initial = timezone.localdate()
        self.groupes = []
        for el in elements:
            nom = f"terminer_{el.cle}"
            self.fields[nom] = forms.BooleanField(
                label=el.libelle, required=False, initial=el.par_defaut
            )
            extras = []
            for champ, field in el.champs.items():
                field.required = False  # required only when the element is ticked (clean)
                self.fields[f"{el.cle}__{champ}"] = field
                extras.append(f"{el.cle}__{champ}")
            self.groupes.append((el, nom, extras))

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date > timezone.localdate():
            raise ValidationError(_("La clôture ne peut pas être dans le futur."))
        ouverture = self.beneficiaire.date_ouverture
        if ouverture and date < ouverture:
            raise ValidationError(_("La clôture ne peut précéder l'ouverture du dossier."))
        return date

    def clean(self):
        data = super().clean()
        for _element, nom, extras in self.groupes:
            if not data.get(nom):
                continue
            for extra in extras:
                if data.get(extra) in (None, ""):
                    self.add_error(extra, _("Ce champ est obligatoire pour terminer cet élément."))
        return data

    def choisis(self) -> dict:
        """Key of each element to end -> its extra values (by the field's own name)."""
        data = self.cleaned_data
        return {
            el.cle: {extra.split("__", 1)[1]: data.get(extra) for extra in extras}
            for el, nom, extras in self.groupes
            if data.get(nom)
        }


class ReouvertureForm(forms.Form):
    motif = forms.CharField(label=_("Motif de la réouverture"), max_length=300, required=False)
