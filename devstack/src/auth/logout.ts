// POST /logout?scope=global|local|others (GoTrue logout.go): deletes auth.sessions rows; refresh tokens go with
// them by cascade. Access tokens already issued stay valid elsewhere until they expire.
import { errors } from './errors.ts';
import type { Reply } from './http_io.ts';
import type { Caller } from './request_auth.ts';
import type { AuthServer } from './server_context.ts';
import { actAsAuthAdmin, deleteSessions, transaction } from './store.ts';

export type LogoutScope = 'global' | 'local' | 'others';

export function parseLogoutScope(raw: string | null): LogoutScope {
  if (raw === null || raw === '' || raw === 'global') return 'global';
  if (raw === 'local' || raw === 'others') return raw;
  throw errors.validation(`Unsupported logout scope "${raw}". Use global, local or others.`);
}

export async function logout(srv: AuthServer, caller: Caller, scope: LogoutScope): Promise<Reply> {
  await transaction(srv.db, async (c) => {
    await actAsAuthAdmin(c);
    // A token without a session_id can only be signed out everywhere.
    await deleteSessions(c, caller.user.id, caller.sessionId ? scope : 'global', caller.sessionId);
  });
  return { status: 204 };
}
