"""Forms of the agendas: an appointment, a recurring availability, an absence, a status."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from beneficiaires.models import Beneficiaire
from cpas_isp.forms import DateInput, ListesDuCpasMixin
from cpas_isp.models import Membership, Role, User
from rendezvous.models import (
    STATUTS_ISSUE,
    Absence,
    Canal,
    Disponibilite,
    Lieu,
    ParametresRendezVous,
    RendezVous,
    StatutRendezVous,
    TypeRendezVous,
)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%H:%M")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


ANNEES_POSSIBLES = range(2000, 2101)


def verifier_annee(valeur):
    """Dates far outside the agendas' use (typing errors) are refused before any arithmetic
    on them can overflow."""
    if valeur is not None and valeur.year not in ANNEES_POSSIBLES:
        raise forms.ValidationError(_("Date hors de la période possible."), code="annee")
    return valeur


class PersonneChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.nom} {obj.prenom}"


class AgentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


class RendezVousForm(ListesDuCpasMixin, forms.ModelForm):
    """Plan or move an appointment. Start is given as a date and a time plus a duration; a
    clash with another appointment of the agent or of a person is refused by the database
    (the service reports it on the form)."""

    date = forms.DateField(label=_("Date"), widget=DateInput())
    heure = forms.TimeField(label=_("Heure"), widget=TimeInput())
    duree = forms.IntegerField(
        label=_("Durée (minutes)"),
        min_value=5,
        max_value=480,
        widget=forms.NumberInput(attrs={"step": 5}),
    )
    agent = AgentChoiceField(queryset=User.objects.none(), label=_("Agent"), empty_label=None)
    participants = PersonneChoiceField(
        queryset=Beneficiaire.objects.none(),
        label=_("Personne(s)"),
        help_text=_("Plusieurs personnes seulement pour une séance collective."),
    )

    class Meta:
        model = RendezVous
        fields = ["type", "agent", "date", "heure", "duree", "lieu", "participants", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user, cpas_id, **kwargs):
        super().__init__(*args, cpas=cpas_id, **kwargs)
        self.fields["type"].queryset = self.fields["type"].queryset.filter(actif=True)
        self.fields["type"].empty_label = None
        self.fields["lieu"].queryset = Lieu.objects.filter(cpas_id=cpas_id, actif=True)
        self.fields["agent"].queryset = User.objects.filter(
            pk__in=Membership.objects.filter(
                cpas_id=cpas_id, actif=True, role__in=[Role.AGENT, Role.COORDINATEUR]
            ).values("user")
        ).order_by("last_name", "first_name", "pk")
        self.fields["participants"].queryset = Beneficiaire.objects.visibles_par(user).order_by(
            "nom", "prenom", "pk"
        )
        rdv = self.instance
        if rdv.pk:
            local = timezone.localtime(rdv.debut)
            self.initial.update(
                date=local.date(),
                heure=local.time().replace(second=0, microsecond=0),
                duree=rdv.duree,
                participants=[p.beneficiaire_id for p in rdv.participants.all()],
            )
        else:
            self.initial.setdefault("agent", user.pk)
            self.initial.setdefault("duree", 45)

    def clean_date(self):
        return verifier_annee(self.cleaned_data.get("date"))

    def clean(self):
        data = super().clean()
        date, heure, duree = data.get("date"), data.get("heure"), data.get("duree")
        if date and heure and duree:
            debut = timezone.make_aware(datetime.datetime.combine(date, heure))
            self.instance.debut = debut
            self.instance.fin = debut + datetime.timedelta(minutes=duree)
        return data


class DisponibiliteForm(forms.ModelForm):
    class Meta:
        model = Disponibilite
        fields = [
            "jour",
            "heure_debut",
            "heure_fin",
            "duree_creneau",
            "lieu",
            "valide_du",
            "valide_au",
        ]
        widgets = {
            "heure_debut": TimeInput(),
            "heure_fin": TimeInput(),
            "valide_du": DateInput(),
            "valide_au": DateInput(),
            "duree_creneau": forms.NumberInput(attrs={"step": 5}),
        }

    def __init__(self, *args, cpas_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lieu"].queryset = Lieu.objects.filter(cpas_id=cpas_id, actif=True)
        self.initial.setdefault("valide_du", timezone.localdate())

    def clean_valide_du(self):
        return verifier_annee(self.cleaned_data.get("valide_du"))

    def clean_valide_au(self):
        return verifier_annee(self.cleaned_data.get("valide_au"))


class AbsenceForm(forms.ModelForm):
    class Meta:
        model = Absence
        fields = ["debut", "fin", "motif"]
        widgets = {"debut": DateTimeInput(), "fin": DateTimeInput()}

    def clean_debut(self):
        return verifier_annee(self.cleaned_data.get("debut"))

    def clean_fin(self):
        return verifier_annee(self.cleaned_data.get("fin"))


class StatutForm(forms.Form):
    statut = forms.ChoiceField(choices=StatutRendezVous.choices)
    motif = forms.CharField(max_length=300, required=False, label=_("Motif"))


# --- The CPAS's settings (functional administrator) -------------------------------------------


class CanauxField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        kwargs.setdefault("choices", Canal.choices)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)


class ParametresRendezVousForm(forms.ModelForm):
    validite_invitation = forms.IntegerField(
        label=_("Validité d'une invitation (jours)"),
        min_value=1,
        max_value=90,
        help_text=_("Nombre de jours pendant lesquels le lien de réservation reste valable."),
    )
    delai_modification = forms.IntegerField(
        label=_("Délai pour annuler ou déplacer (heures)"),
        min_value=0,
        max_value=720,
        help_text=_(
            "Jusqu'à combien d'heures avant le rendez-vous la personne peut l'annuler ou le "
            "déplacer elle-même."
        ),
    )
    canaux = CanauxField(
        label=_("Canaux proposés par défaut"),
        help_text=_(
            "Pour les invitations, convocations et rappels, sauf si un type de rendez-vous a "
            "ses propres canaux. Les rappels partent par e-mail et SMS seulement."
        ),
    )

    class Meta:
        model = ParametresRendezVous
        fields = ["validite_invitation", "delai_modification", "canaux"]


class CanauxDuTypeForm(forms.Form):
    par_defaut = forms.BooleanField(
        label=_("Utiliser les canaux par défaut du CPAS"), required=False
    )
    canaux = CanauxField(label=_("Canaux de ce type"))

    def clean(self):
        donnees = super().clean()
        if donnees.get("par_defaut"):
            donnees["canaux"] = []
        return donnees


class LieuForm(forms.ModelForm):
    class Meta:
        model = Lieu
        fields = ["nom", "type", "adresse", "actif"]
        help_texts = {
            "adresse": _("Affichée dans les convocations et rappels (avec le nom du lieu)."),
        }

    def validate_unique(self):
        # The CPAS is set by the view: the database constraint (one name per CPAS) speaks.
        pass


class TypeRendezVousForm(ListesDuCpasMixin, forms.ModelForm):
    """An appointment kind of the CPAS's own (its code is made from the CPAS and the label)."""

    class Meta:
        model = TypeRendezVous
        fields = [
            "libelle_fr",
            "libelle_nl",
            "type_etape",
            "duree",
            "collectif",
            "evaluation_piis",
            "ordre",
            "actif",
        ]


class IssueParticipantForm(forms.Form):
    issue = forms.ChoiceField(choices=[(s.value, s.label) for s in STATUTS_ISSUE])
    motif = forms.CharField(max_length=300, required=False, label=_("Motif"))
