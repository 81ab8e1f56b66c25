from django.db import migrations, models

import djongo_tailable


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="LogEntry",
            fields=[
                ("id", models.AutoField(auto_created=True, primary_key=True, serialize=False,
                                        verbose_name="ID")),
                ("level", models.CharField(default="INFO", max_length=10)),
                ("message", models.TextField()),
                ("at", models.DateTimeField(auto_now_add=True, null=True)),
            ],
            options={
                "constraints": [djongo_tailable.CappedCollection(size=4096, max=5,
                                                                 name="log_capped")],
            },
        ),
        migrations.CreateModel(
            name="Order",
            fields=[
                ("id", models.AutoField(auto_created=True, primary_key=True, serialize=False,
                                        verbose_name="ID")),
                ("status", models.CharField(default="new", max_length=20)),
                ("total", models.IntegerField(default=0)),
            ],
        ),
        migrations.CreateModel(
            name="Event",
            fields=[
                ("id", models.AutoField(auto_created=True, primary_key=True, serialize=False,
                                        verbose_name="ID")),
                ("name", models.CharField(max_length=50)),
            ],
            options={"indexes": [models.Index(fields=["name"], name="event_name")]},
        ),
    ]
