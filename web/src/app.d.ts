import type { Session, SupabaseClient, User } from '@supabase/supabase-js';
import type { Database } from '../../core/src/database.types.ts';

declare global {
  namespace App {
    interface Locals {
      supabase: SupabaseClient<Database>;
      safeGetSession: () => Promise<{ session: Session | null; user: User | null }>;
    }
    interface PageData {
      session: Session | null;
      user: User | null;
      demoMode: boolean;
      /** The media relay for the browser softphone; null when not configured. */
      relayUrl: string | null;
      /** How browser calls are carried (Twilio's Voice SDK or the softphone), or null when they are not offered. */
      browserCalls: 'twilio' | 'softphone' | null;
    }
  }
}

export {};
