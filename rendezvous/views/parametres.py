"""The CPAS's appointment settings, for its functional administrator: invitations' validity and
cut-off, default channels, channels per kind of appointment, places, and the CPAS's own kinds
of appointment (shared kinds are read-only here, as in every reference list)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _

from cpas_isp import permissions
from cpas_isp.contraintes import ajouter_au_formulaire, enregistrer
from cpas_isp.tenancy import current_membership
from cpas_isp.views import role_required
from rendezvous import queries
from rendezvous.forms import (
    CanauxDuTypeForm,
    LieuForm,
    ParametresRendezVousForm,
    TypeRendezVousForm,
)
from rendezvous.models import CanauxDuType, Lieu, TypeRendezVous

admin_requis = role_required(permissions.peut_administrer_cpas)


def _cpas_id(request) -> int:
    return current_membership(request.user).cpas_id


@admin_requis
def parametres(request):
    cpas_id = _cpas_id(request)
    instance = queries.parametres_du_cpas(cpas_id)
    form = ParametresRendezVousForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Paramètres des rendez-vous enregistrés."))
        return redirect("rendezvous:parametres")
    par_type = {
        c.type_id: c.canaux for c in CanauxDuType.objects.filter(cpas_id=cpas_id)
    }  # fmt: skip
    types = list(TypeRendezVous.objects.pour_cpas(cpas_id).select_related("type_etape", "cpas"))
    libelles = dict(ParametresRendezVousForm.base_fields["canaux"].choices)
    for t in types:
        t.canaux = par_type.get(t.pk)
        t.canaux_libelles = [str(libelles[c]) for c in (t.canaux or []) if c in libelles]
        t.modifiable = t.cpas_id == cpas_id
    context = {
        "form": form,
        "types": types,
        "lieux": Lieu.objects.filter(cpas_id=cpas_id).order_by("-actif", "nom"),
        "canaux_par_defaut": [str(libelles[c]) for c in instance.canaux if c in libelles],
    }
    return render(request, "rendezvous/parametres.html", context)


@admin_requis
def canaux_du_type(request, type_pk):
    cpas_id = _cpas_id(request)
    type_rdv = get_object_or_404(TypeRendezVous.objects.pour_cpas(cpas_id), pk=type_pk)
    existant = CanauxDuType.objects.filter(cpas_id=cpas_id, type=type_rdv).first()
    initial = {"par_defaut": existant is None, "canaux": existant.canaux if existant else []}
    form = CanauxDuTypeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["par_defaut"]:
            CanauxDuType.objects.filter(cpas_id=cpas_id, type=type_rdv).delete()
        else:
            CanauxDuType.objects.update_or_create(
                cpas_id=cpas_id, type=type_rdv, defaults={"canaux": form.cleaned_data["canaux"]}
            )
        messages.success(
            request, _("Canaux du type « %(type)s » enregistrés.") % {"type": type_rdv.libelle}
        )
        return redirect("rendezvous:parametres")
    return render(
        request, "rendezvous/parametres_form.html",
        {"form": form, "titre": _("Canaux : %(type)s") % {"type": type_rdv.libelle}},
    )  # fmt: skip


def _formulaire(request, form, titre, apres):
    """Save ``form`` (its instance carries the CPAS), constraint violations as messages."""
    if request.method == "POST" and form.is_valid():
        try:
            enregistrer(form.save(commit=False))
        except ValidationError as erreur:
            ajouter_au_formulaire(form, erreur)
        else:
            messages.success(request, apres)
            return redirect("rendezvous:parametres")
    return render(request, "rendezvous/parametres_form.html", {"form": form, "titre": titre})


@admin_requis
def lieu(request, lieu_pk=None):
    cpas_id = _cpas_id(request)
    if lieu_pk is None:
        instance, titre = Lieu(cpas_id=cpas_id), _("Nouveau lieu")
    else:
        instance = get_object_or_404(Lieu, cpas_id=cpas_id, pk=lieu_pk)
        titre = _("Lieu : %(nom)s") % {"nom": instance.nom}
    form = LieuForm(request.POST or None, instance=instance)
    return _formulaire(request, form, titre, _("Lieu enregistré."))


def _code_libre(cpas_id, libelle: str) -> str:
    """A code for a CPAS's own entry (codes are unique across every CPAS)."""
    base = f"c{cpas_id}-{slugify(libelle)}"[:34].rstrip("-") or f"c{cpas_id}"
    code, n = base, 1
    while TypeRendezVous.objects.filter(code=code).exists():
        n += 1
        code = f"{base}-{n}"
    return code


@admin_requis
def type_rdv(request, type_pk=None):
    cpas_id = _cpas_id(request)
    if type_pk is None:
        instance, titre = TypeRendezVous(cpas_id=cpas_id), _("Nouveau type de rendez-vous")
    else:
        # Only the CPAS's own entries: a shared one is not editable here (404 like any object
        # the user may not change).
        instance = get_object_or_404(TypeRendezVous, cpas_id=cpas_id, pk=type_pk)
        titre = _("Type de rendez-vous : %(libelle)s") % {"libelle": instance.libelle}
    form = TypeRendezVousForm(request.POST or None, instance=instance, cpas=cpas_id)
    if request.method == "POST" and form.is_valid() and not instance.code:
        instance.code = _code_libre(cpas_id, form.cleaned_data["libelle_fr"])
    return _formulaire(request, form, titre, _("Type de rendez-vous enregistré."))
