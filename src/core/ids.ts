// Identifiers: workflow ids are UUIDs; this module creates and recognises them.
import { randomUUID } from 'node:crypto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

export const newId = (): string => randomUUID();
export const isUuid = (value: string): boolean => UUID.test(value);
