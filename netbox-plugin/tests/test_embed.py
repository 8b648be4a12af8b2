"""Tests for netbox_archiflow.embed, stdlib only.

Run: cd netbox-plugin && python3 -m unittest discover -s tests -v
The editor-token cases come from ../tests/vectors/editor_token.json, which the TypeScript
suite checks too, so both implementations produce and accept exactly the same tokens.
"""

import base64
import hashlib
import hmac
import json
import pathlib
import py_compile
import sys
import tempfile
import unittest
from urllib.parse import parse_qsl, urlsplit

PLUGIN_DIR = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PLUGIN_DIR))

from netbox_archiflow import embed  # noqa: E402

VECTORS_PATH = PLUGIN_DIR.parent / "tests" / "vectors" / "editor_token.json"
VECTORS = json.loads(VECTORS_PATH.read_text(encoding="utf-8"))
SECRET = VECTORS["secret"]


def settings(**overrides):
    raw = {
        "editor_url": "https://archiflow.example.net:8443/tools/",
        "shared_secret": "k" * 40,
        "token_ttl": 300,
    }
    raw.update(overrides)
    return embed.validate_settings(raw)


class SharedVectorTests(unittest.TestCase):
    def test_the_vectors_file_has_cases(self):
        self.assertEqual(VECTORS["format"], "archiflow.editor-token-vectors/1")
        self.assertEqual(VECTORS["clock_skew_seconds"], embed.CLOCK_SKEW_SECONDS)
        self.assertGreaterEqual(len(VECTORS["sign"]), 5)
        self.assertGreaterEqual(len(VECTORS["verify"]), 30)

    def test_sign_reproduces_every_shared_token_byte_for_byte(self):
        for case in VECTORS["sign"]:
            with self.subTest(case["name"]):
                token = embed.sign_editor_token(SECRET, case["scope"], case["now"], case["ttl"])
                self.assertEqual(token, case["token"])

    def test_verify_gives_the_shared_answer_for_every_case(self):
        reasons = set()
        for case in VECTORS["verify"]:
            with self.subTest(case["name"]):
                result = embed.verify_editor_token(
                    case.get("secret", SECRET), case["token"], case["now"]
                )
                expect = case["expect"]
                if expect["ok"]:
                    self.assertEqual(result, embed.EditorTokenResult(True, expect["claims"]))
                else:
                    reasons.add(expect["reason"])
                    self.assertEqual(result, embed.EditorTokenResult(False, None, expect["reason"]))
        # Every rejection reason is exercised by at least one vector.
        self.assertEqual(reasons, set(embed.FAILURE_REASONS))

    def test_the_format_matches_its_written_description(self):
        # Recomputes one vector from the documented recipe with plain stdlib calls.
        case = VECTORS["sign"][1]
        claims = {"v": 1, "sub": case["scope"]["sub"], "iat": case["now"],
                  "exp": case["now"] + case["ttl"]}
        for key in ("diagram", "site", "device"):
            claims[key] = case["scope"][key]
        text = json.dumps(claims, ensure_ascii=False, separators=(",", ":"))
        payload = base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
        mac = hmac.new(SECRET.encode(), payload.encode(), hashlib.sha256).digest()
        sig = base64.urlsafe_b64encode(mac).decode().rstrip("=")
        self.assertEqual(f"{payload}.{sig}", case["token"])


class TokenTests(unittest.TestCase):
    def test_a_fresh_token_verifies_and_carries_the_subject(self):
        token = embed.sign_editor_token(SECRET, {"sub": "alice", "site": "ams-01"})
        result = embed.verify_editor_token(SECRET, token)
        self.assertTrue(result.ok)
        self.assertEqual(result.claims["sub"], "alice")
        self.assertEqual(result.claims["site"], "ams-01")
        self.assertEqual(result.claims["exp"] - result.claims["iat"], 300)

    def test_sign_refuses_claims_it_could_not_sign_faithfully(self):
        bad = [
            ({"sub": ""}, 300),
            ({"sub": "a\x00b"}, 300),
            ({"sub": "x" * 151}, 300),
            ({"sub": 5}, 300),
            ({"sub": "ok", "diagram": ""}, 300),
            ({"sub": "ok", "device": 0}, 300),
            ({"sub": "ok", "device": True}, 300),
            ({"sub": "ok", "device": "7"}, 300),
            ({"sub": "ok", "site": "\ud800"}, 300),
            ({"sub": "ok", "role": "admin"}, 300),
            ({"sub": "ok"}, 0),
            ({"sub": "ok"}, 3601),
        ]
        for scope, ttl in bad:
            with self.subTest(scope=scope, ttl=ttl):
                with self.assertRaisesRegex(embed.EmbedError, "Cannot sign editor token"):
                    embed.sign_editor_token(SECRET, scope, 1750000000, ttl)

    def test_an_empty_secret_is_a_configuration_error_not_a_rejection(self):
        with self.assertRaisesRegex(embed.EmbedError, "shared secret is empty"):
            embed.sign_editor_token("", {"sub": "ok"})
        with self.assertRaisesRegex(embed.EmbedError, "shared secret is empty"):
            embed.verify_editor_token("", "a.b")

    def test_subject_length_counts_characters(self):
        sub = "\U0001F600" * 150
        token = embed.sign_editor_token(SECRET, {"sub": sub}, 1750000000)
        self.assertEqual(embed.verify_editor_token(SECRET, token, 1750000000).claims["sub"], sub)


class SettingsTests(unittest.TestCase):
    def test_valid_settings_are_normalised(self):
        s = settings()
        self.assertEqual(s.editor_url, "https://archiflow.example.net:8443/tools")
        self.assertEqual(s.token_ttl, 300)
        self.assertEqual(embed.editor_origin(s), "https://archiflow.example.net:8443")

    def test_the_plugin_defaults_pass_once_a_secret_is_set(self):
        s = embed.validate_settings({"editor_url": "http://localhost:3333", "shared_secret": "x" * 32})
        self.assertEqual(s.editor_url, "http://localhost:3333")
        self.assertEqual(s.token_ttl, embed.DEFAULT_TTL_SECONDS)

    def test_unusable_settings_are_refused_with_the_setting_named(self):
        bad = [
            ({"editor_url": ""}, "editor_url"),
            ({"editor_url": None}, "editor_url"),
            ({"editor_url": "ftp://host"}, "editor_url"),
            ({"editor_url": "javascript:alert(1)"}, "editor_url"),
            ({"editor_url": "https://"}, "editor_url"),
            ({"editor_url": "https://user:pw@host"}, "credentials"),
            ({"editor_url": "https://host/?a=b"}, "query"),
            ({"editor_url": "https://host/#x"}, "query"),
            ({"editor_url": "https://host:99999"}, "editor_url"),
            ({"shared_secret": ""}, "shared_secret"),
            ({"shared_secret": "short"}, "shared_secret"),
            ({"shared_secret": None}, "shared_secret"),
            ({"token_ttl": 5}, "token_ttl"),
            ({"token_ttl": 3601}, "token_ttl"),
            ({"token_ttl": "300"}, "token_ttl"),
            ({"token_ttl": True}, "token_ttl"),
        ]
        for overrides, needle in bad:
            with self.subTest(overrides=overrides):
                with self.assertRaisesRegex(embed.EmbedError, needle):
                    settings(**overrides)


class EditorUrlTests(unittest.TestCase):
    def test_editor_src_escapes_the_diagram_id_and_carries_a_matching_token(self):
        s = settings()
        src = embed.editor_src(s, "zoë", diagram='a b&c=d/é?#"<x>', now=1750000000)
        parts = urlsplit(src)
        self.assertEqual((parts.scheme, parts.netloc, parts.path),
                         ("https", "archiflow.example.net:8443", "/tools/editor"))
        self.assertEqual(parts.fragment, "")
        first, _ = parts.query.split("&token=")
        self.assertTrue(first.startswith("diagram="))
        for ch in " &=/?#\"<>":
            self.assertNotIn(ch, first[len("diagram="):])
        query = dict(parse_qsl(parts.query, strict_parsing=True))
        self.assertEqual(set(query), {"diagram", "token"})
        self.assertEqual(query["diagram"], 'a b&c=d/é?#"<x>')
        result = embed.verify_editor_token(s.shared_secret, query["token"], 1750000000)
        self.assertTrue(result.ok)
        self.assertEqual(result.claims["sub"], "zoë")
        self.assertEqual(result.claims["diagram"], query["diagram"])
        self.assertEqual(result.claims["exp"], 1750000300)

    def test_site_and_device_scopes_appear_in_query_and_token(self):
        s = settings(token_ttl=60)
        query = dict(parse_qsl(urlsplit(embed.editor_src(s, "ops", site="fra-dc2", now=1750000000)).query))
        self.assertEqual(query["site"], "fra-dc2")
        self.assertEqual(embed.verify_editor_token(s.shared_secret, query["token"], 1750000000).claims["site"], "fra-dc2")
        query = dict(parse_qsl(urlsplit(embed.editor_src(s, "ops", device=12, now=1750000000)).query))
        self.assertEqual(query["device"], "12")
        claims = embed.verify_editor_token(s.shared_secret, query["token"], 1750000000).claims
        self.assertEqual((claims["device"], claims["exp"]), (12, 1750000060))

    def test_the_list_page_opens_the_editor_without_a_scope(self):
        src = embed.editor_src(settings(), "ops", now=1750000000)
        self.assertEqual(set(dict(parse_qsl(urlsplit(src).query))), {"token"})

    def test_editor_embed_gives_the_page_script_what_it_needs(self):
        data = embed.editor_embed(settings(), "ops", title="Site AMS", site="ams", now=1750000000)
        self.assertEqual(set(data), {"src", "origin", "title", "expires"})
        self.assertEqual(data["origin"], "https://archiflow.example.net:8443")
        self.assertEqual(data["expires"], 1750000300)
        self.assertTrue(data["src"].startswith("https://archiflow.example.net:8443/tools/editor?site=ams&token="))
        json.dumps(data)  # it must survive json_script


class PluginSourceTests(unittest.TestCase):
    """Django and NetBox are not installed here, so the modules that import them can only be
    compiled, and checked to keep their Django imports out of embed.py."""

    def test_every_plugin_module_compiles(self):
        files = sorted((PLUGIN_DIR / "netbox_archiflow").rglob("*.py"))
        self.assertGreaterEqual(len(files), 5)
        with tempfile.TemporaryDirectory() as tmp:
            for path in files:
                with self.subTest(path.name):
                    py_compile.compile(str(path), cfile=f"{tmp}/{path.stem}.pyc", doraise=True)

    def test_embed_imports_neither_django_nor_netbox(self):
        self.assertNotIn("django", sys.modules)
        source = (PLUGIN_DIR / "netbox_archiflow" / "embed.py").read_text(encoding="utf-8")
        for line in source.splitlines():
            if line.startswith(("import ", "from ")):
                self.assertNotRegex(line, r"django|netbox|dcim|utilities")

    def test_templates_never_mark_data_safe(self):
        templates = sorted((PLUGIN_DIR / "netbox_archiflow" / "templates").rglob("*.html"))
        self.assertGreaterEqual(len(templates), 3)
        for path in templates:
            text = path.read_text(encoding="utf-8")
            with self.subTest(path.name):
                self.assertNotIn("|safe", text)
                self.assertNotIn("autoescape off", text)


if __name__ == "__main__":
    unittest.main()
