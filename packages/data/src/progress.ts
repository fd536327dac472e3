/** Progress of a streaming job (encoding a file, generating rows), for a command line to draw. */
export interface StreamProgress {
  /** `vocabulary`: the counting pass of a two-pass encode; `encode`: writing shards; `generate`: generating rows. */
  phase: 'vocabulary' | 'encode' | 'generate';
  /** 1-based pass number, of `passes`. */
  pass: number;
  passes: number;
  /** Rows done in this pass. */
  rows: number;
  /** Rows in all, when known (generators). */
  totalRows?: number;
  /** Input bytes read in this pass, and the input's size, when reading files. */
  bytes?: number;
  totalBytes?: number;
  /** Shard files written so far. */
  shards: number;
  elapsedMs: number;
  /** Estimated time left over all passes, once some work is done. */
  etaMs?: number;
}

/**
 * Builds {@link StreamProgress} reports with an ETA from the share of work done (over all passes,
 * each counted equal). @internal
 */
export class ProgressClock {
  private readonly t0 = performance.now();

  constructor(
    private readonly onProgress: ((p: StreamProgress) => void) | undefined,
    private readonly passes: number,
  ) {}

  report(p: Omit<StreamProgress, 'elapsedMs' | 'etaMs' | 'passes'>): void {
    if (!this.onProgress) return;
    const elapsedMs = performance.now() - this.t0;
    const share =
      p.totalBytes !== undefined && p.bytes !== undefined && p.totalBytes > 0
        ? p.bytes / p.totalBytes
        : p.totalRows !== undefined && p.totalRows > 0
          ? p.rows / p.totalRows
          : undefined;
    const out: StreamProgress = { ...p, passes: this.passes, elapsedMs };
    if (share !== undefined) {
      const done = (p.pass - 1 + Math.min(1, share)) / this.passes;
      if (done > 0) out.etaMs = (elapsedMs * (1 - done)) / done;
    }
    this.onProgress(out);
  }
}
