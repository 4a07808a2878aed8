"""The filters of the audit page (view, person, user, period)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cpas_isp.audit.confidentialite import chercher_personnes
from cpas_isp.audit.journal import Filtres
from cpas_isp.forms import DateRapide, SelectRapide, TexteRapide
from cpas_isp.sql_compile import RequeteCompilee

PERIODE_MAX_JOURS = 92

VUES = [
    ("modifications", gettext_lazy("Modifications")),
    ("consultations", gettext_lazy("Consultations de dossiers")),
    ("utilisateurs", gettext_lazy("Consultations par utilisateur")),
]


class _ChoixEnUneRequete(ModelChoiceIterator):
    """The choices read by one plain query: Django's iterator() opens a server-side cursor
    (DECLARE, FETCH, CLOSE: three round trips) for a list of a few dozen users."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class ChoixUtilisateur(forms.ModelChoiceField):
    iterator = _ChoixEnUneRequete
    widget = SelectRapide


def utilisateurs_du_cpas(cpas):
    """The user filter's choices: the CPAS's users (``cpas``: the CPAS or its id), with the
    columns their label reads (``str(user)``): not each one's password hash, dates and
    settings (128 of the 175 dates the audit page converted; ~1 ms for 60 users)."""
    return (
        get_user_model()
        .objects.filter(memberships__cpas=cpas)
        .distinct()
        .only("id", "username", "first_name", "last_name")
        .order_by("last_name", "first_name", "username")
    )


# The choices' query compiled once per process (a join, DISTINCT and an ordering to build on
# every page), run with the CPAS's id.
_UTILISATEURS = RequeteCompilee(utilisateurs_du_cpas)


class FiltreAuditForm(forms.Form):
    vue = forms.ChoiceField(choices=VUES, required=False)
    # The filters' widgets rendered in Python (cpas_isp.forms), the markup of Django's.
    personne = forms.CharField(
        label=gettext_lazy("Personne (nom ou NISS)"),
        max_length=100,
        required=False,
        widget=TexteRapide,
    )
    utilisateur = ChoixUtilisateur(
        label=gettext_lazy("Utilisateur"), queryset=get_user_model().objects.none(), required=False
    )
    du = forms.DateField(label=gettext_lazy("Du"), required=False, widget=DateRapide())
    au = forms.DateField(label=gettext_lazy("Au"), required=False, widget=DateRapide())

    def __init__(self, data, *, cpas):
        super().__init__(data)
        self.cpas = cpas
        self.fields["utilisateur"].queryset = utilisateurs_du_cpas(cpas)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control form-control-sm")
        self.fields["vue"].widget.attrs["class"] = "form-select form-select-sm"
        self.fields["utilisateur"].widget.attrs["class"] = "form-select form-select-sm"

    def clean(self):
        data = super().clean()
        du, au = data.get("du"), data.get("au")
        if du and au and du > au:
            self.add_error("au", _("La date de fin précède la date de début."))
        if (data.get("vue") or "modifications") == "utilisateurs" and du and au:
            if (au - du).days > PERIODE_MAX_JOURS:
                self.add_error(
                    "au",
                    _("Choisissez une période de %(n)s jours au plus.") % {"n": PERIODE_MAX_JOURS},
                )
        return data

    def requete_choix_utilisateurs(self):
        """The user filter's choices as a generator of ``cpas_isp.lots`` (read with a page's
        other statements); the field's queryset then holds them: the rendered select runs
        no query of its own. Returns them (users)."""
        qs = self.fields["utilisateur"].queryset
        utilisateurs = yield from _UTILISATEURS.generateur(self.cpas.pk)
        qs._result_cache = list(utilisateurs)
        return qs._result_cache

    @property
    def vue_choisie(self):
        vue = getattr(self, "cleaned_data", {}).get("vue") or ""
        return vue if vue in dict(VUES) else "modifications"

    def filtres(self) -> Filtres:
        """The valid filters (a field in error is left out; the form shows the error)."""
        data = getattr(self, "cleaned_data", {})
        f = Filtres(du=data.get("du"), au=data.get("au"))
        if data.get("utilisateur"):
            f.utilisateur = data["utilisateur"].pk
        if data.get("personne"):
            f.personnes = chercher_personnes(self.cpas, data["personne"])
        return f
