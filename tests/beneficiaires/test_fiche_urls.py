"""The person page's links from one reverse() per route (``cpas_isp.listes.url_de``) are
those of ``reverse()``, under a script prefix too."""

from django.urls import reverse, set_script_prefix

from cpas_isp.listes import url_de, url_par_pk


def test_url_de_is_reverse():
    for nom, args in (
        ("beneficiaires:detail", (7,)),
        ("beneficiaires:droit_modifier", (7, 123456)),
        ("beneficiaires:frein_lever", (12, 3)),
        ("trajets:orienter", (99,)),
        ("beneficiaires:liste", ()),
    ):
        assert url_de(nom, *args) == reverse(nom, args=args)
    assert url_par_pk("trajets:piis_detail", None)(5) == reverse("trajets:piis_detail", args=[5])
    assert url_par_pk("n_existe:pas", None)(5) == ""


def test_url_de_follows_the_script_prefix():
    try:
        set_script_prefix("/isp/")
        assert url_de("beneficiaires:detail", 3) == "/isp/beneficiaires/3/"
        assert url_par_pk("beneficiaires:detail", None)(4) == "/isp/beneficiaires/4/"
    finally:
        set_script_prefix("/")
    assert url_de("beneficiaires:detail", 3) == "/beneficiaires/3/"
