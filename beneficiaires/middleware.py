"""Tells ``beneficiaires.acces`` when a request writes, so that a closed file refuses it in one
place (``acces.verifier_ecriture``) whatever the app of the view."""

from __future__ import annotations

from .acces import ECRITURE

METHODES_LECTURE = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class LectureSeuleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        jeton = ECRITURE.set(False)
        try:
            return self.get_response(request)
        finally:
            ECRITURE.reset(jeton)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method not in METHODES_LECTURE and not getattr(
            view_func, "permis_sur_dossier_cloture", False
        ):
            ECRITURE.set(True)
