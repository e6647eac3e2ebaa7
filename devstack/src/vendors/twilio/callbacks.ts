// Requests the simulated carrier makes to the product, signed as Twilio signs them (X-Twilio-Signature over the
// full URL and the sorted form parameters, HMAC-SHA1 with the auth token).
import twilio from 'twilio';

export async function postSigned(
  url: string,
  params: Record<string, string>,
  authToken: string,
  timeoutMs = 10_000
): Promise<Response> {
  const signature = twilio.getExpectedTwilioSignature(authToken, url, params);
  return fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      'X-Twilio-Signature': signature,
      'User-Agent': 'TwilioProxy/1.1'
    },
    body: new URLSearchParams(params).toString(),
    signal: AbortSignal.timeout(timeoutMs)
  });
}
