"""Exports: the filtered caseload as CSV or XLSX (streamed, never the full list in memory), the
personal data of one person (JSON, PDF) for the right of access, and import rejects."""

from __future__ import annotations

import json

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from cpas_isp.exports import reponse_csv, reponse_xlsx
from cpas_isp.models import JournalAcces

from . import hooks, queries
from .models import SECTIONS_BSP, BilanSocioProfessionnel, DroitAide, FreinBeneficiaire
from .niss import format_niss


def _entete_liste():
    return [
        _("NISS"),
        _("Nom"),
        _("Prénom"),
        _("Date de naissance"),
        _("Genre"),
        _("Langue"),
        _("Commune"),
        _("Référent"),
        _("Ouverture"),
        _("Clôture"),
        _("Droit en cours"),
        _("Catégorie"),
        _("Début du droit"),
        _("Groupes cibles"),
    ]


def _ligne(b):
    return [
        format_niss(b.niss),
        b.nom,
        b.prenom,
        b.date_naissance,
        b.genre,
        b.langue,
        b.commune,
        str(b.referent) if b.referent_id else "",
        b.date_ouverture,
        b.date_cloture,
        b.droit_type or "",
        b.droit_categorie or "",
        b.droit_debut,
        ", ".join(str(label) for _code, label in queries.groupes_de(b)),
    ]


def exporter_liste(request, qs, fmt: str):
    nom = f"dossiers-{request.cpas.code}-{timezone.localdate():%Y%m%d}"
    rows = (_ligne(b) for b in qs.iterator(chunk_size=2000))
    if fmt == "csv":
        return reponse_csv(f"{nom}.csv", _entete_liste(), rows)
    return reponse_xlsx(f"{nom}.xlsx", _("Dossiers"), _entete_liste(), rows)


# --- Right of access ----------------------------------------------------------------------------


def collecter_donnees(b, user) -> dict:
    """Everything the CPAS holds on the person (this app, then other apps through hooks)."""
    identite = {
        "niss": format_niss(b.niss),
        "nom": b.nom,
        "prenom": b.prenom,
        "date_naissance": b.date_naissance,
        "genre": b.get_genre_display() if b.genre else "",
        "nationalite": b.nationalite,
        "langue": b.get_langue_display(),
        "adresse": b.adresse,
        "code_postal": b.code_postal,
        "commune": b.commune,
        "telephone": b.telephone,
        "email": b.email,
        "niveau_etudes": b.get_niveau_etudes_display() if b.niveau_etudes else "",
        "diplome_etranger": b.get_diplome_etranger_display() if b.diplome_etranger else "",
        "niveau_fr": b.niveau_fr,
        "niveau_nl": b.niveau_nl,
        "permis_conduire": b.permis_conduire,
        "referent": str(b.referent) if b.referent_id else "",
        "date_ouverture": b.date_ouverture,
        "date_cloture": b.date_cloture,
    }
    droits = [
        {
            "type": d.get_type_display(),
            "categorie": d.get_categorie_display() if d.categorie else "",
            "date_decision": d.date_decision,
            "debut": d.debut,
            "fin": d.fin,
        }
        for d in DroitAide.objects.filter(beneficiaire=b).order_by("debut")
    ]
    freins = [
        {
            "frein": f.frein.libelle,
            "sensible": f.frein.sensible,
            "note_le": f.debut,
            "leve_le": f.fin,
            "note_par": str(f.note_par),
            "commentaire": f.commentaire,
        }
        for f in FreinBeneficiaire.objects.filter(beneficiaire=b)
        .select_related("frein", "note_par")
        .order_by("debut")
    ]
    bilans = [
        {
            "version": v.version,
            "enregistre_le": v.cree_le,
            "auteur": str(v.auteur),
            **{str(label): getattr(v, name) for name, label in SECTIONS_BSP},
        }
        for v in BilanSocioProfessionnel.objects.filter(beneficiaire=b)
        .select_related("auteur")
        .order_by("version")
    ]
    consultations = [
        {"quand": a.quand, "utilisateur": str(a.user), "page": a.page}
        for a in JournalAcces.objects.filter(
            cpas_id=b.cpas_id,
            content_type=ContentType.objects.get_for_model(b),
            object_id=b.pk,
        )
        .select_related("user")
        .order_by("quand")
    ]
    evenements = [
        {"date": e.date, "titre": str(e.titre), "detail": str(e.detail), "categorie": e.categorie}
        for e in hooks.timeline(b, user)
    ]
    donnees = {
        "cpas": b.cpas.nom,
        "genere_le": timezone.now(),
        "identite": identite,
        "droits": droits,
        "freins": freins,
        "bilans_socioprofessionnels": bilans,
        "parcours": evenements,
        "consultations_du_dossier": consultations,
    }
    donnees.update(hooks.donnees_personnelles(b))
    return donnees


def donnees_personnelles_json(request, b):
    contenu = json.dumps(
        collecter_donnees(b, request.user), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2
    )
    response = HttpResponse(contenu, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="donnees-personnelles-{b.pk}.json"'
    return response


def donnees_personnelles_pdf(request, b):
    # Not at the top: WeasyPrint parses its stylesheets when imported (slow, logs), and only
    # this PDF needs it.
    from weasyprint import HTML

    donnees = collecter_donnees(b, request.user)
    identite = [
        (capfirst(type(b)._meta.get_field(champ).verbose_name), valeur)
        for champ, valeur in donnees["identite"].items()
    ]
    html = render_to_string(
        "beneficiaires/donnees_personnelles_pdf.html",
        {"b": b, "d": donnees, "identite": identite},
        request=request,
    )
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="donnees-personnelles-{b.pk}.pdf"'
    return response


def rejets_csv(lot, rapport):
    """The rejected rows of a batch with their errors, in the file's own separator."""
    return reponse_csv(
        f"rejets-{lot.pk}.csv",
        [*rapport.entete, "erreurs"],
        rapport.lignes_rejets(),
        separateur=rapport.separateur,
        en_flux=False,
    )
