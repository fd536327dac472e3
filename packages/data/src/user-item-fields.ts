import type { FieldSchema } from './field-schema.js';

/** Where the user and item ids sit in a schema. */
export interface UserItemFields {
  /** Field index of the user / item id. */
  userField: number;
  itemField: number;
  /** First global id of each field and its cardinality: local id = global id − offset. */
  userOffset: number;
  itemOffset: number;
  numUsers: number;
  numItems: number;
}

/** Field names recognised as the user id and as the item id, in order of preference. */
export const USER_FIELD_NAMES: readonly string[] = ['user', 'user_id', 'userId'];
export const ITEM_FIELD_NAMES: readonly string[] = ['item', 'item_id', 'itemId', 'movie', 'movie_id', 'movieId'];

/**
 * THE rule for "which field is the user and which the item", used by training with negatives, the
 * ranking protocols, recommend and the demos: explicit `userField` / `itemField` (a name or an index)
 * win; otherwise a field named as in {@link USER_FIELD_NAMES} / {@link ITEM_FIELD_NAMES}; otherwise,
 * in a two-field schema, field 0 is the user and field 1 the item. Throws, naming the fields, when
 * neither can be told.
 */
export function resolveUserItemFields(schema: FieldSchema, opts: { userField?: string | number; itemField?: string | number } = {}): UserItemFields {
  const names = schema.fields.map((f) => f.name);
  const index = (f: string | number, what: string): number => {
    const i = typeof f === 'number' ? f : names.indexOf(f);
    if (!Number.isInteger(i) || i < 0 || i >= names.length) {
      throw new Error(`${what} ${JSON.stringify(f)} is not a field of this data (fields: ${names.join(', ')})`);
    }
    return i;
  };
  const byName = (candidates: readonly string[]) => {
    for (const c of candidates) {
      const i = names.indexOf(c);
      if (i >= 0) return i;
    }
    return -1;
  };
  let user = opts.userField !== undefined ? index(opts.userField, 'userField') : byName(USER_FIELD_NAMES);
  let item = opts.itemField !== undefined ? index(opts.itemField, 'itemField') : byName(ITEM_FIELD_NAMES);
  if (names.length === 2) {
    if (user < 0 && item < 0) [user, item] = [0, 1];
    else if (user < 0) user = 1 - item;
    else if (item < 0) item = 1 - user;
  }
  if (user < 0 || item < 0) {
    throw new Error(
      `cannot tell the ${user < 0 ? 'user' : 'item'} field: name it "${user < 0 ? 'user' : 'item'}" or say which it is (fields: ${names.join(', ')})`,
    );
  }
  if (user === item) throw new Error(`the user and item fields must differ (both are "${names[user]}")`);
  for (const [f, what] of [
    [user, 'user'],
    [item, 'item'],
  ] as const) {
    if (schema.fields[f]?.kind !== 'categorical') throw new Error(`the ${what} field "${names[f]}" must be categorical, it is ${schema.fields[f]?.kind}`);
  }
  return {
    userField: user,
    itemField: item,
    userOffset: schema.offsets[user] as number,
    itemOffset: schema.offsets[item] as number,
    numUsers: schema.fields[user]?.cardinality as number,
    numItems: schema.fields[item]?.cardinality as number,
  };
}
