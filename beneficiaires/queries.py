"""Read side of the person's file: the caseload each user sees, search, filters, sorting and the
target-group conditions, shared by the list page, its exports and the reports."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.postgres.search import TrigramSimilarity, TrigramWordSimilarity
from django.db.models import (
    BooleanField,
    Case,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Greatest
from django.utils.translation import gettext_lazy as _

from cpas_isp import permissions as p

from . import hooks
from .models import (
    Beneficiaire,
    DiplomeEtranger,
    DroitAide,
    FreinBeneficiaire,
    NiveauEtudes,
    TypeDroit,
    Unaccent,
)
from .niss import recherche_niss

# --- Target groups (computed, never typed) ------------------------------------------------------

GROUPES_CIBLES = [
    ("jeune_peu_qualifie", _("Moins de 25 ans, au plus CE1D")),
    ("age_45_55_sans_qualification", _("45–55 ans sans qualification reconnue")),
    ("nouveau_ris", _("Nouveau bénéficiaire RIS")),
]
LIBELLES_GROUPES = dict(GROUPES_CIBLES)
NIVEAUX_AU_PLUS_CE1D = [NiveauEtudes.AUCUN, NiveauEtudes.CEB, NiveauEtudes.CE1D]
NIVEAUX_QUALIFIANTS = [NiveauEtudes.CESS, NiveauEtudes.BACHELIER, NiveauEtudes.MASTER]


def _ans_avant(date: datetime.date, ans: int) -> datetime.date:
    try:
        return date.replace(year=date.year - ans)
    except ValueError:  # 29 February
        return date.replace(year=date.year - ans, day=28)


def _mois_avant(date: datetime.date, mois: int) -> datetime.date:
    y, m = divmod(date.year * 12 + date.month - 1 - mois, 12)
    import calendar

    return datetime.date(y, m + 1, min(date.day, calendar.monthrange(y, m + 1)[1]))


def nouveau_ris_mois() -> int:
    """How long (months) a person counts as a new RIS beneficiary after the start of a right
    that followed at least 3 months without any right (setting, default 12)."""
    return getattr(settings, "BENEFICIAIRES_NOUVEAU_RIS_MOIS", 12)


def condition_groupe(code: str, date: datetime.date):
    """A Q (with subqueries) selecting the people of target group ``code`` on ``date``."""
    if code == "jeune_peu_qualifie":
        return Q(date_naissance__gt=_ans_avant(date, 25), date_naissance__lte=date) & Q(
            niveau_etudes__in=NIVEAUX_AU_PLUS_CE1D
        )
    if code == "age_45_55_sans_qualification":
        return (
            Q(date_naissance__gt=_ans_avant(date, 56), date_naissance__lte=_ans_avant(date, 45))
            & ~Q(niveau_etudes__in=NIVEAUX_QUALIFIANTS)
            & ~Q(diplome_etranger=DiplomeEtranger.RECONNU)
        )
    if code == "nouveau_ris":
        precedent = DroitAide.objects.filter(
            beneficiaire=OuterRef("beneficiaire"),
            debut__lt=OuterRef("debut"),
        ).filter(
            Q(fin__isnull=True)
            | Q(
                fin__gte=ExpressionWrapper(
                    OuterRef("debut") - datetime.timedelta(days=91), output_field=DateField()
                )
            )
        )
        courant = (
            DroitAide.objects.filter(beneficiaire=OuterRef("pk"), type=TypeDroit.RIS)
            .actifs_le(date)
            .filter(debut__gt=_mois_avant(date, nouveau_ris_mois()))
            .filter(~Exists(precedent))
        )
        return Q(Exists(courant))
    raise ValueError(code)


def annoter_groupes(qs, date: datetime.date):
    """Add one boolean per target group (``groupe_<code>``), in the same query."""
    return qs.annotate(
        **{
            f"groupe_{code}": Case(
                When(condition_groupe(code, date), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
            for code, _label in GROUPES_CIBLES
        }
    )


def groupes_de(b) -> list[tuple[str, str]]:
    """(code, label) of the groups annotated on ``b`` by ``annoter_groupes``."""
    return [(code, label) for code, label in GROUPES_CIBLES if getattr(b, f"groupe_{code}", False)]


def annoter_droit_courant(qs, date: datetime.date):
    courant = DroitAide.objects.filter(beneficiaire=OuterRef("pk")).actifs_le(date)
    return qs.annotate(
        droit_type=Subquery(courant.values("type")[:1]),
        droit_categorie=Subquery(courant.values("categorie")[:1]),
        droit_debut=Subquery(courant.values("debut")[:1]),
    )


# --- Search -------------------------------------------------------------------------------------


def rechercher(qs, terme: str):
    """NISS in any format (partial: at least 3 digits), or name with accents and small typos
    forgiven (pg_trgm on the unaccented "nom prenom" column ``nom_recherche``, kept by a
    database trigger and indexed per CPAS).
    Annotates ``pertinence`` (1 for a NISS match)."""
    terme = (terme or "").strip()
    if not terme:
        return qs
    digits = recherche_niss(terme)
    if digits:
        return qs.filter(niss__contains=digits).annotate(pertinence=Value(1.0))
    norm = Unaccent(Value(terme))
    condition = Q(nom_recherche__contains=norm)
    if len(terme) >= 3:
        # Both operators are served by the GIN trigram index (migration 0003), with the default
        # thresholds: word similarity (>= 0.6) finds one name typed among "nom prenom", whole
        # similarity (>= 0.3) forgives a bigger typo when the full name is typed.
        condition |= Q(nom_recherche__trigram_word_similar=norm) | Q(
            nom_recherche__trigram_similar=norm
        )
    return qs.filter(condition).annotate(
        pertinence=Greatest(
            TrigramWordSimilarity(norm, "nom_recherche"),
            TrigramSimilarity("nom_recherche", norm),
        )
    )


# --- Filters and sorting of the list ------------------------------------------------------------

TRIS = {
    "nom": ["nom", "prenom", "id"],
    "niss": ["niss", "id"],
    "naissance": ["date_naissance", "id"],
    "referent": ["referent__last_name", "referent__first_name", "nom", "id"],
    "ouverture": ["date_ouverture", "id"],
    "commune": ["commune", "nom", "id"],
}


@dataclass
class Filtres:
    q: str = ""
    referent: str = ""  # "", "moi", "aucun" or a user id
    cellule: str = ""  # cellule id (hook)
    droit_le: datetime.date | None = None
    frein: str = ""  # Frein id
    groupe: str = ""
    statut: str = "ouverts"  # ouverts / clotures / tous
    tri: str = ""
    extensions: dict = field(default_factory=dict)

    @classmethod
    def depuis(cls, params) -> Filtres:
        f = cls(
            q=params.get("q", "").strip()[:100],
            referent=params.get("referent", ""),
            cellule=params.get("cellule", ""),
            frein=params.get("frein", ""),
            groupe=params.get("groupe", ""),
            statut=params.get("statut", "ouverts") or "ouverts",
            tri=params.get("tri", ""),
        )
        try:
            f.droit_le = datetime.date.fromisoformat(params.get("droit_le", ""))
        except ValueError:
            f.droit_le = None
        for ext in hooks.caseload_extensions():
            if ext.filter_name and params.get(ext.filter_name):
                f.extensions[ext.filter_name] = params.get(ext.filter_name)
        return f

    @property
    def actifs(self) -> bool:
        return bool(
            self.q
            or self.referent
            or self.cellule
            or self.droit_le
            or self.frein
            or self.groupe
            or self.statut != "ouverts"
            or self.extensions
        )


def appliquer_filtres(qs, f: Filtres, user, aujourd_hui: datetime.date):
    from cpas_isp.models import Cellule

    from .models import Frein

    if f.statut == "ouverts":
        qs = qs.filter(date_cloture__isnull=True)
    elif f.statut == "clotures":
        qs = qs.filter(date_cloture__isnull=False)
    if f.referent == "moi":
        qs = qs.filter(referent=user)
    elif f.referent == "aucun":
        qs = qs.filter(referent__isnull=True)
    elif f.referent.isdecimal():
        qs = qs.filter(referent_id=int(f.referent))
    if f.cellule.isdecimal() and hooks.cellule_filter_registered():
        cellule = Cellule.objects.for_user(user).filter(pk=int(f.cellule)).first()
        if cellule is not None:
            qs = hooks.filtrer_par_cellule(qs, cellule)
    if f.droit_le:
        qs = qs.filter(
            Exists(DroitAide.objects.filter(beneficiaire=OuterRef("pk")).actifs_le(f.droit_le))
        )
    if f.frein.isdecimal():
        freins = Frein.objects.for_user(user).filter(pk=int(f.frein))
        if not p.est_coordinateur(user):
            # An agent may not learn who has a health or judicial flag from a filter.
            freins = freins.filter(sensible=False)
        qs = qs.filter(
            Exists(
                FreinBeneficiaire.objects.filter(
                    beneficiaire=OuterRef("pk"), frein__in=freins
                ).en_cours_le(aujourd_hui)
            )
        )
    if f.groupe in LIBELLES_GROUPES:
        qs = qs.filter(condition_groupe(f.groupe, aujourd_hui))
    for ext in hooks.caseload_extensions():
        value = f.extensions.get(ext.filter_name)
        if value and ext.filter:
            qs = ext.filter(qs, value)
    if f.q:
        qs = rechercher(qs, f.q)
    return qs


def ordonner(qs, f: Filtres):
    tri = f.tri.lstrip("-")
    desc = f.tri.startswith("-")
    ordre = TRIS.get(tri)
    if ordre is None:
        for ext in hooks.caseload_extensions():
            if tri in ext.sort:
                expr = ext.sort[tri]
                ordre = [expr] if not isinstance(expr, list | tuple) else list(expr)
                break
    if ordre is None:
        if f.q:
            return qs.order_by(F("pertinence").desc(nulls_last=True), "nom", "prenom", "id")
        ordre = TRIS["nom"]
    if desc:
        ordre = [(F(o).desc(nulls_last=True) if isinstance(o, str) else o.desc()) for o in ordre]
    else:
        ordre = [(F(o).asc(nulls_last=True) if isinstance(o, str) else o) for o in ordre]
    return qs.order_by(*ordre)


def caseload(user, f: Filtres, aujourd_hui: datetime.date):
    """The filtered, sorted, annotated list (one query per page whatever its size)."""
    qs = Beneficiaire.objects.visibles_par(user).select_related("referent")
    qs = appliquer_filtres(qs, f, user, aujourd_hui)
    for ext in hooks.caseload_extensions():
        if ext.annotate:
            qs = ext.annotate(qs)
    qs = annoter_groupes(qs, aujourd_hui)
    qs = annoter_droit_courant(qs, aujourd_hui)
    return ordonner(qs, f)
