// JSON serialised once by whoever made the value — often a content-pool thread — so the event loop that answers
// Discord neither serialises a large checkpoint again nor walks it to store it.

/** A JSON value as text. Stores write the text as it is; readers parse it once. */
export class SerializedJson {
  constructor(readonly text: string) {}
}

/** The stored text of a value: a SerializedJson's own text, otherwise JSON.stringify (undefined as null). */
export const jsonText = (value: unknown): string =>
  value instanceof SerializedJson ? value.text : JSON.stringify(value ?? null);

/** The plain JSON value, parsing a SerializedJson. */
export const jsonValue = (value: unknown): unknown =>
  value instanceof SerializedJson ? (JSON.parse(value.text) as unknown) : value;
