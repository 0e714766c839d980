/** What an API key may do: admin, agent (its own work) or automation (bots and integrations). */

export const API_KEY_ROLES = ['admin', 'agent', 'automation'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];
