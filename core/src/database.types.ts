export type Json =
  | string
  | number
  | boolean
  | null
  | { [key: string]: Json | undefined }
  | Json[]

export type Database = {
  public: {
    Tables: {
      call_cost_breakdowns: {
        Row: {
          billed_credits: number | null
          call_id: string
          cerebras_usd: number
          created_at: string
          deepgram_usd: number
          elevenlabs_usd: number
          event_count: number
          id: string
          openai_usd: number
          total_usd: number | null
          twilio_usd: number
          updated_at: string
          user_id: string
        }
        Insert: {
          billed_credits?: number | null
          call_id: string
          cerebras_usd?: number
          created_at?: string
          deepgram_usd?: number
          elevenlabs_usd?: number
          event_count?: number
          id?: string
          openai_usd?: number
          total_usd?: never
          twilio_usd?: number
          updated_at?: string
          user_id: string
        }
        Update: {
          billed_credits?: number | null
          call_id?: string
          cerebras_usd?: number
          created_at?: string
          deepgram_usd?: number
          elevenlabs_usd?: number
          event_count?: number
          id?: string
          openai_usd?: number
          total_usd?: never
          twilio_usd?: number
          updated_at?: string
          user_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "call_cost_breakdowns_call_fkey"
            columns: ["call_id", "user_id"]
            isOneToOne: false
            referencedRelation: "call_charges"
            referencedColumns: ["call_id", "user_id"]
          },
          {
            foreignKeyName: "call_cost_breakdowns_call_fkey"
            columns: ["call_id", "user_id"]
            isOneToOne: false
            referencedRelation: "calls"
            referencedColumns: ["id", "user_id"]
          },
          {
            foreignKeyName: "call_cost_breakdowns_call_fkey"
            columns: ["call_id", "user_id"]
            isOneToOne: false
            referencedRelation: "operator_calls"
            referencedColumns: ["call_id", "user_id"]
          },
        ]
      }
      call_cost_events: {
        Row: {
          calculated_cost_cents: number | null
          call_cost_breakdown_id: string | null
          call_id: string
          characters: number | null
          cost_usd: number
          created_at: string
          duration_seconds: number | null
          event_type: string
          id: string
          idempotency_key: string
          model: string | null
          occurred_at: string
          rate_id: string | null
          service: string
          tokens_input: number | null
          tokens_output: number | null
          user_id: string
        }
        Insert: {
          calculated_cost_cents?: number | null
          call_cost_breakdown_id?: string | null
          call_id: string
          characters?: number | null
          cost_usd: number
          created_at?: string
          duration_seconds?: number | null
          event_type: string
          id?: string
          idempotency_key: string
          model?: string | null
          occurred_at?: string
          rate_id?: string | null
          service: string
          tokens_input?: number | null
          tokens_output?: number | null
          user_id: string
        }
        Update: {
          calculated_cost_cents?: number | null
          call_cost_breakdown_id?: string | null
          call_id?: string
          characters?: number | null
          cost_usd?: number
          created_at?: string
          duration_seconds?: number | null
          event_type?: string
          id?: string
          idempotency_key?: string
          model?: string | null
          occurred_at?: string
          rate_id?: string | null
          service?: string
          tokens_input?: number | null
          tokens_output?: number | null
          user_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "call_cost_events_call_cost_breakdown_id_fkey"
            columns: ["call_cost_breakdown_id"]
            isOneToOne: false
            referencedRelation: "call_cost_breakdowns"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "call_cost_events_call_fkey"
            columns: ["call_id", "user_id"]
            isOneToOne: false
            referencedRelation: "call_charges"
            referencedColumns: ["call_id", "user_id"]
          },
          {
            foreignKeyName: "call_cost_events_call_fkey"
            columns: ["call_id", "user_id"]
            isOneToOne: false
            referencedRelation: "calls"
            referencedColumns: ["id", "user_id"]
          },
          {
            foreignKeyName: "call_cost_events_call_fkey"
            columns: ["call_id", "user_id"]
            isOneToOne: false
            referencedRelation: "operator_calls"
            referencedColumns: ["call_id", "user_id"]
          },
          {
            foreignKeyName: "call_cost_events_rate_id_fkey"
            columns: ["rate_id"]
            isOneToOne: false
            referencedRelation: "service_rates"
            referencedColumns: ["id"]
          },
        ]
      }
      call_scenario_templates: {
        Row: {
          created_at: string
          default_max_duration_seconds: number
          description: string
          id: string
          is_active: boolean
          name: string
          opening_line: string | null
          prompt: string
          slug: string | null
          sort_order: number
          updated_at: string
          user_id: string | null
        }
        Insert: {
          created_at?: string
          default_max_duration_seconds?: number
          description?: string
          id?: string
          is_active?: boolean
          name: string
          opening_line?: string | null
          prompt: string
          slug?: string | null
          sort_order?: number
          updated_at?: string
          user_id?: string | null
        }
        Update: {
          created_at?: string
          default_max_duration_seconds?: number
          description?: string
          id?: string
          is_active?: boolean
          name?: string
          opening_line?: string | null
          prompt?: string
          slug?: string | null
          sort_order?: number
          updated_at?: string
          user_id?: string | null
        }
        Relationships: [
          {
            foreignKeyName: "call_scenario_templates_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: false
            referencedRelation: "operator_users"
            referencedColumns: ["user_id"]
          },
          {
            foreignKeyName: "call_scenario_templates_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: false
            referencedRelation: "users"
            referencedColumns: ["id"]
          },
        ]
      }
      call_transcript_segments: {
        Row: {
          call_id: string
          created_at: string
          end_ms: number | null
          id: number
          interrupted: boolean
          seq: number
          speaker: string
          start_ms: number | null
          text: string
          user_id: string
        }
        Insert: {
          call_id: string
          created_at?: string
          end_ms?: number | null
          id?: never
          interrupted?: boolean
          seq: number
          speaker: string
          start_ms?: number | null
          text: string
          user_id: string
        }
        Update: {
          call_id?: string
          created_at?: string
          end_ms?: number | null
          id?: never
          interrupted?: boolean
          seq?: number
          speaker?: string
          start_ms?: number | null
          text?: string
          user_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "call_transcript_segments_call_fkey"
            columns: ["call_id", "user_id"]
            isOneToOne: false
            referencedRelation: "call_charges"
            referencedColumns: ["call_id", "user_id"]
          },
          {
            foreignKeyName: "call_transcript_segments_call_fkey"
            columns: ["call_id", "user_id"]
            isOneToOne: false
            referencedRelation: "calls"
            referencedColumns: ["id", "user_id"]
          },
          {
            foreignKeyName: "call_transcript_segments_call_fkey"
            columns: ["call_id", "user_id"]
            isOneToOne: false
            referencedRelation: "operator_calls"
            referencedColumns: ["call_id", "user_id"]
          },
        ]
      }
      call_turn_latencies: {
        Row: {
          acknowledged: boolean
          call_id: string
          created_at: string
          interrupted: boolean
          llm_first_token_ms: number | null
          preemptive: boolean
          stt_final_ms: number | null
          tts_first_byte_ms: number | null
          turn: number
          user_id: string
          voice_to_voice_ms: number | null
          wasted_llm_tokens: number
        }
        Insert: {
          acknowledged?: boolean
          call_id: string
          created_at?: string
          interrupted?: boolean
          llm_first_token_ms?: number | null
          preemptive?: boolean
          stt_final_ms?: number | null
          tts_first_byte_ms?: number | null
          turn: number
          user_id: string
          voice_to_voice_ms?: number | null
          wasted_llm_tokens?: number
        }
        Update: {
          acknowledged?: boolean
          call_id?: string
          created_at?: string
          interrupted?: boolean
          llm_first_token_ms?: number | null
          preemptive?: boolean
          stt_final_ms?: number | null
          tts_first_byte_ms?: number | null
          turn?: number
          user_id?: string
          voice_to_voice_ms?: number | null
          wasted_llm_tokens?: number
        }
        Relationships: [
          {
            foreignKeyName: "call_turn_latencies_call_fkey"
            columns: ["call_id", "user_id"]
            isOneToOne: false
            referencedRelation: "call_charges"
            referencedColumns: ["call_id", "user_id"]
          },
          {
            foreignKeyName: "call_turn_latencies_call_fkey"
            columns: ["call_id", "user_id"]
            isOneToOne: false
            referencedRelation: "calls"
            referencedColumns: ["id", "user_id"]
          },
          {
            foreignKeyName: "call_turn_latencies_call_fkey"
            columns: ["call_id", "user_id"]
            isOneToOne: false
            referencedRelation: "operator_calls"
            referencedColumns: ["call_id", "user_id"]
          },
        ]
      }
      calls: {
        Row: {
          actual_cost_cents: number | null
          answered_at: string | null
          answered_by: string | null
          client_ip: string | null
          created_at: string
          credits_used: number
          custom_instructions: string | null
          dialed_at: string | null
          duration_seconds: number | null
          end_reason: Database["public"]["Enums"]["call_end_reason"] | null
          ended_at: string | null
          error_message: string | null
          estimated_cost_cents: number
          id: string
          idempotency_key: string | null
          last_callback_sequence: number | null
          max_duration_seconds: number
          media_end_reason:
            | Database["public"]["Enums"]["call_end_reason"]
            | null
          media_ended_at: string | null
          mode: string
          payment_intent_id: string | null
          payment_method: string
          payment_status: string
          persona_id: string
          phone_number: string | null
          phone_number_id: string | null
          relationship_id: string | null
          reserved_credits: number
          scenario_template_id: string | null
          scheduled_call_id: string | null
          status: Database["public"]["Enums"]["call_status"]
          summary: string | null
          twilio_call_sid: string | null
          updated_at: string
          user_feedback: string | null
          user_id: string
          user_rating: number | null
        }
        Insert: {
          actual_cost_cents?: number | null
          answered_at?: string | null
          answered_by?: string | null
          client_ip?: string | null
          created_at?: string
          credits_used?: number
          custom_instructions?: string | null
          dialed_at?: string | null
          duration_seconds?: number | null
          end_reason?: Database["public"]["Enums"]["call_end_reason"] | null
          ended_at?: string | null
          error_message?: string | null
          estimated_cost_cents?: number
          id?: string
          idempotency_key?: string | null
          last_callback_sequence?: number | null
          max_duration_seconds: number
          media_end_reason?:
            | Database["public"]["Enums"]["call_end_reason"]
            | null
          media_ended_at?: string | null
          mode: string
          payment_intent_id?: string | null
          payment_method: string
          payment_status?: string
          persona_id: string
          phone_number?: string | null
          phone_number_id?: string | null
          relationship_id?: string | null
          reserved_credits?: number
          scenario_template_id?: string | null
          scheduled_call_id?: string | null
          status?: Database["public"]["Enums"]["call_status"]
          summary?: string | null
          twilio_call_sid?: string | null
          updated_at?: string
          user_feedback?: string | null
          user_id: string
          user_rating?: number | null
        }
        Update: {
          actual_cost_cents?: number | null
          answered_at?: string | null
          answered_by?: string | null
          client_ip?: string | null
          created_at?: string
          credits_used?: number
          custom_instructions?: string | null
          dialed_at?: string | null
          duration_seconds?: number | null
          end_reason?: Database["public"]["Enums"]["call_end_reason"] | null
          ended_at?: string | null
          error_message?: string | null
          estimated_cost_cents?: number
          id?: string
          idempotency_key?: string | null
          last_callback_sequence?: number | null
          max_duration_seconds?: number
          media_end_reason?:
            | Database["public"]["Enums"]["call_end_reason"]
            | null
          media_ended_at?: string | null
          mode?: string
          payment_intent_id?: string | null
          payment_method?: string
          payment_status?: string
          persona_id?: string
          phone_number?: string | null
          phone_number_id?: string | null
          relationship_id?: string | null
          reserved_credits?: number
          scenario_template_id?: string | null
          scheduled_call_id?: string | null
          status?: Database["public"]["Enums"]["call_status"]
          summary?: string | null
          twilio_call_sid?: string | null
          updated_at?: string
          user_feedback?: string | null
          user_id?: string
          user_rating?: number | null
        }
        Relationships: [
          {
            foreignKeyName: "calls_persona_id_fkey"
            columns: ["persona_id"]
            isOneToOne: false
            referencedRelation: "personas"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "calls_phone_number_fkey"
            columns: ["phone_number_id", "user_id"]
            isOneToOne: false
            referencedRelation: "user_phone_numbers"
            referencedColumns: ["id", "user_id"]
          },
          {
            foreignKeyName: "calls_relationship_fkey"
            columns: ["relationship_id", "user_id"]
            isOneToOne: false
            referencedRelation: "user_persona_relationships"
            referencedColumns: ["id", "user_id"]
          },
          {
            foreignKeyName: "calls_scenario_template_id_fkey"
            columns: ["scenario_template_id"]
            isOneToOne: false
            referencedRelation: "call_scenario_templates"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "calls_scheduled_call_fkey"
            columns: ["scheduled_call_id", "user_id"]
            isOneToOne: false
            referencedRelation: "scheduled_calls"
            referencedColumns: ["id", "user_id"]
          },
          {
            foreignKeyName: "calls_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: false
            referencedRelation: "operator_users"
            referencedColumns: ["user_id"]
          },
          {
            foreignKeyName: "calls_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: false
            referencedRelation: "users"
            referencedColumns: ["id"]
          },
        ]
      }
      card_charges: {
        Row: {
          amount_cents: number
          call_id: string | null
          captured_cents: number
          charged_at: string
          currency: string
          purpose: string
          refund_cents: number | null
          refunded_cents: number
          status: string | null
          stripe_charge_id: string
          stripe_payment_intent_id: string | null
          updated_at: string
          user_id: string
        }
        Insert: {
          amount_cents: number
          call_id?: string | null
          captured_cents?: number
          charged_at: string
          currency: string
          purpose: string
          refund_cents?: never
          refunded_cents?: number
          status?: never
          stripe_charge_id: string
          stripe_payment_intent_id?: string | null
          updated_at?: string
          user_id: string
        }
        Update: {
          amount_cents?: number
          call_id?: string | null
          captured_cents?: number
          charged_at?: string
          currency?: string
          purpose?: string
          refund_cents?: never
          refunded_cents?: number
          status?: never
          stripe_charge_id?: string
          stripe_payment_intent_id?: string | null
          updated_at?: string
          user_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "card_charges_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: false
            referencedRelation: "operator_users"
            referencedColumns: ["user_id"]
          },
          {
            foreignKeyName: "card_charges_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: false
            referencedRelation: "users"
            referencedColumns: ["id"]
          },
        ]
      }
      credit_transactions: {
        Row: {
          amount: number
          balance_after: number
          call_id: string | null
          created_at: string
          description: string | null
          id: number
          idempotency_key: string
          owed_after: number
          owed_delta: number
          reserved_after: number
          reserved_delta: number
          stripe_event_id: string | null
          stripe_object_id: string | null
          type: string
          user_id: string
        }
        Insert: {
          amount: number
          balance_after: number
          call_id?: string | null
          created_at?: string
          description?: string | null
          id?: never
          idempotency_key: string
          owed_after?: number
          owed_delta?: number
          reserved_after: number
          reserved_delta?: number
          stripe_event_id?: string | null
          stripe_object_id?: string | null
          type: string
          user_id: string
        }
        Update: {
          amount?: number
          balance_after?: number
          call_id?: string | null
          created_at?: string
          description?: string | null
          id?: never
          idempotency_key?: string
          owed_after?: number
          owed_delta?: number
          reserved_after?: number
          reserved_delta?: number
          stripe_event_id?: string | null
          stripe_object_id?: string | null
          type?: string
          user_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "credit_transactions_call_id_fkey"
            columns: ["call_id"]
            isOneToOne: false
            referencedRelation: "call_charges"
            referencedColumns: ["call_id"]
          },
          {
            foreignKeyName: "credit_transactions_call_id_fkey"
            columns: ["call_id"]
            isOneToOne: false
            referencedRelation: "calls"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "credit_transactions_call_id_fkey"
            columns: ["call_id"]
            isOneToOne: false
            referencedRelation: "operator_calls"
            referencedColumns: ["call_id"]
          },
          {
            foreignKeyName: "credit_transactions_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: false
            referencedRelation: "operator_users"
            referencedColumns: ["user_id"]
          },
          {
            foreignKeyName: "credit_transactions_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: false
            referencedRelation: "users"
            referencedColumns: ["id"]
          },
        ]
      }
      payment_cards: {
        Row: {
          brand: string
          exp_month: number
          exp_year: number
          last4: string
          saved_at: string
          stripe_payment_method_id: string
          stripe_synced_at: string
          user_id: string
        }
        Insert: {
          brand: string
          exp_month: number
          exp_year: number
          last4: string
          saved_at?: string
          stripe_payment_method_id: string
          stripe_synced_at: string
          user_id: string
        }
        Update: {
          brand?: string
          exp_month?: number
          exp_year?: number
          last4?: string
          saved_at?: string
          stripe_payment_method_id?: string
          stripe_synced_at?: string
          user_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "payment_cards_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: true
            referencedRelation: "operator_users"
            referencedColumns: ["user_id"]
          },
          {
            foreignKeyName: "payment_cards_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: true
            referencedRelation: "users"
            referencedColumns: ["id"]
          },
        ]
      }
      persona_memories: {
        Row: {
          call_id: string | null
          created_at: string
          id: string
          kind: string
          persona_id: string
          relationship_id: string | null
          text: string
          updated_at: string
          user_id: string
        }
        Insert: {
          call_id?: string | null
          created_at?: string
          id?: string
          kind: string
          persona_id: string
          relationship_id?: string | null
          text: string
          updated_at?: string
          user_id: string
        }
        Update: {
          call_id?: string | null
          created_at?: string
          id?: string
          kind?: string
          persona_id?: string
          relationship_id?: string | null
          text?: string
          updated_at?: string
          user_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "persona_memories_call_fkey"
            columns: ["call_id", "user_id"]
            isOneToOne: false
            referencedRelation: "call_charges"
            referencedColumns: ["call_id", "user_id"]
          },
          {
            foreignKeyName: "persona_memories_call_fkey"
            columns: ["call_id", "user_id"]
            isOneToOne: false
            referencedRelation: "calls"
            referencedColumns: ["id", "user_id"]
          },
          {
            foreignKeyName: "persona_memories_call_fkey"
            columns: ["call_id", "user_id"]
            isOneToOne: false
            referencedRelation: "operator_calls"
            referencedColumns: ["call_id", "user_id"]
          },
          {
            foreignKeyName: "persona_memories_persona_id_fkey"
            columns: ["persona_id"]
            isOneToOne: false
            referencedRelation: "personas"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "persona_memories_relationship_fkey"
            columns: ["relationship_id", "user_id"]
            isOneToOne: false
            referencedRelation: "user_persona_relationships"
            referencedColumns: ["id", "user_id"]
          },
          {
            foreignKeyName: "persona_memories_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: false
            referencedRelation: "operator_users"
            referencedColumns: ["user_id"]
          },
          {
            foreignKeyName: "persona_memories_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: false
            referencedRelation: "users"
            referencedColumns: ["id"]
          },
        ]
      }
      personas: {
        Row: {
          created_at: string
          default_voice_similarity_boost: number
          default_voice_speed: number
          default_voice_stability: number
          default_voice_style: number
          deleted_at: string | null
          description: string
          id: string
          is_active: boolean
          name: string
          owner_id: string | null
          slug: string
          sort_order: number
          system_prompt: string
          traits: string[]
          updated_at: string
          voice_id: string
        }
        Insert: {
          created_at?: string
          default_voice_similarity_boost?: number
          default_voice_speed?: number
          default_voice_stability?: number
          default_voice_style?: number
          deleted_at?: string | null
          description: string
          id?: string
          is_active?: boolean
          name: string
          owner_id?: string | null
          slug?: string
          sort_order?: number
          system_prompt: string
          traits?: string[]
          updated_at?: string
          voice_id: string
        }
        Update: {
          created_at?: string
          default_voice_similarity_boost?: number
          default_voice_speed?: number
          default_voice_stability?: number
          default_voice_style?: number
          deleted_at?: string | null
          description?: string
          id?: string
          is_active?: boolean
          name?: string
          owner_id?: string | null
          slug?: string
          sort_order?: number
          system_prompt?: string
          traits?: string[]
          updated_at?: string
          voice_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "personas_owner_id_fkey"
            columns: ["owner_id"]
            isOneToOne: false
            referencedRelation: "operator_users"
            referencedColumns: ["user_id"]
          },
          {
            foreignKeyName: "personas_owner_id_fkey"
            columns: ["owner_id"]
            isOneToOne: false
            referencedRelation: "users"
            referencedColumns: ["id"]
          },
        ]
      }
      phone_verifications: {
        Row: {
          approved_at: string | null
          attempts: number
          channel: string
          client_ip: string | null
          code_hash: string | null
          created_at: string
          expires_at: string
          id: string
          max_attempts: number
          phone_number: string
          provider_sid: string | null
          status: string
          user_id: string
        }
        Insert: {
          approved_at?: string | null
          attempts?: number
          channel?: string
          client_ip?: string | null
          code_hash?: string | null
          created_at?: string
          expires_at: string
          id?: string
          max_attempts?: number
          phone_number: string
          provider_sid?: string | null
          status?: string
          user_id: string
        }
        Update: {
          approved_at?: string | null
          attempts?: number
          channel?: string
          client_ip?: string | null
          code_hash?: string | null
          created_at?: string
          expires_at?: string
          id?: string
          max_attempts?: number
          phone_number?: string
          provider_sid?: string | null
          status?: string
          user_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "phone_verifications_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: false
            referencedRelation: "operator_users"
            referencedColumns: ["user_id"]
          },
          {
            foreignKeyName: "phone_verifications_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: false
            referencedRelation: "users"
            referencedColumns: ["id"]
          },
        ]
      }
      scheduled_calls: {
        Row: {
          attempts: number
          call_id: string | null
          canceled_at: string | null
          claimed_at: string | null
          created_at: string
          custom_instructions: string | null
          dial_at: string | null
          dispatched_at: string | null
          failure_reason: string | null
          id: string
          local_time: string
          max_duration_seconds: number | null
          payment_method: string | null
          persona_id: string
          phone_number: string | null
          phone_number_id: string | null
          previous_id: string | null
          recurrence: string
          scenario_template_id: string | null
          scheduled_time: string
          series_id: string
          status: Database["public"]["Enums"]["scheduled_call_status"]
          timezone: string
          updated_at: string
          user_id: string
        }
        Insert: {
          attempts?: number
          call_id?: string | null
          canceled_at?: string | null
          claimed_at?: string | null
          created_at?: string
          custom_instructions?: string | null
          dial_at?: string | null
          dispatched_at?: string | null
          failure_reason?: string | null
          id?: string
          local_time: string
          max_duration_seconds?: number | null
          payment_method?: string | null
          persona_id: string
          phone_number?: string | null
          phone_number_id?: string | null
          previous_id?: string | null
          recurrence?: string
          scenario_template_id?: string | null
          scheduled_time: string
          series_id?: string
          status?: Database["public"]["Enums"]["scheduled_call_status"]
          timezone: string
          updated_at?: string
          user_id?: string
        }
        Update: {
          attempts?: number
          call_id?: string | null
          canceled_at?: string | null
          claimed_at?: string | null
          created_at?: string
          custom_instructions?: string | null
          dial_at?: string | null
          dispatched_at?: string | null
          failure_reason?: string | null
          id?: string
          local_time?: string
          max_duration_seconds?: number | null
          payment_method?: string | null
          persona_id?: string
          phone_number?: string | null
          phone_number_id?: string | null
          previous_id?: string | null
          recurrence?: string
          scenario_template_id?: string | null
          scheduled_time?: string
          series_id?: string
          status?: Database["public"]["Enums"]["scheduled_call_status"]
          timezone?: string
          updated_at?: string
          user_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "scheduled_calls_call_fkey"
            columns: ["call_id", "user_id"]
            isOneToOne: false
            referencedRelation: "call_charges"
            referencedColumns: ["call_id", "user_id"]
          },
          {
            foreignKeyName: "scheduled_calls_call_fkey"
            columns: ["call_id", "user_id"]
            isOneToOne: false
            referencedRelation: "calls"
            referencedColumns: ["id", "user_id"]
          },
          {
            foreignKeyName: "scheduled_calls_call_fkey"
            columns: ["call_id", "user_id"]
            isOneToOne: false
            referencedRelation: "operator_calls"
            referencedColumns: ["call_id", "user_id"]
          },
          {
            foreignKeyName: "scheduled_calls_persona_id_fkey"
            columns: ["persona_id"]
            isOneToOne: false
            referencedRelation: "personas"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "scheduled_calls_phone_number_fkey"
            columns: ["phone_number_id", "user_id"]
            isOneToOne: false
            referencedRelation: "user_phone_numbers"
            referencedColumns: ["id", "user_id"]
          },
          {
            foreignKeyName: "scheduled_calls_previous_fkey"
            columns: ["previous_id"]
            isOneToOne: true
            referencedRelation: "scheduled_calls"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "scheduled_calls_scenario_template_id_fkey"
            columns: ["scenario_template_id"]
            isOneToOne: false
            referencedRelation: "call_scenario_templates"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "scheduled_calls_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: false
            referencedRelation: "operator_users"
            referencedColumns: ["user_id"]
          },
          {
            foreignKeyName: "scheduled_calls_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: false
            referencedRelation: "users"
            referencedColumns: ["id"]
          },
        ]
      }
      service_rates: {
        Row: {
          created_at: string
          effective_from: string
          effective_to: string | null
          id: string
          markup_percent: number
          notes: string | null
          rate_key: string
          service: string
          source_url: string | null
          unit: string
          unit_price_usd: number
          updated_at: string
        }
        Insert: {
          created_at?: string
          effective_from?: string
          effective_to?: string | null
          id?: string
          markup_percent?: number
          notes?: string | null
          rate_key: string
          service: string
          source_url?: string | null
          unit: string
          unit_price_usd: number
          updated_at?: string
        }
        Update: {
          created_at?: string
          effective_from?: string
          effective_to?: string | null
          id?: string
          markup_percent?: number
          notes?: string | null
          rate_key?: string
          service?: string
          source_url?: string | null
          unit?: string
          unit_price_usd?: number
          updated_at?: string
        }
        Relationships: []
      }
      stripe_events: {
        Row: {
          error: string | null
          id: string
          livemode: boolean
          payload: NonNullable<Json>
          processed_at: string | null
          received_at: string
          status: string
          stripe_created_at: string | null
          type: string
        }
        Insert: {
          error?: string | null
          id: string
          livemode?: boolean
          payload: NonNullable<Json>
          processed_at?: string | null
          received_at?: string
          status?: string
          stripe_created_at?: string | null
          type: string
        }
        Update: {
          error?: string | null
          id?: string
          livemode?: boolean
          payload?: NonNullable<Json>
          processed_at?: string | null
          received_at?: string
          status?: string
          stripe_created_at?: string | null
          type?: string
        }
        Relationships: []
      }
      token_blacklist: {
        Row: {
          created_at: string
          expires_at: string
          token_id: string
          user_id: string
        }
        Insert: {
          created_at?: string
          expires_at: string
          token_id: string
          user_id: string
        }
        Update: {
          created_at?: string
          expires_at?: string
          token_id?: string
          user_id?: string
        }
        Relationships: []
      }
      twilio_status_events: {
        Row: {
          answered_by: string | null
          applied_at: string | null
          call_duration: number | null
          call_sid: string
          call_status: string
          id: number
          outcome: string | null
          params: NonNullable<Json>
          received_at: string
          sequence_number: number
        }
        Insert: {
          answered_by?: string | null
          applied_at?: string | null
          call_duration?: number | null
          call_sid: string
          call_status: string
          id?: never
          outcome?: string | null
          params: NonNullable<Json>
          received_at?: string
          sequence_number: number
        }
        Update: {
          answered_by?: string | null
          applied_at?: string | null
          call_duration?: number | null
          call_sid?: string
          call_status?: string
          id?: never
          outcome?: string | null
          params?: NonNullable<Json>
          received_at?: string
          sequence_number?: number
        }
        Relationships: []
      }
      user_budget_settings: {
        Row: {
          created_at: string
          enable_auto_cutoff: boolean
          max_cost_per_call_cents: number
          max_monthly_spend_cents: number
          updated_at: string
          user_id: string
          warn_at_percent_per_call: number
        }
        Insert: {
          created_at?: string
          enable_auto_cutoff?: boolean
          max_cost_per_call_cents?: number
          max_monthly_spend_cents?: number
          updated_at?: string
          user_id?: string
          warn_at_percent_per_call?: number
        }
        Update: {
          created_at?: string
          enable_auto_cutoff?: boolean
          max_cost_per_call_cents?: number
          max_monthly_spend_cents?: number
          updated_at?: string
          user_id?: string
          warn_at_percent_per_call?: number
        }
        Relationships: [
          {
            foreignKeyName: "user_budget_settings_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: true
            referencedRelation: "operator_users"
            referencedColumns: ["user_id"]
          },
          {
            foreignKeyName: "user_budget_settings_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: true
            referencedRelation: "users"
            referencedColumns: ["id"]
          },
        ]
      }
      user_credits: {
        Row: {
          available_credits: number
          cancel_at_period_end: boolean
          created_at: string
          current_period_end: string | null
          current_period_start: string | null
          included_monthly_credits: number
          owed_credits: number
          reserved_credits: number
          stripe_subscription_id: string | null
          subscription_plan: string | null
          subscription_status: string | null
          subscription_synced_at: string | null
          updated_at: string
          user_id: string
        }
        Insert: {
          available_credits?: number
          cancel_at_period_end?: boolean
          created_at?: string
          current_period_end?: string | null
          current_period_start?: string | null
          included_monthly_credits?: number
          owed_credits?: number
          reserved_credits?: number
          stripe_subscription_id?: string | null
          subscription_plan?: string | null
          subscription_status?: string | null
          subscription_synced_at?: string | null
          updated_at?: string
          user_id: string
        }
        Update: {
          available_credits?: number
          cancel_at_period_end?: boolean
          created_at?: string
          current_period_end?: string | null
          current_period_start?: string | null
          included_monthly_credits?: number
          owed_credits?: number
          reserved_credits?: number
          stripe_subscription_id?: string | null
          subscription_plan?: string | null
          subscription_status?: string | null
          subscription_synced_at?: string | null
          updated_at?: string
          user_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "user_credits_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: true
            referencedRelation: "operator_users"
            referencedColumns: ["user_id"]
          },
          {
            foreignKeyName: "user_credits_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: true
            referencedRelation: "users"
            referencedColumns: ["id"]
          },
        ]
      }
      user_persona_relationships: {
        Row: {
          created_at: string
          custom_prompt: string | null
          id: string
          memory_enabled: boolean
          nickname: string | null
          persona_id: string
          relationship_type: string
          updated_at: string
          user_id: string
          voice_similarity_boost: number | null
          voice_speed: number | null
          voice_stability: number | null
          voice_style: number | null
        }
        Insert: {
          created_at?: string
          custom_prompt?: string | null
          id?: string
          memory_enabled?: boolean
          nickname?: string | null
          persona_id: string
          relationship_type?: string
          updated_at?: string
          user_id?: string
          voice_similarity_boost?: number | null
          voice_speed?: number | null
          voice_stability?: number | null
          voice_style?: number | null
        }
        Update: {
          created_at?: string
          custom_prompt?: string | null
          id?: string
          memory_enabled?: boolean
          nickname?: string | null
          persona_id?: string
          relationship_type?: string
          updated_at?: string
          user_id?: string
          voice_similarity_boost?: number | null
          voice_speed?: number | null
          voice_stability?: number | null
          voice_style?: number | null
        }
        Relationships: [
          {
            foreignKeyName: "user_persona_relationships_persona_id_fkey"
            columns: ["persona_id"]
            isOneToOne: false
            referencedRelation: "personas"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "user_persona_relationships_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: false
            referencedRelation: "operator_users"
            referencedColumns: ["user_id"]
          },
          {
            foreignKeyName: "user_persona_relationships_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: false
            referencedRelation: "users"
            referencedColumns: ["id"]
          },
        ]
      }
      user_phone_numbers: {
        Row: {
          country_code: string
          created_at: string
          id: string
          label: string | null
          phone_number: string
          user_id: string
          verified_at: string
        }
        Insert: {
          country_code: string
          created_at?: string
          id?: string
          label?: string | null
          phone_number: string
          user_id: string
          verified_at?: string
        }
        Update: {
          country_code?: string
          created_at?: string
          id?: string
          label?: string | null
          phone_number?: string
          user_id?: string
          verified_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "user_phone_numbers_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: false
            referencedRelation: "operator_users"
            referencedColumns: ["user_id"]
          },
          {
            foreignKeyName: "user_phone_numbers_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: false
            referencedRelation: "users"
            referencedColumns: ["id"]
          },
        ]
      }
      users: {
        Row: {
          created_at: string
          email: string | null
          id: string
          name: string | null
          phone: string | null
          stripe_customer_id: string | null
          timezone: string
          updated_at: string
        }
        Insert: {
          created_at?: string
          email?: string | null
          id: string
          name?: string | null
          phone?: string | null
          stripe_customer_id?: string | null
          timezone?: string
          updated_at?: string
        }
        Update: {
          created_at?: string
          email?: string | null
          id?: string
          name?: string | null
          phone?: string | null
          stripe_customer_id?: string | null
          timezone?: string
          updated_at?: string
        }
        Relationships: []
      }
    }
    Views: {
      call_charge_lines: {
        Row: {
          call_id: string | null
          charged_usd: number | null
          event_count: number | null
          markup_percent: number | null
          provider_cost_usd: number | null
          service: string | null
          user_id: string | null
        }
        Relationships: [
          {
            foreignKeyName: "call_cost_events_call_fkey"
            columns: ["call_id", "user_id"]
            isOneToOne: false
            referencedRelation: "call_charges"
            referencedColumns: ["call_id", "user_id"]
          },
          {
            foreignKeyName: "call_cost_events_call_fkey"
            columns: ["call_id", "user_id"]
            isOneToOne: false
            referencedRelation: "calls"
            referencedColumns: ["id", "user_id"]
          },
          {
            foreignKeyName: "call_cost_events_call_fkey"
            columns: ["call_id", "user_id"]
            isOneToOne: false
            referencedRelation: "operator_calls"
            referencedColumns: ["call_id", "user_id"]
          },
        ]
      }
      call_charges: {
        Row: {
          call_id: string | null
          charged_cents: number | null
          charged_usd_exact: number | null
          held_cents: number | null
          payment_method: string | null
          payment_status: string | null
          provider_cost_usd: number | null
          released_cents: number | null
          rounded_up_cents: number | null
          user_id: string | null
        }
        Relationships: [
          {
            foreignKeyName: "calls_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: false
            referencedRelation: "operator_users"
            referencedColumns: ["user_id"]
          },
          {
            foreignKeyName: "calls_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: false
            referencedRelation: "users"
            referencedColumns: ["id"]
          },
        ]
      }
      ledger_by_call: {
        Row: {
          available_after: number | null
          balance_after: number | null
          call_id: string | null
          call_state: string | null
          change: number | null
          created_at: string | null
          description: string | null
          entries: Json | null
          held_credits: number | null
          kind: string | null
          line_id: number | null
          persona_name: string | null
          released_credits: number | null
          started_at: string | null
          user_id: string | null
        }
        Relationships: [
          {
            foreignKeyName: "credit_transactions_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: false
            referencedRelation: "operator_users"
            referencedColumns: ["user_id"]
          },
          {
            foreignKeyName: "credit_transactions_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: false
            referencedRelation: "users"
            referencedColumns: ["id"]
          },
        ]
      }
      operator_anomalies: {
        Row: {
          code: string | null
          detail: string | null
          email: string | null
          occurred_at: string | null
          reference: string | null
          resolved_at: string | null
          source: string | null
          user_id: string | null
        }
        Relationships: []
      }
      operator_calls: {
        Row: {
          call_id: string | null
          charge_cents: number | null
          created_at: string | null
          duration_seconds: number | null
          email: string | null
          end_reason: Database["public"]["Enums"]["call_end_reason"] | null
          error_message: string | null
          mode: string | null
          payment_method: string | null
          payment_status: string | null
          persona: string | null
          provider_cost_usd: number | null
          status: Database["public"]["Enums"]["call_status"] | null
          user_id: string | null
        }
        Relationships: [
          {
            foreignKeyName: "calls_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: false
            referencedRelation: "operator_users"
            referencedColumns: ["user_id"]
          },
          {
            foreignKeyName: "calls_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: false
            referencedRelation: "users"
            referencedColumns: ["id"]
          },
        ]
      }
      operator_refunds: {
        Row: {
          created_at: string | null
          credits_owed: number | null
          credits_taken: number | null
          description: string | null
          email: string | null
          id: number | null
          stripe_charge: string | null
          stripe_event_id: string | null
          user_id: string | null
        }
        Relationships: [
          {
            foreignKeyName: "credit_transactions_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: false
            referencedRelation: "operator_users"
            referencedColumns: ["user_id"]
          },
          {
            foreignKeyName: "credit_transactions_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: false
            referencedRelation: "users"
            referencedColumns: ["id"]
          },
        ]
      }
      operator_spend_by_day: {
        Row: {
          calls: number | null
          cost_usd: number | null
          day: string | null
          events: number | null
          priced_cents: number | null
          provider: string | null
        }
        Relationships: []
      }
      operator_users: {
        Row: {
          available_credits: number | null
          calls: number | null
          email: string | null
          last_call_at: string | null
          name: string | null
          owed_credits: number | null
          reserved_credits: number | null
          signed_up_at: string | null
          spent_cents: number | null
          user_id: string | null
          verified_numbers: string[] | null
        }
        Relationships: []
      }
      price_list: {
        Row: {
          effective_from: string | null
          markup_percent: number | null
          rate_key: string | null
          service: string | null
          source_url: string | null
          unit: string | null
          unit_price_charged_usd: number | null
          unit_price_usd: number | null
        }
        Insert: {
          effective_from?: string | null
          markup_percent?: number | null
          rate_key?: string | null
          service?: string | null
          source_url?: string | null
          unit?: string | null
          unit_price_charged_usd?: never
          unit_price_usd?: number | null
        }
        Update: {
          effective_from?: string | null
          markup_percent?: number | null
          rate_key?: string | null
          service?: string | null
          source_url?: string | null
          unit?: string | null
          unit_price_charged_usd?: never
          unit_price_usd?: number | null
        }
        Relationships: []
      }
    }
    Functions: {
      budget_status: {
        Args: Record<PropertyKey, never>
        Returns: {
          available_credits: number
          enable_auto_cutoff: boolean
          max_cost_per_call_cents: number
          max_monthly_spend_cents: number
          month_end: string
          month_start: string
          owed_credits: number
          remaining_cents: number
          reserved_cents: number
          spent_cents: number
          timezone: string
          used_percent: number
          warn_at_percent_per_call: number
          warn_reached: boolean
        }[]
      }
      call_history: {
        Args: {
          p_from?: string
          p_persona_id?: string
          p_query?: string
          p_statuses?: Database["public"]["Enums"]["call_status"][]
          p_to?: string
        }
        Returns: {
          actual_cost_cents: number | null
          answered_at: string | null
          answered_by: string | null
          client_ip: string | null
          created_at: string
          credits_used: number
          custom_instructions: string | null
          dialed_at: string | null
          duration_seconds: number | null
          end_reason: Database["public"]["Enums"]["call_end_reason"] | null
          ended_at: string | null
          error_message: string | null
          estimated_cost_cents: number
          id: string
          idempotency_key: string | null
          last_callback_sequence: number | null
          max_duration_seconds: number
          media_end_reason:
            | Database["public"]["Enums"]["call_end_reason"]
            | null
          media_ended_at: string | null
          mode: string
          payment_intent_id: string | null
          payment_method: string
          payment_status: string
          persona_id: string
          phone_number: string | null
          phone_number_id: string | null
          relationship_id: string | null
          reserved_credits: number
          scenario_template_id: string | null
          scheduled_call_id: string | null
          status: Database["public"]["Enums"]["call_status"]
          summary: string | null
          twilio_call_sid: string | null
          updated_at: string
          user_feedback: string | null
          user_id: string
          user_rating: number | null
        }[]
        SetofOptions: {
          from: "*"
          to: "calls"
          isOneToOne: false
          isSetofReturn: true
        }
      }
      call_search_snippets: {
        Args: { p_call_ids: string[]; p_query: string }
        Returns: {
          call_id: string
          seq: number
          snippet: string
          speaker: string
        }[]
      }
      dashboard: {
        Args: { p_days?: number; p_latency_calls?: number }
        Returns: Json
      }
      dashboard_activity: {
        Args: { p_days?: number }
        Returns: {
          calls: number
          connected_calls: number
          day: string
          minutes: number
        }[]
      }
      dashboard_call_latencies: {
        Args: { p_limit?: number }
        Returns: {
          answers: number
          call_id: string
          created_at: string
          max_ms: number
          median_ms: number
          p90_ms: number
          persona_name: string
        }[]
      }
      dashboard_days: {
        Args: { p_days?: number }
        Returns: {
          day: string
          day_end: string
          day_start: string
        }[]
      }
      dashboard_provider_costs: {
        Args: { p_days?: number }
        Returns: {
          calls: number
          charged_usd: number
          provider_cost_usd: number
          service: string
        }[]
      }
    }
    Enums: {
      call_end_reason:
        | "user_hung_up"
        | "persona_hung_up"
        | "budget_exhausted"
        | "time_limit"
        | "silence_timeout"
        | "no_answer"
        | "busy"
        | "canceled"
        | "payment_failed"
        | "provider_error"
        | "relay_error"
        | "missed"
        | "failed"
      call_status:
        | "created"
        | "queued"
        | "initiated"
        | "ringing"
        | "in_progress"
        | "completed"
        | "busy"
        | "no_answer"
        | "failed"
        | "canceled"
      rate_unit: "minute" | "second" | "character" | "token"
      scheduled_call_status:
        | "pending"
        | "claimed"
        | "dispatched"
        | "completed"
        | "missed"
        | "failed"
        | "canceled"
      service: "twilio" | "deepgram" | "cerebras" | "openai" | "elevenlabs"
    }
    CompositeTypes: {
      [_ in never]: never
    }
  }
}

type DatabaseWithoutInternals = Omit<Database, "__InternalSupabase">

type DefaultSchema = DatabaseWithoutInternals[Extract<keyof Database, "public">]

export type Tables<
  DefaultSchemaTableNameOrOptions extends
    | keyof (DefaultSchema["Tables"] & DefaultSchema["Views"])
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends (DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof (DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"] &
        DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Views"])
    : never) = never,
> = DefaultSchemaTableNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? (DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"] &
      DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Views"])[TableName] extends {
      Row: infer R
    }
    ? R
    : never
  : DefaultSchemaTableNameOrOptions extends keyof (DefaultSchema["Tables"] &
        DefaultSchema["Views"])
    ? (DefaultSchema["Tables"] &
        DefaultSchema["Views"])[DefaultSchemaTableNameOrOptions] extends {
        Row: infer R
      }
      ? R
      : never
    : never

export type TablesInsert<
  DefaultSchemaTableNameOrOptions extends
    | keyof DefaultSchema["Tables"]
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends (DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
    : never) = never,
> = DefaultSchemaTableNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"][TableName] extends {
      Insert: infer I
    }
    ? I
    : never
  : DefaultSchemaTableNameOrOptions extends keyof DefaultSchema["Tables"]
    ? DefaultSchema["Tables"][DefaultSchemaTableNameOrOptions] extends {
        Insert: infer I
      }
      ? I
      : never
    : never

export type TablesUpdate<
  DefaultSchemaTableNameOrOptions extends
    | keyof DefaultSchema["Tables"]
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends (DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
    : never) = never,
> = DefaultSchemaTableNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"][TableName] extends {
      Update: infer U
    }
    ? U
    : never
  : DefaultSchemaTableNameOrOptions extends keyof DefaultSchema["Tables"]
    ? DefaultSchema["Tables"][DefaultSchemaTableNameOrOptions] extends {
        Update: infer U
      }
      ? U
      : never
    : never

export type Enums<
  DefaultSchemaEnumNameOrOptions extends
    | keyof DefaultSchema["Enums"]
    | { schema: keyof DatabaseWithoutInternals },
  EnumName extends (DefaultSchemaEnumNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaEnumNameOrOptions["schema"]]["Enums"]
    : never) = never,
> = DefaultSchemaEnumNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[DefaultSchemaEnumNameOrOptions["schema"]]["Enums"][EnumName]
  : DefaultSchemaEnumNameOrOptions extends keyof DefaultSchema["Enums"]
    ? DefaultSchema["Enums"][DefaultSchemaEnumNameOrOptions]
    : never

export type CompositeTypes<
  PublicCompositeTypeNameOrOptions extends
    | keyof DefaultSchema["CompositeTypes"]
    | { schema: keyof DatabaseWithoutInternals },
  CompositeTypeName extends (PublicCompositeTypeNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[PublicCompositeTypeNameOrOptions["schema"]]["CompositeTypes"]
    : never) = never,
> = PublicCompositeTypeNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[PublicCompositeTypeNameOrOptions["schema"]]["CompositeTypes"][CompositeTypeName]
  : PublicCompositeTypeNameOrOptions extends keyof DefaultSchema["CompositeTypes"]
    ? DefaultSchema["CompositeTypes"][PublicCompositeTypeNameOrOptions]
    : never

export const Constants = {
  public: {
    Enums: {
      call_end_reason: [
        "user_hung_up",
        "persona_hung_up",
        "budget_exhausted",
        "time_limit",
        "silence_timeout",
        "no_answer",
        "busy",
        "canceled",
        "payment_failed",
        "provider_error",
        "relay_error",
        "missed",
        "failed",
      ],
      call_status: [
        "created",
        "queued",
        "initiated",
        "ringing",
        "in_progress",
        "completed",
        "busy",
        "no_answer",
        "failed",
        "canceled",
      ],
      rate_unit: ["minute", "second", "character", "token"],
      scheduled_call_status: [
        "pending",
        "claimed",
        "dispatched",
        "completed",
        "missed",
        "failed",
        "canceled",
      ],
      service: ["twilio", "deepgram", "cerebras", "openai", "elevenlabs"],
    },
  },
} as const

