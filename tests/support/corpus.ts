// The shared third-party test corpus, located by server/corpus.ts (the benches use it too).
// Tests that read it skip with a clear message when it is absent.
import { corpusDir } from "../../server/tasks/corpus.ts";

export { corpusDir };

/** Says once, visibly, that corpus-based tests were skipped. */
export function corpusMissing(what: string): boolean {
  if (corpusDir() !== null) return false;
  console.warn(`SKIPPED ${what}: ../shared/corpus is absent (set ARCHIFLOW_CORPUS to its path)`);
  return true;
}
