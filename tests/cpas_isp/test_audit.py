"""The audit trail: database triggers record every change, whoever makes it."""

import factory
import pytest
from pghistory.models import MiddlewareEvents

from cpas_isp.middleware import SessionIdleMiddleware
from cpas_isp.models import Cellule, Cpas, JournalAcces, Role
from tests.cpas_isp.factories import UserFactory
from tests.trajets import factories as trajets_factories


def cpas_events(cpas, **filters):
    return MiddlewareEvents.objects.filter(
        pgh_obj_model="cpas_isp.Cpas", pgh_obj_id=str(cpas.pk), **filters
    )


def test_bulk_update_is_recorded_with_old_and_new_values(cpas_a, cpas_b):
    Cpas.objects.filter(pk__in=[cpas_a.pk, cpas_b.pk]).update(habitants=12345)
    for cpas, before in ((cpas_a, 50_000), (cpas_b, 10_000)):
        update = cpas_events(cpas, pgh_label="update").get()
        assert update.pgh_diff["habitants"] == [before, 12345]


def test_change_through_a_form_records_the_user_and_the_request(make_user, client_for, cpas_a):
    admin = make_user(Role.ADMIN, cpas_a, is_staff=True)
    from django.contrib.auth.models import Permission

    admin.user_permissions.add(Permission.objects.get(codename="change_cellule"))
    cellule = cpas_a.cellules.get(code="alpha")
    client = client_for(admin)
    response = client.post(
        f"/admin/cpas_isp/cellule/{cellule.pk}/change/",
        {
            "cpas": cpas_a.pk,
            "code": "alpha",
            "nom_fr": "Alpha et FLE",
            "nom_nl": "Alfabetisering en NT2",
            "ordre": 2,
            "active": "on",
        },
        REMOTE_ADDR="10.1.2.3",
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    event = MiddlewareEvents.objects.filter(
        pgh_obj_model="cpas_isp.Cellule", pgh_obj_id=str(cellule.pk), pgh_label="update"
    ).get()
    assert event.pgh_diff["nom_fr"] == ["Alphabétisation", "Alpha et FLE"]
    assert event.pgh_context["user"] == admin.pk
    assert event.pgh_context["url"] == f"/admin/cpas_isp/cellule/{cellule.pk}/change/"
    assert event.pgh_context["ip"] == "10.1.2.3"
    assert event.pgh_context["cpas"] == cpas_a.pk


def test_management_command_changes_carry_the_command_name(db):
    from django.core.management import call_command

    call_command("creer_cpas", "--code", "wavre", "--nom", "CPAS de Wavre")
    cpas = Cpas.objects.get(code="wavre")
    insert = cpas_events(cpas, pgh_label="insert").get()
    assert insert.pgh_context["command"] == "creer_cpas"
    cellule_events = MiddlewareEvents.objects.filter(
        pgh_obj_model="cpas_isp.Cellule", pgh_data__cpas_id=cpas.pk
    )
    assert cellule_events.count() == 5


def test_admin_functional_sees_only_own_cpas_in_django_admin(make_user, client_for, cpas_a, cpas_b):
    from django.contrib.auth.models import Permission

    admin = make_user(Role.ADMIN, cpas_a, is_staff=True)
    admin.user_permissions.add(Permission.objects.get(codename="view_cellule"))
    client = client_for(admin)
    listing = client.get("/admin/cpas_isp/cellule/").content.decode()
    assert listing.count("/change/") == 5
    other = cpas_b.cellules.first()
    assert client.get(f"/admin/cpas_isp/cellule/{other.pk}/change/").status_code == 302


class TestAuditPage:
    def test_only_the_cpas_admin_opens_it(self, make_user, client_for, cpas_a):
        for role in Role:
            user = make_user(role, cpas_a)
            expected = {Role.ADMIN: 200, Role.PARTENAIRE: 404}.get(role, 403)
            assert client_for(user).get("/audit/").status_code == expected, role

    def test_lists_changes_of_own_cpas_only(self, make_user, client_for, cpas_a, cpas_b):
        Cellule.objects.filter(cpas=cpas_b).update(nom_fr="Secret de Beta")
        Cellule.objects.filter(cpas=cpas_a, code="emploi").update(nom_fr="Emploi et ALE")
        admin = make_user(Role.ADMIN, cpas_a)
        page = client_for(admin).get("/audit/").content.decode()
        assert "Emploi et ALE" in page
        assert "Secret de Beta" not in page

    def test_filters_by_user_and_exports_csv(self, make_user, client_for, cpas_a):
        # Before issue 9 this test expected the person's name ("DUPONT Marie", the access log's
        # ``objet``) on the page and in the CSV: the functional administrator may not see who
        # the files belong to, so the person is now shown masked (initials and number).
        from django.contrib.contenttypes.models import ContentType

        from beneficiaires.models import Beneficiaire
        from tests.beneficiaires.factories import BeneficiaireFactory

        admin = make_user(Role.ADMIN, cpas_a)
        agent = make_user(Role.AGENT, cpas_a)
        marie = BeneficiaireFactory(cpas=cpas_a, nom="Dupont", prenom="Marie")
        JournalAcces.objects.create(
            user=agent,
            cpas=cpas_a,
            content_type=ContentType.objects.get_for_model(Beneficiaire),
            object_id=marie.pk,
            personnes=[marie.pk],
            objet="DUPONT Marie",
            page=f"/beneficiaires/{marie.pk}/",
            ip="192.0.2.7",
        )
        JournalAcces.objects.create(  # a search: its query string is not shown
            user=agent, cpas=cpas_a, personnes=[marie.pk], objet="liste", page="/b/?q=Dupont"
        )
        client = client_for(admin)
        page = client.get("/audit/", {"vue": "consultations", "utilisateur": agent.pk})
        html = page.content.decode()
        assert f"/beneficiaires/{marie.pk}/" in html and f"M. D. n° {marie.pk}" in html
        assert "DUPONT" not in html and "Dupont" not in html
        other = client.get("/audit/", {"vue": "consultations", "utilisateur": admin.pk})
        assert f"/beneficiaires/{marie.pk}/" not in other.content.decode()
        export = client.get("/audit/", {"vue": "consultations", "format": "csv"})
        body = b"".join(export.streaming_content).decode()
        assert export["Content-Type"].startswith("text/csv")
        assert f"M. D. n° {marie.pk}" in body and "192.0.2.7" in body
        assert "Dupont" not in body and "DUPONT" not in body

    def test_filters_changes_by_date(self, make_user, client_for, cpas_a):
        admin = make_user(Role.ADMIN, cpas_a)
        Cellule.objects.filter(cpas=cpas_a, code="emploi").update(nom_fr="Emploi et ALE")
        client = client_for(admin)
        assert "Emploi et ALE" not in client.get("/audit/", {"au": "2000-01-01"}).content.decode()
        export = client.get("/audit/", {"format": "csv"})
        assert "Emploi et ALE" in b"".join(export.streaming_content).decode()


@pytest.mark.parametrize("bad", ["abc", "2026-13-45"])
def test_audit_page_ignores_malformed_filters(make_user, client_for, cpas_a, bad):
    admin = make_user(Role.ADMIN, cpas_a)
    assert client_for(admin).get("/audit/", {"du": bad, "personne": bad}).status_code == 200


# --- Issue 9: the audit shows who changed what field when, never confidential content ----------


class EtapeFactory(trajets_factories.EtapeFactory):
    auteur = factory.SubFactory(UserFactory, username="auteur.audit")


def _page(client, **params):
    response = client.get("/audit/", params)
    assert response.status_code == 200
    return response.content.decode()


def _csv(client, **params):
    response = client.get("/audit/", {**params, "format": "csv"})
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode()


@pytest.fixture
def dossier(cpas_a):
    """A person of cpas_a with a step whose confidential note and NISS were then changed."""
    from tests.beneficiaires.factories import BeneficiaireFactory

    marie = BeneficiaireFactory(cpas=cpas_a, nom="Dupont", prenom="Marie")
    etape = EtapeFactory(beneficiaire=marie, note_confidentielle="Suivi psychiatrique XQZ")
    etape.note_confidentielle = "Dettes de jeu WVK"
    etape.duree = 45
    etape.save()
    ancien_niss = marie.niss
    marie.niss = "85073003328"
    marie.save()
    return marie, etape, ancien_niss


class TestWhatTheAuditShows:
    def test_confidential_values_are_withheld_but_the_changed_field_is_named(
        self, make_user, client_for, cpas_a, dossier
    ):
        marie, _etape, ancien_niss = dossier
        client = client_for(make_user(Role.ADMIN, cpas_a))
        for body in (_page(client), _csv(client)):
            assert "note confidentielle" in body
            assert "NISS" in body
            assert "durée (minutes)" in body and "45" in body  # an ordinary field keeps its value
            for secret in ("XQZ", "WVK", "85073003328", "85.07.30-033.28", ancien_niss):
                assert secret not in body

    def test_admin_sees_the_person_masked(self, make_user, client_for, cpas_a, dossier):
        marie, _etape, _niss = dossier
        # A name of its own: the factory's random name was once "Dupont" (shown in the navbar).
        admin = make_user(Role.ADMIN, cpas_a, first_name="Ada", last_name="Admin")
        client = client_for(admin)
        for body in (_page(client), _csv(client)):
            assert f"M. D. n° {marie.pk}" in body
            assert "Dupont" not in body and "DUPONT" not in body

    def test_a_viewer_who_may_see_the_person_gets_the_name(self, make_user, cpas_a, dossier):
        from cpas_isp.audit import confidentialite

        marie, _etape, _niss = dossier
        coordinateur = make_user(Role.COORDINATEUR, cpas_a)
        admin = make_user(Role.ADMIN, cpas_a)
        assert confidentialite.libelles_personnes(coordinateur, cpas_a, [marie.pk]) == {
            marie.pk: "DUPONT Marie"
        }
        assert confidentialite.libelles_personnes(admin, cpas_a, [marie.pk]) == {
            marie.pk: f"M. D. n° {marie.pk}"
        }

    def test_names_of_a_viewer_who_sees_nobody_as_the_orm_query_gives_them(
        self, make_user, cpas_a, cpas_b, django_assert_num_queries
    ):
        """The administrator's labels (one prepared statement, no rule to join): those of the
        queryset with the rule's EXISTS, every person masked, another CPAS's unnamed."""
        from django.db import models

        from beneficiaires.models import Beneficiaire
        from cpas_isp.audit import confidentialite
        from tests.beneficiaires.factories import BeneficiaireFactory

        admin = make_user(Role.ADMIN, cpas_a)
        ici = BeneficiaireFactory.create_batch(3, cpas=cpas_a)
        ailleurs = BeneficiaireFactory(cpas=cpas_b, nom="Zorglub", prenom="Anne")
        ids = [p.pk for p in ici] + [ailleurs.pk, None]
        visibles = confidentialite.personnes_visibles(admin).filter(pk=models.OuterRef("pk"))
        orm = {
            pk: f"{nom.upper()} {prenom}" if visible else confidentialite.masquer(prenom, nom, pk)
            for pk, nom, prenom, visible in Beneficiaire.objects.filter(cpas=cpas_a, pk__in=ids)
            .annotate(visible=models.Exists(visibles))
            .values_list("pk", "nom", "prenom", "visible")
        }
        for _fois in range(2):  # prepared, then executed
            with django_assert_num_queries(1):
                libelles = confidentialite.libelles_personnes(admin, cpas_a, ids)
            assert libelles == {**orm, ailleurs.pk: f"personne n° {ailleurs.pk}"}
        assert len(orm) == 3 and all(" n° " in v for v in orm.values())

    @pytest.mark.horloge_externe  # event times come from PostgreSQL's clock
    def test_rows_are_readable(self, make_user, client_for, cpas_a, dossier):
        from django.utils import timezone

        agent = make_user(Role.AGENT, cpas_a, first_name="Jeanne", last_name="Martin")
        cellule = cpas_a.cellules.get(code="emploi")
        client_for(agent)  # a change made in a request carries its author
        import pghistory

        with pghistory.context(user=agent.pk, url="/admin/x/"):
            cellule.nom_fr = "Emploi et ALE"
            cellule.save()
        body = _page(client_for(make_user(Role.ADMIN, cpas_a)))
        assert "Jeanne Martin" in body
        assert f"Cellule n° {cellule.pk}" in body
        assert "nom (FR)" in body and "Emploi et ALE" in body
        assert timezone.localdate().strftime("%d/%m/%Y") in body

    def test_opening_the_audit_page_and_its_csv_is_logged(
        self, make_user, client_for, cpas_a, dossier
    ):
        marie, _etape, _niss = dossier
        admin = make_user(Role.ADMIN, cpas_a)
        client = client_for(admin)
        _page(client)
        row = JournalAcces.objects.get(user=admin)
        assert row.page.startswith("/audit/") and marie.pk in row.personnes
        _csv(client, vue="consultations")
        assert JournalAcces.objects.filter(user=admin).count() == 2
        _page(client, vue="utilisateurs")
        assert JournalAcces.objects.filter(user=admin).count() == 3


class TestFilters:
    @pytest.fixture
    def deux(self, cpas_a):
        from tests.beneficiaires.factories import BeneficiaireFactory

        marie = BeneficiaireFactory(cpas=cpas_a, nom="Dupont", prenom="Marie")
        paul = BeneficiaireFactory(cpas=cpas_a, nom="Lambert", prenom="Paul")
        EtapeFactory(beneficiaire=marie)
        EtapeFactory(beneficiaire=paul)
        return marie, paul

    def test_by_niss_returns_that_persons_events(self, make_user, client_for, cpas_a, deux):
        marie, paul = deux
        client = client_for(make_user(Role.ADMIN, cpas_a))
        from beneficiaires.niss import format_niss

        body = _page(client, personne=format_niss(marie.niss))
        assert f"M. D. n° {marie.pk}" in body and "Étape" in body
        assert f"P. L. n° {paul.pk}" not in body

    def test_by_name_returns_that_persons_events(self, make_user, client_for, cpas_a, deux):
        marie, paul = deux
        client = client_for(make_user(Role.ADMIN, cpas_a))
        body = _page(client, personne="Lambert")
        assert f"P. L. n° {paul.pk}" in body
        assert f"M. D. n° {marie.pk}" not in body
        assert f"M. D. n° {marie.pk}" not in _csv(client, personne="Lambert")

    def test_a_person_of_another_cpas_is_not_found(
        self, make_user, client_for, cpas_a, cpas_b, deux
    ):
        from tests.beneficiaires.factories import BeneficiaireFactory

        autre = BeneficiaireFactory(cpas=cpas_b, nom="Zorglub", prenom="Anne")
        body = _page(client_for(make_user(Role.ADMIN, cpas_a)), personne="Zorglub")
        assert f"n° {autre.pk}" not in body
        assert "Aucune modification pour ces filtres." in body

    @pytest.mark.parametrize(
        "params",
        [{"du": "31/02/2026"}, {"au": "demain"}, {"du": "2026-05-02", "au": "2026-05-01"}],
    )
    def test_bad_dates_give_a_form_error(self, make_user, client_for, cpas_a, params):
        for vue in ("modifications", "consultations", "utilisateurs"):
            body = _page(client_for(make_user(Role.ADMIN, cpas_a)), vue=vue, **params)
            assert "invalid-feedback" in body, vue

    def test_pages_follow_each_other_without_gap_or_repeat(self, make_user, client_for, cpas_a):
        import re

        from django.db import transaction

        from tests.beneficiaires.factories import BeneficiaireFactory

        with transaction.atomic():  # one transaction: every event has the same timestamp
            marie = BeneficiaireFactory(cpas=cpas_a)
            EtapeFactory.create_batch(70, beneficiaire=marie)
        client = client_for(make_user(Role.ADMIN, cpas_a))
        vus = []
        body = _page(client, personne=marie.niss)
        while True:
            vus += re.findall(r"Étape n° (\d+)", body)
            suivant = re.search(r'href="\?([^"]*apres=[^"]*)"', body)
            if not suivant:
                break
            body = client.get("/audit/?" + suivant.group(1).replace("&amp;", "&")).content.decode()
        assert len(vus) == 70 and len(set(vus)) == 70


def test_query_count_does_not_grow_with_the_number_of_events(
    make_user, client_for, cpas_a, requetes_de_la_page, monkeypatch
):
    from tests.beneficiaires.factories import BeneficiaireFactory

    # Creating the events may take over a minute on a loaded machine: the session's activity
    # stamp would then be refreshed (three more queries) on the second page, not the first.
    monkeypatch.setattr(SessionIdleMiddleware, "REFRESH_SECONDS", 3600)
    client = client_for(make_user(Role.ADMIN, cpas_a))
    _page(client)  # the first request stores the current CPAS in the session

    def queries():
        return len(requetes_de_la_page(client, "/audit/"))

    marie = BeneficiaireFactory(cpas=cpas_a)
    EtapeFactory.create_batch(3, beneficiaire=marie)
    few = queries()
    for other in BeneficiaireFactory.create_batch(5, cpas=cpas_a):
        for etape in EtapeFactory.create_batch(8, beneficiaire=other):
            etape.duree = 30
            etape.save()
    assert queries() == few


# --- Issue 9, point 5: consultations per user and day, unusual ones flagged ----------------------


class TestConsultationsParUtilisateur:
    def _ouvrir(self, user, cpas, personnes, jours_avant=0):
        import datetime

        from django.contrib.contenttypes.models import ContentType
        from django.utils import timezone

        from beneficiaires.models import Beneficiaire

        ct = ContentType.objects.get_for_model(Beneficiaire)
        rows = [
            JournalAcces.objects.create(
                user=user,
                cpas=cpas,
                content_type=ct,
                object_id=p.pk,
                personnes=[p.pk],
                objet=str(p),
                page=f"/beneficiaires/{p.pk}/",
            )
            for p in personnes
        ]
        if jours_avant:
            JournalAcces.objects.filter(pk__in=[r.pk for r in rows]).update(
                quand=timezone.now() - datetime.timedelta(days=jours_avant)
            )

    def test_counts_files_per_day_and_flags_an_agent_outside_their_caseload(
        self, make_user, client_for, cpas_a
    ):
        from tests.beneficiaires.factories import BeneficiaireFactory

        curieux = make_user(Role.AGENT, cpas_a, first_name="Cédric", last_name="Curieux")
        sage = make_user(Role.AGENT, cpas_a, first_name="Sophie", last_name="Sage")
        les_siens = BeneficiaireFactory.create_batch(3, cpas=cpas_a, referent=sage)
        autres = BeneficiaireFactory.create_batch(6, cpas=cpas_a)
        self._ouvrir(sage, cpas_a, les_siens)
        self._ouvrir(curieux, cpas_a, autres + autres[:2])  # twice the same: counted once
        # A list showing many people is not "opening" files.
        JournalAcces.objects.create(
            user=sage, cpas=cpas_a, personnes=[p.pk for p in autres], objet="liste", page="/b/"
        )

        from django.utils import timezone

        from cpas_isp.audit.consultations import consultations_par_utilisateur

        today = timezone.localdate()
        lignes = {
            ligne.user_id: ligne for ligne in consultations_par_utilisateur(cpas_a, today, today)
        }
        assert (lignes[curieux.pk].dossiers, lignes[curieux.pk].hors_portefeuille) == (6, 6)
        assert lignes[curieux.pk].inhabituel
        assert (lignes[sage.pk].dossiers, lignes[sage.pk].hors_portefeuille) == (3, 0)
        assert lignes[sage.pk].personnes_listes == 6
        assert not lignes[sage.pk].inhabituel

        body = _page(client_for(make_user(Role.ADMIN, cpas_a)), vue="utilisateurs")
        rows = {
            nom: row
            for row in body.split("<tr")
            for nom in ("Cédric Curieux", "Sophie Sage")
            if nom in row
        }
        assert "Inhabituel" in rows["Cédric Curieux"]
        assert "Inhabituel" not in rows["Sophie Sage"]

    def test_flags_a_day_far_above_the_users_usual_count(self, make_user, cpas_a):
        import datetime

        from django.utils import timezone

        from cpas_isp.audit.consultations import consultations_par_utilisateur
        from tests.beneficiaires.factories import BeneficiaireFactory

        coordinateur = make_user(Role.COORDINATEUR, cpas_a)
        personnes = BeneficiaireFactory.create_batch(25, cpas=cpas_a)
        for jours in (2, 3, 4):
            self._ouvrir(coordinateur, cpas_a, personnes[:4], jours_avant=jours)
        self._ouvrir(coordinateur, cpas_a, personnes)
        today = timezone.localdate()
        (ligne,) = [
            ligne
            for ligne in consultations_par_utilisateur(cpas_a, today, today)
            if ligne.user_id == coordinateur.pk
        ]
        assert (ligne.dossiers, ligne.hors_portefeuille, ligne.habituel) == (25, 0, 4)
        assert ligne.inhabituel
        # The same 4 files a day is the coordinator's usual: not flagged.
        usual = [
            ligne
            for ligne in consultations_par_utilisateur(
                cpas_a, today - datetime.timedelta(days=3), today - datetime.timedelta(days=2)
            )
        ]
        assert usual and not any(ligne.inhabituel for ligne in usual)


@pytest.mark.horloge_externe  # event times come from PostgreSQL's clock
def test_changes_filtered_by_user_and_period(make_user, client_for, cpas_a):
    import datetime

    import pghistory
    from django.utils import timezone

    agent = make_user(Role.AGENT, cpas_a, first_name="Jeanne", last_name="Martin")
    autre = make_user(Role.AGENT, cpas_a, first_name="Paul", last_name="Autre")
    for user, code, nom in ((agent, "alpha", "Alpha JM"), (autre, "emploi", "Emploi PA")):
        with pghistory.context(user=user.pk, url="/x/"):
            Cellule.objects.filter(cpas=cpas_a, code=code).update(nom_fr=nom)
    client = client_for(make_user(Role.ADMIN, cpas_a))
    body = _page(client, utilisateur=agent.pk)
    assert "Alpha JM" in body and "Emploi PA" not in body
    today = timezone.localdate()
    assert "Alpha JM" in _page(client, utilisateur=agent.pk, du=today.isoformat())
    hier = (today - datetime.timedelta(days=1)).isoformat()
    assert "Alpha JM" not in _page(client, utilisateur=agent.pk, au=hier)


def test_a_partner_account_is_audited_by_the_cpas_of_its_user(
    make_user, client_for, cpas_a, cpas_b
):
    """A partner account links a user to an organisation of the shared directory: its changes
    belong to the CPAS the user works with, not to the CPAS that first encoded the
    organisation (which must not even learn the user's name)."""
    from tests.partenaires.factories import ComptePartenaireFactory, PartenaireFactory

    organisation = PartenaireFactory(cree_par_cpas=cpas_a, gere_par=cpas_a)
    user_b = make_user(Role.PARTENAIRE, cpas_b, first_name="Zéphyrin", last_name="Bétazoïde")
    ComptePartenaireFactory(user=user_b, partenaire=organisation)
    page_a = client_for(make_user(Role.ADMIN, cpas_a)).get("/audit/").content.decode()
    page_b = client_for(make_user(Role.ADMIN, cpas_b)).get("/audit/").content.decode()
    assert "Bétazoïde" not in page_a
    assert "Compte partenaire" not in page_a
    assert "Compte partenaire" in page_b


def test_the_access_log_is_written_without_the_history_context(make_user, cpas_a):
    """The access log has no history trigger (its rows are the record, nothing records their
    changes): its rows are written without pghistory's context variables, and still carry
    who, where and which people."""
    import pghistory
    from django.db import connection
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    from cpas_isp.audit import journaliser_liste

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgrelid = %s::regclass",
            [JournalAcces._meta.db_table],
        )
        assert cursor.fetchone() == (0,)
    user = make_user(Role.AGENT, cpas_a)
    request = RequestFactory().get("/beneficiaires/", REMOTE_ADDR="10.1.2.3")
    request.user, request.cpas = user, cpas_a
    with pghistory.context(url="/beneficiaires/"), CaptureQueriesContext(connection) as ctx:
        ligne = journaliser_liste(request, [7, 5, 7])
    assert all("pghistory" not in q["sql"] for q in ctx.captured_queries)
    ecrite = JournalAcces.objects.get(pk=ligne.pk)
    assert (ecrite.user, ecrite.cpas, ecrite.personnes, ecrite.page, ecrite.ip) == (
        user,
        cpas_a,
        [7, 5],
        "/beneficiaires/",
        "10.1.2.3",
    )
