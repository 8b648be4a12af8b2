import assert from "node:assert/strict";
import { inlineHashes } from "./csp.ts";

Deno.test("inlineHashes() hashes inline JavaScript as browsers parse it, and only that", () => {
  const html = '<script src="a.js"></script><script>var a = 1;\r\n</script>' +
    '<script type="text/vbscript">x</script><SCRIPT type="text/javascript">var a = 1;\n</SCRIPT>' +
    "<script type=module>b()</script>";
  // sha256 of "var a = 1;\n" and of "b()", base64.
  assert.deepEqual(inlineHashes(html), [
    "'sha256-V0f/LPEcxtISW3KKv7ZGyUbqjRS+tmt/7Zpk84of77E='",
    "'sha256-cf242PFc/kb7xD0Qzhsmd9vvRkc+cWFmbi+k+YvtdKc='",
  ]);
  assert.deepEqual(inlineHashes("<p>no scripts</p>"), []);
});
