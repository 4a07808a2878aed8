"""Forms of the activities: the activity, its modules, sessions (one, or a recurrence with
exceptions), enrolment, withdrawal, completion, the list filter and the attendance grid."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activites.calendrier import dates_recurrentes, lire_exclusions
from activites.models import (
    Activite,
    Module,
    MotifRetrait,
    ResultatActivite,
    Seance,
    StatutPresence,
    TypeActivite,
)
from cpas_isp.forms import DateInput, ListesDuCpasMixin
from cpas_isp.listes import FiltreForm
from cpas_isp.models import Cpas
from partenaires.models import Convention, Partenaire, Programme

ANNEES_POSSIBLES = range(2000, 2101)
MAX_SEANCES = 400


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%H:%M")


def verifier_annee(valeur):
    """A typing error (year 20226) is refused before any date arithmetic can overflow."""
    if valeur is not None and valeur.year not in ANNEES_POSSIBLES:
        raise forms.ValidationError(_("Date hors de la période possible."), code="annee")
    return valeur


class ActiviteForm(ListesDuCpasMixin, forms.ModelForm):
    class Meta:
        model = Activite
        fields = [
            "titre",
            "type",
            "niveau",
            "description",
            "debut",
            "fin",
            "capacite",
            "lieu",
            "formateurs",
            "partenaire",
            "cpas_participants",
            "programme",
            "convention",
            "numero_projet_fse",
        ]
        widgets = {
            "debut": DateInput(),
            "fin": DateInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
            "cpas_participants": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, user=None, cpas=None, **kwargs):
        super().__init__(*args, cpas=cpas, **kwargs)
        cpas_id = getattr(cpas, "pk", cpas)
        self.fields["type"].queryset = TypeActivite.objects.pour_cpas(cpas_id).filter(actif=True)
        self.fields["cpas_participants"].queryset = Cpas.objects.exclude(pk=cpas_id)
        self.fields["partenaire"].queryset = Partenaire.objects.actifs().order_by("nom")
        self.fields["programme"].queryset = Programme.objects.for_user(user)
        self.fields["convention"].queryset = Convention.objects.for_user(user)

    def clean_debut(self):
        return verifier_annee(self.cleaned_data.get("debut"))

    def clean_fin(self):
        return verifier_annee(self.cleaned_data.get("fin"))

    def clean(self):
        cleaned = super().clean()
        niveau, type_ = cleaned.get("niveau"), cleaned.get("type")
        if niveau and type_ and type_.code not in ("cours_langue", "alphabetisation"):
            self.add_error("niveau", _("Le niveau CECR ne concerne que les cours de langue."))
        return cleaned


class ModuleForm(forms.ModelForm):
    class Meta:
        model = Module
        fields = ["titre", "ordre", "collectif"]


class SeanceForm(forms.ModelForm):
    """One session, added by hand (a job day, a catch-up class)."""

    class Meta:
        model = Seance
        fields = ["date", "heure_debut", "heure_fin", "module"]
        widgets = {"date": DateInput(), "heure_debut": TimeInput(), "heure_fin": TimeInput()}

    def __init__(self, *args, activite, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.activite = activite
        self.fields["module"].queryset = activite.modules.all()

    def clean_date(self):
        date = verifier_annee(self.cleaned_data.get("date"))
        activite = self.instance.activite
        if date and not (activite.debut <= date <= activite.fin):
            raise forms.ValidationError(_("La séance doit tomber dans la période de l'activité."))
        return date


JOURS = [
    (0, _("lundi")),
    (1, _("mardi")),
    (2, _("mercredi")),
    (3, _("jeudi")),
    (4, _("vendredi")),
    (5, _("samedi")),
    (6, _("dimanche")),
]


class RecurrenceForm(forms.Form):
    """Sessions every chosen weekday between two dates, except public holidays and the dates
    listed (school holidays...)."""

    du = forms.DateField(label=_("Du"), widget=DateInput())
    au = forms.DateField(label=_("Au"), widget=DateInput())
    jours = forms.TypedMultipleChoiceField(
        label=_("Jours"), choices=JOURS, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    heure_debut = forms.TimeField(label=_("De"), widget=TimeInput())
    heure_fin = forms.TimeField(label=_("À"), widget=TimeInput())
    module = forms.ModelChoiceField(queryset=Module.objects.none(), required=False)
    sauf_feries = forms.BooleanField(
        label=_("Sauf jours fériés légaux"), required=False, initial=True
    )
    exclusions = forms.CharField(
        label=_("Autres dates sans séance"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Congés scolaires, fermetures : une date par ligne ou une période "
            "« 2026-12-21 - 2027-01-01 » (AAAA-MM-JJ ou JJ/MM/AAAA)."
        ),
    )

    def __init__(self, *args, activite, **kwargs):
        super().__init__(*args, **kwargs)
        self.activite = activite
        self.fields["module"].queryset = activite.modules.all()
        self.fields["module"].label = _("Module")
        if not self.is_bound:
            self.initial.update({"du": activite.debut, "au": activite.fin})

    def clean_du(self):
        return verifier_annee(self.cleaned_data.get("du"))

    def clean_au(self):
        return verifier_annee(self.cleaned_data.get("au"))

    def clean_exclusions(self):
        dates, erreurs = lire_exclusions(self.cleaned_data.get("exclusions", ""))
        if erreurs:
            raise forms.ValidationError(
                _("Dates illisibles : %(dates)s") % {"dates": ", ".join(erreurs[:5])}
            )
        return dates

    def clean(self):
        cleaned = super().clean()
        du, au = cleaned.get("du"), cleaned.get("au")
        debut, fin = cleaned.get("heure_debut"), cleaned.get("heure_fin")
        if du and au:
            if au < du:
                self.add_error("au", _("La fin ne peut pas précéder le début."))
            elif du < self.activite.debut or au > self.activite.fin:
                self.add_error("au", _("Les séances doivent tomber dans la période de l'activité."))
        if debut and fin and fin <= debut:
            self.add_error("heure_fin", _("La séance doit finir après son début."))
        if not self.errors:
            cleaned["dates"] = dates_recurrentes(
                du,
                au,
                set(cleaned["jours"]),
                sauf_feries=cleaned.get("sauf_feries", False),
                exclusions=cleaned.get("exclusions") or set(),
            )
            if not cleaned["dates"]:
                raise forms.ValidationError(_("Aucune date ne correspond à ces critères."))
            if len(cleaned["dates"]) > MAX_SEANCES:
                raise forms.ValidationError(
                    _("Plus de %(n)s séances : réduisez la période.") % {"n": MAX_SEANCES}
                )
        return cleaned


class ActiviteChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.titre} ({obj.debut:%d/%m/%Y} – {obj.fin:%d/%m/%Y})"


class InscriptionPersonneForm(forms.Form):
    """Enrol one person (from their page) in an activity open to their CPAS."""

    activite = ActiviteChoiceField(queryset=Activite.objects.none(), label=_("Activité"))

    def __init__(self, *args, user, beneficiaire, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["activite"].queryset = (
            Activite.objects.for_user(user)
            .filter(fin__gte=timezone.localdate())
            .exclude(inscriptions__beneficiaire=beneficiaire)
            .select_related("type")
            .order_by("debut", "titre")
        )


class RetraitForm(forms.Form):
    motif = forms.ChoiceField(label=_("Motif du retrait"), choices=MotifRetrait.choices)
    precision = forms.CharField(label=_("Précision"), max_length=300, required=False)


class FinForm(forms.Form):
    resultat = forms.ChoiceField(label=_("Résultat"), choices=ResultatActivite.choices)


class AttestationForm(forms.Form):
    type = forms.ChoiceField(
        choices=[("presence", _("Fréquentation")), ("reussite", _("Fin de parcours"))]
    )


class FiltreActivitesForm(FiltreForm):
    q = forms.CharField(label=_("Titre"), required=False, max_length=100)
    type = forms.ModelChoiceField(
        label=_("Type"),
        queryset=TypeActivite.objects.all(),
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    periode = forms.ChoiceField(
        label=_("Période"),
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
        choices=[
            ("", _("Toutes")),
            ("en_cours", _("En cours")),
            ("a_venir", _("À venir")),
            ("terminees", _("Terminées")),
        ],
    )
    lookups = {"type": "type", "q": "titre__icontains"}

    def __init__(self, *args, cpas=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].queryset = TypeActivite.objects.pour_cpas(cpas)

    def filtrer_periode(self, qs, valeur):
        aujourd_hui = timezone.localdate()
        if valeur == "en_cours":
            return qs.filter(debut__lte=aujourd_hui, fin__gte=aujourd_hui)
        if valeur == "a_venir":
            return qs.filter(debut__gt=aujourd_hui)
        if valeur == "terminees":
            return qs.filter(fin__lt=aujourd_hui)
        return qs


# --- The attendance grid --------------------------------------------------------------------


def lire_grille(data, lignes, seance):
    """Read the posted grid: ``statut-<id>`` and ``heures-<id>`` for each enrolment row the
    user may mark (``lignes``: [(inscription, presence)]). Rows left without status are not
    saved. Returns ({inscription: (statut, heures or None)}, {inscription id: error})."""
    statuts = dict(StatutPresence.choices)
    marques, erreurs = {}, {}
    max_heures = Decimal("24")
    for inscription, _presence in lignes:
        statut = data.get(f"statut-{inscription.pk}", "")
        brut = (data.get(f"heures-{inscription.pk}", "") or "").strip().replace(",", ".")
        if not statut:
            continue
        if statut not in statuts:
            erreurs[inscription.pk] = _("Présence inconnue.")
            continue
        heures = None
        if brut:
            try:
                heures = Decimal(brut)
            except InvalidOperation:
                erreurs[inscription.pk] = _("Heures : un nombre, par exemple 2,5.")
                continue
            if not heures.is_finite() or heures < 0 or heures > max_heures:
                erreurs[inscription.pk] = _("Les heures vont de 0 à 24.")
                continue
            if heures != heures.quantize(Decimal("0.01")):
                erreurs[inscription.pk] = _("Deux décimales au plus.")
                continue
        if statut in (StatutPresence.ABSENT, StatutPresence.EXCUSE):
            heures = Decimal("0")  # an absence counts no hours, whatever was left typed
        marques[inscription] = (statut, heures)
    return marques, erreurs


def date_valide(valeur: str) -> datetime.date | None:
    try:
        date = datetime.date.fromisoformat(valeur)
    except (TypeError, ValueError):
        return None
    return date if date.year in ANNEES_POSSIBLES else None
