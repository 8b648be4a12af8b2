"""ArchiFlow for NetBox: draw.io network diagrams bound to NetBox inventory, edited in an
ArchiFlow editor embedded in NetBox pages. The editor is opened with a short-lived token
signed for the logged-in NetBox user, only for users holding the permission the plugin
declares, netbox_archiflow.use_editor (see models.py and embed.py).

Imported only inside NetBox, whose netbox.plugins it needs; embed.py alone needs neither
Django nor NetBox, and the tests import the package with NetBox stubbed (tests/netbox_stub.py)."""

__version__ = "0.1.0"

from netbox.plugins import PluginConfig


class ArchiFlowConfig(PluginConfig):
    name = "netbox_archiflow"
    verbose_name = "ArchiFlow"
    description = "Network diagrams bound to NetBox inventory, edited in draw.io"
    version = __version__
    base_url = "archiflow"
    min_version = "4.0.0"
    # The last NetBox release line whose plugin API (register_model_view, ViewTab,
    # generic.ObjectView, PluginMenu) these modules are written for. A newer minor release may
    # change that API: NetBox then refuses the plugin at start-up, saying so, instead of a page
    # failing later; raise this once the plugin has been tried there.
    max_version = "4.4.99"
    default_settings = {
        "editor_url": "http://localhost:3333",
        "shared_secret": "",
        "token_ttl": 300,
    }
    # The secret has no usable default: without it no editor token can be signed.
    required_settings = ["shared_secret"]

    def ready(self):
        super().ready()
        # Importing the views registers the Site and Device tabs (register_model_view)
        # before NetBox builds the URL patterns of those pages.
        from . import views  # noqa: F401

    @classmethod
    def validate(cls, user_config, netbox_version):
        from django.core.exceptions import ImproperlyConfigured

        from .embed import EmbedError, validate_settings

        super().validate(user_config, netbox_version)
        # Fail at start-up, as NetBox does for missing settings, rather than on the first
        # page view.
        try:
            validate_settings(user_config)
        except EmbedError as exc:
            raise ImproperlyConfigured(f"Plugin netbox_archiflow: {exc}") from None


config = ArchiFlowConfig
