"""Forms of the ESF+ pages: a participant's entry data and results, the project/period
filter and the people behind a figure."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from activites.forms import verifier_annee
from activites.models import SITUATIONS_SENSIBLES, ParticipantFse
from cpas_isp.forms import DateInput

CHAMPS_SENSIBLES = [c for c, _label in SITUATIONS_SENSIBLES]
RESULTATS_SORTIE = [
    "sortie_recherche_emploi",
    "sortie_formation",
    "sortie_qualification",
    "sortie_emploi",
]
RESULTATS_SIX_MOIS = ["six_mois_emploi", "six_mois_situation_amelioree"]


class ParticipantFseForm(forms.ModelForm):
    """Entry data (confirmed by the agent with the person), the result at exit and six months
    later. Without the right to see sensitive data the declared situations are left out
    (neither shown nor written)."""

    class Meta:
        model = ParticipantFse
        fields = [
            "statut_emploi",
            "niveau_isced",
            *CHAMPS_SENSIBLES,
            "sortie_notee_le",
            *RESULTATS_SORTIE,
            "six_mois_note_le",
            *RESULTATS_SIX_MOIS,
        ]
        widgets = {"sortie_notee_le": DateInput(), "six_mois_note_le": DateInput()}

    def __init__(self, *args, sensibles: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.sensibles = sensibles
        for nom in CHAMPS_SENSIBLES:
            if sensibles:
                self.fields[nom].choices = [
                    ("", _("Pas encore demandé")),
                    *self.fields[nom].choices[1:],
                ]
            else:
                del self.fields[nom]
        self.fields["sortie_notee_le"].help_text = _(
            "Dans les 4 semaines après la sortie ; cochez ensuite ce qui s'applique (rien si "
            "aucun)."
        )
        self.fields["six_mois_note_le"].help_text = _("Six mois après la sortie.")

    def clean_sortie_notee_le(self):
        return verifier_annee(self.cleaned_data.get("sortie_notee_le"))

    def clean_six_mois_note_le(self):
        return verifier_annee(self.cleaned_data.get("six_mois_note_le"))

    def clean(self):
        data = super().clean()
        if not data.get("sortie_notee_le") and any(data.get(c) for c in RESULTATS_SORTIE):
            self.add_error("sortie_notee_le", _("Indiquez la date du résultat à la sortie."))
        if not data.get("six_mois_note_le") and any(data.get(c) for c in RESULTATS_SIX_MOIS):
            self.add_error("six_mois_note_le", _("Indiquez la date de la situation à six mois."))
        return data

    def _post_clean(self):  # the model is validated by fse.enregistrer (with its own fields)
        return


class FiltreFseForm(forms.Form):
    """The project and the period (by entry date, inclusive; both bounds optional)."""

    projet = forms.ChoiceField(label=_("Projet FSE+"), required=False)
    du = forms.DateField(label=_("Entrées du"), required=False, widget=DateInput())
    au = forms.DateField(label=_("au"), required=False, widget=DateInput())

    def __init__(self, data, *, projets):
        super().__init__(data)
        self.fields["projet"].choices = [("", "—"), *[(p, p) for p in projets]]

    def clean_du(self):
        return verifier_annee(self.cleaned_data.get("du"))

    def clean_au(self):
        return verifier_annee(self.cleaned_data.get("au"))

    def clean(self):
        data = super().clean()
        du, au = data.get("du"), data.get("au")
        if du and au and au < du:
            self.add_error("au", _("La fin de la période ne peut précéder son début."))
        return data


class PersonnesFseForm(FiltreFseForm):
    """The people behind a figure: an indicator and a gender, or what is missing."""

    indicateur = forms.SlugField(max_length=40, required=False)
    genre = forms.ChoiceField(
        choices=[("", ""), ("F", "F"), ("M", "M"), ("X", "X")], required=False
    )
    manquant = forms.ChoiceField(
        choices=[("", ""), ("entree", "entree"), ("sortie", "sortie"), ("six_mois", "six_mois")],
        required=False,
    )

    def clean_indicateur(self):
        from activites import fse

        code = self.cleaned_data.get("indicateur")
        if code and fse.indicateur(code) is None:
            raise forms.ValidationError(_("Indicateur inconnu."))
        return code
