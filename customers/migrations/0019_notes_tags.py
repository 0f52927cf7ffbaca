"""Notes, tags (and customers' tags), bulk action jobs; and, on PostgreSQL, the
indexes the top bar's short-ID search reads: `pay_00qX…fZq4` is looked up by its
end, `reverse(id) LIKE 'q4Zf%'`, on (business_id, reverse(id)) b-trees, as the
customers' own (0016)."""

import customers.core.ids
import django.db.models.deletion
import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models


ID_TAIL_TABLES = [
    ("customers_payment", "payment_id_reverse"),
    ("customers_refund", "refund_id_reverse"),
    ("customers_subscription", "subscription_id_reverse"),
    ("customers_licensekey", "licensekey_id_reverse"),
    ("wallets_ledgerentry", "ledgerentry_id_reverse"),
]


def _id_tail_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, index in ID_TAIL_TABLES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {index} ON {table} "
            "(business_id, reverse(id::text) text_pattern_ops)"
        )


def _drop_id_tail_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for _table, index in ID_TAIL_TABLES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {index}")


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0018_team_business_profile"),
        ("wallets", "0003_ledger_description"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Tag",
            fields=[
                (
                    "id",
                    customers.core.ids.PublicIdField(
                        editable=False,
                        max_length=40,
                        prefix="tag",
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("name", models.CharField(max_length=40, verbose_name="name")),
                (
                    "color",
                    models.CharField(
                        choices=[
                            ("gray", "Gray"),
                            ("red", "Red"),
                            ("orange", "Orange"),
                            ("yellow", "Yellow"),
                            ("green", "Green"),
                            ("teal", "Teal"),
                            ("blue", "Blue"),
                            ("purple", "Purple"),
                            ("pink", "Pink"),
                        ],
                        default="gray",
                        max_length=10,
                        verbose_name="colour",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "business",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="customers.business",
                    ),
                ),
            ],
            options={
                "verbose_name": "tag",
                "verbose_name_plural": "tags",
            },
        ),
        migrations.CreateModel(
            name="CustomerTag",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "business",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="customers.business",
                    ),
                ),
                (
                    "customer",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="customer_tags",
                        to="customers.customer",
                    ),
                ),
                (
                    "tag",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="customers.tag",
                    ),
                ),
            ],
            options={
                "verbose_name": "customer tag",
                "verbose_name_plural": "customer tags",
            },
        ),
        migrations.CreateModel(
            name="BulkJob",
            fields=[
                (
                    "id",
                    customers.core.ids.PublicIdField(
                        editable=False,
                        max_length=40,
                        prefix="blk",
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                (
                    "action",
                    models.CharField(
                        choices=[
                            ("invite", "Invite to the portal"),
                            ("tag_add", "Add tag"),
                            ("tag_remove", "Remove tag"),
                        ],
                        max_length=12,
                        verbose_name="action",
                    ),
                ),
                ("customer_ids", models.JSONField(blank=True, default=list)),
                ("query", models.TextField(blank=True)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("queued", "Queued"),
                            ("running", "Running"),
                            ("succeeded", "Done"),
                            ("failed", "Failed"),
                        ],
                        default="queued",
                        max_length=10,
                        verbose_name="status",
                    ),
                ),
                ("total", models.PositiveBigIntegerField(default=0)),
                ("done", models.PositiveBigIntegerField(default=0)),
                ("changed", models.PositiveBigIntegerField(default=0)),
                ("cursor", models.CharField(blank=True, max_length=80)),
                ("attempts", models.PositiveSmallIntegerField(default=0)),
                ("error", models.CharField(blank=True, max_length=500)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                (
                    "business",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="customers.business",
                    ),
                ),
                (
                    "requested_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "tag",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="customers.tag",
                    ),
                ),
            ],
            options={
                "verbose_name": "bulk action",
                "verbose_name_plural": "bulk actions",
            },
        ),
        migrations.CreateModel(
            name="Note",
            fields=[
                (
                    "id",
                    customers.core.ids.PublicIdField(
                        editable=False,
                        max_length=40,
                        prefix="note",
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("author_label", models.CharField(blank=True, max_length=255)),
                ("body", models.TextField(verbose_name="note")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                (
                    "author",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "business",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="customers.business",
                    ),
                ),
                (
                    "customer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notes",
                        to="customers.customer",
                    ),
                ),
            ],
            options={
                "verbose_name": "note",
                "verbose_name_plural": "notes",
                "indexes": [
                    models.Index(
                        fields=["business", "customer", "-created_at", "-id"],
                        name="note_customer_recent",
                    )
                ],
            },
        ),
        migrations.AddIndex(
            model_name="tag",
            index=models.Index(fields=["business", "name", "id"], name="tag_business_name"),
        ),
        migrations.AddConstraint(
            model_name="tag",
            constraint=models.UniqueConstraint(
                models.F("business"),
                django.db.models.functions.text.Lower("name"),
                name="tag_name_unique_per_business",
            ),
        ),
        migrations.AddConstraint(
            model_name="tag",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "color__in",
                        [
                            "gray",
                            "red",
                            "orange",
                            "yellow",
                            "green",
                            "teal",
                            "blue",
                            "purple",
                            "pink",
                        ],
                    )
                ),
                name="tag_color_in_palette",
            ),
        ),
        migrations.AddIndex(
            model_name="customertag",
            index=models.Index(fields=["business", "tag", "customer"], name="customertag_by_tag"),
        ),
        migrations.AddIndex(
            model_name="customertag",
            index=models.Index(fields=["customer"], name="customertag_customer"),
        ),
        migrations.AddIndex(
            model_name="customertag",
            index=models.Index(fields=["tag"], name="customertag_tag"),
        ),
        migrations.AddConstraint(
            model_name="customertag",
            constraint=models.UniqueConstraint(
                fields=("business", "customer", "tag"), name="customertag_unique"
            ),
        ),
        migrations.AddIndex(
            model_name="bulkjob",
            index=models.Index(fields=["business", "-created_at"], name="bulkjob_recent"),
        ),
        migrations.RunPython(_id_tail_indexes, _drop_id_tail_indexes),
    ]
