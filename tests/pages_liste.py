"""The page numbers a paginated list's tests ask for: with 5 rows a page and 11 to 15 rows, the
first pages, the last one (not full), one past the end (the last one), and numbers below 1,
junk and a number past PostgreSQL's bigint (the nearest page)."""

NUMEROS_DE_PAGE = [
    {},
    {"page": "2"},
    {"page": "3"},  # the last one, not full
    {"page": "4"},  # past the end: the last one
    {"page": "0"},
    {"page": "-2"},
    {"page": "abc"},
    {"page": "99999999999999999999"},
]
