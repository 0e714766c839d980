import type { CliResources } from './resources.js';
import type { ParsedCommand } from './command-line.js';
import { printJson, printTable } from './output.js';
import { createWorkspace, listWorkspaces } from '../workspaces/workspace-service.js';

/** `workspace create`: the workspace and its first admin key, which is shown this once. */
export async function createWorkspaceCommand(command: ParsedCommand, resources: CliResources): Promise<void> {
  const store = await resources.storeWriting('workspaces', 'apiKeys');
  const { workspace, apiKey } = await createWorkspace(store, command.required('name'));
  printJson({ workspaceId: String(workspace._id), apiKey: apiKey.key });
}

/** `workspace list`. */
export async function listWorkspacesCommand(command: ParsedCommand, resources: CliResources): Promise<void> {
  const workspaces = (await listWorkspaces(await resources.store())).map((w) => ({ id: String(w._id), name: w.name, createdAt: w.createdAt.toISOString() }));
  if (command.flag('json')) return printJson(workspaces);
  printTable(['ID', 'NAME', 'CREATED'], workspaces.map((w) => [w.id, w.name, w.createdAt]));
}
