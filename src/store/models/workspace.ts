import { Schema, type Types } from 'mongoose';
import { DEFAULT_LIFECYCLE_SETTINGS, type LifecycleSettings } from '../../domain/lifecycle.js';

export interface WorkspaceDoc {
  _id: Types.ObjectId;
  name: string;
  /** Lifecycle settings; read through lifecycleSettingsOf, which fills in the defaults. */
  settings?: Partial<LifecycleSettings> & {
    /** Private or loopback hosts, addresses or CIDRs this workspace's webhooks may reach (src/webhooks/allowlist.ts). */
    webhookAllowedHosts?: string[];
    /** Satisfaction survey after a resolution; read through csatSettingsOf (src/csat/csat-settings.ts). */
    csat?: { enabled?: boolean; message?: string };
  };
  createdAt: Date;
  updatedAt: Date;
}

export const workspaceSchema = new Schema<WorkspaceDoc>({
  name: { type: String, required: true },
  settings: {
    autoResolveAfterHours: { type: Number, min: 0, default: DEFAULT_LIFECYCLE_SETTINGS.autoResolveAfterHours },
    abandonAfterMinutes: { type: Number, min: 0, default: DEFAULT_LIFECYCLE_SETTINGS.abandonAfterMinutes },
    reopenResolved: { type: Boolean, default: DEFAULT_LIFECYCLE_SETTINGS.reopenResolved },
    closingMessage: String,
    webhookAllowedHosts: { type: [String], default: undefined },
    csat: { enabled: Boolean, message: String },
  },
});

/** The workspace's lifecycle settings; workspaces stored before they existed get the defaults. */
export function lifecycleSettingsOf(workspace: Pick<WorkspaceDoc, 'settings'> | null | undefined): LifecycleSettings {
  const stored = Object.entries(workspace?.settings ?? {}).filter(([, v]) => v !== undefined && v !== null);
  return { ...DEFAULT_LIFECYCLE_SETTINGS, ...Object.fromEntries(stored) };
}
