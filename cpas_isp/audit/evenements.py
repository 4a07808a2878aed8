"""One change of the audit trail, readable: author, origin, object, person (named or masked)
and the changed fields with their values (withheld when confidential)."""

from __future__ import annotations

import dataclasses
import datetime
from functools import cache

from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cpas_isp.audit.confidentialite import champ_confidentiel, libelles_personnes
from cpas_isp.audit.sources import Source
from cpas_isp.listes import echapper_conditionnel

ACTIONS = {
    "insert": gettext_lazy("création"),
    "update": gettext_lazy("modification"),
    "delete": gettext_lazy("suppression"),
    "ajout": gettext_lazy("ajout du lien"),
    "retrait": gettext_lazy("retrait du lien"),
}
CHAMPS_TECHNIQUES = {"id", "cpas"}
MASQUE = "•••"


@dataclasses.dataclass
class Evenement:
    source: Source
    pgh_id: int
    quand: datetime.datetime
    action: str
    obj_id: int
    personne_id: int | None
    contexte: dict
    donnees: dict
    avant: dict | None
    # Filled by ``presenter``:
    quand_texte: str = ""  # d/m/Y H:i, local time
    auteur: str = ""
    origine: str = ""
    objet: str = ""
    personne: str = ""
    changements: list = dataclasses.field(default_factory=list)

    @property
    def model(self):
        return self.source.model

    @property
    def libelle_action(self):
        return ACTIONS.get(self.action, self.action)

    @property
    def ligne_html(self):
        """The row of the audit page's table (``audit.html`` wrote it cell by cell: some
        fifteen template lookups per row, fifty rows a page), filled by ``presenter``: every
        value escaped as ``format_html`` would (``cpas_isp.listes.echapper_conditionnel``),
        without its formatting machinery (a row and a ``format_html`` per changed field, 50
        rows)."""
        ip = self.contexte.get("ip")
        masquee = None
        changements = []
        for champ, avant, apres in self.changements:
            if avant is None and apres is None:
                masquee = masquee or _valeur_masquee_html()
                valeurs = masquee
            else:
                valeurs = (
                    f' : <span class="diff-old">{echapper_conditionnel(avant)}</span> → '
                    f'<span class="diff-new">{echapper_conditionnel(apres)}</span>'
                )
            changements.append(
                f"<div><strong>{echapper_conditionnel(champ)}</strong>{valeurs}</div>"
            )
        ip_html = f' <span class="text-muted">{echapper_conditionnel(ip)}</span>' if ip else ""
        return mark_safe(  # noqa: S308 - every value escaped above
            "\n    <tr>\n"
            f"      <td>{echapper_conditionnel(self.quand_texte)}</td>\n"
            f"      <td>{echapper_conditionnel(self.auteur or '—')}</td>\n"
            f"      <td><code>{echapper_conditionnel(self.origine or '—')}</code>{ip_html}</td>\n"
            f"      <td>{echapper_conditionnel(self.objet)}</td>\n"
            f"      <td>{echapper_conditionnel(self.personne or '—')}</td>\n"
            f"      <td>{echapper_conditionnel(self.libelle_action)}</td>\n"
            f'      <td class="small">\n        {"".join(changements)}\n      </td>\n    </tr>'
        )

    def champs(self):
        """The tracked fields of the model shown on the audit (editable, not technical)."""
        return [f for f in _champs_audites(self.source.model) if f.attname in self.donnees]

    def champs_modifies(self):
        if self.action != "update" or self.avant is None:
            return []
        return [f for f in self.champs() if self.donnees[f.attname] != self.avant.get(f.attname)]


def _valeur_masquee_html():
    """A confidential field's mark instead of its values (before → after)."""
    return (
        ' <span class="text-muted valeur-masquee" '
        f'title="{echapper_conditionnel(_("Valeur confidentielle, non affichée"))}">'
        f"({echapper_conditionnel(_('valeur confidentielle'))})</span>"
    )


@cache
def _champs_audites(model):
    return [
        f for f in model._meta.concrete_fields if f.name not in CHAMPS_TECHNIQUES and f.editable
    ]


@cache
def _est_utilisateur(field) -> bool:
    return isinstance(field, models.ForeignKey) and (
        field.related_model._meta.label == "cpas_isp.User"
    )


@cache
def _champs_utilisateurs(model):
    """The audited fields of ``model`` that name a user (cached by model: a field's hash is
    slow, and each event has a dozen fields)."""
    return [f for f in _champs_audites(model) if _est_utilisateur(f)]


def _valeur(field, value, utilisateurs):
    if value is None or value == "":
        return "∅"
    if isinstance(field, models.ForeignKey):
        if _est_utilisateur(field):
            return utilisateurs.get(value, f"n° {value}")
        return f"n° {value}"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.BooleanField):
        return _("oui") if value else _("non")
    try:
        if isinstance(field, models.DateTimeField):
            return date_heure(datetime.datetime.fromisoformat(value))
        if isinstance(field, models.DateField):
            return datetime.date.fromisoformat(value).strftime("%d/%m/%Y")
    except (TypeError, ValueError):
        pass
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


NOMS_LISIBLES = ("titre", "nom", "libelle_fr", "libelle", "code", "mois", "version")


@cache
def _champs_lisibles(model):
    """The fields that name an object of ``model`` readably (not confidential), by preference."""
    par_nom = {f.name: f for f in model._meta.concrete_fields}
    return [
        par_nom[n]
        for n in NOMS_LISIBLES
        if n in par_nom and not champ_confidentiel(model, par_nom[n])
    ]


def _libelle_objet(e: Evenement, utilisateurs, noms_modeles) -> str:
    model = e.source.model
    if model not in noms_modeles:
        noms_modeles[model] = str(model._meta.verbose_name).capitalize()
    base = f"{noms_modeles[model]} n° {e.obj_id}"
    for field in _champs_lisibles(model):
        valeur = e.donnees.get(field.attname)
        if valeur not in (None, ""):
            return f"{base} · {_valeur(field, valeur, utilisateurs)}"
    if "user_id" in e.donnees:
        return f"{base} · {utilisateurs.get(e.donnees['user_id'], '')}"
    return base


def date_heure(moment: datetime.datetime) -> str:
    """``moment`` as d/m/Y H:i in the current time zone: what the template filter
    ``date:"d/m/Y H:i"`` writes, without its formatting machinery (50 rows a page)."""
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M")


def presenter(events, viewer, cpas, noms_connus=None):
    """Fill in the readable columns of ``events``: author by name, origin, object label, person
    (named or masked), changed fields with values (withheld when confidential). Two queries;
    one when ``noms_connus`` ({user id: name}, the CPAS's users the page reads anyway) names
    every user of the events."""
    user_ids = {e.contexte.get("user") for e in events}
    for e in events:
        for field in _champs_utilisateurs(e.model):
            if field.attname in e.donnees:
                user_ids.add(e.donnees.get(field.attname))
                if e.avant:
                    user_ids.add(e.avant.get(field.attname))
    user_ids = {i for i in user_ids if isinstance(i, int)}
    noms_connus = noms_connus or {}
    utilisateurs = {pk: noms_connus[pk] for pk in user_ids if pk in noms_connus}
    if inconnus := user_ids - utilisateurs.keys():
        utilisateurs.update(
            (u.pk, str(u)) for u in get_user_model().objects.filter(pk__in=inconnus)
        )
    personnes = libelles_personnes(viewer, cpas, {e.personne_id for e in events})
    libelles: dict = {}  # (model, field name) -> (label, confidential), in the active language
    commande = _("commande %(nom)s")
    noms_modeles: dict = {}
    for e in events:
        e.quand_texte = date_heure(e.quand)
        user_id = e.contexte.get("user")
        e.auteur = utilisateurs.get(user_id, "") if user_id else ""
        if e.contexte.get("command"):
            e.origine = commande % {"nom": e.contexte["command"]}
        else:
            e.origine = e.contexte.get("url") or ""
        e.personne = personnes.get(e.personne_id, "") if e.personne_id else ""
        e.objet = _libelle_objet(e, utilisateurs, noms_modeles)
        e.changements = []
        for field in e.champs_modifies():
            cle = (e.model, field.name)
            if cle not in libelles:
                libelles[cle] = (str(field.verbose_name), champ_confidentiel(e.model, field))
            label, confidentiel = libelles[cle]
            if confidentiel:
                e.changements.append((label, None, None))
            else:
                e.changements.append(
                    (
                        label,
                        _valeur(field, e.avant.get(field.attname), utilisateurs),
                        _valeur(field, e.donnees.get(field.attname), utilisateurs),
                    )
                )
    return events
