"""Base view helpers every app uses, and the core pages: home, CPAS switcher, language,
audit trail of the CPAS."""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cpas_isp import accueil as accueil_
from cpas_isp import permissions
from cpas_isp.context_processors import lecture_cloche
from cpas_isp.tenancy import SESSION_KEY, activate, current_membership


def _check(user, predicate):
    if current_membership(user) is None:
        raise PermissionDenied(_("Vous n'avez aucun rôle actif dans un CPAS."))
    if predicate is not None and not predicate(user):
        if permissions.est_partenaire(user):
            # A partner organisation's user does not even learn that the page exists.
            raise Http404
        raise PermissionDenied(_("Votre rôle ne donne pas accès à cette page."))


def role_required(predicate=permissions.est_membre):
    """Function-view decorator: logged in, an active membership, and ``predicate(user)``."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            _check(request.user, predicate)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def safe_next(request, fallback="accueil"):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None if fallback is None else redirect(fallback).url


def accessibilite(request):
    """The accessibility statement the EU Web Accessibility Directive requires: public (linked
    from every page's footer, the login page included)."""
    membership = current_membership(request.user) if request.user.is_authenticated else None
    return render(
        request,
        "cpas_isp/accessibilite.html",
        {
            "contact": settings.ACCESSIBILITE_CONTACT,
            "cpas_contact": getattr(membership, "cpas", None),
        },
    )


@login_required
def accueil(request):
    membership = current_membership(request.user)
    if membership is not None:
        # The cards' figures and the bell's count in one round trip, before the template
        # meets them (``cpas_isp.accueil``).
        accueil_.precharger(request, lecture_cloche(request))
    return render(request, "cpas_isp/accueil.html", {"membership": membership})


@require_POST
@login_required
def changer_cpas(request):
    try:
        cpas_id = int(request.POST.get("cpas", ""))
    except ValueError:
        cpas_id = None
    membership = activate(request.user, cpas_id) if cpas_id else None
    if membership is None:
        messages.error(request, _("Vous n'avez pas de rôle actif dans ce CPAS."))
        return redirect("accueil")
    request.session[SESSION_KEY] = membership.cpas_id
    messages.success(
        request, _("Vous travaillez maintenant pour le %(cpas)s.") % {"cpas": membership.cpas}
    )
    # Pages of the previous CPAS would answer 404: go home.
    return redirect("accueil")


@require_POST
def changer_langue(request):
    """Switch the interface language and remember it on the user's profile."""
    langue = request.POST.get("language", "")
    target = safe_next(request)
    response = HttpResponseRedirect(target)
    if langue in dict(settings.LANGUAGES) and check_for_language(langue):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            langue,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
        if request.user.is_authenticated and request.user.langue != langue:
            request.user.langue = langue
            request.user.save(update_fields=["langue"])
    return response
