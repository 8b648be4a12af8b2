"""Tests for netbox_archiflow.embed, stdlib only.

Run: cd netbox-plugin && python3 -m unittest discover -s tests -v
The editor-token cases come from ../tests/vectors/editor_token.json, which the TypeScript
suite checks too, so both implementations produce and accept exactly the same tokens.
Over 400 lines on purpose: one test class per concern of embed.py (tokens, settings, URLs,
permissions, expiry, refresh), all against the same shared vectors.
"""

import base64
import hashlib
import hmac
import json
import pathlib
import py_compile
import re
import sys
import tempfile
import unittest
from urllib.parse import parse_qsl, urlsplit

PLUGIN_DIR = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PLUGIN_DIR))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from netbox_stub import netbox_stubbed  # noqa: E402

# The package imports netbox.plugins (it is only ever imported inside NetBox); embed.py itself
# needs neither NetBox nor Django.
with netbox_stubbed():
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
        self.assertEqual(VECTORS["max_ttl_seconds"], embed.MAX_TTL_SECONDS)
        self.assertEqual(VECTORS["max_session_seconds"], embed.MAX_SESSION_SECONDS)
        self.assertGreaterEqual(len(VECTORS["sign"]), 5)
        self.assertGreaterEqual(len(VECTORS["verify"]), 30)

    def test_sign_reproduces_every_shared_token_byte_for_byte(self):
        for case in VECTORS["sign"]:
            with self.subTest(case["name"]):
                token = embed.sign_editor_token(
                    SECRET, case["scope"], case["now"], case["ttl"], session=case.get("session")
                )
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
                  "exp": case["now"] + case["ttl"], "ses": case["now"]}
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
            ({"sub": "ok"}, embed.MAX_TTL_SECONDS + 1),
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
            ({"token_ttl": 901}, "token_ttl"),
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
        self.assertTrue(parts.query.startswith("diagram="))
        for ch in " &=/?#\"<>":
            self.assertNotIn(ch, parts.query[len("diagram="):])
        query = dict(parse_qsl(parts.query, strict_parsing=True))
        self.assertEqual(set(query), {"diagram"})
        self.assertEqual(query["diagram"], 'a b&c=d/é?#"<x>')
        # The token is in the fragment: browsers never send it, so no access log records it.
        fragment = dict(parse_qsl(parts.fragment, strict_parsing=True))
        self.assertEqual(set(fragment), {"token"})
        result = embed.verify_editor_token(s.shared_secret, fragment["token"], 1750000000)
        self.assertTrue(result.ok)
        self.assertEqual(result.claims["sub"], "zoë")
        self.assertEqual(result.claims["diagram"], query["diagram"])
        self.assertEqual(result.claims["exp"], 1750000300)

    def test_a_text_diagram_id_is_the_query_and_the_token_claim_as_it_is(self):
        s = settings()
        for diagram, query_text in (
            ("diagram-1", "diagram=diagram-1"),
            ("Core DC/2", "diagram=Core%20DC%2F2"),
            ("42", "diagram=42"),
            (42, "diagram=42"),  # a number given is its text
        ):
            with self.subTest(diagram=diagram):
                parts = urlsplit(embed.editor_src(s, "ops", diagram=diagram, now=1750000000))
                self.assertEqual(parts.query, query_text)
                token = dict(parse_qsl(parts.fragment))["token"]
                claims = embed.verify_editor_token(s.shared_secret, token, 1750000000).claims
                self.assertEqual(claims["diagram"], str(diagram))
                self.assertIsInstance(claims["diagram"], str)

    def test_is_diagram_id_takes_what_archiflow_takes_as_a_diagram_id(self):
        for good in ("diagram-1", "Core DC/2", 'a b&c=d/é?#"', "7", "x" * 100):
            with self.subTest(good=good):
                self.assertTrue(embed.is_diagram_id(good))
        for bad in ("", " x", "x ", "x" * 101, "a\x01b", "a\nb", "a\x85b", 7, None):
            with self.subTest(bad=bad):
                self.assertFalse(embed.is_diagram_id(bad))

    def test_site_and_device_scopes_appear_in_query_and_token(self):
        s = settings(token_ttl=60)
        parts = urlsplit(embed.editor_src(s, "ops", site="fra-dc2", now=1750000000))
        self.assertEqual(dict(parse_qsl(parts.query)), {"site": "fra-dc2"})
        token = dict(parse_qsl(parts.fragment))["token"]
        self.assertEqual(embed.verify_editor_token(s.shared_secret, token, 1750000000).claims["site"], "fra-dc2")
        parts = urlsplit(embed.editor_src(s, "ops", device=12, now=1750000000))
        self.assertEqual(dict(parse_qsl(parts.query)), {"device": "12"})
        token = dict(parse_qsl(parts.fragment))["token"]
        claims = embed.verify_editor_token(s.shared_secret, token, 1750000000).claims
        self.assertEqual((claims["device"], claims["exp"]), (12, 1750000060))

    def test_the_list_page_opens_the_editor_without_a_scope(self):
        parts = urlsplit(embed.editor_src(settings(), "ops", now=1750000000))
        self.assertEqual((parts.path, parts.query), ("/tools/editor", ""))
        self.assertEqual(set(dict(parse_qsl(parts.fragment))), {"token"})

    def test_editor_embed_gives_the_page_script_what_it_needs(self):
        data = embed.editor_embed(settings(), "ops", title="Site AMS", site="ams", now=1750000000)
        self.assertEqual(set(data), {"src", "origin", "title", "expires"})
        self.assertEqual(data["origin"], "https://archiflow.example.net:8443")
        self.assertEqual(data["expires"], 1750000300)
        self.assertTrue(data["src"].startswith("https://archiflow.example.net:8443/tools/editor?site=ams#token="))
        json.dumps(data)  # it must survive json_script


class FakeUser:
    """Just what embed.editor_username() reads of a Django user."""

    def __init__(self, name="alice", authenticated=True, active=True, perms=()):
        self.is_authenticated = authenticated
        self.is_active = active
        self.perms = set(perms)
        self.asked = []
        self.name = name

    def has_perm(self, perm):
        self.asked.append(perm)
        return perm in self.perms

    def get_username(self):
        return self.name


class PermissionTests(unittest.TestCase):
    def test_a_user_holding_the_permission_gets_a_token_for_their_name(self):
        user = FakeUser(perms={"netbox_archiflow.use_editor"})
        self.assertEqual(embed.editor_username(user), "alice")
        self.assertEqual(user.asked, ["netbox_archiflow.use_editor"])

    def test_without_the_permission_no_token_is_signed(self):
        for user, needle in [
            (FakeUser(), "netbox_archiflow.use_editor"),
            (FakeUser(perms={"dcim.view_site", "dcim.change_device"}), "use_editor"),
            (FakeUser(active=False, perms={"netbox_archiflow.use_editor"}), "use_editor"),
            (FakeUser(authenticated=False), "Log in"),
        ]:
            with self.subTest(perms=user.perms, active=user.is_active):
                with self.assertRaisesRegex(embed.EditorForbidden, needle):
                    embed.editor_username(user)

    def test_the_permission_is_declared_by_the_plugin(self):
        app, codename = embed.EDITOR_PERMISSION.split(".")
        self.assertEqual(app, "netbox_archiflow")
        # NetBox reads a permission as <action>_<model>: action "use" on the Editor model.
        self.assertEqual(codename, "use_editor")
        for rel in ("models.py", "migrations/0001_editor_permission.py"):
            source = (PLUGIN_DIR / "netbox_archiflow" / rel).read_text(encoding="utf-8")
            with self.subTest(rel):
                self.assertIn('("use_editor", "Can open the ArchiFlow editor")', source)
        models = (PLUGIN_DIR / "netbox_archiflow" / "models.py").read_text(encoding="utf-8")
        self.assertIn("class Editor(models.Model)", models)

    def test_every_page_signs_through_the_permission_check(self):
        views = (PLUGIN_DIR / "netbox_archiflow" / "views.py").read_text(encoding="utf-8")
        self.assertIn("username = editor_username(request.user)", views)
        self.assertIn("raise PermissionDenied", views)
        self.assertEqual(views.count("editor_embed("), 1)
        self.assertEqual(views.count("permission=EDITOR_PERMISSION"), 2)


class ExpiryTests(unittest.TestCase):
    def test_tokens_live_the_configured_minutes_and_never_more_than_fifteen(self):
        self.assertEqual(embed.MAX_TTL_SECONDS, 900)
        self.assertEqual(embed.DEFAULT_TTL_SECONDS, 300)
        for ttl in (30, 300, 900):
            with self.subTest(ttl=ttl):
                data = embed.editor_embed(settings(token_ttl=ttl), "ops", title="t", now=1750000000)
                self.assertEqual(data["expires"], 1750000000 + ttl)
                # The token's place in the address (query or fragment) is not what this checks.
                token = re.search(r"token=([A-Za-z0-9_.-]+)", data["src"]).group(1)
                claims = embed.verify_editor_token("k" * 40, token, 1750000000).claims
                self.assertEqual(claims["exp"] - claims["iat"], ttl)
        with self.assertRaisesRegex(embed.EmbedError, "token_ttl"):
            settings(token_ttl=901)

    def test_a_token_is_refused_once_expired(self):
        token = embed.sign_editor_token(SECRET, {"sub": "ops"}, 1750000000, 300)
        late = 1750000000 + 300 + embed.CLOCK_SKEW_SECONDS
        self.assertEqual(embed.verify_editor_token(SECRET, token, late).reason, "expired")


class RefreshTests(unittest.TestCase):
    """An open editor asks the page for a fresh token with the one it holds."""

    def first(self, now=1750000000, **scope):
        return embed.sign_editor_token("k" * 40, {"sub": "alice", **scope}, now, 300)

    def test_a_fresh_token_keeps_the_scope_and_user_and_starts_now(self):
        for scope in ({"diagram": "12"}, {"site": "ams"}, {"device": 7}, {}):
            with self.subTest(scope=scope):
                answer = embed.refresh_editor_token(
                    settings(), "alice", self.first(**scope), now=1750000250
                )
                self.assertEqual(set(answer), {"token", "expires"})
                self.assertEqual(answer["expires"], 1750000550)
                claims = embed.verify_editor_token("k" * 40, answer["token"], 1750000250).claims
                self.assertEqual(claims, {
                    "v": 1, "sub": "alice", "iat": 1750000250, "exp": 1750000550,
                    "ses": 1750000000, **scope,
                })
                json.dumps(answer)

    def test_an_expired_token_still_names_its_scope(self):
        # A laptop that slept through the token's life (an hour, within the session's maximum
        # age) resumes editing on the same page.
        old = self.first(now=1750000000 - 3600, diagram="12")
        answer = embed.refresh_editor_token(settings(), "alice", old, now=1750000000)
        claims = embed.verify_editor_token("k" * 40, answer["token"], 1750000000).claims
        self.assertEqual(claims["diagram"], "12")

    def test_refreshes_carry_the_session_start_over(self):
        # What lets a revocation in ArchiFlow end the session: every refreshed token still says
        # when the page was opened, however many refreshes later.
        token = self.first(diagram="12")
        for now in (1750000250, 1750000500, 1750020000):
            token = embed.refresh_editor_token(settings(), "alice", token, now=now)["token"]
            claims = embed.verify_editor_token("k" * 40, token, now).claims
            self.assertEqual((claims["iat"], claims["ses"]), (now, 1750000000))

    def test_a_token_from_an_older_signer_starts_its_session_at_its_iat(self):
        payload = b'{"v":1,"sub":"alice","iat":1750000000,"exp":1750000300,"site":"ams"}'
        text = embed._b64url_encode(payload)
        old = f"{text}.{embed._b64url_encode(embed._hmac('k' * 40, text))}"
        self.assertTrue(embed.verify_editor_token("k" * 40, old, 1750000000).ok)
        token = embed.refresh_editor_token(settings(), "alice", old, now=1750000250)["token"]
        claims = embed.verify_editor_token("k" * 40, token, 1750000250).claims
        self.assertEqual((claims["ses"], claims["site"]), (1750000000, "ams"))

    def test_a_session_older_than_the_maximum_age_is_not_renewed(self):
        self.assertEqual(embed.MAX_SESSION_SECONDS, 12 * 3600)
        start = 1750000000
        token = self.first(now=start, diagram="12")
        # Refreshed every few minutes, right up to the limit ...
        last = start + embed.MAX_SESSION_SECONDS
        token = embed.refresh_editor_token(settings(), "alice", token, now=last - 200)["token"]
        token = embed.refresh_editor_token(settings(), "alice", token, now=last)["token"]
        self.assertEqual(embed.verify_editor_token("k" * 40, token, last).claims["ses"], start)
        # ... and not a second beyond it, whatever token the editor holds.
        with self.assertRaisesRegex(embed.EditorForbidden, "12 hours ago.*reload the page"):
            embed.refresh_editor_token(settings(), "alice", token, now=last + 1)
        with self.assertRaisesRegex(embed.EditorForbidden, "12 hours ago"):
            embed.refresh_editor_token(settings(), "alice", self.first(diagram="1"), now=last + 1)
        # Nor can a signer be asked to start a token in such a session.
        with self.assertRaisesRegex(embed.EmbedError, "session began more than"):
            embed.sign_editor_token("k" * 40, {"sub": "alice"}, last + 1, 300, session=start)
        self.assertEqual(
            embed.verify_editor_token(
                "k" * 40, token, last + embed.CLOCK_SKEW_SECONDS
            ).reason,
            "session_too_old",
        )

    def test_a_new_page_starts_a_new_session(self):
        for now in (1750000000, 1750090000):
            with self.subTest(now=now):
                data = embed.editor_embed(settings(), "alice", title="t", diagram="12", now=now)
                token = dict(parse_qsl(urlsplit(data["src"]).fragment))["token"]
                claims = embed.verify_editor_token("k" * 40, token, now).claims
                self.assertEqual((claims["iat"], claims["ses"]), (now, now))

    def test_sign_refuses_a_session_start_it_cannot_vouch_for(self):
        for session in (1750000001, -1, 1.5, "1750000000", True):
            with self.subTest(session=session):
                with self.assertRaisesRegex(embed.EmbedError, "Cannot sign editor token"):
                    embed.sign_editor_token("k" * 40, {"sub": "a"}, 1750000000, 300, session)

    def test_a_token_for_another_user_is_not_renewed(self):
        with self.assertRaisesRegex(embed.EditorForbidden, "another NetBox user"):
            embed.refresh_editor_token(settings(), "bob", self.first(diagram="12"))

    def test_only_tokens_signed_with_this_secret_are_renewed(self):
        forged = embed.sign_editor_token("x" * 40, {"sub": "alice", "site": "ams"}, 1750000000)
        payload, sig = self.first(diagram="12").split(".")
        widened = embed._b64url_encode(
            b'{"v":1,"sub":"alice","iat":1750000000,"exp":1750000300}'
        ) + "." + sig
        for bad, reason in [
            (forged, "bad_signature"),
            (widened, "bad_signature"),
            (payload, "malformed"),
            ("", "no token"),
            (None, "no token"),
            (42, "no token"),
            ("a" * 5000 + ".b", "malformed"),
            ("not base64!.x", "malformed"),
            (embed._b64url_encode(b"[1]") + "." + sig, "malformed"),
        ]:
            with self.subTest(bad=str(bad)[:40]):
                with self.assertRaisesRegex(embed.EmbedError, reason):
                    embed.refresh_editor_token(settings(), "alice", bad)

    def test_the_view_and_url_renew_through_the_permission_check(self):
        views = (PLUGIN_DIR / "netbox_archiflow" / "views.py").read_text(encoding="utf-8")
        view = views[views.index("class EditorTokenView(View)"):]
        self.assertIn("def post(self, request)", view)
        self.assertNotIn("def get(", view)
        self.assertLess(
            view.index("editor_username(request.user)"), view.index("refresh_editor_token(")
        )
        urls = (PLUGIN_DIR / "netbox_archiflow" / "urls.py").read_text(encoding="utf-8")
        self.assertIn(
            'path("editor-token/", views.EditorTokenView.as_view(), name="editor_token")', urls
        )

    def test_the_page_script_answers_only_the_editor_frame_at_its_origin(self):
        page = (
            PLUGIN_DIR / "netbox_archiflow" / "static" / "netbox_archiflow" / "editor_frame.js"
        ).read_text(encoding="utf-8")
        self.assertIn("event.source !== frame.contentWindow", page)
        self.assertIn("event.origin !== data.origin", page)
        self.assertIn("postMessage({ archiflow: \"token\", token: token }, data.origin)", page)
        self.assertIn('"X-CSRFToken": data.refresh.csrf', page)
        self.assertNotIn('postMessage({ archiflow: "token", token: token }, "*")', page)


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

    def test_the_diagram_route_takes_any_text_id(self):
        # urls.py imports Django, so its route is read from the source: a text converter that
        # also matches "/" (path), never <int:>, and the view refuses what is not an id.
        urls = (PLUGIN_DIR / "netbox_archiflow" / "urls.py").read_text(encoding="utf-8")
        self.assertIn('"diagrams/<path:diagram_id>/"', urls)
        self.assertNotIn("<int:", urls)
        views = (PLUGIN_DIR / "netbox_archiflow" / "views.py").read_text(encoding="utf-8")
        self.assertRegex(views, r"if not is_diagram_id\(diagram_id\):\s+raise Http404")

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
