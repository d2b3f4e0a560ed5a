// Discord's error bodies, built one way everywhere so codes, messages and the nested `errors` shape never drift.

export interface ApiResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface FieldError {
  code: string;
  message: string;
}

/** The nested `errors` object of a 50035 body: `{embeds:{0:{title:{_errors:[...]}}}}`. */
export type FormErrors = { _errors?: FieldError[] } & {
  [key: string]: FormErrors | FieldError[] | undefined;
};

export function apiError(status: number, code: number, message: string): ApiResponse {
  return { status, body: { message, code } };
}

export const DiscordErrors = {
  unauthorized: (): ApiResponse => apiError(401, 0, '401: Unauthorized'),
  notFound: (): ApiResponse => apiError(404, 0, '404: Not Found'),
  methodNotAllowed: (): ApiResponse => apiError(405, 0, '405: Method Not Allowed'),
  unknownChannel: (): ApiResponse => apiError(404, 10003, 'Unknown Channel'),
  unknownGuild: (): ApiResponse => apiError(404, 10004, 'Unknown Guild'),
  unknownMessage: (): ApiResponse => apiError(404, 10008, 'Unknown Message'),
  unknownWebhook: (): ApiResponse => apiError(404, 10015, 'Unknown Webhook'),
  unknownApplication: (): ApiResponse => apiError(404, 10002, 'Unknown Application'),
  unknownInteraction: (): ApiResponse => apiError(404, 10062, 'Unknown interaction'),
  alreadyAcknowledged: (): ApiResponse => apiError(400, 40060, 'Interaction has already been acknowledged.'),
  invalidWebhookToken: (): ApiResponse => apiError(401, 50027, 'Invalid Webhook Token'),
  emptyMessage: (): ApiResponse => apiError(400, 50006, 'Cannot send an empty message'),
  missingAccess: (): ApiResponse => apiError(403, 50001, 'Missing Access'),
  cannotEditOthers: (): ApiResponse => apiError(403, 50005, 'Cannot edit a message authored by another user'),
  invalidJson: (): ApiResponse => apiError(400, 50109, 'The request body contains invalid JSON.'),
  entityTooLarge: (): ApiResponse => apiError(413, 40005, 'Request entity too large'),
  internal: (status = 500): ApiResponse => apiError(status, 0, `${status}: Internal Server Error`),
} as const;

export function formError(errors: FormErrors): ApiResponse {
  return { status: 400, body: { message: 'Invalid Form Body', code: 50035, errors } };
}

/** Collects field errors at dotted paths and renders them in Discord's nested shape. */
export class FormErrorCollector {
  readonly #root: FormErrors = {};
  #count = 0;

  add(path: readonly (string | number)[], code: string, message: string): void {
    let node: FormErrors = this.#root;
    for (const key of path) {
      const k = String(key);
      const existing = node[k];
      if (existing === undefined || Array.isArray(existing)) {
        const child: FormErrors = {};
        node[k] = child;
        node = child;
      } else {
        node = existing;
      }
    }
    (node._errors ??= []).push({ code, message });
    this.#count += 1;
  }

  get empty(): boolean {
    return this.#count === 0;
  }

  toResponse(): ApiResponse {
    return formError(this.#root);
  }
}
