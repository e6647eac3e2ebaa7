// The relay's logger: one JSON object per line on stdout (core/src/log_line.ts), which is what container platforms
// and log shippers collect. Lines about a call carry its call_id; lines about a stream, its request_id.
import { formatLogLine, type Log } from '../../core/src/log_line.ts';

export function jsonLogger(write: (line: string) => void = (line) => process.stdout.write(`${line}\n`), now: () => Date = () => new Date()): Log {
  return (msg, fields) => write(formatLogLine(now(), msg, fields));
}
