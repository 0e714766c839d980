import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import axios, { type AxiosAdapter, type InternalAxiosRequestConfig } from 'axios';
import { describe, expect, it } from 'vitest';
import type { ReplyContext } from '../backend.js';
import { HANDOFF_TOOL, OpenAiChatBackend } from './openai-chat.js';

const context: ReplyContext = {
  workspaceId: 'ws',
  conversationId: 'c',
  channelType: 'whatsapp-cloud',
  messageId: 'm',
  history: [
    { role: 'customer', text: 'hi', at: '2026-01-01T00:00:00.000Z' },
    { role: 'agent', text: 'hello', at: '2026-01-01T00:00:01.000Z' },
    { role: 'customer', text: 'help', at: '2026-01-01T00:00:02.000Z' },
  ],
  instructions: 'Be brief.',
  knowledge: [{ title: 'Hours', text: '9-17' }],
};

/** A backend whose HTTP calls are answered by `answer` (an axios adapter: no network). */
function backendAnswering(answer: (config: InternalAxiosRequestConfig) => { status: number; data: unknown }) {
  const seen: InternalAxiosRequestConfig[] = [];
  const adapter: AxiosAdapter = async (config) => {
    seen.push(config);
    const { status, data } = answer(config);
    const response = { status, data, headers: {}, statusText: String(status), config };
    if (status >= 400) throw new axios.AxiosError(`Request failed with status code ${status}`, 'ERR_BAD_RESPONSE', config, null, response);
    return response;
  };
  const backend = new OpenAiChatBackend(
    { baseUrl: 'https://models.example.test/v1/', model: 'm1', apiKey: 'sk-secret', maxTokens: 200 },
    { http: axios.create({ adapter }), agents: { http: new HttpAgent(), https: new HttpsAgent() }, timeoutMs: 1000 },
  );
  return { backend, seen };
}

const completion = (message: Record<string, unknown>) => ({ status: 200, data: { choices: [{ index: 0, message: { role: 'assistant', ...message } }] } });

describe('the OpenAI-compatible backend', () => {
  it('asks chat/completions with the system prompt, the history as turns and the handoff tool', async () => {
    const { backend, seen } = backendAnswering(() => completion({ content: ' Sure. ' }));
    expect(await backend.reply(context)).toEqual({ text: 'Sure.' });
    const [call] = seen;
    expect(call!.url).toBe('https://models.example.test/v1/chat/completions');
    expect(call!.headers.authorization).toBe('Bearer sk-secret');
    const body = JSON.parse(call!.data as string);
    expect(body).toMatchObject({ model: 'm1', tool_choice: 'auto', max_tokens: 200 });
    expect(body.messages.map((m: { role: string }) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(body.messages[0].content).toContain('Be brief.');
    expect(body.messages[0].content).toContain('## Hours\n9-17');
    expect(body.tools[0].function.name).toBe(HANDOFF_TOOL);
  });

  it('hands off on the tool call (arguments as text or as an object) and on a refusal', async () => {
    const call = (args: unknown) => completion({ content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: HANDOFF_TOOL, arguments: args } }] });
    expect(await backendAnswering(() => call('{"reason":"angry"}')).backend.reply(context)).toEqual({ handoff: 'angry' });
    expect(await backendAnswering(() => call({ reason: 'object' })).backend.reply(context)).toEqual({ handoff: 'object' });
    expect(await backendAnswering(() => call('not json')).backend.reply(context)).toEqual({ handoff: '' });
    expect(await backendAnswering(() => completion({ content: null, refusal: 'I cannot help with that' })).backend.reply(context)).toEqual({ handoff: 'I cannot help with that' });
  });

  it('fails (to be retried) on an empty answer or an HTTP error, never showing the key', async () => {
    await expect(backendAnswering(() => completion({ content: '  ' })).backend.reply(context)).rejects.toThrow('neither text nor a handoff');
    const failed = backendAnswering(() => ({ status: 401, data: { error: { message: 'bad key sk-secret' } } })).backend.reply(context);
    await expect(failed).rejects.toThrow('model endpoint: HTTP 401');
    await expect(failed).rejects.not.toThrow('sk-secret');
  });
});
