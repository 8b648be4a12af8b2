"""Pages that embed the ArchiFlow editor: the diagram list, one diagram, and a "Diagram" tab
on Site and Device pages. Nothing is fetched from ArchiFlow on the server side; each page
signs a token for the logged-in user and hands the iframe address to the page script."""

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import render
from django.views.generic import View

from dcim.models import Device, Site
from netbox.views import generic
from utilities.views import ViewTab, register_model_view

from .embed import EmbedError, editor_embed, validate_settings


def _embed_for(request, **scope):
    """The json_script payload for the editor, or None when nobody is logged in (NetBox may
    let anonymous users read pages, but a token must name a NetBox user)."""
    if not request.user.is_authenticated:
        return None
    # Validated at start-up too (ArchiFlowConfig.validate); re-reading keeps this module free
    # of import-time settings access.
    config = validate_settings(settings.PLUGINS_CONFIG.get("netbox_archiflow", {}))
    return editor_embed(config, request.user.get_username(), **scope)


class DiagramListView(LoginRequiredMixin, View):
    """The editor opened without a diagram, where ArchiFlow lists and creates diagrams."""

    def get(self, request):
        return render(request, "netbox_archiflow/diagram_list.html", {
            "archiflow": _embed_for(request, title="Diagrams"),
        })


class DiagramEditorView(LoginRequiredMixin, View):
    """One diagram in the editor."""

    def get(self, request, diagram_id):
        try:
            embed = _embed_for(request, title=f"Diagram {diagram_id}", diagram=diagram_id)
        except EmbedError:
            # Only an impossible diagram id (empty, too long, control characters) gets here.
            raise Http404("No such diagram")
        return render(request, "netbox_archiflow/diagram_editor.html", {
            "archiflow": embed,
            "diagram_id": diagram_id,
        })


@register_model_view(Site, name="archiflow_diagram", path="diagram")
class SiteDiagramView(generic.ObjectView):
    """The editor filtered to one site, as a tab on the Site page."""

    queryset = Site.objects.all()
    template_name = "netbox_archiflow/object_diagram.html"
    tab = ViewTab(label="Diagram", permission="dcim.view_site", weight=2000)

    def get_extra_context(self, request, instance):
        return {
            "archiflow": _embed_for(request, title=f"Site {instance.name}", site=instance.slug),
        }


@register_model_view(Device, name="archiflow_diagram", path="diagram")
class DeviceDiagramView(generic.ObjectView):
    """The editor filtered to one device, as a tab on the Device page."""

    queryset = Device.objects.all()
    template_name = "netbox_archiflow/object_diagram.html"
    tab = ViewTab(label="Diagram", permission="dcim.view_device", weight=2000)

    def get_extra_context(self, request, instance):
        return {
            "archiflow": _embed_for(request, title=f"Device {instance}", device=instance.pk),
        }
