"""Pages that embed the ArchiFlow editor: the diagram list, one diagram, and a "Diagram" tab
on Site and Device pages (a Site's tab offers, in the editor, to generate the site's diagram
from the inventory when it has none). Nothing is fetched from ArchiFlow on the server side; each page
signs a token for the logged-in user, if they hold netbox_archiflow.use_editor, and hands the
iframe address to the page script. While the page stays open, its script asks editor-token/
for fresh tokens of the same scope, so the editor outlives each token's short life."""

import json

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import reverse
from django.views.generic import View

from dcim.models import Device, Site
from netbox.views import generic
from utilities.views import ViewTab, register_model_view

from .embed import (
    EDITOR_PERMISSION,
    EditorForbidden,
    EmbedError,
    editor_embed,
    editor_username,
    is_diagram_id,
    refresh_editor_token,
    validate_settings,
)


def _embed_for(request, **scope):
    """The json_script payload for the editor, or None when nobody is logged in (NetBox may
    let anonymous users read pages, but a token must name a NetBox user). A user without the
    plugin's permission gets 403: every token signed here is a key to ArchiFlow."""
    if not request.user.is_authenticated:
        return None
    try:
        username = editor_username(request.user)
    except EditorForbidden as exc:
        raise PermissionDenied(str(exc)) from None
    # Validated at start-up too (ArchiFlowConfig.validate); re-reading keeps this module free
    # of import-time settings access.
    config = validate_settings(settings.PLUGINS_CONFIG.get("netbox_archiflow", {}))
    embed = editor_embed(config, username, **scope)
    # Where the page script asks for a fresh token (NetBox's session and CSRF token, never a
    # key in a URL or cookie of ArchiFlow's).
    embed["refresh"] = {
        "url": reverse("plugins:netbox_archiflow:editor_token"),
        "csrf": get_token(request),
    }
    return embed


class DiagramListView(LoginRequiredMixin, View):
    """The editor opened without a diagram, where ArchiFlow lists and creates diagrams."""

    def get(self, request):
        return render(request, "netbox_archiflow/diagram_list.html", {
            "archiflow": _embed_for(request, title="Diagrams"),
        })


class DiagramEditorView(LoginRequiredMixin, View):
    """One diagram in the editor."""

    def get(self, request, diagram_id):
        # Ids are text ("diagram-1"); one no diagram can have (too long, control characters,
        # surrounding blanks) is not sent to the editor, which would refuse it.
        if not is_diagram_id(diagram_id):
            raise Http404("No such diagram")
        try:
            embed = _embed_for(request, title=f"Diagram {diagram_id}", diagram=diagram_id)
        except EmbedError:
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
    # Viewing the object itself still needs its view permission (ObjectView checks it).
    tab = ViewTab(label="Diagram", permission=EDITOR_PERMISSION, weight=2000)

    def get_extra_context(self, request, instance):
        # The editor offers to generate the site's diagram (named after the site) when the
        # site has none yet.
        return {
            "archiflow": _embed_for(
                request, title=f"Site {instance.name}", site=instance.slug, site_name=instance.name
            ),
        }


@register_model_view(Device, name="archiflow_diagram", path="diagram")
class DeviceDiagramView(generic.ObjectView):
    """The editor filtered to one device, as a tab on the Device page."""

    queryset = Device.objects.all()
    template_name = "netbox_archiflow/object_diagram.html"
    # Viewing the object itself still needs its view permission (ObjectView checks it).
    tab = ViewTab(label="Diagram", permission=EDITOR_PERMISSION, weight=2000)

    def get_extra_context(self, request, instance):
        return {
            "archiflow": _embed_for(request, title=f"Device {instance}", device=instance.pk),
        }


class EditorTokenView(View):
    """POST {"token": <the token the editor holds>}: a fresh token with the same scope, for the
    editor of a page that is still open, as JSON {"token", "expires"}. Needs the same session,
    CSRF token and permission as signing the first one; answers 403 as JSON (not a redirect to
    the login page) once the user is logged out or has lost the permission, or the page was
    opened more than embed.MAX_SESSION_SECONDS ago, which ends the editor's session at its
    token's expiry. The fresh token keeps the session start of the presented one, so a
    revocation in ArchiFlow (which refuses sessions begun before it) is not undone by a
    refresh."""

    def post(self, request):
        try:
            username = editor_username(request.user)
        except EditorForbidden as exc:
            return JsonResponse({"detail": str(exc)}, status=403)
        config = validate_settings(settings.PLUGINS_CONFIG.get("netbox_archiflow", {}))
        try:
            presented = json.loads(request.body or b"{}").get("token")
        except (ValueError, AttributeError):
            presented = None
        try:
            answer = refresh_editor_token(config, username, presented)
        except EditorForbidden as exc:
            return JsonResponse({"detail": str(exc)}, status=403)
        except EmbedError as exc:
            return JsonResponse({"detail": str(exc)}, status=400)
        response = JsonResponse(answer)
        response["Cache-Control"] = "no-store"
        return response
