import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../src/http/openapi.js';

/**
 * What a client gets from the document: openapi-typescript's types, and a small client written
 * against them that must type-check. It names the records, a webhook event and an operation's
 * error codes the way an integrator would, so a component renamed or gone, an event no longer
 * described or a code enum widened to a string fails here.
 */
const CLIENT = `
import type { components, operations, paths, webhooks } from './omnigate.js';

type Conversation = components['schemas']['Conversation'];
type Message = components['schemas']['Message'];
type MessageReceived = webhooks['message.received']['post']['requestBody']['content']['application/json'];
type AnyEvent = components['schemas']['WebhookEvent'];
type ConversationPage = paths['/v1/conversations']['get']['responses'][200]['content']['application/json'];
type AssignRefusal = operations['assignConversation']['responses'][409]['content']['application/json']['error']['code'];

export function describeConversation(conversation: Conversation, latest: Message | undefined): string {
  const waiting: boolean = conversation.status === 'queued' && conversation.assigneeId === null;
  const last = latest ? \`\${latest.direction} \${latest.type} (\${latest.status})\` : 'no message';
  return \`\${conversation.id} \${conversation.priority} \${waiting ? 'waiting' : 'taken'}: \${last}\`;
}

export function onMessageReceived(event: MessageReceived): string {
  const at: string = event.timestamp;
  return \`\${at} \${describeConversation(event.data.conversation, event.data.message)}\`;
}

export function onEvent(event: AnyEvent): string | null {
  switch (event.type) {
    case 'message.received':
      return onMessageReceived(event);
    case 'conversation.status_changed':
      return \`\${event.data.conversation.id}: \${event.data.from} -> \${event.data.to} by \${event.data.actor}\`;
    default:
      return null;
  }
}

export async function listConversations(getJson: (path: string) => Promise<unknown>): Promise<Conversation[]> {
  const page = (await getJson('/v1/conversations')) as ConversationPage;
  return page.data;
}

export const retryLater: AssignRefusal = 'agent_at_capacity';
// @ts-expect-error window_closed is not among assignConversation's 409 codes
export const notARefusal: AssignRefusal = 'window_closed';
`;

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The client type-checked against the types generated from `document`: tsc's messages, none when it compiles. */
async function clientTypeErrors(document: object): Promise<string[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'omnigate-client-'));
  dirs.push(dir);
  writeFileSync(path.join(dir, 'omnigate.ts'), astToString(await openapiTS(document as OpenAPI3, { silent: true })));
  writeFileSync(path.join(dir, 'client.ts'), CLIENT);
  const program = ts.createProgram([path.join(dir, 'client.ts')], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2022.d.ts'],
    types: [],
  });
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe('types generated from the OpenAPI document', () => {
  const document = buildOpenApiDocument('http://gateway.test');

  it('let a client use Conversation, Message, webhook events and error codes', async () => {
    expect(await clientTypeErrors(document)).toEqual([]);
  });

  it('fail the client when the document no longer names Conversation', async () => {
    const { Conversation, ...others } = document.components!.schemas!;
    const renamed = JSON.parse(
      JSON.stringify({ ...document, components: { ...document.components, schemas: { ...others, Thread: Conversation } } }).replaceAll('"#/components/schemas/Conversation"', '"#/components/schemas/Thread"'),
    );
    expect((await clientTypeErrors(renamed)).join('\n')).toMatch(/Property 'Conversation' does not exist/);
  });
});
