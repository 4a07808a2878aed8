"""The person page in tabs: "Dossier" at the page's address, then "Rendez-vous et activités",
"Orientations et documents" and "Parcours" at their own; each shows the file's header and its own
blocks only, under the one need-to-know rule, with the access log written."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cpas_isp.models import JournalAcces, Role
from tests.beneficiaires.factories import BeneficiaireFactory, DroitFactory
from tests.partenaires.factories import OrientationFactory
from tests.rendezvous.factories import moment, planifier
from tests.trajets.factories import EtapeFactory, PassageFactory, PiisFactory

D = datetime.date

# Tab -> the blocks (ids) it shows; every other tab's blocks are absent from it.
BLOCS = {
    "": ["identite", "droits", "freins", "bilan", "trajet", "piis"],
    "rendez-vous/": ["rendez-vous", "activites"],
    "orientations/": ["orientations", "documents"],
    "parcours/": ["parcours"],
}
ONGLETS = ["dossier", "rendez-vous", "orientations", "parcours"]


@pytest.fixture
def dossier(cpas_a, make_user):
    agent = make_user(Role.AGENT, cpas_a, cellule="emploi")
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent, nom="Onglet", prenom="Olga")
    DroitFactory(beneficiaire=b)
    PassageFactory(beneficiaire=b, phase="emploi", debut=D(2024, 1, 1))
    EtapeFactory(beneficiaire=b, auteur=agent, note="Entretien de bilan")
    PiisFactory(beneficiaire=b, agent=agent)
    OrientationFactory(beneficiaire=b, agent=agent, motif="Formation horeca")
    demain = timezone.localdate() + datetime.timedelta(days=1)
    planifier(agent, b, moment(demain, "10:00"))
    return agent, b


def _ids(html: str) -> set[str]:
    return set(re.findall(r'\bid="([^"]+)"', html))


def _texte_prepare(message: str, nom: str) -> str:
    """The text of the statement ``nom`` prepared within ``message``."""
    debut = message.find(f"PREPARE {nom} AS ")
    if debut < 0:
        return message
    suite = message[debut:]
    fin = re.search(r";\s*(?:PREPARE|EXECUTE|SELECT set_config)\b", suite)
    return suite[: fin.start()] if fin else suite


def test_each_tab_shows_the_header_and_its_own_blocks_only(dossier, client_for):
    agent, b = dossier
    client = client_for(agent)
    tous = {bloc for blocs in BLOCS.values() for bloc in blocs}
    for chemin, blocs in BLOCS.items():
        response = client.get(f"/beneficiaires/{b.pk}/{chemin}")
        assert response.status_code == 200, chemin
        html = response.content.decode()
        ids = _ids(html)
        # The header on every tab: the name, who follows the file, the action buttons.
        assert {"nom-personne", "suivi", "actions", "onglets-fiche"} <= ids, chemin
        assert "ONGLET Olga" in html
        assert set(blocs) <= ids, (chemin, set(blocs) - ids)
        assert not (tous - set(blocs)) & ids, (chemin, (tous - set(blocs)) & ids)


def test_the_tabs_are_links_the_shown_one_marked_current_and_named_in_the_title(
    dossier, client_for
):
    agent, b = dossier
    client = client_for(agent)
    titres = set()
    for onglet, chemin in zip(ONGLETS, BLOCS, strict=True):
        html = client.get(f"/beneficiaires/{b.pk}/{chemin}").content.decode()
        debut = html.index('id="onglets-fiche"')
        nav = html[debut : html.index("</nav>", debut)]
        liens = re.findall(r'<a class="nav-link[^"]*" href="([^"]+)" id="onglet-([\w-]+)"', nav)
        assert [cle for _url, cle in liens] == ONGLETS
        assert [url for url, _cle in liens] == [f"/beneficiaires/{b.pk}/{c}" for c in BLOCS]
        courants = re.findall(r'id="onglet-([\w-]+)" aria-current="page"', nav)
        assert courants == [onglet]
        titres.add(re.search(r"<title>(.*?)</title>", html, re.S).group(1))
    assert len(titres) == len(ONGLETS)  # each tab its own page title


def test_the_tabs_speak_dutch(dossier, client_for):
    agent, b = dossier
    agent.langue = "nl"
    agent.save(update_fields=["langue"])
    html = client_for(agent).get(f"/beneficiaires/{b.pk}/rendez-vous/").content.decode()
    for libelle in ("Afspraken en activiteiten", "Doorverwijzingen en documenten", "Traject"):
        assert libelle in html
    assert 'aria-label="Onderdelen van het dossier"' in html


def test_only_the_shown_tab_reads_its_lists(dossier, client_for):
    """The appointments are read on their tab and the timeline's, not on "Dossier"'s; the
    referrals on theirs and the timeline's (a column each list reads: the page's query of the
    person asks whether each list has rows)."""
    agent, b = dossier
    client = client_for(agent)
    client.get(f"/beneficiaires/{b.pk}/")  # statements prepared on the connection
    for chemin in BLOCS:
        client.get(f"/beneficiaires/{b.pk}/{chemin}")
    # Prepared statements are executed by name: look for their text where PostgreSQL keeps it
    # (the whole message that prepared it, with the other statements of that round trip: the
    # PREPARE's own text only).
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, statement FROM pg_prepared_statements")
        textes = {nom: _texte_prepare(message, nom) for nom, message in cursor.fetchall()}

    def lit_prepare(chemin, table):
        with CaptureQueriesContext(connection) as requetes:
            assert client.get(f"/beneficiaires/{b.pk}/{chemin}").status_code == 200
        sql = " ".join(q["sql"] for q in requetes.captured_queries)
        noms = set(re.findall(r"EXECUTE (\w+)", sql))
        return table in sql or any(table in textes.get(n, "") for n in noms)

    assert not lit_prepare("", '"rendezvous_rendezvous"."debut"')
    assert lit_prepare("rendez-vous/", '"rendezvous_rendezvous"."debut"')
    assert lit_prepare("parcours/", '"rendezvous_rendezvous"."debut"')
    assert not lit_prepare("", '"partenaires_orientation"."motif"')
    assert lit_prepare("orientations/", '"partenaires_orientation"."motif"')
    assert not lit_prepare("rendez-vous/", '"partenaires_orientation"."motif"')


def test_every_tab_is_a_404_outside_need_to_know_and_an_unknown_tab_too(
    dossier, cpas_b, make_user, client_for
):
    agent, b = dossier
    ailleurs = client_for(make_user(Role.COORDINATEUR, cpas_b))
    partenaire = client_for(make_user(Role.PARTENAIRE, b.cpas))
    for chemin in BLOCS:
        url = f"/beneficiaires/{b.pk}/{chemin}"
        assert ailleurs.get(url).status_code == 404, url
        assert partenaire.get(url).status_code in (403, 404), url
    client = client_for(agent)
    for chemin in ("inconnu/", "dossier/", "Parcours/", "parcours%00/"):
        assert client.get(f"/beneficiaires/{b.pk}/{chemin}").status_code == 404, chemin
    # Another CPAS's person through a tab's address.
    autre = BeneficiaireFactory(cpas=cpas_b)
    assert client.get(f"/beneficiaires/{autre.pk}/parcours/").status_code == 404


def test_every_tab_writes_the_access_log(dossier, client_for):
    agent, b = dossier
    client = client_for(agent)
    for chemin in BLOCS:
        avant = JournalAcces.objects.count()
        client.get(f"/beneficiaires/{b.pk}/{chemin}")
        ligne = JournalAcces.objects.order_by("-pk").first()
        assert JournalAcces.objects.count() == avant + 1, chemin
        assert ligne.personnes == [b.pk]
        assert ligne.page == f"/beneficiaires/{b.pk}/{chemin}"
