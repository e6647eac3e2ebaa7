import { appError, fail, ok, type AppError, type Result } from '../../core/src/errors.ts';

const MAX_COMMAND_BYTES = 16 * 1024;

/** Reads a small JSON object body; bad or oversized input becomes an invalid_input error with a sentence. */
export async function readJsonObject(req: Request): Promise<Result<Record<string, unknown>, AppError>> {
  const text = await req.text();
  if (text.length > MAX_COMMAND_BYTES) return fail(appError('invalid_input', 'The request is too large.'));
  try {
    const v = JSON.parse(text || '{}');
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(appError('invalid_input', 'Send the details as a JSON object.'));
    return ok(v as Record<string, unknown>);
  } catch {
    return fail(appError('invalid_input', 'The request body is not valid JSON.'));
  }
}
