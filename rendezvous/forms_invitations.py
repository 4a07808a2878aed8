"""Forms of invitations and convocations: invite (agenda, kind, channels), convene (the same and
a free slot), the queues' filters and bulk invitation, the booking page's slot choice."""

from __future__ import annotations

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from cpas_isp.listes import FiltreForm
from cpas_isp.models import Cellule, Membership, Role, User
from rendezvous import queries, services_invitations
from rendezvous.forms import AgentChoiceField
from rendezvous.models import Agenda, Canal, Lieu, ModeInvitation, TypeRendezVous


class AgendaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        if obj.agent_id:
            return _("Agenda de %(nom)s") % {"nom": obj.agent.get_full_name() or obj.agent}
        return str(obj)


def types_invitables(user):
    return TypeRendezVous.objects.for_user(user).filter(actif=True, collectif=False)


def libelle_creneau(creneau) -> str:
    debut, fin = timezone.localtime(creneau.debut), timezone.localtime(creneau.fin)
    texte = f"{formats.date_format(debut, 'l j F Y')} {debut:%H:%M}–{fin:%H:%M}"
    return f"{texte} · {creneau.lieu}" if creneau.lieu else texte


class InvitationForm(forms.Form):
    """Invite (the person chooses a slot through a link) or convene (a fixed free slot). The
    slots offered depend on the agenda and kind: the form is re-shown when they change."""

    mode = forms.ChoiceField(
        label=_("Mode"), choices=ModeInvitation.choices, widget=forms.RadioSelect
    )
    agenda = AgendaChoiceField(
        label=_("Agenda"),
        queryset=Agenda.objects.none(),
        empty_label=None,
        help_text=_("L'agenda d'un agent ou d'une cellule dont les créneaux libres sont proposés."),
    )
    type = forms.ModelChoiceField(
        label=_("Type de rendez-vous"), queryset=TypeRendezVous.objects.none(), empty_label=None
    )
    canaux = forms.MultipleChoiceField(
        label=_("Canaux"),
        choices=Canal.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Par défaut, les canaux que le CPAS utilise pour ce type de rendez-vous."),
    )
    creneau = forms.ChoiceField(
        label=_("Créneau"),
        required=False,
        help_text=_("Pour une convocation : un créneau libre de l'agenda."),
    )
    lieu = forms.ModelChoiceField(
        label=_("Lieu"),
        queryset=Lieu.objects.none(),
        required=False,
        help_text=_("Vide : le lieu du créneau."),
    )

    def __init__(self, data=None, *, user, cpas_id, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["agenda"].queryset = queries.agendas_visibles(user).order_by(
            "cellule__ordre", "agent__last_name", "agent__first_name", "pk"
        )
        self.fields["type"].queryset = types_invitables(user)
        self.fields["lieu"].queryset = Lieu.objects.filter(cpas_id=cpas_id, actif=True)
        self.cpas_id = cpas_id
        self.creneaux = []
        agenda = self._valeur("agenda")
        type_rdv = self._valeur("type")
        if agenda is not None and type_rdv is not None:
            self.creneaux = queries.creneaux_pour(agenda, type_rdv.duree)
        self.fields["creneau"].choices = [("", "—")] + [
            (c.valeur, libelle_creneau(c)) for c in self.creneaux
        ]
        if type_rdv is not None and not (data or {}).get("canaux"):
            self.initial["canaux"] = services_invitations.canaux_par_defaut(cpas_id, type_rdv)

    def _valeur(self, nom):
        """The agenda or kind chosen (posted, else initial), or None."""
        champ = self.fields[nom]
        brute = self.data.get(nom) if self.data else None
        if brute in (None, ""):
            brute = self.initial.get(nom)
            if brute is None:
                premier = champ.queryset.first()
                return premier
        try:
            return champ.clean(brute)
        except forms.ValidationError:
            return None

    def clean(self):
        data = super().clean()
        if data.get("mode") == ModeInvitation.CONVOCATION and not data.get("creneau"):
            self.add_error("creneau", _("Choisissez le créneau de la convocation."))
        return data


class FileFiltreForm(FiltreForm):
    """Filters of the queues: a cellule (the people it follows now) or a referent agent."""

    cellule = forms.ModelChoiceField(
        label=_("Cellule"), queryset=Cellule.objects.none(), required=False
    )
    referent = AgentChoiceField(label=_("Référent"), queryset=User.objects.none(), required=False)

    def __init__(self, data=None, *, user, cpas_id, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["cellule"].queryset = Cellule.objects.for_user(user).order_by("ordre", "pk")
        self.fields["referent"].queryset = User.objects.filter(
            pk__in=Membership.objects.filter(
                cpas_id=cpas_id, actif=True, role__in=[Role.AGENT, Role.COORDINATEUR]
            ).values("user")
        ).order_by("last_name", "first_name", "pk")

    def filtrer_cellule(self, qs, cellule):
        from beneficiaires import hooks

        return hooks.filtrer_par_cellule(qs, cellule)

    def filtrer_referent(self, qs, referent):
        return qs.filter(referent=referent)


class IdsField(forms.TypedMultipleChoiceField):
    """Ids of rows (the view keeps those the user may see)."""

    def valid_value(self, value):
        value = str(value)
        return value.isascii() and value.isdigit() and len(value) < 12


class InvitationGroupeeForm(forms.Form):
    """Invite every checked person of a queue (or any selection) at once."""

    beneficiaires = IdsField(coerce=int, required=True, label=_("Personnes"))
    agenda = AgendaChoiceField(label=_("Agenda"), queryset=Agenda.objects.none(), empty_label=None)
    type = forms.ModelChoiceField(
        label=_("Type de rendez-vous"), queryset=TypeRendezVous.objects.none(), empty_label=None
    )
    canaux = forms.MultipleChoiceField(
        label=_("Canaux"), choices=Canal.choices, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["agenda"].queryset = queries.agendas_visibles(user)
        self.fields["type"].queryset = types_invitables(user)
        self.fields["beneficiaires"].error_messages["required"] = _("Cochez au moins une personne.")

    def clean_beneficiaires(self):
        return list(dict.fromkeys(self.cleaned_data["beneficiaires"]))[:500]


class CreneauForm(forms.Form):
    """The booking page: the start of the chosen free slot."""

    creneau = forms.CharField(max_length=20)
