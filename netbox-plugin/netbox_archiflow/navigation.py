"""The ArchiFlow entry in NetBox's navigation menu."""

from netbox.plugins import PluginMenu, PluginMenuItem

menu = PluginMenu(
    label="ArchiFlow",
    icon_class="mdi mdi-sitemap",
    groups=(
        (
            "Diagrams",
            (
                PluginMenuItem(
                    link="plugins:netbox_archiflow:diagram_list",
                    link_text="Diagrams",
                    # A token names its user, so anonymous visitors get no link.
                    auth_required=True,
                ),
            ),
        ),
    ),
)
