"""Forms of referrals: the list's filters, creation and changes, workflow moves, messages and
attendance (the partner portal uses the same forms)."""

from __future__ import annotations

from django import forms
from django.db.models import OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from beneficiaires.models import Beneficiaire
from cpas_isp.forms import DateInput
from cpas_isp.listes import FiltreForm
from cpas_isp.sql_compile import ExisteParLigne

from ..models import (
    Orientation,
    Partenaire,
    ResultatOrientation,
    ServicePartenaire,
    StatutOrientation,
    TypeQualification,
)


class FiltreStatutForm(FiltreForm):
    """Referrals in one status (the portal's filter)."""

    statut = forms.ChoiceField(label=_("Statut"), choices=StatutOrientation.choices, required=False)

    lookups = {"statut": "statut"}


class FiltreOrientationsForm(FiltreStatutForm):
    """The CPAS side's referral list: status, partner (among those the list holds), only mine."""

    partenaire = forms.ModelChoiceField(
        label=_("Partenaire"), queryset=Partenaire.objects.none(), required=False
    )
    mes = forms.BooleanField(label=_("Seulement mes orientations"), required=False)

    lookups = {"statut": "statut", "partenaire": "service__partenaire"}

    def __init__(self, data=None, *, orientations, user):
        super().__init__(data)
        self.user = user
        self.orientations = orientations
        # A partner asked for is one of the list's; without one, the field reads nothing (the
        # list's page reads the partners with its counts, ``partenaires()``).
        if data is not None and data.get("partenaire"):
            self.fields["partenaire"].queryset = self.partenaires()

    def partenaires(self):
        """The partners of the services the referrals went to: for each partner's services,
        whether one referral of ``orientations`` went there, probed through the referrals'
        index by service until one is found (``ExisteParLigne``), instead of reading every
        referral of the list (an agent's ~1,800 people's ~5,900: 9 -> 1.2 ms on the bench)."""
        services = ServicePartenaire.objects.filter(
            ExisteParLigne(self.orientations.filter(service_id=OuterRef("pk"))),
            partenaire_id=OuterRef("pk"),
        )
        return Partenaire.objects.filter(ExisteParLigne(services)).only("pk", "nom")

    def filtrer_mes(self, qs, valeur):
        return qs.filter(agent=self.user) if valeur else qs


class FiltreStatistiquesForm(FiltreForm):
    """The statistics per partner, for referrals made between two dates."""

    du = forms.DateField(label=_("Orientées du"), required=False, widget=DateInput())
    au = forms.DateField(label=_("au"), required=False, widget=DateInput())

    lookups = {"du": "date_orientation__gte", "au": "date_orientation__lte"}


class ChoixOrientationForm(FiltreForm):
    """The person and the service a new referral starts from (``?beneficiaire=&service=``)."""

    beneficiaire = forms.IntegerField(required=False, min_value=1)
    service = forms.IntegerField(required=False, min_value=1)


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
            "date_orientation": DateInput(),
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
    date = forms.DateField(label=_("Date"), widget=DateInput())
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
