// The CallStore on Postgres: the call's persona, scenario and budget from the call row; final transcript segments
// and provider usage as idempotent inserts. Twilio minutes are not written here: the status callback records them
// from Twilio's own duration when the call completes. Softphone browser calls, which have no Twilio, are started and
// completed here (private.start_browser_call / private.finish_browser_call); browser calls Twilio carries are not.
import pg from 'pg';
import type { Log } from '../../core/src/log_line.ts';
import { usageOfRateKey, type ServiceRate } from '../../core/src/pricing.ts';
import type { CallContext, CallOwnership, CallStore, CostEvent, InterimText, TranscriptSegment, TurnLatency } from './call_store.ts';
import { composeSystemPrompt } from './system_prompt.ts';
import type { EndReason } from './turn_taking.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TERMINAL = ['completed', 'busy', 'no_answer', 'failed', 'canceled'];

interface CallRow {
  id: string;
  mode: 'phone' | 'browser';
  max_duration_seconds: number;
  custom_instructions: string | null;
  reserved_credits: number;
  estimated_cost_cents: number;
  payment_method: string;
  payment_status: string;
  persona_name: string;
  voice_id: string;
  system_prompt: string;
  relationship_type: string | null;
  nickname: string | null;
  custom_prompt: string | null;
  scenario_name: string | null;
  scenario_prompt: string | null;
  opening_line: string | null;
  scenario_by_user: boolean;
  per_call_cap_cents: number | null;
  monthly_cap_cents: number | null;
  month_remaining_cents: number | null;
  warn_at_percent: number | null;
  auto_cutoff: boolean | null;
  user_first_name: string | null;
  timezone: string | null;
  stability: string;
  similarity_boost: string;
  style: string;
  speed: string;
}

/**
 * What this call may cost, in cents: the smallest of the per-call cap (always), the month's remaining budget (when
 * the user asked for the cut-off; a demo call charges nothing, so it is not held to it, as at placement), and
 * what was put aside for the call (reserved credits, or the amount held on the card). Null when nothing caps it.
 */
export function callBudgetCents(r: Pick<CallRow, 'per_call_cap_cents' | 'month_remaining_cents' | 'auto_cutoff' | 'payment_method' | 'payment_status' | 'reserved_credits' | 'estimated_cost_cents'>): number | null {
  const caps: number[] = [];
  if (r.per_call_cap_cents !== null) caps.push(r.per_call_cap_cents);
  if (r.auto_cutoff !== false && r.payment_method !== 'demo' && r.month_remaining_cents !== null) caps.push(Math.max(0, r.month_remaining_cents));
  if (r.payment_method === 'credits' && r.payment_status === 'reserved') caps.push(r.reserved_credits);
  if (r.payment_method === 'card' && r.payment_status === 'authorized') caps.push(r.estimated_cost_cents);
  return caps.length > 0 ? Math.min(...caps) : null;
}

export class PgCallStore implements CallStore {
  private readonly pool: pg.Pool;
  private readonly log: Log;
  private rateIds = new Map<string, string>(); // `${service}/${usage}` -> service_rates.id

  constructor(databaseUrl: string, log: Log) {
    this.pool = new pg.Pool({ connectionString: databaseUrl, max: 4, idleTimeoutMillis: 30_000 });
    this.pool.on('error', (err) => log('relay.db.pool_error', { level: 'error', err }));
    this.log = log;
  }

  async loadCall(callId: string): Promise<CallContext | null> {
    if (!UUID.test(callId)) return null;
    // The month's remaining budget counts every call started this month (private.month_spend: settled cost plus
    // open holds). This call's own hold is among them, but it is this call's money, not someone else's: it is
    // added back, so the call may spend its hold plus whatever else is left this month.
    const r = await this.pool.query<CallRow>(
      `select c.id, c.mode, c.max_duration_seconds, c.custom_instructions, c.reserved_credits, c.estimated_cost_cents,
              c.payment_method, c.payment_status,
              p.name as persona_name, p.voice_id, p.system_prompt,
              rel.relationship_type, rel.nickname, rel.custom_prompt,
              s.name as scenario_name, s.prompt as scenario_prompt, s.opening_line, (s.user_id is not null) as scenario_by_user,
              b.max_cost_per_call_cents as per_call_cap_cents, b.max_monthly_spend_cents as monthly_cap_cents,
              b.warn_at_percent_per_call as warn_at_percent, b.enable_auto_cutoff as auto_cutoff,
              (b.max_monthly_spend_cents - ms.spent_cents - ms.reserved_cents
                + case when c.created_at >= m.month_start and c.created_at < m.month_end then
                    case c.payment_status when 'reserved' then c.reserved_credits
                                          when 'authorized' then c.estimated_cost_cents else 0 end
                  else 0 end)::int as month_remaining_cents,
              nullif(split_part(coalesce(u.name, ''), ' ', 1), '') as user_first_name, u.timezone,
              coalesce(rel.voice_stability, p.default_voice_stability)::text as stability,
              coalesce(rel.voice_similarity_boost, p.default_voice_similarity_boost)::text as similarity_boost,
              coalesce(rel.voice_style, p.default_voice_style)::text as style,
              coalesce(rel.voice_speed, p.default_voice_speed)::text as speed
         from public.calls c
         join public.personas p on p.id = c.persona_id
         join public.users u on u.id = c.user_id
         left join public.user_persona_relationships rel on rel.id = c.relationship_id
         left join public.call_scenario_templates s on s.id = c.scenario_template_id
         left join public.user_budget_settings b on b.user_id = c.user_id
         cross join lateral private.budget_month(u.timezone) m
         cross join lateral private.month_spend(c.user_id, m.month_start, m.month_end) ms
        where c.id = $1 and c.status not in ('completed', 'busy', 'no_answer', 'failed', 'canceled')`,
      [callId]
    );
    const row = r.rows[0];
    if (!row) return null;
    return {
      callId: row.id,
      personaName: row.persona_name,
      systemPrompt: composeSystemPrompt({
        personaPrompt: row.system_prompt, personaName: row.persona_name, relationshipType: row.relationship_type,
        nickname: row.nickname, customPrompt: row.custom_prompt, scenarioName: row.scenario_name,
        scenarioPrompt: row.scenario_prompt, openingLine: row.opening_line, scenarioByUser: row.scenario_by_user,
        callInstructions: row.custom_instructions, userFirstName: row.user_first_name, timezone: row.timezone, now: new Date()
      }),
      voiceId: row.voice_id,
      maxDurationSeconds: row.max_duration_seconds,
      budgetCents: callBudgetCents(row),
      warnPercent: row.warn_at_percent ?? 75, // the seed's default for warn_at_percent_per_call; sign-up always writes a budget row
      mode: row.mode,
      voiceSettings: { stability: Number(row.stability), similarityBoost: Number(row.similarity_boost), style: Number(row.style), speed: Number(row.speed) }
    };
  }

  async callOwnership(callId: string): Promise<CallOwnership | null> {
    if (!UUID.test(callId)) return null;
    const r = await this.pool.query<{ id: string; user_id: string; mode: 'phone' | 'browser'; finished: boolean }>(
      `select id, user_id, mode, status = any($2::text[]) as finished from public.calls where id = $1`, [callId, TERMINAL]);
    const row = r.rows[0];
    return row ? { callId: row.id, userId: row.user_id, mode: row.mode, finished: row.finished } : null;
  }

  async startBrowserCall(callId: string): Promise<boolean> {
    const r = await this.pool.query<{ status: string | null }>('select private.start_browser_call($1) as status', [callId]);
    return r.rows[0]?.status === 'in_progress';
  }

  /** A session that was signed out must not open a call (token_blacklist holds revoked session ids). */
  async isSessionRevoked(sessionId: string): Promise<boolean> {
    const r = await this.pool.query('select 1 from public.token_blacklist where token_id = $1', [sessionId]);
    return (r.rowCount ?? 0) > 0;
  }

  async loadRates(): Promise<ServiceRate[]> {
    const r = await this.pool.query<{ id: string; service: ServiceRate['service']; rate_key: string; unit: ServiceRate['unit']; unit_price_usd: string; markup_percent: string }>(
      `select id, service, rate_key, unit, unit_price_usd::text, markup_percent::text from public.service_rates
        where effective_from <= now() and (effective_to is null or effective_to > now())`
    );
    const rates: ServiceRate[] = [];
    const ids = new Map<string, string>();
    for (const row of r.rows) {
      const usage = usageOfRateKey(row.service, row.rate_key);
      if (!usage) continue;
      rates.push({ service: row.service, usage, unit: row.unit, usdPerUnit: row.unit_price_usd, markup: (1 + Number(row.markup_percent) / 100).toFixed(4) });
      ids.set(`${row.service}/${usage}`, row.id);
    }
    this.rateIds = ids;
    return rates;
  }

  async broadcastInterim(callId: string, interim: InterimText): Promise<void> {
    await this.pool.query(`select realtime.send($1::jsonb, 'interim', $2, true)`, [
      JSON.stringify({ speaker: interim.speaker, text: interim.text.slice(0, 500) }), `call:${callId}`
    ]);
  }

  async saveTranscript(segments: readonly TranscriptSegment[]): Promise<void> {
    if (segments.length === 0) return;
    await this.pool.query(
      `insert into public.call_transcript_segments (call_id, user_id, seq, speaker, text, start_ms, end_ms, interrupted)
       select s.call_id, c.user_id, s.seq, s.speaker, s.text, s.start_ms, s.end_ms, s.interrupted
         from unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::int[], $6::int[], $7::boolean[])
                as s(call_id, seq, speaker, text, start_ms, end_ms, interrupted)
         join public.calls c on c.id = s.call_id
       on conflict (call_id, seq) do nothing`,
      [
        segments.map((s) => s.callId), segments.map((s) => s.seq), segments.map((s) => s.speaker),
        segments.map((s) => s.text.slice(0, 10_000)), segments.map((s) => s.startMs), segments.map((s) => s.endMs),
        segments.map((s) => s.interrupted)
      ]
    );
  }

  async saveCostEvents(events: readonly CostEvent[]): Promise<void> {
    const rows = events.filter((e) => e.service !== 'twilio');
    if (rows.length === 0) return;
    const eventType = (e: CostEvent) => (e.usage === 'stt_seconds' ? 'stt_audio' : e.usage === 'tts_characters' ? 'tts_characters' : 'llm_completion');
    await this.pool.query(
      `insert into public.call_cost_events
         (call_id, user_id, service, event_type, model, tokens_input, tokens_output, characters, duration_seconds, rate_id, cost_usd,
          idempotency_key, occurred_at)
       select e.call_id, c.user_id, e.service, e.event_type, e.model, e.tokens_input, e.tokens_output, e.characters, e.duration_seconds,
              e.rate_id, e.cost_usd, e.idempotency_key, e.occurred_at
         from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::int[], $6::int[], $7::int[], $8::numeric[],
                     $9::uuid[], $10::numeric[], $11::text[], $12::timestamptz[])
                as e(call_id, service, event_type, model, tokens_input, tokens_output, characters, duration_seconds, rate_id, cost_usd,
                     idempotency_key, occurred_at)
         join public.calls c on c.id = e.call_id
       on conflict (idempotency_key) do nothing`,
      [
        rows.map((e) => e.callId), rows.map((e) => e.service), rows.map(eventType), rows.map((e) => e.model.slice(0, 100)),
        rows.map((e) => (e.usage === 'llm_input_tokens' ? e.quantity : e.usage === 'llm_output_tokens' ? 0 : null)),
        rows.map((e) => (e.usage === 'llm_output_tokens' ? e.quantity : e.usage === 'llm_input_tokens' ? 0 : null)),
        rows.map((e) => (e.usage === 'tts_characters' ? e.quantity : null)),
        rows.map((e) => (e.usage === 'stt_seconds' ? e.quantity.toFixed(3) : null)),
        rows.map((e) => this.rateIds.get(`${e.service}/${e.usage}`) ?? null),
        rows.map((e) => e.costUsd), rows.map((e) => e.idempotencyKey), rows.map((e) => e.occurredAt)
      ]
    );
  }

  async saveTurnLatencies(rows: readonly TurnLatency[]): Promise<void> {
    if (rows.length === 0) return;
    await this.pool.query(
      `insert into public.call_turn_latencies
         (call_id, user_id, turn, stt_final_ms, llm_first_token_ms, tts_first_byte_ms, voice_to_voice_ms, interrupted, preemptive,
          acknowledged, wasted_llm_tokens)
       select r.call_id, c.user_id, r.turn, r.stt, r.llm, r.tts, r.v2v, r.interrupted, r.preemptive, r.acknowledged, r.wasted
         from unnest($1::uuid[], $2::int[], $3::int[], $4::int[], $5::int[], $6::int[], $7::boolean[], $8::boolean[], $9::boolean[], $10::int[])
                as r(call_id, turn, stt, llm, tts, v2v, interrupted, preemptive, acknowledged, wasted)
         join public.calls c on c.id = r.call_id
       on conflict (call_id, turn) do nothing`,
      [
        rows.map((r) => r.callId), rows.map((r) => r.turn), rows.map((r) => r.sttFinalMs), rows.map((r) => r.llmFirstTokenMs),
        rows.map((r) => r.ttsFirstByteMs), rows.map((r) => r.voiceToVoiceMs), rows.map((r) => r.interrupted),
        rows.map((r) => r.preemptive), rows.map((r) => r.acknowledged), rows.map((r) => r.wastedLlmTokens)
      ]
    );
  }

  async finishCall(callId: string, endReason: EndReason, mediaSeconds: number): Promise<void> {
    // The relay says its media is over and its usage flushed (settlement waits for that) and why the conversation
    // ended; for a phone call the final status callback turns that into end_reason. A softphone browser call has no
    // status callbacks: private.finish_browser_call completes it here with the measured duration. A browser call
    // Twilio carries (Voice SDK, bound to a CallSid) is Twilio's to complete, like a phone call. Then settlement is
    // requested; it is idempotent and also requested by the status callback, so whichever comes last finds
    // everything in place.
    // The relay hangs up before it writes, so Twilio's final status often lands first: with no media reason yet, the
    // status callback can only guess user_hung_up, and the relay's own reason replaces that guess. (SET reads the
    // row as it was, so media_end_reason here is null only on the relay's first report.)
    await this.pool.query(
      `update public.calls
          set media_ended_at = coalesce(media_ended_at, now()),
              media_end_reason = coalesce(media_end_reason, $2),
              end_reason = case
                when status <> all($3::text[]) then end_reason
                when end_reason is null then $2
                when status = 'completed' and end_reason = 'user_hung_up' and media_end_reason is null then $2
                else end_reason end
        where id = $1`,
      [callId, endReason, TERMINAL]
    );
    await this.pool.query(
      'select private.finish_browser_call(c.id, $2, $3) from public.calls c where c.id = $1 and c.twilio_call_sid is null',
      [callId, endReason, Math.round(mediaSeconds)]
    );
    const settled = await this.pool.query<{ s: string }>('select private.settle_finished_call($1) as s', [callId]);
    this.log('relay.call.finished', { call_id: callId, reason: endReason, settlement: settled.rows[0]?.s });
  }

  /** For readiness: a pool slot and a round trip to the database. */
  async ping(): Promise<void> {
    await this.pool.query('select 1');
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
