"""Forms of the directory: the search (a GET filter form), partners, services, contacts, notes
and suggestions."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cpas_isp.forms import ListesDuCpasMixin
from cpas_isp.listes import FiltreForm

from ..models import (
    ContactPartenaire,
    NotePartenaire,
    Partenaire,
    ServicePartenaire,
    Thematique,
    TypePartenaire,
)
from ..queries import recherche_partenaires


class RecherchePartenaireForm(ListesDuCpasMixin, FiltreForm):
    """The directory's search: name (accents ignored), type, theme of a service, commune; the
    inactive partners only when asked."""

    q = forms.CharField(label=_("Nom"), required=False)
    type = forms.ModelChoiceField(
        label=_("Type"),
        queryset=TypePartenaire.objects.filter(actif=True),
        required=False,
        to_field_name="code",
        empty_label=_("Tous les types"),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    thematique = forms.ModelChoiceField(
        label=_("Thématique"),
        queryset=Thematique.objects.filter(actif=True),
        required=False,
        to_field_name="code",
        empty_label=_("Toutes les thématiques"),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    commune = forms.CharField(label=_("Commune"), required=False)
    inactifs = forms.BooleanField(label=_("Inclure les inactifs"), required=False)

    def filter(self, qs):
        valeurs = self.valeurs()
        if not valeurs.get("inactifs"):
            qs = qs.filter(actif=True)
        return recherche_partenaires(
            qs,
            q=valeurs.get("q", ""),
            type_code=valeurs["type"].code if "type" in valeurs else "",
            thematique=valeurs["thematique"].code if "thematique" in valeurs else "",
            commune=valeurs.get("commune", ""),
        )


class PartenaireForm(ListesDuCpasMixin, forms.ModelForm):
    site_web = forms.URLField(label=_("site web"), required=False, assume_scheme="https")

    class Meta:
        model = Partenaire
        fields = [
            "nom",
            "sigle",
            "type",
            "adresse",
            "code_postal",
            "commune",
            "region",
            "telephone",
            "email",
            "site_web",
            "numero_entreprise",
            "actif",
        ]


class ContactForm(forms.ModelForm):
    class Meta:
        model = ContactPartenaire
        fields = ["nom", "fonction", "telephone", "email"]


class ServiceForm(ListesDuCpasMixin, forms.ModelForm):
    class Meta:
        model = ServicePartenaire
        fields = ["nom", "thematique", "description", "conditions", "places_disponibles", "actif"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "conditions": forms.Textarea(attrs={"rows": 2}),
        }


class NoteForm(forms.ModelForm):
    class Meta:
        model = NotePartenaire
        fields = ["texte"]
        widgets = {"texte": forms.Textarea(attrs={"rows": 2})}


class SuggestionForm(forms.Form):
    texte = forms.CharField(
        label=_("Modification suggérée"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("La suggestion est vide.")},
    )

    def clean_texte(self):
        texte = self.cleaned_data["texte"].strip()
        if not texte:
            raise forms.ValidationError(_("La suggestion est vide."))
        return texte
