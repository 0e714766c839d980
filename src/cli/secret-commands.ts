import { resealSecrets } from '../security/secret-resealer.js';
import type { ParsedCommand } from './command-line.js';
import { printJson } from './output.js';
import type { CliResources } from './resources.js';

/** `secrets reseal`: prints, per collection, how many secrets were sealed anew. */
export async function resealSecretsCommand(_command: ParsedCommand, resources: CliResources): Promise<void> {
  printJson(await resealSecrets({ store: await resources.store(), secretBox: await resources.secretBox() }));
}
