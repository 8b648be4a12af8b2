"""The plugin's NetBox-facing modules, imported as written with NetBox and Django stubbed
(netbox_stub.py): the plugin declaration, the Site and Device tabs, and the page that frames
the editor.

Run: cd netbox-plugin && python3 -m unittest discover -s tests -v
"""

import importlib
import pathlib
import re
import sys
import types
import unittest
from urllib.parse import parse_qsl, urlsplit

TESTS_DIR = pathlib.Path(__file__).resolve().parent
PLUGIN_DIR = TESTS_DIR.parent
sys.path.insert(0, str(PLUGIN_DIR))
sys.path.insert(0, str(TESTS_DIR))

from netbox_stub import ImproperlyConfigured, Site, netbox_stubbed  # noqa: E402

CONFIG = {
    "editor_url": "https://archiflow.example.net",
    "shared_secret": "s" * 40,
    "token_ttl": 300,
}


class EditorUser:
    is_authenticated = True
    is_active = True

    def has_perm(self, perm):
        return perm == "netbox_archiflow.use_editor"

    def get_username(self):
        return "alice"


def request():
    return types.SimpleNamespace(user=EditorUser())


class PluginConfigTests(unittest.TestCase):
    def test_the_plugin_imports_netbox_plugins_unguarded_and_declares_its_versions(self):
        source = (PLUGIN_DIR / "netbox_archiflow" / "__init__.py").read_text(encoding="utf-8")
        self.assertIn("\nfrom netbox.plugins import PluginConfig\n", source)
        self.assertNotIn("ModuleNotFoundError", source)
        with netbox_stubbed():
            plugin = importlib.import_module("netbox_archiflow")
            config = plugin.config
            self.assertEqual(config.name, "netbox_archiflow")
            self.assertEqual(config.min_version, "4.0.0")
            self.assertRegex(config.max_version, r"^4\.\d+\.\d+$")
            self.assertGreater(
                tuple(map(int, config.max_version.split("."))),
                tuple(map(int, config.min_version.split("."))),
            )

    def test_bad_settings_stop_netbox_at_start_up(self):
        with netbox_stubbed():
            config = importlib.import_module("netbox_archiflow").config
            config.validate(CONFIG, "4.2.0")
            with self.assertRaisesRegex(ImproperlyConfigured, "shared_secret"):
                config.validate({**CONFIG, "shared_secret": "short"}, "4.2.0")
            with self.assertRaisesRegex(ImproperlyConfigured, "requires shared_secret"):
                config.validate({"editor_url": "https://x.example"}, "4.2.0")

    def test_outside_a_stub_the_netbox_modules_are_gone_again(self):
        with netbox_stubbed():
            importlib.import_module("netbox_archiflow.views")
            self.assertIn("django", sys.modules)
        self.assertNotIn("django", sys.modules)
        self.assertNotIn("netbox.plugins", sys.modules)
        self.assertNotIn("netbox_archiflow.views", sys.modules)


class SiteTabTests(unittest.TestCase):
    def embed_for_site(self, site):
        with netbox_stubbed(plugins_config={"netbox_archiflow": CONFIG}) as stub:
            views = importlib.import_module("netbox_archiflow.views")
            tabs = {model.__name__: view for model, _name, _path, view in stub.model_views}
            self.assertEqual(set(tabs), {"Site", "Device"})
            return tabs["Site"]().get_extra_context(request(), site)["archiflow"], views

    def test_a_site_tab_names_the_site_so_the_editor_can_generate_its_diagram(self):
        embed, _ = self.embed_for_site(Site(name="DM Akron", slug="dm-akron"))
        parts = urlsplit(embed["src"])
        self.assertEqual(parts.path, "/editor")
        self.assertEqual(
            parse_qsl(parts.query, strict_parsing=True),
            [("site", "dm-akron"), ("site_name", "DM Akron")],
        )
        self.assertEqual(embed["title"], "Site DM Akron")
        # The key stays in the fragment; the query holds no secret.
        self.assertEqual(set(dict(parse_qsl(parts.fragment))), {"token"})
        self.assertNotIn("token", parts.query)
        self.assertEqual(embed["refresh"]["url"], "/plugins/archiflow/editor-token/")

    def test_a_site_name_is_escaped_in_the_query_and_never_reaches_the_token(self):
        from netbox_archiflow import embed as embed_module

        embed, _ = self.embed_for_site(Site(name='R&D "West"/#2 é', slug="rd-west"))
        parts = urlsplit(embed["src"])
        self.assertEqual(dict(parse_qsl(parts.query))["site_name"], 'R&D "West"/#2 é')
        self.assertNotIn("#", parts.query)
        token = dict(parse_qsl(parts.fragment))["token"]
        claims = embed_module.verify_editor_token(CONFIG["shared_secret"], token).claims
        self.assertEqual(claims["site"], "rd-west")
        self.assertNotIn("site_name", claims)

    def test_device_tabs_and_diagram_pages_carry_no_site_name(self):
        from netbox_archiflow import embed as embed_module

        settings = embed_module.validate_settings(CONFIG)
        src = embed_module.editor_src(settings, "ops", device=7, site_name="ignored")
        self.assertEqual(urlsplit(src).query, "device=7")
        src = embed_module.editor_src(settings, "ops", diagram="d-1")
        self.assertEqual(urlsplit(src).query, "diagram=d-1")


class PageScriptTests(unittest.TestCase):
    def test_the_editor_frame_page_has_no_inline_script(self):
        page = (
            PLUGIN_DIR / "netbox_archiflow" / "templates" / "netbox_archiflow" / "inc"
            / "editor_frame.html"
        ).read_text(encoding="utf-8")
        scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", page, re.S)
        self.assertEqual(len(scripts), 1)
        attrs, body = scripts[0]
        self.assertEqual(body.strip(), "")
        self.assertIn("{% static 'netbox_archiflow/editor_frame.js' %}", attrs)
        self.assertIn("{% load static %}", page)
        # The data still comes only through json_script, before the script that reads it.
        self.assertLess(page.index('json_script:"archiflow-embed"'), page.index("<script"))

    def test_the_static_script_is_packaged(self):
        script = PLUGIN_DIR / "netbox_archiflow" / "static" / "netbox_archiflow" / "editor_frame.js"
        self.assertIn('getElementById("archiflow-embed")', script.read_text(encoding="utf-8"))
        pyproject = (PLUGIN_DIR / "pyproject.toml").read_text(encoding="utf-8")
        self.assertIn('"static/netbox_archiflow/*.js"', pyproject)


if __name__ == "__main__":
    unittest.main()
