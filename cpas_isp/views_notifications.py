"""The user's notifications: the bell's panel (htmx), the full list, opening one (marks it read
and follows its link), "mark all read", and the daily digest preference."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cpas_isp import notifications as notif
from cpas_isp import permissions
from cpas_isp.audit.log import journaliser_liste
from cpas_isp.listes import paginer
from cpas_isp.models import User
from cpas_isp.views import role_required

TAILLE_PANNEAU = 8


def _afficher(request, notifications, template, **contexte):
    affichees = notif.pour_affichage(request.user, notifications)
    # Names of people are shown: the access log, as for every list naming people.
    journaliser_liste(
        request,
        [a.notification.personne_id for a in affichees if a.personne],
        objet=_("notifications"),
    )
    return render(
        request,
        template,
        {
            "notifications": affichees,
            "non_lues": notif.compter_non_lues(request.user),
            **contexte,
        },
    )


@role_required(permissions.peut_recevoir_notifications)
def liste(request):
    """The full list (paginated); with htmx, the bell's panel (the latest few)."""
    qs = notif.de_l_utilisateur(request.user).order_by("-cree_le", "-id")
    if request.htmx:
        return _afficher(request, qs[:TAILLE_PANNEAU], "cpas_isp/notifications_panneau.html")
    page = paginer(request, qs)
    return _afficher(request, page.object_list, "cpas_isp/notifications.html", page=page)


@require_POST
@role_required(permissions.peut_recevoir_notifications)
def ouvrir(request, pk):
    """Mark the notification read and go where it points (back to the list when it has no
    link, or when it is about a person the user may no longer see)."""
    notification = get_object_or_404(notif.de_l_utilisateur(request.user), pk=pk)
    notif.marquer_lue(notification)
    affichee = notif.pour_affichage(request.user, [notification])[0]
    if affichee.lien and url_has_allowed_host_and_scheme(
        affichee.lien, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(affichee.lien)
    if affichee.masquee:
        messages.info(
            request, _("Cette notification concerne une personne que vous ne suivez plus.")
        )
    return redirect("notifications")


@require_POST
@role_required(permissions.peut_recevoir_notifications)
def tout_lu(request):
    notif.tout_marquer_lu(request.user)
    if request.htmx:
        qs = notif.de_l_utilisateur(request.user).order_by("-cree_le", "-id")
        return _afficher(request, qs[:TAILLE_PANNEAU], "cpas_isp/notifications_panneau.html")
    messages.success(request, _("Toutes vos notifications sont marquées comme lues."))
    return redirect("notifications")


class PreferencesForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["resume_notifications"]


@role_required(permissions.peut_recevoir_notifications)
def preferences(request):
    form = PreferencesForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Préférences enregistrées."))
        return redirect("notifications_preferences")
    return render(
        request,
        "cpas_isp/notifications_preferences.html",
        {"form": form, "sans_email": not request.user.email},
    )
