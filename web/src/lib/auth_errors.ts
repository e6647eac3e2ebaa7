// Auth error codes (GoTrue's) as sentences a person can act on.
const MESSAGES: Record<string, string> = {
  invalid_credentials: 'That e-mail and password do not match. Check them and try again.',
  email_not_confirmed: 'Confirm your e-mail address first, then sign in.',
  user_already_exists: 'An account with this e-mail already exists. Sign in instead.',
  email_exists: 'An account with this e-mail already exists. Sign in instead.',
  weak_password: 'Choose a longer password (at least 6 characters).',
  validation_failed: 'Enter a valid e-mail address and a password.',
  over_request_rate_limit: 'Too many attempts. Wait a few minutes and try again.',
  signup_disabled: 'New sign-ups are closed at the moment.'
};

export function authErrorMessage(code: string | undefined, fallback?: string): string {
  return (code && MESSAGES[code]) ?? fallback ?? 'Something went wrong. Try again in a moment.';
}
