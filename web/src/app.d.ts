import type { Session, SupabaseClient, User } from '@supabase/supabase-js';

declare global {
  namespace App {
    interface Locals {
      supabase: SupabaseClient;
      safeGetSession: () => Promise<{ session: Session | null; user: User | null }>;
    }
    interface PageData {
      session: Session | null;
      user: User | null;
      demoMode: boolean;
      /** The media relay for the demo-mode browser softphone; null when browser calls are not offered. */
      relayUrl: string | null;
    }
  }
}

export {};
