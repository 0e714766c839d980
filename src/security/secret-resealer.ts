import type { Store } from '../store/index.js';
import type { SealedSecret, SecretBox } from './secret-box.js';

/** Every field of the store that holds a sealed secret. */
const SEALED_FIELDS = {
  channels: 'secrets',
  webhookSubscriptions: 'secrets',
  automationRules: 'webhookSecret',
  aiAgentConfigs: 'secret',
} as const satisfies Partial<Record<keyof Store, string>>;

export type SealedCollection = keyof typeof SEALED_FIELDS;

export interface ResealCount {
  resealed: number;
  alreadyCurrent: number;
  /** Written by someone else between the read and the write (with the current key, by a process that has it): run again to be sure. */
  changedMeanwhile: number;
}

/**
 * After an encryption key rotation: seals every stored secret that another key sealed with the
 * current key. Each write is conditional on the value read, so a secret changed meanwhile is
 * never overwritten with its older content. Running it again is harmless.
 */
export async function resealSecrets(deps: { store: Store; secretBox: SecretBox }): Promise<Record<SealedCollection, ResealCount>> {
  const counts = {} as Record<SealedCollection, ResealCount>;
  for (const [name, field] of Object.entries(SEALED_FIELDS) as Array<[SealedCollection, string]>) {
    const count: ResealCount = { resealed: 0, alreadyCurrent: 0, changedMeanwhile: 0 };
    const collection = deps.store[name].collection;
    // Optional in some collections (a local model needs no API key).
    for await (const doc of collection.find({ [field]: { $exists: true } }, { projection: { [field]: 1 } })) {
      const sealed = doc[field] as SealedSecret;
      if (deps.secretBox.isSealedWithCurrentKey(sealed)) {
        count.alreadyCurrent += 1;
        continue;
      }
      const { matchedCount } = await collection.updateOne({ _id: doc._id, [`${field}.data`]: sealed.data }, { $set: { [field]: deps.secretBox.reseal(sealed) } });
      if (matchedCount === 1) count.resealed += 1;
      else count.changedMeanwhile += 1;
    }
    counts[name] = count;
  }
  return counts;
}
