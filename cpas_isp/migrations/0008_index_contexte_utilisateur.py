# The audit page filters changes by user: the user id is in pghistory's context metadata
# (set by cpas_isp.middleware.AuditContextMiddleware). Index it so the filter does not read
# every context.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cpas_isp", "0007_index_evenements_audit"),
        ("pghistory", "0007_auto_20250421_0444"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS pghistory_context_user_idx "
            "ON pghistory_context ((metadata->>'user'), created_at)",
            "DROP INDEX IF EXISTS pghistory_context_user_idx",
        )
    ]
