"""Stand-ins for the parts of NetBox and Django the plugin imports, so that its modules import
as written (netbox.plugins unguarded) and their logic runs here, where neither is installed.

    with netbox_stubbed(plugins_config={...}) as stub:
        views = importlib.import_module("netbox_archiflow.views")

The stand-ins are in sys.modules only inside the block, and the plugin modules imported
through them are forgotten when it ends, so nothing outside it can take them for the real
thing (embed.py, which imports neither, stays). Each stand-in does only what the plugin
asks of it; `stub` records what the plugin registered and rendered.
"""

import contextlib
import importlib
import sys
import types

PLUGIN = "netbox_archiflow"
# The one plugin module that needs neither Django nor NetBox; it outlives the block.
KEEP = {PLUGIN, f"{PLUGIN}.embed"}


class ImproperlyConfigured(Exception):
    pass


class PermissionDenied(Exception):
    pass


class Http404(Exception):
    pass


class JsonResponse(dict):
    def __init__(self, data, status=200):
        super().__init__()
        self.data = data
        self.status_code = status
        self.headers = {}

    def __setitem__(self, key, value):
        self.headers[key] = value


class View:
    @classmethod
    def as_view(cls):
        return cls


class LoginRequiredMixin:
    pass


class PluginConfig:
    """NetBox's PluginConfig as far as the plugin uses it: ready() and validate()."""

    def ready(self):
        pass

    @classmethod
    def validate(cls, user_config, netbox_version):
        for name in cls.required_settings:
            if name not in user_config:
                raise ImproperlyConfigured(f"Plugin {cls.name} requires {name}")


class _Record:
    """A plugin declaration kept as given (menus, tabs)."""

    def __init__(self, *args, **kwargs):
        self.args = args
        self.kwargs = kwargs


class ObjectView(View):
    queryset = None
    template_name = None


class _Manager:
    def all(self):
        return []


class _Model:
    objects = _Manager()

    def __init__(self, **fields):
        for k, v in fields.items():
            setattr(self, k, v)

    def __str__(self):
        return getattr(self, "name", "")


class Site(_Model):
    pass


class Device(_Model):
    pass


class Stub:
    """What the plugin did with the stand-ins inside one block."""

    def __init__(self, plugins_config):
        self.settings = types.SimpleNamespace(PLUGINS_CONFIG=plugins_config)
        self.model_views = []
        self.rendered = []
        self.paths = []

    def modules(self):
        def module(name, **attrs):
            m = types.ModuleType(name)
            m.__dict__.update(attrs)
            m.__path__ = []  # every stand-in may have submodules
            return m

        def register_model_view(model, name="", path=None, **kwargs):
            def register(view):
                self.model_views.append((model, name, path, view))
                return view

            return register

        def render(request, template, context):
            self.rendered.append((template, context))
            return (template, context)

        def path(route, view, name=None):
            self.paths.append((route, view, name))
            return (route, view, name)

        return {
            "netbox": module("netbox"),
            "netbox.plugins": module(
                "netbox.plugins",
                PluginConfig=PluginConfig,
                PluginMenu=_Record,
                PluginMenuItem=_Record,
            ),
            "netbox.views": module("netbox.views"),
            "netbox.views.generic": module("netbox.views.generic", ObjectView=ObjectView),
            "dcim": module("dcim"),
            "dcim.models": module("dcim.models", Site=Site, Device=Device),
            "utilities": module("utilities"),
            "utilities.views": module(
                "utilities.views", ViewTab=_Record, register_model_view=register_model_view
            ),
            "django": module("django"),
            "django.conf": module("django.conf", settings=self.settings),
            "django.contrib": module("django.contrib"),
            "django.contrib.auth": module("django.contrib.auth"),
            "django.contrib.auth.mixins": module(
                "django.contrib.auth.mixins", LoginRequiredMixin=LoginRequiredMixin
            ),
            "django.core": module("django.core"),
            "django.core.exceptions": module(
                "django.core.exceptions",
                ImproperlyConfigured=ImproperlyConfigured,
                PermissionDenied=PermissionDenied,
            ),
            "django.http": module("django.http", Http404=Http404, JsonResponse=JsonResponse),
            "django.middleware": module("django.middleware"),
            "django.middleware.csrf": module(
                "django.middleware.csrf", get_token=lambda request: "csrf-token"
            ),
            "django.shortcuts": module("django.shortcuts", render=render),
            "django.urls": module(
                "django.urls",
                reverse=lambda name, *a, **k: "/plugins/archiflow/editor-token/",
                path=path,
            ),
            "django.views": module("django.views"),
            "django.views.generic": module("django.views.generic", View=View),
        }


def _forget_plugin_modules():
    package = sys.modules.get(PLUGIN)
    for name in [n for n in sys.modules if n.startswith(f"{PLUGIN}.") and n not in KEEP]:
        del sys.modules[name]
        if package is not None and hasattr(package, name.rsplit(".", 1)[1]):
            delattr(package, name.rsplit(".", 1)[1])


@contextlib.contextmanager
def netbox_stubbed(plugins_config=None):
    stub = Stub(plugins_config or {})
    fakes = stub.modules()
    saved = {name: sys.modules.get(name) for name in fakes}
    sys.modules.update(fakes)
    importlib.invalidate_caches()
    try:
        yield stub
    finally:
        _forget_plugin_modules()
        for name, before in saved.items():
            if before is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = before
