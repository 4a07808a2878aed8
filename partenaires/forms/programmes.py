"""Forms of programmes and their cohorts: the programme, a participation, a participant's
feedback."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from beneficiaires.models import Beneficiaire
from cpas_isp.forms import DateInput, limiter_listes_au_cpas
from cpas_isp.models import Cpas

from ..models import AvisParticipant, Partenaire, Participation, Programme, StatutParticipation


class ProgrammeForm(forms.ModelForm):
    class Meta:
        model = Programme
        fields = [
            "titre",
            "thematique",
            "description",
            "cpas_participants",
            "partenaires",
            "debut",
            "fin",
            "objectif_participants",
            "duree_max_mois",
        ]
        widgets = {
            "debut": DateInput(),
            "fin": DateInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, cpas_courant=None, **kwargs):
        super().__init__(*args, **kwargs)
        qs = Cpas.objects.order_by("nom")
        if cpas_courant is not None:
            qs = qs.exclude(pk=cpas_courant.pk)
        self.fields["cpas_participants"].queryset = qs
        self.fields["partenaires"].queryset = Partenaire.objects.filter(actif=True)
        limiter_listes_au_cpas(self, cpas_courant or self.instance.cpas_id)


class ParticipationForm(forms.ModelForm):
    class Meta:
        model = Participation
        fields = [
            "beneficiaire",
            "statut",
            "date_inscription",
            "date_debut",
            "date_fin",
            "resultat",
        ]
        widgets = {
            "date_inscription": DateInput(),
            "date_debut": DateInput(),
            "date_fin": DateInput(),
        }

    def __init__(self, *args, beneficiaires=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["beneficiaire"]
        else:
            self.fields["beneficiaire"].queryset = (
                beneficiaires if beneficiaires is not None else Beneficiaire.objects.none()
            )
            self.fields["date_inscription"].initial = timezone.localdate()

    def clean(self):
        data = super().clean()
        statut = data.get("statut")
        sortie = statut in (StatutParticipation.TERMINE, StatutParticipation.ABANDON)
        if statut in (StatutParticipation.ACTIF, StatutParticipation.TERMINE) and not data.get(
            "date_debut"
        ):
            self.add_error("date_debut", _("Indiquez le début de l'accompagnement."))
        if sortie:
            if not data.get("resultat"):
                self.add_error("resultat", _("Indiquez le résultat à la sortie."))
            if not data.get("date_fin"):
                self.add_error("date_fin", _("Indiquez la date de sortie."))
        else:
            if data.get("resultat"):
                self.add_error("resultat", _("Le résultat ne se note qu'à la sortie."))
            if data.get("date_fin"):
                self.add_error("date_fin", _("La date de fin ne se note qu'à la sortie."))
        return data  # the end before the start: the constraint participation_dates says it


class AvisForm(forms.ModelForm):
    class Meta:
        model = AvisParticipant
        fields = ["date", "score", "commentaire"]
        widgets = {
            "date": DateInput(),
            "score": forms.RadioSelect(choices=[(i, str(i)) for i in range(1, 6)]),
            "commentaire": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()
