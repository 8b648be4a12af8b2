// Runs the NetBox plugin's Python unittest suite, so `deno task test` covers both languages.
// Without python3 the suite cannot run: the test is skipped, saying so, as other tests skip
// what the machine lacks.
import assert from "node:assert/strict";

const PLUGIN_DIR = decodeURIComponent(new URL("../netbox-plugin/", import.meta.url).pathname);

/** Why python3 cannot run here, or null when it can. */
async function pythonMissing(command = "python3"): Promise<string | null> {
  try {
    const out = await new Deno.Command(command, {
      args: ["--version"],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (out.success) return null;
    // A version manager's shim (pyenv) exists on PATH but has no interpreter behind it.
    const said = new TextDecoder().decode(out.stderr).trim().split("\n")[0];
    return `${command} not found (${command} --version: ${said || `exit status ${out.code}`})`;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return `${command} not found on PATH`;
    throw err;
  }
}

const missing = await pythonMissing();
if (missing) console.warn(`SKIPPED the NetBox plugin's Python tests: ${missing}`);

Deno.test({
  name: "the NetBox plugin's Python tests pass",
  ignore: missing !== null,
  async fn() {
    const out = await new Deno.Command("python3", {
      args: ["-m", "unittest", "discover", "-s", "tests"],
      cwd: PLUGIN_DIR,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stderr) + new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, text);
    assert.match(text, /Ran [1-9]\d* tests?/);
  },
});

Deno.test("a python3 that is absent, or a shim without an interpreter, is reported as not found", async () => {
  assert.equal(
    await pythonMissing("archiflow-no-such-python3"),
    "archiflow-no-such-python3 not found on PATH",
  );
  const shim = await Deno.makeTempFile({ prefix: "archiflow_python_shim_" });
  try {
    await Deno.writeTextFile(
      shim,
      "#!/bin/sh\necho 'pyenv: python3: command not found' >&2\nexit 127\n",
    );
    await Deno.chmod(shim, 0o755);
    assert.equal(
      await pythonMissing(shim),
      `${shim} not found (${shim} --version: pyenv: python3: command not found)`,
    );
  } finally {
    await Deno.remove(shim);
  }
});
