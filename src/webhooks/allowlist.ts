import { Types } from 'mongoose';
import { z } from 'zod';
import { badRequest } from '../errors.js';
import type { WorkspaceSettings } from '../workspaces/workspace-settings.js';
import { assertPublicUrl, ForbiddenWebhookUrlError, isValidAllowlistEntry, systemLookup, type Lookup } from './url-guard.js';

/**
 * A workspace's `webhookAllowedHosts`: hostnames, IP addresses or CIDRs; among the private
 * targets the operator allows, the only ones its webhooks may reach (empty: all of those).
 */
export const webhookAllowedHostsSchema = z
  .array(z.string().trim().min(1).max(253).refine(isValidAllowlistEntry, 'must be a hostname, an IP address or a CIDR'))
  .max(100);

/**
 * Decides whether a workspace's webhooks (subscriptions, automation rule calls) may reach a URL:
 * public addresses always; private or loopback ones only when the operator allowlists them
 * (WEBHOOK_ALLOWED_HOSTS), and then, if the workspace has its own list
 * (`settings.webhookAllowedHosts`), only those it names: a workspace admin may narrow what the
 * operator allows, never widen it. The workspace's list comes from the shared settings cache, and
 * only for a target that is not public.
 */
export class WebhookTargetGuard {
  constructor(
    private readonly workspaceSettings: WorkspaceSettings,
    private readonly instanceHosts: string[],
  ) {}

  /** Throws ForbiddenWebhookUrlError for a target the workspace may not reach; DNS errors propagate. */
  async assertAllowed(workspaceId: Types.ObjectId | string, url: string): Promise<void> {
    // The name is resolved once, however many of the lists below it is checked against.
    const lookup = resolvedOnce();
    try {
      await assertPublicUrl(url, { lookup });
      return;
    } catch (err) {
      if (!(err instanceof ForbiddenWebhookUrlError)) throw err;
    }
    await assertPublicUrl(url, { allowlist: this.instanceHosts, lookup });
    const own = (await this.workspaceSettings.of(new Types.ObjectId(String(workspaceId))))?.settings?.webhookAllowedHosts ?? [];
    if (own.length > 0) await assertPublicUrl(url, { allowlist: own, lookup });
  }

  /**
   * assertAllowed for a URL an admin is configuring (a subscription, a rule's webhook action):
   * any failure, a name that does not resolve included, is the caller's to fix, so it is a 400.
   */
  async assertConfigurable(workspaceId: Types.ObjectId, url: string): Promise<void> {
    await this.assertAllowed(workspaceId, url).catch((err: Error) => {
      throw badRequest('webhook_url_forbidden', err.message);
    });
  }
}

/** The system resolver, asked at most once per host for the checks of one URL. */
function resolvedOnce(): Lookup {
  const answers = new Map<string, Promise<string[]>>();
  return (host) => {
    if (!answers.has(host)) answers.set(host, systemLookup(host));
    return answers.get(host)!;
  };
}
