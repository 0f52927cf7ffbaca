from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0004_api_keys"),
    ]

    operations = [
        migrations.AddField(
            model_name="event",
            name="customer_id",
            field=models.CharField(blank=True, default="", max_length=40),
        ),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(
                condition=models.Q(("customer_id", ""), _negated=True),
                fields=["business", "customer_id", "created_at"],
                name="event_customer",
            ),
        ),
    ]
