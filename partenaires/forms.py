from __future__ import annotations

from django import forms
from django.forms import inlineformset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from beneficiaires.models import Beneficiaire
from cpas_isp.forms import ListesDuCpasMixin, limiter_listes_au_cpas
from cpas_isp.models import Cpas

from .models import (
    AvisParticipant,
    ContactPartenaire,
    Convention,
    Financement,
    NotePartenaire,
    Orientation,
    Partenaire,
    Participation,
    PartieCpas,
    Programme,
    ResultatOrientation,
    ServicePartenaire,
    StatutOrientation,
    StatutParticipation,
    Thematique,
    TypePartenaire,
    TypeQualification,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RecherchePartenaireForm(ListesDuCpasMixin, forms.Form):
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


class ServiceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        places = (
            _(" (%(n)s places)") % {"n": obj.places_disponibles}
            if obj.places_disponibles is not None
            else ""
        )
        return f"{obj.partenaire.nom} — {obj.nom} [{obj.thematique.libelle}]{places}"


class OrientationForm(forms.ModelForm):
    service = ServiceChoiceField(
        label=_("Service du partenaire"),
        queryset=ServicePartenaire.objects.filter(actif=True, partenaire__actif=True)
        .select_related("partenaire", "thematique")
        .order_by("partenaire__nom", "nom"),
    )
    envoyer = forms.BooleanField(
        label=_("Envoyer tout de suite au partenaire"), required=False, initial=True
    )

    class Meta:
        model = Orientation
        fields = [
            "beneficiaire",
            "service",
            "date_orientation",
            "motif",
            "resultat_attendu",
            "informations_partagees",
        ]
        widgets = {
            "date_orientation": DATE,
            "motif": forms.Textarea(attrs={"rows": 3}),
            "resultat_attendu": forms.Textarea(attrs={"rows": 2}),
            "informations_partagees": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, beneficiaires=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["beneficiaire"].queryset = (
            beneficiaires if beneficiaires is not None else Beneficiaire.objects.none()
        )
        self.fields["date_orientation"].initial = timezone.localdate()


class OrientationModifierForm(forms.ModelForm):
    """What the agent may still change before the partner answers (the service only while
    the referral has not been sent)."""

    service = OrientationForm.base_fields["service"]

    class Meta:
        model = Orientation
        fields = ["service", "motif", "resultat_attendu", "informations_partagees"]
        widgets = OrientationForm.Meta.widgets

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.statut != "proposee":
            del self.fields["service"]


class TransitionForm(forms.Form):
    # A hidden field, but posted by the browser: anything else than a known status is refused.
    vers = forms.ChoiceField(choices=StatutOrientation.choices, widget=forms.HiddenInput)
    commentaire = forms.CharField(
        label=_("Commentaire"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    motif_refus = forms.CharField(
        label=_("Motif du refus"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    resultat = forms.ChoiceField(
        label=_("Résultat"),
        required=False,
        choices=[("", "—"), *ResultatOrientation.choices],
    )
    type_qualification = forms.ChoiceField(
        label=_("Qualification obtenue"),
        required=False,
        choices=[("", "—"), *TypeQualification.choices],
    )
    resultat_detail = forms.CharField(
        label=_("Précisions (intitulé, employeur...)"), required=False, max_length=1000
    )


class MessageForm(forms.Form):
    texte = forms.CharField(
        label=_("Message"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000
    )


class PresenceForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE)
    present = forms.TypedChoiceField(
        label=_("Présence"),
        choices=[("1", _("Présent")), ("0", _("Absent"))],
        coerce=lambda v: v == "1",
        initial="1",
    )
    commentaire = forms.CharField(label=_("Commentaire"), required=False, max_length=300)

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date > timezone.localdate():
            raise forms.ValidationError(_("La présence ne peut pas être notée dans le futur."))
        return date


# --- Conventions --------------------------------------------------------------------------


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
            "debut": DATE,
            "fin": DATE,
            "objet": forms.Textarea(attrs={"rows": 3}),
            "partenaires": forms.SelectMultiple(attrs={"size": 6}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partenaires"].queryset = Partenaire.objects.filter(actif=True)

    def clean(self):
        data = super().clean()
        if data.get("debut") and data.get("fin") and data["fin"] < data["debut"]:
            self.add_error("fin", _("La fin ne peut pas précéder le début."))
        return data


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
        if regle == "montants_fixes":
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


# --- Programmes -----------------------------------------------------------------------------


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
            "debut": DATE,
            "fin": DATE,
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

    def clean(self):
        data = super().clean()
        if data.get("debut") and data.get("fin") and data["fin"] < data["debut"]:
            self.add_error("fin", _("La fin ne peut pas précéder le début."))
        return data


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
        widgets = {"date_inscription": DATE, "date_debut": DATE, "date_fin": DATE}

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
        debut, fin = data.get("date_debut"), data.get("date_fin")
        if debut and fin and fin < debut:
            self.add_error("date_fin", _("La fin ne peut pas précéder le début."))
        return data


class AvisForm(forms.ModelForm):
    class Meta:
        model = AvisParticipant
        fields = ["date", "score", "commentaire"]
        widgets = {
            "date": DATE,
            "score": forms.RadioSelect(choices=[(i, str(i)) for i in range(1, 6)]),
            "commentaire": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()
