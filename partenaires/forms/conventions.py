"""Forms of conventions: the convention, its CPAS parties and its funding (inline formsets), and
the list's filter."""

from __future__ import annotations

from django import forms
from django.forms import inlineformset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cpas_isp.forms import DateInput
from cpas_isp.listes import FiltreForm
from cpas_isp.models import Cpas

from ..models import Convention, Financement, Partenaire, PartieCpas, RegleRepartition
from ..queries import conventions_bientot_finies


class FiltreConventionsForm(FiltreForm):
    """The conventions list: all, running today, or ending within 90 days."""

    filtre = forms.ChoiceField(
        choices=[
            ("en_cours", _("En cours")),
            ("bientot", _("Se terminent dans les 90 jours")),
        ],
        required=False,
    )

    def filtrer_filtre(self, qs, valeur):
        aujourd_hui = timezone.localdate()
        if valeur == "bientot":
            return conventions_bientot_finies(qs, aujourd_hui)
        return qs.filter(debut__lte=aujourd_hui, fin__gte=aujourd_hui)


class ConventionForm(forms.ModelForm):
    class Meta:
        model = Convention
        fields = [
            "titre",
            "objet",
            "partenaires",
            "debut",
            "fin",
            "places",
            "budget_total",
            "regle_repartition",
            "minerval",
            "part_minerval_cpas",
        ]
        widgets = {
            "debut": DateInput(),
            "fin": DateInput(),
            "objet": forms.Textarea(attrs={"rows": 3}),
            "partenaires": forms.SelectMultiple(attrs={"size": 6}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partenaires"].queryset = Partenaire.objects.filter(actif=True)


class PartieCpasForm(forms.ModelForm):
    class Meta:
        model = PartieCpas
        fields = ["cpas", "montant_fixe"]
        widgets = {
            "cpas": forms.Select(attrs={"class": "form-select form-select-sm"}),
            "montant_fixe": forms.NumberInput(
                attrs={"class": "form-control form-control-sm", "step": "0.01"}
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cpas"].label = _("CPAS")
        self.fields["cpas"].queryset = Cpas.objects.order_by("nom")
        self.fields["cpas"].label_from_instance = lambda c: (
            f"{c.nom} ({c.habitants} hab.)" if c.habitants else c.nom
        )

    def has_changed(self):
        # A row pre-filled with the user's own CPAS is a real party even if left untouched.
        return super().has_changed() or bool(self.initial.get("cpas") and not self.instance.pk)


class BasePartiesFormSet(forms.BaseInlineFormSet):
    def __init__(self, *args, cpas_courant=None, **kwargs):
        self.cpas_courant = cpas_courant
        super().__init__(*args, **kwargs)

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        vus = []
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            cpas = form.cleaned_data.get("cpas")
            if cpas in vus:
                raise forms.ValidationError(_("Un CPAS ne peut figurer qu'une fois."))
            vus.append(cpas)
        if not vus:
            raise forms.ValidationError(_("Indiquez au moins un CPAS partie."))
        if self.cpas_courant is not None and self.cpas_courant not in vus:
            raise forms.ValidationError(
                _("Votre CPAS (%(cpas)s) doit être partie à la convention.")
                % {"cpas": self.cpas_courant}
            )
        regle = getattr(self.instance, "regle_repartition", "")
        if regle == RegleRepartition.MONTANTS_FIXES:
            for form in self.forms:
                cd = form.cleaned_data
                if cd and not cd.get("DELETE") and cd.get("montant_fixe") is None:
                    form.add_error("montant_fixe", _("Montant fixe requis pour cette règle."))
                    raise forms.ValidationError(_("Indiquez le montant fixe de chaque CPAS."))


PartiesFormSet = inlineformset_factory(
    Convention,
    PartieCpas,
    form=PartieCpasForm,
    formset=BasePartiesFormSet,
    extra=4,
    can_delete=True,
)


class FinancementForm(forms.ModelForm):
    class Meta:
        model = Financement
        fields = ["source", "libelle", "montant"]
        widgets = {
            "source": forms.Select(attrs={"class": "form-select form-select-sm"}),
            "libelle": forms.TextInput(attrs={"class": "form-control form-control-sm"}),
            "montant": forms.NumberInput(
                attrs={"class": "form-control form-control-sm", "step": "0.01"}
            ),
        }


FinancementsFormSet = inlineformset_factory(
    Convention,
    Financement,
    form=FinancementForm,
    extra=3,
    can_delete=True,
)
