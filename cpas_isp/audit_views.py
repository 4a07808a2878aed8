"""The audit page of a CPAS (functional administrator): changes (who changed what field when),
consultations of files (the access log), and consultations per user and day with the unusual
ones flagged. Opening the page, or its CSV, is itself written in the access log."""

from __future__ import annotations

import dataclasses
import datetime
import statistics

from django import forms
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Q
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cpas_isp import journal_audit as ja
from cpas_isp import permissions
from cpas_isp.audit import client_ip, journaliser_liste
from cpas_isp.exports import reponse_csv
from cpas_isp.models import JournalAcces, Membership
from cpas_isp.views import role_required

TAILLE_PAGE = 50
CSV_MAX_LIGNES = 100_000
CSV_LOT = 2000
PERIODE_MAX_JOURS = 92

VUES = [
    ("modifications", gettext_lazy("Modifications")),
    ("consultations", gettext_lazy("Consultations de dossiers")),
    ("utilisateurs", gettext_lazy("Consultations par utilisateur")),
]


class FiltreAuditForm(forms.Form):
    vue = forms.ChoiceField(choices=VUES, required=False)
    personne = forms.CharField(
        label=gettext_lazy("Personne (nom ou NISS)"), max_length=100, required=False
    )
    utilisateur = forms.ModelChoiceField(
        label=gettext_lazy("Utilisateur"), queryset=get_user_model().objects.none(), required=False
    )
    du = forms.DateField(
        label=gettext_lazy("Du"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    au = forms.DateField(
        label=gettext_lazy("Au"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, data, *, cpas):
        super().__init__(data)
        self.cpas = cpas
        self.fields["utilisateur"].queryset = (
            get_user_model()
            .objects.filter(memberships__cpas=cpas)
            .distinct()
            .order_by("last_name", "first_name", "username")
        )
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control form-control-sm")
        self.fields["vue"].widget.attrs["class"] = "form-select form-select-sm"
        self.fields["utilisateur"].widget.attrs["class"] = "form-select form-select-sm"

    def clean(self):
        data = super().clean()
        du, au = data.get("du"), data.get("au")
        if du and au and du > au:
            self.add_error("au", _("La date de fin précède la date de début."))
        if (data.get("vue") or "modifications") == "utilisateurs" and du and au:
            if (au - du).days > PERIODE_MAX_JOURS:
                self.add_error(
                    "au",
                    _("Choisissez une période de %(n)s jours au plus.") % {"n": PERIODE_MAX_JOURS},
                )
        return data

    @property
    def vue_choisie(self):
        vue = getattr(self, "cleaned_data", {}).get("vue") or ""
        return vue if vue in dict(VUES) else "modifications"

    def filtres(self) -> ja.Filtres:
        """The valid filters (a field in error is left out; the form shows the error)."""
        data = getattr(self, "cleaned_data", {})
        f = ja.Filtres(du=data.get("du"), au=data.get("au"))
        if data.get("utilisateur"):
            f.utilisateur = data["utilisateur"].pk
        if data.get("personne"):
            f.personnes = ja.chercher_personnes(self.cpas, data["personne"])
        return f


def _journaliser(request, personnes, objet):
    """The audit page is itself in the access log, even when it showed nobody."""
    row = journaliser_liste(request, personnes, objet=objet)
    if row is None:
        row = JournalAcces.objects.create(
            user=request.user,
            cpas=request.cpas,
            personnes=[],
            objet=objet[:300],
            page=request.get_full_path()[:500],
            ip=client_ip(request),
        )
    return row


def _date_heure(moment):
    return formats.date_format(timezone.localtime(moment), "d/m/Y H:i")


# --- Changes --------------------------------------------------------------------------------


def _changements_texte(e):
    parts = []
    for label, avant, apres in e.changements:
        if avant is None and apres is None:
            parts.append(f"{label} ({ja.MASQUE})")
        else:
            parts.append(f"{label}: {avant} → {apres}")
    return " ; ".join(parts)


def _modifications_csv(request, f):
    cpas = request.cpas
    row = _journaliser(request, [], _("export CSV du journal des modifications"))

    def rows():
        curseur, total, vus = None, 0, set()
        while total < CSV_MAX_LIGNES:
            events, curseur = ja.page_evenements(cpas, f, curseur, CSV_LOT)
            ja.presenter(events, request.user, cpas)
            for e in events:
                if e.personne_id:
                    vus.add(e.personne_id)
                yield (
                    _date_heure(e.quand),
                    e.auteur,
                    e.origine,
                    e.contexte.get("ip") or "",
                    e.objet,
                    e.personne,
                    e.libelle_action,
                    _changements_texte(e),
                )
            total += len(events)
            if curseur is None:
                break
        JournalAcces.objects.filter(pk=row.pk).update(personnes=sorted(vus))

    header = [
        _("quand"),
        _("utilisateur"),
        _("origine"),
        _("adresse IP"),
        _("objet"),
        _("personne"),
        _("action"),
        _("champs modifiés"),
    ]
    return reponse_csv(f"modifications-{cpas.code}.csv", header, rows())


def _modifications(request, form, contexte):
    cpas = request.cpas
    f = form.filtres()
    if request.GET.get("format") == "csv":
        return _modifications_csv(request, f)
    curseur = ja.Curseur.decoder(request.GET.get("apres"))
    events, suivant = ja.page_evenements(cpas, f, curseur, TAILLE_PAGE)
    ja.presenter(events, request.user, cpas)
    _journaliser(
        request,
        [e.personne_id for e in events if e.personne_id],
        _("journal d'audit : modifications"),
    )
    contexte.update(
        events=events,
        suivant=suivant.encoder() if suivant else "",
        premiere=curseur is None,
        personnes_trouvees=f.personnes,
    )
    return render(request, "cpas_isp/audit.html", contexte)


# --- Consultations --------------------------------------------------------------------------


def _consultations_qs(request, f: ja.Filtres):
    qs = JournalAcces.objects.for_user(request.user).select_related("user", "content_type")
    if f.personnes is not None:
        qs = qs.filter(personnes__overlap=f.personnes or [0])
    if f.utilisateur is not None:
        qs = qs.filter(user_id=f.utilisateur)
    if f.du:
        qs = qs.filter(quand__gte=ja.debut_du_jour(f.du))
    if f.au:
        qs = qs.filter(quand__lt=ja.debut_du_jour(f.au + datetime.timedelta(days=1)))
    return qs.order_by("-quand", "-id")


def _decrire_consultations(request, rows):
    """Object and person columns of access log rows, people masked unless visible. One query."""
    ids = {r.personnes[0] for r in rows if len(r.personnes) == 1}
    libelles = ja.libelles_personnes(request.user, request.cpas, ids)
    for r in rows:
        nature = (
            str(r.content_type.model_class()._meta.verbose_name).capitalize()
            if r.content_type_id and r.content_type.model_class()
            else _("Liste")
        )
        r.nature = nature
        # The path only: a query string may carry a searched name or NISS.
        r.chemin = r.page.split("?", 1)[0]
        r.nb_personnes = len(r.personnes)
        r.personne = libelles.get(r.personnes[0], "") if r.nb_personnes == 1 else ""
    return rows


def _consultations(request, form, contexte):
    f = form.filtres()
    qs = _consultations_qs(request, f)
    if request.GET.get("format") == "csv":
        row = _journaliser(request, [], _("export CSV du journal des consultations"))

        def rows():
            vus, total, suite = set(), 0, qs
            while total < CSV_MAX_LIGNES:
                lot = _decrire_consultations(request, list(suite[:CSV_LOT]))
                for a in lot:
                    if a.nb_personnes == 1:
                        vus.add(a.personnes[0])
                    yield (
                        _date_heure(a.quand),
                        str(a.user),
                        a.nature,
                        a.personne,
                        a.nb_personnes,
                        a.chemin,
                        a.ip or "",
                    )
                if len(lot) < CSV_LOT:
                    break
                total += len(lot)
                dernier = lot[-1]  # keyset: the next rows come after the last one written
                suite = qs.filter(
                    Q(quand__lt=dernier.quand) | Q(quand=dernier.quand, id__lt=dernier.pk)
                )
            JournalAcces.objects.filter(pk=row.pk).update(personnes=sorted(vus))

        header = [
            _("quand"),
            _("utilisateur"),
            _("dossier"),
            _("personne"),
            _("nombre de personnes"),
            _("page"),
            _("adresse IP"),
        ]
        return reponse_csv(f"consultations-{request.cpas.code}.csv", header, rows())
    curseur = _curseur_consultation(request.GET.get("apres"))
    if curseur is not None:
        quand, pk = curseur
        qs = qs.filter(Q(quand__lt=quand) | Q(quand=quand, id__lt=pk))
    rows = _decrire_consultations(request, list(qs[: TAILLE_PAGE + 1]))
    suivant = ""
    if len(rows) > TAILLE_PAGE:
        rows = rows[:TAILLE_PAGE]
        suivant = f"{rows[-1].quand.isoformat()}~{rows[-1].pk}"
    _journaliser(
        request,
        [r.personnes[0] for r in rows if r.nb_personnes == 1],
        _("journal d'audit : consultations"),
    )
    contexte.update(consultations=rows, suivant=suivant, premiere=curseur is None)
    return render(request, "cpas_isp/audit.html", contexte)


def _curseur_consultation(texte):
    try:
        quand, pk = (texte or "").split("~")
        moment = datetime.datetime.fromisoformat(quand)
        return (moment, int(pk)) if timezone.is_aware(moment) else None
    except ValueError:
        return None


# --- Consultations per user and day ---------------------------------------------------------

# The rule for "unusual" (documented on the page): a day on which a user opened
#  - at least SEUIL_HORS_PORTEFEUILLE distinct files of people outside what they may see
#    (for an agent: not their referent's people and not in their cellule; for a role that does
#    not follow people, every file), or
#  - at least SEUIL_PIC distinct files and FACTEUR_PIC times their usual day (the median of
#    their days with consultations over the JOURS_HABITUDE days before).
SEUIL_HORS_PORTEFEUILLE = 5
SEUIL_PIC = 20
FACTEUR_PIC = 3
JOURS_HABITUDE = 30


@dataclasses.dataclass
class JourUtilisateur:
    user_id: int
    jour: datetime.date
    dossiers: int = 0
    hors_portefeuille: int = 0
    personnes_listes: int = 0  # people shown in lists (not distinct)
    habituel: float | None = None
    utilisateur: str = ""
    alertes: list = dataclasses.field(default_factory=list)

    @property
    def inhabituel(self):
        return bool(self.alertes)


# Files opened (a row naming one object) and people shown in lists, per user and day. A file row
# names one person: ``personnes[1]``, no unnest needed.
_SQL_PAR_JOUR = """
SELECT j.user_id, (j.quand AT TIME ZONE %(tz)s)::date AS jour,
       count(DISTINCT j.personnes[1]) FILTER (WHERE j.content_type_id IS NOT NULL) AS dossiers,
       coalesce(sum(cardinality(j.personnes)) FILTER (WHERE j.content_type_id IS NULL), 0)
FROM cpas_isp_journalacces j
WHERE j.cpas_id = %(cpas)s AND j.quand >= %(debut)s AND j.quand < %(fin)s {user}
GROUP BY 1, 2
"""

_SQL_HORS_PORTEFEUILLE = """
SELECT jour, count(DISTINCT p) FROM (
  SELECT (j.quand AT TIME ZONE %s)::date AS jour, j.personnes[1] AS p
  FROM cpas_isp_journalacces j
  WHERE j.cpas_id = %s AND j.user_id = %s AND j.content_type_id IS NOT NULL
    AND j.quand >= %s AND j.quand < %s
) o WHERE p IS NOT NULL {visible}
GROUP BY 1
"""


def _hors_portefeuille(cpas, user, params) -> dict[datetime.date, int]:
    """Per day, files ``user`` opened of people outside what they may see in ``cpas`` (the
    need-to-know rule of ``journal_audit.personnes_visibles``, run in the database). One query.
    ``user._membership_courante`` must be their membership in ``cpas`` (None: every file is
    outside)."""
    visible, extra = "", []
    if user._membership_courante is not None:
        qs = ja.personnes_visibles(user)
        if not qs.query.is_empty():
            sql, extra = qs.values("pk").query.sql_with_params()
            visible = f"AND p NOT IN ({sql})"
    args = [params["tz"], cpas.pk, user.pk, params["debut"], params["fin"], *extra]
    with connection.cursor() as cursor:
        cursor.execute(_SQL_HORS_PORTEFEUILLE.format(visible=visible), args)
        return dict(cursor.fetchall())


def consultations_par_utilisateur(cpas, du, au, utilisateur=None) -> list[JourUtilisateur]:
    """Rows (user, day) with files opened, files outside the caseload, people seen in lists,
    the usual day and the alerts, newest day first, unusual first within a day."""
    debut_habitude = du - datetime.timedelta(days=JOURS_HABITUDE)
    params = {
        "tz": timezone.get_current_timezone_name(),
        "cpas": cpas.pk,
        "debut": ja.debut_du_jour(debut_habitude),
        "fin": ja.debut_du_jour(au + datetime.timedelta(days=1)),
    }
    user_sql = ""
    if utilisateur is not None:
        user_sql = "AND j.user_id = %(filtre_user)s"
        params["filtre_user"] = utilisateur
    with connection.cursor() as cursor:
        cursor.execute(_SQL_PAR_JOUR.format(user=user_sql), params)
        data = cursor.fetchall()
    par_user: dict[int, dict[datetime.date, tuple[int, int]]] = {}
    for user_id, jour, dossiers, listes in data:
        par_user.setdefault(user_id, {})[jour] = (dossiers, listes)
    users = get_user_model().objects.in_bulk(par_user.keys())
    for user in users.values():
        user._membership_courante = None
    for membership in Membership.objects.filter(
        cpas=cpas, actif=True, user_id__in=users.keys()
    ).select_related("cpas", "cellule"):
        users[membership.user_id]._membership_courante = membership
    lignes = []
    params_periode = {**params, "debut": ja.debut_du_jour(du)}
    for user_id, jours in par_user.items():
        dans_periode = {j: v for j, v in jours.items() if du <= j <= au}
        if not dans_periode:
            continue
        hors = _hors_portefeuille(cpas, users[user_id], params_periode)
        for jour, (dossiers, listes) in dans_periode.items():
            precedents = [
                v[0]
                for j, v in jours.items()
                if jour - datetime.timedelta(days=JOURS_HABITUDE) <= j < jour and v[0]
            ]
            ligne = JourUtilisateur(
                user_id=user_id,
                jour=jour,
                dossiers=dossiers,
                hors_portefeuille=hors.get(jour, 0),
                personnes_listes=listes,
                habituel=statistics.median(precedents) if precedents else None,
                utilisateur=str(users[user_id]),
            )
            if ligne.hors_portefeuille >= SEUIL_HORS_PORTEFEUILLE:
                ligne.alertes.append(_("dossiers hors de son portefeuille"))
            if ligne.dossiers >= SEUIL_PIC and ligne.dossiers >= FACTEUR_PIC * (
                ligne.habituel or 0
            ):
                ligne.alertes.append(_("bien plus de dossiers que d'habitude"))
            lignes.append(ligne)
    lignes.sort(key=lambda r: (r.jour, r.inhabituel, r.dossiers), reverse=True)
    return lignes


def _utilisateurs(request, form, contexte):
    f = form.filtres()
    au = f.au or timezone.localdate()
    du = f.du or au - datetime.timedelta(days=29)
    if (au - du).days > PERIODE_MAX_JOURS:
        du = au - datetime.timedelta(days=PERIODE_MAX_JOURS)
    lignes = consultations_par_utilisateur(request.cpas, du, au, f.utilisateur)
    _journaliser(request, [], _("journal d'audit : consultations par utilisateur"))
    contexte.update(
        lignes=lignes,
        periode=(du, au),
        regle={
            "hors": SEUIL_HORS_PORTEFEUILLE,
            "pic": SEUIL_PIC,
            "facteur": FACTEUR_PIC,
            "jours": JOURS_HABITUDE,
        },
    )
    return render(request, "cpas_isp/audit.html", contexte)


@role_required(permissions.peut_voir_audit)
def audit(request):
    form = FiltreAuditForm(request.GET or None, cpas=request.cpas)
    if form.is_bound:
        form.is_valid()  # the valid filters apply; the others show their error
    vue = form.vue_choisie
    query = request.GET.copy()
    query.pop("apres", None)
    query.pop("format", None)
    contexte = {"form": form, "vue": vue, "vues": VUES, "query": query.urlencode()}
    if vue == "consultations":
        return _consultations(request, form, contexte)
    if vue == "utilisateurs":
        return _utilisateurs(request, form, contexte)
    return _modifications(request, form, contexte)
