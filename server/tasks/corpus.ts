// Locates the shared third-party corpus (draw.io files, NetBox demo data) that the benches and
// the tests read: ../shared/corpus beside the repository, or wherever ARCHIFLOW_CORPUS points.

const repoRoot = new URL("../../", import.meta.url);

/** Absolute path of the corpus folder, or null when it is not present. */
export function corpusDir(): string | null {
  const fromEnv = Deno.env.get("ARCHIFLOW_CORPUS");
  const dir = fromEnv ?? decodeURIComponent(new URL("../shared/corpus", repoRoot).pathname);
  try {
    return Deno.statSync(dir).isDirectory ? dir : null;
  } catch {
    return null;
  }
}
