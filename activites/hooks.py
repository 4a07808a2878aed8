"""What the activities add to the person's file (registered from ``ActivitesConfig.ready()``
through ``beneficiaires.hooks``): the activities section, the "enrol in an activity" action,
enrolments on the timeline, and the enrolments and attendance in the personal data export."""

from __future__ import annotations

from django.db.models import (
    CharField,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    Value,
    prefetch_related_objects,
)
from django.db.models.functions import Cast
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from activites import queries
from activites.forms import FinForm, RetraitForm
from activites.models import Attestation, Inscription, Presence
from beneficiaires import hooks
from beneficiaires.acces import objets_visibles
from beneficiaires.permissions import peut_voir_beneficiaire
from cpas_isp.listes import url_de, url_par_pk
from cpas_isp.sql_compile import RequeteCompilee
from trajets.queries import NOM_LU_APRES, SourceEcheances, referes_par, register_echeances


def _inscriptions(beneficiaire):
    return (
        Inscription.objects.filter(cpas_id=beneficiaire.cpas_id, beneficiaire=beneficiaire)
        .select_related("activite", "activite__type")
        .order_by("-date_inscription", "-id")
    )


def _inscriptions_avec_heures(inscriptions):
    return queries.avec_heures(inscriptions).annotate(
        fiche_a_attestations=Exists(Attestation.objects.filter(inscription=OuterRef("pk")))
    )


# The person page's enrolments (``_inscriptions`` with their hours and whether they have
# attestations), compiled once (cpas_isp.sql_compile): only the CPAS and the person change it.
_INSCRIPTIONS_PAGE = RequeteCompilee(
    lambda cpas, personne: _inscriptions_avec_heures(
        Inscription.objects.filter(cpas_id=cpas, beneficiaire_id=personne)
        .select_related("activite", "activite__type")
        .order_by("-date_inscription", "-id")
    ),
    nombre=2,
)


def _inscriptions_de_la_page(beneficiaire) -> list:
    """The person's enrolments with their hours and attestations, fetched once per page for
    the section and the timeline."""
    cache = beneficiaire.__dict__.get("_inscriptions_activites")
    if cache is None and hooks.liste_vide(beneficiaire, "fiche_a_inscriptions"):
        cache = beneficiaire.__dict__["_inscriptions_activites"] = []
    if cache is None:
        cache = _INSCRIPTIONS_PAGE.lignes(beneficiaire.cpas_id, beneficiaire.pk)
        # Their attestations: one query when some have any, none when none has (most).
        if any(i.fiche_a_attestations for i in cache):
            prefetch_related_objects(
                cache,
                Prefetch("attestations", queryset=Attestation.objects.order_by("-emise_le")),
            )
        else:
            for i in cache:
                i._prefetched_objects_cache = {"attestations": Attestation.objects.none()}
        beneficiaire.__dict__["_inscriptions_activites"] = cache
    return cache


def indicateurs_fiche():
    """Whether the person has enrolments, in the person page's query of the person: none, no
    query."""
    return {"fiche_a_inscriptions": hooks.ALignes(Inscription)}


def section(request, beneficiaire):
    if not peut_voir_beneficiaire(request.user, beneficiaire):
        return None
    inscriptions = _inscriptions_de_la_page(beneficiaire)
    html = render_to_string(
        "activites/_section_personne.html",
        {
            "b": beneficiaire,
            "inscriptions": inscriptions,
            "retrait_form": RetraitForm(),
            "fin_form": FinForm(),
        },
        request=request,
    )
    return hooks.Section(
        titre=str(gettext_lazy("Activités collectives")), html=html, ordre=35, ancre="activites"
    )


def actions(request, beneficiaire):
    if not peut_voir_beneficiaire(request.user, beneficiaire):
        return []
    url = url_de("activites:inscrire_personne", beneficiaire.pk)
    return [hooks.Action(_("Inscrire à une activité"), url, ordre=40)]


def timeline(beneficiaire, user):
    if not peut_voir_beneficiaire(user, beneficiaire):
        return []
    events = []
    url_activite = url_par_pk("activites:detail", None)
    for i in _inscriptions_de_la_page(beneficiaire)[:50]:
        url = url_activite(i.activite_id)
        events.append(
            hooks.EvenementTimeline(
                date=i.date_inscription,
                titre=_("Inscription à « %(activite)s » (%(statut)s)")
                % {"activite": i.activite.titre, "statut": i.get_statut_display().lower()},
                categorie="activite",
                url=url,
            )
        )
        if i.date_fin:
            events.append(
                hooks.EvenementTimeline(
                    date=i.date_fin,
                    titre=_("Fin de « %(activite)s » : %(resultat)s")
                    % {"activite": i.activite.titre, "resultat": i.get_resultat_display()},
                    categorie="activite",
                    url=url,
                )
            )
        if i.date_retrait:
            events.append(
                hooks.EvenementTimeline(
                    date=i.date_retrait,
                    titre=_("Retrait de « %(activite)s » : %(motif)s")
                    % {"activite": i.activite.titre, "motif": i.get_motif_retrait_display()},
                    categorie="activite",
                    url=url,
                )
            )
    return events


def donnees_personnelles(beneficiaire):
    """Enrolments, each session's attendance and the attestations issued (right of access)."""
    inscriptions = _inscriptions(beneficiaire).prefetch_related(
        Prefetch(
            "presences",
            queryset=Presence.objects.select_related("seance").order_by("seance__date"),
        ),
        "attestations",
    )
    return {
        "activites_collectives": [
            {
                "activite": i.activite.titre,
                "type": i.activite.type.libelle,
                "statut": i.get_statut_display(),
                "inscription": i.date_inscription,
                "retrait": i.date_retrait,
                "motif_retrait": i.get_motif_retrait_display(),
                "fin": i.date_fin,
                "resultat": i.get_resultat_display(),
                "presences": [
                    {
                        "date": p.seance.date,
                        "presence": p.get_statut_display(),
                        "heures": str(p.heures),
                    }
                    for p in i.presences.all()
                ],
                "attestations": [
                    {"numero": a.reference, "type": a.get_type_display(), "heures": str(a.heures)}
                    for a in i.attestations.all()
                ],
            }
            for i in inscriptions
        ]
    }


# The person page's tab of its block: the appointments' (rendezvous.hooks.ONGLET).
ONGLET_FICHE = "rendez-vous"


def register():
    hooks.register_section(section, onglet=ONGLET_FICHE)
    hooks.register_action(actions)
    hooks.register_timeline(
        timeline, categories={"activite": gettext_lazy("Activités collectives")}
    )
    hooks.register_indicateurs_fiche(indicateurs_fiche)
    register_donnees()
    register_echeances(
        SourceEcheances(
            genre="suivi_fse",
            requete=requete_echeances_fse,
            url_objet="activites:fse_suivi",
            libelle=_libelle_suivi_fse,
        )
    )


def requete_echeances_fse(user, jusqu_au, visibles):
    """The ESF+ follow-ups due by ``jusqu_au`` (result at exit, six months later) of the
    people the user follows, in the columns of trajets' "Mes échéances"."""
    from activites.models import SuiviFse

    return (
        objets_visibles(SuiviFse.objects.all(), user, ids=visibles)
        .filter(fait_le__isnull=True, echeance__lte=jusqu_au)
        .filter(Q(agent=user) | Q(beneficiaire__in=referes_par(user)))
        .annotate(
            quand=F("echeance"),
            genre=Value("suivi_fse", output_field=CharField()),
            libelle=Cast("type_suivi", CharField()),
            personne_id=F("beneficiaire_id"),
            personne_nom=NOM_LU_APRES,
            personne_prenom=NOM_LU_APRES,
            objet_id=F("pk"),
            type_libelle=Cast("numero_projet", CharField()),
            etape_date=F("date_sortie"),
        )
    )


def _libelle_suivi_fse(type_suivi, projet):
    from activites.models import GenreSuiviFse

    if type_suivi == GenreSuiviFse.SIX_MOIS:
        return _("Situation FSE+ à six mois (%(projet)s)") % {"projet": projet}
    return _("Résultat FSE+ à la sortie (%(projet)s)") % {"projet": projet}


def register_donnees():
    """What this app keeps on a person (right of access, anonymisation):
    ``beneficiaires.registre``. A withdrawal's free-text detail is erased; enrolments, their
    phase, result and the hours attended stay (the statistics count them)."""
    from activites.models import (
        CHAMPS_RESULTATS,
        SITUATIONS_SENSIBLES,
        Activite,
        Module,
        ParticipantFse,
        ResumeHebdomadaire,
        Seance,
        SuiviFse,
        TypeActivite,
    )
    from beneficiaires import registre

    registre.enregistrer(
        Inscription,
        personne="beneficiaire",
        titre=gettext_lazy("Activités collectives"),
        exporter=lambda b: donnees_personnelles(b)["activites_collectives"],
        effacer=["precision_retrait"],
        ordre=50,
        cle="activites_collectives",
    )
    registre.enregistrer(
        Presence,
        personne="inscription__beneficiaire",
        titre=gettext_lazy("Présences aux activités"),
        champs=["seance", "statut", "heures"],
        ordre=51,
    )
    registre.enregistrer(
        Attestation,
        personne="inscription__beneficiaire",
        titre=gettext_lazy("Attestations"),
        champs=["type", "annee", "numero", "heures", "premiere_seance", "derniere_seance"],
        effacer=["initiales"],
        ordre=52,
    )
    registre.enregistrer(
        ResumeHebdomadaire,
        personne="inscription__beneficiaire",
        titre=gettext_lazy("Résumés hebdomadaires des présences"),
        champs=["semaine", "etape"],
        ordre=53,
    )
    # ESF+: the indicators are statistics the managing authority audits for years; nothing
    # the Annex I table counts is erased (the age band is kept at entry for that reason).
    registre.enregistrer(
        ParticipantFse,
        personne="beneficiaire",
        titre=gettext_lazy("Données FSE+"),
        champs=[
            "numero_projet",
            "date_entree",
            "tranche_age",
            "statut_emploi",
            "niveau_isced",
            *[c for c, _label in SITUATIONS_SENSIBLES],
            *CHAMPS_RESULTATS,
        ],
        ordre=54,
    )
    registre.enregistrer(
        SuiviFse,
        personne="beneficiaire",
        titre=gettext_lazy("Suivis FSE+"),
        champs=["numero_projet", "type_suivi", "date_sortie", "echeance", "fait_le"],
        ordre=55,
    )
    registre.hors_personne(Activite, Module, Seance, TypeActivite)
