// Locates the shared third-party test corpus (../shared/corpus beside the repository).
// Tests that read it skip with a clear message when it is absent.

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

/** Says once, visibly, that corpus-based tests were skipped. */
export function corpusMissing(what: string): boolean {
  if (corpusDir() !== null) return false;
  console.warn(`SKIPPED ${what}: ../shared/corpus is absent (set ARCHIFLOW_CORPUS to its path)`);
  return true;
}
