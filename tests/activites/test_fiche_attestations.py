"""The person page's activities (its tab "Rendez-vous et activités"): the enrolments'
attestations are fetched only when some enrolment has one (their query was run for every person
with an enrolment), with the same attestations, newest first, as the plain prefetch."""

from decimal import Decimal

from activites import hooks as activites_hooks
from activites import services
from activites.models import Inscription
from beneficiaires.hooks import url_onglet
from cpas_isp.models import Role
from tests.activites.factories import ActiviteFactory, SeanceFactory
from tests.beneficiaires.factories import BeneficiaireFactory


def _attestations(inscriptions):
    return [(i.pk, [a.pk for a in i.attestations.all()]) for i in inscriptions]


def test_attestations_fetched_only_when_some_enrolment_has_one(
    cpas_a, make_user, client_for, requetes_de_la_page
):
    coord = make_user(Role.COORDINATEUR, cpas_a)
    avec, sans = (BeneficiaireFactory(cpas=cpas_a) for _ in range(2))
    for titre in ("Alpha A1", "Alpha A2"):
        activite = ActiviteFactory(cpas=cpas_a, titre=titre)
        seance = SeanceFactory(activite=activite)
        i_avec = services.inscrire(activite, avec, coord)
        i_sans = services.inscrire(activite, sans, coord)
        services.enregistrer_presences(
            seance, {i_avec: ("present", Decimal("2.5")), i_sans: ("present", Decimal("2"))}, coord
        )
        services.emettre_attestation(i_avec, "presence", coord)
        services.emettre_attestation(i_avec, "presence", coord)
    client = client_for(coord)
    for b, n in ((avec, 1), (sans, 0)):
        attendu = _attestations(
            Inscription.objects.filter(beneficiaire=b)
            .order_by("-date_inscription", "-id")
            .prefetch_related("attestations")
        )
        attendu = [(pk, sorted(a, reverse=True)) for pk, a in attendu]
        b.__dict__.pop("_inscriptions_activites", None)
        trouve = _attestations(activites_hooks._inscriptions_de_la_page(b))
        assert [(pk, sorted(a, reverse=True)) for pk, a in trouve] == attendu
        assert sum(len(a) for _pk, a in trouve) == 4 * n
        url = url_onglet(b.pk, activites_hooks.ONGLET_FICHE)
        client.get(url)
        requetes = requetes_de_la_page(client, url)
        assert sum(q["sql"].startswith('SELECT "activites_attestation".') for q in requetes) == n
        assert client.get(url).content.decode().count("Attestation ") >= 4 * n
