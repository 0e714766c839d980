import { isAxiosError, type AxiosInstance } from 'axios';
import type { GuardedAgents } from '../../webhooks/connect-guard.js';
import type { AiBackend, BackendAnswer, ReplyContext } from '../backend.js';

/**
 * An OpenAI-compatible chat-completions endpoint (OpenAI's Chat Completions API with `tools`;
 * Ollama, vLLM and most hosted models speak it): POST `<baseUrl>/chat/completions`. The model is
 * offered one function, HANDOFF_TOOL, which it calls to hand the conversation to people.
 */
export const HANDOFF_TOOL = 'handoff_to_human';

export interface OpenAiChatSettings {
  baseUrl: string;
  model: string;
  apiKey?: string;
  temperature?: number;
  maxTokens?: number;
}

interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

interface ChatCompletion {
  choices?: {
    message?: { content?: string | null; refusal?: string | null; tool_calls?: { type?: string; function?: { name?: string; arguments?: unknown } }[] };
  }[];
}

const TOOLS = [
  {
    type: 'function',
    function: {
      name: HANDOFF_TOOL,
      description: 'Hand the conversation to a human agent: when the customer asks for a person, when you cannot help, or when the request needs a human decision.',
      parameters: {
        type: 'object',
        properties: { reason: { type: 'string', description: 'Why a person should take over, in one sentence for the agent.' } },
        required: ['reason'],
      },
    },
  },
];

export class OpenAiChatBackend implements AiBackend {
  constructor(
    private readonly settings: OpenAiChatSettings,
    private readonly deps: { http: AxiosInstance; agents: GuardedAgents; timeoutMs: number },
  ) {}

  async reply(context: ReplyContext): Promise<BackendAnswer> {
    const { settings, deps } = this;
    const url = `${settings.baseUrl.replace(/\/+$/, '')}/chat/completions`;
    const body = {
      model: settings.model,
      messages: chatMessagesOf(context),
      tools: TOOLS,
      tool_choice: 'auto',
      ...(settings.temperature !== undefined && { temperature: settings.temperature }),
      ...(settings.maxTokens !== undefined && { max_tokens: settings.maxTokens }),
    };
    try {
      const res = await deps.http.post<ChatCompletion>(url, body, {
        timeout: deps.timeoutMs,
        maxRedirects: 0,
        proxy: false,
        httpAgent: deps.agents.http,
        httpsAgent: deps.agents.https,
        headers: { 'content-type': 'application/json', ...(settings.apiKey && { authorization: `Bearer ${settings.apiKey}` }) },
      });
      return answerOf(res.data);
    } catch (err) {
      // The key must never reach a log: only the status and the provider's own message travel on.
      if (isAxiosError(err)) throw new Error(`model endpoint: ${err.response ? `HTTP ${err.response.status}` : err.code ?? err.message}`);
      throw err;
    }
  }
}

/** The system prompt (instructions, then the knowledge), then the history as user and assistant turns. */
function chatMessagesOf(context: ReplyContext): ChatMessage[] {
  const knowledge = context.knowledge.map((k) => `## ${k.title}\n${k.text}`).join('\n\n');
  const system = [
    context.instructions,
    knowledge && `Knowledge you may use:\n\n${knowledge}`,
    `If you cannot help, or the customer wants a person, call ${HANDOFF_TOOL}.`,
  ]
    .filter(Boolean)
    .join('\n\n');
  const turns = context.history.map((line): ChatMessage => ({ role: line.role === 'customer' ? 'user' : 'assistant', content: line.text }));
  return [{ role: 'system', content: system }, ...turns];
}

function answerOf(completion: ChatCompletion): BackendAnswer {
  const message = completion.choices?.[0]?.message;
  const handoff = message?.tool_calls?.find((call) => call.function?.name === HANDOFF_TOOL);
  if (handoff) return { handoff: reasonOf(handoff.function?.arguments) };
  // The model declined to answer (OpenAI's `refusal`): a person should.
  if (message?.refusal) return { handoff: message.refusal };
  const text = message?.content?.trim();
  if (!text) throw new Error('model endpoint: an answer with neither text nor a handoff');
  return { text };
}

/**
 * The tool call's `reason`. The format gives arguments as a JSON string; some compatible servers
 * give an object. Arguments a model got wrong still hand off, with no note.
 */
function reasonOf(args: unknown): string {
  try {
    const parsed = (typeof args === 'string' ? JSON.parse(args) : args) as { reason?: unknown } | null;
    return typeof parsed?.reason === 'string' ? parsed.reason : '';
  } catch {
    return '';
  }
}
