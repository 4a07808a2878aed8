"""Retention: anonymising the files whose retention period ran out, and pruning the history
tables and the access log under their own periods.

- ``apercu(cpas)``: the dry run (how many files, oldest closing date, held files); reads only.
- ``demander(cpas, user)``: the functional administrator confirms; a run is recorded and queued.
- ``executer(pk, tache_id)``: the Celery job. Batches of ``TAILLE_LOT`` files, each batch in one
  transaction (a file is anonymised entirely or not at all); a killed worker's lease expires and
  ``relancer_interrompues`` queues the run again, which continues with the files not done yet.
- ``anonymiser_personnes(ids)``: one batch. Every model registered in ``beneficiaires.registre``
  erases or deletes its rows; then the history events that hold erased values are deleted and
  the access log rows naming these people lose their free text. The anonymisation itself stays
  in the audit trail: the person's update event it writes (anonymised values only) under its
  context; the other rows' erasing writes are not captured (``_historique_des_parties``).
  The plain erasing UPDATEs of every part, then the history DELETEs of every table, each go to
  the server as one statement (``executer_ensemble``): a batch is a dozen round trips.
- ``elaguer_historique()``: the nightly prune of events and access log rows older than
  ``HISTORIQUE_CONSERVATION_JOURS`` / ``JOURNAL_ACCES_CONSERVATION_JOURS`` (settings, env).
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import logging
import uuid
from dataclasses import dataclass

import pghistory
import pghistory.runtime
import pghistory.trigger
import pgtrigger
from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, F, Min, OuterRef, Q, Value
from django.db.models.functions import Coalesce, TruncYear
from django.utils import timezone
from django.utils.translation import gettext as _
from pghistory.models import Event

from cpas_isp import baux
from cpas_isp.models import JournalAcces

from . import registre
from .models import (
    ANNEES_CONSERVATION_DEFAUT,
    Anonymisation,
    Beneficiaire,
    GelDossier,
    RegleConservation,
    StatutAnonymisation,
)

logger = logging.getLogger(__name__)

TAILLE_LOT = 500


# --- The rule and the dry run -------------------------------------------------------------------


def annees_conservation(cpas) -> int:
    regle = RegleConservation.objects.filter(cpas=cpas).only("annees").first()
    return regle.annees if regle else ANNEES_CONSERVATION_DEFAUT


def ans_avant(date: datetime.date, annees: int) -> datetime.date:
    try:
        return date.replace(year=date.year - annees)
    except ValueError:  # 29 February
        return date.replace(year=date.year - annees, day=28)


def cloture_avant(cpas, aujourdhui: datetime.date | None = None) -> datetime.date:
    """Files closed on or before this date have passed their retention period."""
    return ans_avant(aujourdhui or timezone.localdate(), annees_conservation(cpas))


def _echus(cpas_id, limite):
    return Beneficiaire.objects.filter(
        cpas_id=cpas_id,
        date_cloture__isnull=False,
        date_cloture__lte=limite,
        anonymise_le__isnull=True,
    )


def candidats(cpas_id, limite):
    """Files to anonymise: closed on or before ``limite``, not anonymised, not held."""
    return _echus(cpas_id, limite).filter(
        ~Exists(GelDossier.objects.filter(beneficiaire=OuterRef("pk")))
    )


@dataclass
class Apercu:
    annees: int
    cloture_avant: datetime.date
    nb_dossiers: int
    plus_ancienne_cloture: datetime.date | None
    nb_geles: int
    nb_deja_anonymises: int


def apercu(cpas) -> Apercu:
    """The dry run: what a run would anonymise now. Changes nothing."""
    limite = cloture_avant(cpas)
    echus = _echus(cpas.pk, limite)
    annotes = echus.annotate(gele=Exists(GelDossier.objects.filter(beneficiaire=OuterRef("pk"))))
    chiffres = annotes.aggregate(
        nb=Count("pk", filter=Q(gele=False)),
        plus_ancienne=Min("date_cloture", filter=Q(gele=False)),
        nb_geles=Count("pk", filter=Q(gele=True)),
    )
    return Apercu(
        annees=annees_conservation(cpas),
        cloture_avant=limite,
        nb_dossiers=chiffres["nb"],
        plus_ancienne_cloture=chiffres["plus_ancienne"],
        nb_geles=chiffres["nb_geles"],
        nb_deja_anonymises=Beneficiaire.objects.filter(
            cpas=cpas, anonymise_le__isnull=False
        ).count(),
    )


# --- Running it ---------------------------------------------------------------------------------


class DejaEnCours(Exception):
    pass


def _envoyer(run: Anonymisation) -> None:
    from . import tasks  # cycle: tasks import this module

    tasks.anonymiser_dossiers.apply_async(args=(run.pk,), task_id=run.tache_id)


def demander(cpas, user) -> Anonymisation:
    """Record a run for the files past their retention today and queue it. Raises
    ``DejaEnCours`` when a run of this CPAS is waiting or running."""
    limite = cloture_avant(cpas)
    try:
        with transaction.atomic():
            run = Anonymisation.objects.create(
                cpas=cpas,
                annees=annees_conservation(cpas),
                cloture_avant=limite,
                nb_prevus=candidats(cpas.pk, limite).count(),
                demande_par=user,
                tache_id=str(uuid.uuid4()),
                bail_expire_le=baux.echeance(baux.delai_attente()),
            )
            baux.mettre_en_file(_envoyer, run)
    except IntegrityError as exc:
        raise DejaEnCours() from exc
    return run


def _reserver(pk: int, tache_id: str) -> dict | None:
    maintenant = timezone.now()
    n = (
        Anonymisation.objects.filter(
            pk=pk,
            tache_id=tache_id,
            statut__in=[StatutAnonymisation.EN_ATTENTE, StatutAnonymisation.EN_COURS],
        )
        .filter(Q(statut=StatutAnonymisation.EN_ATTENTE) | Q(bail_expire_le__lt=maintenant))
        .update(
            statut=StatutAnonymisation.EN_COURS,
            debut=Coalesce("debut", Value(maintenant)),
            bail_expire_le=baux.echeance(baux.duree_bail()),
        )
    )
    if n != 1:
        return None
    return {"tache_id": tache_id, "statut": StatutAnonymisation.EN_COURS}


def executer(pk: int, tache_id: str, *, taille_lot: int | None = None) -> Anonymisation | None:
    """The job: anonymise the run's files batch after batch until none is left."""
    taille_lot = taille_lot or TAILLE_LOT
    reservation = _reserver(pk, tache_id)
    if reservation is None:
        return None
    run = Anonymisation.objects.get(pk=pk)
    try:
        with baux.Battement(Anonymisation, pk, reservation) as battement:
            while True:
                baux.pause_de_test("ANONYMISATION_PAUSE_TEST")
                if battement.perdu:
                    return None
                with transaction.atomic():
                    ids = list(
                        candidats(run.cpas_id, run.cloture_avant)
                        .order_by("pk")
                        .values_list("pk", flat=True)[:taille_lot]
                    )
                    if not ids:
                        Anonymisation.objects.filter(pk=pk, **reservation).update(
                            statut=StatutAnonymisation.TERMINEE,
                            fin=timezone.now(),
                            bail_expire_le=None,
                        )
                        break
                    bilan = anonymiser_personnes(ids, cpas_id=run.cpas_id, execution=pk)
                    n = Anonymisation.objects.filter(pk=pk, **reservation).update(
                        nb_anonymises=F("nb_anonymises") + bilan.dossiers,
                        nb_lots=F("nb_lots") + 1,
                        nb_lignes=F("nb_lignes") + bilan.lignes,
                        nb_evenements=F("nb_evenements") + bilan.evenements,
                        nb_consultations=F("nb_consultations") + bilan.consultations,
                    )
                    if n != 1:  # another worker took the run over: undo this batch
                        transaction.set_rollback(True)
                        return None
    except Exception as exc:
        logger.exception("Anonymisation %s interrompue", pk)
        Anonymisation.objects.filter(pk=pk, **reservation).update(
            statut=StatutAnonymisation.ECHEC,
            erreur=f"{type(exc).__name__}: {exc}"[:2000],
            fin=timezone.now(),
            bail_expire_le=None,
        )
    return Anonymisation.objects.get(pk=pk)


def relancer_interrompues() -> list[int]:
    """Queue again the runs whose worker was killed (lease expired) or whose message was lost,
    under the same job id; they continue with the files not done yet. Every minute (beat)."""
    maintenant = timezone.now()
    relances = []
    with transaction.atomic():
        perimes = (
            Anonymisation.objects.select_for_update(skip_locked=True)
            .filter(statut__in=[StatutAnonymisation.EN_ATTENTE, StatutAnonymisation.EN_COURS])
            .filter(baux.q_interrompus(maintenant, "demande_le"))
        )
        for run in perimes:
            run.tache_id = run.tache_id or str(uuid.uuid4())
            run.statut = StatutAnonymisation.EN_ATTENTE  # free to be claimed again
            run.bail_expire_le = baux.echeance(baux.delai_attente())
            run.relances += 1
            run.save(update_fields=["tache_id", "statut", "bail_expire_le", "relances"])
            baux.mettre_en_file(_envoyer, run)
            logger.warning("Anonymisation %s interrompue : relancée", run.pk)
            relances.append(run.pk)
    return relances


# --- One batch ----------------------------------------------------------------------------------


@dataclass
class Bilan:
    dossiers: int = 0
    lignes: int = 0
    evenements: int = 0
    consultations: int = 0


def anonymiser_personnes(ids, *, cpas_id, execution: int | None = None) -> Bilan:
    """Anonymise the files ``ids`` of CPAS ``cpas_id`` in one transaction: every registered
    part erased or deleted, their history events holding erased values deleted, the access log
    rows naming them stripped of free text. Files held (legal hold) or already anonymised are
    skipped (checked again under lock)."""
    bilan = Bilan()
    with (
        transaction.atomic(),
        pghistory.context(anonymisation=execution, command="anonymisation"),
    ):
        ids = list(
            Beneficiaire.objects.select_for_update()
            .filter(pk__in=list(ids), cpas_id=cpas_id, anonymise_le__isnull=True)
            .filter(~Exists(GelDossier.objects.filter(beneficiaire=OuterRef("pk"))))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not ids:
            return bilan
        with connection.cursor() as cursor:
            # Every trigger first reads this setting; unset, the read raises an error caught
            # per row (see beneficiaires.imports.execution): an empty list, this transaction.
            cursor.execute(
                "SELECT set_config('pgtrigger.ignore', '{}', true) "
                "WHERE coalesce(current_setting('pgtrigger.ignore', true), '') = ''"
            )
        contexte = pghistory.runtime._tracker.value.id
        # The ids of every registered row of these people, before anything is deleted: their
        # history events are found by them.
        objets = {}
        avec_personne = _tables_avec_personne()
        for partie in registre.parties():
            evenements = _modele_evenements(partie.modele)
            # Events found by their person column need no ids; the others (an appointment's,
            # reached through its participants) and rows about to be deleted do.
            if any(e._meta.db_table not in avec_personne for e in evenements) or (
                evenements and partie.supprimer
            ):
                objets[partie.label] = list(partie.a_effacer(ids).values_list("pk", flat=True))
        personne = registre.partie(PERSONNE)
        # The parts erased by a plain UPDATE go to the server together (one round trip: on a
        # loaded machine, each costs more than the statement); the others (a custom step,
        # rows deleted) one by one, first.
        requetes = []
        with _sans_historique_des_parties():
            for partie in registre.parties():
                if partie is personne:
                    continue
                requete = partie.requete_effacement(ids)
                if requete is None:
                    bilan.lignes += partie.anonymiser_lignes(ids)
                else:
                    requetes.append(requete)
        # The parts' triggers read this list when their rows change, at the end of the
        # statement; the person's own are not in it (the list is emptied by the purge below).
        ignorer = "{" + ",".join(_pgids_ignores()) + "}"
        bilan.lignes += sum(
            executer_ensemble(
                requetes,
                avant="SELECT set_config('pgtrigger.ignore', %s, true)",
                params_avant=(ignorer,),
            )
        )
        if personne is not None:
            bilan.lignes += personne.anonymiser_lignes(ids)
        bilan.evenements = _purger_evenements(ids, objets, contexte)
        bilan.consultations = _anonymiser_journal(ids, cpas_id)
        bilan.dossiers = len(ids)
    return bilan


PERSONNE = "beneficiaires.Beneficiaire"


def anonymiser_identite(qs) -> int:
    """The person's own row: identity, NISS, contact data erased; birth year, gender,
    education and language levels, dates and referent kept (statistics)."""
    return qs.update(
        niss=None,
        nom="",
        prenom="",
        date_naissance=TruncYear("date_naissance"),
        nationalite="",
        adresse="",
        code_postal="",
        commune="",
        telephone="",
        email="",
        anonymise_le=timezone.now(),
    )


@functools.cache
def _historique_des_parties() -> tuple[str, ...]:
    """The history triggers (pghistory) of every registered model but the person's own: the
    anonymisation's erasing updates and deletions of these rows are not captured. Their earlier
    events hold the erased values and are deleted at the end of the batch anyway; what the
    audit trail keeps of the anonymisation is the person's own update event (under the run's
    context) and the run itself. Capturing, then deleting, these events was a third of a batch's
    time and left ten event rows per file."""
    labels = {p.label for p in registre.parties()} - {PERSONNE}
    return tuple(
        f"{modele._meta.label}:{trigger.name}"
        for modele, trigger in pgtrigger.registered()
        if isinstance(trigger, pghistory.trigger.Event) and modele._meta.label in labels
    )


@functools.cache
def _pgids_ignores() -> tuple[str, ...]:
    """The database names (what ``pgtrigger.ignore`` lists) of the triggers the parts' erasing
    UPDATEs bypass: their history (``_historique_des_parties``) and those a part declares
    (``ignorer``: the signed PIIS's frozen content)."""
    uris = {*_historique_des_parties(), *(u for p in registre.parties() for u in p.ignorer)}
    return tuple(
        sorted(trigger.get_pgid(modele) for modele, trigger in pgtrigger.registered(*uris))
    )


def executer_ensemble(
    requetes: list[tuple[str, tuple | list]], *, avant: str = "", params_avant=()
):
    """Run the ``UPDATE``/``DELETE`` statements ``requetes`` ([(SQL, parameters)]) as one
    statement (data-modifying common table expressions), after the statement ``avant``, in one
    round trip to the server and in the current transaction; returns each one's row count.
    They all see the rows as they were before the statement: none may depend on another's
    changes, and each touches its own table (or the same rows at most once)."""
    if not requetes:
        return []
    ctes = ", ".join(f"r{i} AS ({sql} RETURNING 1)" for i, (sql, _p) in enumerate(requetes))
    comptes = ", ".join(f"(SELECT count(*) FROM r{i})" for i in range(len(requetes)))
    sql = f"WITH {ctes} SELECT {comptes}"
    params = [p for _sql, ps in requetes for p in ps]
    if avant:
        sql, params = f"{avant}; {sql}", [*params_avant, *params]
    with connection.cursor() as cursor:
        # Only the last result is read: the audit wrappers (pghistory, pgtrigger) put their
        # own statements before this one.
        cursor.execute(sql, params)
        return list(cursor.fetchone())


def _sans_historique_des_parties():
    triggers = _historique_des_parties()
    # pgtrigger.ignore() without a trigger would ignore every trigger (the search column too).
    return pgtrigger.ignore(*triggers) if triggers else contextlib.nullcontext()


@functools.cache
def _evenements_par_modele() -> dict[str, list]:
    found: dict[str, list] = {}
    for model in apps.get_models():
        if (
            issubclass(model, Event)
            and not model._meta.proxy
            and hasattr(model, "pgh_tracked_model")
        ):
            found.setdefault(model.pgh_tracked_model._meta.label, []).append(model)
    return found


@functools.cache
def _tables_avec_personne() -> frozenset:
    """Event tables whose rows name their person (a column or a chain of keys to it)."""
    from cpas_isp.audit.sources import sources

    return frozenset(s.table for s in sources() if s.filtre_personnes_sql() is not None)


def _modele_evenements(modele) -> list:
    return _evenements_par_modele().get(modele._meta.label, [])


def _purger_evenements(ids, objets: dict, contexte) -> int:
    """Delete the history events of these people that may hold erased values: all of them but
    the update events this anonymisation wrote (they hold anonymised values only)."""
    from cpas_isp.audit.sources import sources

    garder = "(e.pgh_context_id IS DISTINCT FROM %s OR e.pgh_label = 'delete')"
    requetes = []
    for source in sources():
        condition = source.filtre_personnes_sql()
        if condition is None:
            continue
        # Positional parameters (one per placeholder): every table's DELETE goes in one
        # statement (see executer_ensemble).
        condition = condition.replace("%(personnes)s", "%s")
        requetes.append(
            (
                f'DELETE FROM "{source.table}" e WHERE {condition} AND {garder}',
                (*[list(ids)] * condition.count("%s"), contexte),
            )
        )
    for label, pks in objets.items():
        if not pks:
            continue
        for event_model in _evenements_par_modele().get(label, []):
            if not any(f.name == "pgh_obj" for f in event_model._meta.fields):
                continue
            requetes.append(
                (
                    f'DELETE FROM "{event_model._meta.db_table}" e '
                    f"WHERE e.pgh_obj_id = ANY(%s) AND {garder}",
                    (pks, contexte),
                )
            )
    return sum(
        executer_ensemble(requetes, avant="SELECT set_config('pgtrigger.ignore', '{}', true)")
    )


def _anonymiser_journal(ids, cpas_id) -> int:
    """Access log rows naming these people keep who, when, from where and which page (without
    its query string, which may hold a searched name); their free text no longer names anyone."""
    ct = ContentType.objects.get_for_model(Beneficiaire)
    lignes = JournalAcces.objects.filter(cpas_id=cpas_id).filter(
        Q(personnes__overlap=list(ids)) | Q(content_type=ct, object_id__in=list(ids)),
    )
    n = 0
    seul = _("dossier anonymisé")
    with connection.cursor() as cursor:
        sql, params = lignes.values("pk").query.sql_with_params()
        cursor.execute(
            f"""
            UPDATE cpas_isp_journalacces SET
                objet = CASE WHEN cardinality(personnes) > 1
                        THEN %s || cardinality(personnes)::text ELSE %s END,
                page = split_part(page, '?', 1)
            WHERE id IN ({sql})
            """,
            [_("liste de personnes : "), seul, *params],
        )
        n = cursor.rowcount
    return n


# --- Pruning under the general retention periods --------------------------------------------------


def _jours(nom: str, defaut: int) -> int:
    return int(getattr(settings, nom, defaut) or 0)


def elaguer_historique(maintenant: datetime.datetime | None = None, paquet: int = 10000) -> dict:
    """Delete history events older than HISTORIQUE_CONSERVATION_JOURS and access log rows older
    than JOURNAL_ACCES_CONSERVATION_JOURS (0: keep for ever), by chunks (short transactions)."""
    maintenant = maintenant or timezone.now()
    resultat = {"evenements": 0, "consultations": 0, "contextes": 0}
    jours = _jours("HISTORIQUE_CONSERVATION_JOURS", 3650)
    if jours:
        limite = maintenant - datetime.timedelta(days=jours)
        tables = sorted({m._meta.db_table for ms in _evenements_par_modele().values() for m in ms})
        with connection.cursor() as cursor:
            for table in tables:
                while True:
                    cursor.execute(
                        f'DELETE FROM "{table}" WHERE pgh_id IN (SELECT pgh_id FROM "{table}" '
                        f"WHERE pgh_created_at < %s LIMIT %s)",
                        [limite, paquet],
                    )
                    resultat["evenements"] += cursor.rowcount
                    if cursor.rowcount < paquet:
                        break
            cursor.execute("DELETE FROM pghistory_context WHERE updated_at < %s", [limite])
            resultat["contextes"] = cursor.rowcount
    jours = _jours("JOURNAL_ACCES_CONSERVATION_JOURS", 3650)
    if jours:
        limite = maintenant - datetime.timedelta(days=jours)
        while True:
            pks = list(
                JournalAcces.objects.filter(quand__lt=limite).values_list("pk", flat=True)[:paquet]
            )
            if not pks:
                break
            resultat["consultations"] += JournalAcces.objects.filter(pk__in=pks).delete()[0]
    return resultat
