// Server-Sent Events read with fetch(), so the request carries the Authorization header (EventSource cannot).
import { ApiFailure } from './client';
import { authHeaders } from './token';

export interface SseMessage { id?: string; event: string; data: string }

/** Parse complete `\n\n`-separated SSE blocks from `buffer`; returns the messages and the unparsed rest. */
export function parseSse(buffer: string): { messages: SseMessage[]; rest: string } {
  const messages: SseMessage[] = [];
  const normalized = buffer.replace(/\r\n/g, '\n');
  const blocks = normalized.split('\n\n');
  const rest = blocks.pop() ?? '';
  for (const block of blocks) {
    let event = 'message';
    let id: string | undefined;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (!line || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
      else if (field === 'id') id = value;
    }
    if (data.length || event !== 'message') messages.push({ id, event, data: data.join('\n') });
  }
  return { messages, rest };
}

/** Follow an SSE stream until it ends or `signal` aborts; calls `onMessage` for each event. */
export async function followSse(url: string, onMessage: (m: SseMessage) => void, signal?: AbortSignal): Promise<void> {
  const response = await fetch(url, { headers: { Accept: 'text/event-stream', ...authHeaders() }, signal });
  if (!response.ok || !response.body) throw new ApiFailure(response.status, `events failed with HTTP ${response.status}`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const parsed = parseSse(buffer + value);
    buffer = parsed.rest;
    for (const message of parsed.messages) onMessage(message);
  }
}
