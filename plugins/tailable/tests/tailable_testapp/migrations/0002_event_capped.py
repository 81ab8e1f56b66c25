from django.db import migrations

import djongo_tailable


class Migration(migrations.Migration):
    dependencies = [("tailable_testapp", "0001_initial")]

    operations = [
        migrations.AddConstraint(
            model_name="event",
            constraint=djongo_tailable.CappedCollection(size=8192, max=3, name="event_capped"),
        ),
    ]
