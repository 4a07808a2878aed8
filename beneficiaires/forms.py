"""Forms of the person's file. Database constraints come first; these give friendly messages."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cpas_isp.models import Role

from .importation import import_types
from .models import (
    SECTIONS_BSP,
    Beneficiaire,
    BilanSocioProfessionnel,
    DroitAide,
    Frein,
    FreinBeneficiaire,
)
from .niss import analyser_niss, format_niss, incoherences

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def referents_possibles(cpas):
    """Social workers and coordinators with an active role in ``cpas``."""
    return (
        get_user_model()
        .objects.filter(
            memberships__cpas=cpas,
            memberships__actif=True,
            memberships__role__in=[Role.AGENT, Role.COORDINATEUR],
        )
        .distinct()
        .order_by("last_name", "first_name")
    )


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
            "niveau_etudes",
            "diplome_etranger",
            "niveau_fr",
            "niveau_nl",
            "permis_conduire",
            "referent",
            "date_ouverture",
            "date_cloture",
        ]
        widgets = {
            "date_naissance": DATE_WIDGET,
            "date_ouverture": DATE_WIDGET,
            "date_cloture": DATE_WIDGET,
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
        self.fields["referent"].queryset = referents_possibles(cpas)

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


class DroitForm(forms.ModelForm):
    class Meta:
        model = DroitAide
        fields = ["type", "categorie", "date_decision", "debut", "fin"]
        widgets = {"date_decision": DATE_WIDGET, "debut": DATE_WIDGET, "fin": DATE_WIDGET}

    def __init__(self, *args, beneficiaire, **kwargs):
        super().__init__(*args, **kwargs)
        self.beneficiaire = beneficiaire

    def clean(self):
        from .services import droits_qui_chevauchent

        data = super().clean()
        debut, fin = data.get("debut"), data.get("fin")
        if debut and fin and fin < debut:
            self.add_error("fin", _("La fin ne peut précéder le début."))
        elif debut:
            conflits = droits_qui_chevauchent(self.beneficiaire, debut, fin, self.instance.pk)
            if conflits:
                raise ValidationError(
                    _("Ce droit chevauche le droit %(droit)s : corrigez les dates.")
                    % {"droit": conflits[0]}
                )
        return data

    def validate_constraints(self, exclude=None):
        # The exclusion constraint is checked in clean() with a clearer message, and by the
        # database on save (services.enregistrer_droit).
        pass


class FreinForm(forms.ModelForm):
    class Meta:
        model = FreinBeneficiaire
        fields = ["frein", "debut", "commentaire"]
        widgets = {"debut": DATE_WIDGET}

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

    def validate_constraints(self, exclude=None):
        pass  # services.noter_frein turns the constraint into a field error


class BilanForm(forms.ModelForm):
    class Meta:
        model = BilanSocioProfessionnel
        fields = [name for name, _label in SECTIONS_BSP]
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name, _label in SECTIONS_BSP}


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
