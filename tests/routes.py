"""The classification of every URL route of the application, for tests/test_route_matrix.py.

A new route: add one line to ``ROUTES`` (route name -> kwargs factory). The factory receives the
test world and a scope (``"own"``, ``"hors"``, ``"other"``) and returns the URL kwargs for an
object of that scope, optionally with a query string: ``(kwargs, "a=1&b=2")``.
``routes_applicatives()`` lists the routes from the resolver (the admin left out).
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from tests.activites.factories import (
    matrice_activite,
    matrice_attestation,
    matrice_code,
    matrice_export_fse,
    matrice_fse,
    matrice_inscription,
    matrice_personnes_fse,
    matrice_seance,
    matrice_suivi_fse,
)
from tests.documents.factories import matrice_document, matrice_partage
from tests.rendezvous.factories import (
    matrice_agenda,
    matrice_ics,
    matrice_invitation,
    matrice_lieu,
    matrice_participant,
    matrice_rdv,
    matrice_reservation,
    matrice_type,
)

# --- Classification: one line per route ----------------------------------------------------


def sans(_w, _s):
    """A route without object in its URL (lists, forms, dashboards)."""
    return {}


def avec(**champs):
    """kwargs built from the world's objects of the scope: ``avec(pk="b")`` -> pk=<b.pk>."""

    def factory(w, scope):
        return {kwarg: w[scope][cle].pk for kwarg, cle in champs.items()}

    return factory


def cellule(w, scope):
    return {"code": w[scope]["cellule"]}


def requete(factory, query):
    """The route with a query string (e.g. the people behind a dashboard number)."""

    def wrapped(w, scope):
        q = query(w, scope) if callable(query) else query
        return factory(w, scope), q

    return wrapped


def notification(w, scope):
    """A notification to the cellule's agent about the scope's person (the "hors" one: a person
    the agent may not see, shown without name; the other CPAS's: not the agent's CPAS, 404)."""
    from cpas_isp.models import NatureNotification, Notification

    o = w[scope]["orientation"]
    n, _created = Notification.objects.get_or_create(
        destinataire=w["users"]["agent_cellule"],
        cle=f"matrice:{scope}",
        defaults={
            "cpas_id": o.cpas_id,
            "nature": NatureNotification.ORIENTATION_REPONSE,
            "personne_id": o.beneficiaire_id,
            "lien": f"/partenaires/orientations/{o.pk}/",
        },
    )
    return {"pk": n.pk}


def _date_du_jour(_w, _s):
    return f"indicateur=isp&date={timezone.localdate():%Y-%m-%d}"


ROUTES = {
    # cpas_isp
    "accueil": sans,
    "login": sans,
    "logout": sans,
    "password_change": sans,
    "password_change_done": sans,
    "changer_cpas": sans,
    "changer_langue": sans,
    "audit": sans,
    "otp_verifier": sans,
    "otp_activer": sans,
    "otp_codes_secours": sans,
    "sante": sans,
    "accessibilite": sans,
    "notifications": sans,
    "notification_ouvrir": notification,
    "notifications_tout_lu": sans,
    "notifications_preferences": sans,
    # beneficiaires
    "beneficiaires:liste": sans,
    "beneficiaires:creer": sans,
    "beneficiaires:detail": avec(pk="b"),
    # One tab stands for all (the same view and rule): the timeline's.
    "beneficiaires:onglet": lambda w, scope: {"pk": w[scope]["b"].pk, "onglet": "parcours"},
    "beneficiaires:modifier": avec(pk="b"),
    "beneficiaires:droit_ajouter": avec(pk="b"),
    "beneficiaires:droit_modifier": avec(pk="b", droit_pk="droit"),
    "beneficiaires:droit_supprimer": avec(pk="b", droit_pk="droit"),
    "beneficiaires:frein_ajouter": avec(pk="b"),
    "beneficiaires:frein_lever": avec(pk="b", frein_pk="frein"),
    "beneficiaires:bilan_modifier": avec(pk="b"),
    "beneficiaires:bilan_historique": avec(pk="b"),
    "beneficiaires:donnees_personnelles": avec(pk="b"),
    "beneficiaires:import_liste": sans,
    "beneficiaires:import_detail": avec(pk="lot"),
    "beneficiaires:import_statut": avec(pk="lot"),
    "beneficiaires:gel": avec(pk="b"),
    "beneficiaires:gel_lever": avec(pk="b"),
    "beneficiaires:reattribuer": sans,
    "beneficiaires:referent": avec(pk="b"),
    "beneficiaires:cloturer": avec(pk="b"),
    "beneficiaires:rouvrir": avec(pk="b"),
    "beneficiaires:conservation": sans,
    # partenaires
    "partenaires:liste": sans,
    "partenaires:creer": sans,
    "partenaires:detail": avec(pk="partenaire"),
    "partenaires:modifier": avec(pk="partenaire"),
    "partenaires:note_creer": avec(pk="partenaire"),
    "partenaires:suggestion_creer": avec(pk="partenaire"),
    "partenaires:suggestion_traitee": avec(pk="partenaire", suggestion_pk="suggestion"),
    "partenaires:service_creer": avec(partenaire_pk="partenaire"),
    "partenaires:service_modifier": avec(partenaire_pk="partenaire", pk="service"),
    "partenaires:contact_creer": avec(partenaire_pk="partenaire"),
    "partenaires:contact_modifier": avec(partenaire_pk="partenaire", pk="contact"),
    "partenaires:orientations": sans,
    "partenaires:orientation_creer": requete(sans, lambda w, s: f"beneficiaire={w[s]['b'].pk}"),
    "partenaires:orientation_detail": avec(pk="orientation"),
    "partenaires:orientation_modifier": avec(pk="orientation"),
    "partenaires:orientation_transition": avec(pk="orientation"),
    "partenaires:orientation_message": avec(pk="orientation"),
    "partenaires:statistiques": sans,
    "partenaires:portail": sans,
    "partenaires:portail_detail": avec(pk="orientation"),
    "partenaires:portail_transition": avec(pk="orientation"),
    "partenaires:portail_message": avec(pk="orientation"),
    "partenaires:portail_presence": avec(pk="orientation"),
    "partenaires:conventions": sans,
    "partenaires:convention_creer": sans,
    "partenaires:convention_detail": avec(pk="convention"),
    "partenaires:convention_modifier": avec(pk="convention"),
    "partenaires:programmes": sans,
    "partenaires:programme_creer": sans,
    "partenaires:programme_detail": avec(pk="programme"),
    "partenaires:programme_modifier": avec(pk="programme"),
    "partenaires:participation_creer": avec(programme_pk="programme"),
    "partenaires:participation_modifier": avec(programme_pk="programme", pk="participation"),
    "partenaires:avis_creer": avec(programme_pk="programme", pk="participation"),
    # trajets
    "trajets:etape_rapide": avec(pk="b"),
    "trajets:journal": avec(pk="b"),
    "trajets:etape_modifier": avec(etape_pk="etape"),
    "trajets:action_faite": avec(etape_pk="etape"),
    "trajets:echeances": sans,
    "trajets:orienter": avec(pk="b"),
    "trajets:terminer_trajet": avec(pk="b"),
    "trajets:passage_modifier": avec(passage_pk="passage"),
    "trajets:files": sans,
    "trajets:file_cellule": cellule,
    "trajets:seance_collective": cellule,
    "trajets:piis_nouveau": avec(pk="b"),
    "trajets:piis_detail": avec(piis_pk="piis"),
    "trajets:piis_modifier": avec(piis_pk="piis"),
    "trajets:piis_proposer": avec(piis_pk="piis"),
    "trajets:piis_signer": avec(piis_pk="piis"),
    "trajets:piis_cloturer": avec(piis_pk="piis"),
    "trajets:piis_avenant": avec(piis_pk="piis"),
    "trajets:piis_pdf": avec(piis_pk="piis"),
    "trajets:evaluation_ajouter": avec(piis_pk="piis"),
    "trajets:evaluation": avec(evaluation_pk="evaluation"),
    "trajets:contrat_nouveau": avec(pk="b"),
    "trajets:fin_prevue": requete(avec(pk="b"), "debut=2026-01-05&heures_semaine=38"),
    "trajets:contrat_detail": avec(contrat_pk="contrat"),
    "trajets:occupation": sans,
    "trajets:contrats_liste": sans,
    # rendezvous
    "rendezvous:mon_agenda": sans,
    "rendezvous:semaine": matrice_agenda,
    "rendezvous:jour": matrice_agenda,
    "rendezvous:reglages": matrice_agenda,
    "rendezvous:supprimer_reglage": matrice_agenda,
    "rendezvous:jeton_ics": matrice_agenda,
    "rendezvous:creer_dans_agenda": matrice_agenda,
    "rendezvous:cellule_jour": cellule,
    "rendezvous:creer": avec(pk="b"),
    "rendezvous:detail": matrice_rdv,
    "rendezvous:modifier": matrice_rdv,
    "rendezvous:statut": matrice_rdv,
    "rendezvous:issue_participant": matrice_participant,
    "rendezvous:ics": matrice_ics,
    "rendezvous:inviter": avec(pk="b"),
    "rendezvous:file": lambda w, s: {"quelle": "a-convoquer"},
    "rendezvous:inviter_groupe": sans,
    "rendezvous:retirer": matrice_invitation,
    "rendezvous:imprimer": sans,
    "rendezvous:reserver": matrice_reservation,
    "rendezvous:reserver_annuler": matrice_reservation,
    "rendezvous:sms_statut": sans,
    # documents
    "documents:ajouter": avec(pk="b"),
    "documents:telecharger": matrice_document,
    "documents:supprimer": matrice_document,
    "documents:partager": matrice_partage,
    "documents:portail_telecharger": matrice_partage,
    "rendezvous:parametres": sans,
    "rendezvous:canaux_type": matrice_type,
    "rendezvous:type_creer": sans,
    "rendezvous:type_modifier": matrice_type,
    "rendezvous:lieu_creer": sans,
    "rendezvous:lieu_modifier": matrice_lieu,
    # activites
    "activites:liste": sans,
    "activites:creer": sans,
    "activites:detail": matrice_activite,
    "activites:modifier": matrice_activite,
    "activites:seances": matrice_activite,
    "activites:inscrire": matrice_activite,
    "activites:presences": matrice_seance,
    "activites:feuille": matrice_seance,
    "activites:supprimer_seance": matrice_seance,
    "activites:inscrire_personne": avec(pk="b"),
    "activites:retirer": matrice_inscription,
    "activites:terminer": matrice_inscription,
    "activites:attestation_emettre": matrice_inscription,
    "activites:attestation": matrice_attestation,
    "activites:verification": sans,
    "activites:fse": matrice_fse,
    "activites:fse_personnes": matrice_personnes_fse,
    "activites:fse_export": matrice_export_fse,
    "activites:fse_suivi": matrice_suivi_fse,
    "activites:fse_participant": matrice_inscription,
    "activites:verifier": matrice_code,
    # rapports
    "rapports:tableau_de_bord": sans,
    "rapports:personnes": requete(sans, _date_du_jour),
    "rapports:export": lambda w, s: {"table": "participation", "format": "csv"},
    "rapports:mensuels": sans,
    "rapports:demander": sans,
    "rapports:telecharger": avec(pk="rapport"),
}


# --- The routes, from the resolver ---------------------------------------------------------


def routes_du_resolver(resolver=None, namespace=""):
    """(namespace, name, pattern) of every URL pattern, recursively."""
    for p in (resolver or get_resolver()).url_patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from routes_du_resolver(p, ns)
        elif isinstance(p, URLPattern):
            yield namespace, p.name, p


def routes_applicatives():
    return [
        (f"{ns}{name}" if name else f"{ns}<sans nom: {p.pattern}>", p)
        for ns, name, p in routes_du_resolver()
        if not ns.startswith("admin:")
    ]
