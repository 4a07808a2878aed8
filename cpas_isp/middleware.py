import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY as USER_KEY
from django.contrib.auth import logout
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from pghistory.middleware import HistoryMiddleware

from cpas_isp import deux_facteurs
from cpas_isp.audit.log import client_ip
from cpas_isp.tenancy import SESSION_KEY, activate, active_memberships, deballer


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
        if user is not None:
            # The user object itself from here on, not the authentication and two-factor
            # middlewares' lazy wrappers (one inside the other): every attribute read through
            # them (permission checks, the memberships' memo) cost two proxies, ~1,700
            # wrapper calls on the person page.
            user = request.user = deballer(user)
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


class DoubleAuthentificationMiddleware:
    """A logged-in user who must give a one-time code (cpas_isp/deux_facteurs.py) and has not
    yet is sent to the code page, or to the enrolment page without an authenticator, from every
    page but those pages, logout, the language switch and static files. Needs django-otp's
    OTPMiddleware (``user.is_verified``) before it."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._libres = None

    def _chemins_libres(self):
        if self._libres is None:
            self._libres = (
                reverse("otp_verifier"),
                reverse("logout"),
                reverse("admin:logout"),
                reverse("changer_langue"),
                settings.STATIC_URL,
            )
        return self._libres

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.is_verified()
            and not request.path_info.startswith(self._chemins_libres())
        ):
            if deux_facteurs.verification_requise(user):
                return self._rediriger(request, user, deux_facteurs)
        return self.get_response(request)

    def _rediriger(self, request, user, deux_facteurs):
        nom = "otp_verifier" if deux_facteurs.appareil_confirme(user) else "otp_activer"
        suivant = request.get_full_path() if request.method == "GET" else reverse("accueil")
        url = f"{reverse(nom)}?{urlencode({'next': suivant})}"
        if getattr(request, "htmx", False):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return redirect(url)


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


class SessionIdleMiddleware:
    """Idle timeout without writing the session on every request.

    The session keeps a last-seen stamp (seconds since the epoch), refreshed at most once a
    minute: that marks the session modified, so SessionMiddleware saves it (and pushes its
    expiry, SESSION_COOKIE_AGE, forward) then and only then. A logged-in session whose stamp
    is older than ``settings.SESSION_IDLE_TIMEOUT`` seconds is logged out, and the request
    goes on as an anonymous one (pages behind the login send to the login form). Needs
    SessionMiddleware and AuthenticationMiddleware before it.

    It also keeps when the user last wrote (a POST, PUT, PATCH or DELETE answered below 400:
    ``derniere_ecriture``), so that what is kept for a few minutes (a dashboard's figures) is
    computed again for the user who changed something since (they see their own changes).
    """

    KEY = "_vu_le"
    KEY_ECRITURE = "_ecrit_le"
    REFRESH_SECONDS = 60

    @classmethod
    def derniere_ecriture(cls, request) -> float | None:
        """When the user last wrote (seconds since the epoch), None if not in this session."""
        return request.session.get(cls.KEY_ECRITURE)

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        if USER_KEY in session:
            now = int(time.time())
            last_seen = session.get(self.KEY)
            if last_seen is not None and now - last_seen > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
            elif last_seen is None or now - last_seen > self.REFRESH_SECONDS:
                session[self.KEY] = now
        response = self.get_response(request)
        if (
            request.method not in ("GET", "HEAD", "OPTIONS", "TRACE")
            and response.status_code < 400
            and USER_KEY in session
        ):
            session[self.KEY_ECRITURE] = time.time()
        return response
