// Runs the NetBox plugin's Python unittest suite, so `deno task test` covers both languages.
import assert from "node:assert/strict";

Deno.test("the NetBox plugin's Python tests pass", async () => {
  const cwd = new URL("../netbox-plugin/", import.meta.url).pathname;
  const out = await new Deno.Command("python3", {
    args: ["-m", "unittest", "discover", "-s", "tests"],
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stderr) + new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 0, text);
  assert.match(text, /Ran [1-9]\d* tests?/);
});
