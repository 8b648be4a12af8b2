import assert from "node:assert/strict";
import { parseStaticPath } from "./static_files.ts";

Deno.test("parseStaticPath() decodes each segment once and names index.html for a directory", () => {
  assert.deepEqual(parseStaticPath("js/app.min.js"), { segments: ["js", "app.min.js"] });
  assert.deepEqual(parseStaticPath(""), { segments: ["index.html"] });
  assert.deepEqual(parseStaticPath("img/"), { segments: ["img", "index.html"] });
  assert.deepEqual(parseStaticPath("a%20b.png"), { segments: ["a b.png"] });
  // Decoded once: what was encoded twice stays a literal name, never a dot segment.
  assert.deepEqual(parseStaticPath("%252e%252e/x"), { segments: ["%2e%2e", "x"] });
});

Deno.test("parseStaticPath() refuses every way of leaving the directory", () => {
  for (
    const path of [
      "../x",
      "%2e%2e/x",
      "./x",
      "a//b",
      "/etc/hostname",
      "%2fetc%2fhostname",
      "x%5C..%5Cy",
      "a\\b",
      "index.html%00.png",
      "%c0%ae%c0%ae/x",
      "%e0%80%af",
      "bad%zz",
      "line%0abreak",
    ]
  ) {
    assert.ok("refused" in parseStaticPath(path), path);
  }
});
