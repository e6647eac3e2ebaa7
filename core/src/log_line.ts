// One log record as one line of JSON, the same shape from the relay and the edge functions, so a log pipeline
// (Loki, CloudWatch, Supabase's log explorer) can filter every process by the same keys: time, level, msg, then
// call_id and request_id where they are known, then whatever else the line carries.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** Fields a line may carry besides its message; `level` defaults to info. */
export interface LogFields {
  level?: LogLevel;
  call_id?: string | null;
  request_id?: string | null;
  [key: string]: unknown;
}

/** What every part of the product logs with: a message that names the event, and fields. */
export type Log = (msg: string, fields?: LogFields) => void;

// Keys a field may not overwrite: they are the record's frame.
const RESERVED = new Set(['time', 'level', 'msg']);

function plain(value: unknown, depth = 0): unknown {
  if (value instanceof Error) {
    const out: Record<string, unknown> = { name: value.name, message: value.message };
    if ((value as { code?: unknown }).code !== undefined) out.code = (value as { code?: unknown }).code;
    return out;
  }
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (depth < 4 && Array.isArray(value)) return value.map((v) => plain(v, depth + 1));
  if (depth < 4 && value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = plain(v, depth + 1);
    return out;
  }
  return value;
}

/** The JSON line (without its newline). Undefined and null ids are left out rather than printed as null. */
export function formatLogLine(time: Date, msg: string, fields: LogFields = {}): string {
  const { level = 'info', call_id, request_id, ...rest } = fields;
  const record: Record<string, unknown> = { time: time.toISOString(), level, msg };
  if (call_id) record.call_id = call_id;
  if (request_id) record.request_id = request_id;
  for (const [k, v] of Object.entries(rest)) {
    if (v === undefined || RESERVED.has(k)) continue;
    record[k] = plain(v);
  }
  try {
    return JSON.stringify(record);
  } catch {
    // A cycle or an unserialisable value must not lose the line: keep the frame and say what was dropped.
    return JSON.stringify({ time: record.time, level, msg, ...(call_id ? { call_id } : {}), ...(request_id ? { request_id } : {}), fields_dropped: true });
  }
}

/** Binds fields (a call id, a request id) to every line logged through the result. */
export function withFields(log: Log, bound: LogFields): Log {
  return (msg, fields) => log(msg, { ...bound, ...fields });
}
