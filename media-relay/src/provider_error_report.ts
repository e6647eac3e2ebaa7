// How a provider's failure during a call is counted and logged: against the vendor that failed, which for the LLM
// may be the fallback behind the failover rather than the role's primary.
import type { Log } from '../../core/src/log_line.ts';
import { SERVICES } from '../../core/src/pricing.ts';
import type { RelayMetrics, Vendor } from './metrics.ts';
import { ProviderError, type Providers } from './provider_contracts.ts';

export type ProviderKind = 'stt' | 'llm' | 'tts';
export type ReportProviderError = (kind: ProviderKind, err: unknown) => void;

const VENDORS: readonly string[] = SERVICES;

/** The vendor behind a failure: the one the error names (a fallback LLM's own), else the role's vendor. */
export function vendorOf(providers: Providers, kind: ProviderKind, err: unknown): Vendor {
  const named = err instanceof ProviderError ? err.service : null;
  if (named && VENDORS.includes(named)) return named as Vendor;
  return providers[kind].info.service;
}

export function providerErrorReporter(providers: Providers, metrics: RelayMetrics, log: Log): ReportProviderError {
  return (kind, err) => {
    // An aborted stream is a barge-in or the end of the call, not a failure.
    if ((err as Error)?.name === 'AbortError') return;
    const vendor = vendorOf(providers, kind, err);
    metrics.error(kind);
    metrics.vendorError(vendor);
    log('relay.provider_error', { level: 'error', kind, vendor, err: err as Error });
  };
}
