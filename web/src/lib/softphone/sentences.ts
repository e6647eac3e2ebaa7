// What the softphone tells a person when something goes wrong: a sentence they can act on, never a raw error.

/** Why the microphone could not be opened (getUserMedia's DOMException names). */
export function microphoneErrorSentence(err: unknown): string {
  const name = (err as { name?: unknown } | null)?.name;
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'The browser blocked the microphone. Allow microphone access for this site (the icon in the address bar) and connect again.';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'No microphone was found. Plug one in or pick one in your system settings, then connect again.';
    case 'NotReadableError':
    case 'AbortError':
      return 'The microphone is busy or not working. Close other apps that use it and connect again.';
    default:
      return 'The microphone could not be opened. Check it works in your system settings and connect again.';
  }
}

/** Why the relay closed the voice connection; null when the call simply ended. */
export function closeSentence(code: number, reason: string): string | null {
  if (code === 1000) return null;
  switch (reason) {
    case 'token_missing':
    case 'auth_invalid':
    case 'session_revoked':
      return 'Your sign-in could not be confirmed. Sign in again and reconnect.';
    case 'call_not_found':
      return 'This call does not exist or is not yours.';
    case 'call_not_browser':
      return 'This call rings a phone, not the browser.';
    case 'call_finished':
      return 'This call has already ended. Start a new one to talk again.';
    case 'call_already_connected':
      return 'This call is already connected in another tab or window. Hang up there first.';
    case 'verifier_unavailable':
      return 'The voice service could not check your sign-in just now. Try connecting again in a moment.';
    case 'call_id_missing':
      return 'The call could not be identified. Reload the page and connect again.';
  }
  if (code === 1006) return 'The voice connection dropped. Check your internet connection and connect again.';
  return 'The voice connection closed unexpectedly. Connect again to carry on.';
}
