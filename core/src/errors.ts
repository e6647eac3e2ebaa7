// Stable error codes shared by every part of the product. Codes are part of the public contract (the web app
// and API clients switch on them), so a code is never renamed; its sentence may be improved.

export interface AppError {
  readonly code: string;
  /** A sentence the person reading it can act on. */
  readonly message: string;
  /** HTTP status to answer with when the error crosses an HTTP boundary. */
  readonly status?: number;
  /** For a rate-limit refusal: when (ISO 8601) the same request will be allowed again; sent as Retry-After. */
  readonly retryAt?: string;
}

interface CatalogueEntry {
  readonly status: number;
  readonly message: string;
}

export const ERROR_CATALOGUE = {
  invalid_input: { status: 400, message: 'Some of the details sent were missing or malformed. Check them and try again.' },
  unauthenticated: { status: 401, message: 'Please sign in to continue.' },
  session_revoked: { status: 401, message: 'This session was signed out. Please sign in again.' },
  forbidden: { status: 403, message: 'You do not have access to this.' },
  rate_limited: { status: 429, message: 'Too many attempts in a short time. Wait a few minutes and try again.' },
  conflict: { status: 409, message: 'This request was already handled or clashes with another change. Refresh and try again.' },
  internal_error: { status: 500, message: 'Something went wrong on our side. Nothing was charged; please try again shortly.' },
  provider_unavailable: { status: 503, message: 'A service we depend on is not responding. Nothing was charged; please try again shortly.' },

  phone_invalid: { status: 400, message: 'That does not look like a phone number. Enter it with the country code, for example +44 7400 123456.' },
  phone_country_not_allowed: { status: 422, message: 'We cannot call numbers in that country yet. Use a number from a supported country.' },
  phone_type_not_allowed: { status: 422, message: 'We only call mobile and landline numbers. Enter a personal mobile or landline number.' },
  number_not_verified: { status: 403, message: 'This number is not verified on your account. Verify it with a code first.' },
  verification_required: { status: 403, message: 'Confirm your e-mail address and verify a phone number before calling from your browser.' },
  otp_invalid: { status: 400, message: 'That code is not right. Check the latest text message and try again.' },
  otp_expired: { status: 400, message: 'That code has expired. Ask for a new one.' },

  persona_not_found: { status: 404, message: 'That persona does not exist or is no longer available. Pick another one.' },
  scenario_not_found: { status: 404, message: 'That call scenario does not exist. Pick another one.' },
  call_not_found: { status: 404, message: 'That call does not exist or is not yours.' },
  call_not_cancellable: { status: 409, message: 'This call has already ended or started, so it cannot be cancelled.' },

  budget_exceeded_per_call: { status: 402, message: 'This call would cost more than your per-call limit. Raise the limit in Budget settings or choose a shorter call.' },
  budget_exceeded_monthly: { status: 402, message: 'This call would take you past your monthly spending limit. Raise the limit in Budget settings or wait until next month.' },
  insufficient_credits: { status: 402, message: 'You do not have enough credits for this call. Buy a credit pack or pay by card.' },
  card_missing: { status: 402, message: 'You have no saved card. Save one on the Billing page, or pay with credits.' },
  payment_failed: { status: 402, message: 'The payment did not go through. Try another card or pay with credits.' },
  rate_not_configured: { status: 500, message: 'Pricing is not set up for this service yet, so the call cannot be priced. Please try again later.' },

  timezone_invalid: { status: 400, message: 'That time zone is not recognised. Pick one from the list, for example Europe/London.' },
  schedule_in_past: { status: 400, message: 'That time has already passed. Pick a time in the future.' },

  stream_message_invalid: { status: 400, message: 'The media stream message was not in the expected format.' },
  stream_event_unknown: { status: 400, message: 'The media stream sent an event this service does not handle.' },

  voice_settings_invalid: { status: 400, message: 'Those voice settings are out of range: stability, similarity and style go from 0 to 1, speed from 0.7 to 1.2.' },
  voice_sample_rate_limited: { status: 429, message: 'You have listened to a lot of new voice samples in the last hour. Replay one you already heard, or try again in an hour.' },
  voice_sample_unavailable: { status: 503, message: 'The voice sample could not be made right now. Nothing was charged; try again in a minute.' },

  call_not_browser: { status: 409, message: 'This call rings your phone, not this browser. Answer it on your phone.' },
  call_already_ended: { status: 409, message: 'This call has already ended. Start a new call to talk again.' },
  browser_calls_unavailable: { status: 503, message: 'Calls in the browser are not available right now. Ask the persona to call your phone instead, or try again later.' },
} as const satisfies Record<string, CatalogueEntry>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export const ERROR_CODES = Object.keys(ERROR_CATALOGUE) as readonly ErrorCode[];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CATALOGUE, value);
}

/** Builds an error from the catalogue; `message` replaces the default sentence when a more specific one helps. */
export function appError(code: ErrorCode, message?: string): AppError {
  const entry: CatalogueEntry = ERROR_CATALOGUE[code];
  return { code, message: message ?? entry.message, status: entry.status };
}

export function isAppError(value: unknown): value is AppError {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.code === 'string' && typeof v.message === 'string' && (v.status === undefined || typeof v.status === 'number');
}

/** Outcome of an operation that fails on bad input without throwing. */
export type Result<T, E = AppError> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

export function ok<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}

export function fail<E = AppError>(error: E): { readonly ok: false; readonly error: E } {
  return { ok: false, error };
}
