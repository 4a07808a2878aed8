from django.conf import settings
from django.contrib import messages
from django.http import QueryDict
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from pghistory.middleware import HistoryMiddleware

from cpas_isp.audit import client_ip
from cpas_isp.tenancy import SESSION_KEY, activate, active_memberships


class UserLanguageMiddleware:
    """Without an explicit choice (language cookie), speak the user's preferred language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
            and user.langue
        ):
            translation.activate(user.langue)
            request.LANGUAGE_CODE = user.langue
        return self.get_response(request)


class CurrentCpasMiddleware:
    """Puts the current CPAS (kept in the session) on ``request.cpas`` and ``request.membership``.

    A CPAS id left in the session for a membership that was since deactivated falls back to
    the user's first active membership.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.cpas = None
        request.membership = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            membership = None
            wanted = request.session.get(SESSION_KEY)
            if wanted is not None:
                membership = activate(user, wanted)
            if membership is None:
                first = active_memberships(user).first()
                membership = activate(user, first.cpas_id) if first else None
                if membership is not None:
                    request.session[SESSION_KEY] = membership.cpas_id
                else:
                    user._membership_courante = None
            request.membership = membership
            request.cpas = membership.cpas if membership else None
        return self.get_response(request)


class AuditContextMiddleware(HistoryMiddleware):
    """Attach who, from where and in which CPAS to every change a request makes (pghistory)."""

    def get_context(self, request):
        context = super().get_context(request)
        context["ip"] = client_ip(request)
        context["cpas"] = request.cpas.pk if getattr(request, "cpas", None) else None
        return context


class SecurityHeadersMiddleware:
    """``Permissions-Policy`` on every response, and pages for a signed-in user are never
    stored by the browser or a proxy (``Cache-Control: no-store``): they show personal data.

    A view that chose its own ``Cache-Control`` keeps it; static files are served before this
    middleware (WhiteNoise) and stay cacheable.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response


class NulCharacterMiddleware:
    """A NUL character in a query string (search box, filters...) is removed, with a message,
    before any view sees it: PostgreSQL cannot compare a text with it (the request would fail).
    Forms already refuse it in posted fields with a field error
    (``ProhibitNullCharactersValidator``).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any("\x00" in k or any("\x00" in v for v in vs) for k, vs in request.GET.lists()):
            propre = QueryDict(mutable=True)
            for key, values in request.GET.lists():
                propre.setlist(key.replace("\x00", ""), [v.replace("\x00", "") for v in values])
            propre._mutable = False
            request.GET = propre
            if hasattr(request, "_messages"):
                messages.warning(
                    request, _("Un caractère invalide (caractère nul) a été retiré de la demande.")
                )
        return self.get_response(request)
