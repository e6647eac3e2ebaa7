// One clock for every call in the process. Each call has periodic work (the turn-taking tick, flushing transcript
// and costs, the socket heartbeat); with a timer per job and call, a few hundred calls mean a thousand timers firing
// out of step. Here one timer walks the due jobs, and jobs of calls that started at different times stay spread.
// The timer aims each tick at start + k x tick, so a late tick does not move the ones after it: the line's audio is
// released on these ticks, and a clock that slipped by each tick's lateness would shift every call's frames.

interface Job {
  everyMs: number;
  nextAt: number;
  /** `at`: the tick's time on the clock's grid (the last grid point reached when it ran). */
  run: (at: number) => void;
}

export class CallClock {
  private readonly jobs = new Set<Job>();
  private timer: NodeJS.Timeout | null = null;
  private startedAt = 0;
  private ticks = 0;
  private readonly tickMs: number;
  private readonly now: () => number;

  constructor(opts: { tickMs?: number; now?: () => number } = {}) {
    this.tickMs = opts.tickMs ?? 20;
    this.now = opts.now ?? (() => performance.now());
  }

  /** Runs `run` about every `everyMs` (to the clock's tick) until the returned stop is called. */
  every(everyMs: number, run: (at: number) => void): () => void {
    const job: Job = { everyMs, nextAt: this.now() + everyMs, run };
    this.jobs.add(job);
    if (!this.timer) {
      this.startedAt = this.now();
      this.ticks = 0;
      this.schedule();
    }
    return () => {
      this.jobs.delete(job);
      if (this.jobs.size === 0 && this.timer) {
        clearTimeout(this.timer);
        this.timer = null;
      }
    };
  }

  get size(): number {
    return this.jobs.size;
  }

  /** The next tick on the schedule; ticks missed altogether are skipped, not run in a row. */
  private schedule(): void {
    const t = this.now();
    this.ticks = Math.max(this.ticks + 1, Math.floor((t - this.startedAt) / this.tickMs) + 1);
    const timer = setTimeout(() => {
      this.tick();
      // Unless the last job stopped during the tick (and perhaps a new one started the clock afresh).
      if (this.timer === timer) this.schedule();
    }, Math.max(0, this.startedAt + this.ticks * this.tickMs - t));
    this.timer = timer;
  }

  private tick(): void {
    const t = this.now();
    // A timer can run before its time: timers keep whole milliseconds, and Node counts a timer's delay from the time
    // its loop turn began, which under load is milliseconds before the timer was set. Jobs are told the grid point
    // this tick was scheduled for when it runs up to half a tick early (told the point before, it would hold a line's
    // frame back a whole tick), else the last grid point reached. A job runs on the tick nearest its time.
    const early = this.tickMs / 2;
    const reached = Math.floor((t - this.startedAt) / this.tickMs);
    const scheduled = this.startedAt + this.ticks * this.tickMs;
    const at = this.startedAt + (t >= scheduled - early ? Math.max(this.ticks, reached) : reached) * this.tickMs;
    for (const job of this.jobs) {
      if (at < job.nextAt - early) continue;
      // A late tick runs a job once, not once per period missed.
      job.nextAt = Math.max(job.nextAt + job.everyMs, t + 1);
      try {
        job.run(at);
      } catch {
        // One call's failure must not stop the others' clock; each job handles its own errors.
      }
    }
  }
}

/** The process's clock, shared by every call on every relay server in it. */
export const callClock = new CallClock();
