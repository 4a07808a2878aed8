"""What documents add to other apps' pages (registered from DocumentsConfig.ready()): a
section of the person page and its "add a document" button, blocks on the step, PIIS, article
60 contract and referral pages (``cpas_isp.extensions``), the sharing toggles on the referral
page and the shared documents on the partner's portal, the expiring documents in "Mes
échéances", and the documents in the personal-data export."""

from __future__ import annotations

from urllib.parse import urlencode

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from beneficiaires import hooks
from beneficiaires.permissions import peut_voir_beneficiaire
from cpas_isp import permissions as p
from cpas_isp.extensions import liste_vide, register_bloc, register_indicateurs
from cpas_isp.listes import url_de
from cpas_isp.sql_compile import RequeteCompilee
from cpas_isp.tenancy import current_membership
from partenaires import integration
from trajets.queries import SourceEcheances, register_echeances

from . import permissions as dp
from . import queries
from .models import Document


def _url_ajouter(beneficiaire_id, champ=None, objet_id=None, suivant=None) -> str:
    params = {}
    if champ:
        params[champ] = objet_id
    if suivant:
        params["next"] = suivant
    url = url_de("documents:ajouter", beneficiaire_id)
    return f"{url}?{urlencode(params)}" if params else url


def _peut(user, beneficiaire) -> bool:
    return p.peut_suivre_beneficiaires(user) and peut_voir_beneficiaire(user, beneficiaire)


def _documents_de_la_page(user, beneficiaire, select=queries.SELECT):
    """The documents of the person page (and of a step's, PIIS's, contract's page): those of
    ``documents_visibles(user, beneficiaire)`` without repeating the need-to-know subquery on
    the person (``_peut`` just checked that ``user`` may see ``beneficiaire``; the page fetched
    them through that rule too). That subquery was the page's slowest query (a scan of the
    CPAS's people). ``select``: the relations the list shows (all of them on the person page;
    an object's page does not say what each document is attached to)."""
    return _documents(
        Document.objects.for_user(user),
        beneficiaire.pk,
        dp.peut_voir_freins_sensibles(user, beneficiaire),  # the rule documents_visibles asks
        select,
    )


def _documents(qs, personne_id, sensibles: bool, select=queries.SELECT):
    """The documents of ``qs`` (the user's CPAS's) of one person, their sensitive ones only
    when ``sensibles``, with the relations ``select``."""
    qs = qs.filter(beneficiaire_id=personne_id)
    if not sensibles:
        qs = qs.filter(categorie__sensible=False)
    return qs.select_related(*select)


# The person page's list (``_documents`` with every relation), compiled once per shape (with
# and without the sensitive documents): only the CPAS and the person change it.
_DOCUMENTS_FICHE = {
    sensibles: RequeteCompilee(
        lambda cpas, personne, s=sensibles: _documents(
            Document.objects.filter(cpas_id=cpas), personne, s
        ),
        nombre=2,
    )
    for sensibles in (False, True)
}


def prechargement(request, beneficiaire):
    """The person page's reading of the documents (``hooks.precharger_fiche``: in the round
    trip of the other apps' lists), kept on the person object for ``section``; None when the
    section shows none (no right, or none known from the page's query of the person)."""
    if not _peut(request.user, beneficiaire) or hooks.liste_vide(beneficiaire, "fiche_a_documents"):
        return None
    membership = current_membership(request.user)
    if membership is None:
        return None
    return _lire_documents(
        beneficiaire, membership.cpas_id, dp.peut_voir_freins_sensibles(request.user, beneficiaire)
    )


def _lire_documents(beneficiaire, cpas_id, sensibles):
    lignes = yield from _DOCUMENTS_FICHE[sensibles].generateur(cpas_id, beneficiaire.pk)
    beneficiaire.__dict__["_documents_fiche"] = lignes
    return lignes


def indicateurs_fiche():
    """Whether the person has documents, in the person page's query of the person: none, no
    query."""
    return {"fiche_a_documents": hooks.ALignes(Document)}


def section(request, beneficiaire):
    if not _peut(request.user, beneficiaire):
        return None
    if hooks.liste_vide(beneficiaire, "fiche_a_documents"):
        documents = []
    else:
        lus = beneficiaire.__dict__.get("_documents_fiche")  # by ``prechargement``
        documents = queries.marquer(
            _documents_de_la_page(request.user, beneficiaire) if lus is None else lus,
            request.user,
        )
    html = render_to_string(
        "documents/_section.html",
        {
            "documents": documents,
            "url_ajouter": _url_ajouter(beneficiaire.pk),
            "suivant": f"{hooks.url_onglet(beneficiaire.pk, integration.ONGLET)}#documents",
        },
        request=request,
    )
    return hooks.Section(titre=_("Documents"), html=html, ordre=60, ancre="documents")


def actions(request, beneficiaire):
    if not _peut(request.user, beneficiaire):
        return []
    return [hooks.Action(_("Ajouter un document"), _url_ajouter(beneficiaire.pk), ordre=60)]


INDICATEUR_BLOC = "bloc_a_documents"


def indicateurs_bloc(champ):
    """Whether the object has documents attached, in its page's query of it."""
    return lambda: {INDICATEUR_BLOC: hooks.ALignes(Document, champ)}


# What documents/_liste.html shows with ``sans_lien`` (an object's block): no attachment column.
SELECT_BLOC = ("categorie", "depose_par")


def _bloc(champ):
    """The documents attached to a step / PIIS / contract, on that object's page (none, without
    a query, when the page's query of the object said so: ``indicateurs_bloc``)."""

    def bloc(request, objet):
        b = objet.beneficiaire
        if not _peut(request.user, b):
            return ""
        documents = (
            []
            if liste_vide(objet, INDICATEUR_BLOC)
            else queries.marquer(
                _documents_de_la_page(request.user, b, SELECT_BLOC).filter(**{champ: objet}),
                request.user,
            )
        )
        return render_to_string(
            "documents/_bloc.html",
            {
                "documents": documents,
                "url_ajouter": _url_ajouter(b.pk, champ, objet.pk, request.get_full_path()),
                "suivant": request.get_full_path(),
            },
            request=request,
        )

    return bloc


def lien_etape(request, etape):
    """On each step of the journal: a link to attach a document (no query: runs per row)."""
    if not p.peut_suivre_beneficiaires(request.user):
        return ""
    return render_to_string(
        "documents/_lien_etape.html",
        {
            "url": _url_ajouter(
                etape.beneficiaire_id,
                "etape",
                etape.pk,
                reverse("trajets:journal", kwargs={"pk": etape.beneficiaire_id}),
            ),
            "etape": etape,
        },
    )


def bloc_orientation(request, orientation):
    """The agent's referral page: the documents attached to it, and a share toggle for each
    non-sensitive document of the person (the partner sees only what is shared)."""
    b = orientation.beneficiaire
    if not _peut(request.user, b):
        return ""
    documents = queries.marquer(queries.documents_de(request.user, b), request.user)
    partages = queries.partages_de(orientation)
    for d in documents:
        d.partage = d.pk in partages
    return render_to_string(
        "documents/_orientation.html",
        {
            "documents": documents,
            "o": orientation,
            "url_ajouter": _url_ajouter(
                b.pk, "orientation", orientation.pk, request.get_full_path()
            ),
            "suivant": request.get_full_path(),
        },
        request=request,
    )


def bloc_portail(request, orientation):
    """The partner's referral page: the documents the agent shared with this referral."""
    if not p.peut_utiliser_portail_partenaire(request.user):
        return ""
    documents = list(queries.partages_pour_le_partenaire(orientation))
    return render_to_string(
        "documents/_portail.html", {"documents": documents, "o": orientation}, request=request
    )


def _libelle_echeance(nom, categorie):
    return _("Expiration du document « %(nom)s » (%(categorie)s)") % {
        "nom": nom,
        "categorie": categorie,
    }


def register():
    # On the person page's tab of the referrals.
    hooks.register_section(section, onglet=integration.ONGLET)
    hooks.register_prechargement_fiche(prechargement, onglets=(integration.ONGLET,))
    hooks.register_action(actions)
    hooks.register_indicateurs_fiche(indicateurs_fiche)
    register_donnees()
    register_bloc("trajets.etape", _bloc("etape"))
    register_bloc("trajets.piis", _bloc("piis"))
    register_indicateurs("trajets.piis", indicateurs_bloc("piis"))
    register_bloc("trajets.contrat", _bloc("contrat"))
    register_bloc("trajets.etape_item", lien_etape)
    register_bloc("partenaires.orientation", bloc_orientation)
    register_bloc("partenaires.portail", bloc_portail)
    register_echeances(
        SourceEcheances(
            genre="document",
            requete=queries.requete_echeances,
            url_objet="documents:telecharger",
            libelle=_libelle_echeance,
        )
    )


def register_donnees():
    """The documents in the right of access (metadata, never the content) and in the
    anonymisation (rows and stored content deleted): ``beneficiaires.registre``."""
    from django.utils.translation import gettext_lazy

    from beneficiaires import registre
    from documents.models import CategorieDocument, Document, ParametresDocuments, PartageDocument
    from documents.services import effacer_fichiers

    registre.enregistrer(
        Document,
        personne="beneficiaire",
        titre=gettext_lazy("Documents"),
        exporter=queries.donnees_personnelles,
        supprimer=True,
        anonymiser=effacer_fichiers,
        ordre=60,
        cle="documents",
    )
    registre.enregistrer(
        PartageDocument,
        personne="document__beneficiaire",
        titre=gettext_lazy("Documents partagés avec un partenaire"),
        champs=["document", "orientation", "partage_le"],
        supprimer=True,
        ordre=61,
    )
    registre.hors_personne(CategorieDocument, ParametresDocuments)
