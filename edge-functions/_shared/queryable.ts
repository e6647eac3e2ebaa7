/** The slice of a pg client the handlers use, so tests can pass a fake. */
export interface Queryable {
  query<R extends Record<string, unknown> = Record<string, unknown>>(sql: string, args?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}
