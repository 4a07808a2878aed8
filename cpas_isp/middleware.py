import time

from django.conf import settings
from django.utils import translation
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
            from django.urls import reverse

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
            from cpas_isp import deux_facteurs

            if deux_facteurs.verification_requise(user):
                return self._rediriger(request, user, deux_facteurs)
        return self.get_response(request)

    def _rediriger(self, request, user, deux_facteurs):
        from urllib.parse import urlencode

        from django.http import HttpResponse
        from django.shortcuts import redirect
        from django.urls import reverse

        nom = "otp_verifier" if deux_facteurs.appareil_confirme(user) else "otp_activer"
        suivant = request.get_full_path() if request.method == "GET" else reverse("accueil")
        url = f"{reverse(nom)}?{urlencode({'next': suivant})}"
        if getattr(request, "htmx", False):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return redirect(url)


class SessionIdleMiddleware:
    """Idle timeout without writing the session on every request.

    The session keeps a last-seen stamp (seconds since the epoch), refreshed at most once a
    minute: that marks the session modified, so SessionMiddleware saves it (and pushes its
    expiry, SESSION_COOKIE_AGE, forward) then and only then. A logged-in session whose stamp
    is older than ``settings.SESSION_IDLE_TIMEOUT`` seconds is logged out, and the request
    goes on as an anonymous one (pages behind the login send to the login form). Needs
    SessionMiddleware and AuthenticationMiddleware before it.
    """

    KEY = "_vu_le"
    REFRESH_SECONDS = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.contrib.auth import SESSION_KEY as USER_KEY
        from django.contrib.auth import logout

        session = request.session
        if USER_KEY in session:
            now = int(time.time())
            last_seen = session.get(self.KEY)
            if last_seen is not None and now - last_seen > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
            elif last_seen is None or now - last_seen > self.REFRESH_SECONDS:
                session[self.KEY] = now
        return self.get_response(request)
