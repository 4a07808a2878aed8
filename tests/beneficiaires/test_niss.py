import datetime

import pytest
from django.core.exceptions import ValidationError

from beneficiaires.niss import (
    analyser_niss,
    compact_niss,
    format_niss,
    incoherences,
    niss_avec_controle,
    recherche_niss,
)


def test_national_number_gives_birth_date_and_gender():
    info = analyser_niss("85.07.30-033.28")
    assert info.niss == "85073003328"
    assert info.type == "nn"
    assert info.date_naissance == datetime.date(1985, 7, 30)
    assert info.genre == "M"


def test_any_separators_are_accepted_and_stored_compact():
    assert analyser_niss("85 07 30 033 28").niss == "85073003328"
    assert analyser_niss("85073003328").niss == "85073003328"
    assert compact_niss("85.07.30-033.28") == "85073003328"


def test_display_format():
    assert format_niss("85073003328") == "85.07.30-033.28"


def test_birth_after_2000_uses_the_2_prefix_for_the_check_digits():
    niss = niss_avec_controle("010101002", 2001)
    info = analyser_niss(niss)
    assert info.date_naissance == datetime.date(2001, 1, 1)
    assert info.genre == "F"
    # The same first digits with the check digits of the 1900s mean a birth in 1901.
    assert analyser_niss(niss_avec_controle("010101002", 1901)).annee == 1901


def test_bis_number_month_plus_40_carries_the_gender():
    niss = niss_avec_controle("854730033", 1985)
    info = analyser_niss(niss)
    assert info.est_bis
    assert info.date_naissance == datetime.date(1985, 7, 30)
    assert info.genre == "M"


def test_bis_number_month_plus_20_has_no_gender():
    niss = niss_avec_controle("852730034", 1985)
    info = analyser_niss(niss)
    assert info.est_bis
    assert info.date_naissance == datetime.date(1985, 7, 30)
    assert info.genre is None


def test_unknown_day_keeps_year_and_month():
    info = analyser_niss(niss_avec_controle("850700033", 1985))
    assert info.date_naissance is None
    assert (info.annee, info.mois, info.jour) == (1985, 7, None)


def test_unknown_month_and_day_keeps_the_year():
    info = analyser_niss(niss_avec_controle("850000033", 1985))
    assert (info.annee, info.mois) == (1985, None)


def test_bad_checksum_is_refused_with_a_clear_message():
    with pytest.raises(ValidationError) as exc:
        analyser_niss("85073003329")
    assert "contrôle" in exc.value.messages[0]


def test_wrong_length_and_letters_are_refused():
    with pytest.raises(ValidationError, match="11 chiffres"):
        analyser_niss("8507300332")
    with pytest.raises(ValidationError):
        analyser_niss("85O73003328")


def test_impossible_month_is_refused():
    with pytest.raises(ValidationError):
        analyser_niss(niss_avec_controle("851530033", 1985))


def test_mismatching_birth_date_is_an_error():
    info = analyser_niss("85073003328")
    assert "date_naissance" in incoherences(info, datetime.date(1985, 7, 31), None)
    assert incoherences(info, datetime.date(1985, 7, 30), "M") == {}


def test_mismatching_year_with_unknown_day_is_an_error():
    info = analyser_niss(niss_avec_controle("850700033", 1985))
    assert incoherences(info, datetime.date(1985, 7, 12), None) == {}
    assert "date_naissance" in incoherences(info, datetime.date(1986, 7, 12), None)


def test_mismatching_gender_is_an_error():
    info = analyser_niss("85073003328")
    assert "genre" in incoherences(info, None, "F")


def test_search_term_is_a_niss_only_with_digits_and_separators():
    assert recherche_niss("85.07.30") == "850730"
    assert recherche_niss("Dupont") is None
    assert recherche_niss("85") is None
