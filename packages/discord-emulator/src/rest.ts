// Discord's REST routes as the bot sees them: interactions, webhooks, channel messages, commands, gateway info.
import { DiscordErrors, FormErrorCollector, formError, type ApiResponse } from './errors.js';
import type { BucketSpec } from './ratelimit.js';
import {
  CREATABLE_FLAGS,
  INTERACTION_RESPONSE_WINDOW_MS,
  INTERACTION_TOKEN_LIFETIME_MS,
  MessageFlags,
  type EmulatorState,
  type FileInput,
  type InteractionRecord,
  type StoredCommand,
  type Webhook,
} from './state.js';
import type { EmulatedMessage, EmulatorRateLimitOptions } from './types.js';
import { MessageLimits, emptyMessageError, isEmptyMessage, validateMessageBody } from './validation.js';

export interface RestRequest {
  method: string;
  params: Record<string, string>;
  query: URLSearchParams;
  /** Parsed JSON body, or `payload_json` of a multipart body; undefined when there was none. */
  body: unknown;
  files: FileInput[];
  botAuth: boolean;
}

export interface RestResult extends ApiResponse {
  interactionId?: string;
  ackLatencyMs?: number;
  ackLatencyPreciseMs?: number;
}

export interface RouteDef {
  method: string;
  template: string;
  auth: 'bot' | 'none';
  /** Interaction routes are exempt from the global limit. */
  isInteraction(req: RestRequest): boolean;
  buckets(req: RestRequest): BucketSpec[];
  handle(req: RestRequest): RestResult;
}

export interface RestDeps {
  state: EmulatorState;
  limits: Required<EmulatorRateLimitOptions>;
  baseUrl(): string;
  apiBase(): string;
  gatewayUrl(): string;
  identifiesUsed(): number;
  interactionsEndpoint(): string | null;
  publicKeyHex(): string;
}

const CALLBACK_TYPES_FOR_COMMANDS = [4, 5, 9] as const;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function ok(body: unknown, status = 200): RestResult {
  return { status, body };
}

const noContent = (): RestResult => ({ status: 204 });

export function matchTemplate(template: string, segments: readonly string[]): Record<string, string> | null {
  const parts = template.split('/').filter(Boolean);
  if (parts.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] ?? '';
    const seg = segments[i] ?? '';
    if (part.startsWith(':')) params[part.slice(1)] = seg;
    else if (part !== seg) return null;
  }
  return params;
}

export function buildRoutes(deps: RestDeps): RouteDef[] {
  const { state, limits } = deps;
  const app = state.application;

  const routeBucket = (template: string, major: string, method: string): BucketSpec => ({
    key: `route:${method} ${template}:${major}`,
    hashSource: `${method} ${template}`,
    limit: 50,
    windowMs: 1000,
    scope: 'user',
    primary: true,
  });
  const webhookBucket = (req: RestRequest): BucketSpec => ({
    key: `webhook:${req.params['webhook_id'] ?? ''}:${req.params['token'] ?? ''}`,
    hashSource: 'webhook',
    limit: limits.webhookPer2s,
    windowMs: 2000,
    scope: 'user',
    primary: true,
  });
  const channelBucket = (channelId: string, scope: 'user' | 'shared', primary: boolean): BucketSpec => ({
    key: `channel:${channelId}`,
    hashSource: 'channel-messages',
    limit: limits.channelPer60s,
    windowMs: 60_000,
    scope,
    primary,
  });

  const interactionFor = (req: RestRequest): InteractionRecord | undefined => {
    if (req.params['webhook_id'] !== app.id) return undefined;
    const rec = state.interactionsByToken.get(req.params['token'] ?? '');
    return rec;
  };
  const isInteractionWebhook = (req: RestRequest): boolean => interactionFor(req) !== undefined;

  const payload = (req: RestRequest): Record<string, unknown> => (isRecord(req.body) ? req.body : {});

  /** Validation shared by every message-creating or -editing route; null when the payload is acceptable. */
  const checkMessage = (
    req: RestRequest,
    body: Record<string, unknown>,
    opts: { identityOverride: boolean; requireNonEmpty: boolean; sizeLimit?: number },
  ): ApiResponse | null => {
    const invalid = validateMessageBody({ body, allowIdentityOverride: opts.identityOverride });
    if (invalid) return invalid;
    if (req.files.length > MessageLimits.files) {
      const errors = new FormErrorCollector();
      errors.add(
        ['attachments'],
        'BASE_TYPE_MAX_LENGTH',
        `Must be ${MessageLimits.files} or fewer in length.`,
      );
      return errors.toResponse();
    }
    const limit = opts.sizeLimit ?? MessageLimits.fileBytes;
    if (req.files.some((f) => f.data.length > limit)) return DiscordErrors.entityTooLarge();
    if (opts.requireNonEmpty) {
      const empty = isEmptyMessage({
        content: typeof body['content'] === 'string' ? body['content'] : '',
        embeds: Array.isArray(body['embeds']) ? body['embeds'] : [],
        attachmentCount: req.files.length,
        components: Array.isArray(body['components']) ? body['components'] : [],
        hasStickersOrPoll: Array.isArray(body['sticker_ids']) || isRecord(body['poll']),
      });
      if (empty) return emptyMessageError();
    }
    return null;
  };

  /** Would the message still have something in it after this edit? */
  const editLeavesEmpty = (m: EmulatedMessage, body: Record<string, unknown>, req: RestRequest): boolean => {
    const content =
      'content' in body ? (typeof body['content'] === 'string' ? body['content'] : '') : m.content;
    const embeds = 'embeds' in body ? (Array.isArray(body['embeds']) ? body['embeds'] : []) : m.embeds;
    const components =
      'components' in body ? (Array.isArray(body['components']) ? body['components'] : []) : m.components;
    const kept = Array.isArray(body['attachments'])
      ? m.attachments.filter((a) =>
          (body['attachments'] as unknown[]).some((x) => isRecord(x) && String(x['id']) === a.id),
        ).length
      : m.attachments.length;
    return isEmptyMessage({
      content,
      embeds,
      attachmentCount: kept + req.files.length,
      components,
      hasStickersOrPoll: false,
    });
  };

  const messageOut = (m: EmulatedMessage): RestResult => ok(state.messageJson(m, deps.baseUrl()));

  // ---- interactions ----

  const interactionGate = (req: RestRequest): { rec: InteractionRecord } | { error: RestResult } => {
    const rec = interactionFor(req);
    if (!rec) return { error: DiscordErrors.unknownWebhook() };
    const now = state.clock.now();
    if (now - rec.createdAt > INTERACTION_TOKEN_LIFETIME_MS) {
      return { error: { ...DiscordErrors.invalidWebhookToken(), interactionId: rec.id } };
    }
    if (rec.acknowledged === 'none')
      return { error: { ...DiscordErrors.unknownWebhook(), interactionId: rec.id } };
    return { rec };
  };

  const interactionMessage = (
    rec: InteractionRecord,
    messageId: string,
  ): { message: EmulatedMessage; original: boolean } | null => {
    const original = messageId === '@original' || messageId === rec.originalMessageId;
    if (messageId === '@original' && (rec.originalMessageId === null || rec.originalDeleted)) return null;
    const id = messageId === '@original' ? (rec.originalMessageId ?? '') : messageId;
    const message = state.message(id);
    if (!message || message.deleted === true || message.interactionId !== rec.id) return null;
    return { message, original };
  };

  const callback = (req: RestRequest): RestResult => {
    const rec = state.interactions.get(req.params['interaction_id'] ?? '');
    if (!rec || rec.token !== req.params['token']) return DiscordErrors.unknownInteraction();
    const now = state.clock.now();
    const tag = { interactionId: rec.id };
    if (rec.acknowledged !== 'none') return { ...DiscordErrors.alreadyAcknowledged(), ...tag };
    if (now - rec.createdAt > INTERACTION_RESPONSE_WINDOW_MS)
      return { ...DiscordErrors.unknownInteraction(), ...tag };
    const body = payload(req);
    const type = body['type'];
    if (typeof type !== 'number' || !(CALLBACK_TYPES_FOR_COMMANDS as readonly number[]).includes(type)) {
      const errors = new FormErrorCollector();
      if (type === undefined) errors.add(['type'], 'BASE_TYPE_REQUIRED', 'This field is required');
      else
        errors.add(
          ['type'],
          'INTERACTION_RESPONSE_TYPE_INVALID',
          `Interaction response type ${String(type)} is not valid for an application command.`,
        );
      return { ...errors.toResponse(), ...tag };
    }
    const data = isRecord(body['data']) ? body['data'] : {};
    const flags = typeof data['flags'] === 'number' ? data['flags'] : 0;
    if (type === 5 && (flags & ~MessageFlags.Ephemeral) !== 0) {
      const errors = new FormErrorCollector();
      errors.add(
        ['data', 'flags'],
        'INTERACTION_RESPONSE_FLAGS_INVALID',
        'Only the EPHEMERAL flag (64) may be set.',
      );
      return { ...errors.toResponse(), ...tag };
    }
    if (type === 4) {
      if ((flags & ~CREATABLE_FLAGS) !== 0) {
        const errors = new FormErrorCollector();
        errors.add(['data', 'flags'], 'MESSAGE_FLAGS_INVALID', 'Invalid flags for an interaction response.');
        return { ...errors.toResponse(), ...tag };
      }
      const invalid = checkMessage(req, data, { identityOverride: false, requireNonEmpty: true });
      if (invalid) return { ...nestUnder(invalid, 'data'), ...tag };
    }
    if (type === 9) {
      const errors = new FormErrorCollector();
      for (const field of ['custom_id', 'title', 'components'] as const) {
        if (data[field] === undefined)
          errors.add(['data', field], 'BASE_TYPE_REQUIRED', 'This field is required');
      }
      if (!errors.empty) return { ...errors.toResponse(), ...tag };
    }

    const ephemeral = (flags & MessageFlags.Ephemeral) !== 0;
    rec.acknowledged = type === 5 ? 'deferred' : 'replied';
    rec.responseType = type;
    rec.acknowledgedAt = now;
    rec.ephemeral = ephemeral;
    let message: EmulatedMessage | null = null;
    if (type === 4 || type === 5) {
      message = state.createMessage({
        channelId: rec.channelId,
        payload: type === 4 ? data : {},
        files: type === 4 ? req.files : [],
        author: { id: app.id, username: state.botUser.username, bot: true, webhookId: app.id },
        mentionDefault: 'users_only',
        ephemeral,
        interactionId: rec.id,
        type: 20,
        extraFlags: type === 5 ? MessageFlags.Loading : 0,
      });
      rec.originalMessageId = message.id;
      rec.loading = type === 5;
    }
    const result: RestResult = {
      status: 204,
      interactionId: rec.id,
      ackLatencyMs: now - rec.createdAt,
      ackLatencyPreciseMs: performance.now() - rec.sentAtPrecise,
    };
    if (req.query.get('with_response') === 'true') {
      result.status = 200;
      const resource: Record<string, unknown> = { type };
      if (message) resource['message'] = state.messageJson(message, deps.baseUrl());
      result.body = {
        interaction: {
          id: rec.id,
          type: 2,
          activity_instance_id: null,
          response_message_id: message?.id ?? null,
          response_message_loading: type === 5,
          response_message_ephemeral: ephemeral,
        },
        resource,
      };
    }
    return result;
  };

  const interactionFollowup = (req: RestRequest): RestResult => {
    const gate = interactionGate(req);
    if ('error' in gate) return gate.error;
    const { rec } = gate;
    const tag = { interactionId: rec.id };
    const body = payload(req);
    const invalid = checkMessage(req, body, { identityOverride: false, requireNonEmpty: true });
    if (invalid) return { ...invalid, ...tag };
    const flags = typeof body['flags'] === 'number' ? body['flags'] : 0;
    if (rec.loading && !rec.originalDeleted && rec.originalMessageId !== null) {
      // Deprecated but real: the first followup after a defer fills the loading message, flags ignored.
      const original = state.message(rec.originalMessageId);
      if (original) {
        const { flags: _ignored, ...rest } = body;
        state.editMessage(original, rest, req.files, 'users_only', { clearFlags: MessageFlags.Loading });
        rec.loading = false;
        rec.acknowledged = 'replied';
        return { ...messageOut(original), ...tag };
      }
    }
    const message = state.createMessage({
      channelId: rec.channelId,
      payload: body,
      files: req.files,
      author: { id: app.id, username: state.botUser.username, bot: true, webhookId: app.id },
      mentionDefault: 'users_only',
      ephemeral: (flags & MessageFlags.Ephemeral) !== 0,
      interactionId: rec.id,
    });
    rec.acknowledged = 'replied';
    return { ...messageOut(message), ...tag };
  };

  const interactionMessageRoute = (req: RestRequest): RestResult => {
    const gate = interactionGate(req);
    if ('error' in gate) return gate.error;
    const { rec } = gate;
    const tag = { interactionId: rec.id };
    const found = interactionMessage(rec, req.params['message_id'] ?? '');
    if (!found) return { ...DiscordErrors.unknownMessage(), ...tag };
    const { message, original } = found;
    if (req.method === 'GET') return { ...messageOut(message), ...tag };
    if (req.method === 'DELETE') {
      state.deleteMessage(message);
      if (original) {
        rec.originalDeleted = true;
        rec.loading = false;
      }
      return { status: 204, ...tag };
    }
    const body = payload(req);
    const invalid = checkMessage(req, body, { identityOverride: false, requireNonEmpty: false });
    if (invalid) return { ...invalid, ...tag };
    if (editLeavesEmpty(message, body, req)) return { ...emptyMessageError(), ...tag };
    const wasLoading = original && rec.loading;
    state.editMessage(
      message,
      body,
      req.files,
      'users_only',
      wasLoading ? { clearFlags: MessageFlags.Loading } : {},
    );
    if (wasLoading) {
      rec.loading = false;
      rec.acknowledged = 'replied';
    }
    return { ...messageOut(message), ...tag };
  };

  // ---- incoming webhooks ----

  const webhookFor = (req: RestRequest): Webhook | undefined => {
    const w = state.webhooks.get(req.params['webhook_id'] ?? '');
    return w && w.token === req.params['token'] ? w : undefined;
  };

  const webhookExecute = (req: RestRequest): RestResult => {
    if (isInteractionWebhook(req)) return interactionFollowup(req);
    const webhook = webhookFor(req);
    if (!webhook) return DiscordErrors.unknownWebhook();
    const body = payload(req);
    const invalid = checkMessage(req, body, { identityOverride: true, requireNonEmpty: true });
    if (invalid) return invalid;
    let channelId = webhook.channelId;
    const threadId = req.query.get('thread_id');
    if (threadId !== null) {
      const thread = state.channels.get(threadId);
      if (!thread || thread.guildId !== webhook.guildId) return DiscordErrors.unknownChannel();
      channelId = thread.id;
    }
    const username = typeof body['username'] === 'string' ? body['username'].trim() : webhook.name;
    const message = state.createMessage({
      channelId,
      payload: body,
      files: req.files,
      author: { id: webhook.id, username, bot: true, webhookId: webhook.id },
      mentionDefault: 'users_only',
      ephemeral: false,
    });
    return req.query.get('wait') === 'true' ? messageOut(message) : noContent();
  };

  const webhookMessageRoute = (req: RestRequest): RestResult => {
    if (isInteractionWebhook(req)) return interactionMessageRoute(req);
    const webhook = webhookFor(req);
    if (!webhook) return DiscordErrors.unknownWebhook();
    const message = state.message(req.params['message_id'] ?? '');
    if (!message || message.deleted === true || message.webhookId !== webhook.id)
      return DiscordErrors.unknownMessage();
    if (req.method === 'GET') return messageOut(message);
    if (req.method === 'DELETE') {
      state.deleteMessage(message);
      return noContent();
    }
    const body = payload(req);
    const invalid = checkMessage(req, body, { identityOverride: false, requireNonEmpty: false });
    if (invalid) return invalid;
    if (editLeavesEmpty(message, body, req)) return emptyMessageError();
    state.editMessage(message, body, req.files, 'users_only');
    return messageOut(message);
  };

  const webhookWithToken = (req: RestRequest): RestResult => {
    const webhook = webhookFor(req);
    if (!webhook) return DiscordErrors.unknownWebhook();
    if (req.method === 'DELETE') {
      state.webhooks.delete(webhook.id);
      return noContent();
    }
    if (req.method === 'PATCH') {
      const name = payload(req)['name'];
      if (typeof name === 'string') {
        const invalid = checkWebhookName(name);
        if (invalid) return invalid;
        webhook.name = name.trim();
      }
    }
    const json = state.webhookJson(webhook, deps.apiBase(), true);
    delete json['user'];
    return ok(json);
  };

  // ---- channels ----

  const channelOr404 = (req: RestRequest) => state.channels.get(req.params['channel_id'] ?? '');

  const createChannelMessage = (req: RestRequest): RestResult => {
    const channel = channelOr404(req);
    if (!channel) return DiscordErrors.unknownChannel();
    const body = payload(req);
    const invalid = checkMessage(req, body, { identityOverride: false, requireNonEmpty: true });
    if (invalid) return invalid;
    const flags = typeof body['flags'] === 'number' ? body['flags'] : 0;
    const message = state.createMessage({
      channelId: channel.id,
      payload: { ...body, flags: flags & ~MessageFlags.Ephemeral },
      files: req.files,
      author: { id: state.botUser.id, username: state.botUser.username, bot: true },
      mentionDefault: 'all',
      ephemeral: false,
    });
    return messageOut(message);
  };

  const listChannelMessages = (req: RestRequest): RestResult => {
    const channel = channelOr404(req);
    if (!channel) return DiscordErrors.unknownChannel();
    const limitRaw = req.query.get('limit');
    const limit = limitRaw === null ? 50 : Number(limitRaw);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      const errors = new FormErrorCollector();
      errors.add(
        ['limit'],
        limit > 100 ? 'NUMBER_TYPE_MAX' : 'NUMBER_TYPE_MIN',
        limit > 100
          ? 'int value should be less than or equal to 100.'
          : 'int value should be greater than or equal to 1.',
      );
      return errors.toResponse();
    }
    let list = state.channelMessages(channel.id).filter((m) => m.deleted !== true);
    const after = req.query.get('after');
    const before = req.query.get('before');
    for (const [key, value] of [
      ['after', after],
      ['before', before],
    ] as const) {
      if (value !== null && !/^\d{1,20}$/.test(value)) {
        const errors = new FormErrorCollector();
        errors.add([key], 'NUMBER_TYPE_COERCE', `Value "${value}" is not snowflake.`);
        return errors.toResponse();
      }
    }
    const cmp = (a: string, b: string): number =>
      BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0;
    if (after !== null) {
      // Discord returns the `limit` messages right after `after`, still newest first.
      list = list.filter((m) => cmp(m.id, after) > 0).slice(0, limit);
    } else if (before !== null) {
      list = list.filter((m) => cmp(m.id, before) < 0).slice(-limit);
    } else {
      list = list.slice(-limit);
    }
    return ok([...list].reverse().map((m) => state.messageJson(m, deps.baseUrl())));
  };

  const channelMessageRoute = (req: RestRequest): RestResult => {
    const channel = channelOr404(req);
    if (!channel) return DiscordErrors.unknownChannel();
    const message = state.message(req.params['message_id'] ?? '');
    if (
      !message ||
      message.deleted === true ||
      message.channelId !== channel.id ||
      (message.flags & MessageFlags.Ephemeral) !== 0
    ) {
      return DiscordErrors.unknownMessage();
    }
    if (req.method === 'GET') return messageOut(message);
    if (req.method === 'DELETE') {
      state.deleteMessage(message);
      return noContent();
    }
    if (message.author.id !== state.botUser.id || message.webhookId !== undefined)
      return DiscordErrors.cannotEditOthers();
    const body = payload(req);
    const invalid = checkMessage(req, body, { identityOverride: false, requireNonEmpty: false });
    if (invalid) return invalid;
    if (editLeavesEmpty(message, body, req)) return emptyMessageError();
    state.editMessage(message, body, req.files, 'all');
    return messageOut(message);
  };

  const checkWebhookName = (name: unknown): ApiResponse | null => {
    const errors = new FormErrorCollector();
    if (typeof name !== 'string') errors.add(['name'], 'BASE_TYPE_REQUIRED', 'This field is required');
    else {
      const len = name.trim().length;
      if (len < 1 || len > 80)
        errors.add(['name'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 80 in length.');
      for (const word of ['discord', 'clyde']) {
        if (name.toLowerCase().includes(word)) {
          errors.add(['name'], 'WEBHOOK_INVALID_NAME', `Webhook names cannot contain "${word}"`);
        }
      }
    }
    return errors.empty ? null : errors.toResponse();
  };

  const createChannelWebhook = (req: RestRequest): RestResult => {
    const channel = channelOr404(req);
    if (!channel) return DiscordErrors.unknownChannel();
    const name = payload(req)['name'];
    const invalid = checkWebhookName(name);
    if (invalid) return invalid;
    const webhook = state.createWebhook(channel.id, String(name).trim(), app.id);
    return ok(state.webhookJson(webhook, deps.apiBase(), true));
  };

  // ---- commands ----

  const commandJson = (c: StoredCommand): Record<string, unknown> => ({
    ...c.body,
    id: c.id,
    application_id: app.id,
    version: c.version,
    type: c.type,
    name: c.name,
    ...(c.guildId === null ? {} : { guild_id: c.guildId }),
  });

  const validateCommand = (raw: unknown, index: number | null, errors: FormErrorCollector): void => {
    const at = (field: string): (string | number)[] => (index === null ? [field] : [index, field]);
    if (!isRecord(raw)) {
      errors.add(
        index === null ? [] : [index],
        'MODEL_TYPE_CONVERT',
        'Only dictionaries may be used in a ModelType',
      );
      return;
    }
    const type = raw['type'] ?? 1;
    const name = raw['name'];
    if (typeof name !== 'string' || name.length < 1 || name.length > 32) {
      errors.add(at('name'), 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 32 in length.');
    } else if (type === 1 && !/^[-_'\p{Ll}\p{Lo}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u.test(name)) {
      errors.add(at('name'), 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
    }
    const description = raw['description'];
    if (
      type === 1 &&
      (typeof description !== 'string' || description.length < 1 || description.length > 100)
    ) {
      errors.add(at('description'), 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
    }
  };

  const upsertCommand = (raw: Record<string, unknown>, guildId: string | null): StoredCommand => {
    const type = typeof raw['type'] === 'number' ? raw['type'] : 1;
    const name = String(raw['name']);
    // Same name + type + scope keeps its id: bulk overwrite is idempotent, like Discord's.
    const existing = [...state.commands.values()].find(
      (c) => c.name === name && c.type === type && c.guildId === guildId,
    );
    const command: StoredCommand = {
      id: existing?.id ?? state.ids.next(),
      name,
      type,
      guildId,
      version:
        existing && JSON.stringify(existing.body) === JSON.stringify(raw)
          ? existing.version
          : state.ids.next(),
      body: raw,
    };
    state.commands.set(command.id, command);
    return command;
  };

  const commandsRoute = (req: RestRequest): RestResult => {
    if (req.params['application_id'] !== app.id) return DiscordErrors.missingAccess();
    const guildId = req.params['guild_id'] ?? null;
    if (guildId !== null && !state.guilds.has(guildId)) return DiscordErrors.unknownGuild();
    const scoped = (): StoredCommand[] => [...state.commands.values()].filter((c) => c.guildId === guildId);
    if (req.method === 'GET') return ok(scoped().map(commandJson));
    const errors = new FormErrorCollector();
    if (req.method === 'POST') {
      validateCommand(req.body, null, errors);
      if (!errors.empty) return errors.toResponse();
      return ok(commandJson(upsertCommand(req.body as Record<string, unknown>, guildId)), 201);
    }
    if (!Array.isArray(req.body))
      return formError({ _errors: [{ code: 'BASE_TYPE_ARRAY', message: 'Must be an array.' }] });
    if (req.body.length > 100) errors.add([], 'BASE_TYPE_MAX_LENGTH', 'Must be 100 or fewer in length.');
    req.body.forEach((c: unknown, i) => validateCommand(c, i, errors));
    if (!errors.empty) return errors.toResponse();
    const kept = (req.body as Record<string, unknown>[]).map((c) => upsertCommand(c, guildId));
    const keepIds = new Set(kept.map((c) => c.id));
    for (const c of scoped()) if (!keepIds.has(c.id)) state.commands.delete(c.id);
    return ok(kept.map(commandJson));
  };

  // ---- table ----

  const never = (): boolean => false;
  const simple = (
    method: string,
    template: string,
    auth: 'bot' | 'none',
    handle: (req: RestRequest) => RestResult,
    major: (req: RestRequest) => string = () => 'global',
  ): RouteDef => ({
    method,
    template,
    auth,
    isInteraction: never,
    buckets: (req) => [routeBucket(template, major(req), method)],
    handle,
  });
  const byChannel = (req: RestRequest): string => req.params['channel_id'] ?? '';

  const webhookRoutes = (
    method: string,
    template: string,
    handle: (req: RestRequest) => RestResult,
  ): RouteDef => ({
    method,
    template,
    auth: 'none',
    isInteraction: isInteractionWebhook,
    buckets: (req) => {
      const buckets = [webhookBucket(req)];
      if (method === 'POST' && !isInteractionWebhook(req)) {
        const w = webhookFor(req);
        if (w) buckets.push(channelBucket(req.query.get('thread_id') ?? w.channelId, 'shared', false));
      }
      return buckets;
    },
    handle,
  });

  return [
    {
      method: 'POST',
      template: '/interactions/:interaction_id/:token/callback',
      auth: 'none',
      isInteraction: () => true,
      buckets: (req) => [
        {
          key: `callback:${req.params['interaction_id'] ?? ''}`,
          hashSource: 'interaction-callback',
          limit: 50,
          windowMs: 1000,
          scope: 'user',
          primary: true,
        },
      ],
      handle: callback,
    },
    webhookRoutes('POST', '/webhooks/:webhook_id/:token', webhookExecute),
    webhookRoutes('GET', '/webhooks/:webhook_id/:token', webhookWithToken),
    webhookRoutes('PATCH', '/webhooks/:webhook_id/:token', webhookWithToken),
    webhookRoutes('DELETE', '/webhooks/:webhook_id/:token', webhookWithToken),
    webhookRoutes('GET', '/webhooks/:webhook_id/:token/messages/:message_id', webhookMessageRoute),
    webhookRoutes('PATCH', '/webhooks/:webhook_id/:token/messages/:message_id', webhookMessageRoute),
    webhookRoutes('DELETE', '/webhooks/:webhook_id/:token/messages/:message_id', webhookMessageRoute),
    simple(
      'GET',
      '/webhooks/:webhook_id',
      'bot',
      (req) => {
        const w = state.webhooks.get(req.params['webhook_id'] ?? '');
        return w ? ok(state.webhookJson(w, deps.apiBase(), true)) : DiscordErrors.unknownWebhook();
      },
      (req) => req.params['webhook_id'] ?? '',
    ),
    simple('POST', '/channels/:channel_id/webhooks', 'bot', createChannelWebhook, byChannel),
    simple(
      'GET',
      '/channels/:channel_id/webhooks',
      'bot',
      (req) => {
        const channel = channelOr404(req);
        if (!channel) return DiscordErrors.unknownChannel();
        const list = [...state.webhooks.values()].filter((w) => w.channelId === channel.id);
        return ok(list.map((w) => state.webhookJson(w, deps.apiBase(), true)));
      },
      byChannel,
    ),
    simple(
      'GET',
      '/channels/:channel_id',
      'bot',
      (req) => {
        const channel = channelOr404(req);
        return channel ? ok(state.channelJson(channel)) : DiscordErrors.unknownChannel();
      },
      byChannel,
    ),
    {
      method: 'POST',
      template: '/channels/:channel_id/messages',
      auth: 'bot',
      isInteraction: never,
      buckets: (req) => [channelBucket(byChannel(req), 'user', true)],
      handle: createChannelMessage,
    },
    simple('GET', '/channels/:channel_id/messages', 'bot', listChannelMessages, byChannel),
    simple('GET', '/channels/:channel_id/messages/:message_id', 'bot', channelMessageRoute, byChannel),
    simple('PATCH', '/channels/:channel_id/messages/:message_id', 'bot', channelMessageRoute, byChannel),
    simple('DELETE', '/channels/:channel_id/messages/:message_id', 'bot', channelMessageRoute, byChannel),
    simple('GET', '/gateway', 'none', () => ok({ url: deps.gatewayUrl() })),
    simple('GET', '/gateway/bot', 'bot', () =>
      ok({
        url: deps.gatewayUrl(),
        shards: 1,
        session_start_limit: {
          total: 1000,
          remaining: Math.max(0, 1000 - deps.identifiesUsed()),
          reset_after: 86_400_000,
          max_concurrency: 1,
        },
      }),
    ),
    simple('GET', '/users/@me', 'bot', () => ok(state.userJson(state.botUser))),
    simple('GET', '/applications/@me', 'bot', () =>
      ok({
        id: app.id,
        name: app.name,
        icon: null,
        description: '',
        bot_public: true,
        bot_require_code_grant: false,
        verify_key: deps.publicKeyHex(),
        flags: 0,
        interactions_endpoint_url: deps.interactionsEndpoint(),
        bot: state.userJson(state.botUser),
        owner: state.userJson(state.botUser),
      }),
    ),
    simple('GET', '/applications/:application_id/commands', 'bot', commandsRoute),
    simple('PUT', '/applications/:application_id/commands', 'bot', commandsRoute),
    simple('POST', '/applications/:application_id/commands', 'bot', commandsRoute),
    simple('GET', '/applications/:application_id/guilds/:guild_id/commands', 'bot', commandsRoute),
    simple('PUT', '/applications/:application_id/guilds/:guild_id/commands', 'bot', commandsRoute),
    simple('POST', '/applications/:application_id/guilds/:guild_id/commands', 'bot', commandsRoute),
  ];
}

/** A message error found inside a callback's `data` is reported under `data.` like Discord does. */
function nestUnder(response: ApiResponse, key: string): ApiResponse {
  const body = response.body;
  if (isRecord(body) && body['code'] === 50035 && isRecord(body['errors'])) {
    return { ...response, body: { ...body, errors: { [key]: body['errors'] } } };
  }
  return response;
}
