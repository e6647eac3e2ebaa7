// One clock for every call in the process. Each call has periodic work (the turn-taking tick, flushing transcript
// and costs, the socket heartbeat); with a timer per job and call, a few hundred calls mean a thousand timers firing
// out of step. Here one interval walks the due jobs, and jobs of calls that started at different times stay spread.

interface Job {
  everyMs: number;
  nextAt: number;
  run: () => void;
}

export class CallClock {
  private readonly jobs = new Set<Job>();
  private timer: NodeJS.Timeout | null = null;
  private readonly tickMs: number;
  private readonly now: () => number;

  constructor(opts: { tickMs?: number; now?: () => number } = {}) {
    this.tickMs = opts.tickMs ?? 20;
    this.now = opts.now ?? (() => performance.now());
  }

  /** Runs `run` about every `everyMs` (to the clock's tick) until the returned stop is called. */
  every(everyMs: number, run: () => void): () => void {
    const job: Job = { everyMs, nextAt: this.now() + everyMs, run };
    this.jobs.add(job);
    this.timer ??= setInterval(() => this.tick(), this.tickMs);
    return () => {
      this.jobs.delete(job);
      if (this.jobs.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = null;
      }
    };
  }

  get size(): number {
    return this.jobs.size;
  }

  private tick(): void {
    const t = this.now();
    for (const job of this.jobs) {
      if (t < job.nextAt) continue;
      // A late tick runs a job once, not once per period missed.
      job.nextAt = Math.max(job.nextAt + job.everyMs, t + 1);
      try {
        job.run();
      } catch {
        // One call's failure must not stop the others' clock; each job handles its own errors.
      }
    }
  }
}

/** The process's clock, shared by every call on every relay server in it. */
export const callClock = new CallClock();
