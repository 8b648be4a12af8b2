"""Registers the Editor model (no table: managed = False), so that NetBox creates its object
type and the netbox_archiflow.use_editor permission can be granted."""

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Editor",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
            ],
            options={
                "verbose_name": "editor",
                "managed": False,
                "default_permissions": (),
                "permissions": (("use_editor", "Can open the ArchiFlow editor"),),
            },
        ),
    ]
