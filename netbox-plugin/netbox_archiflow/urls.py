"""URL routes under /plugins/archiflow/. The Site and Device tabs register their own routes
through register_model_view (see views.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("diagrams/", views.DiagramListView.as_view(), name="diagram_list"),
    # Diagram ids are text and may hold "/" ("Core DC/2"), which <str:> would not match.
    path("diagrams/<path:diagram_id>/", views.DiagramEditorView.as_view(), name="diagram_editor"),
    path("editor-token/", views.EditorTokenView.as_view(), name="editor_token"),
]
