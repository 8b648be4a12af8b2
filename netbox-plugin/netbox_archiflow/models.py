"""The plugin's one model, Editor, has no table and no rows: it exists to declare the
permission that opens the ArchiFlow editor, netbox_archiflow.use_editor (see embed.py). NetBox
grants permissions per object type, so the permission needs an object type to hang on: in
NetBox, an object permission on "ArchiFlow | editor" with the additional action "use"."""

from django.db import models


class Editor(models.Model):
    class Meta:
        managed = False
        default_permissions = ()
        permissions = (("use_editor", "Can open the ArchiFlow editor"),)
        verbose_name = "editor"
