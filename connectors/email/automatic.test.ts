import { describe, expect, it } from 'vitest';
import { isAutomatic, isBulk } from './automatic.js';

const headers = (fields: Record<string, string>) => new Map(Object.entries(fields).map(([k, v]) => [k.toLowerCase(), [v]]));

describe('isAutomatic', () => {
  it.each<[Record<string, string>]>([
    [{ 'Auto-Submitted': 'auto-replied' }],
    [{ 'Auto-Submitted': 'auto-generated' }],
    [{ 'Auto-Submitted': 'auto-notified; owner-email="x@y.test"' }],
    [{ 'Auto-Submitted': 'Auto-Replied (vacation)' }],
    [{ Precedence: 'bulk' }],
    [{ Precedence: 'list' }],
    [{ Precedence: 'JUNK' }],
    [{ 'List-Id': 'Customers <customers.lists.example.com>' }],
    [{ 'List-Unsubscribe': '<mailto:unsubscribe@example.com>' }],
    [{ 'List-Post': 'NO' }],
    [{ 'X-Autoreply': 'yes' }],
    [{ 'X-Autorespond': 'Out of office' }],
    [{ 'Return-Path': '<>' }],
    [{ 'Return-Path': '< >' }],
  ])('%j is automatic', (fields) => {
    expect(isAutomatic(headers(fields))).toBe(true);
  });

  it.each<[Record<string, string>]>([
    [{}],
    [{ 'Auto-Submitted': 'no' }],
    [{ 'Auto-Submitted': 'No (a person wrote this)' }],
    [{ Precedence: 'first-class' }],
    // Outlook sets this on ordinary mail a person wrote.
    [{ 'X-Auto-Response-Suppress': 'All' }],
    [{ 'Return-Path': '<ana@example.com>' }],
    [{ 'X-Listed-In': 'nothing' }],
  ])('%j is not automatic', (fields) => {
    expect(isAutomatic(headers(fields))).toBe(false);
  });

  it('any of several Auto-Submitted fields counts', () => {
    expect(isAutomatic(new Map([['auto-submitted', ['no', 'auto-replied']]]))).toBe(true);
  });
});

describe('isBulk', () => {
  it.each<[Record<string, string>]>([
    [{ 'List-Id': 'Example announcements <announce.lists.example.org>' }],
    [{ Precedence: 'list' }],
    [{ Precedence: 'bulk' }],
    [{ Precedence: 'Junk' }],
    // A list's auto-reply is still list mail.
    [{ 'List-Id': '<team.lists.example.org>', 'Auto-Submitted': 'auto-replied' }],
  ])('%j is list or bulk mail', (fields) => {
    expect(isBulk(headers(fields))).toBe(true);
  });

  it.each<[Record<string, string>]>([
    [{}],
    [{ 'Auto-Submitted': 'auto-replied' }],
    [{ 'Return-Path': '<>' }],
    // An unsubscribe link alone is no list: shops put one on receipts a person asked for.
    [{ 'List-Unsubscribe': '<mailto:leave@example.com>' }],
    // Old responders (vacation(1)) mark their replies Precedence: bulk or junk; they answer us, they are no mass mail.
    [{ 'Auto-Submitted': 'auto-replied', Precedence: 'bulk' }],
    [{ 'X-Autoreply': 'yes', Precedence: 'junk' }],
    [{ 'X-Autorespond': 'Out of office', Precedence: 'bulk' }],
    [{ Precedence: 'first-class' }],
  ])('%j is not', (fields) => {
    expect(isBulk(headers(fields))).toBe(false);
  });
});
