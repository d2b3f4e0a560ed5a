// The slash commands the bot registers: names, options, choices and who may use them.
import { DEPTHS } from '../core/stage.js';
import { SEARCH_QUERY_MAX } from './validate.js';

/** Application command option types (Discord API). */
export const OptionType = { String: 3, Boolean: 5 } as const;
/** MANAGE_GUILD permission bit, as the decimal string Discord expects. */
export const MANAGE_GUILD = 1n << 5n;
export const ADMINISTRATOR = 1n << 3n;

export const COMMAND_NAMES = {
  analyze: 'autointel',
  retrieve: 'retrieve_results',
  status: 'autointel_status',
  cancel: 'autointel_cancel',
  config: 'autointel_config',
  search: 'autointel_search',
} as const;
export type CommandName = (typeof COMMAND_NAMES)[keyof typeof COMMAND_NAMES];

export interface CommandOptionDefinition {
  readonly type: number;
  readonly name: string;
  readonly description: string;
  readonly required?: boolean;
  readonly min_length?: number;
  readonly max_length?: number;
  readonly choices?: readonly { readonly name: string; readonly value: string }[];
}

export interface CommandDefinition {
  readonly name: CommandName;
  readonly type: 1;
  readonly description: string;
  readonly options: readonly CommandOptionDefinition[];
  readonly default_member_permissions?: string;
  /** Guild-only commands (0 = guild install context, interaction context 0 = guild). */
  readonly contexts?: readonly number[];
}

const workflowIdOption: CommandOptionDefinition = {
  type: OptionType.String,
  name: 'workflow_id',
  description: 'The workflow id the bot gave you (a UUID)',
  required: true,
  max_length: 36,
};

export const COMMANDS: readonly CommandDefinition[] = [
  {
    name: COMMAND_NAMES.analyze,
    type: 1,
    description: 'Analyse a link (article, video, podcast) in the background and post the report here',
    options: [
      {
        type: OptionType.String,
        name: 'url',
        description: 'An http(s) link to analyse',
        required: true,
        max_length: 2048,
      },
      {
        type: OptionType.String,
        name: 'depth',
        description: 'How deep to analyse (default: standard)',
        required: false,
        choices: DEPTHS.map((d) => ({ name: d, value: d })),
      },
      {
        type: OptionType.String,
        name: 'episode',
        description: 'For a podcast feed: the episode number or part of its title (default: the newest)',
        required: false,
        max_length: 200,
      },
      {
        type: OptionType.Boolean,
        name: 'rerun',
        description: 'Analyse again even if this server already has a report for this link at this depth',
        required: false,
      },
    ],
  },
  {
    name: COMMAND_NAMES.retrieve,
    type: 1,
    description: 'Show the report of a finished analysis',
    options: [workflowIdOption],
  },
  {
    name: COMMAND_NAMES.status,
    type: 1,
    description: 'Show the progress of an analysis',
    options: [workflowIdOption],
  },
  {
    name: COMMAND_NAMES.cancel,
    type: 1,
    description: 'Cancel a running analysis',
    options: [workflowIdOption],
  },
  {
    name: COMMAND_NAMES.search,
    type: 1,
    description: "Search this server's earlier reports (only you see the results)",
    options: [
      {
        type: OptionType.String,
        name: 'query',
        description: 'Words to look for in titles, summaries, claims and transcripts',
        required: true,
        min_length: 1,
        max_length: SEARCH_QUERY_MAX,
      },
    ],
  },
  {
    name: COMMAND_NAMES.config,
    type: 1,
    description: 'Set the webhook this server receives reports through (server managers only)',
    options: [
      {
        type: OptionType.String,
        name: 'webhook',
        description: 'A Discord webhook URL (https://discord.com/api/webhooks/…)',
        required: true,
        max_length: 512,
      },
    ],
    default_member_permissions: MANAGE_GUILD.toString(),
    contexts: [0],
  },
];

export const isCommandName = (name: string): name is CommandName =>
  (Object.values(COMMAND_NAMES) as string[]).includes(name);
