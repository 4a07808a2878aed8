"""Every URL pattern of the application (read from the resolver, not a hand list) × every role ×
objects of the own CPAS, of another CPAS and of an own-CPAS person out of the user's caseload ×
GET and POST (empty data).

Fails on any HTTP 500, on any 200 that shows the other CPAS's person (name or NISS), on a
200 that shows an agent (or a director) a person out of their caseload, and on a route nobody
classified.

A new route: add one line to ``ROUTES`` in tests/routes.py (route name -> kwargs factory).
"""

from __future__ import annotations

import datetime

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from beneficiaires.models import LotImport
from beneficiaires.niss import format_niss
from cpas_isp.models import Role
from partenaires.models import ContactPartenaire, NotePartenaire, SuggestionPartenaire
from rapports.models import RapportMensuel
from tests.beneficiaires.factories import (
    BeneficiaireFactory,
    DroitFactory,
    FreinBeneficiaireFactory,
)
from tests.conftest import verifier_session
from tests.cpas_isp.factories import CpasFactory, MembershipFactory, UserFactory
from tests.partenaires.factories import (
    ComptePartenaireFactory,
    ConventionFactory,
    OrientationFactory,
    ParticipationFactory,
    PartieCpasFactory,
    ProgrammeFactory,
    ServiceFactory,
)
from tests.routes import ROUTES, routes_applicatives, sans
from tests.trajets.factories import ContratFactory, EtapeFactory, PassageFactory, PiisFactory
from trajets.models import EvaluationPiis

SCOPES = ("own", "hors", "other")
# Roles that must never see the own-CPAS person out of both agents' caseload (the coordinator
# may; the partner sees the referrals sent to them; the functional administrator's audit page
# is checked by its own tests).
ROLES_HORS_DOSSIERS = ("agent_cellule", "agent_sans_cellule", "directeur")
MARQUEUR_AUTRE_CPAS = "Zorglubautrecpas"
MARQUEUR_HORS = "Horsdudossier"


# --- The world -----------------------------------------------------------------------------


def _dossier(cpas, *, nom, referent, phase, agent, partenaire_service, programme):
    """A person with one object of each kind hanging from them."""
    b = BeneficiaireFactory(cpas=cpas, nom=nom, prenom=f"{nom}prenom", referent=referent)
    passage = PassageFactory(beneficiaire=b, phase=phase, debut=datetime.date(2024, 1, 8))
    piis = PiisFactory(beneficiaire=b, agent=agent)
    return {
        "b": b,
        "droit": DroitFactory(beneficiaire=b, cpas=cpas),
        "frein": FreinBeneficiaireFactory(beneficiaire=b, cpas=cpas, note_par=agent),
        "passage": passage,
        "etape": EtapeFactory(
            beneficiaire=b,
            auteur=agent,
            passage=passage,
            prochaine_action="Rappeler",
            echeance=timezone.localdate(),
        ),
        "piis": piis,
        "evaluation": EvaluationPiis.objects.create(
            cpas=cpas, piis=piis, date_prevue=timezone.localdate()
        ),
        "contrat": ContratFactory(
            beneficiaire=b, debut=datetime.date(2023, 1, 2), fin_prevue=datetime.date(2023, 6, 30)
        ),
        "orientation": OrientationFactory(
            beneficiaire=b, cpas=cpas, service=partenaire_service, agent=agent, statut="envoyee"
        ),
        "participation": ParticipationFactory(programme=programme, beneficiaire=b, cpas=cpas),
    }


def _cpas_objets(cpas, user, partenaire):
    service = ServiceFactory(partenaire=partenaire)
    convention = ConventionFactory(cpas=cpas)
    PartieCpasFactory(convention=convention, cpas=cpas)
    NotePartenaire.objects.create(cpas=cpas, partenaire=partenaire, auteur=user, texte="Note")
    return {
        "suggestion": SuggestionPartenaire.objects.create(
            partenaire=partenaire, cpas=cpas, auteur=user, texte="Suggestion"
        ),
        "partenaire": partenaire,
        "service": service,
        "contact": ContactPartenaire.objects.create(partenaire=partenaire, nom="Contact"),
        "convention": convention,
        "programme": ProgrammeFactory(cpas=cpas),
        "rapport": RapportMensuel.objects.create(
            cpas=cpas,
            mois=datetime.date(2026, 1, 1),
            langue="fr",
            demande_par=user,
            demande_le=timezone.now(),
        ),
        "lot": LotImport.objects.create(
            cpas=cpas,
            type="beneficiaires",
            nom_fichier="x.csv",
            contenu=b"niss;nom;prenom\n",
            cree_par=user,
        ),
    }


def creer_monde():
    own = CpasFactory(code="matrice-own", nom="CPAS Matrice")
    other = CpasFactory(code="matrice-other", nom="CPAS Ailleurs")

    def membre(role, cpas, cellule=None, **fields):
        user = UserFactory(**fields)
        if isinstance(cellule, str):
            cellule = cpas.cellules.get(code=cellule)
        MembershipFactory(user=user, cpas=cpas, role=role, cellule=cellule)
        return user

    users = {
        "agent_cellule": membre(Role.AGENT, own, "emploi"),
        "agent_sans_cellule": membre(Role.AGENT, own),
        "coordinateur": membre(Role.COORDINATEUR, own),
        "directeur": membre(Role.DIRECTEUR, own),
        "partenaire": membre(Role.PARTENAIRE, own),
        "admin": membre(Role.ADMIN, own, is_staff=True),
        "anonyme": None,
    }
    coord_other = membre(Role.COORDINATEUR, other)
    partenaire_own = ComptePartenaireFactory(user=users["partenaire"]).partenaire
    w = {"users": users}
    base_own = _cpas_objets(own, users["coordinateur"], partenaire_own)
    base_other = _cpas_objets(other, coord_other, partenaire_own)
    # Own person in the caseload: referred by the agent without cellule, followed by the
    # cellule of the other agent (phase emploi).
    w["own"] = {
        **base_own,
        "cellule": "emploi",
        **_dossier(
            own,
            nom="Dansledossier",
            referent=users["agent_sans_cellule"],
            phase="emploi",
            agent=users["agent_sans_cellule"],
            partenaire_service=base_own["service"],
            programme=base_own["programme"],
        ),
    }
    # Own CPAS, out of both agents' caseload: another referent, another cellule's phase.
    w["hors"] = {
        **base_own,
        "cellule": "alpha",
        **_dossier(
            own,
            nom=MARQUEUR_HORS,
            referent=users["coordinateur"],
            phase="alpha",
            agent=users["coordinateur"],
            partenaire_service=base_own["service"],
            programme=base_own["programme"],
        ),
    }
    # Another CPAS: even sent to the same (shared) partner and programme of the same name.
    w["other"] = {
        **base_other,
        "cellule": "emploi",
        **_dossier(
            other,
            nom=MARQUEUR_AUTRE_CPAS,
            referent=coord_other,
            phase="emploi",
            agent=coord_other,
            partenaire_service=base_own["service"],
            programme=base_other["programme"],
        ),
    }
    b_other = w["other"]["b"]
    w["marqueurs_autre_cpas"] = [MARQUEUR_AUTRE_CPAS, b_other.niss, format_niss(b_other.niss)]
    w["marqueurs_hors"] = [MARQUEUR_HORS, w["hors"]["b"].niss, format_niss(w["hors"]["b"].niss)]
    return w


class _Annuler(Exception):
    def __init__(self, status, body, erreur=None, location=""):
        self.status, self.body, self.erreur, self.location = status, body, erreur, location


def appeler(client, method, url):
    """(status, body, exception, redirect location) of one request; whatever it wrote is
    rolled back."""
    try:
        with transaction.atomic():
            try:
                r = client.get(url) if method == "GET" else client.post(url, {})
                body = b"".join(r.streaming_content) if r.streaming else r.content
            except Exception as exc:  # an unhandled exception is an HTTP 500
                raise _Annuler(500, b"", exc) from exc
            raise _Annuler(r.status_code, body, location=r.get("Location", ""))
    except _Annuler as result:
        return result.status, result.body, result.erreur, result.location


def urls_de(w, name, pattern):
    factory = ROUTES[name]
    if factory is sans:
        return [("-", reverse(name))]
    found = []
    for scope in SCOPES:
        built = factory(w, scope)
        kwargs, query = built if isinstance(built, tuple) else (built, "")
        url = reverse(name, kwargs=kwargs)
        url = f"{url}?{query}" if query else url
        if url not in [u for _s, u in found]:
            found.append((scope, url))
    return found


# --- The tests -----------------------------------------------------------------------------


def test_every_route_is_classified():
    unknown = [name for name, _p in routes_applicatives() if name not in ROUTES]
    assert not unknown, "\n".join(
        f"classify route {name} in tests/routes.py ROUTES" for name in unknown
    )


@pytest.mark.django_db
def test_route_matrix_every_role_every_cpas_get_and_post(settings):
    settings.DEBUG = False
    w = creer_monde()
    clients = {}
    for role, user in w["users"].items():
        client = Client(raise_request_exception=True)
        if user is not None:
            client.force_login(user)
            verifier_session(client, user)  # past the two-factor step where it applies
        clients[role] = client
    failures = []
    statuts = {}
    listes = {}
    refuses = set()  # (route, role, method) refused for the role before any object is read
    login = reverse("login")
    routes = [(name, p) for name, p in routes_applicatives() if name in ROUTES]
    for name, pattern in routes:
        if name == "logout":
            continue  # would end the sessions the other routes use; checked last
        for scope, url in urls_de(w, name, pattern):
            for role, client in clients.items():
                if scope == "hors" and not role.startswith("agent"):
                    continue  # out of caseload only means something for an agent
                for method in ("GET", "POST"):
                    if scope != "own" and (name, role, method) in refuses:
                        # Refused (or sent to the login page) for the role, before any object
                        # is read: the same for every object.
                        continue
                    status, body, erreur, location = appeler(client, method, url)
                    if scope == "own" and (status == 403 or location.startswith(login)):
                        refuses.add((name, role, method))
                    statuts[name, scope, role, method] = status
                    where = f"{method} {url} [{name}, {scope}] as {role}"
                    if status == 403 and scope in ("hors", "other"):
                        if statuts.get((name, "own", role, method), 403) != 403:
                            # Allowed on the own person, refused on this one: that must not
                            # tell the user it exists.
                            failures.append(f"{where}: HTTP 403 where 404 is expected")
                    if status >= 500:
                        failures.append(f"{where}: HTTP {status} {erreur!r}")
                        continue
                    if status != 200:
                        continue
                    text = body.decode("utf-8", "replace")
                    if method == "GET" and name == "beneficiaires:liste":
                        listes[role] = text
                    for marqueur in w["marqueurs_autre_cpas"]:
                        if marqueur in text:
                            failures.append(f"{where}: shows another CPAS's person ({marqueur})")
                    if role in ROLES_HORS_DOSSIERS:
                        for marqueur in w["marqueurs_hors"]:
                            if marqueur in text:
                                failures.append(
                                    f"{where}: shows a person out of the caseload ({marqueur})"
                                )
    # The matrix is only worth something if the pages open for those who may see them.
    for role in ("agent_cellule", "agent_sans_cellule", "coordinateur"):
        for name in ("beneficiaires:detail", "trajets:journal", "partenaires:orientation_detail"):
            if statuts[name, "own", role, "GET"] != 200:
                failures.append(f"GET {name} of the own person as {role}: not 200")
        for name in ("beneficiaires:detail", "trajets:piis_detail"):
            if statuts[name, "other", role, "GET"] != 404:
                failures.append(f"GET {name} of another CPAS as {role}: not 404")
    # ... and if the markers would be seen: the coordinator's caseload names everyone.
    if MARQUEUR_HORS not in listes.get("coordinateur", "") or "Dansledossier" not in listes.get(
        "agent_cellule", ""
    ):
        failures.append("the caseload does not show the markers the matrix looks for")
    for role in ("agent_cellule", "agent_sans_cellule"):
        if statuts["trajets:journal", "hors", role, "GET"] != 404:
            failures.append(f"GET trajets:journal out of the caseload as {role}: not 404")
    for role, client in clients.items():
        status, _body, erreur, _location = appeler(client, "POST", reverse("logout"))
        if status >= 500:
            failures.append(f"POST /logout as {role}: HTTP {status} {erreur!r}")
    assert not failures, f"{len(failures)} failure(s):\n" + "\n".join(failures)


@pytest.mark.django_db
def test_admin_pages_of_every_model_answer_without_error(settings):
    """The Django admin (outside the matrix): changelist, add and change pages, for the CPAS's
    functional administrator (staff) and for a national administrator (superuser)."""
    from django.contrib import admin

    settings.DEBUG = False
    w = creer_monde()
    superuser = UserFactory(is_staff=True, is_superuser=True)
    failures = []
    for user in (w["users"]["admin"], superuser):
        client = Client(raise_request_exception=True)
        client.force_login(user)
        urls = [reverse("admin:index")]
        for model in admin.site._registry:
            info = (model._meta.app_label, model._meta.model_name)
            urls.append(reverse("admin:{}_{}_changelist".format(*info)))
            urls.append(reverse("admin:{}_{}_changelist".format(*info)) + "?q=Zorglub")
            urls.append(reverse("admin:{}_{}_add".format(*info)))
            obj = model._default_manager.first()
            if obj is not None:
                urls.append(reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))
        for url in urls:
            status, _body, erreur, _location = appeler(client, "GET", url)
            if status >= 500:
                failures.append(f"GET {url} as {user.username}: HTTP {status} {erreur!r}")
    assert not failures, "\n".join(failures)
