import { Types } from 'mongoose';
import { systemClock } from '../clock.js';
import { API_KEY_ROLES } from '../domain/api-key.js';
import { ApiKeyService } from '../security/api-key-service.js';
import { getWorkspace } from '../workspaces/workspace-service.js';
import type { ParsedCommand } from './command-line.js';
import { printJson, printTable } from './output.js';
import type { CliResources } from './resources.js';

/** `api-key create`: the key is shown this once; only its hash is kept. */
export async function createApiKeyCommand(command: ParsedCommand, resources: CliResources): Promise<void> {
  const store = await resources.storeWriting('apiKeys');
  const workspace = await getWorkspace(store, new Types.ObjectId(command.required('workspace')));
  const keys = new ApiKeyService({ store, clock: systemClock });
  printJson(await keys.create(workspace._id, { name: command.required('name'), role: command.choice('role', API_KEY_ROLES) ?? 'agent' }));
}

/** `api-key list`: newest first, revoked ones included, never a key itself. */
export async function listApiKeysCommand(command: ParsedCommand, resources: CliResources): Promise<void> {
  const store = await resources.store();
  const workspace = await getWorkspace(store, new Types.ObjectId(command.required('workspace')));
  const keys = (await new ApiKeyService({ store, clock: systemClock }).list(workspace._id)).map((k) => ({
    id: String(k._id),
    name: k.name,
    role: k.role,
    prefix: k.prefix,
    revoked: Boolean(k.revokedAt),
    createdAt: k.createdAt.toISOString(),
  }));
  if (command.flag('json')) return printJson(keys);
  printTable(
    ['ID', 'NAME', 'ROLE', 'PREFIX', 'REVOKED', 'CREATED'],
    keys.map((k) => [k.id, k.name, k.role, k.prefix, k.revoked ? 'yes' : 'no', k.createdAt]),
  );
}
