/** One message in a folder, as IMAP serves it. */
export interface StoredMail {
  uid: number;
  flags: Set<string>;
  internalDate: Date;
  raw: Buffer;
}

export interface MailFolder {
  name: string;
  uidValidity: number;
  uidNext: number;
  messages: StoredMail[];
}

/**
 * The business's mailbox on the sandbox's mail server: folders of messages with their UIDs, in
 * memory. A new sandbox is a new mailbox, so its UIDVALIDITY differs from the last run's (seconds
 * since the epoch): a gateway still holding the old run's cursor fetches the mailbox anew.
 */
export class MailStore {
  private readonly folders = new Map<string, MailFolder>();
  private readonly listeners = new Set<(folder: MailFolder, mail: StoredMail) => void>();
  private readonly readers = new Set<(folder: MailFolder, mail: StoredMail) => void>();
  private nextUidValidity = Math.floor(Date.now() / 1000);

  constructor(folderNames: readonly string[] = ['INBOX', 'Sent']) {
    for (const name of folderNames) this.create(name);
  }

  /** INBOX is case-insensitive (RFC 3501 §5.1); other names are exact. */
  folder(name: string): MailFolder | undefined {
    return this.folders.get(name.toUpperCase() === 'INBOX' ? 'INBOX' : name);
  }

  list(): MailFolder[] {
    return [...this.folders.values()];
  }

  /** false when the folder already exists. */
  create(name: string): boolean {
    if (this.folder(name)) return false;
    const key = name.toUpperCase() === 'INBOX' ? 'INBOX' : name;
    this.folders.set(key, { name: key, uidValidity: this.nextUidValidity++, uidNext: 1, messages: [] });
    return true;
  }

  /** Adds a message to an existing folder and tells the watchers (IMAP sessions in IDLE). */
  append(folderName: string, raw: Buffer, flags: Iterable<string> = [], internalDate = new Date()): { folder: MailFolder; mail: StoredMail } {
    const folder = this.folder(folderName);
    if (!folder) throw new Error(`No folder "${folderName}"`);
    const mail: StoredMail = { uid: folder.uidNext++, flags: new Set(flags), internalDate, raw };
    folder.messages.push(mail);
    for (const listener of this.listeners) listener(folder, mail);
    return { folder, mail };
  }

  onAppend(listener: (folder: MailFolder, mail: StoredMail) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A client fetched a message's content (the gateway picked a mail up). */
  fetched(folder: MailFolder, mail: StoredMail): void {
    for (const reader of this.readers) reader(folder, mail);
  }

  onFetch(reader: (folder: MailFolder, mail: StoredMail) => void): () => void {
    this.readers.add(reader);
    return () => this.readers.delete(reader);
  }
}
