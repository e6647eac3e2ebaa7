// Delivers events to the configured endpoint the way Stripe does: a signed JSON POST, at least once, retried with
// back-off while the endpoint answers non-2xx or cannot be reached. Deliveries run in the background; API calls
// never wait for them.
import { signatureHeader } from './signing.ts';

export interface StripeEvent {
  id: string;
  object: 'event';
  api_version: string;
  created: number;
  data: { object: Record<string, unknown>; previous_attributes?: Record<string, unknown> };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
}

export interface DeliveryRecord {
  eventId: string;
  type: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  delivered: boolean;
  givenUp: boolean;
}

export interface WebhookSenderOptions {
  url: string | null;
  secret: string;
  /** Wait before each retry; after the last one the event is given up (listed as undelivered). */
  retryDelaysMs: number[];
  log: (line: string) => void;
}

export class WebhookSender {
  readonly records = new Map<string, DeliveryRecord>();
  readonly #opts: WebhookSenderOptions;
  readonly #timers = new Set<NodeJS.Timeout>();
  #inFlight = new Set<Promise<void>>();
  #closed = false;

  constructor(opts: WebhookSenderOptions) {
    this.#opts = opts;
  }

  send(event: StripeEvent): void {
    const rec: DeliveryRecord = {
      eventId: event.id, type: event.type, attempts: 0, lastStatus: null, lastError: null, delivered: false, givenUp: false
    };
    this.records.set(event.id, rec);
    if (!this.#opts.url) return;
    this.#attempt(event, rec);
  }

  /** Sends an already created event again (like `stripe events resend`). */
  resend(event: StripeEvent): void {
    this.send(event);
  }

  #attempt(event: StripeEvent, rec: DeliveryRecord): void {
    if (this.#closed) return;
    const p = this.#post(event, rec).finally(() => this.#inFlight.delete(p));
    this.#inFlight.add(p);
  }

  async #post(event: StripeEvent, rec: DeliveryRecord): Promise<void> {
    rec.attempts += 1;
    const payload = JSON.stringify(event, null, 2);
    try {
      const res = await fetch(this.#opts.url!, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'stripe-signature': signatureHeader(payload, this.#opts.secret),
          'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)'
        },
        body: payload,
        signal: AbortSignal.timeout(10_000)
      });
      rec.lastStatus = res.status;
      rec.lastError = null;
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) {
        rec.delivered = true;
        // As Stripe reports it on the event: the endpoints still waiting for it (one endpoint here).
        event.pending_webhooks = 0;
        return;
      }
      rec.lastError = `HTTP ${res.status}`;
    } catch (err) {
      rec.lastError = (err as Error).message;
    }
    const delay = this.#opts.retryDelaysMs[rec.attempts - 1];
    if (delay === undefined) {
      rec.givenUp = true;
      this.#opts.log(`Stripe stand-in: gave up delivering ${event.type} ${event.id} after ${rec.attempts} attempts (${rec.lastError})`);
      return;
    }
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#attempt(event, rec);
    }, delay);
    this.#timers.add(timer);
  }

  /** Resolves once nothing is being sent and no retry is waiting. */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0 || this.#timers.size > 0) {
      await Promise.race([...this.#inFlight, new Promise((r) => setTimeout(r, 20))]);
    }
  }

  close(): void {
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }
}
