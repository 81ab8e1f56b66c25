import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [("tailable_testapp", "0002_event_capped")]

    operations = [
        migrations.CreateModel(
            name="Customer",
            fields=[
                ("id", models.AutoField(auto_created=True, primary_key=True, serialize=False,
                                        verbose_name="ID")),
                ("email", models.CharField(max_length=100)),
            ],
            options={
                "constraints": [models.UniqueConstraint(
                    django.db.models.functions.text.Lower("email"), name="customer_email_ci")],
            },
        ),
    ]
