"""``/sante/``: a tiny health check for a logged-in session (monitoring behind the login, a
script checking its session is still alive). It does no work beyond what every page does
(session, user, current CPAS), which makes it the benchmarks' logged-in floor
(benchmarks/bench_pages.py)."""

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.views.decorators.http import require_GET


@require_GET
@login_required
def sante(request):
    cpas = getattr(request, "cpas", None)
    return JsonResponse(
        {
            "statut": "ok",
            "utilisateur": request.user.get_username(),
            "cpas": cpas.code if cpas is not None else None,
        }
    )
