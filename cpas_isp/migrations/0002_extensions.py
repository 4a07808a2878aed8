from django.contrib.postgres.operations import (
    BtreeGistExtension,
    TrigramExtension,
    UnaccentExtension,
)
from django.db import migrations


class Migration(migrations.Migration):
    """PostgreSQL extensions the apps rely on: exclusion constraints on date ranges
    (btree_gist) and forgiving name search (pg_trgm + unaccent)."""

    dependencies = [("cpas_isp", "0001_initial")]

    operations = [BtreeGistExtension(), TrigramExtension(), UnaccentExtension()]
