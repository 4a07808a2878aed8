from __future__ import annotations

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cpas_isp.models import Role
from rapports.queries import ajouter_mois, premier_du_mois

MOIS_MAX = 60  # longest period a dashboard shows


class MoisField(forms.CharField):
    """A month as ``YYYY-MM`` (``<input type="month">``), cleaned to its first day."""

    widget = forms.TextInput(attrs={"type": "month", "class": "form-control form-control-sm"})
    default_error_messages = {"invalid": _("Mois invalide (format AAAA-MM).")}

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return datetime.date.fromisoformat(f"{value[:7]}-01")
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")

    def prepare_value(self, value):
        return value.strftime("%Y-%m") if isinstance(value, datetime.date) else value


class FiltresTableauDeBord(forms.Form):
    du = MoisField(label=_("Du mois"), required=False)
    au = MoisField(label=_("Au mois"), required=False)
    cellule = forms.ChoiceField(
        label=_("Cellule"),
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    agent = forms.TypedChoiceField(
        label=_("Agent"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def __init__(self, data, *, cpas, cellule_imposee=None):
        super().__init__(data)
        self.cpas = cpas
        self.cellule_imposee = cellule_imposee
        cellules = list(cpas.cellules.filter(active=True).order_by("ordre"))
        self.cellules = {c.code: c for c in cellules}
        if cellule_imposee is not None:
            self.fields["cellule"].choices = [(cellule_imposee.code, cellule_imposee.nom)]
            self.fields["cellule"].disabled = True
            self.fields["cellule"].initial = cellule_imposee.code
            self.cellules.setdefault(cellule_imposee.code, cellule_imposee)
        else:
            self.fields["cellule"].choices = [("", _("Toutes"))] + [
                (c.code, c.nom) for c in cellules
            ]
        agents = (
            get_user_model()
            .objects.filter(
                memberships__cpas=cpas,
                memberships__actif=True,
                memberships__role__in=[Role.AGENT, Role.COORDINATEUR],
            )
            .order_by("last_name", "first_name", "username")
            .distinct()
        )
        self.fields["agent"].choices = [("", _("Tous"))] + [
            (u.pk, u.get_full_name() or u.username) for u in agents
        ]

    def defauts(self) -> dict:
        """The filters applied when none (or invalid ones) are given."""
        au = premier_du_mois(timezone.localdate())
        cellule = self.cellule_imposee.code if self.cellule_imposee is not None else None
        return {"du": ajouter_mois(au, -11), "au": au, "cellule": cellule, "agent": None}

    def clean(self):
        data = super().clean()
        au = data.get("au") or premier_du_mois(timezone.localdate())
        du = data.get("du") or ajouter_mois(au, -11)
        if du > au:
            raise forms.ValidationError(_("Le mois de début doit précéder le mois de fin."))
        if (au.year - du.year) * 12 + au.month - du.month >= MOIS_MAX:
            raise forms.ValidationError(_("La période est limitée à %(n)s mois.") % {"n": MOIS_MAX})
        data["du"], data["au"] = du, au
        if self.cellule_imposee is not None:
            data["cellule"] = self.cellule_imposee.code
        return data


class DemandeRapportForm(forms.Form):
    mois = MoisField(label=_("Mois"))

    def clean_mois(self):
        mois = self.cleaned_data["mois"]
        if mois >= premier_du_mois(timezone.localdate()):
            raise forms.ValidationError(
                _("Un rapport mensuel ne peut être demandé que pour un mois terminé.")
            )
        if mois.year < 2000:
            raise forms.ValidationError(_("Mois invalide (format AAAA-MM)."))
        return mois
