import type { z } from 'zod';

/**
 * Ties a public shape to the response schema the OpenAPI document shows for it, at compile time:
 * `Expect<SameShape<ReturnType<typeof messageToApi>, typeof messageResponse>>` stops
 * `npm run typecheck` when a field is in one and not the other, at any depth, or when the shape
 * has a value of a type the schema does not accept; tsc's message names the field. The schema is
 * read on its output side, as the document is. An open object (`z.looseObject`, `z.record`) only
 * needs its named fields: the rest is free on both sides.
 */
export type SameShape<Shape, Schema extends z.ZodType> = Drift<Shape, z.output<Schema>, 'response'>;

/** Compiles only for `true`; any other type is the error tsc reports. */
export type Expect<Check extends true> = Check;

type Nullish = null | undefined;

/**
 * `true`, or a sentence naming where the shape (A) and the schema (S) part. A `never` shape (the
 * items of a literal `[]`) holds no value, so nothing of it can drift.
 */
type Drift<A, S, Path extends string> = [A] extends [never]
  ? true
  : [Extract<A, Nullish>] extends [Extract<S, Nullish>]
    ? ValueDrift<Exclude<A, Nullish>, Exclude<S, Nullish>, Path>
    : `${Path}: the shape may be null or absent, the schema does not allow it`;

type ValueDrift<A, S, Path extends string> = [A] extends [readonly (infer AItem)[]]
  ? [S] extends [readonly (infer SItem)[]]
    ? Drift<AItem, SItem, `${Path}[]`>
    : `${Path}: a list in the shape, not in the schema`
  : [A, S] extends [object, object]
    ? string extends keyof S
      ? FieldDrift<A, NamedFields<S>, Path, 'open'>
      : FieldDrift<A, S, Path, 'closed'>
    : [A] extends [S]
      ? true
      : `${Path}: the shape's type does not fit the schema`;

type FieldDrift<A, S, Path extends string, Kind extends 'open' | 'closed'> = [Exclude<keyof S, keyof A>] extends [never]
  ? Kind extends 'closed'
    ? [Exclude<keyof A, keyof S>] extends [never]
      ? EachField<A, S, Path>
      : `${Path}.${Exclude<keyof A, keyof S> & string}: in the shape, not the schema`
    : EachField<A, S, Path>
  : `${Path}.${Exclude<keyof S, keyof A> & string}: in the schema, not the shape`;

type EachField<A, S, Path extends string> = FirstDrift<{ [K in keyof S & keyof A]: Drift<A[K], S[K], `${Path}.${K & string}`> }[keyof S & keyof A]>;

/** An open object's named fields, without its index signature. */
type NamedFields<S> = { [K in keyof S as string extends K ? never : number extends K ? never : K]: S[K] };

type FirstDrift<Results> = [Exclude<Results, true>] extends [never] ? true : Exclude<Results, true>;
