import { z } from 'zod';

/** Where the rating link goes in the survey message. */
export const CSAT_LINK_PLACEHOLDER = '{{link}}';

/** Per-workspace survey settings: off unless turned on. */
export interface CsatSettings {
  enabled: boolean;
  /** The survey message; `{{link}}` becomes the rating link. */
  message: string;
}

export const DEFAULT_CSAT_SETTINGS: CsatSettings = {
  enabled: false,
  message: `Thank you for contacting us. How did we do? Rate this conversation from 1 to 5: ${CSAT_LINK_PLACEHOLDER}`,
};

/** The stored settings with the defaults filled in (workspaces stored before they existed have none). */
export function csatSettingsOf(workspace: { settings?: { csat?: Partial<CsatSettings> | null } } | null | undefined): CsatSettings {
  const stored = workspace?.settings?.csat ?? {};
  return {
    enabled: stored.enabled ?? DEFAULT_CSAT_SETTINGS.enabled,
    message: stored.message ?? DEFAULT_CSAT_SETTINGS.message,
  };
}

export function renderCsatMessage(message: string, link: string): string {
  return message.replaceAll(CSAT_LINK_PLACEHOLDER, link);
}

/** `csat` in PATCH /v1/workspace/settings: either field alone; the message must carry the link. */
export const csatSettingsBody = z
  .strictObject({
    enabled: z.boolean(),
    message: z
      .string()
      .trim()
      .min(1)
      .max(1000)
      .refine((m) => m.includes(CSAT_LINK_PLACEHOLDER), { message: `must contain ${CSAT_LINK_PLACEHOLDER}` })
      .describe(`The survey text; must contain ${CSAT_LINK_PLACEHOLDER}, replaced by the rating link`),
  })
  .partial()
  .refine((b) => Object.keys(b).length > 0, { message: 'give enabled or message' });

/** The $set of a settings change, field by field, so changing one keeps the other. */
export function csatSettingsUpdate(body: z.infer<typeof csatSettingsBody>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).map(([k, v]) => [`settings.csat.${k}`, v]));
}
