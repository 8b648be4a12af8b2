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
                    # Shown only to users who may open the editor (embed.EDITOR_PERMISSION).
                    permissions=["netbox_archiflow.use_editor"],
                    # No auth_required here: NetBox 4.0's PluginMenuItem lacks it. The views
                    # send anonymous visitors to the login page instead.
                ),
            ),
        ),
    ),
)
