"""Forms of the reports: the dashboard filters, the link to the people behind a number, the
request of a monthly report."""

from __future__ import annotations

import datetime

from dateutil.relativedelta import relativedelta
from django import forms
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cpas_isp.forms import SelectRapide, TexteRapide
from cpas_isp.listes import FiltreForm
from cpas_isp.models import Cellule, Langue, Membership, Role
from cpas_isp.preparation import executer_prepare
from rapports.queries import CLASSES, PHASES, SANS_CLASSE, ajouter_mois, premier_du_mois
from rapports.tableaux import AUCUN_AGENT, Filtres, personnes_indicateur

MOIS_MAX = 60  # longest period a dashboard shows


class MoisField(forms.CharField):
    """A month as ``YYYY-MM`` (``<input type="month">``), cleaned to its first day."""

    widget = TexteRapide(attrs={"type": "month", "class": "form-control form-control-sm"})
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


# The filters' choices in one round trip: the CPAS's active cellules (by ``ordre``, then
# creation) and its active agents and coordinators (by last name, first name and username, in
# PostgreSQL's collation as the ORM ordered them), each row tagged with its kind.
SQL_CHOIX = """
SELECT 'c' AS sorte, c.id, c.code, c.nom_fr, c.nom_nl, c.ordre,
       NULL::varchar AS nom, NULL::varchar AS prenom, NULL::varchar AS username
FROM {cellule} c
WHERE c.cpas_id = %(cpas)s AND c.active
UNION ALL
SELECT 'u', u.id, NULL, NULL, NULL, NULL, u.last_name, u.first_name, u.username
FROM {user} u
WHERE EXISTS (
    SELECT 1 FROM {membership} m
    WHERE m.user_id = u.id AND m.cpas_id = %(cpas)s AND m.actif AND m.role = ANY(%(roles)s)
)
ORDER BY sorte, ordre, nom, prenom, username, id
"""

CHAMPS_CELLULE = ["id", "cpas_id", "code", "nom_fr", "nom_nl", "ordre", "active"]


def _choix(cpas):
    """(the CPAS's active cellules, its agents and coordinators as (pk, first name, last name,
    username)) for the filters, in one query."""
    sql = SQL_CHOIX.format(
        cellule=Cellule._meta.db_table,
        user=get_user_model()._meta.db_table,
        membership=Membership._meta.db_table,
    )
    params = {"cpas": cpas.pk, "roles": [str(Role.AGENT), str(Role.COORDINATEUR)]}
    cellules, agents = [], []
    with connection.cursor() as cursor:
        # Prepared once per connection (planned in ~0.3 ms, run in ~0.1).
        for sorte, pk, code, nom_fr, nom_nl, ordre, nom, prenom, username in executer_prepare(
            cursor, sql, params
        ):
            if sorte == "c":
                valeurs = [pk, cpas.pk, code, nom_fr, nom_nl, ordre, True]
                cellules.append(Cellule.from_db(connection.alias, CHAMPS_CELLULE, valeurs))
            else:
                agents.append((pk, prenom, nom, username))
    return cellules, agents


class FiltresTableauDeBord(forms.Form):
    du = MoisField(label=_("Du mois"), required=False)
    au = MoisField(label=_("Au mois"), required=False)
    cellule = forms.ChoiceField(
        label=_("Cellule"),
        required=False,
        widget=SelectRapide(attrs={"class": "form-select form-select-sm"}),
    )
    agent = forms.TypedChoiceField(
        label=_("Agent"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=SelectRapide(attrs={"class": "form-select form-select-sm"}),
    )

    def __init__(self, data, *, cpas, cellule_imposee=None):
        super().__init__(data)
        self.cpas = cpas
        self.cellule_imposee = cellule_imposee
        cellules, agents = _choix(cpas)
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
        # The names as User.get_full_name() gives them, without loading whole users.
        self.fields["agent"].choices = [("", _("Tous"))] + [
            (pk, f"{prenom} {nom}".strip() or username) for pk, prenom, nom, username in agents
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
        ecart = relativedelta(au, du)
        if ecart.years * 12 + ecart.months >= MOIS_MAX:
            raise forms.ValidationError(_("La période est limitée à %(n)s mois.") % {"n": MOIS_MAX})
        data["du"], data["au"] = du, au
        if self.cellule_imposee is not None:
            data["cellule"] = self.cellule_imposee.code
        return data

    def filtres(self) -> Filtres:
        """The filters applied: the valid ones (shown again in the month inputs, defaults
        included), or the defaults when the form is invalid (its errors are shown)."""
        if self.is_valid():
            data = self.cleaned_data
            self.data = self.data.copy()
            self.data["du"], self.data["au"] = f"{data['du']:%Y-%m}", f"{data['au']:%Y-%m}"
        else:
            data = self.defauts()
        return Filtres(
            du=data["du"],
            au=data["au"],
            cellule=data.get("cellule") or None,
            agent_id=data.get("agent"),
        )


class IndicateurForm(FiltreForm):
    """The number a dashboard link points at (``?indicateur=…`` and its parameters). A value
    that no link carries is a field error: the view answers 400, never 500."""

    indicateur = forms.CharField(max_length=40)
    phase = forms.ChoiceField(choices=[(p, p) for p in PHASES], required=False)
    date = forms.DateField(required=False)
    mois = forms.DateField(required=False)
    classe = forms.ChoiceField(choices=[(c, c) for c in [*CLASSES, SANS_CLASSE]], required=False)
    charge_agent = forms.RegexField(regex=rf"^({AUCUN_AGENT}|[0-9]{{1,12}})$", required=False)
    partenaire = forms.IntegerField(min_value=1, max_value=2**63 - 1, required=False)
    programme = forms.IntegerField(min_value=1, max_value=2**63 - 1, required=False)
    # The appointments' section (rapports.rendez_vous)
    delai = forms.ChoiceField(
        choices=[(c, c) for c in ("ris", "phase", "orientation", *[f"phase_{p}" for p in PHASES])],
        required=False,
    )
    quoi = forms.SlugField(max_length=20, required=False)
    issue = forms.ChoiceField(
        choices=[(c, c) for c in ("vu", "absent", "excuse", "tous")], required=False
    )
    type_rdv = forms.IntegerField(min_value=1, max_value=2**63 - 1, required=False)
    origine = forms.ChoiceField(
        choices=[(c, c) for c in ("direct", "invitation", "convocation")], required=False
    )

    def __init__(self, data, *, user, cpas, filtres: Filtres):
        super().__init__(data)
        self.user, self.cpas, self.filtres = user, cpas, filtres
        self._trouve = False

    def clean_charge_agent(self):
        valeur = self.cleaned_data["charge_agent"]
        if not valeur:
            return None
        return valeur if valeur == AUCUN_AGENT else int(valeur)

    def clean(self):
        data = super().clean()
        for nom in ("phase", "classe", "delai", "quoi", "issue", "origine"):
            data[nom] = data.get(nom) or None
        return data

    def trouver(self):
        """(queryset of the people behind the number, description), or None when the link
        is invalid or points at no number of the dashboard."""
        if self._trouve is False:
            self._trouve = (
                personnes_indicateur(self.user, self.cpas, self.cleaned_data, self.filtres)
                if self.is_valid()
                else None
            )
        return self._trouve

    def filter(self, qs):
        """``qs`` narrowed to the people behind the number (none for an invalid link)."""
        trouve = self.trouver()
        return qs.none() if trouve is None else qs.filter(pk__in=trouve[0].values("pk"))


class DemandeRapportForm(forms.Form):
    mois = MoisField(label=_("Mois"))
    langue = forms.ChoiceField(
        label=_("Langue du rapport"),
        choices=Langue.choices,
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def __init__(self, *args, cpas, **kwargs):
        super().__init__(*args, **kwargs)
        # The CPAS's language by default, whatever the interface's: the report goes to its
        # council; the other language is one choice away.
        self.cpas = cpas
        self.fields["langue"].initial = cpas.langue

    def clean_langue(self):
        return self.cleaned_data["langue"] or self.cpas.langue

    def clean_mois(self):
        mois = self.cleaned_data["mois"]
        if mois >= premier_du_mois(timezone.localdate()):
            raise forms.ValidationError(
                _("Un rapport mensuel ne peut être demandé que pour un mois terminé.")
            )
        if mois.year < 2000:
            raise forms.ValidationError(_("Mois invalide (format AAAA-MM)."))
        return mois
