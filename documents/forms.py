from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cpas_isp.forms import DateInput
from documents.models import LIENS, CategorieDocument

# How many of the person's latest steps the "attached to" list offers (plus the one asked for).
ETAPES_PROPOSEES = 30


class DocumentForm(forms.Form):
    fichier = forms.FileField(
        label=gettext_lazy("Fichier"),
        help_text=gettext_lazy(
            "PDF, photo (JPEG, PNG, HEIC) ou document Word, Excel, PowerPoint, OpenDocument."
        ),
    )
    categorie = forms.ModelChoiceField(
        CategorieDocument.objects.none(), label=gettext_lazy("Catégorie")
    )
    expire_le = forms.DateField(
        label=gettext_lazy("Expire le"),
        required=False,
        widget=DateInput(),
        help_text=gettext_lazy(
            "Facultatif (titre de séjour, attestation…) : un rappel apparaît dans « Mes "
            "échéances » 30 jours avant."
        ),
    )
    lien = forms.ChoiceField(label=gettext_lazy("Rattaché à"), required=False)

    def __init__(self, *args, beneficiaire, voir_sensibles: bool, objets: dict, **kwargs):
        """``objets``: {"etape": [(pk, label)], "piis": [...], ...} of the person."""
        super().__init__(*args, **kwargs)
        categories = CategorieDocument.objects.pour_cpas(beneficiaire.cpas_id).filter(actif=True)
        if not voir_sensibles:
            categories = categories.filter(sensible=False)
        self.fields["categorie"].queryset = categories
        groupes = {
            "etape": _("Étapes du journal"),
            "piis": _("PIIS"),
            "orientation": _("Orientations"),
            "contrat": _("Contrats article 60"),
        }
        choix = [("", _("Dossier de la personne (rien de précis)"))]
        for champ in LIENS:
            options = [(f"{champ}:{pk}", label) for pk, label in objets.get(champ, [])]
            if options:
                choix.append((groupes[champ], options))
        self.fields["lien"].choices = choix

    def clean_expire_le(self):
        date = self.cleaned_data.get("expire_le")
        if date and date.year < 1900:
            raise forms.ValidationError(_("Date invalide."))
        if date and date < timezone.localdate() - datetime.timedelta(days=3650):
            raise forms.ValidationError(_("Cette date d'expiration est passée depuis longtemps."))
        return date

    def lien_kwargs(self) -> dict:
        """{"etape_id": 12} for the chosen object (checked against the person's objects)."""
        valeur = self.cleaned_data.get("lien") or ""
        if not valeur:
            return {}
        champ, _sep, pk = valeur.partition(":")
        return {f"{champ}_id": int(pk)}
