import type { Types } from 'mongoose';
import { z } from 'zod';
import type { Store } from '../store/index.js';
import { isValidAllowlistEntry } from './url-guard.js';

/** A workspace's `webhookAllowedHosts`: hostnames, IP addresses or CIDRs its webhooks may reach although private. */
export const webhookAllowedHostsSchema = z
  .array(z.string().trim().min(1).max(253).refine(isValidAllowlistEntry, 'must be a hostname, an IP address or a CIDR'))
  .max(100);

/** The instance-wide allowlist (WEBHOOK_ALLOWED_HOSTS) plus the workspace's own. */
export async function webhookAllowlist(store: Store, instanceHosts: string[], workspaceId: Types.ObjectId | string): Promise<string[]> {
  const workspace = await store.workspaces.findById(workspaceId, { 'settings.webhookAllowedHosts': 1 }).lean();
  return [...instanceHosts, ...(workspace?.settings?.webhookAllowedHosts ?? [])];
}
