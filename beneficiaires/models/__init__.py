"""The person's file (Django imports every model from here).

- ``personnes``: ``Beneficiaire`` (identity, NISS, search column) and its choices; the
  need-to-know rule ``Beneficiaire.objects.visibles_par``.
- ``suivi``: RIS/ERIS rights (``DroitAide``), obstacles (``Frein``, ``FreinBeneficiaire``), the
  versioned bilan socioprofessionnel (``BilanSocioProfessionnel``, ``SECTIONS_BSP``).
- ``conservation``: retention (``RegleConservation``), legal holds (``GelDossier``) and the
  anonymisation runs (``Anonymisation``).
- ``referents``: the history of who follows the person (``AttributionReferent``) and of the
  file's closings and reopenings (``ClotureDossier``).
- ``lots``: the staged import's batches (``LotImport``, ``LigneLot``, ``StatutLot``).
"""

from .conservation import (
    ANNEES_CONSERVATION_DEFAUT,
    Anonymisation,
    GelDossier,
    RegleConservation,
    StatutAnonymisation,
)
from .lots import STATUTS_EN_TRAITEMENT, LigneLot, LotImport, StatutLot
from .personnes import (
    Beneficiaire,
    BeneficiaireQuerySet,
    DiplomeEtranger,
    Genre,
    NiveauEtudes,
    NiveauLangue,
    Unaccent,
)
from .referents import AttributionReferent, ClotureDossier, NatureCloture
from .suivi import (
    SECTIONS_BSP,
    BilanSocioProfessionnel,
    CategorieDroit,
    DateRange,
    DroitAide,
    DroitAideQuerySet,
    Frein,
    FreinBeneficiaire,
    FreinBeneficiaireQuerySet,
    TypeDroit,
)

__all__ = [
    "ANNEES_CONSERVATION_DEFAUT",
    "Anonymisation",
    "AttributionReferent",
    "ClotureDossier",
    "NatureCloture",
    "GelDossier",
    "RegleConservation",
    "StatutAnonymisation",
    "STATUTS_EN_TRAITEMENT",
    "SECTIONS_BSP",
    "Beneficiaire",
    "BeneficiaireQuerySet",
    "BilanSocioProfessionnel",
    "CategorieDroit",
    "DateRange",
    "DiplomeEtranger",
    "DroitAide",
    "DroitAideQuerySet",
    "Frein",
    "FreinBeneficiaire",
    "FreinBeneficiaireQuerySet",
    "Genre",
    "LigneLot",
    "LotImport",
    "NiveauEtudes",
    "NiveauLangue",
    "StatutLot",
    "TypeDroit",
    "Unaccent",
]
