"""The person page's ``{% fige %}`` (constant markup rendered once per language,
``cpas_isp/templatetags/fige.py``) changes nothing: a file with a row in every list of its
sections, in French and in Dutch, for its referent and for a coordinator, is the same HTML on
every tab of the page as with the same templates whose ``fige`` tags are removed (rendered on
every view). (Here, not
in tests/beneficiaires, whose tests set the later apps' sections aside.)"""

import datetime
import re

import pytest
from django.conf import settings as django_settings
from django.template import Context, Template, TemplateSyntaxError
from django.test import override_settings
from django.utils import translation

from cpas_isp.models import Role
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.rapports.test_fige import _templates_sans_fige
from tests.trajets.factories import PassageFactory
from tests.trajets.test_fiche_requetes import _remplir, _une_ligne_de_chaque_liste

D = datetime.date
# The tabs of the person page (their path after /beneficiaires/<pk>/; "Dossier": none) and
# what each shows of the full file below: its sections, the timeline.
CONTENUS = {
    "": ('id="identite"', 'id="trajet"', 'id="piis"', 'id="article60"'),
    "rendez-vous/": ('id="rendez-vous"', 'id="activites"'),
    "orientations/": ('id="orientations"', 'id="documents"'),
    "parcours/": ('id="parcours"', "Relancer"),
}
ONGLETS = tuple(CONTENUS)
CSRF = re.compile(r'"X-CSRFToken": "[^"]*"|name="csrfmiddlewaretoken" value="[^"]*"')


def _page(client, url):
    reponse = client.get(url)
    assert reponse.status_code == 200
    return CSRF.sub("", reponse.content.decode())


@pytest.mark.parametrize("langue", ["fr", "nl"])
def test_person_page_is_the_same_html_without_its_frozen_markup(
    cpas_a, make_user, client_for, settings, langue
):
    agent = make_user(Role.AGENT, cpas_a, cellule="emploi")
    coordinateur = make_user(Role.COORDINATEUR, cpas_a)
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent)
    PassageFactory(beneficiaire=b, phase="facilitateur", debut=D(2023, 1, 1), fin=D(2023, 12, 31))
    PassageFactory(beneficiaire=b, phase="emploi", debut=D(2024, 1, 1))
    _remplir(b, agent, 3)
    _une_ligne_de_chaque_liste(b, agent, settings)
    ferme = BeneficiaireFactory(cpas=cpas_a, referent=agent, date_cloture=D(2024, 6, 1))
    for user in (agent, coordinateur):
        client = client_for(user)
        client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = langue
        for url, attendus in (
            *((f"/beneficiaires/{b.pk}/{onglet}", CONTENUS[onglet]) for onglet in ONGLETS),
            (f"/beneficiaires/{b.pk}/parcours/?filtre=1&offert=etape&offert=piis&quoi=etape", ()),
            *((f"/beneficiaires/{ferme.pk}/{onglet}", ()) for onglet in ONGLETS),
        ):
            client.get(url)  # first page of the session
            avec = _page(client, url)
            avec_encore = _page(client, url)  # the frozen markup reused
            with override_settings(TEMPLATES=_templates_sans_fige()):
                sans = _page(client, url)
            assert avec == avec_encore == sans, url
            assert f'<html lang="{langue}"' in avec
            if user == agent:  # the referent: every section and the timeline
                for attendu in attendus:
                    assert attendu in avec, (url, attendu)
                if "Relancer" in attendus:
                    assert avec.count("Relancer") >= 3, url  # the three steps' next actions


def test_fige_is_in_cpas_isp_and_refuses_what_would_be_frozen_with_its_first_value():
    gabarit = Template(
        '{% load i18n fige %}{% fige %}<b>{% translate "Nationalité" %}</b>{% endfige %}'
    )
    for langue, attendu in (("fr", "<b>Nationalité</b>"), ("nl", "<b>Nationaliteit</b>")) * 2:
        with translation.override(langue):
            assert gabarit.render(Context()) == attendu
    for interdit in ("{{ x }}", "{% if x %}a{% endif %}", '{% translate "a" as t %}'):
        with pytest.raises(TemplateSyntaxError):
            Template("{% load i18n fige %}{% fige %}" + interdit + "{% endfige %}")
