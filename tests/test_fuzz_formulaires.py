"""Fuzzing every form of the application: no input, however odd, gives an HTTP 500.

Every URL pattern is taken from the resolver (a new route is covered, or the test fails until
its parameters are known), opened with GET by the first role that may see it, and every form
found on the page is posted again and again with one field at a time replaced by junk: very
long text, a NUL character, emoji, impossible dates, negative and huge numbers, unknown choices.
Query strings of the pages (search boxes, filters) get the same junk. Bad input must get a
message in the page (or a 4xx), never a server error.
"""

from __future__ import annotations

import datetime
import importlib
import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from cpas_isp.models import Role
from partenaires.models import SuggestionPartenaire
from tests.conftest import verifier_session
from tests.rendezvous.factories import invitation_de, lieu, rendez_vous_de, type_propre

pytestmark = pytest.mark.django_db

LONG = "x" * 10_000
NUL = "ab\x00cd"
EMOJI = "🙂👩🏽‍💼🇧🇪"
ENORME = str(10**20)
JUNK_TEXTE = [LONG, NUL]
JUNK_DATE = ["2024-02-30", "31/31/2020", "abc"]
# Python refuses to read a number of more than 4,300 digits (ValueError).
ILLISIBLE = "9" * 5000
JUNK_NOMBRE = ["-1", ENORME, ILLISIBLE]
JUNK_CHOIX = ["n'existe-pas", ENORME, ILLISIBLE]
# "²" is a digit for str.isdigit() but not for int().
JUNK_GET = [NUL, LONG[:3000], "2024-02-30", ENORME, "²", ILLISIBLE, "-1"]

IGNORER = {"admin"}  # the Django admin's own forms (configuration only) are Django's


# --- The world the forms act on -----------------------------------------------------------------


def _listes_de_reference():
    """Data-migration rows, put back when a transactional test flushed them."""
    for module, fonction in [
        ("beneficiaires.migrations.0003_recherche_freins", "charger_freins"),
        ("partenaires.migrations.0002_references_et_planification", "charger"),
        ("trajets.migrations.0003_listes_de_reference", "charger"),
        ("rendezvous.migrations.0002_types_de_rendez_vous", "charger"),
        ("activites.migrations.0002_types_activite", "charger"),
    ]:
        getattr(importlib.import_module(module), fonction)(apps, None)


@pytest.fixture
def monde(cpas_a, make_user):
    from beneficiaires.models import BilanSocioProfessionnel, DroitAide, Frein, FreinBeneficiaire
    from tests.beneficiaires.factories import BeneficiaireFactory
    from tests.partenaires.factories import (
        ComptePartenaireFactory,
        ConventionFactory,
        OrientationFactory,
        ParticipationFactory,
        PartieCpasFactory,
        ProgrammeFactory,
        ServiceFactory,
    )
    from tests.trajets.factories import ContratFactory, EtapeFactory, PassageFactory, PiisFactory
    from trajets.models import ObjectifPiis

    _listes_de_reference()
    aujourd_hui = timezone.localdate()
    agent = make_user(Role.AGENT, cpas_a, cellule="emploi")
    users = {
        "agent": agent,
        "coordinateur": make_user(Role.COORDINATEUR, cpas_a),
        "admin": make_user(Role.ADMIN, cpas_a),
        "directeur": make_user(Role.DIRECTEUR, cpas_a),
        "partenaire": make_user(Role.PARTENAIRE, cpas_a),
    }
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent)
    passage = PassageFactory(beneficiaire=b, phase="emploi", debut=datetime.date(2025, 1, 6))
    droit = DroitAide.objects.create(
        cpas=cpas_a, beneficiaire=b, type="RIS", categorie="isole", debut=datetime.date(2025, 1, 1)
    )
    frein = FreinBeneficiaire.objects.create(
        cpas=cpas_a,
        beneficiaire=b,
        frein=Frein.objects.get(code="mobilite"),
        debut=datetime.date(2025, 1, 1),
        note_par=agent,
    )
    BilanSocioProfessionnel.objects.create(
        cpas=cpas_a, beneficiaire=b, version=1, projet="Magasinier", auteur=agent
    )
    etape = EtapeFactory(
        beneficiaire=b, auteur=agent, prochaine_action="Relancer", echeance=aujourd_hui
    )
    piis = PiisFactory(beneficiaire=b, agent=agent)
    ObjectifPiis.objects.create(cpas=cpas_a, piis=piis, ordre=1, libelle="Obtenir le CESS")
    contrat = ContratFactory(beneficiaire=b, passage=passage)
    service = ServiceFactory()
    ComptePartenaireFactory(user=users["partenaire"], partenaire=service.partenaire)
    orientation = OrientationFactory(
        beneficiaire=b, service=service, agent=agent, statut="envoyee", date_envoi=aujourd_hui
    )
    convention = ConventionFactory(cpas=cpas_a)
    PartieCpasFactory(convention=convention, cpas=cpas_a)
    programme = ProgrammeFactory(cpas=cpas_a)
    participation = ParticipationFactory(programme=programme, beneficiaire=b)
    contact = service.partenaire.contacts.create(nom="Contact", email="c@example.be")
    # The partner's record is managed by this CPAS, so its edit forms are fuzzed too.
    type(service.partenaire).objects.filter(pk=service.partenaire.pk).update(gere_par=cpas_a)
    suggestion = SuggestionPartenaire.objects.create(
        partenaire=service.partenaire, cpas=cpas_a, auteur=users["coordinateur"], texte="Adresse"
    )

    # A collective activity run by the partner, with a session, the person enrolled, a mark and
    # an attestation.
    from activites import services as activites_services
    from tests.activites.factories import ActiviteFactory, SeanceFactory

    activite = ActiviteFactory(
        cpas=cpas_a,
        partenaire=service.partenaire,
        programme=programme,
        numero_projet_fse="FSE+ FUZZ",  # its ESF+ participant form is fuzzed too
    )
    seance = SeanceFactory(activite=activite)
    inscription = activites_services.inscrire(activite, b, agent)
    activites_services.enregistrer_presences(seance, {inscription: ("present", None)}, agent)
    attestation = activites_services.emettre_attestation(inscription, "presence", agent)

    # Objects that exist only once a page made them (import batch, evaluation, report).
    admin = Client()
    admin.force_login(users["admin"])
    verifier_session(admin, users["admin"])
    admin.post(
        "/beneficiaires/import/",
        {
            "type": "beneficiaires",
            "fichier": SimpleUploadedFile("d.csv", b"niss;nom;prenom\n85073003328;Dupont;Jean\n"),
        },
    )
    from beneficiaires.models import LotImport
    from rapports.models import RapportMensuel
    from trajets.models import EvaluationPiis

    def premier(model):
        obj = model.objects.order_by("pk").first()
        return obj.pk if obj else 0

    from tests.documents.factories import deposer

    document = deposer(b, agent)  # no scanner here: kept as "not scanned"
    from cpas_isp.models import NatureNotification, Notification
    from cpas_isp.notifications import notifier

    notifier(
        [agent],
        NatureNotification.ORIENTATION_REPONSE,
        cpas=cpas_a,
        objet=orientation,
        personne_id=b.pk,
        lien=f"/partenaires/orientations/{orientation.pk}/",
    )
    notification = Notification.objects.get(destinataire=agent)

    # Route parameter -> value; for "pk" the first rule whose text is in the route wins.
    pk_par_route = [
        ("notifications/", lambda: notification.pk),
        ("documents/personne/", lambda: b.pk),
        ("documents/", lambda: document.pk),
        ("beneficiaires/import/", lambda: premier(LotImport)),
        ("rapports/mensuels/", lambda: premier(RapportMensuel)),
        ("orientations/", lambda: orientation.pk),
        ("portail/", lambda: orientation.pk),
        ("conventions/", lambda: convention.pk),
        ("participants/<int:pk>", lambda: participation.pk),
        ("programmes/", lambda: programme.pk),
        ("services/<int:pk>", lambda: service.pk),
        ("contacts/<int:pk>", lambda: contact.pk),
        ("partenaires/", lambda: service.partenaire.pk),
        ("beneficiaires/", lambda: b.pk),
        ("trajets/personne/", lambda: b.pk),
        ("rendezvous/personne/", lambda: b.pk),
        ("activites/personne/", lambda: b.pk),
        ("activites/attestation/", lambda: attestation.pk),
        ("activites/", lambda: activite.pk),
        ("rendezvous/invitation/", lambda: invitation_de(b, agent)[0].pk),
    ]
    valeurs = {
        "droit_pk": lambda: droit.pk,
        "suggestion_pk": lambda: suggestion.pk,
        "frein_pk": lambda: frein.pk,
        "partenaire_pk": lambda: service.partenaire.pk,
        "programme_pk": lambda: programme.pk,
        "etape_pk": lambda: etape.pk,
        "passage_pk": lambda: passage.pk,
        "piis_pk": lambda: piis.pk,
        "evaluation_pk": lambda: premier(EvaluationPiis),
        "contrat_pk": lambda: contrat.pk,
        "orientation_pk": lambda: orientation.pk,
        "agenda_pk": lambda: rendez_vous_de(b, agent).agenda_id,
        "rdv_pk": lambda: rendez_vous_de(b, agent).pk,
        "beneficiaire_pk": lambda: b.pk,
        "seance_pk": lambda: seance.pk,
        "inscription_pk": lambda: inscription.pk,
        "type_pk": lambda: type_propre(cpas_a).pk,
        "lieu_pk": lambda: lieu(cpas_a).pk,
        # The booking page's token (an unknown one for the calendar feed: it answers 404).
        "jeton": lambda: invitation_de(b, agent)[1],
        "quelle": lambda: "a-convoquer",
        "code": lambda: "emploi",
        "table": lambda: "participation",
        "format": lambda: "csv",
        # The person page's tab (the timeline's: its filters form).
        "onglet": lambda: "parcours",
    }
    return users, pk_par_route, valeurs


# --- Routes -------------------------------------------------------------------------------------


def _routes(patterns=None, prefixe=""):
    for p in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(p, URLResolver):
            if p.app_name in IGNORER or p.namespace in IGNORER:
                continue
            yield from _routes(p.url_patterns, prefixe + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefixe + str(p.pattern), p.name


def _url(route, pk_par_route, valeurs):
    def remplacer(m):
        nom = m.group(1)
        if nom == "pk":
            for debut, valeur in pk_par_route:
                if debut in route[: route.index(m.group(0)) + len(m.group(0))]:
                    return str(valeur())
            raise KeyError(f"{route}: which object is <pk>?")
        if nom not in valeurs:
            raise KeyError(f"{route}: unknown parameter <{nom}>")
        return str(valeurs[nom]())

    chemin = re.sub(r"<(?:\w+:)?(\w+)>", remplacer, route)
    return "/" + chemin.lstrip("^").rstrip("$")


# --- Forms in a page ----------------------------------------------------------------------------


class _Formulaires(HTMLParser):
    def __init__(self):
        super().__init__()
        self.formulaires = []
        self._courant = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._courant = {
                "method": (a.get("method") or "get").lower(),
                "action": a.get("hx-post") or a.get("action") or "",
                "champs": [],
            }
            self.formulaires.append(self._courant)
        elif self._courant is None:
            return
        elif tag == "input" and a.get("name"):
            type_ = (a.get("type") or "text").lower()
            if type_ in ("submit", "button", "image", "reset"):
                if a.get("value") is not None:
                    self._courant["champs"].append((a["name"], "bouton", a.get("value"), []))
                return
            if type_ in ("checkbox", "radio") and "checked" not in a:
                valeur = None
            else:
                valeur = a.get("value", "")
            self._courant["champs"].append((a["name"], type_, valeur, []))
        elif tag == "button" and a.get("name"):
            self._courant["champs"].append((a["name"], "bouton", a.get("value", ""), []))
        elif tag == "select" and a.get("name"):
            self._select = [a["name"], "select", None, []]
            self._courant["champs"].append(self._select)
        elif tag == "option" and self._select is not None:
            valeur = a.get("value", "")
            self._select[3].append(valeur)
            if "selected" in a or self._select[2] is None:
                self._select[2] = valeur
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], "textarea", "", []]
            self._courant["champs"].append(self._textarea)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[2] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._courant = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _plausible(nom, type_, valeur, options):
    """A value that lets the rest of the form validate, so junk in one field reaches as deep
    as it can (services, database)."""
    if valeur not in (None, ""):
        return valeur
    if type_ == "select":
        return next((o for o in options if o), "")
    if type_ == "date" or re.search(r"date|debut|fin|echeance|jour", nom):
        return datetime.date.today().isoformat()
    if type_ == "number":
        return "1"
    if type_ == "email":
        return "test@example.be"
    if type_ in ("checkbox", "radio", "file"):
        return None
    return "Texte"


def _junk(nom, type_):
    if type_ in ("checkbox", "radio"):
        return [NUL]
    if type_ == "select":
        return JUNK_CHOIX
    if type_ == "date" or re.search(r"(^|_)(date|debut|fin|echeance|du|au|mois)($|_)", nom):
        return JUNK_DATE
    if type_ == "number" or re.search(r"heures|nombre|nb_|places|budget|montant|taux", nom):
        return JUNK_NOMBRE
    return JUNK_TEXTE


def _donnees(champs):
    data = {}
    for nom, type_, valeur, options in champs:
        if type_ == "bouton":
            continue
        v = _plausible(nom, type_, valeur, options)
        if v is not None:
            data.setdefault(nom, v)
    return data


# --- The test -----------------------------------------------------------------------------------

ROLES = ["agent", "coordinateur", "admin", "directeur", "partenaire", None]


def test_no_form_input_gives_a_server_error(monde):
    users, pk_par_route, valeurs = monde
    clients = {}
    for role in ROLES:
        clients[role] = Client()
        if role:
            clients[role].force_login(users[role])
            verifier_session(clients[role], users[role])

    erreurs = []

    def appel(role, methode, url, data=None, **extra):
        try:
            response = getattr(clients[role], methode)(url, data or {}, **extra)
        except Exception as exc:  # the test client re-raises the view's exception
            erreurs.append(f"{methode.upper()} {url} as {role} {_apercu(data)}: {exc!r:.300}")
            return None
        if response.status_code >= 500:
            erreurs.append(
                f"{methode.upper()} {url} as {role} {_apercu(data)}: {response.status_code}"
            )
        return response

    formulaires = {}
    pages_get = {}
    routes = list(_routes())
    assert len(routes) > 50
    for route, _nom in routes:
        url = _url(route, pk_par_route, valeurs)
        for role in ROLES:
            response = appel(role, "get", url)
            if response is None or response.status_code != 200:
                continue
            if "text/html" not in response.get("Content-Type", ""):
                break
            parser = _Formulaires()
            parser.feed(response.content.decode())
            for form in parser.formulaires:
                action = urljoin(url, form["action"]) if form["action"] else url
                action = urlsplit(action).path
                cle = (form["method"], action, tuple(sorted(c[0] for c in form["champs"])))
                if form["method"] == "post":
                    formulaires.setdefault(cle, (role, form["champs"]))
                else:
                    pages_get.setdefault(cle, (role, form["champs"]))
            pages_get.setdefault(("get", url, ()), (role, []))
            break
        # The address with its numbers past any key (beyond a bigint), as each role, GET
        # and POST: a 404 (or a 4xx of the role), never a server error.
        if re.search(r"/\d+/", url):
            for enorme in (str(2**63), str(10**30)):
                url_enorme = re.sub(r"/\d+/", f"/{enorme}/", url)
                for role in ROLES:
                    appel(role, "get", url_enorme)
                    appel(role, "post", url_enorme)

    # Junk in query strings: each field of each search/filter form; common parameters on
    # every other page.
    for (_m, url, _noms), (role, champs) in pages_get.items():
        if not champs:
            appel(role, "get", url, {"q": NUL, "page": ENORME, "tri": NUL, "du": "2024-02-30"})
            appel(role, "get", url, {"q": "²", "type": "²", "filtre": "²", "statut": "²"})
            continue
        base = _donnees(champs)
        for nom in sorted({c[0] for c in champs if c[1] != "bouton"} | {"page"}):
            for junk in JUNK_GET:
                appel(role, "get", url, {**base, nom: junk})

    # Junk in posted forms: one field at a time (so that the others let the form reach the
    # services and the database), and emoji in every text field at once.
    postes = 0
    for (_m, action, _noms), (role, champs) in formulaires.items():
        if action == reverse("logout"):  # would end the session of the role's client
            continue
        base = _donnees(champs)
        boutons = [(n, v) for n, t, v, _o in champs if t == "bouton"] or [(None, None)]
        bouton = {boutons[0][0]: boutons[0][1]} if boutons[0][0] else {}
        textes = {}
        for nom, type_, _valeur, _options in champs:
            if type_ == "bouton":
                continue
            if type_ in ("text", "textarea", "search", "email", "tel", "url"):
                textes[nom] = EMOJI
            for junk in _junk(nom, type_):
                if type_ == "file":
                    junk = SimpleUploadedFile("x.csv", ("niss;nom;prenom\n" + junk).encode())
                appel(role, "post", action, {**base, nom: junk, **bouton})
                postes += 1
        if textes:
            appel(role, "post", action, {**base, **textes, **bouton})
        for nom, valeur in boutons[1:]:  # every other action button, plausible values
            appel(role, "post", action, {**base, nom: valeur})
    print(f"{len(routes)} routes, {len(formulaires)} forms, {postes} junk posts")
    if erreurs:
        print("\n".join(erreurs))
    assert len(formulaires) > 20 and postes > 200
    assert erreurs == []


def _apercu(data):
    if not data:
        return ""
    return {k: (v[:20] + "…" if isinstance(v, str) and len(v) > 20 else v) for k, v in data.items()}
