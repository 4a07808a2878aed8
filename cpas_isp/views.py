"""Base view helpers every app uses, and the core pages: home, CPAS switcher, language,
audit trail of the CPAS."""

from __future__ import annotations

import datetime
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from pghistory.models import MiddlewareEvents

from cpas_isp import permissions
from cpas_isp.models import JournalAcces
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


class RoleRequiredMixin(LoginRequiredMixin):
    """Class-view counterpart of ``role_required``; set ``permission`` to a predicate."""

    permission = staticmethod(permissions.est_membre)

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        _check(request.user, self.permission)
        return super().dispatch(request, *args, **kwargs)


class HtmxTemplateMixin:
    """Render ``partial_template_name`` for htmx requests, the full page otherwise."""

    partial_template_name: str | None = None

    def get_template_names(self):
        if getattr(self.request, "htmx", False) and self.partial_template_name:
            return [self.partial_template_name]
        return super().get_template_names()


def safe_next(request, fallback="accueil"):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None if fallback is None else redirect(fallback).url


@login_required
def accueil(request):
    membership = current_membership(request.user)
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


# --- Audit page ------------------------------------------------------------------------------

PERSON_MODEL = "beneficiaires.Beneficiaire"


def _parse_date(value):
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _audit_filters(request):
    params = request.GET
    return {
        "personne": params.get("personne", "").strip(),
        "utilisateur": params.get("utilisateur", "").strip(),
        "du": _parse_date(params.get("du", "")),
        "au": _parse_date(params.get("au", "")),
        "vue": "consultations" if params.get("vue") == "consultations" else "modifications",
    }


def _events_queryset(cpas, f):
    qs = MiddlewareEvents.objects.filter(
        Q(pgh_data__cpas_id=cpas.pk) | Q(pgh_data__id=cpas.pk, pgh_obj_model="cpas_isp.Cpas")
    ).order_by("-pgh_created_at", "-pgh_id")
    if f["personne"].isdecimal():
        person = int(f["personne"])
        qs = qs.filter(
            Q(pgh_obj_model=PERSON_MODEL, pgh_obj_id=str(person))
            | Q(pgh_data__beneficiaire_id=person)
        )
    if f["utilisateur"].isdecimal():
        qs = qs.filter(pgh_context__user=int(f["utilisateur"]))
    if f["du"]:
        qs = qs.filter(pgh_created_at__date__gte=f["du"])
    if f["au"]:
        qs = qs.filter(pgh_created_at__date__lte=f["au"])
    return qs


def _access_queryset(request, f):
    qs = JournalAcces.objects.for_user(request.user).select_related("user", "content_type")
    if f["personne"].isdecimal():
        app_label, model = PERSON_MODEL.lower().split(".")
        qs = qs.filter(
            content_type__app_label=app_label,
            content_type__model=model,
            object_id=int(f["personne"]),
        )
    if f["utilisateur"].isdecimal():
        qs = qs.filter(user_id=int(f["utilisateur"]))
    if f["du"]:
        qs = qs.filter(quand__date__gte=f["du"])
    if f["au"]:
        qs = qs.filter(quand__date__lte=f["au"])
    return qs


def _stream_csv(filename, header, rows):
    from cpas_isp.exports import reponse_csv

    return reponse_csv(filename, header, rows)


@role_required(permissions.peut_voir_audit)
def audit(request):
    cpas = request.cpas
    f = _audit_filters(request)
    if f["vue"] == "consultations":
        qs = _access_queryset(request, f)
        if request.GET.get("format") == "csv":
            rows = (
                (a.quand.isoformat(), a.user.username, a.objet, a.object_id, a.page, a.ip or "")
                for a in qs.iterator(chunk_size=2000)
            )
            header = [
                _("quand"),
                _("utilisateur"),
                _("dossier"),
                _("identifiant"),
                _("page"),
                _("adresse IP"),
            ]
            return _stream_csv(f"consultations-{cpas.code}.csv", header, rows)
    else:
        qs = _events_queryset(cpas, f)
        if request.GET.get("format") == "csv":
            rows = (
                (
                    e.pgh_created_at.isoformat(),
                    (e.pgh_context or {}).get("user") or "",
                    (e.pgh_context or {}).get("command") or (e.pgh_context or {}).get("url") or "",
                    (e.pgh_context or {}).get("ip") or "",
                    e.pgh_obj_model,
                    e.pgh_obj_id,
                    e.pgh_label,
                    e.pgh_diff or e.pgh_data,
                )
                for e in qs.iterator(chunk_size=2000)
            )
            header = [
                _("quand"),
                _("utilisateur"),
                _("origine"),
                _("adresse IP"),
                _("objet"),
                _("identifiant"),
                _("action"),
                _("changements"),
            ]
            return _stream_csv(f"modifications-{cpas.code}.csv", header, rows)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    users = {}
    if f["vue"] == "modifications":
        from django.contrib.auth import get_user_model

        ids = {(e.pgh_context or {}).get("user") for e in page.object_list} - {None}
        users = {u.pk: u for u in get_user_model().objects.filter(pk__in=ids)}
        for e in page.object_list:
            e.auteur = users.get((e.pgh_context or {}).get("user"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "cpas_isp/audit.html",
        {"page": page, "f": f, "query": query.urlencode()},
    )
