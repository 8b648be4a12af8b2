// How many bytes of large responses the whole process builds at once. Each response is bounded
// by ARCHIFLOW_MAX_RESPONSE_BYTES, but many calls arriving together (separate messages on one
// socket, several sockets, concurrent POST /mcp requests) would each be within it and still add
// up to gigabytes. Large responses take their size from this gate before they are built and give
// it back once handed to the transport; when it is full, the call is answered "busy, retry"
// instead of being built.

/** Responses smaller than this are built without asking: they cannot add up to much. */
export const LARGE_RESPONSE_BYTES = 1024 * 1024;

export class ResponseGate {
  #free: number;

  constructor(readonly capacity: number) {
    this.#free = capacity;
  }

  /** Bytes not taken now. */
  get free(): number {
    return this.#free;
  }

  /**
   * Takes `bytes` (small responses take nothing) and returns what gives them back (once), or
   * null when the gate cannot hold them now.
   */
  take(bytes: number): (() => void) | null {
    if (bytes < LARGE_RESPONSE_BYTES) return () => {};
    if (bytes > this.#free) return null;
    return this.force(bytes);
  }

  /**
   * Takes `bytes` whether or not they are free (what a response built beyond its estimate
   * turned out to take), so that later responses wait for them.
   */
  force(bytes: number): () => void {
    this.#free -= bytes;
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.#free += bytes;
    };
  }
}
