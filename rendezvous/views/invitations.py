"""Agent side of invitations and convocations: invite or convene one person (from their page),
the two queues (no first ISP interview yet; "to convene") with bulk invitation, withdrawing an
invitation, and the printed letters (one PDF for a selection)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from beneficiaires.acces import get_beneficiaire_or_404
from beneficiaires.hooks import url_onglet
from beneficiaires.models import Beneficiaire
from cpas_isp.audit import journaliser_acces, journaliser_liste
from cpas_isp.contraintes import ajouter_au_formulaire
from cpas_isp.listes import Tri, paginer
from rendezvous import files, lettres, services_invitations
from rendezvous.forms_invitations import FileFiltreForm, InvitationForm, InvitationGroupeeForm
from rendezvous.hooks import ONGLET
from rendezvous.models import Canal, Invitation, ModeInvitation, NatureEnvoi
from rendezvous.views.agenda import suivi_requis

# Fresh links kept in the session until their letters are printed (then popped): only the
# link's hash is stored in the database, so a letter printed later needs a new link.
CLE_JETONS = "rendezvous_jetons_lettres"


def _garder_jetons(request, jetons: dict) -> None:
    gardes = request.session.get(CLE_JETONS, {})
    gardes.update({str(pk): jeton for pk, jeton in jetons.items()})
    request.session[CLE_JETONS] = dict(list(gardes.items())[-500:])


def _prendre_jetons(request, ids) -> dict:
    gardes = request.session.get(CLE_JETONS, {})
    pris = {int(pk): gardes.pop(pk) for pk in [str(i) for i in ids] if pk in gardes}
    request.session[CLE_JETONS] = gardes
    return pris


def _url_personne(b):
    """The person page's tab of the appointments."""
    return url_onglet(b.pk, ONGLET)


@suivi_requis
def inviter(request, pk):
    """Invite the person to book a slot, or convene them to a free slot."""
    b = get_beneficiaire_or_404(request.user, pk)
    initial = {"mode": ModeInvitation.INVITATION}
    if request.method == "GET":
        # The agenda and kind are re-chosen (GET, htmx) to show the matching free slots.
        for nom in ("mode", "agenda", "type", "lieu"):
            if request.GET.get(nom):
                initial[nom] = request.GET[nom][:40]
    donnees = request.POST if request.method == "POST" else None
    form = InvitationForm(donnees, user=request.user, cpas_id=b.cpas_id, initial=initial)
    # Choosing another agenda or kind reloads the form in place with that agenda's free slots.
    for nom in ("agenda", "type"):
        form.fields[nom].widget.attrs.update(
            {
                "hx-get": reverse("rendezvous:inviter", kwargs={"pk": b.pk}),
                "hx-include": "#form-inviter",
                "hx-target": "#form-inviter",
                "hx-select": "#form-inviter",
                "hx-swap": "outerHTML",
            }
        )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["mode"] == ModeInvitation.CONVOCATION:
                invitation = services_invitations.convoquer(
                    b,
                    data["agenda"],
                    data["type"],
                    data["creneau"],
                    data["canaux"],
                    request.user,
                    lieu=data["lieu"],
                )
                services_invitations.notifier(
                    NatureEnvoi.CONVOCATION,
                    invitation,
                    rendez_vous=invitation.rendez_vous,
                    par=request.user,
                )
                messages.success(request, _("Convocation enregistrée : le rendez-vous est fixé."))
            else:
                invitation, jeton = services_invitations.inviter(
                    b, data["agenda"], data["type"], data["canaux"], request.user
                )
                _garder_jetons(request, {invitation.pk: jeton})
                services_invitations.notifier(
                    NatureEnvoi.INVITATION,
                    invitation,
                    lien=lettres.lien_de_reservation(jeton, request),
                    par=request.user,
                )
                messages.success(
                    request,
                    _("Invitation enregistrée, valable jusqu'au %(date)s.")
                    % {"date": f"{invitation.expire_le:%d/%m/%Y}"},
                )
        except ValidationError as erreur:
            ajouter_au_formulaire(form, erreur)
        else:
            if Canal.LETTRE in data["canaux"]:
                messages.info(
                    request,
                    _("Imprimez la lettre depuis la section « Rendez-vous » de la personne."),
                )
            return redirect(_url_personne(b) + "#rendez-vous")
    journaliser_acces(request, b)
    context = {"form": form, "b": b, "retour": _url_personne(b)}
    if request.htmx and request.method == "GET":
        return render(request, "rendezvous/invitations/_form_inviter.html", context)
    return render(request, "rendezvous/invitations/inviter.html", context)


# --- Queues -------------------------------------------------------------------------------------

FILES = {
    "premier-entretien": (
        files.sans_premier_entretien,
        Tri({"nom": ["nom", "prenom", "pk"], "depuis": ["depuis", "nom", "pk"]}, "depuis"),
    ),
    "a-convoquer": (
        files.a_convoquer,
        Tri({"nom": ["nom", "prenom", "pk"], "depuis": ["declencheur", "nom", "pk"]}, "depuis"),
    ),
}


@suivi_requis
def file(request, quelle):
    """A queue of people to invite or convene, with filters, checkboxes and a bulk invitation."""
    if quelle not in FILES:
        raise Http404
    requete, tri = FILES[quelle]
    filtre = FileFiltreForm(request.GET, user=request.user, cpas_id=request.cpas.pk)
    qs = filtre.filter(requete(request.user))
    qs, cle_tri = tri.appliquer(qs, request)
    page = paginer(request, qs.select_related("referent"))
    journaliser_liste(request, [b.pk for b in page.object_list])
    groupe = InvitationGroupeeForm(
        user=request.user,
        initial={
            "type": _type_par_defaut(request.user, quelle),
            "canaux": [Canal.LETTRE],
        },
    )
    context = {
        "quelle": quelle,
        "page": page,
        "filtre": filtre,
        "tri": cle_tri,
        "groupe": groupe,
    }
    return render(request, "rendezvous/invitations/file.html", context)


def _type_par_defaut(user, quelle):
    from rendezvous.forms_invitations import types_invitables

    code = files.CODE_PREMIER_ENTRETIEN if quelle == "premier-entretien" else "suivi"
    return types_invitables(user).filter(code=code).first()


@suivi_requis
@require_POST
def inviter_groupe(request):
    """Invite every checked person in one transaction; a summary message; the letters of the
    new invitations are ready to print from the result page."""
    form = InvitationGroupeeForm(request.POST, user=request.user)
    retour = request.POST.get("retour", "")
    if not retour.startswith("/") or retour.startswith("//"):
        retour = reverse("rendezvous:file", kwargs={"quelle": "premier-entretien"})
    if not form.is_valid():
        for erreurs in form.errors.values():
            for erreur in erreurs:
                messages.error(request, erreur)
        return redirect(retour)
    data = form.cleaned_data
    personnes = list(
        Beneficiaire.objects.visibles_par(request.user)
        .filter(pk__in=data["beneficiaires"])
        .order_by("nom", "prenom", "pk")
    )
    ignorees = len(data["beneficiaires"]) - len(personnes)
    try:
        with transaction.atomic():
            creees = [
                services_invitations.inviter(
                    b, data["agenda"], data["type"], data["canaux"], request.user
                )
                for b in personnes
            ]
    except ValidationError as erreur:
        messages.error(request, " ".join(erreur.messages))
        return redirect(retour)
    _garder_jetons(request, {inv.pk: jeton for inv, jeton in creees})
    for inv, jeton in creees:
        services_invitations.notifier(
            NatureEnvoi.INVITATION,
            inv,
            lien=lettres.lien_de_reservation(jeton, request),
            par=request.user,
        )
    message = ngettext("%(n)s personne invitée.", "%(n)s personnes invitées.", len(creees)) % {
        "n": len(creees)
    }
    if ignorees:
        message += " " + ngettext(
            "%(n)s personne ignorée (hors de vos dossiers).",
            "%(n)s personnes ignorées (hors de vos dossiers).",
            ignorees,
        ) % {"n": ignorees}
    messages.success(request, message)
    context = {
        "invitations": [inv for inv, _j in creees],
        "lettres": Canal.LETTRE in data["canaux"],
        "retour": retour,
    }
    journaliser_liste(request, [b.pk for b in personnes])
    return render(request, "rendezvous/invitations/groupe_resultat.html", context)


# --- One invitation -----------------------------------------------------------------------------


def _invitation(request, pk) -> Invitation:
    return get_object_or_404(
        Invitation.objects.for_user(request.user).filter(
            beneficiaire__in=Beneficiaire.objects.visibles_par(request.user)
        ),
        pk=pk,
    )


@suivi_requis
@require_POST
def retirer(request, pk):
    """Withdraw a pending invitation (its link stops working)."""
    invitation = _invitation(request, pk)
    try:
        services_invitations.annuler_invitation(invitation)
    except ValidationError as erreur:
        messages.error(request, " ".join(erreur.messages))
    else:
        messages.success(request, _("Invitation retirée : son lien ne fonctionne plus."))
    return redirect(_url_personne(invitation.beneficiaire) + "#rendez-vous")


@suivi_requis
@require_POST
def imprimer(request):
    """One PDF with the letters of the chosen invitations (``invitation`` repeated). A pending
    invitation printed again gets a new link (the previous letter's stops working)."""
    ids = [
        int(v)
        for v in request.POST.getlist("invitation")
        if v.isascii() and v.isdigit() and len(v) < 12
    ]
    invitations = lettres.imprimables(lettres.invitations_imprimables(request.user, ids[:500]))
    if not invitations:
        messages.error(request, _("Aucune lettre à imprimer pour cette sélection."))
        return redirect(reverse("rendezvous:file", kwargs={"quelle": "premier-entretien"}))
    jetons = _prendre_jetons(request, [i.pk for i in invitations])
    pdf = lettres.imprimer(invitations, request.user, jetons=jetons, request=request)
    journaliser_liste(
        request, [i.beneficiaire_id for i in invitations], objet=_("lettres d'invitation")
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    nom = "lettres-rendez-vous.pdf" if len(invitations) > 1 else f"lettre-{invitations[0].pk}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{nom}"'
    return response
