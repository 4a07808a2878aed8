"""Forms of the trajectory: steps, orientation and stays, PIIS and evaluations, article 60
contracts and pools, and the GET filter forms of the lists (``cpas_isp.listes.FiltreForm``)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cpas_isp.forms import DateInput, ListesDuCpasMixin
from cpas_isp.listes import FiltreForm
from partenaires.models import Partenaire
from trajets import delais
from trajets.models.article60 import ContratArticle60, PoolArticle60
from trajets.models.journal import Etape, TypeEtape
from trajets.models.phases import MotifSortie, PassagePhase, Phase
from trajets.models.piis import DomaineAction, EvaluationPiis, ObjectifPiis, Piis, StatutPiis


def agents_du_cpas(cpas_id):
    return (
        get_user_model()
        .objects.filter(
            memberships__cpas_id=cpas_id,
            memberships__actif=True,
            memberships__role__in=["agent", "coordinateur"],
        )
        .distinct()
        .order_by("last_name", "first_name")
    )


class MotifChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.libelle} ({obj.get_classe_display().lower()})"


class LibelleChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.libelle


# --- Journal ----------------------------------------------------------------------------------


class EtapeForm(ListesDuCpasMixin, forms.ModelForm):
    # Types owned by a workflow (PIIS evaluation...) are written by that workflow only.
    type = LibelleChoiceField(
        queryset=TypeEtape.objects.filter(actif=True, workflow=False),
        label=_("Type"),
        empty_label=None,
    )

    class Meta:
        model = Etape
        fields = [
            "date",
            "type",
            "mode",
            "duree",
            "note",
            "note_confidentielle",
            "prochaine_action",
            "echeance",
        ]
        widgets = {
            "date": DateInput(),
            "echeance": DateInput(),
            "note": forms.Textarea(attrs={"rows": 2}),
            "note_confidentielle": forms.Textarea(attrs={"rows": 1}),
            "duree": forms.NumberInput(attrs={"min": 1, "step": 5, "placeholder": "min"}),
        }

    def __init__(self, *args, derniers_choix=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and self.instance.type.workflow:
            # A workflow's step (its evaluation...) keeps its type: the workflow owns it.
            champ = self.fields["type"]
            champ.queryset = TypeEtape.objects.filter(pk=self.instance.type_id)
            champ.disabled = True
            champ.help_text = _("Type fixé par le processus qui a noté cette étape.")
        if not self.is_bound and self.instance.pk is None:
            self.initial.setdefault("date", timezone.localdate())
            for field in ("type", "mode"):
                key = "type_id" if field == "type" else "mode"
                if derniers_choix and derniers_choix.get(key):
                    self.initial.setdefault(field, derniers_choix[key])

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date > timezone.localdate():
            raise forms.ValidationError(
                _(
                    "Une étape se note quand elle a eu lieu : pour planifier, utilisez la "
                    "prochaine action et son échéance."
                )
            )
        return date

    def clean(self):
        data = super().clean()
        if data.get("echeance") and data.get("date") and data["echeance"] < data["date"]:
            self.add_error("echeance", _("L'échéance ne peut pas précéder la date de l'étape."))
        return data


class SeanceCollectiveForm(EtapeForm):
    participants = forms.ModelMultipleChoiceField(
        queryset=None, widget=forms.CheckboxSelectMultiple, label=_("Participants")
    )

    class Meta(EtapeForm.Meta):
        fields = ["date", "type", "mode", "duree", "note", "prochaine_action", "echeance"]

    def __init__(self, *args, personnes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participants"].queryset = personnes
        self.fields["type"].queryset = self.fields["type"].queryset.order_by("-collectif", "ordre")


# --- Phases -----------------------------------------------------------------------------------


class OrienterForm(ListesDuCpasMixin, forms.Form):
    phase = forms.ChoiceField(label=_("Vers la phase"), choices=Phase.choices)
    date = forms.DateField(label=_("À partir du"), widget=DateInput())
    motif_sortie = MotifChoiceField(
        queryset=MotifSortie.objects.filter(actif=True),
        label=_("Motif de sortie de la phase actuelle"),
        required=False,
    )
    agent = forms.ModelChoiceField(queryset=None, label=_("Agent qui suit"), required=False)
    motif_entree = forms.CharField(label=_("Motif d'entrée"), max_length=300, required=False)
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, cpas_id=None, passage_courant=None, user=None, **kwargs):
        super().__init__(*args, cpas=cpas_id, **kwargs)
        self.passage_courant = passage_courant
        self.fields["agent"].queryset = agents_du_cpas(cpas_id)
        self.initial.setdefault("date", timezone.localdate())
        if user is not None:
            self.initial.setdefault("agent", user.pk)
        if passage_courant is not None:
            self.fields["phase"].choices = [
                (v, label) for v, label in Phase.choices if v != passage_courant.phase
            ]
            self.initial.setdefault(
                "motif_sortie", MotifSortie.objects.filter(code="reorientation").first()
            )
        else:
            del self.fields["motif_sortie"]


class PassageForm(ListesDuCpasMixin, forms.ModelForm):
    motif_sortie = MotifChoiceField(
        queryset=MotifSortie.objects.filter(actif=True), label=_("Motif de sortie"), required=False
    )

    class Meta:
        model = PassagePhase
        fields = ["phase", "debut", "fin", "agent", "motif_entree", "motif_sortie", "note"]
        widgets = {
            "debut": DateInput(),
            "fin": DateInput(),
            "note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = agents_du_cpas(self.instance.cpas_id)

    def clean(self):
        data = super().clean()
        if data.get("motif_sortie") and not data.get("fin"):
            self.add_error("fin", _("Un motif de sortie demande une date de fin."))
        return data


class TerminerTrajetForm(ListesDuCpasMixin, forms.Form):
    fin = forms.DateField(label=_("Dernier jour dans la phase"), widget=DateInput())
    motif = MotifChoiceField(
        queryset=MotifSortie.objects.filter(actif=True), label=_("Motif de sortie")
    )
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


# --- PIIS -------------------------------------------------------------------------------------


class PiisForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    domaines_action = forms.MultipleChoiceField(
        choices=DomaineAction.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("Domaines d'action"),
    )

    class Meta:
        model = Piis
        fields = [
            "type",
            "date_decision_ris",
            "debut",
            "fin",
            "agent",
            "politique_evaluation",
            "domaines_action",
            "engagements_personne",
            "engagements_cpas",
        ]
        widgets = {
            "date_decision_ris": DateInput(),
            "debut": DateInput(),
            "fin": DateInput(),
            "engagements_personne": forms.Textarea(attrs={"rows": 4}),
            "engagements_cpas": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, cpas_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = agents_du_cpas(cpas_id or self.instance.cpas_id)
        if self.instance.pk and not self.is_bound:
            self.initial["version"] = self.instance.version


class ObjectifForm(forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    libelle = forms.CharField(
        label=_("Objectif"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    echeance = forms.DateField(label=_("Échéance"), widget=DateInput(), required=False)
    statut = forms.ChoiceField(
        label=_("Statut"), choices=ObjectifPiis.Statut.choices, required=False
    )

    def clean(self):
        data = super().clean()
        if data.get("echeance") and not (data.get("libelle") or "").strip():
            self.add_error("libelle", _("Décrivez l'objectif de cette échéance."))
        return data


class BaseObjectifFormSet(forms.BaseFormSet):
    """The PIIS objectives: rows are added and removed in place (``avec_ligne``,
    ``sans_ligne``); a PIIS has at least one objective."""

    def clean(self):
        if any(self.errors):
            return
        if not any((f.cleaned_data.get("libelle") or "").strip() for f in self.forms):
            raise forms.ValidationError(_("Indiquez au moins un objectif."))

    @classmethod
    def lignes_postees(cls, data, prefix="obj") -> list[dict]:
        """The rows as posted (raw values, not validated), in order."""
        try:
            total = min(int(data.get(f"{prefix}-TOTAL_FORMS", 0)), cls.absolute_max)
        except (TypeError, ValueError):
            total = 0
        champs = [n for n in ObjectifForm.base_fields]
        return [{c: data.get(f"{prefix}-{i}-{c}", "") for c in champs} for i in range(total)]

    @classmethod
    def reconstruire(cls, data, lignes, prefix="obj"):
        """A copy of ``data`` (a QueryDict) whose objective rows are ``lignes``."""
        data = data.copy()
        for cle in [k for k in data if k.startswith(f"{prefix}-")]:
            del data[cle]
        data[f"{prefix}-TOTAL_FORMS"] = str(len(lignes))
        data[f"{prefix}-INITIAL_FORMS"] = "0"
        for i, ligne in enumerate(lignes):
            for champ, valeur in ligne.items():
                data[f"{prefix}-{i}-{champ}"] = valeur
        return data


ObjectifFormSet = forms.formset_factory(
    ObjectifForm, formset=BaseObjectifFormSet, extra=0, min_num=1, max_num=30
)


class TiersForm(forms.Form):
    partenaire = forms.ModelChoiceField(queryset=None, label=_("Partenaire"), required=False)
    nom = forms.CharField(label=_("ou autre organisation"), max_length=200, required=False)
    engagements = forms.CharField(
        label=_("Engagements"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partenaire"].queryset = Partenaire.objects.filter(actif=True).order_by("nom")

    def clean(self):
        data = super().clean()
        if (data.get("engagements") or "").strip() and not (
            data.get("partenaire") or (data.get("nom") or "").strip()
        ):
            self.add_error("partenaire", _("Choisissez un partenaire ou nommez l'organisation."))
        return data


TiersFormSet = forms.formset_factory(TiersForm, extra=1, can_delete=True)


class VersionForm(forms.Form):
    """A PIIS action form: carries the version the user loaded (the optimistic lock)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ProposerForm(VersionForm):
    date = forms.DateField(label=_("Proposé à la personne le"), widget=DateInput())


class SignerForm(VersionForm):
    date = forms.DateField(label=_("Signé le"), widget=DateInput())
    renonciation = forms.BooleanField(
        label=_("La personne renonce explicitement au délai de réflexion de 5 jours calendrier"),
        required=False,
    )
    debut = forms.DateField(label=_("Début du PIIS"), widget=DateInput(), required=False)
    fin = forms.DateField(label=_("Fin du PIIS"), widget=DateInput(), required=False)


class CloturerForm(VersionForm):
    statut = forms.ChoiceField(
        label=_("Résultat"),
        choices=[
            (StatutPiis.ATTEINT.value, StatutPiis.ATTEINT.label),
            (StatutPiis.NON_ATTEINT.value, StatutPiis.NON_ATTEINT.label),
            (StatutPiis.ABANDONNE.value, StatutPiis.ABANDONNE.label),
        ],
    )
    date = forms.DateField(label=_("Date"), widget=DateInput())


class EvaluationForm(forms.ModelForm):
    """A held evaluation. "Held on" is asked, never pre-filled (an untouched default recorded
    today's date for evaluations planned months ahead); a date far from the planned one is
    accepted once the agent ticks ``confirmer_date``; a future date is refused."""

    confirmer_date = forms.BooleanField(
        label=_("Je confirme cette date, éloignée de la date prévue"), required=False
    )

    class Meta:
        model = EvaluationPiis
        fields = ["date_prevue", "date_tenue", "mode", "appreciation", "suites"]
        widgets = {
            "date_prevue": DateInput(),
            "date_tenue": DateInput(),
            "appreciation": forms.Textarea(attrs={"rows": 3}),
            "suites": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, objectifs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date_tenue"].required = True
        self.objectifs = list(objectifs)
        existantes = (
            {a.objectif_id: a for a in self.instance.appreciations.all()}
            if self.instance.pk
            else {}
        )
        for o in self.objectifs:
            a = existantes.get(o.pk)
            self.fields[f"statut_{o.pk}"] = forms.ChoiceField(
                label=o.libelle,
                choices=ObjectifPiis.Statut.choices,
                initial=a.statut if a else o.statut,
            )
            self.fields[f"commentaire_{o.pk}"] = forms.CharField(
                label=_("Commentaire"),
                required=False,
                initial=a.commentaire if a else "",
                widget=forms.TextInput(),
            )

    def clean_date_tenue(self):
        date = self.cleaned_data["date_tenue"]
        if date and date > timezone.localdate():
            raise forms.ValidationError(_("Une évaluation se note quand elle a eu lieu."))
        return date

    ecart_jours = None  # days between the held and the planned date, once cleaned

    def demande_confirmation(self) -> bool:
        return self.ecart_jours is not None and self.ecart_jours > delais.JOURS_ECART_EVALUATION

    def clean(self):
        data = super().clean()
        tenue, prevue = data.get("date_tenue"), data.get("date_prevue")
        if tenue and prevue:
            self.ecart_jours = abs((tenue - prevue).days)
        if self.demande_confirmation() and not data.get("confirmer_date"):
            self.add_error(
                "date_tenue",
                _(
                    "Cette date est à %(n)s jours de la date prévue (%(prevue)s). Vérifiez-la, "
                    "puis cochez la case de confirmation pour l'enregistrer."
                )
                % {"n": self.ecart_jours, "prevue": prevue.strftime("%d/%m/%Y")},
            )
        return data

    def champs_objectifs(self):
        return [(o, self[f"statut_{o.pk}"], self[f"commentaire_{o.pk}"]) for o in self.objectifs]

    def appreciations(self):
        return {
            o.pk: (self.cleaned_data[f"statut_{o.pk}"], self.cleaned_data[f"commentaire_{o.pk}"])
            for o in self.objectifs
        }


# --- Article 60 -------------------------------------------------------------------------------


class ContratForm(forms.ModelForm):
    fin_prevue = forms.DateField(
        label=_("Fin prévue"),
        widget=DateInput(),
        required=False,
        help_text=_("Vide : calculée par la règle en vigueur (jours de travail selon l'âge)"),
    )

    class Meta:
        model = ContratArticle60
        fields = [
            "partenaire",
            "service_interne",
            "economie_sociale",
            "fonction",
            "regime",
            "heures_semaine",
            "debut",
            "fin_prevue",
            "motif_derogation",
            "subside_regional",
            "montant_utilisateur",
            "formation",
            "dispense_heures_cours",
            "note",
        ]
        widgets = {"debut": DateInput(), "note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partenaire"].queryset = Partenaire.objects.filter(actif=True).order_by("nom")

    def clean(self):
        data = super().clean()
        if data.get("regime") == "temps_plein" and data.get("heures_semaine") is not None:
            if data["heures_semaine"] < 30:
                self.add_error(
                    "heures_semaine", _("Un temps plein compte au moins 30 heures par semaine.")
                )
        return data


class TerminerContratForm(ListesDuCpasMixin, forms.Form):
    fin_reelle = forms.DateField(label=_("Dernier jour du contrat"), widget=DateInput())
    motif_fin = MotifChoiceField(
        queryset=MotifSortie.objects.filter(actif=True), label=_("Motif de fin")
    )


class PoolForm(forms.ModelForm):
    """The pool of posts from a date (the constraints' messages check the numbers)."""

    class Meta:
        model = PoolArticle60
        fields = ["valable_du", "postes_total", "postes_economie_sociale", "commentaire"]
        widgets = {"valable_du": DateInput()}


class FinPrevueForm(forms.Form):
    """The start and weekly hours the planned end of a new contract is computed from."""

    debut = forms.DateField()
    heures_semaine = forms.DecimalField(min_value=1, max_value=50, required=False)


# --- List filters ------------------------------------------------------------------------------


class JournalFiltre(FiltreForm):
    type = LibelleChoiceField(
        queryset=TypeEtape.objects.none(),
        label=_("Type"),
        required=False,
        empty_label=_("Tous les types"),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    lookups = {"type": "type"}

    def __init__(self, data=None, *, cpas_id=None, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["type"].queryset = TypeEtape.objects.pour_cpas(cpas_id)


class FileCelluleFiltre(FiltreForm):
    filtre = forms.ChoiceField(
        choices=[
            ("nouveaux", _("Nouvelles arrivées")),
            ("retard", _("En retard")),
            ("miens", _("Mes personnes")),
        ],
        required=False,
    )


class ContratsFiltre(FiltreForm):
    date = forms.DateField(label=_("En cours le"), required=False, widget=DateInput())
    es = forms.BooleanField(label=_("Économie sociale"), required=False)
    a_cloturer = forms.BooleanField(label=_("Arrivés à terme sans fin enregistrée"), required=False)

    def filtrer_es(self, qs, valeur):
        return qs.filter(economie_sociale=True) if valeur else qs

    def date_choisie(self):
        return self.valeurs().get("date") or timezone.localdate()
